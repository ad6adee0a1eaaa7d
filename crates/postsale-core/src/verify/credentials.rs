//! The Basic Auth and Header Value checks. Both compare in constant time.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use http::HeaderMap;
use http::header::AUTHORIZATION;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::config::{BasicAuthConfig, HeaderValueConfig};
use super::rejection::{CheckKind, Reason, Rejection};
use super::signature::required_header;

/// Checks `Authorization: Basic <base64 of username:password>`. The decoded credentials are
/// split at the first `:`, so a password may contain colons.
pub(crate) fn check_basic_auth(
    config: &BasicAuthConfig,
    headers: &HeaderMap,
) -> Result<(), Rejection> {
    if config.username.is_empty() || config.password.is_empty() {
        return Err(unset_credential(CheckKind::BasicAuth));
    }
    let value = required_header(CheckKind::BasicAuth, headers, AUTHORIZATION.as_str())?;

    let Some((scheme, encoded)) = value.split_once(' ') else {
        return Err(malformed_basic(
            "Authorization has no scheme; send Basic <credentials>",
        ));
    };
    if !scheme.eq_ignore_ascii_case("basic") {
        // The scheme is not echoed: a sender that leaves it out puts its credential there.
        let diagnosis = "Authorization does not use the Basic scheme; send Basic <credentials>";
        return Err(malformed_basic(diagnosis));
    }

    let Ok(decoded) = STANDARD.decode(encoded.trim()) else {
        let diagnosis = "the Basic credentials are not valid base64 of username:password";
        return Err(malformed_basic(diagnosis));
    };
    let Some(colon) = decoded.iter().position(|&byte| byte == b':') else {
        let diagnosis = "the decoded Basic credentials have no ':' between username and password";
        return Err(malformed_basic(diagnosis));
    };

    let (username, password) = (&decoded[..colon], &decoded[colon + 1..]);
    let username_ok = secret_eq(username, config.username.as_bytes());
    let password_ok = secret_eq(password, config.password.expose().as_bytes());
    if !(username_ok & password_ok) {
        let diagnosis = "the username or password does not match the webhook's Basic Auth settings";
        return Err(Rejection::new(
            CheckKind::BasicAuth,
            Reason::BadCredentials,
            diagnosis,
        ));
    }
    Ok(())
}

/// Checks that the configured header carries the configured value.
pub(crate) fn check_header_value(
    config: &HeaderValueConfig,
    headers: &HeaderMap,
) -> Result<(), Rejection> {
    if config.value.is_empty() {
        return Err(unset_credential(CheckKind::HeaderValue));
    }
    let Some(value) = headers.get(config.header.as_str()) else {
        let diagnosis = format!(
            "header {} is missing; the sender must send it",
            config.header
        );
        return Err(Rejection::new(
            CheckKind::HeaderValue,
            Reason::MissingHeader,
            diagnosis,
        ));
    };

    if !header_value_matches(value.as_bytes(), config.value.expose()) {
        let diagnosis = format!(
            "the value of header {} does not match the webhook's Header Value settings",
            config.header
        );
        return Err(Rejection::new(
            CheckKind::HeaderValue,
            Reason::BadCredentials,
            diagnosis,
        ));
    }
    Ok(())
}

/// Compares a received header value with the expected one. When the expected value is
/// `Bearer <token>`, the scheme matches in any case and may be followed by several spaces,
/// because authentication schemes are case-insensitive (RFC 9110, section 11.1). The token
/// and every other value are compared exactly.
fn header_value_matches(received: &[u8], expected: &str) -> bool {
    let Some(expected_token) = bearer_token(expected.as_bytes()) else {
        return secret_eq(received, expected.as_bytes());
    };
    match bearer_token(received) {
        Some(received_token) => secret_eq(received_token, expected_token),
        None => secret_eq(received, expected.as_bytes()),
    }
}

/// Returns the token of `Bearer <token>`, with the scheme in any case and one or more spaces
/// after it, or `None` when the value does not start with that scheme.
fn bearer_token(value: &[u8]) -> Option<&[u8]> {
    const SCHEME: &[u8] = b"bearer ";
    let head = value.get(..SCHEME.len())?;
    if !head.eq_ignore_ascii_case(SCHEME) {
        return None;
    }
    let rest = &value[SCHEME.len()..];
    let start = rest.iter().position(|&byte| byte != b' ')?;
    Some(&rest[start..])
}

/// Compares two values in time that depends on neither their contents nor their lengths,
/// by comparing their SHA-256 hashes in constant time.
fn secret_eq(received: &[u8], expected: &[u8]) -> bool {
    Sha256::digest(received)
        .ct_eq(&Sha256::digest(expected))
        .into()
}

/// Rejects every request while a credential is empty, so that an unvalidated configuration
/// cannot accept an empty password or header value.
fn unset_credential(check: CheckKind) -> Rejection {
    let diagnosis = "the webhook's security settings have an empty credential; set it in the \
                     webhook's security settings";
    Rejection::new(check, Reason::BadCredentials, diagnosis)
}

fn malformed_basic(diagnosis: impl Into<String>) -> Rejection {
    Rejection::new(CheckKind::BasicAuth, Reason::MalformedHeader, diagnosis)
}
