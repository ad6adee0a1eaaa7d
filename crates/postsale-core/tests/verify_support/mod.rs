//! Helpers shared by the verification and ingress tests: finding the shared material, reading
//! case files and building requests.

#![allow(dead_code)]

use std::net::IpAddr;
use std::path::PathBuf;

use http::{HeaderMap, HeaderName, HeaderValue};
use postsale_core::verify::{
    Rejection, SecurityConfig, Verified, VerifyInput, sign_request, verify_request,
};
use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// A peer address from the documentation range, outside every allow list in the tests.
pub const PEER: &str = "192.0.2.1";

/// Returns the shared folder with payloads and cases: `POSTSALE_SHARED_DIR`, or `../shared`
/// beside the workspace root.
pub fn shared_dir() -> PathBuf {
    let dir = match std::env::var_os("POSTSALE_SHARED_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared"),
    };
    assert!(
        dir.is_dir(),
        "shared folder {} not found: set POSTSALE_SHARED_DIR to the folder with payloads/ and cases/",
        dir.display()
    );
    dir
}

/// Reads the bytes of a file under `payloads/`.
pub fn payload(name: &str) -> Vec<u8> {
    let path = shared_dir().join("payloads").join(name);
    std::fs::read(&path).unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()))
}

/// Reads and parses a file under `cases/`.
pub fn case(name: &str) -> Value {
    let path = shared_dir().join("cases").join(name);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()));
    serde_json::from_str(&text)
        .unwrap_or_else(|error| panic!("{} is not JSON: {error}", path.display()))
}

/// Returns a case's string field, panicking with the path when it is absent.
pub fn text<'a>(value: &'a Value, pointer: &str) -> &'a str {
    value
        .pointer(pointer)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("case has no string at {pointer}"))
}

/// Headers from a JSON object of name to string value.
pub fn headers_from_json(object: &Value) -> HeaderMap {
    let mut headers = HeaderMap::new();
    let entries = object.as_object().expect("headers are a JSON object");
    for (name, value) in entries {
        let value = value.as_str().expect("header values are strings");
        insert(&mut headers, name, value.as_bytes());
    }
    headers
}

/// Inserts one header, replacing any earlier value.
pub fn insert(headers: &mut HeaderMap, name: &str, value: &[u8]) {
    let name = HeaderName::from_bytes(name.as_bytes()).expect("valid header name");
    let value = HeaderValue::from_bytes(value).expect("valid header value");
    headers.insert(name, value);
}

/// Headers from name and value pairs, as `sign_request` returns them.
pub fn headers_from_pairs(pairs: &[(String, String)]) -> HeaderMap {
    let mut headers = HeaderMap::new();
    for (name, value) in pairs {
        insert(&mut headers, name, value.as_bytes());
    }
    headers
}

pub fn instant(text: &str) -> OffsetDateTime {
    OffsetDateTime::parse(text, &Rfc3339).expect("RFC 3339 instant")
}

pub fn peer() -> IpAddr {
    PEER.parse().unwrap()
}

/// Verifies a request without content encoding from [`PEER`], with no trusted proxies.
pub fn verify(
    config: &SecurityConfig,
    headers: &HeaderMap,
    body: &[u8],
    now: OffsetDateTime,
) -> Result<Verified, Rejection> {
    let input = VerifyInput {
        headers,
        raw_body: body,
        decoded_body: body,
        peer: peer(),
        trusted_proxies: &[],
        now,
    };
    verify_request(config, &input)
}

/// Signs `body` with the first secret of the config's single HMAC check.
pub fn sign(config: &SecurityConfig, body: &[u8], now: OffsetDateTime) -> HeaderMap {
    let postsale_core::verify::Check::Hmac(hmac) = &config.checks[0] else {
        panic!("the first check is not HMAC");
    };
    let pairs = sign_request(hmac, &hmac.secrets[0].value, body, now, "msg_test_delivery")
        .expect("the test secret decodes");
    headers_from_pairs(&pairs)
}
