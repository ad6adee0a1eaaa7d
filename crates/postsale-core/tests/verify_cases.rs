//! The shared cases about verification get the outcome their `expect` names: raw-body HMAC,
//! missing or unreadable signatures, gzip bodies, secret rotation, and forwarded-for spoofing.

mod verify_support;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use postsale_core::ingress::decode_body;
use postsale_core::verify::{
    Check, HmacConfig, IpAllowList, IpRange, Preset, Reason, SecurityConfig, SignedContentEncoding,
    SigningSecret, VerifyInput, verify_request,
};
use serde_json::Value;
use sha2::{Digest, Sha256};
use verify_support::{case, headers_from_json, insert, instant, text, verify};

fn expected_status(case: &Value) -> u16 {
    let status = case.pointer("/expect/status").and_then(Value::as_u64);
    u16::try_from(status.expect("case has a single expect.status")).unwrap()
}

fn status_of<T>(result: &Result<T, postsale_core::verify::Rejection>) -> u16 {
    match result {
        Ok(_) => 200,
        Err(rejection) => rejection.status.as_u16(),
    }
}

fn shopify_config(case: &Value) -> SecurityConfig {
    assert_eq!(text(case, "/secret/encoding"), "utf8");
    let hmac = HmacConfig::preset(Preset::Shopify, text(case, "/secret/value"));
    SecurityConfig::single(Check::Hmac(hmac))
}

/// Returns the raw body of a case after checking it against its recorded SHA-256.
fn case_body(request: &Value) -> Vec<u8> {
    let body = text(request, "/body").as_bytes().to_vec();
    if let Some(sha) = request.get("body_sha256").and_then(Value::as_str) {
        assert_eq!(
            hex::encode(Sha256::digest(&body)),
            sha,
            "body differs from the case"
        );
    }
    body
}

#[test]
fn raw_body_hmac_accepts_escaped_json() {
    let case = case("01-reserialized-body-hmac.json");
    let config = shopify_config(&case);
    let request = &case["request"];
    let headers = headers_from_json(&request["headers"]);
    let body = case_body(request);
    let now = instant(text(request, "/headers/X-Shopify-Triggered-At"));

    let result = verify(&config, &headers, &body, now);
    assert_eq!(status_of(&result), expected_status(&case), "{result:?}");
}

#[test]
fn reserialized_body_fails_hmac() {
    let case = case("01-reserialized-body-hmac.json");
    let config = shopify_config(&case);
    let headers = headers_from_json(&case["request"]["headers"]);
    let reserialized = text(&case, "/counter_example/reserialized_body").as_bytes();
    let now = instant("2025-01-24T04:10:16Z");

    let rejection = verify(&config, &headers, reserialized, now).unwrap_err();
    assert_eq!(rejection.reason, Reason::BadSignature);

    let Check::Hmac(hmac) = &config.checks[0] else {
        unreachable!()
    };
    let pairs =
        postsale_core::verify::sign_request(hmac, &hmac.secrets[0].value, reserialized, now, "id")
            .unwrap();
    assert_eq!(
        pairs[0].1,
        text(&case, "/counter_example/hmac_of_reserialized_body")
    );
}

#[test]
fn missing_or_unreadable_signature_is_401() {
    let case = case("04-missing-signature-header.json");
    let config = shopify_config(&case);
    let request = &case["request"];
    let body = case_body(request);
    let now = instant("2025-01-24T04:10:16Z");
    let expected = expected_status(&case);

    let headers = headers_from_json(&request["headers"]);
    let rejection = verify(&config, &headers, &body, now).unwrap_err();
    assert_eq!(rejection.status.as_u16(), expected);
    assert_eq!(rejection.reason, Reason::MissingHeader);
    assert!(
        rejection.diagnosis.contains("X-Shopify-Hmac-Sha256"),
        "{}",
        rejection.diagnosis
    );

    let variants = case["variants"].as_array().expect("variants");
    assert!(!variants.is_empty());
    for variant in variants {
        let mut headers = headers_from_json(&request["headers"]);
        for (name, value) in variant.as_object().unwrap() {
            insert(&mut headers, name, value.as_str().unwrap().as_bytes());
        }
        let rejection = verify(&config, &headers, &body, now).unwrap_err();
        assert_eq!(
            rejection.status.as_u16(),
            expected,
            "{variant}: {rejection}"
        );
    }
}

#[test]
fn gzip_body_is_signed_decoded() {
    let case = case("13-gzip-content-encoding.json");
    let request = &case["request"];
    let headers = headers_from_json(&request["headers"]);
    let raw = STANDARD.decode(text(request, "/body_base64")).unwrap();
    let encoding = headers
        .get("content-encoding")
        .map(|value| value.to_str().unwrap());

    let decoded = decode_body(encoding, &raw, 20 * 1024 * 1024).unwrap();
    assert_eq!(&*decoded, text(request, "/decompressed_body").as_bytes());

    let mut hmac = HmacConfig::preset(Preset::Custom, text(&case, "/secret/value"));
    hmac.header = "X-Signature".to_owned();
    let config = SecurityConfig::single(Check::Hmac(hmac.clone()));
    config.validate().unwrap();
    let input = VerifyInput {
        headers: &headers,
        raw_body: &raw,
        decoded_body: &decoded,
        peer: verify_support::peer(),
        trusted_proxies: &[],
        now: instant("2025-01-24T04:10:16Z"),
    };
    let result = verify_request(&config, &input);
    assert_eq!(status_of(&result), expected_status(&case), "{result:?}");

    hmac.signed_content_encoding = SignedContentEncoding::Raw;
    let raw_config = SecurityConfig::single(Check::Hmac(hmac));
    let rejection = verify_request(&raw_config, &input).unwrap_err();
    assert_eq!(rejection.reason, Reason::BadSignature);
    assert!(
        rejection.diagnosis.contains("body as received"),
        "{}",
        rejection.diagnosis
    );
}

#[test]
fn gzip_unknown_encoding_is_415() {
    let case = case("13-gzip-content-encoding.json");
    assert!(text(&case, "/expect/result").contains("415"));
    let error = decode_body(Some("zstd"), b"\x28\xb5\x2f\xfd", 1024).unwrap_err();
    assert_eq!(error.status().as_u16(), 415);
}

#[test]
fn rotated_secret_windows() {
    let case = case("17-secret-rotation.json");
    let secrets: Vec<SigningSecret> = serde_json::from_value(case["secrets"].clone()).unwrap();
    let hmac = Preset::Shopify.hmac_config(secrets);
    let config = SecurityConfig::single(Check::Hmac(hmac));
    config.validate().unwrap();

    let deliveries = case["deliveries"].as_array().unwrap();
    let statuses = case
        .pointer("/expect/status")
        .and_then(Value::as_array)
        .unwrap();
    assert_eq!(deliveries.len(), statuses.len());

    let mut outcomes = Vec::new();
    for (delivery, status) in deliveries.iter().zip(statuses) {
        let request = &delivery["request"];
        let headers = headers_from_json(&request["headers"]);
        let now = instant(text(delivery, "/received_at"));
        let result = verify(&config, &headers, &case_body(request), now);
        let label = text(delivery, "/label");
        assert_eq!(
            u64::from(status_of(&result)),
            status.as_u64().unwrap(),
            "{label}: {result:?}"
        );
        outcomes.push(result);
    }

    assert_eq!(outcomes[0].as_ref().unwrap().secret_index, Some(0));
    assert_eq!(outcomes[1].as_ref().unwrap().secret_index, Some(1));
    let rejection = outcomes[2].as_ref().unwrap_err();
    assert_eq!(rejection.reason, Reason::BadSignature);
    assert!(
        rejection.diagnosis.contains("secret #0"),
        "{}",
        rejection.diagnosis
    );
    assert!(
        !rejection.diagnosis.contains("whsec_FAKE"),
        "{}",
        rejection.diagnosis
    );
}

#[test]
fn forwarded_for_spoofing() {
    let case = case("19-ip-allowlist-xff-spoofing.json");
    let ranges = |pointer: &str| -> Vec<IpRange> {
        serde_json::from_value(case.pointer(pointer).unwrap().clone()).unwrap()
    };
    let allow = ranges("/config/allowlist");
    let trusted = ranges("/config/trusted_proxies");
    let config = SecurityConfig::single(Check::IpAllowList(IpAllowList { allow }));

    let requests = case["requests"].as_array().unwrap();
    assert!(!requests.is_empty());
    for request in requests {
        let headers = headers_from_json(&request["headers"]);
        let peer = text(request, "/socket_peer").parse().unwrap();
        let input = VerifyInput {
            headers: &headers,
            raw_body: b"{}",
            decoded_body: b"{}",
            peer,
            trusted_proxies: &trusted,
            now: instant("2025-01-24T04:10:16Z"),
        };
        let result = verify_request(&config, &input);
        let expected = request["expect"].as_u64().unwrap();
        assert_eq!(
            u64::from(status_of(&result)),
            expected,
            "{request}: {result:?}"
        );
        if let Err(rejection) = result {
            assert_eq!(rejection.reason, Reason::IpNotAllowed);
        }
    }
}
