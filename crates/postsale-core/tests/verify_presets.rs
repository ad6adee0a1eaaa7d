//! Every preset accepts a real payload signed the way its channel signs, and rejects it when
//! one byte changes. The Standard Webhooks published test vector also verifies.

mod verify_support;

use postsale_core::verify::{
    Check, HmacConfig, Preset, Reason, SecurityConfig, SigningSecret, sign_request,
};
use verify_support::{headers_from_pairs, instant, payload, sign, verify};

/// A preset, the payload it is tested with, and a test secret in the form the channel issues.
const PRESET_PAYLOADS: [(Preset, &str, &str); 7] = [
    (
        Preset::Shopify,
        "shopify-orders-create.json",
        "shpss_test_secret_for_presets",
    ),
    (
        Preset::WooCommerce,
        "woocommerce-order-created.json",
        "wc_test_secret_for_presets",
    ),
    (
        Preset::StandardWebhooks,
        "bigcommerce-store-order-created.json",
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
    ),
    (
        Preset::Stripe,
        "shopify-orders-cancelled.json",
        "whsec_stripe_style_test_secret",
    ),
    (
        Preset::GitHub,
        "shopify-orders-updated.json",
        "github_test_secret",
    ),
    (
        Preset::Squarespace,
        "squarespace-order-fetched.json",
        "00112233445566778899aabbccddeeff",
    ),
    (
        Preset::Custom,
        "bigcommerce-order-v2-fetched.json",
        "custom_test_secret",
    ),
];

fn preset_config(preset: Preset, secret: &str) -> SecurityConfig {
    let mut hmac = HmacConfig::preset(preset, secret);
    if preset == Preset::Custom {
        hmac.header = "X-Signature".to_owned();
    }
    SecurityConfig::single(Check::Hmac(hmac))
}

#[test]
fn every_preset_accepts_signed_payload() {
    let now = instant("2025-01-24T04:10:16Z");
    for (preset, file, secret) in PRESET_PAYLOADS {
        let config = preset_config(preset, secret);
        config
            .validate()
            .unwrap_or_else(|error| panic!("{preset}: {error}"));
        let body = payload(file);
        let headers = sign(&config, &body, now);

        let verified = verify(&config, &headers, &body, now)
            .unwrap_or_else(|rejection| panic!("{preset} rejected its own signature: {rejection}"));
        assert_eq!(verified.secret_index, Some(0), "{preset}");
    }
}

#[test]
fn every_preset_rejects_one_changed_byte() {
    let now = instant("2025-01-24T04:10:16Z");
    for (preset, file, secret) in PRESET_PAYLOADS {
        let config = preset_config(preset, secret);
        let body = payload(file);
        let headers = sign(&config, &body, now);

        for position in [0, body.len() / 2, body.len() - 1] {
            let mut changed = body.clone();
            changed[position] ^= 0x01;
            let rejection = verify(&config, &headers, &changed, now).unwrap_err();
            assert_eq!(
                rejection.reason,
                Reason::BadSignature,
                "{preset} at byte {position}"
            );
            assert_eq!(rejection.status.as_u16(), 401, "{preset}");
        }
    }
}

#[test]
fn every_preset_rejects_wrong_secret() {
    let now = instant("2025-01-24T04:10:16Z");
    for (preset, file, secret) in PRESET_PAYLOADS {
        let signer = preset_config(preset, secret);
        let other_secret = match preset {
            Preset::Squarespace => "ffeeddccbbaa99887766554433221100",
            Preset::StandardWebhooks => "whsec_AAECAwQFBgcICQoLDA0ODw==",
            _ => "a_different_secret",
        };
        let receiver = preset_config(preset, other_secret);
        let body = payload(file);
        let headers = sign(&signer, &body, now);

        let rejection = verify(&receiver, &headers, &body, now).unwrap_err();
        assert_eq!(rejection.reason, Reason::BadSignature, "{preset}");
        assert!(
            !rejection.diagnosis.contains(other_secret),
            "{preset} diagnosis leaks the secret: {}",
            rejection.diagnosis
        );
    }
}

#[test]
fn signed_headers_match_channel_format() {
    let now = instant("2021-02-25T15:02:10Z");
    let body = b"{}";
    let header_names = |preset: Preset, secret: &str| -> Vec<String> {
        let hmac = HmacConfig::preset(preset, secret);
        let pairs = sign_request(&hmac, &hmac.secrets[0].value, body, now, "d1").unwrap();
        pairs
            .into_iter()
            .map(|(name, value)| format!("{name}: {value}"))
            .collect()
    };

    let github = header_names(Preset::GitHub, "text");
    assert!(
        github[0].starts_with("X-Hub-Signature-256: sha256="),
        "{github:?}"
    );
    assert_eq!(github[0].len(), "X-Hub-Signature-256: sha256=".len() + 64);

    let stripe = header_names(Preset::Stripe, "whsec_x");
    assert!(
        stripe[0].starts_with("Stripe-Signature: t=1614265330,v1="),
        "{stripe:?}"
    );

    let standard = header_names(Preset::StandardWebhooks, "whsec_AAEC");
    assert_eq!(standard[0], "webhook-id: d1");
    assert_eq!(standard[1], "webhook-timestamp: 1614265330");
    assert!(
        standard[2].starts_with("webhook-signature: v1,"),
        "{standard:?}"
    );

    let woo = header_names(Preset::WooCommerce, "text");
    assert!(
        woo.contains(&"X-WC-Webhook-Topic: order.created".to_owned()),
        "{woo:?}"
    );
    assert!(
        woo.contains(&"X-WC-Webhook-Delivery-ID: d1".to_owned()),
        "{woo:?}"
    );
}

#[test]
fn standard_webhooks_published_vector() {
    let config = SecurityConfig::single(Check::Hmac(HmacConfig::preset(
        Preset::StandardWebhooks,
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
    )));
    let body = br#"{"test": 2432232314}"#;
    let now = time::OffsetDateTime::from_unix_timestamp(1_614_265_330).unwrap();
    let expected = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

    let Check::Hmac(hmac) = &config.checks[0] else {
        unreachable!()
    };
    let pairs = sign_request(
        hmac,
        &hmac.secrets[0].value,
        body,
        now,
        "msg_p5jXN8AQM9LWM0D4loKWxJek",
    )
    .unwrap();
    assert_eq!(
        pairs[2].1, expected,
        "computed signature differs from the published one"
    );

    let headers = headers_from_pairs(&[
        (
            "webhook-id".to_owned(),
            "msg_p5jXN8AQM9LWM0D4loKWxJek".to_owned(),
        ),
        ("webhook-timestamp".to_owned(), "1614265330".to_owned()),
        (
            "webhook-signature".to_owned(),
            format!("v1,bm90IHRoaXMgb25l {expected}"),
        ),
    ]);
    let verified = verify(&config, &headers, body, now).unwrap();
    assert_eq!(verified.secret_index, Some(0));
}

#[test]
fn shopify_preset_json_shape() {
    let config = SecurityConfig::single(Check::Hmac(HmacConfig::preset(
        Preset::Shopify,
        "shpss_0123456789abcdef",
    )));
    let json = serde_json::to_value(&config).unwrap();
    let expected = serde_json::json!({
        "checks": [{
            "type": "hmac",
            "preset": "shopify",
            "header": "X-Shopify-Hmac-Sha256",
            "algorithm": "sha256",
            "encoding": "base64",
            "prefix": null,
            "signed_content": "body",
            "key_encoding": "text",
            "tolerance_secs": 300,
            "signed_content_encoding": "decoded",
            "secrets": [{"value": "shpss_0123456789abcdef", "valid_from": null, "valid_until": null}]
        }]
    });
    assert_eq!(json, expected);

    let read_back: SecurityConfig = serde_json::from_value(json).unwrap();
    assert_eq!(read_back, config);
}

#[test]
fn preset_fills_settings_left_out() {
    let json = serde_json::json!({
        "checks": [{"type": "hmac", "preset": "github", "secrets": [{"value": "text"}]}]
    });
    let config: SecurityConfig = serde_json::from_value(json).unwrap();
    assert_eq!(
        config.checks[0],
        Check::Hmac(HmacConfig::preset(Preset::GitHub, "text"))
    );

    let json = serde_json::json!({
        "checks": [{
            "type": "hmac", "preset": "github", "algorithm": "sha1",
            "header": "X-Hub-Signature", "prefix": "sha1=",
            "secrets": [{"value": "text", "valid_until": "2025-02-01T12:00:00Z"}]
        }]
    });
    let config: SecurityConfig = serde_json::from_value(json).unwrap();
    let Check::Hmac(hmac) = &config.checks[0] else {
        panic!("not hmac")
    };
    assert_eq!(hmac.header, "X-Hub-Signature");
    assert_eq!(hmac.prefix.as_deref(), Some("sha1="));
    assert_eq!(
        hmac.secrets[0].valid_until,
        Some(instant("2025-02-01T12:00:00Z"))
    );
}

#[test]
fn unknown_setting_is_rejected() {
    let json = serde_json::json!({
        "checks": [{"type": "hmac", "preset": "github", "secret": "typo", "secrets": []}]
    });
    let error = serde_json::from_value::<SecurityConfig>(json).unwrap_err();
    assert!(error.to_string().contains("secret"), "{error}");
}

#[test]
fn sha1_and_sha512_round_trip() {
    let now = instant("2025-01-24T04:10:16Z");
    let body = payload("woocommerce-order-updated.json");
    for algorithm in [
        postsale_core::verify::Algorithm::Sha1,
        postsale_core::verify::Algorithm::Sha512,
    ] {
        let mut hmac = HmacConfig::preset(Preset::Custom, "custom_secret");
        hmac.header = "X-Signature".to_owned();
        hmac.algorithm = algorithm;
        let config = SecurityConfig::single(Check::Hmac(hmac));
        let headers = sign(&config, &body, now);
        assert!(
            verify(&config, &headers, &body, now).is_ok(),
            "{algorithm:?}"
        );

        let mut changed = body.clone();
        changed[10] ^= 0x20;
        assert!(
            verify(&config, &headers, &changed, now).is_err(),
            "{algorithm:?}"
        );
    }
}

#[test]
fn preset_names_parse() {
    assert_eq!(
        "standard".parse::<Preset>().unwrap(),
        Preset::StandardWebhooks
    );
    assert_eq!(
        "WooCommerce".parse::<Preset>().unwrap(),
        Preset::WooCommerce
    );
    for preset in Preset::ALL {
        assert_eq!(preset.as_str().parse::<Preset>().unwrap(), preset);
    }
    assert!("magento".parse::<Preset>().is_err());

    let secret = SigningSecret::new("x");
    assert!(secret.is_active_at(instant("2025-01-01T00:00:00Z")));
}

#[test]
fn cleared_prefix_survives_round_trip() {
    let mut github = HmacConfig::preset(Preset::GitHub, "text");
    github.prefix = None;
    let config = SecurityConfig::single(Check::Hmac(github));

    let json = serde_json::to_string(&config).unwrap();
    let read_back: SecurityConfig = serde_json::from_str(&json).unwrap();
    assert_eq!(read_back, config);

    let empty = serde_json::json!({
        "checks": [{"type": "hmac", "preset": "github", "prefix": "", "secrets": [{"value": "t"}]}]
    });
    let config: SecurityConfig = serde_json::from_value(empty).unwrap();
    let Check::Hmac(hmac) = &config.checks[0] else {
        panic!("not hmac")
    };
    assert_eq!(hmac.prefix, None);
}
