//! `SecurityConfig::validate` names the field it rejects, and neither `Debug` nor `masked()`
//! shows a secret.

use postsale_core::verify::{
    BasicAuthConfig, Check, HeaderValueConfig, HmacConfig, IpAllowList, KeyEncoding, Preset,
    SecurityConfig, SigningSecret,
};
use time::macros::datetime;

const SECRET: &str = "shpss_0123456789abcdef0123456789";

fn hmac(config: HmacConfig) -> SecurityConfig {
    SecurityConfig::single(Check::Hmac(config))
}

fn rejected_field(config: &SecurityConfig) -> String {
    let error = config
        .validate()
        .expect_err("the configuration should be rejected");
    assert!(error.to_string().contains(&error.field), "{error}");
    error.field
}

#[test]
fn empty_config_is_rejected() {
    assert_eq!(rejected_field(&SecurityConfig::default()), "checks");
}

#[test]
fn empty_secrets_are_rejected() {
    let empty = hmac(HmacConfig::preset(Preset::Shopify, ""));
    assert_eq!(rejected_field(&empty), "checks[0].secrets[0].value");

    let none = hmac(Preset::Shopify.hmac_config(Vec::new()));
    assert_eq!(rejected_field(&none), "checks[0].secrets");

    let basic = SecurityConfig::single(Check::BasicAuth(BasicAuthConfig {
        username: "shop".to_owned(),
        password: "".into(),
    }));
    assert_eq!(rejected_field(&basic), "checks[0].password");

    let header = SecurityConfig::single(Check::HeaderValue(HeaderValueConfig {
        header: "X-Token".to_owned(),
        value: "".into(),
    }));
    assert_eq!(rejected_field(&header), "checks[0].value");
}

#[test]
fn three_secrets_are_rejected() {
    let secrets = vec![
        SigningSecret::new("a"),
        SigningSecret::new("b"),
        SigningSecret::new("c"),
    ];
    assert_eq!(
        rejected_field(&hmac(Preset::GitHub.hmac_config(secrets))),
        "checks[0].secrets"
    );
}

#[test]
fn undecodable_keys_are_rejected() {
    let squarespace = hmac(HmacConfig::preset(Preset::Squarespace, "not hex"));
    assert_eq!(rejected_field(&squarespace), "checks[0].secrets[0].value");

    let standard = hmac(HmacConfig::preset(Preset::StandardWebhooks, "whsec_???"));
    assert_eq!(rejected_field(&standard), "checks[0].secrets[0].value");
}

#[test]
fn inverted_window_is_rejected() {
    let mut secret = SigningSecret::new(SECRET);
    secret.valid_from = Some(datetime!(2025-02-02 0:00 UTC));
    secret.valid_until = Some(datetime!(2025-02-01 0:00 UTC));
    let config = hmac(Preset::Shopify.hmac_config(vec![secret]));
    assert_eq!(rejected_field(&config), "checks[0].secrets[0].valid_until");
}

#[test]
fn bad_header_names_are_rejected() {
    let custom = hmac(HmacConfig::preset(Preset::Custom, SECRET));
    assert_eq!(rejected_field(&custom), "checks[0].header");

    let spaced = hmac(HmacConfig {
        header: "X Signature".to_owned(),
        ..HmacConfig::preset(Preset::Custom, SECRET)
    });
    assert_eq!(rejected_field(&spaced), "checks[0].header");
}

#[test]
fn tolerance_and_allow_list_limits() {
    let zero = hmac(HmacConfig {
        tolerance_secs: 0,
        ..HmacConfig::preset(Preset::Stripe, SECRET)
    });
    assert_eq!(rejected_field(&zero), "checks[0].tolerance_secs");

    let empty_list = SecurityConfig::single(Check::IpAllowList(IpAllowList { allow: Vec::new() }));
    assert_eq!(rejected_field(&empty_list), "checks[0].allow");

    let colon_user = SecurityConfig::single(Check::BasicAuth(BasicAuthConfig {
        username: "sh:op".to_owned(),
        password: "password".into(),
    }));
    assert_eq!(rejected_field(&colon_user), "checks[0].username");
}

#[test]
fn every_preset_validates() {
    for preset in Preset::ALL {
        let mut config = HmacConfig::preset(preset, "00112233445566778899aabbccddeeff");
        if preset == Preset::Custom {
            config.header = "X-Signature".to_owned();
        }
        if config.key_encoding == KeyEncoding::Base64 {
            config.secrets[0] = SigningSecret::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
        }
        assert_eq!(hmac(config).validate(), Ok(()), "{preset}");
    }
}

fn basic(password: &str) -> SecurityConfig {
    SecurityConfig::single(Check::BasicAuth(BasicAuthConfig {
        username: "shop".to_owned(),
        password: password.into(),
    }))
}

fn header_value(value: &str) -> SecurityConfig {
    SecurityConfig::single(Check::HeaderValue(HeaderValueConfig {
        header: "X-Token".to_owned(),
        value: value.into(),
    }))
}

fn hmac_key(encoding: KeyEncoding, secret: &str) -> SecurityConfig {
    let mut config = HmacConfig::preset(Preset::Custom, secret);
    config.header = "X-Signature".to_owned();
    config.key_encoding = encoding;
    hmac(config)
}

#[test]
fn short_hmac_keys_are_rejected() {
    let cases = [
        (KeyEncoding::Text, "a".repeat(15), "a".repeat(16)),
        (KeyEncoding::Hex, "ab".repeat(15), "ab".repeat(16)),
        (
            KeyEncoding::Base64,
            "whsec_MDEyMzQ1Njc4OWFiY2Rl".to_owned(),
            "whsec_MDEyMzQ1Njc4OWFiY2RlZg==".to_owned(),
        ),
    ];

    for (encoding, short, long_enough) in cases {
        let error = hmac_key(encoding, &short).validate().unwrap_err();
        assert_eq!(error.field, "checks[0].secrets[0].value", "{encoding:?}");
        assert!(error.problem.contains("15 bytes"), "{error}");
        assert!(error.problem.contains("16 bytes"), "{error}");
        assert!(
            !error.problem.contains(&short),
            "the secret is not echoed: {error}"
        );
        assert_eq!(
            hmac_key(encoding, &long_enough).validate(),
            Ok(()),
            "{encoding:?}"
        );
    }
}

#[test]
fn short_credentials_are_rejected() {
    let error = basic("seven-7").validate().unwrap_err();
    assert_eq!(error.field, "checks[0].password");
    assert!(error.problem.contains("8 characters"), "{error}");
    assert!(!error.problem.contains("seven-7"), "{error}");
    assert_eq!(basic("eight-88").validate(), Ok(()));

    let error = header_value("seven-7").validate().unwrap_err();
    assert_eq!(error.field, "checks[0].value");
    assert!(error.problem.contains("8 characters"), "{error}");
    assert_eq!(header_value("eight-88").validate(), Ok(()));
    assert!(
        basic("üüüü").validate().is_err(),
        "characters are counted, not bytes: 4 characters in 8 bytes are too few"
    );
}

#[test]
fn masked_view_hides_every_secret() {
    let config = SecurityConfig {
        checks: vec![
            Check::BasicAuth(BasicAuthConfig {
                username: "shop".to_owned(),
                password: "basic-password-1234".into(),
            }),
            Check::HeaderValue(HeaderValueConfig {
                header: "X-Token".to_owned(),
                value: "header-token-5678".into(),
            }),
            Check::Hmac(Preset::Shopify.hmac_config(vec![
                SigningSecret::new(SECRET),
                SigningSecret::new("short"),
            ])),
        ],
    };

    let masked = config.masked();
    let text = masked.to_string();
    for secret in ["basic-password-1234", "header-token-5678", SECRET, "short"] {
        assert!(!text.contains(secret), "masked view shows {secret}: {text}");
    }
    assert_eq!(
        masked["checks"][2]["secrets"][0]["value"],
        "…6789 (32 chars)"
    );
    assert_eq!(masked["checks"][2]["secrets"][1]["value"], "********");
    assert_eq!(masked["checks"][0]["username"], "shop");

    let debug = format!("{config:?}");
    for secret in ["basic-password-1234", "header-token-5678", SECRET] {
        assert!(!debug.contains(secret), "Debug shows {secret}: {debug}");
    }
}
