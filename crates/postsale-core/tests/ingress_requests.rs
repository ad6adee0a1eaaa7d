//! Ingress helpers on real requests: the WooCommerce ping, bounded decoding of gzip bombs,
//! body kinds of the real payloads, delivery ids and masked headers.

mod verify_support;

use std::io::Write;
use std::time::Instant;

use flate2::Compression;
use flate2::write::GzEncoder;
use http::HeaderMap;
use postsale_core::ingress::{
    BodyKind, DecodeError, MASK, classify_body, content_encoding, decode_body, delivery_id,
    is_unsigned_ping, mask_headers, stored_content_encoding,
};
use postsale_core::verify::{
    Check, HeaderValueConfig, HmacConfig, Preset, Reason, SecurityConfig, verify_request,
};
use verify_support::{case, headers_from_json, insert, instant, payload, text, verify};

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut encoder = GzEncoder::new(Vec::new(), Compression::best());
    encoder.write_all(data).unwrap();
    encoder.finish().unwrap()
}

#[test]
fn woocommerce_ping_is_accepted_unsigned() {
    let case = case("03-woocommerce-ping-form-encoded.json");
    let request = &case["request"];
    let headers = headers_from_json(&request["headers"]);
    let body = text(request, "/body").as_bytes();
    let content_type = headers["content-type"].to_str().unwrap();

    assert!(is_unsigned_ping(&headers, body));
    assert_eq!(
        classify_body(Some(content_type), body),
        BodyKind::Ping { webhook_id: 2 }
    );

    // The ping passes before verification; verification itself would reject it, which is
    // why the server must test for the ping first.
    let config = SecurityConfig::single(Check::Hmac(HmacConfig::preset(
        Preset::WooCommerce,
        "wc_secret",
    )));
    let rejection = verify(&config, &headers, body, instant("2025-01-24T04:10:16Z")).unwrap_err();
    assert_eq!(rejection.reason, Reason::MissingHeader);
    assert_eq!(case.pointer("/expect/status").unwrap(), 200);
}

#[test]
fn delivery_with_topic_is_not_a_ping() {
    let mut headers = HeaderMap::new();
    insert(
        &mut headers,
        "Content-Type",
        b"application/x-www-form-urlencoded",
    );
    assert!(is_unsigned_ping(&headers, b"webhook_id=27"));

    insert(&mut headers, "X-WC-Webhook-Topic", b"order.created");
    assert!(!is_unsigned_ping(&headers, b"webhook_id=27"));

    let mut json_headers = HeaderMap::new();
    insert(&mut json_headers, "Content-Type", b"application/json");
    assert!(!is_unsigned_ping(&json_headers, b"webhook_id=27"));

    let untyped = HeaderMap::new();
    assert!(is_unsigned_ping(&untyped, b"webhook_id=27"));
    assert!(!is_unsigned_ping(&untyped, b"webhook_id=27\n"));
    assert!(!is_unsigned_ping(&untyped, b"webhook_id=27&order=1"));
    assert!(!is_unsigned_ping(&untyped, b"{\"webhook_id\":27}"));
}

#[test]
fn gzip_bomb_stops_at_limit() {
    let zeros = vec![0_u8; 64 * 1024 * 1024];
    let bomb = gzip(&zeros);
    let limit = 1024 * 1024;

    let started = Instant::now();
    let error = decode_body(Some("gzip"), &bomb, limit).unwrap_err();
    let elapsed = started.elapsed();

    assert!(
        matches!(error, DecodeError::TooLarge { limit: 1_048_576 }),
        "{error}"
    );
    assert_eq!(error.status().as_u16(), 413);
    assert!(error.to_string().contains("1048576 bytes"), "{error}");
    assert!(elapsed.as_secs() < 5, "decoding took {elapsed:?}");
}

#[test]
fn nested_gzip_bomb_stops_at_limit() {
    let inner = gzip(&vec![0_u8; 32 * 1024 * 1024]);
    let nested = gzip(&inner);
    let error = decode_body(Some("gzip, gzip"), &nested, 1024 * 1024).unwrap_err();
    assert!(matches!(error, DecodeError::TooLarge { .. }), "{error}");
}

#[test]
fn gzip_signed_compressed_bytes() {
    let body = payload("shopify-orders-create.json");
    let compressed = gzip(&body);
    let mut hmac = HmacConfig::preset(Preset::Shopify, "shpss_secret");
    hmac.signed_content_encoding = postsale_core::verify::SignedContentEncoding::Raw;
    let config = SecurityConfig::single(Check::Hmac(hmac));
    let now = instant("2025-01-24T04:10:16Z");
    let headers = verify_support::sign(&config, &compressed, now);

    let decoded = decode_body(Some("gzip"), &compressed, 1024 * 1024).unwrap();
    assert_eq!(&*decoded, body.as_slice());
    let input = postsale_core::verify::VerifyInput {
        headers: &headers,
        raw_body: &compressed,
        decoded_body: &decoded,
        peer: verify_support::peer(),
        trusted_proxies: &[],
        now,
    };
    assert!(verify_request(&config, &input).is_ok());
}

#[test]
fn real_payloads_classify_as_json() {
    let files = [
        "shopify-orders-create.json",
        "shopify-orders-updated.json",
        "woocommerce-order-created.json",
        "bigcommerce-store-order-created.json",
        "squarespace-order-fetched.json",
    ];
    for file in files {
        let body = payload(file);
        assert_eq!(
            classify_body(Some("application/json"), &body),
            BodyKind::Json,
            "{file}"
        );
        assert_eq!(classify_body(None, &body), BodyKind::Json, "{file}");
    }
    assert_eq!(
        classify_body(Some("application/json"), b""),
        BodyKind::Empty
    );
}

#[test]
fn delivery_id_from_channel_headers() {
    let mut headers = HeaderMap::new();
    assert_eq!(delivery_id(&headers, None), None);

    insert(&mut headers, "X-GitHub-Delivery", b"gh-1");
    assert_eq!(delivery_id(&headers, None).as_deref(), Some("gh-1"));

    insert(&mut headers, "X-WC-Webhook-Delivery-ID", b"wc-1");
    assert_eq!(delivery_id(&headers, None).as_deref(), Some("wc-1"));

    insert(&mut headers, "webhook-id", b"msg_1");
    insert(&mut headers, "X-Shopify-Event-Id", b"evt-1");
    assert_eq!(delivery_id(&headers, None).as_deref(), Some("evt-1"));

    insert(&mut headers, "X-Shopify-Webhook-Id", b"  ");
    assert_eq!(delivery_id(&headers, None).as_deref(), Some("evt-1"));
    insert(&mut headers, "X-Shopify-Webhook-Id", b"shop-1");
    assert_eq!(delivery_id(&headers, None).as_deref(), Some("shop-1"));

    insert(&mut headers, "X-Request-Id", b"custom-1");
    assert_eq!(
        delivery_id(&headers, Some("x-request-id")).as_deref(),
        Some("custom-1")
    );
    assert_eq!(
        delivery_id(&headers, Some("x-absent")).as_deref(),
        Some("shop-1")
    );
}

#[test]
fn delivery_id_of_shared_case() {
    let case = case("05-duplicate-delivery.json");
    let deliveries = case["deliveries"].as_array().unwrap();
    let ids: Vec<Option<String>> = deliveries
        .iter()
        .map(|delivery| delivery_id(&headers_from_json(&delivery["request"]["headers"]), None))
        .collect();
    assert_eq!(ids[0], ids[1], "a retry keeps its delivery id");
    assert_ne!(ids[2], ids[3], "two WooCommerce deliveries have two ids");
    assert!(ids.iter().all(Option::is_some));
}

#[test]
fn credentials_are_masked() {
    let config = SecurityConfig {
        checks: vec![
            Check::HeaderValue(HeaderValueConfig {
                header: "X-Store-Token".to_owned(),
                value: "tok_secret".into(),
            }),
            Check::Hmac(HmacConfig {
                header: "X-Custom-Signature".to_owned(),
                ..HmacConfig::preset(Preset::Custom, "secret")
            }),
        ],
    };
    let mut headers = HeaderMap::new();
    insert(&mut headers, "Authorization", b"Basic c2hvcDpwYXNzd29yZA==");
    insert(&mut headers, "Cookie", b"session=abc");
    insert(&mut headers, "X-Store-Token", b"tok_secret");
    insert(&mut headers, "X-Custom-Signature", b"deadbeef");
    insert(
        &mut headers,
        "X-Shopify-Hmac-Sha256",
        b"JSWWeKs0gKRfz9tswv5Ni2H8SABMtMIqjgl8Jqr+no4=",
    );
    insert(&mut headers, "Content-Type", b"application/json");

    let masked = mask_headers(&headers, &config);
    let value = |name: &str| -> &str {
        let found = masked.iter().find(|(header, _)| header == name);
        found
            .map(|(_, value)| value.as_str())
            .unwrap_or_else(|| panic!("{name} missing"))
    };
    assert_eq!(value("authorization"), format!("Basic {MASK}"));
    assert_eq!(value("cookie"), MASK);
    assert_eq!(value("x-store-token"), MASK);
    assert_eq!(value("x-custom-signature"), MASK);
    assert_eq!(value("x-shopify-hmac-sha256"), MASK);
    assert_eq!(value("content-type"), "application/json");
    assert_eq!(masked.len(), 6);
}

/// A body sent gzipped twice, with one `Content-Encoding` header per layer, decodes the same
/// way from the live headers and from the headers as kept.
#[test]
fn content_encoding_reads_repeated_headers() {
    let order = payload("shopify-orders-create.json");
    let twice = gzip(&gzip(&order));
    let mut headers = HeaderMap::new();
    insert(&mut headers, "Content-Type", b"application/json");
    headers.append("content-encoding", "gzip".parse().unwrap());
    headers.append("content-encoding", "GZIP".parse().unwrap());

    let live = content_encoding(&headers);
    let kept_headers =
        serde_json::to_string(&mask_headers(&headers, &SecurityConfig::default())).unwrap();
    let stored = stored_content_encoding(&kept_headers);

    assert_eq!(live.as_deref(), Some("gzip, GZIP"));
    assert_eq!(stored, live);
    let decoded = decode_body(stored.as_deref(), &twice, 1 << 20).unwrap();
    assert_eq!(&*decoded, &order[..]);
}

#[test]
fn stored_content_encoding_ignores_name_case() {
    let headers = r#"[["content-type","application/json"],["content-encoding","gzip"],
                      ["Content-Encoding","deflate"]]"#;
    assert_eq!(
        stored_content_encoding(headers).as_deref(),
        Some("gzip, deflate")
    );
}

#[test]
fn content_encoding_absent_is_none() {
    let mut headers = HeaderMap::new();
    insert(&mut headers, "Content-Type", b"application/json");
    assert_eq!(content_encoding(&headers), None);
    assert_eq!(stored_content_encoding(r#"[["x-a","b"]]"#), None);
    assert_eq!(stored_content_encoding("not json"), None);
}
