//! Changing a webhook's security through `PATCH /api/v1/stores/{id}/webhook`: secrets left
//! empty keep the stored ones, typed secrets replace them, and an empty secret with nothing
//! stored is rejected with the field it names.

mod common;

use common::TestServer;
use postsale_core::Plan;
use postsale_core::verify::{HmacConfig, Preset, Secret, sign_request};
use serde_json::{Value, json};
use time::OffsetDateTime;

const STORED_SECRET: &str = "shpss_stored_secret_0123456789";

/// A soar account with a store whose webhook checks Shopify's signature.
struct Setup {
    key: String,
    store_id: i64,
    url: String,
}

async fn setup(server: &TestServer) -> Setup {
    let acme = server.create_account("acme", Plan::Soar).await;
    let security = json!({"checks": [
        {"type": "hmac", "preset": "shopify", "secrets": [{"value": STORED_SECRET}]}
    ]});
    let store = server
        .create_store(&acme.api_key, json!({"name": "Main", "security": security}))
        .await;
    Setup {
        key: acme.api_key,
        store_id: store["id"].as_i64().unwrap(),
        url: store["webhook"]["url"].as_str().unwrap().to_owned(),
    }
}

async fn patch_security(server: &TestServer, setup: &Setup, security: Value) -> (u16, Value) {
    let response = server
        .client
        .patch(server.url(&format!("/api/v1/stores/{}/webhook", setup.store_id)))
        .bearer_auth(&setup.key)
        .json(&json!({"security": security}))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

/// Posts a Shopify body signed with `secret` and returns the status.
async fn deliver_signed(server: &TestServer, setup: &Setup, secret: &str) -> u16 {
    let body = br#"{"id": 1, "order_number": 1001}"#.to_vec();
    let config = HmacConfig::preset(Preset::Shopify, secret);
    let headers = sign_request(
        &config,
        &Secret::new(secret),
        &body,
        OffsetDateTime::now_utc(),
        "delivery-1",
    )
    .unwrap();
    let mut request = server.client.post(&setup.url).body(body);
    for (name, value) in headers {
        request = request.header(name, value);
    }
    request.send().await.unwrap().status().as_u16()
}

async fn empty_secret_keeps_stored(server: TestServer) {
    let setup = setup(&server).await;
    let security = json!({"checks": [
        {"type": "hmac", "preset": "shopify", "secrets": [{"value": ""}]},
        {"type": "ip_allow_list", "allow": ["127.0.0.1", "::1"]}
    ]});

    let (status, webhook) = patch_security(&server, &setup, security).await;

    assert_eq!(status, 200, "{webhook}");
    assert_eq!(webhook["security"]["checks"].as_array().unwrap().len(), 2);
    let shown = webhook.to_string();
    assert!(
        !shown.contains(STORED_SECRET),
        "the secret is shown masked: {shown}"
    );
    assert_eq!(deliver_signed(&server, &setup, STORED_SECRET).await, 200);
}

async fn typed_secret_replaces_stored(server: TestServer) {
    let setup = setup(&server).await;
    let security = json!({"checks": [
        {"type": "hmac", "preset": "shopify", "secrets": [{"value": "shpss_new_secret_abcdef"}]}
    ]});

    let (status, webhook) = patch_security(&server, &setup, security).await;

    assert_eq!(status, 200, "{webhook}");
    assert_eq!(deliver_signed(&server, &setup, STORED_SECRET).await, 401);
    assert_eq!(
        deliver_signed(&server, &setup, "shpss_new_secret_abcdef").await,
        200
    );
}

async fn empty_secret_without_stored_rejected(server: TestServer) {
    let setup = setup(&server).await;
    let security = json!({"checks": [
        {"type": "hmac", "preset": "shopify", "secrets": [{"value": ""}]},
        {"type": "basic_auth", "username": "shop", "password": ""}
    ]});

    let (status, problem) = patch_security(&server, &setup, security).await;

    assert_eq!(status, 422, "{problem}");
    assert_eq!(problem["field"], "security.checks[1].password");
    let detail = problem["detail"].as_str().unwrap();
    assert!(detail.contains("enter a password"), "{detail}");
    assert_eq!(
        deliver_signed(&server, &setup, STORED_SECRET).await,
        200,
        "a rejected change leaves the stored security as it was"
    );
}

http_tests!(
    empty_secret_keeps_stored,
    typed_secret_replaces_stored,
    empty_secret_without_stored_rejected,
);
