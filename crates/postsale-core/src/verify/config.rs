//! `SecurityConfig`: the checks a webhook applies to every request, stored as JSON.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::hmac_config::HmacConfig;
use super::ip::IpRange;
use super::rejection::CheckKind;
use super::secret::Secret;

/// A webhook's security settings: a request must pass every check.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SecurityConfig {
    /// Each check is read from a JSON object only, see [`crate::json_object`].
    #[serde(deserialize_with = "crate::json_object::object_list")]
    pub checks: Vec<Check>,
}

/// One check of a [`SecurityConfig`], tagged by `type` in JSON.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Check {
    BasicAuth(BasicAuthConfig),
    HeaderValue(HeaderValueConfig),
    Hmac(HmacConfig),
    IpAllowList(IpAllowList),
}

/// The username and password a request must send as `Authorization: Basic …`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BasicAuthConfig {
    pub username: String,
    pub password: Secret,
}

/// A header, matched ignoring case, and the value it must carry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HeaderValueConfig {
    pub header: String,
    pub value: Secret,
}

/// The addresses and CIDR ranges a request may come from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IpAllowList {
    pub allow: Vec<IpRange>,
}

impl Check {
    pub fn kind(&self) -> CheckKind {
        match self {
            Check::BasicAuth(_) => CheckKind::BasicAuth,
            Check::HeaderValue(_) => CheckKind::HeaderValue,
            Check::Hmac(_) => CheckKind::Hmac,
            Check::IpAllowList(_) => CheckKind::IpAllowList,
        }
    }
}

impl SecurityConfig {
    /// Creates a configuration with one check.
    pub fn single(check: Check) -> Self {
        Self {
            checks: vec![check],
        }
    }

    /// Returns the JSON form for API responses, with every secret replaced by
    /// [`Secret::masked`]. The result is for display only and cannot be read back as a
    /// configuration with working secrets.
    pub fn masked(&self) -> Value {
        let mut json = serde_json::to_value(self).unwrap_or(Value::Null);
        let Some(checks) = json.get_mut("checks").and_then(Value::as_array_mut) else {
            return json;
        };

        for (check, config) in checks.iter_mut().zip(&self.checks) {
            mask_check(check, config);
        }
        json
    }
}

impl SecurityConfig {
    /// Fills each empty secret from `stored`, the configuration being replaced, so that a form
    /// which shows secrets only masked can leave them blank to keep them.
    ///
    /// A check takes its secrets from the stored check of the same type at the same position
    /// among the checks of that type, so the second HMAC check reads the second stored HMAC
    /// check. An HMAC secret comes from the secret at the same index. A secret with no stored
    /// counterpart stays empty, so that [`SecurityConfig::validate`] rejects it.
    pub fn fill_empty_secrets(&mut self, stored: &SecurityConfig) {
        let mut seen: Vec<CheckKind> = Vec::new();
        for check in &mut self.checks {
            let kind = check.kind();
            let position = seen.iter().filter(|earlier| **earlier == kind).count();
            seen.push(kind);
            let Some(previous) = stored
                .checks
                .iter()
                .filter(|candidate| candidate.kind() == kind)
                .nth(position)
            else {
                continue;
            };
            fill_check(check, previous);
        }
    }
}

fn fill_check(check: &mut Check, previous: &Check) {
    match (check, previous) {
        (Check::BasicAuth(basic), Check::BasicAuth(old)) if basic.password.is_empty() => {
            basic.password = old.password.clone();
        }
        (Check::HeaderValue(header), Check::HeaderValue(old)) if header.value.is_empty() => {
            header.value = old.value.clone();
        }
        (Check::Hmac(hmac), Check::Hmac(old)) => {
            for (secret, old_secret) in hmac.secrets.iter_mut().zip(&old.secrets) {
                if secret.value.is_empty() {
                    secret.value = old_secret.value.clone();
                }
            }
        }
        _ => {}
    }
}

fn mask_check(json: &mut Value, config: &Check) {
    match config {
        Check::BasicAuth(basic) => json["password"] = Value::from(basic.password.masked()),
        Check::HeaderValue(header) => json["value"] = Value::from(header.value.masked()),
        Check::Hmac(hmac) => {
            for (index, secret) in hmac.secrets.iter().enumerate() {
                json["secrets"][index]["value"] = Value::from(secret.value.masked());
            }
        }
        Check::IpAllowList(_) => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verify::{HmacConfig, Preset, SigningSecret};

    fn basic(password: &str) -> Check {
        Check::BasicAuth(BasicAuthConfig {
            username: "shop".into(),
            password: Secret::new(password),
        })
    }

    fn hmac(secrets: &[&str]) -> Check {
        let mut config = HmacConfig::preset(Preset::Shopify, "unused");
        config.secrets = secrets
            .iter()
            .map(|value| SigningSecret::new(*value))
            .collect();
        Check::Hmac(config)
    }

    fn password(check: &Check) -> &str {
        match check {
            Check::BasicAuth(basic) => basic.password.expose(),
            other => panic!("expected Basic Auth, got {other:?}"),
        }
    }

    fn secrets(check: &Check) -> Vec<&str> {
        match check {
            Check::Hmac(hmac) => hmac.secrets.iter().map(|s| s.value.expose()).collect(),
            other => panic!("expected HMAC, got {other:?}"),
        }
    }

    #[test]
    fn empty_password_keeps_stored_one() {
        let stored = SecurityConfig::single(basic("stored-password"));
        let mut edited = SecurityConfig::single(basic(""));

        edited.fill_empty_secrets(&stored);

        assert_eq!(password(&edited.checks[0]), "stored-password");
    }

    #[test]
    fn typed_secret_replaces_stored_one() {
        let stored = SecurityConfig::single(hmac(&["old-secret"]));
        let mut edited = SecurityConfig::single(hmac(&["new-secret"]));

        edited.fill_empty_secrets(&stored);

        assert_eq!(secrets(&edited.checks[0]), ["new-secret"]);
    }

    #[test]
    fn hmac_secrets_fill_by_index() {
        let stored = SecurityConfig::single(hmac(&["first", "second"]));
        let mut edited = SecurityConfig::single(hmac(&["", "", ""]));

        edited.fill_empty_secrets(&stored);

        assert_eq!(secrets(&edited.checks[0]), ["first", "second", ""]);
    }

    #[test]
    fn checks_match_by_type_and_position() {
        let stored = SecurityConfig {
            checks: vec![hmac(&["hmac-one"]), basic("basic-one"), hmac(&["hmac-two"])],
        };
        let mut edited = SecurityConfig {
            checks: vec![basic(""), hmac(&[""]), hmac(&[""])],
        };

        edited.fill_empty_secrets(&stored);

        assert_eq!(password(&edited.checks[0]), "basic-one");
        assert_eq!(secrets(&edited.checks[1]), ["hmac-one"]);
        assert_eq!(secrets(&edited.checks[2]), ["hmac-two"]);
    }

    #[test]
    fn secret_without_stored_counterpart_stays_empty() {
        let stored = SecurityConfig::single(hmac(&["hmac-one"]));
        let mut edited = SecurityConfig {
            checks: vec![basic(""), hmac(&[""]), hmac(&[""])],
        };

        edited.fill_empty_secrets(&stored);

        assert_eq!(password(&edited.checks[0]), "");
        assert_eq!(secrets(&edited.checks[2]), [""]);
        assert!(
            edited.validate().is_err(),
            "an empty secret is still rejected"
        );
    }
}
