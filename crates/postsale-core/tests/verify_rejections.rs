//! Each way a request can fail verification gives the right status, reason code and a
//! diagnosis that helps without revealing a secret.

mod verify_support;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use http::HeaderMap;
use postsale_core::verify::{
    BasicAuthConfig, Check, CheckKind, HeaderValueConfig, HmacConfig, IpAllowList, Preset, Reason,
    SecurityConfig, SigningSecret, VerifyInput, verify_request,
};
use time::{Duration, OffsetDateTime};
use verify_support::{insert, instant, sign, verify};

const BODY: &[u8] = br##"{"id":1001,"name":"#1001","total_price":"10.00"}"##;
const STANDARD_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

fn now() -> OffsetDateTime {
    instant("2025-01-24T04:10:16Z")
}

fn hmac_config(preset: Preset, secret: &str) -> SecurityConfig {
    SecurityConfig::single(Check::Hmac(HmacConfig::preset(preset, secret)))
}

fn basic_config(password: &str) -> SecurityConfig {
    SecurityConfig::single(Check::BasicAuth(BasicAuthConfig {
        username: "shop".to_owned(),
        password: password.into(),
    }))
}

fn basic_header(credentials: &str) -> HeaderMap {
    let mut headers = HeaderMap::new();
    let value = format!("Basic {}", STANDARD.encode(credentials));
    insert(&mut headers, "Authorization", value.as_bytes());
    headers
}

#[test]
fn truncated_digest_reports_lengths() {
    let config = hmac_config(Preset::Shopify, "shpss_secret");
    let mut headers = sign(&config, BODY, now());
    let full = headers["x-shopify-hmac-sha256"]
        .to_str()
        .unwrap()
        .to_owned();
    insert(
        &mut headers,
        "X-Shopify-Hmac-Sha256",
        &full.as_bytes()[..24],
    );

    let rejection = verify(&config, &headers, BODY, now()).unwrap_err();
    assert_eq!(rejection.status.as_u16(), 401);
    assert_eq!(rejection.reason, Reason::BadSignature);
    assert!(
        rejection.diagnosis.contains("decodes to 18 bytes"),
        "{}",
        rejection.diagnosis
    );
    assert!(
        rejection.diagnosis.contains("gives 32"),
        "{}",
        rejection.diagnosis
    );
}

#[test]
fn hex_digest_on_base64_preset_is_diagnosed() {
    let config = hmac_config(Preset::Shopify, "shpss_secret");
    let mut headers = HeaderMap::new();
    insert(
        &mut headers,
        "X-Shopify-Hmac-Sha256",
        "ab".repeat(32).as_bytes(),
    );

    let rejection = verify(&config, &headers, BODY, now()).unwrap_err();
    assert_eq!(rejection.reason, Reason::BadSignature);
    assert!(
        rejection.diagnosis.contains("looks like hex"),
        "{}",
        rejection.diagnosis
    );
}

#[test]
fn undecodable_digest_is_malformed() {
    let config = hmac_config(Preset::Shopify, "shpss_secret");
    let mut headers = HeaderMap::new();
    insert(&mut headers, "X-Shopify-Hmac-Sha256", b"not-base64!!");

    let rejection = verify(&config, &headers, BODY, now()).unwrap_err();
    assert_eq!(rejection.reason, Reason::MalformedSignature);
    assert!(
        rejection.diagnosis.contains("neither hex nor base64"),
        "{}",
        rejection.diagnosis
    );
    assert!(
        rejection.diagnosis.contains("44 characters of base64"),
        "{}",
        rejection.diagnosis
    );
}

#[test]
fn empty_standard_signature_is_401() {
    let config = hmac_config(Preset::StandardWebhooks, STANDARD_SECRET);
    let mut headers = sign(&config, BODY, now());
    insert(&mut headers, "webhook-signature", b"v1,");

    let rejection = verify(&config, &headers, BODY, now()).unwrap_err();
    assert_eq!(rejection.status.as_u16(), 401);
    assert_eq!(rejection.reason, Reason::MalformedSignature);
    assert!(
        rejection.diagnosis.contains("empty"),
        "{}",
        rejection.diagnosis
    );
}

#[test]
fn standard_signature_of_other_version_only() {
    let config = hmac_config(Preset::StandardWebhooks, STANDARD_SECRET);
    let mut headers = sign(&config, BODY, now());
    insert(&mut headers, "webhook-signature", b"v1a,c2lnbmF0dXJl");

    let rejection = verify(&config, &headers, BODY, now()).unwrap_err();
    assert_eq!(rejection.reason, Reason::MalformedSignature);
}

#[test]
fn missing_standard_headers() {
    let config = hmac_config(Preset::StandardWebhooks, STANDARD_SECRET);
    for name in ["webhook-id", "webhook-timestamp", "webhook-signature"] {
        let mut headers = sign(&config, BODY, now());
        headers.remove(name);
        let rejection = verify(&config, &headers, BODY, now()).unwrap_err();
        assert_eq!(rejection.reason, Reason::MissingHeader, "{name}");
        assert!(
            rejection.diagnosis.contains(name),
            "{}",
            rejection.diagnosis
        );
    }
}

#[test]
fn stale_and_future_timestamps() {
    for preset in [Preset::StandardWebhooks, Preset::Stripe] {
        let config = hmac_config(preset, STANDARD_SECRET);
        let signed_at = now();
        let headers = sign(&config, BODY, signed_at);

        let at_edge = signed_at + Duration::seconds(300);
        assert!(
            verify(&config, &headers, BODY, at_edge).is_ok(),
            "{preset} at +300 s"
        );

        let late = signed_at + Duration::seconds(420);
        let rejection = verify(&config, &headers, BODY, late).unwrap_err();
        assert_eq!(rejection.reason, Reason::TimestampOutOfWindow, "{preset}");
        assert_eq!(rejection.status.as_u16(), 401);
        assert!(
            rejection.diagnosis.contains("420 s older"),
            "{}",
            rejection.diagnosis
        );
        assert!(
            rejection.diagnosis.contains("120 s outside"),
            "{}",
            rejection.diagnosis
        );

        let early = signed_at - Duration::seconds(301);
        let rejection = verify(&config, &headers, BODY, early).unwrap_err();
        assert_eq!(rejection.reason, Reason::TimestampOutOfWindow, "{preset}");
        assert!(
            rejection.diagnosis.contains("ahead of"),
            "{}",
            rejection.diagnosis
        );
    }
}

#[test]
fn millisecond_timestamp_gets_hint() {
    let config = hmac_config(Preset::Stripe, "whsec_x");
    let mut headers = HeaderMap::new();
    let value = format!("t={}000,v1={}", now().unix_timestamp(), "ab".repeat(32));
    insert(&mut headers, "Stripe-Signature", value.as_bytes());

    let rejection = verify(&config, &headers, BODY, now()).unwrap_err();
    assert_eq!(rejection.reason, Reason::TimestampOutOfWindow);
    assert!(
        rejection.diagnosis.contains("milliseconds"),
        "{}",
        rejection.diagnosis
    );
}

#[test]
fn stripe_header_without_timestamp() {
    let config = hmac_config(Preset::Stripe, "whsec_x");
    let mut headers = HeaderMap::new();
    insert(
        &mut headers,
        "Stripe-Signature",
        format!("v1={}", "ab".repeat(32)).as_bytes(),
    );

    let rejection = verify(&config, &headers, BODY, now()).unwrap_err();
    assert_eq!(rejection.reason, Reason::MalformedHeader);
}

#[test]
fn stripe_accepts_any_of_several_v1() {
    let config = hmac_config(Preset::Stripe, "whsec_x");
    let mut headers = sign(&config, BODY, now());
    let signed = headers["stripe-signature"].to_str().unwrap().to_owned();
    let (timestamp, digest) = signed.split_once(",v1=").unwrap();
    let several = format!("{timestamp},v1={},v0=old,v1={digest}", "00".repeat(32));
    insert(&mut headers, "Stripe-Signature", several.as_bytes());

    assert!(verify(&config, &headers, BODY, now()).is_ok());
}

#[test]
fn github_prefix_required() {
    let config = hmac_config(Preset::GitHub, "text");
    let mut headers = sign(&config, BODY, now());
    let signed = headers["x-hub-signature-256"].to_str().unwrap().to_owned();
    insert(
        &mut headers,
        "X-Hub-Signature-256",
        signed.trim_start_matches("sha256=").as_bytes(),
    );

    let rejection = verify(&config, &headers, BODY, now()).unwrap_err();
    assert_eq!(rejection.reason, Reason::MalformedSignature);
    assert!(
        rejection.diagnosis.contains("sha256="),
        "{}",
        rejection.diagnosis
    );
}

#[test]
fn expired_only_secret_is_no_active_secret() {
    let mut secret = SigningSecret::new("shpss_secret");
    secret.valid_until = Some(now() - Duration::hours(1));
    let config = SecurityConfig::single(Check::Hmac(Preset::Shopify.hmac_config(vec![secret])));
    let headers = sign(&config, BODY, now());

    let rejection = verify(&config, &headers, BODY, now()).unwrap_err();
    assert_eq!(rejection.reason, Reason::NoActiveSecret);
    assert_eq!(rejection.status.as_u16(), 401);
}

#[test]
fn basic_auth_password_with_colons() {
    let config = basic_config("pa:ss:word");
    let verified = verify(&config, &basic_header("shop:pa:ss:word"), BODY, now());
    assert!(verified.is_ok(), "{verified:?}");

    let rejection = verify(&config, &basic_header("shop:pa:ss"), BODY, now()).unwrap_err();
    assert_eq!(rejection.reason, Reason::BadCredentials);
    assert_eq!(
        rejection.www_authenticate(),
        Some("Basic realm=\"postsale\"")
    );
}

#[test]
fn basic_auth_malformed_headers() {
    let config = basic_config("password");
    let mut cases: Vec<(HeaderMap, Reason)> = vec![(HeaderMap::new(), Reason::MissingHeader)];
    for value in [
        "Basic !!!",
        "Basic",
        "Bearer abc",
        &format!("Basic {}", STANDARD.encode("nocolon")),
    ] {
        let mut headers = HeaderMap::new();
        insert(&mut headers, "Authorization", value.as_bytes());
        cases.push((headers, Reason::MalformedHeader));
    }

    for (headers, reason) in cases {
        let rejection = verify(&config, &headers, BODY, now()).unwrap_err();
        assert_eq!(rejection.reason, reason, "{headers:?}");
        assert_eq!(rejection.status.as_u16(), 401);
        assert_eq!(rejection.check, CheckKind::BasicAuth);
        assert!(rejection.www_authenticate().is_some());
    }
}

#[test]
fn header_value_check() {
    let config = SecurityConfig::single(Check::HeaderValue(HeaderValueConfig {
        header: "X-Api-Token".to_owned(),
        value: "tok_0123456789".into(),
    }));

    let mut headers = HeaderMap::new();
    insert(&mut headers, "x-api-token", b"tok_0123456789");
    assert!(verify(&config, &headers, BODY, now()).is_ok());

    insert(&mut headers, "X-API-TOKEN", b"tok_012345678");
    let rejection = verify(&config, &headers, BODY, now()).unwrap_err();
    assert_eq!(rejection.reason, Reason::BadCredentials);
    assert!(rejection.www_authenticate().is_none());
    assert!(
        !rejection.diagnosis.contains("tok_"),
        "{}",
        rejection.diagnosis
    );

    let rejection = verify(&config, &HeaderMap::new(), BODY, now()).unwrap_err();
    assert_eq!(rejection.reason, Reason::MissingHeader);
}

#[test]
fn ip_outside_list_is_403_before_hmac() {
    let config = SecurityConfig {
        checks: vec![
            Check::Hmac(HmacConfig::preset(Preset::Shopify, "shpss_secret")),
            Check::IpAllowList(IpAllowList {
                allow: vec![
                    "198.51.100.0/24".parse().unwrap(),
                    "2001:db8::/32".parse().unwrap(),
                ],
            }),
        ],
    };
    let headers = HeaderMap::new();

    let rejection = verify(&config, &headers, BODY, now()).unwrap_err();
    assert_eq!(rejection.status.as_u16(), 403);
    assert_eq!(rejection.reason, Reason::IpNotAllowed);
    assert!(
        rejection.diagnosis.contains("192.0.2.1"),
        "{}",
        rejection.diagnosis
    );

    let signed = sign(&config, BODY, now());
    for peer in ["198.51.100.7", "2001:db8::9", "::ffff:198.51.100.7"] {
        let input = VerifyInput {
            headers: &signed,
            raw_body: BODY,
            decoded_body: BODY,
            peer: peer.parse().unwrap(),
            trusted_proxies: &[],
            now: now(),
        };
        let verified = verify_request(&config, &input).unwrap();
        assert_eq!(verified.secret_index, Some(0), "{peer}");
    }
}

#[test]
fn spoofed_forwarded_for_from_untrusted_peer() {
    let config = SecurityConfig::single(Check::IpAllowList(IpAllowList {
        allow: vec!["198.51.100.10".parse().unwrap()],
    }));
    let mut headers = HeaderMap::new();
    insert(&mut headers, "X-Forwarded-For", b"198.51.100.10");
    let trusted = ["10.0.0.0/8".parse().unwrap()];
    let input = VerifyInput {
        headers: &headers,
        raw_body: BODY,
        decoded_body: BODY,
        peer: "203.0.113.99".parse().unwrap(),
        trusted_proxies: &trusted,
        now: now(),
    };

    let rejection = verify_request(&config, &input).unwrap_err();
    assert_eq!(rejection.status.as_u16(), 403);
    assert_eq!(rejection.reason, Reason::IpNotAllowed);
    assert!(
        rejection.diagnosis.contains("203.0.113.99"),
        "{}",
        rejection.diagnosis
    );
}

#[test]
fn all_checks_must_pass() {
    let config = SecurityConfig {
        checks: vec![
            Check::BasicAuth(BasicAuthConfig {
                username: "shop".to_owned(),
                password: "password".into(),
            }),
            Check::Hmac(HmacConfig::preset(Preset::WooCommerce, "wc_secret")),
        ],
    };
    let Check::Hmac(hmac) = &config.checks[1] else {
        unreachable!()
    };
    let pairs = postsale_core::verify::sign_request(hmac, &hmac.secrets[0].value, BODY, now(), "1")
        .unwrap();

    let mut headers = verify_support::headers_from_pairs(&pairs);
    let rejection = verify(&config, &headers, BODY, now()).unwrap_err();
    assert_eq!(rejection.check, CheckKind::BasicAuth);

    let authorization = format!("Basic {}", STANDARD.encode("shop:password"));
    insert(&mut headers, "Authorization", authorization.as_bytes());
    assert_eq!(
        verify(&config, &headers, BODY, now()).unwrap().secret_index,
        Some(0)
    );

    let rejection = verify(&config, &headers, b"{}", now()).unwrap_err();
    assert_eq!(rejection.check, CheckKind::Hmac);
}

#[test]
fn empty_configured_credentials_fail_closed() {
    let basic = basic_config("");
    let rejection = verify(&basic, &basic_header("shop:"), BODY, now()).unwrap_err();
    assert_eq!(rejection.reason, Reason::BadCredentials);

    let header = SecurityConfig::single(Check::HeaderValue(HeaderValueConfig {
        header: "X-Api-Token".to_owned(),
        value: "".into(),
    }));
    let mut headers = HeaderMap::new();
    insert(&mut headers, "X-Api-Token", b"");
    let rejection = verify(&header, &headers, BODY, now()).unwrap_err();
    assert_eq!(rejection.reason, Reason::BadCredentials);

    let hmac = hmac_config(Preset::Shopify, "");
    let mut headers = HeaderMap::new();
    insert(
        &mut headers,
        "X-Shopify-Hmac-Sha256",
        b"JSWWeKs0gKRfz9tswv5Ni2H8SABMtMIqjgl8Jqr+no4=",
    );
    let rejection = verify(&hmac, &headers, BODY, now()).unwrap_err();
    assert_eq!(rejection.reason, Reason::NoActiveSecret);
}
