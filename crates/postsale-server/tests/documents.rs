//! Store logos, store and Ship From addresses, and order documents over HTTP: upload limits and
//! formats, caching, edits, tenant isolation, and the invoice of a real Shopify order.

mod common;

use std::io::Cursor;
use std::time::{Duration, Instant};

use common::{TestServer, shared_payload};
use image::codecs::png::{CompressionType, FilterType, PngEncoder};
use image::{DynamicImage, ImageReader, RgbImage};
use postsale_core::mapping::presets;
use postsale_core::{Plan, StoreId, WebhookState};
use postsale_documents::document::html_content_security_policy;
use postsale_store::maps;
use postsale_store::webhooks::{self, WebhookPatch};
use serde_json::{Value, json};

/// The largest stored logo: the documents crate's default output limit, 3 MiB.
const MAX_LOGO_BYTES: usize = 3 * 1024 * 1024;

/// Upper bound for rejecting a PNG that declares 50,000 x 50,000 pixels, including the HTTP round
/// trip. Decoding those pixels would need 10 GB, so any decoding shows up far above it.
const REJECT_WITHIN: Duration = Duration::from_secs(2);

/// A store name with every character that HTML escapes.
const STORE_NAME: &str = r#"Acme <Tools> & "Sons" 'Ltd'"#;

/// Generates an image of pseudo-random pixels, which PNG cannot compress.
fn noise_image(width: u32, height: u32) -> DynamicImage {
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    DynamicImage::ImageRgb8(RgbImage::from_fn(width, height, |_, _| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let [r, g, b, ..] = state.to_le_bytes();
        image::Rgb([r, g, b])
    }))
}

fn png_bytes(image: &DynamicImage) -> Vec<u8> {
    let mut bytes = Vec::new();
    let encoder = PngEncoder::new_with_quality(&mut bytes, CompressionType::Fast, FilterType::Sub);
    image.write_with_encoder(encoder).unwrap();
    bytes
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xffff_ffffu32;
    for byte in bytes {
        crc ^= u32::from(*byte);
        for _ in 0..8 {
            let mask = (crc & 1).wrapping_neg();
            crc = (crc >> 1) ^ (0xedb8_8320 & mask);
        }
    }
    !crc
}

/// Builds a PNG whose IHDR declares `width` x `height` RGBA pixels with a correct CRC, followed
/// by a tiny IDAT and IEND. Only the header is valid, so decoding the pixels would fail.
fn png_declaring(width: u32, height: u32) -> Vec<u8> {
    let mut ihdr = b"IHDR".to_vec();
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 6, 0, 0, 0]);

    let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
    for chunk in [
        ihdr,
        b"IDATx\x9c\x03\0\0\0\0\x01".to_vec(),
        b"IEND".to_vec(),
    ] {
        bytes.extend_from_slice(&(chunk.len() as u32 - 4).to_be_bytes());
        bytes.extend_from_slice(&chunk);
        bytes.extend_from_slice(&crc32(&chunk).to_be_bytes());
    }
    bytes
}

fn dimensions(bytes: &[u8]) -> (u32, u32) {
    ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .unwrap()
        .into_dimensions()
        .unwrap()
}

/// Creates an account on the soar plan with one store, and returns (api key, store id).
async fn store(server: &TestServer, account: &str) -> (String, i64) {
    let owner = server.create_account(account, Plan::Soar).await;
    let store = server
        .create_store(
            &owner.api_key,
            json!({"name": STORE_NAME,
                   "security": {"checks": [{"type": "header_value", "header": "X-Token",
                                            "value": "t0ken-value"}]}}),
        )
        .await;
    (owner.api_key, store["id"].as_i64().unwrap())
}

async fn put_logo(
    server: &TestServer,
    key: &str,
    store_id: i64,
    query: &str,
    body: Vec<u8>,
) -> reqwest::Response {
    server
        .client
        .put(server.url(&format!("/api/v1/stores/{store_id}/logo{query}")))
        .bearer_auth(key)
        .header("Content-Type", "application/octet-stream")
        .body(body)
        .send()
        .await
        .unwrap()
}

/// Returns the status and `detail` of a problem details response, checking its media type.
async fn problem(response: reqwest::Response) -> (u16, String) {
    let status = response.status().as_u16();
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(content_type, "application/problem+json", "status {status}");
    let body: Value = response.json().await.unwrap();
    (status, body["detail"].as_str().unwrap().to_owned())
}

/// Imports the Shopify "orders/updated" payload (30 lines) through the store's webhook with the
/// Shopify preset map, and returns the order id. The payload is a test order, so the map drops
/// the preset's test flag to import it.
async fn import_shopify_order(server: &TestServer, key: &str, store_id: i64) -> i64 {
    let account = server.get("/api/v1/account", Some(key)).await;
    let account_id = postsale_core::AccountId(
        account.json::<Value>().await.unwrap()["id"]
            .as_i64()
            .unwrap(),
    );
    let db = &server.test_db.db;

    let mut map: Value = serde_json::from_str(presets::source("shopify").unwrap()).unwrap();
    map.as_object_mut().unwrap().remove("test_flag").unwrap();
    maps::save(db, account_id, StoreId(store_id), &map.to_string())
        .await
        .unwrap();
    let active = WebhookPatch {
        state: Some(WebhookState::Active),
        ..WebhookPatch::default()
    };
    webhooks::update(db, account_id, StoreId(store_id), &active)
        .await
        .unwrap();

    let store = server
        .get_json(&format!("/api/v1/stores/{store_id}"), Some(key))
        .await;
    let answer: Value = server
        .client
        .post(store["webhook"]["url"].as_str().unwrap())
        .header("X-Token", "t0ken-value")
        .header("Content-Type", "application/json")
        .body(shared_payload("shopify-orders-updated.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let request_id = answer["request_id"].as_i64().unwrap();

    for _ in 0..200 {
        let request = server
            .get_json(&format!("/api/v1/requests/{request_id}"), Some(key))
            .await;
        if let Some(order_id) = request["order_id"].as_i64() {
            return order_id;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("request {request_id} was not imported within 5 s");
}

fn payload_skus() -> Vec<String> {
    let payload: Value =
        serde_json::from_slice(&shared_payload("shopify-orders-updated.json")).unwrap();
    payload["line_items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|line| line["sku"].as_str().unwrap().to_owned())
        .collect()
}

fn pdf_text(bytes: &[u8]) -> String {
    let document = lopdf::Document::load_mem(bytes).expect("the PDF parses");
    let pages: Vec<u32> = document.get_pages().keys().copied().collect();
    pages
        .iter()
        .map(|page| document.extract_text(&[*page]).unwrap())
        .collect()
}

async fn large_noise_png_is_reduced(server: TestServer) {
    let (key, store_id) = store(&server, "acme").await;
    let upload = png_bytes(&noise_image(1600, 1100));
    assert!(
        upload.len() >= 5_000_000,
        "upload is {} bytes",
        upload.len()
    );

    let response = put_logo(&server, &key, store_id, "", upload).await;

    assert_eq!(response.status(), 200);
    let logo: Value = response.json().await.unwrap();
    let stored = logo["bytes"].as_u64().unwrap() as usize;
    assert!(stored <= MAX_LOGO_BYTES, "stored logo is {stored} bytes");
    let served = server
        .get(&format!("/api/v1/stores/{store_id}/logo"), Some(&key))
        .await
        .bytes()
        .await
        .unwrap();
    assert_eq!(served.len(), stored);
    let (width, height) = dimensions(&served);
    assert_eq!(
        (logo["width"].as_u64(), logo["height"].as_u64()),
        (Some(width.into()), Some(height.into()))
    );
    let ratio = f64::from(width) / f64::from(height);
    assert!(
        (ratio - 1600.0 / 1100.0).abs() < 0.01,
        "{width} x {height} lost the aspect ratio"
    );
    let store = server
        .get_json(&format!("/api/v1/stores/{store_id}"), Some(&key))
        .await;
    assert_eq!(store["has_logo"], true);
}

async fn gif_and_svg_get_415(server: TestServer) {
    let (key, store_id) = store(&server, "acme").await;
    let gif = b"GIF89a\x01\0\x01\0\x80\0\0\0\0\0\xff\xff\xff!\xf9\x04\x01\0\0\0\0,\0\0\0\0\x01\0\x01\0\0\x02\x02D\x01\0;".to_vec();
    let svg =
        br#"<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>"#
            .to_vec();

    let (status, detail) = problem(put_logo(&server, &key, store_id, "", gif).await).await;
    assert_eq!(status, 415);
    assert!(detail.contains("GIF"), "{detail}");

    let (status, detail) = problem(put_logo(&server, &key, store_id, "", svg).await).await;
    assert_eq!(status, 415);
    assert!(detail.contains("SVG"), "{detail}");
}

async fn truncated_png_gets_422(server: TestServer) {
    let (key, store_id) = store(&server, "acme").await;
    let whole = png_bytes(&noise_image(64, 64));
    let truncated = whole[..whole.len() / 2].to_vec();

    let (status, detail) = problem(put_logo(&server, &key, store_id, "", truncated).await).await;

    assert_eq!(status, 422);
    assert!(detail.contains("truncated or corrupt"), "{detail}");
}

async fn huge_declared_png_rejected_quickly(server: TestServer) {
    let (key, store_id) = store(&server, "acme").await;

    let started = Instant::now();
    let response = put_logo(&server, &key, store_id, "", png_declaring(50_000, 50_000)).await;
    let elapsed = started.elapsed();

    let (status, detail) = problem(response).await;
    assert_eq!(status, 413);
    assert!(detail.contains("50000 x 50000"), "{detail}");
    assert!(elapsed < REJECT_WITHIN, "rejection took {elapsed:?}");
}

async fn logo_served_with_etag_and_304(server: TestServer) {
    let (key, store_id) = store(&server, "acme").await;
    let path = format!("/api/v1/stores/{store_id}/logo");
    let (status, _) = problem(server.get(&path, Some(&key)).await).await;
    assert_eq!(status, 404);

    let uploaded: Value = put_logo(&server, &key, store_id, "", png_bytes(&noise_image(40, 20)))
        .await
        .json()
        .await
        .unwrap();
    let etag = format!("\"{}\"", uploaded["etag"].as_str().unwrap());

    let response = server.get(&path, Some(&key)).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "image/png");
    assert_eq!(response.headers()["etag"], etag.as_str());
    assert_eq!(response.headers()["cache-control"], "private, max-age=300");
    assert_eq!(response.headers()["x-content-type-options"], "nosniff");
    assert_eq!(dimensions(&response.bytes().await.unwrap()), (40, 20));

    let cached = server
        .client
        .get(server.url(&path))
        .bearer_auth(&key)
        .header("If-None-Match", format!("\"other\", {etag}"))
        .send()
        .await
        .unwrap();
    assert_eq!(cached.status(), 304);
    assert_eq!(cached.headers()["etag"], etag.as_str());
    assert!(cached.bytes().await.unwrap().is_empty());

    let stale = server
        .client
        .get(server.url(&path))
        .bearer_auth(&key)
        .header("If-None-Match", "\"other\"")
        .send()
        .await
        .unwrap();
    assert_eq!(stale.status(), 200);

    let deleted = server
        .client
        .delete(server.url(&path))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), 204);
    let (status, detail) = problem(server.get(&path, Some(&key)).await).await;
    assert_eq!(status, 404);
    assert!(detail.contains("has no logo"), "{detail}");
    let store = server
        .get_json(&format!("/api/v1/stores/{store_id}"), Some(&key))
        .await;
    assert_eq!(store["has_logo"], false);
}

async fn rotate_crop_and_zoom_set_dimensions(server: TestServer) {
    let (key, store_id) = store(&server, "acme").await;
    let upload = png_bytes(&noise_image(40, 20));
    let cases = [
        ("?rotate=cw", (20, 40)),
        ("?rotate=ccw", (20, 40)),
        ("?crop=5,5,30,10", (30, 10)),
        ("?rotate=cw&crop=0,0,10,30", (10, 30)),
        ("?zoom=50", (20, 10)),
    ];

    for (query, expected) in cases {
        let response = put_logo(&server, &key, store_id, query, upload.clone()).await;
        assert_eq!(response.status(), 200, "{query}");
        let logo: Value = response.json().await.unwrap();
        let size = (
            logo["width"].as_u64().unwrap(),
            logo["height"].as_u64().unwrap(),
        );
        assert_eq!(size, expected, "{query}");
    }

    let (status, detail) =
        problem(put_logo(&server, &key, store_id, "?rotate=left", upload.clone()).await).await;
    assert_eq!(status, 400);
    assert!(detail.contains("\"left\""), "{detail}");
    let (status, detail) =
        problem(put_logo(&server, &key, store_id, "?crop=1,2,3", upload.clone()).await).await;
    assert_eq!(status, 400);
    assert!(detail.contains("\"1,2,3\""), "{detail}");
    let (status, _) =
        problem(put_logo(&server, &key, store_id, "?crop=30,0,20,20", upload.clone()).await).await;
    assert_eq!(status, 422);
}

async fn other_account_gets_404(server: TestServer) {
    let (key, store_id) = store(&server, "acme").await;
    let order_id = import_shopify_order(&server, &key, store_id).await;
    let response = put_logo(&server, &key, store_id, "", png_bytes(&noise_image(40, 20))).await;
    assert_eq!(response.status(), 200);
    let intruder = server.create_account("intruder", Plan::Soar).await;
    let other = intruder.api_key.as_str();

    let logo = format!("/api/v1/stores/{store_id}/logo");
    let (status, _) =
        problem(put_logo(&server, other, store_id, "", png_bytes(&noise_image(8, 8))).await).await;
    assert_eq!(status, 404, "PUT logo");
    let (status, _) = problem(server.get(&logo, Some(other)).await).await;
    assert_eq!(status, 404, "GET logo");
    let deleted = server
        .client
        .delete(server.url(&logo))
        .bearer_auth(other)
        .send()
        .await
        .unwrap();
    let (status, _) = problem(deleted).await;
    assert_eq!(status, 404, "DELETE logo");
    for document in [
        "invoice",
        "invoice?format=pdf",
        "packing-slip",
        "packing-slip?format=pdf",
    ] {
        let path = format!("/api/v1/orders/{order_id}/{document}");
        let (status, _) = problem(server.get(&path, Some(other)).await).await;
        assert_eq!(status, 404, "GET {document}");
    }

    let still = server.get(&logo, Some(&key)).await;
    assert_eq!(still.status(), 200, "the owner's logo survived");
}

async fn invoice_shows_number_and_every_sku(server: TestServer) {
    let (key, store_id) = store(&server, "acme").await;
    let order_id = import_shopify_order(&server, &key, store_id).await;
    let response = put_logo(&server, &key, store_id, "", png_bytes(&noise_image(40, 20))).await;
    assert_eq!(response.status(), 200);
    let skus = payload_skus();
    assert_eq!(skus.len(), 30);

    // The format is read ignoring case, as the paper size is.
    let pdf = server
        .get(
            &format!("/api/v1/orders/{order_id}/invoice?format=PDF"),
            Some(&key),
        )
        .await;
    assert_eq!(pdf.status(), 200);
    assert_eq!(pdf.headers()["content-type"], "application/pdf");
    assert_eq!(
        pdf.headers()["content-disposition"],
        "inline; filename=\"invoice-1024.pdf\""
    );
    let text = pdf_text(&pdf.bytes().await.unwrap());
    assert!(text.contains("1024"), "order number missing from:\n{text}");
    for sku in &skus {
        assert!(
            text.contains(sku.as_str()),
            "SKU {sku} missing from the PDF"
        );
    }

    let html = server
        .get(&format!("/api/v1/orders/{order_id}/invoice"), Some(&key))
        .await;
    assert_eq!(html.status(), 200);
    assert_eq!(html.headers()["content-type"], "text/html; charset=utf-8");
    assert_eq!(
        html.headers()["content-security-policy"],
        html_content_security_policy().as_str()
    );
    assert_eq!(html.headers()["x-content-type-options"], "nosniff");
    let page = html.text().await.unwrap();
    assert!(page.contains("1024"), "order number missing from the HTML");
    for sku in &skus {
        assert!(
            page.contains(sku.as_str()),
            "SKU {sku} missing from the HTML"
        );
    }
    assert!(
        page.contains("Acme &lt;Tools&gt; &amp; &quot;Sons&quot; &#39;Ltd&#39;"),
        "store name not escaped"
    );
    assert!(!page.contains("<Tools>"), "raw store name in the HTML");
    assert!(
        page.contains("data:image/png;base64,"),
        "logo missing from the HTML"
    );
}

async fn packing_slip_and_unknown_format(server: TestServer) {
    let (key, store_id) = store(&server, "acme").await;
    let order_id = import_shopify_order(&server, &key, store_id).await;

    let pdf = server
        .get(
            &format!("/api/v1/orders/{order_id}/packing-slip?format=pdf"),
            Some(&key),
        )
        .await;
    assert_eq!(pdf.status(), 200);
    assert_eq!(
        pdf.headers()["content-disposition"],
        "inline; filename=\"packing-slip-1024.pdf\""
    );
    let text = pdf_text(&pdf.bytes().await.unwrap());
    for sku in payload_skus() {
        assert!(
            text.contains(sku.as_str()),
            "SKU {sku} missing from the packing slip"
        );
    }

    let path = format!("/api/v1/orders/{order_id}/invoice?format=docx");
    let (status, detail) = problem(server.get(&path, Some(&key)).await).await;
    assert_eq!(status, 400);
    assert!(detail.contains("\"docx\""), "{detail}");
}

async fn store_address_is_normalized(server: TestServer) {
    let (key, store_id) = store(&server, "acme").await;
    let path = format!("/api/v1/stores/{store_id}");
    let patch = |body: Value| {
        server
            .client
            .patch(server.url(&path))
            .bearer_auth(&key)
            .json(&body)
            .send()
    };

    let address = json!({"name": "Acme Warehouse", "street1": "1 Dock Rd", "city": "Austin",
                         "state": "Texas", "postal_code": "78701", "country": "United States"});
    let response = patch(json!({"address": address})).await.unwrap();
    assert_eq!(response.status(), 200);
    let store: Value = response.json().await.unwrap();
    assert_eq!(store["address"]["country"], "US");
    assert_eq!(store["address"]["state"], "TX");

    let (status, detail) = problem(
        patch(json!({"address": {"country": "Atlantis"}}))
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 422);
    assert!(detail.contains("\"Atlantis\""), "{detail}");
    let (status, detail) =
        problem(patch(json!({"address": {"zip": "78701"}})).await.unwrap()).await;
    assert_eq!(status, 422);
    assert!(detail.contains("\"zip\""), "{detail}");
    let (status, detail) = problem(
        patch(json!({"address": {"state": "Gondor", "country": "US"}}))
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 422);
    assert!(detail.contains("\"Gondor\""), "{detail}");

    let unchanged: Value = server.get(&path, Some(&key)).await.json().await.unwrap();
    assert_eq!(
        unchanged["address"]["state"], "TX",
        "a rejected patch changed the address"
    );
}

async fn ship_from_is_validated_and_cleared(server: TestServer) {
    let (key, _) = store(&server, "acme").await;
    let put = |body: Value| {
        server
            .client
            .put(server.url("/api/v1/account/ship-from"))
            .bearer_auth(&key)
            .json(&body)
            .send()
    };

    let empty = server
        .get_json("/api/v1/account/ship-from", Some(&key))
        .await;
    assert_eq!(empty["address"], Value::Null);

    let response = put(json!({"address": {"name": "Depot", "city": "Toronto",
                                          "state": "Ontario", "country": "canada"}}))
    .await
    .unwrap();
    assert_eq!(response.status(), 200);
    let stored = server
        .get_json("/api/v1/account/ship-from", Some(&key))
        .await;
    assert_eq!(stored["address"]["country"], "CA");
    assert_eq!(stored["address"]["state"], "ON");

    let (status, detail) = problem(
        put(json!({"address": {"country": "Atlantis"}}))
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(status, 422);
    assert!(detail.contains("\"Atlantis\""), "{detail}");
    let (status, detail) = problem(put(json!({})).await.unwrap()).await;
    assert_eq!(status, 422);
    assert!(detail.contains("missing member address"), "{detail}");
    for blank in [json!({}), json!({"name": "  ", "city": null})] {
        let (status, detail) = problem(put(json!({ "address": blank })).await.unwrap()).await;
        assert_eq!(status, 422);
        assert!(detail.contains("or null to remove the address"), "{detail}");
    }
    let twice = server
        .client
        .put(server.url("/api/v1/account/ship-from"))
        .bearer_auth(&key)
        .header("Content-Type", "application/json")
        .body(r#"{"address": {"city": "Toronto", "city": "Ottawa"}}"#)
        .send()
        .await
        .unwrap();
    let (status, detail) = problem(twice).await;
    assert_eq!(status, 422);
    assert!(
        detail.contains("address.city appears more than once"),
        "{detail}"
    );
    let kept = server
        .get_json("/api/v1/account/ship-from", Some(&key))
        .await;
    assert_eq!(
        kept["address"]["city"], "Toronto",
        "a rejected body changed the address"
    );

    let response = put(json!({"address": null})).await.unwrap();
    assert_eq!(response.status(), 200);
    let cleared = server
        .get_json("/api/v1/account/ship-from", Some(&key))
        .await;
    assert_eq!(cleared["address"], Value::Null);
}

/// Reads the width and height, in points, of the first page's MediaBox, following inheritance
/// from the page tree.
fn first_page_size(bytes: &[u8]) -> (f32, f32) {
    let document = lopdf::Document::load_mem(bytes).expect("the PDF parses");
    let page_id = *document.get_pages().values().next().expect("a page");
    let mut node = document.get_dictionary(page_id).unwrap();
    let media_box = loop {
        if let Ok(media_box) = node.get(b"MediaBox") {
            break media_box.as_array().unwrap().clone();
        }
        let parent = node.get(b"Parent").unwrap().as_reference().unwrap();
        node = document.get_dictionary(parent).unwrap();
    };
    let numbers: Vec<f32> = media_box
        .iter()
        .map(|number| number.as_float().unwrap())
        .collect();
    (numbers[2] - numbers[0], numbers[3] - numbers[1])
}

async fn paper_follows_store_country(server: TestServer) {
    let (key, store_id) = store(&server, "acme").await;
    let order_id = import_shopify_order(&server, &key, store_id).await;
    let invoice = |query: &'static str| {
        let path = format!("/api/v1/orders/{order_id}/invoice{query}");
        let key = key.clone();
        let server = &server;
        async move { server.get(&path, Some(&key)).await }
    };
    let pdf_size = |response: reqwest::Response| async move {
        assert_eq!(response.status(), 200);
        first_page_size(&response.bytes().await.unwrap())
    };

    let without_address = pdf_size(invoice("?format=pdf").await).await;
    let address = json!({"name": "Acme", "street1": "1 Main St", "city": "Austin",
                         "state": "TX", "postal_code": "78701", "country": "US"});
    let patched = server
        .client
        .patch(server.url(&format!("/api/v1/stores/{store_id}")))
        .bearer_auth(&key)
        .json(&json!({"address": address}))
        .send()
        .await
        .unwrap();
    assert_eq!(patched.status(), 200);
    let us_default = pdf_size(invoice("?format=pdf").await).await;
    let us_a4 = pdf_size(invoice("?format=pdf&paper=a4").await).await;
    let html = invoice("?paper=letter").await.text().await.unwrap();
    let (status, detail) = problem(invoice("?format=pdf&paper=legal").await).await;

    assert_eq!(
        without_address,
        (595.28, 841.89),
        "A4 without a store address"
    );
    assert_eq!(us_default, (612.0, 792.0), "Letter for a US store");
    assert_eq!(us_a4, (595.28, 841.89), "paper=a4 overrides the country");
    assert!(html.contains("@page { size: letter;"), "HTML print size");
    assert_eq!(status, 400);
    assert!(detail.contains("\"legal\""), "{detail}");
}

http_tests!(
    large_noise_png_is_reduced,
    gif_and_svg_get_415,
    truncated_png_gets_422,
    huge_declared_png_rejected_quickly,
    logo_served_with_etag_and_304,
    rotate_crop_and_zoom_set_dimensions,
    other_account_gets_404,
    invoice_shows_number_and_every_sku,
    packing_slip_and_unknown_format,
    store_address_is_normalized,
    ship_from_is_validated_and_cleared,
    paper_follows_store_country,
);
