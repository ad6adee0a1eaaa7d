//! `SecurityConfig::validate`: rejects settings that could never pass a request, or that would
//! let every request pass, with an error naming the field.

use http::HeaderName;

use super::config::{BasicAuthConfig, Check, HeaderValueConfig, IpAllowList, SecurityConfig};
use super::digest::decode_key;
use super::hmac_config::{HmacConfig, KeyEncoding, SignedContent};
use super::secret::Secret;

/// The maximum number of secrets of an HMAC check: the current one and the one being rotated
/// out.
pub const MAX_SECRETS: usize = 2;

/// The largest timestamp tolerance accepted, one day in seconds: a wider window makes
/// replaying an old delivery too easy.
pub const MAX_TOLERANCE_SECS: u64 = 86_400;

/// The shortest HMAC key accepted, in bytes after the key encoding is undone. A shorter key
/// can be guessed; the sales channels' own secrets are longer.
pub const MIN_HMAC_KEY_BYTES: usize = 16;

/// The shortest Basic Auth password or Header Value accepted, in characters.
pub const MIN_CREDENTIAL_CHARS: usize = 8;

/// A setting that cannot be used, with its JSON path such as `checks[0].secrets[1].value`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid security setting {field}: {problem}")]
pub struct ConfigError {
    pub field: String,
    pub problem: String,
}

impl SecurityConfig {
    /// Checks every setting and returns the first that cannot be used.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.checks.is_empty() {
            return Err(error("checks", "add at least one check"));
        }

        for (index, check) in self.checks.iter().enumerate() {
            let path = format!("checks[{index}]");
            match check {
                Check::BasicAuth(basic) => validate_basic(&path, basic)?,
                Check::HeaderValue(header) => validate_header_value(&path, header)?,
                Check::Hmac(hmac) => validate_hmac(&path, hmac)?,
                Check::IpAllowList(list) => validate_ip(&path, list)?,
            }
        }
        Ok(())
    }
}

fn validate_basic(path: &str, basic: &BasicAuthConfig) -> Result<(), ConfigError> {
    if basic.username.is_empty() {
        return Err(error(format!("{path}.username"), "enter a username"));
    }
    if basic.username.contains(':') {
        let problem = "a Basic Auth username cannot contain ':'; choose one without it";
        return Err(error(format!("{path}.username"), problem));
    }
    if basic.password.is_empty() {
        return Err(error(format!("{path}.password"), "enter a password"));
    }
    check_credential_length(&format!("{path}.password"), "password", &basic.password)
}

fn check_credential_length(
    field: &str,
    credential: &str,
    value: &Secret,
) -> Result<(), ConfigError> {
    let chars = value.char_count();
    if chars < MIN_CREDENTIAL_CHARS {
        let problem = format!(
            "the {credential} has {chars} characters, fewer than the minimum of \
             {MIN_CREDENTIAL_CHARS} characters: choose a longer, random one and set it in the \
             sales channel too"
        );
        return Err(error(field, problem));
    }
    Ok(())
}

fn validate_header_value(path: &str, header: &HeaderValueConfig) -> Result<(), ConfigError> {
    validate_header_name(&format!("{path}.header"), &header.header)?;

    if header.value.is_empty() {
        return Err(error(
            format!("{path}.value"),
            "enter the value the header must carry",
        ));
    }
    if http::HeaderValue::from_str(header.value.expose()).is_err() {
        let problem = "the value contains characters a header cannot carry, such as a newline";
        return Err(error(format!("{path}.value"), problem));
    }
    check_credential_length(&format!("{path}.value"), "value", &header.value)
}

fn validate_hmac(path: &str, hmac: &HmacConfig) -> Result<(), ConfigError> {
    validate_header_name(&format!("{path}.header"), &hmac.header)?;
    validate_timestamp_settings(path, hmac)?;

    if hmac.secrets.is_empty() {
        return Err(error(
            format!("{path}.secrets"),
            "add the secret the sender signs with",
        ));
    }
    if hmac.secrets.len() > MAX_SECRETS {
        let problem = format!(
            "{} secrets given, at most {MAX_SECRETS} may be active: remove the retired ones",
            hmac.secrets.len()
        );
        return Err(error(format!("{path}.secrets"), problem));
    }

    for (index, secret) in hmac.secrets.iter().enumerate() {
        let secret_path = format!("{path}.secrets[{index}]");
        if secret.value.is_empty() {
            return Err(error(format!("{secret_path}.value"), "enter the secret"));
        }
        let key = match decode_key(hmac.key_encoding, &secret.value) {
            Ok(key) => key,
            Err(key_error) => {
                return Err(error(format!("{secret_path}.value"), key_error.to_string()));
            }
        };
        if key.len() < MIN_HMAC_KEY_BYTES {
            let problem = format!(
                "the key is {} bytes long{}, shorter than the minimum of {MIN_HMAC_KEY_BYTES} \
                 bytes: copy the whole secret from the sales channel, or generate a random one \
                 of at least 32 characters",
                key.len(),
                key_encoding_note(hmac.key_encoding)
            );
            return Err(error(format!("{secret_path}.value"), problem));
        }
        if let (Some(from), Some(until)) = (secret.valid_from, secret.valid_until)
            && from >= until
        {
            let problem = "valid_until must be later than valid_from";
            return Err(error(format!("{secret_path}.valid_until"), problem));
        }
    }
    Ok(())
}

/// Returns how the key length was counted when the secret is not used as text.
fn key_encoding_note(encoding: KeyEncoding) -> &'static str {
    match encoding {
        KeyEncoding::Text => "",
        KeyEncoding::Hex => " after hex decoding",
        KeyEncoding::Base64 => " after base64 decoding",
    }
}

fn validate_timestamp_settings(path: &str, hmac: &HmacConfig) -> Result<(), ConfigError> {
    if hmac.signs_timestamp() && !(1..=MAX_TOLERANCE_SECS).contains(&hmac.tolerance_secs) {
        let problem = format!(
            "{} s is outside 1 to {MAX_TOLERANCE_SECS} s; the usual value is 300",
            hmac.tolerance_secs
        );
        return Err(error(format!("{path}.tolerance_secs"), problem));
    }
    if hmac.signed_content != SignedContent::IdTimestampBody {
        return Ok(());
    }

    let id_header = hmac.id_header.as_deref().unwrap_or_default();
    validate_header_name(&format!("{path}.id_header"), id_header)?;
    let timestamp_header = hmac.timestamp_header.as_deref().unwrap_or_default();
    validate_header_name(&format!("{path}.timestamp_header"), timestamp_header)
}

fn validate_ip(path: &str, list: &IpAllowList) -> Result<(), ConfigError> {
    if list.allow.is_empty() {
        let problem = "add at least one address or range, or remove the IP allow list check";
        return Err(error(format!("{path}.allow"), problem));
    }
    Ok(())
}

fn validate_header_name(field: &str, name: &str) -> Result<(), ConfigError> {
    if name.is_empty() {
        return Err(error(field, "enter a header name"));
    }
    if HeaderName::from_bytes(name.as_bytes()).is_err() {
        let problem = format!("{name:?} is not a valid header name; use letters, digits and '-'");
        return Err(error(field, problem));
    }
    Ok(())
}

fn error(field: impl Into<String>, problem: impl Into<String>) -> ConfigError {
    ConfigError {
        field: field.into(),
        problem: problem.into(),
    }
}
