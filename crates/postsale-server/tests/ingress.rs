//! Webhook ingress over HTTP: stores, security checks, durable capture and the shared cases.

mod common;

use std::io::Write;

use common::{TestServer, shared_case, shared_payload};
use postsale_core::verify::{HmacConfig, Preset, Secret, sign_request};
use postsale_core::{Plan, StoreId};
use postsale_store::{Database, stores};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

const SHOPIFY_SECRET: &str = "shpss_FAKE_test_secret_do_not_use";

fn shopify_security(secret: &str) -> Value {
    json!({"checks": [{"type": "hmac", "preset": "shopify", "secrets": [{"value": secret}]}]})
}

/// Creates a soar account and a store with `security`; returns (api key, store id, hook URL).
async fn store_with(server: &TestServer, security: Value) -> (String, i64, String) {
    let acme = server.create_account("acme", Plan::Soar).await;
    let store = server
        .create_store(&acme.api_key, json!({"name": "Main", "security": security}))
        .await;
    let url = store["webhook"]["url"].as_str().unwrap().to_owned();
    (acme.api_key, store["id"].as_i64().unwrap(), url)
}

fn shopify_headers(body: &[u8], secret: &str) -> Vec<(String, String)> {
    let config = HmacConfig::preset(Preset::Shopify, secret);
    sign_request(
        &config,
        &Secret::new(secret),
        body,
        OffsetDateTime::now_utc(),
        "delivery-1",
    )
    .unwrap()
}

async fn post(
    server: &TestServer,
    url: &str,
    headers: &[(String, String)],
    body: Vec<u8>,
) -> reqwest::Response {
    let mut request = server.client.post(url).body(body);
    for (name, value) in headers {
        request = request.header(name.as_str(), value.as_str());
    }
    request.send().await.unwrap()
}

/// Decodes a case request into its headers and exact body bytes.
fn case_request(request: &Value) -> (Vec<(String, String)>, Vec<u8>) {
    let headers = request["headers"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(name, value)| (name.clone(), value.as_str().unwrap().to_owned()))
        .collect();
    let body = request["body"].as_str().unwrap().as_bytes().to_vec();
    (headers, body)
}

async fn store_needs_soar_plan(server: TestServer) {
    let grow = server.create_account("grower", Plan::Grow).await;

    let response = server
        .client
        .post(server.url("/api/v1/stores"))
        .bearer_auth(&grow.api_key)
        .json(&json!({"name": "Main", "security": shopify_security(SHOPIFY_SECRET)}))
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 402);
    let problem: Value = response.json().await.unwrap();
    assert!(problem["detail"].as_str().unwrap().contains("soar"));
    assert_eq!(problem["required_plan"], "soar");
}

async fn empty_secret_is_rejected(server: TestServer) {
    let acme = server.create_account("acme", Plan::Soar).await;

    let response = server
        .client
        .post(server.url("/api/v1/stores"))
        .bearer_auth(&acme.api_key)
        .json(&json!({"name": "Main", "security": shopify_security("")}))
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 422);
    let problem: Value = response.json().await.unwrap();
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("security.checks[0].secrets[0].value")
    );
}

async fn secrets_are_masked_in_api(server: TestServer) {
    let (key, store_id, url) = store_with(&server, shopify_security(SHOPIFY_SECRET)).await;

    let text = server
        .get(&format!("/api/v1/stores/{store_id}"), Some(&key))
        .await
        .text()
        .await
        .unwrap();

    assert!(!text.contains(SHOPIFY_SECRET), "{text}");
    assert!(text.contains("\"state\":\"capturing\""));
    let token = url.rsplit('/').next().unwrap();
    assert!(token.len() >= 32, "token of at least 128 bits: {token}");
    let stored: String = sqlx_security(&server).await;
    assert!(!stored.contains(SHOPIFY_SECRET), "secret sealed at rest");
}

async fn sqlx_security(server: &TestServer) -> String {
    use postsale_store::webhooks;
    let target = postsale_store::stores::list(&server.test_db.db, postsale_core::AccountId(1))
        .await
        .unwrap();
    let webhook = webhooks::get_for_store(
        &server.test_db.db,
        postsale_core::AccountId(1),
        target[0].id,
    )
    .await
    .unwrap()
    .unwrap();
    webhook.security
}

async fn other_account_store_is_not_found(server: TestServer) {
    let (_, store_id, _) = store_with(&server, shopify_security(SHOPIFY_SECRET)).await;
    let other = server.create_account("other", Plan::Soar).await;

    for path in [
        format!("/api/v1/stores/{store_id}"),
        format!("/api/v1/stores/{store_id}/webhook"),
        format!("/api/v1/stores/{store_id}/requests"),
        "/api/v1/stores/999999".to_owned(),
    ] {
        let response = server.get(&path, Some(&other.api_key)).await;
        assert_eq!(response.status(), 404, "{path}");
        let problem: Value = response.json().await.unwrap();
        assert!(
            problem["detail"].as_str().unwrap().contains("not found"),
            "{path}"
        );
    }
    let listed = server
        .get_json("/api/v1/stores", Some(&other.api_key))
        .await;
    assert_eq!(listed, json!([]));
}

async fn shopify_payload_is_kept_exactly(server: TestServer) {
    let (key, store_id, url) = store_with(&server, shopify_security(SHOPIFY_SECRET)).await;
    let body = shared_payload("shopify-orders-create.json");

    let response = post(
        &server,
        &url,
        &shopify_headers(&body, SHOPIFY_SECRET),
        body.clone(),
    )
    .await;

    assert_eq!(response.status(), 200);
    let answer: Value = response.json().await.unwrap();
    let request_id = answer["request_id"].as_i64().unwrap();
    let stored = server
        .get(&format!("/api/v1/requests/{request_id}/body"), Some(&key))
        .await
        .bytes()
        .await
        .unwrap();
    assert_eq!(stored.as_ref(), body.as_slice());

    // On disk the order is a zstd frame, and the API above gave back the bytes as received.
    let (encoding, stored_size) =
        postsale_store::testing::stored_body(&server.test_db.db, request_id).await;
    assert_eq!(encoding, "zstd");
    assert!(
        stored_size * 2 < i64::try_from(body.len()).unwrap(),
        "{stored_size} bytes stored for {} received",
        body.len()
    );

    let kept = server.kept_requests(&key, store_id, "accepted").await;
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0]["body_kind"], "json");
    assert_eq!(kept[0]["import_state"], "pending");
    assert_eq!(kept[0]["delivery_id"], "delivery-1");
    assert_eq!(kept[0]["body_sha256"], hex::encode(Sha256::digest(&body)));
    let headers = kept[0]["headers"].to_string();
    assert!(
        !headers.contains(&shopify_headers(&body, SHOPIFY_SECRET)[0].1),
        "signature masked"
    );
}

async fn changed_byte_is_rejected(server: TestServer) {
    let (key, store_id, url) = store_with(&server, shopify_security(SHOPIFY_SECRET)).await;
    let body = shared_payload("shopify-orders-create.json");
    let headers = shopify_headers(&body, SHOPIFY_SECRET);
    let mut changed = body.clone();
    changed[100] ^= 0x01;

    let response = post(&server, &url, &headers, changed).await;

    assert_eq!(response.status(), 401);
    let problem: Value = response.json().await.unwrap();
    assert_eq!(problem["reason"], "bad_signature");
    assert!(
        server
            .kept_requests(&key, store_id, "accepted")
            .await
            .is_empty()
    );
    let rejected = server.kept_requests(&key, store_id, "rejected").await;
    assert_eq!(rejected.len(), 1);
    assert_eq!(rejected[0]["reason"], "bad_signature");
    assert_eq!(rejected[0]["body_size"], body.len());

    // A rejected request keeps no body, which is not the same as an empty one.
    let id = rejected[0]["id"].as_i64().unwrap();
    let response = server
        .get(&format!("/api/v1/requests/{id}/body"), Some(&key))
        .await;
    assert_eq!(response.status(), 404);
    let problem: Value = response.json().await.unwrap();
    let detail = problem["detail"].as_str().unwrap();
    assert!(detail.contains("rejected"), "{detail}");
    assert!(detail.contains("bad_signature"), "{detail}");
}

async fn reserialized_body_case(server: TestServer) {
    let case = shared_case("01-reserialized-body-hmac.json");
    let secret = case["secret"]["value"].as_str().unwrap();
    let (key, _, url) = store_with(&server, shopify_security(secret)).await;
    let (headers, body) = case_request(&case["request"]);

    let response = post(&server, &url, &headers, body.clone()).await;
    assert_eq!(
        u64::from(response.status().as_u16()),
        case["expect"]["status"]
    );
    let id = response.json::<Value>().await.unwrap()["request_id"]
        .as_i64()
        .unwrap();
    let stored = server
        .get(&format!("/api/v1/requests/{id}/body"), Some(&key))
        .await
        .bytes()
        .await
        .unwrap();
    assert_eq!(
        hex::encode(Sha256::digest(&stored)),
        case["request"]["body_sha256"]
    );

    let reserialized = case["counter_example"]["reserialized_body"]
        .as_str()
        .unwrap();
    let response = post(&server, &url, &headers, reserialized.as_bytes().to_vec()).await;
    assert_eq!(response.status(), 401);
}

async fn missing_signature_case(server: TestServer) {
    let case = shared_case("04-missing-signature-header.json");
    let secret = case["secret"]["value"].as_str().unwrap();
    let (key, store_id, url) = store_with(&server, shopify_security(secret)).await;
    let (headers, body) = case_request(&case["request"]);

    let response = post(&server, &url, &headers, body.clone()).await;
    assert_eq!(
        u64::from(response.status().as_u16()),
        case["expect"]["status"]
    );

    for variant in case["variants"].as_array().unwrap() {
        let mut request = server.client.post(&url).body(body.clone());
        for (name, value) in &headers {
            request = request.header(name.as_str(), value.as_str());
        }
        for (name, value) in variant.as_object().unwrap() {
            let value =
                reqwest::header::HeaderValue::from_bytes(value.as_str().unwrap().as_bytes())
                    .unwrap();
            request = request.header(name.as_str(), value);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 401, "variant {variant}");
    }
    assert!(
        server
            .kept_requests(&key, store_id, "accepted")
            .await
            .is_empty()
    );
    assert_eq!(
        server.kept_requests(&key, store_id, "rejected").await.len(),
        4
    );
}

async fn woocommerce_ping_case(server: TestServer) {
    let case = shared_case("03-woocommerce-ping-form-encoded.json");
    let security = json!({"checks": [{"type": "hmac", "preset": "woocommerce",
                                      "secrets": [{"value": "wc_FAKE_secret_do_not_use"}]}]});
    let (key, store_id, url) = store_with(&server, security).await;
    let (headers, body) = case_request(&case["request"]);
    let headers: Vec<_> = headers
        .into_iter()
        .filter(|(name, _)| name != "Content-Length")
        .collect();

    let response = post(&server, &url, &headers, body).await;

    assert_eq!(response.status(), 200);
    let kept = server.kept_requests(&key, store_id, "all").await;
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0]["body_kind"], "ping");
    assert_eq!(kept[0]["import_state"], "not_importable");
    assert!(kept[0]["diagnosis"].as_str().unwrap().contains("#2"));
}

async fn gzip_body_case(server: TestServer) {
    let case = shared_case("13-gzip-content-encoding.json");
    let secret = case["secret"]["value"].as_str().unwrap();
    let security = json!({"checks": [{"type": "hmac", "preset": "custom", "header": "X-Signature",
                                      "encoding": "base64", "secrets": [{"value": secret}]}]});
    let (key, store_id, url) = store_with(&server, security).await;
    let request = &case["request"];
    let compressed = base64_decode(request["body_base64"].as_str().unwrap());
    let headers: Vec<(String, String)> = request["headers"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(name, value)| (name.clone(), value.as_str().unwrap().to_owned()))
        .collect();

    let response = post(&server, &url, &headers, compressed.clone()).await;
    assert_eq!(
        u64::from(response.status().as_u16()),
        case["expect"]["status"]
    );
    let kept = server.kept_requests(&key, store_id, "accepted").await;
    assert_eq!(kept[0]["body_kind"], "json");

    // The API shows the body decoded, and gives back the bytes as received.
    let id = kept[0]["id"].as_i64().unwrap();
    let detail = server
        .get_json(&format!("/api/v1/requests/{id}"), Some(&key))
        .await;
    let decompressed: Value =
        serde_json::from_str(request["decompressed_body"].as_str().unwrap()).unwrap();
    assert_eq!(detail["body_json"], decompressed);
    assert_eq!(detail["body_text"], Value::Null);
    let raw = server
        .get(&format!("/api/v1/requests/{id}/body"), Some(&key))
        .await
        .bytes()
        .await
        .unwrap();
    assert_eq!(raw.to_vec(), compressed);

    let mut unknown = headers.clone();
    for (name, value) in &mut unknown {
        if name == "Content-Encoding" {
            *value = "br".to_owned();
        }
    }
    let response = post(&server, &url, &unknown, compressed).await;
    assert_eq!(response.status(), 415);
}

async fn gzip_bomb_is_rejected(server: TestServer) {
    let (key, store_id, url) = store_with(&server, shopify_security(SHOPIFY_SECRET)).await;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    let zeros = vec![0_u8; 1024 * 1024];
    for _ in 0..64 {
        encoder.write_all(&zeros).unwrap();
    }
    let bomb = encoder.finish().unwrap();
    let headers = vec![("Content-Encoding".to_owned(), "gzip".to_owned())];

    let response = post(&server, &url, &headers, bomb).await;

    assert_eq!(response.status(), 413);
    let rejected = server.kept_requests(&key, store_id, "rejected").await;
    // The body decodes; it is only too large once decoded.
    assert_eq!(rejected[0]["reason"], "body_too_large");
    assert!(
        rejected[0]["diagnosis"]
            .as_str()
            .unwrap()
            .contains("decoded body is larger than the limit"),
        "{}",
        rejected[0]
    );
}

async fn oversize_body_is_rejected(server: TestServer) {
    let (key, store_id, url) = store_with(&server, shopify_security(SHOPIFY_SECRET)).await;
    let body = vec![b' '; 10 * 1024 * 1024 + 1];

    let response = post(&server, &url, &[], body).await;

    assert_eq!(response.status(), 413);
    let rejected = server.kept_requests(&key, store_id, "rejected").await;
    assert_eq!(rejected[0]["reason"], "body_too_large");

    let body = shared_payload("shopify-orders-create.json");
    let response = post(&server, &url, &shopify_headers(&body, SHOPIFY_SECRET), body).await;
    assert_eq!(
        response.status(),
        200,
        "the next good request is still kept"
    );
}

async fn unknown_token_is_bare_404(server: TestServer) {
    let response = server
        .client
        .post(server.url("/hooks/0000000000000000000000000000000000000000"))
        .body("{}")
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 404);
    assert!(response.text().await.unwrap().is_empty());
}

/// Deletes the store through a connection of its own, as another process sharing the
/// database would, while the server still has the webhook cached from the first request.
async fn store_deleted_elsewhere_is_bare_404(server: TestServer) {
    let acme = server.create_account("acme", Plan::Soar).await;
    let store = server
        .create_store(
            &acme.api_key,
            json!({"name": "Main", "security": shopify_security(SHOPIFY_SECRET)}),
        )
        .await;
    let url = store["webhook"]["url"].as_str().unwrap().to_owned();
    let body = shared_payload("shopify-orders-create.json");
    let headers = shopify_headers(&body, SHOPIFY_SECRET);
    let response = post(&server, &url, &headers, body.clone()).await;
    assert_eq!(response.status(), 200);

    let other_process = Database::connect(&server.test_db.url).await.unwrap();
    let store_id = StoreId(store["id"].as_i64().unwrap());
    let deleted = stores::delete(&other_process, acme.account.id, store_id).await;
    assert!(deleted.unwrap());

    for attempt in 0..3 {
        let response = post(&server, &url, &headers, body.clone()).await;
        assert_eq!(response.status(), 404, "attempt {attempt}");
        assert!(response.text().await.unwrap().is_empty());
    }
}

async fn disabled_webhook_is_locked(server: TestServer) {
    let (key, store_id, url) = store_with(&server, shopify_security(SHOPIFY_SECRET)).await;
    let response = server
        .client
        .patch(server.url(&format!("/api/v1/stores/{store_id}/webhook")))
        .bearer_auth(&key)
        .json(&json!({"state": "disabled"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body = shared_payload("shopify-orders-create.json");

    let response = post(&server, &url, &shopify_headers(&body, SHOPIFY_SECRET), body).await;

    assert_eq!(response.status(), 423);
    let problem: Value = response.json().await.unwrap();
    assert!(problem["detail"].as_str().unwrap().contains("disabled"));
}

async fn basic_auth_with_colon_password(server: TestServer) {
    let security =
        json!({"checks": [{"type": "basic_auth", "username": "shop", "password": "p:a:ss-word"}]});
    let (_, _, url) = store_with(&server, security).await;

    let good = server
        .client
        .post(&url)
        .basic_auth("shop", Some("p:a:ss-word"))
        .body("{}")
        .send()
        .await
        .unwrap();
    let bad = server
        .client
        .post(&url)
        .basic_auth("shop", Some("wrong"))
        .body("{}")
        .send()
        .await
        .unwrap();

    assert_eq!(good.status(), 200);
    assert_eq!(bad.status(), 401);
    assert!(
        bad.headers()["www-authenticate"]
            .to_str()
            .unwrap()
            .starts_with("Basic")
    );
}

async fn header_value_check(server: TestServer) {
    let security =
        json!({"checks": [{"type": "header_value", "header": "X-Token", "value": "abc123-token"}]});
    let (_, _, url) = store_with(&server, security).await;

    let good = server
        .client
        .post(&url)
        .header("x-token", "abc123-token")
        .body("{}")
        .send()
        .await
        .unwrap();
    let bad = server
        .client
        .post(&url)
        .header("X-Token", "abc124-token")
        .body("{}")
        .send()
        .await
        .unwrap();
    let missing = server.client.post(&url).body("{}").send().await.unwrap();

    assert_eq!(good.status(), 200);
    assert_eq!(bad.status(), 401);
    assert_eq!(missing.status(), 401);
}

async fn rejected_request_masks_header_secret(server: TestServer) {
    let security = json!({"checks": [
        {"type": "header_value", "header": "X-Token", "value": "tok_secret_value_42"},
        {"type": "ip_allow_list", "allow": ["198.51.100.0/24"]}]});
    let (key, store_id, url) = store_with(&server, security).await;

    let response = server
        .client
        .post(&url)
        .header("X-Token", "tok_secret_value_42")
        .body("{}")
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 403);
    let rejected = server.kept_requests(&key, store_id, "rejected").await;
    let headers = rejected[0]["headers"].to_string();
    assert!(!headers.contains("tok_secret_value_42"), "{headers}");
}

async fn credential_delivery_header_rejected(server: TestServer) {
    let acme = server.create_account("acme", Plan::Soar).await;

    let response = server
        .client
        .post(server.url("/api/v1/stores"))
        .bearer_auth(&acme.api_key)
        .json(
            &json!({"name": "Main", "security": shopify_security(SHOPIFY_SECRET),
                      "delivery_id_header": "Authorization"}),
        )
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 422);
}

async fn ip_allow_list_uses_peer(server: TestServer) {
    let allowed = json!({"checks": [{"type": "ip_allow_list", "allow": ["127.0.0.1/32"]}]});
    let (_, _, url) = store_with(&server, allowed).await;
    let response = server.client.post(&url).body("{}").send().await.unwrap();
    assert_eq!(response.status(), 200);

    let acme = server.create_account("spoofed", Plan::Soar).await;
    let other = json!({"checks": [{"type": "ip_allow_list", "allow": ["198.51.100.10/32"]}]});
    let store = server
        .create_store(&acme.api_key, json!({"name": "Other", "security": other}))
        .await;
    let url = store["webhook"]["url"].as_str().unwrap();
    let spoofed = server
        .client
        .post(url)
        .header("X-Forwarded-For", "198.51.100.10")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(
        spoofed.status(),
        403,
        "forwarded-for from an untrusted peer is ignored"
    );
}

async fn trusted_proxy_forwarded_for(test_db: postsale_store::testing::TestDatabase) {
    let server = TestServer::start_with(test_db, |settings| {
        settings.ingress.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
    })
    .await;
    let security = json!({"checks": [{"type": "ip_allow_list", "allow": ["198.51.100.10/32"]}]});
    let (_, _, url) = store_with(&server, security).await;

    let single = server
        .client
        .post(&url)
        .header("X-Forwarded-For", "198.51.100.10")
        .body("{}")
        .send()
        .await
        .unwrap();
    let appended = server
        .client
        .post(&url)
        .header("X-Forwarded-For", "198.51.100.10, 203.0.113.99")
        .body("{}")
        .send()
        .await
        .unwrap();

    assert_eq!(single.status(), 200);
    assert_eq!(appended.status(), 403);
}

async fn rotated_secrets_both_accepted(server: TestServer) {
    let security = json!({"checks": [{"type": "hmac", "preset": "shopify",
        "secrets": [{"value": "old_secret_value"}, {"value": "new_secret_value"}]}]});
    let (_, _, url) = store_with(&server, security).await;
    let body = shared_payload("shopify-orders-create.json");

    let old = post(
        &server,
        &url,
        &shopify_headers(&body, "old_secret_value"),
        body.clone(),
    )
    .await;
    let new = post(
        &server,
        &url,
        &shopify_headers(&body, "new_secret_value"),
        body.clone(),
    )
    .await;
    let wrong = post(
        &server,
        &url,
        &shopify_headers(&body, "other_secret_value"),
        body,
    )
    .await;

    assert_eq!(old.status(), 200);
    assert_eq!(new.status(), 200);
    assert_eq!(wrong.status(), 401);
}

async fn rate_limit_answers_429(server: TestServer) {
    let (key, store_id, url) = store_with(&server, shopify_security(SHOPIFY_SECRET)).await;
    server
        .client
        .patch(server.url(&format!("/api/v1/stores/{store_id}/webhook")))
        .bearer_auth(&key)
        .json(&json!({"rate_limit_per_minute": 6}))
        .send()
        .await
        .unwrap();
    let body = shared_payload("shopify-orders-create.json");
    let headers = shopify_headers(&body, SHOPIFY_SECRET);

    let first = post(&server, &url, &headers, body.clone()).await;
    let second = post(&server, &url, &headers, body).await;

    assert_eq!(first.status(), 200);
    assert_eq!(second.status(), 429);
    let wait: u64 = second.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=10).contains(&wait), "{wait}");
}

async fn regenerated_url_keeps_grace(server: TestServer) {
    let (key, store_id, old_url) = store_with(&server, shopify_security(SHOPIFY_SECRET)).await;
    let regenerate = |grace: u32| {
        server
            .client
            .post(server.url(&format!("/api/v1/stores/{store_id}/webhook/regenerate-url")))
            .bearer_auth(&key)
            .json(&json!({"grace_hours": grace}))
            .send()
    };
    let body = shared_payload("shopify-orders-create.json");
    let headers = shopify_headers(&body, SHOPIFY_SECRET);

    let webhook: Value = regenerate(24).await.unwrap().json().await.unwrap();
    let new_url = webhook["url"].as_str().unwrap().to_owned();
    assert_ne!(new_url, old_url);
    assert_eq!(webhook["previous_url"], old_url.as_str());
    assert_eq!(
        post(&server, &old_url, &headers, body.clone())
            .await
            .status(),
        200
    );
    assert_eq!(
        post(&server, &new_url, &headers, body.clone())
            .await
            .status(),
        200
    );

    let webhook: Value = regenerate(0).await.unwrap().json().await.unwrap();
    assert_eq!(
        post(&server, &new_url, &headers, body.clone())
            .await
            .status(),
        404
    );
    let newest = webhook["url"].as_str().unwrap();
    assert_eq!(post(&server, newest, &headers, body).await.status(), 200);
}

async fn concurrent_requests_all_kept(server: TestServer) {
    let (key, store_id, url) = store_with(&server, shopify_security(SHOPIFY_SECRET)).await;
    let body = shared_payload("shopify-orders-create.json");
    let headers = shopify_headers(&body, SHOPIFY_SECRET);

    let mut tasks = Vec::new();
    for _ in 0..60 {
        let mut request = server.client.post(&url).body(body.clone());
        for (name, value) in &headers {
            request = request.header(name.as_str(), value.as_str());
        }
        tasks.push(tokio::spawn(request.send()));
    }
    let mut ids = Vec::new();
    for task in tasks {
        let response = task.await.unwrap().unwrap();
        assert_eq!(response.status(), 200);
        ids.push(
            response.json::<Value>().await.unwrap()["request_id"]
                .as_i64()
                .unwrap(),
        );
    }

    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 60);
    assert_eq!(
        server.kept_requests(&key, store_id, "accepted").await.len(),
        60
    );
}

async fn non_json_is_kept_not_importable(server: TestServer) {
    let security =
        json!({"checks": [{"type": "header_value", "header": "X-Token", "value": "abc123-token"}]});
    let (key, store_id, url) = store_with(&server, security).await;

    for (content_type, body) in [
        ("text/plain", "hello"),
        ("application/json", ""),
        ("Application/JSON; charset=utf-8", "{not json"),
    ] {
        let response = server
            .client
            .post(&url)
            .header("x-token", "abc123-token")
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{content_type} {body:?}");
    }

    let kept = server.kept_requests(&key, store_id, "accepted").await;
    let kinds: Vec<&str> = kept
        .iter()
        .map(|r| r["body_kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, vec!["malformed_json", "empty", "text"]);
    assert!(kept.iter().all(|r| r["import_state"] == "not_importable"));
}

async fn auth_scheme_any_case(server: TestServer) {
    let basic = json!({"checks": [{"type": "basic_auth", "username": "shop",
                                   "password": "basic-password-1234"}]});
    let (_, _, basic_url) = store_with(&server, basic).await;
    let acme = server.create_account("bearer", Plan::Soar).await;
    let bearer = json!({"checks": [{"type": "header_value", "header": "Authorization",
                                    "value": "Bearer tok_4f9aQ7zLm2Xc8RbT"}]});
    let store = server
        .create_store(&acme.api_key, json!({"name": "Bearer", "security": bearer}))
        .await;
    let bearer_url = store["webhook"]["url"].as_str().unwrap().to_owned();
    let credentials = {
        use base64::Engine;
        base64::engine::general_purpose::STANDARD.encode("shop:basic-password-1234")
    };

    for scheme in ["Basic", "basic", "BASIC"] {
        let authorization = format!("{scheme} {credentials}");
        let headers = vec![("Authorization".to_owned(), authorization)];
        let response = post(&server, &basic_url, &headers, b"{}".to_vec()).await;
        assert_eq!(response.status(), 200, "Basic Auth with scheme {scheme}");
    }
    for scheme in ["Bearer", "bearer", "BEARER"] {
        let authorization = format!("{scheme} tok_4f9aQ7zLm2Xc8RbT");
        let headers = vec![("Authorization".to_owned(), authorization)];
        let response = post(&server, &bearer_url, &headers, b"{}".to_vec()).await;
        assert_eq!(response.status(), 200, "Header Value with scheme {scheme}");
    }
    let headers = vec![(
        "Authorization".to_owned(),
        "bearer TOK_4F9AQ7ZLM2XC8RBT".to_owned(),
    )];
    let response = post(&server, &bearer_url, &headers, b"{}".to_vec()).await;
    assert_eq!(response.status(), 401, "the token stays case-sensitive");
}

async fn trailing_slash_reaches_webhook(server: TestServer) {
    let (key, store_id, url) = store_with(&server, shopify_security(SHOPIFY_SECRET)).await;
    let body = shared_payload("shopify-orders-create.json");
    let headers = shopify_headers(&body, SHOPIFY_SECRET);

    let response = post(&server, &format!("{url}/"), &headers, body.clone()).await;

    assert_eq!(response.status(), 200);
    let kept = server.kept_requests(&key, store_id, "accepted").await;
    assert_eq!(kept.len(), 1);
    assert_eq!(
        kept[0]["path"],
        format!("{}/", url.trim_start_matches(&server.base_url))
    );

    let unknown = server.url("/hooks/0000000000000000000000000000000000000000/");
    let response = post(&server, &unknown, &headers, body).await;
    assert_eq!(response.status(), 404);
    assert!(response.text().await.unwrap().is_empty(), "bare 404");
}

async fn failed_requests_spare_verified_budget(server: TestServer) {
    let (key, store_id, url) = store_with(&server, shopify_security(SHOPIFY_SECRET)).await;
    let response = server
        .client
        .patch(server.url(&format!("/api/v1/stores/{store_id}/webhook")))
        .bearer_auth(&key)
        .json(&json!({"rate_limit_per_minute": 6}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body = shared_payload("shopify-orders-create.json");
    let headers = shopify_headers(&body, SHOPIFY_SECRET);

    let first_junk = post(&server, &url, &[], b"{\"junk\": true}".to_vec()).await;
    assert_eq!(first_junk.status(), 401);
    for _ in 0..5 {
        let junk = post(&server, &url, &[], b"{\"junk\": true}".to_vec()).await;
        assert_eq!(
            junk.status(),
            429,
            "unsigned junk is limited on its own budget"
        );
        assert!(junk.headers().contains_key("retry-after"));
        let problem: Value = junk.json().await.unwrap();
        assert_eq!(problem["reason"], "missing_header", "{problem}");
    }

    let good = post(&server, &url, &headers, body.clone()).await;
    assert_eq!(good.status(), 200, "junk did not use the verified budget");
    let over = post(&server, &url, &headers, body).await;
    assert_eq!(over.status(), 429, "verified requests have their own limit");
    assert!(over.headers().contains_key("retry-after"));

    let rejected = server.kept_requests(&key, store_id, "rejected").await;
    assert_eq!(
        rejected.len(),
        1,
        "requests over the budget leave no record"
    );
    assert_eq!(
        server.kept_requests(&key, store_id, "accepted").await.len(),
        1
    );
}

async fn bom_json_is_kept_as_json(server: TestServer) {
    let (key, store_id, url) = store_with(&server, shopify_security(SHOPIFY_SECRET)).await;
    let mut body = b"\xEF\xBB\xBF".to_vec();
    body.extend_from_slice(&shared_payload("shopify-orders-create.json"));
    let mut headers = shopify_headers(&body, SHOPIFY_SECRET);
    headers.push(("Content-Type".to_owned(), "application/json".to_owned()));

    let response = post(&server, &url, &headers, body.clone()).await;

    assert_eq!(response.status(), 200);
    let kept = server.kept_requests(&key, store_id, "accepted").await;
    assert_eq!(kept[0]["body_kind"], "json", "{}", kept[0]);
    assert_eq!(kept[0]["import_state"], "pending");
    assert_eq!(kept[0]["diagnosis"], Value::Null);
    let id = kept[0]["id"].as_i64().unwrap();
    let stored = server
        .get(&format!("/api/v1/requests/{id}/body"), Some(&key))
        .await
        .bytes()
        .await
        .unwrap();
    assert_eq!(
        stored.as_ref(),
        body.as_slice(),
        "kept with its byte order mark"
    );
    let shown = server
        .get_json(&format!("/api/v1/requests/{id}"), Some(&key))
        .await;
    assert_eq!(shown["body_json"]["currency"], "HKD", "{shown}");
}

async fn unimportable_json_is_malformed(server: TestServer) {
    let security = json!({"checks": [{"type": "header_value", "header": "X-Token",
                                      "value": "header-token-1234"}]});
    let (key, store_id, url) = store_with(&server, security).await;
    let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
    let cases: [(&str, Vec<u8>, &str); 6] = [
        (
            "application/json",
            b"{\"name\": \"\xFF\"}".to_vec(),
            "UTF-8",
        ),
        (
            "application/json",
            br#"{"name": "\ud800"}"#.to_vec(),
            "surrogate",
        ),
        ("application/json", deep.clone().into_bytes(), "nest"),
        ("text/plain", b"{\"name\": \"\xC3\"}".to_vec(), "UTF-8"),
        ("", br#"{"name": "\udc00 tail"}"#.to_vec(), "surrogate"),
        ("", deep.into_bytes(), "nest"),
    ];

    for (content_type, body, _) in &cases {
        let mut request = server
            .client
            .post(&url)
            .header("x-token", "header-token-1234")
            .body(body.clone());
        if !content_type.is_empty() {
            request = request.header("content-type", *content_type);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 200, "{content_type}");
    }

    let mut kept = server.kept_requests(&key, store_id, "accepted").await;
    kept.reverse();
    assert_eq!(kept.len(), cases.len());
    for ((content_type, _, problem), request) in cases.iter().zip(&kept) {
        assert_eq!(
            request["body_kind"], "malformed_json",
            "{content_type}: {request}"
        );
        assert_eq!(request["import_state"], "not_importable", "{request}");
        let diagnosis = request["diagnosis"].as_str().unwrap();
        assert!(diagnosis.contains(problem), "{content_type}: {diagnosis}");
        assert!(
            diagnosis.contains("byte offset"),
            "{content_type}: {diagnosis}"
        );
    }
    let first = kept[0]["diagnosis"].as_str().unwrap();
    assert!(first.contains("byte offset 10"), "{first}");
}

async fn pings_are_capped(server: TestServer) {
    let security = json!({"checks": [{"type": "hmac", "preset": "woocommerce",
                                      "secrets": [{"value": "wc_FAKE_secret_do_not_use"}]}]});
    let (key, store_id, url) = store_with(&server, security).await;
    let cap = postsale_server::config::IngressConfig::default().pings_per_webhook;
    let sent = cap + 5;

    for number in 1..=sent {
        let response = server
            .client
            .post(&url)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!("webhook_id={number}"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "ping {number}");
    }

    let kept = server.kept_requests(&key, store_id, "all").await;
    assert_eq!(kept.len(), cap as usize, "only the newest pings are kept");
    assert!(kept.iter().all(|request| request["body_kind"] == "ping"));
    let newest = kept[0]["diagnosis"].as_str().unwrap();
    assert!(newest.contains(&format!("#{sent}")), "{newest}");
    let oldest = kept[cap as usize - 1]["diagnosis"].as_str().unwrap();
    assert!(oldest.contains(&format!("#{}", sent - cap + 1)), "{oldest}");

    let body = shared_payload("woocommerce-order-created.json");
    let config = HmacConfig::preset(Preset::WooCommerce, "wc_FAKE_secret_do_not_use");
    let headers = sign_request(
        &config,
        &Secret::new("wc_FAKE_secret_do_not_use"),
        &body,
        OffsetDateTime::now_utc(),
        "delivery-1",
    )
    .unwrap();
    let response = post(&server, &url, &headers, body).await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        server.kept_requests(&key, store_id, "accepted").await.len(),
        cap as usize + 1,
        "an order is never removed by the ping cap"
    );
}

fn base64_decode(text: &str) -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .unwrap()
}

http_tests!(
    store_needs_soar_plan,
    empty_secret_is_rejected,
    secrets_are_masked_in_api,
    other_account_store_is_not_found,
    shopify_payload_is_kept_exactly,
    changed_byte_is_rejected,
    reserialized_body_case,
    missing_signature_case,
    woocommerce_ping_case,
    gzip_body_case,
    gzip_bomb_is_rejected,
    oversize_body_is_rejected,
    unknown_token_is_bare_404,
    store_deleted_elsewhere_is_bare_404,
    disabled_webhook_is_locked,
    basic_auth_with_colon_password,
    header_value_check,
    ip_allow_list_uses_peer,
    rejected_request_masks_header_secret,
    credential_delivery_header_rejected,
    rotated_secrets_both_accepted,
    rate_limit_answers_429,
    regenerated_url_keeps_grace,
    concurrent_requests_all_kept,
    non_json_is_kept_not_importable,
    auth_scheme_any_case,
    trailing_slash_reaches_webhook,
    failed_requests_spare_verified_budget,
    bom_json_is_kept_as_json,
    unimportable_json_is_malformed,
    pings_are_capped,
);

mod trusted_proxy {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        super::trusted_proxy_forwarded_for(postsale_store::testing::TestDatabase::sqlite().await)
            .await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        if let Some(test_db) = postsale_store::testing::TestDatabase::postgres().await {
            super::trusted_proxy_forwarded_for(test_db).await;
        }
    }
}
