//! Unit tests of `send-test`: flag parsing, request building and signatures, without network.

use std::io::Read;

use clap::Parser;
use postsale_core::verify::{
    Check, HmacConfig, Reason, SecurityConfig, VerifyInput, verify_request,
};
use time::macros::datetime;

use super::*;

const BODY: &[u8] = br#"{"order_number":"1001","total":"19.90"}"#;
const NOW: OffsetDateTime = datetime!(2026-12-04 12:00 UTC);

/// The `send-test` flags alone, so that tests parse them without the rest of the CLI.
#[derive(Parser, Debug)]
struct Flags {
    #[command(flatten)]
    args: SendTestArgs,
}

fn parse(flags: &[&str]) -> Result<SendTestArgs, clap::Error> {
    let argv = ["send-test"].iter().chain(flags);
    Flags::try_parse_from(argv).map(|flags| flags.args)
}

fn args(preset: Option<Preset>, secret: Option<&str>) -> SendTestArgs {
    SendTestArgs {
        url: "http://127.0.0.1:9/hooks/token".to_owned(),
        file: PathBuf::from("order.json"),
        preset,
        secret: secret.map(Secret::new),
        headers: Vec::new(),
        basic: None,
        delivery_id: None,
        content_type: "application/json".to_owned(),
        gzip: false,
    }
}

/// Returns a secret in the form that each preset's channel issues.
fn secret_for(preset: Preset) -> &'static str {
    match preset {
        Preset::StandardWebhooks => "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        Preset::Squarespace => "5f1a2b3c4d5e6f708192a3b4c5d6e7f8",
        _ => "send-test-signing-key",
    }
}

fn verify(
    preset: Preset,
    secret: &str,
    delivery: &TestDelivery,
    decoded: &[u8],
) -> Result<(), Reason> {
    let config = SecurityConfig::single(Check::Hmac(HmacConfig::preset(preset, secret)));
    let input = VerifyInput {
        headers: &delivery.headers,
        raw_body: &delivery.body,
        decoded_body: decoded,
        peer: "127.0.0.1".parse().unwrap(),
        trusted_proxies: &[],
        now: NOW,
    };
    verify_request(&config, &input)
        .map(|_| ())
        .map_err(|rejection| rejection.reason)
}

fn header<'a>(delivery: &'a TestDelivery, name: &str) -> &'a str {
    delivery.headers[name].to_str().unwrap()
}

#[test]
fn every_preset_signature_verifies() {
    for preset in SIGNING_PRESETS {
        let secret = secret_for(preset);
        let delivery = build_delivery(&args(Some(preset), Some(secret)), BODY.to_vec(), NOW)
            .unwrap_or_else(|error| panic!("{preset}: {error:#}"));

        assert_eq!(delivery.body, BODY, "{preset}: body changed");
        assert_eq!(verify(preset, secret, &delivery, BODY), Ok(()), "{preset}");
    }
}

#[test]
fn other_body_fails_verification() {
    for preset in SIGNING_PRESETS {
        let secret = secret_for(preset);
        let delivery =
            build_delivery(&args(Some(preset), Some(secret)), BODY.to_vec(), NOW).unwrap();
        let tampered = TestDelivery {
            body: b"{}".to_vec(),
            ..delivery
        };

        let result = verify(preset, secret, &tampered, b"{}");
        assert_eq!(result, Err(Reason::BadSignature), "{preset}");
    }
}

#[test]
fn shopify_sends_topic_and_delivery_id() {
    let mut shopify = args(Some(Preset::Shopify), Some("key"));
    shopify.delivery_id = Some("delivery-42".to_owned());
    let delivery = build_delivery(&shopify, BODY.to_vec(), NOW).unwrap();

    assert_eq!(header(&delivery, "x-shopify-topic"), "orders/create");
    assert_eq!(header(&delivery, "x-shopify-webhook-id"), "delivery-42");
    assert_eq!(header(&delivery, "content-type"), "application/json");
}

#[test]
fn woocommerce_gets_generated_delivery_id() {
    let woo = args(Some(Preset::WooCommerce), Some("key"));
    let first = build_delivery(&woo, BODY.to_vec(), NOW).unwrap();
    let second = build_delivery(&woo, BODY.to_vec(), NOW).unwrap();

    let id = header(&first, "x-wc-webhook-delivery-id");
    assert_eq!(header(&first, "x-wc-webhook-topic"), "order.created");
    assert_ne!(id, header(&second, "x-wc-webhook-delivery-id"));
    assert_eq!(id.len(), 36, "{id}");
    assert_eq!(&id[14..15], "4", "{id} is not a version 4 UUID");
}

#[test]
fn standard_webhooks_signs_given_id() {
    let mut standard = args(
        Some(Preset::StandardWebhooks),
        Some(secret_for(Preset::StandardWebhooks)),
    );
    standard.delivery_id = Some("msg_2b7Y".to_owned());
    let delivery = build_delivery(&standard, BODY.to_vec(), NOW).unwrap();

    assert_eq!(header(&delivery, "webhook-id"), "msg_2b7Y");
    assert_eq!(
        header(&delivery, "webhook-timestamp"),
        NOW.unix_timestamp().to_string()
    );
}

#[test]
fn extra_header_replaces_preset_header() {
    let mut shopify = parse(&[
        "--url=http://127.0.0.1:9/hooks/t",
        "--file=order.json",
        "--preset=shopify",
        "--secret=key",
        "--header",
        "X-Shopify-Topic: orders/updated",
        "--header=X-Extra:1",
    ])
    .unwrap();
    shopify.delivery_id = Some("d".to_owned());
    let delivery = build_delivery(&shopify, BODY.to_vec(), NOW).unwrap();

    assert_eq!(header(&delivery, "x-shopify-topic"), "orders/updated");
    assert_eq!(header(&delivery, "x-extra"), "1");
    assert_eq!(
        delivery.headers.get_all("x-shopify-topic").iter().count(),
        1
    );
}

#[test]
fn gzip_compresses_and_signs_decoded() {
    let mut gzipped = args(Some(Preset::Shopify), Some("key"));
    gzipped.gzip = true;
    let delivery = build_delivery(&gzipped, BODY.to_vec(), NOW).unwrap();

    let mut decoded = Vec::new();
    flate2::read::GzDecoder::new(delivery.body.as_slice())
        .read_to_end(&mut decoded)
        .unwrap();
    assert_eq!(decoded, BODY);
    assert_eq!(header(&delivery, "content-encoding"), "gzip");
    assert_eq!(verify(Preset::Shopify, "key", &delivery, &decoded), Ok(()));
}

#[test]
fn basic_auth_header_is_encoded() {
    let parsed = parse(&["--url=http://h/x", "--file=f", "--basic=shop:pa:ss"]).unwrap();
    let delivery = build_delivery(&parsed, BODY.to_vec(), NOW).unwrap();

    let value = &delivery.headers["authorization"];
    assert_eq!(
        value.to_str().unwrap(),
        format!("Basic {}", STANDARD.encode("shop:pa:ss"))
    );
    assert!(value.is_sensitive());
}

#[test]
fn unsigned_without_preset() {
    let delivery = build_delivery(&args(None, None), BODY.to_vec(), NOW).unwrap();

    let names: Vec<&str> = delivery.headers.keys().map(HeaderName::as_str).collect();
    assert_eq!(names, ["content-type"]);
}

#[test]
fn preset_without_secret_is_rejected() {
    let error = build_delivery(&args(Some(Preset::GitHub), None), BODY.to_vec(), NOW)
        .unwrap_err()
        .to_string();

    assert!(error.contains("--preset github"), "{error}");
    assert!(error.contains("--secret"), "{error}");
    assert!(error.contains("POSTSALE_SEND_TEST_SECRET"), "{error}");
}

#[test]
fn bad_secret_encoding_names_preset() {
    let squarespace = args(Some(Preset::Squarespace), Some("not hex"));
    let error = build_delivery(&squarespace, BODY.to_vec(), NOW).unwrap_err();

    let message = format!("{error:#}");
    assert!(message.contains("--preset squarespace"), "{message}");
    assert!(message.contains("not valid hex"), "{message}");
    assert!(!message.contains("not hex\""), "{message}");
}

#[test]
fn unknown_preset_lists_valid_ones() {
    let error = parse(&["--url=http://h/x", "--file=f", "--preset=magento"])
        .unwrap_err()
        .to_string();

    assert!(error.contains("\"magento\""), "{error}");
    assert!(
        error.contains("shopify, woocommerce, standard-webhooks, stripe, github, squarespace"),
        "{error}"
    );
}

#[test]
fn custom_preset_is_rejected() {
    let error = parse(&["--url=http://h/x", "--file=f", "--preset=custom"])
        .unwrap_err()
        .to_string();

    assert!(error.contains("names no signature header"), "{error}");
}

#[test]
fn standard_alias_is_accepted() {
    let parsed = parse(&["--url=http://h/x", "--file=f", "--preset=Standard"]).unwrap();
    assert_eq!(parsed.preset, Some(Preset::StandardWebhooks));
}

#[test]
fn header_without_colon_is_rejected() {
    let error = parse(&["--url=http://h/x", "--file=f", "--header=X-Token"])
        .unwrap_err()
        .to_string();

    assert!(error.contains("\"X-Token\""), "{error}");
    assert!(error.contains("NAME:VALUE"), "{error}");
}

#[test]
fn header_with_bad_name_is_rejected() {
    let error = parse(&["--url=http://h/x", "--file=f", "--header=X Token:1"])
        .unwrap_err()
        .to_string();

    assert!(error.contains("invalid header name"), "{error}");
}

#[test]
fn basic_without_colon_is_rejected() {
    let error = parse(&["--url=http://h/x", "--file=f", "--basic=shop"])
        .unwrap_err()
        .to_string();

    assert!(error.contains("USER:PASSWORD"), "{error}");
}

#[test]
fn https_url_is_rejected() {
    let mut https = args(None, None);
    https.url = "https://shop.example/hooks/t".to_owned();
    let error = build_delivery(&https, BODY.to_vec(), NOW)
        .unwrap_err()
        .to_string();

    assert!(error.contains("plain HTTP only"), "{error}");
}

#[test]
fn relative_url_is_rejected() {
    let mut relative = args(None, None);
    relative.url = "/hooks/t".to_owned();
    let error = build_delivery(&relative, BODY.to_vec(), NOW)
        .unwrap_err()
        .to_string();

    assert!(error.contains("invalid --url \"/hooks/t\""), "{error}");
}

#[test]
fn debug_hides_secrets() {
    let parsed = parse(&[
        "--url=http://h/x",
        "--file=f",
        "--preset=shopify",
        "--secret=top-secret-signing-key",
        "--basic=shop:hunter2-password",
        "--header=X-Api-Key:private-header-value",
    ])
    .unwrap();

    let printed = format!("{parsed:?}");
    assert!(!printed.contains("top-secret"), "{printed}");
    assert!(!printed.contains("hunter2"), "{printed}");
    assert!(!printed.contains("private-header"), "{printed}");
}
