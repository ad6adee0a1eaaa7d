//! The authentication scheme in `Authorization` is case-insensitive (RFC 9110, section 11.1):
//! Basic Auth and a Header Value check that expects `Bearer <token>` accept the scheme in any
//! case, while the credentials themselves stay case-sensitive.

mod verify_support;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use http::HeaderMap;
use postsale_core::verify::{BasicAuthConfig, Check, HeaderValueConfig, Reason, SecurityConfig};
use verify_support::{insert, instant, verify};

const BODY: &[u8] = br#"{"id":1}"#;
const PASSWORD: &str = "basic-password-1234";
const TOKEN: &str = "tok_4f9aQ7zLm2Xc8RbT";

fn basic_config() -> SecurityConfig {
    SecurityConfig::single(Check::BasicAuth(BasicAuthConfig {
        username: "shop".to_owned(),
        password: PASSWORD.into(),
    }))
}

fn bearer_config(header: &str) -> SecurityConfig {
    SecurityConfig::single(Check::HeaderValue(HeaderValueConfig {
        header: header.to_owned(),
        value: format!("Bearer {TOKEN}").into(),
    }))
}

fn with_header(name: &str, value: &str) -> HeaderMap {
    let mut headers = HeaderMap::new();
    insert(&mut headers, name, value.as_bytes());
    headers
}

fn basic_credentials() -> String {
    STANDARD.encode(format!("shop:{PASSWORD}"))
}

#[test]
fn basic_scheme_in_any_case_passes() {
    let now = instant("2025-01-24T04:10:16Z");
    let credentials = basic_credentials();

    for scheme in ["Basic", "basic", "BASIC", "bAsIc"] {
        let headers = with_header("Authorization", &format!("{scheme} {credentials}"));
        let result = verify(&basic_config(), &headers, BODY, now);
        assert!(result.is_ok(), "{scheme}: {result:?}");
    }
}

#[test]
fn basic_scheme_with_several_spaces_passes() {
    let now = instant("2025-01-24T04:10:16Z");
    let headers = with_header("Authorization", &format!("basic   {}", basic_credentials()));

    let result = verify(&basic_config(), &headers, BODY, now);

    assert!(result.is_ok(), "{result:?}");
}

#[test]
fn bearer_scheme_in_any_case_passes() {
    let now = instant("2025-01-24T04:10:16Z");

    for scheme in ["Bearer", "bearer", "BEARER", "bEaReR"] {
        let headers = with_header("Authorization", &format!("{scheme} {TOKEN}"));
        let result = verify(&bearer_config("Authorization"), &headers, BODY, now);
        assert!(result.is_ok(), "{scheme}: {result:?}");
    }
}

#[test]
fn bearer_scheme_in_custom_header_passes() {
    let now = instant("2025-01-24T04:10:16Z");
    let headers = with_header("X-Auth", &format!("bearer {TOKEN}"));

    let result = verify(&bearer_config("X-Auth"), &headers, BODY, now);

    assert!(result.is_ok(), "{result:?}");
}

#[test]
fn bearer_token_stays_case_sensitive() {
    let now = instant("2025-01-24T04:10:16Z");
    let upper = TOKEN.to_uppercase();

    for value in [
        format!("bearer {upper}"),
        format!("Bearer {upper}"),
        format!("Bearer {TOKEN}x"),
        format!("Bearer{TOKEN}"),
        TOKEN.to_owned(),
        format!("Basic {TOKEN}"),
    ] {
        let headers = with_header("Authorization", &value);
        let rejection = verify(&bearer_config("Authorization"), &headers, BODY, now)
            .expect_err(&format!("{value:?} must be rejected"));
        assert_eq!(rejection.reason, Reason::BadCredentials, "{value:?}");
    }
}

#[test]
fn value_without_scheme_stays_exact() {
    let now = instant("2025-01-24T04:10:16Z");
    let config = SecurityConfig::single(Check::HeaderValue(HeaderValueConfig {
        header: "X-Token".to_owned(),
        value: "Token-Value-ABCDEFGH".into(),
    }));

    let exact = verify(
        &config,
        &with_header("X-Token", "Token-Value-ABCDEFGH"),
        BODY,
        now,
    );
    let lowered = verify(
        &config,
        &with_header("X-Token", "token-value-abcdefgh"),
        BODY,
        now,
    );

    assert!(exact.is_ok(), "{exact:?}");
    assert!(
        lowered.is_err(),
        "a value without a scheme is compared exactly"
    );
}
