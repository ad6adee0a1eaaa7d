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

async fn create_store_status(server: &TestServer, key: &str, security: Value) -> (u16, Value) {
    let response = server
        .client
        .post(server.url("/api/v1/stores"))
        .bearer_auth(key)
        .json(&json!({"name": "Checked", "security": security}))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

async fn masked_secret_shows_last_four(server: TestServer) {
    let acme = server.create_account("acme", Plan::Soar).await;
    let long_hmac = "shpss_FAKE_test_secret_do_not_use";
    let short_hmac = "shpss_sixteen_b23";
    let security = json!({"checks": [
        {"type": "hmac", "preset": "shopify",
         "secrets": [{"value": long_hmac}, {"value": short_hmac}]},
        {"type": "basic_auth", "username": "shop", "password": "basic-password-0123456789"},
        {"type": "header_value", "header": "X-Token", "value": "header-value-0123"}
    ]});

    let (status, store) = create_store_status(&server, &acme.api_key, security).await;

    assert_eq!(status, 201, "{store}");
    let checks = &store["webhook"]["security"]["checks"];
    assert_eq!(checks[0]["secrets"][0]["value"], "…_use (33 chars)");
    assert_eq!(
        checks[0]["secrets"][1]["value"], "********",
        "a secret of fewer than 24 characters shows none of them"
    );
    assert_eq!(checks[1]["password"], "…6789 (25 chars)");
    assert_eq!(checks[2]["value"], "********");
    let shown = store.to_string();
    assert!(
        !shown.contains("sh…"),
        "the head of a secret is not shown: {shown}"
    );
}

async fn short_secrets_are_rejected(server: TestServer) {
    let acme = server.create_account("acme", Plan::Soar).await;
    let cases = [
        (
            json!({"type": "hmac", "preset": "shopify", "secrets": [{"value": "fifteen-bytes-1"}]}),
            "security.checks[0].secrets[0].value",
            "16 bytes",
        ),
        (
            json!({"type": "hmac", "preset": "squarespace",
                   "secrets": [{"value": "00112233445566778899aabbccddee"}]}),
            "security.checks[0].secrets[0].value",
            "16 bytes",
        ),
        (
            json!({"type": "hmac", "preset": "standard-webhooks",
                   "secrets": [{"value": "whsec_MDEyMzQ1Njc4OWFiY2Rl"}]}),
            "security.checks[0].secrets[0].value",
            "16 bytes",
        ),
        (
            json!({"type": "basic_auth", "username": "shop", "password": "seven-7"}),
            "security.checks[0].password",
            "8 characters",
        ),
        (
            json!({"type": "header_value", "header": "X-Token", "value": "seven-7"}),
            "security.checks[0].value",
            "8 characters",
        ),
    ];

    for (check, field, minimum) in cases {
        let security = json!({"checks": [check]});
        let (status, problem) = create_store_status(&server, &acme.api_key, security).await;
        assert_eq!(status, 422, "{check}: {problem}");
        assert_eq!(problem["field"], field, "{problem}");
        let detail = problem["detail"].as_str().unwrap();
        assert!(detail.contains(minimum), "{detail}");
        assert!(detail.contains(field), "{detail}");
    }

    let setup = setup(&server).await;
    let security = json!({"checks": [
        {"type": "hmac", "preset": "shopify", "secrets": [{"value": "fifteen-bytes-1"}]}
    ]});
    let (status, problem) = patch_security(&server, &setup, security).await;
    assert_eq!(status, 422, "{problem}");
    assert_eq!(problem["field"], "security.checks[0].secrets[0].value");
    assert_eq!(deliver_signed(&server, &setup, STORED_SECRET).await, 200);
}

async fn preset_secrets_of_payloads_accepted(server: TestServer) {
    let acme = server.create_account("acme", Plan::Soar).await;
    let shopify = common::shared_case("01-reserialized-body-hmac.json");
    let shopify_secret = shopify["secret"]["value"].as_str().unwrap();
    let rotation = common::shared_case("17-secret-rotation.json");
    let rotation_secrets: Vec<Value> = rotation["secrets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|secret| json!({"value": secret["value"]}))
        .collect();
    let checks = [
        json!({"type": "hmac", "preset": "shopify", "secrets": [{"value": shopify_secret}]}),
        json!({"type": "hmac", "preset": "shopify", "secrets": rotation_secrets}),
        json!({"type": "hmac", "preset": "woocommerce",
               "secrets": [{"value": "wc_FAKE_secret_do_not_use"}]}),
        json!({"type": "hmac", "preset": "standard-webhooks",
               "secrets": [{"value": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}]}),
        json!({"type": "hmac", "preset": "stripe",
               "secrets": [{"value": "whsec_FAKE_stripe_secret_0123"}]}),
        json!({"type": "hmac", "preset": "github",
               "secrets": [{"value": "github-webhook-secret-0123"}]}),
        json!({"type": "hmac", "preset": "squarespace",
               "secrets": [{"value": "00112233445566778899aabbccddeeff"}]}),
    ];

    for check in checks {
        let security = json!({"checks": [check]});
        let (status, store) = create_store_status(&server, &acme.api_key, security).await;
        assert_eq!(status, 201, "{check}: {store}");
    }
}

http_tests!(
    masked_secret_shows_last_four,
    short_secrets_are_rejected,
    preset_secrets_of_payloads_accepted,
    empty_secret_keeps_stored,
    typed_secret_replaces_stored,
    empty_secret_without_stored_rejected,
);
