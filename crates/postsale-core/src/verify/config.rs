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
