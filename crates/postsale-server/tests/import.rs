//! The import worker over HTTP: real channel bodies become orders, duplicates and stale
//! updates are skipped, closed orders stay closed, and replays report what they did.

mod common;

use common::{TestServer, shared_case, shared_payload};
use postsale_core::mapping::presets;
use postsale_core::verify::{HmacConfig, Preset, SHOPIFY_TEST_SHOP_DOMAIN, Secret, sign_request};
use postsale_core::{AccountId, Plan, StoreId, WebhookState};
use postsale_store::webhooks::{self, WebhookPatch};
use postsale_store::{maps, orders};
use serde_json::{Value, json};
use time::OffsetDateTime;

const SECRET: &str = "shpss_FAKE_test_secret_do_not_use";

/// A soar account with one store whose webhook uses `preset` for both security and map.
struct Setup {
    key: String,
    account: AccountId,
    store: i64,
    url: String,
}

async fn setup(server: &TestServer, preset: &str, map: &str) -> Setup {
    let acme = server
        .create_account(&format!("acme-{preset}"), Plan::Soar)
        .await;
    let security =
        json!({"checks": [{"type": "hmac", "preset": preset, "secrets": [{"value": SECRET}]}]});
    let store = server
        .create_store(&acme.api_key, json!({"name": "Main", "security": security}))
        .await;
    let store_id = store["id"].as_i64().unwrap();
    let db = &server.test_db.db;
    maps::save(db, acme.account.id, StoreId(store_id), map)
        .await
        .unwrap();
    let active = WebhookPatch {
        state: Some(WebhookState::Active),
        ..WebhookPatch::default()
    };
    webhooks::update(db, acme.account.id, StoreId(store_id), &active)
        .await
        .unwrap();
    Setup {
        key: acme.api_key,
        account: acme.account.id,
        store: store_id,
        url: store["webhook"]["url"].as_str().unwrap().to_owned(),
    }
}

fn preset_map(id: &str) -> &'static str {
    presets::source(id).unwrap()
}

async fn send(
    server: &TestServer,
    setup: &Setup,
    preset: Preset,
    body: &[u8],
    delivery: &str,
) -> i64 {
    let config = HmacConfig::preset(preset, SECRET);
    let headers = sign_request(
        &config,
        &Secret::new(SECRET),
        body,
        OffsetDateTime::now_utc(),
        delivery,
    )
    .unwrap();
    let mut request = server.client.post(&setup.url).body(body.to_vec());
    for (name, value) in headers {
        request = request.header(name, value);
    }
    if preset == Preset::Shopify {
        request = request.header("X-Shopify-Webhook-Id", delivery);
    }
    let response = request.send().await.unwrap();
    assert_eq!(response.status(), 200);
    response.json::<Value>().await.unwrap()["request_id"]
        .as_i64()
        .unwrap()
}

/// Waits until the worker wrote an outcome on the request, and returns the request.
async fn imported(server: &TestServer, setup: &Setup, request_id: i64) -> Value {
    server.wait_imported(&setup.key, request_id).await
}

async fn order_json(server: &TestServer, setup: &Setup, order_id: &Value) -> Value {
    let path = format!("/api/v1/orders/{}", order_id.as_i64().unwrap());
    server
        .get(&path, Some(&setup.key))
        .await
        .json()
        .await
        .unwrap()
}

async fn shopify_create_imports_order(server: TestServer) {
    let setup = setup(&server, "shopify", preset_map("shopify")).await;
    let body = shared_payload("shopify-orders-create.json");
    let source: Value = serde_json::from_slice(&body).unwrap();

    let request_id = send(&server, &setup, Preset::Shopify, &body, "delivery-a").await;
    let request = imported(&server, &setup, request_id).await;

    assert_eq!(request["outcome"], "created", "{request}");
    let order = order_json(&server, &setup, &request["order_id"]).await;
    assert_eq!(
        order["source"], SHOPIFY_TEST_SHOP_DOMAIN,
        "the shop's domain"
    );
    assert_eq!(order["number"], source["order_number"].to_string());
    assert_eq!(order["status"], "awaiting_shipment");
    assert_eq!(
        order["line_count"],
        source["line_items"].as_array().unwrap().len()
    );
    assert_eq!(order["order"]["currency"], "HKD");
    assert_eq!(order["history"][0]["id"], request_id);
}

async fn same_delivery_imports_once(server: TestServer) {
    let setup = setup(&server, "shopify", preset_map("shopify")).await;
    let body = shared_payload("shopify-orders-create.json");

    let first = send(&server, &setup, Preset::Shopify, &body, "delivery-b").await;
    let second = send(&server, &setup, Preset::Shopify, &body, "delivery-b").await;

    assert_eq!(imported(&server, &setup, first).await["outcome"], "created");
    let again = imported(&server, &setup, second).await;
    assert_eq!(again["outcome"], "skipped");
    assert_eq!(again["outcome_detail"]["reason"], "duplicate");
    assert_eq!(
        orders::count(&server.test_db.db, setup.account)
            .await
            .unwrap(),
        1
    );
}

async fn woocommerce_created_then_updated(server: TestServer) {
    let setup = setup(&server, "woocommerce", preset_map("woocommerce")).await;
    let created = shared_payload("woocommerce-order-created.json");

    let request_id = send(&server, &setup, Preset::WooCommerce, &created, "wc-1").await;
    let request = imported(&server, &setup, request_id).await;

    assert_eq!(request["outcome"], "created", "{request}");
    let order = order_json(&server, &setup, &request["order_id"]).await;
    assert_eq!(order["source"], "woocommerce");
    assert!(order["line_count"].as_u64().unwrap() >= 1);

    let updated = shared_payload("woocommerce-order-updated.json");
    let request_id = send(&server, &setup, Preset::WooCommerce, &updated, "wc-2").await;
    let request = imported(&server, &setup, request_id).await;
    assert!(
        ["created", "updated"].contains(&request["outcome"].as_str().unwrap()),
        "{request}"
    );
}

async fn duplicate_case_imports_each_once(server: TestServer) {
    let case = shared_case("05-duplicate-delivery.json");
    let shopify = setup(&server, "shopify", preset_map("shopify")).await;
    let woo = setup(&server, "woocommerce", preset_map("woocommerce")).await;

    let mut ids = Vec::new();
    for delivery in case["deliveries"].as_array().unwrap() {
        let platform = delivery["platform"].as_str().unwrap();
        let (target, preset) = match platform {
            "shopify" => (&shopify, Preset::Shopify),
            _ => (&woo, Preset::WooCommerce),
        };
        let body = delivery["request"]["body"].as_str().unwrap().as_bytes();
        let delivery_id = delivery["request"]["headers"]
            .as_object()
            .unwrap()
            .iter()
            .find(|(name, _)| name.ends_with("Webhook-Id") || name.ends_with("Delivery-ID"))
            .map(|(_, value)| value.as_str().unwrap().to_owned())
            .unwrap();
        ids.push((
            target,
            send(&server, target, preset, body, &delivery_id).await,
        ));
    }

    let mut outcomes = Vec::new();
    for (target, id) in ids {
        outcomes.push(
            imported(&server, target, id).await["outcome"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    assert_eq!(outcomes, vec!["created", "skipped", "created", "skipped"]);
    assert_eq!(
        orders::count(&server.test_db.db, shopify.account)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        orders::count(&server.test_db.db, woo.account)
            .await
            .unwrap(),
        1
    );
}

/// A map for the short bodies of the out-of-order case, which carry no lines.
const UPDATES_MAP: &str = r#"{
  "version": 1,
  "fields": {
    "order.source": { "value": "shopify" },
    "order.number": { "path": "$.order_number" },
    "order.updated_at": { "path": "$.updated_at" },
    "order.channel_status": { "path": "$.financial_status" },
    "charges.total": { "path": "$.total_price" }
  }
}"#;

async fn out_of_order_updates_keep_newest(server: TestServer) {
    let case = shared_case("06-out-of-order-updates.json");
    let setup = setup(&server, "shopify", UPDATES_MAP).await;

    let mut outcomes = Vec::new();
    for (index, delivery) in case["deliveries_in_arrival_order"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
    {
        let body = delivery["request"]["body"].as_str().unwrap().as_bytes();
        let id = send(
            &server,
            &setup,
            Preset::Shopify,
            body,
            &format!("ooo-{index}"),
        )
        .await;
        let request = imported(&server, &setup, id).await;
        outcomes.push(request["outcome"].as_str().unwrap().to_owned());
    }

    assert_eq!(outcomes, vec!["created", "skipped", "skipped"]);
    let stored = orders::find(&server.test_db.db, setup.account, "shopify", "1090")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.channel_status.as_deref(), Some("paid"));
    let updated_at = stored.order.updated_at.unwrap();
    assert_eq!(updated_at.original, "2024-01-25T23:29:40-05:00");
}

async fn missing_order_number_not_imported(server: TestServer) {
    let case = shared_case("11-missing-order-number.json");
    let setup = setup(&server, "shopify", UPDATES_MAP).await;

    for (index, sample) in case["samples"].as_array().unwrap().iter().enumerate() {
        let body = serde_json::to_vec(&sample["json"]).unwrap();
        let id = send(
            &server,
            &setup,
            Preset::Shopify,
            &body,
            &format!("missing-{index}"),
        )
        .await;
        let request = imported(&server, &setup, id).await;
        assert_ne!(request["outcome"], "created", "{request}");
        assert_ne!(request["outcome"], "updated", "{request}");
        assert!(request["order_id"].is_null());
        let detail = request["outcome_detail"].to_string();
        assert!(
            detail.contains("order.number") || detail.contains("order number"),
            "{detail}"
        );
    }
    assert_eq!(
        orders::count(&server.test_db.db, setup.account)
            .await
            .unwrap(),
        0
    );
}

async fn null_addresses_still_import(server: TestServer) {
    let case = shared_case("10-null-addresses-digital-order.json");
    let setup = setup(&server, "shopify", preset_map("shopify")).await;
    let body = case["request"]["body"].as_str().unwrap().as_bytes();

    let id = send(&server, &setup, Preset::Shopify, body, "digital-1").await;
    let request = imported(&server, &setup, id).await;

    assert_eq!(request["outcome"], "created", "{request}");
    let order = order_json(&server, &setup, &request["order_id"]).await;
    assert!(order["order"]["ship_to"].is_null(), "{order}");
    assert_eq!(order["line_count"], 1);
}

async fn cancelled_order_stays_closed(server: TestServer) {
    let setup = setup(&server, "shopify", UPDATES_MAP).await;
    let first = br#"{"order_number":77,"updated_at":"2024-01-25T10:00:00Z","financial_status":"paid","total_price":"5.00"}"#;
    let id = send(&server, &setup, Preset::Shopify, first, "closed-1").await;
    let request = imported(&server, &setup, id).await;
    let order_id = request["order_id"].as_i64().unwrap();
    let response = server
        .client
        .put(server.url(&format!("/api/v1/orders/{order_id}/status")))
        .bearer_auth(&setup.key)
        .json(&json!({"status": "cancelled"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);

    let later = br#"{"order_number":77,"updated_at":"2024-01-26T10:00:00Z","financial_status":"refunded","total_price":"6.00"}"#;
    let id = send(&server, &setup, Preset::Shopify, later, "closed-2").await;
    let request = imported(&server, &setup, id).await;

    assert_eq!(request["outcome"], "skipped");
    assert_eq!(request["outcome_detail"]["reason"], "order_closed");
    let changed = request["outcome_detail"]["would_change"].to_string();
    assert!(changed.contains("charges"), "{changed}");
    assert_eq!(request["outcome_detail"]["channel_status"], "refunded");
    let message = request["outcome_detail"]["message"].as_str().unwrap();
    assert!(message.contains(r#"the status "refunded""#), "{message}");

    let older = br#"{"order_number":77,"updated_at":"2024-01-24T10:00:00Z","financial_status":"pending","total_price":"5.00"}"#;
    let id = send(&server, &setup, Preset::Shopify, older, "closed-3").await;
    let request = imported(&server, &setup, id).await;
    assert_eq!(request["outcome_detail"]["reason"], "order_closed");
    assert!(
        request["outcome_detail"]["channel_status"].is_null(),
        "an older delivery carries no new status: {request}"
    );
    let stored = orders::find(&server.test_db.db, setup.account, "shopify", "77")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.order.charges.total.unwrap().to_string(), "5.00");
}

async fn two_webhooks_reach_one_order(server: TestServer) {
    let first = setup(&server, "shopify", UPDATES_MAP).await;
    let security =
        json!({"checks": [{"type": "hmac", "preset": "shopify", "secrets": [{"value": SECRET}]}]});
    let store = server
        .create_store(&first.key, json!({"name": "Updates", "security": security}))
        .await;
    let second_store = store["id"].as_i64().unwrap();
    let db = &server.test_db.db;
    maps::save(db, first.account, StoreId(second_store), UPDATES_MAP)
        .await
        .unwrap();
    let active = WebhookPatch {
        state: Some(WebhookState::Active),
        ..WebhookPatch::default()
    };
    webhooks::update(db, first.account, StoreId(second_store), &active)
        .await
        .unwrap();
    let second = Setup {
        key: first.key.clone(),
        account: first.account,
        store: second_store,
        url: store["webhook"]["url"].as_str().unwrap().to_owned(),
    };

    let created = br#"{"order_number":5,"updated_at":"2024-01-25T10:00:00Z","financial_status":"pending","total_price":"5.00"}"#;
    let updated = br#"{"order_number":5,"updated_at":"2024-01-25T11:00:00Z","financial_status":"paid","total_price":"5.00"}"#;
    let a = send(&server, &first, Preset::Shopify, created, "two-1").await;
    let a = imported(&server, &first, a).await;
    let b = send(&server, &second, Preset::Shopify, updated, "two-2").await;
    let b = imported(&server, &second, b).await;

    assert_eq!(a["outcome"], "created");
    assert_eq!(b["outcome"], "updated");
    assert_eq!(a["order_id"], b["order_id"]);
    assert_eq!(orders::count(db, first.account).await.unwrap(), 1);
}

async fn replay_uses_current_map(server: TestServer) {
    let broken = r#"{"version": 1, "fields": {"order.source": {"value": "shopify"}, "order.number": {"path": "$.no_such_element"}}}"#;
    let setup = setup(&server, "shopify", broken).await;
    let body = shared_payload("shopify-orders-create.json");
    let id = send(&server, &setup, Preset::Shopify, &body, "replay-1").await;
    let request = imported(&server, &setup, id).await;
    assert_ne!(request["outcome"], "created");

    maps::save(
        &server.test_db.db,
        setup.account,
        StoreId(setup.store),
        preset_map("shopify"),
    )
    .await
    .unwrap();
    let response = server
        .client
        .post(server.url(&format!("/api/v1/stores/{}/replay", setup.store)))
        .bearer_auth(&setup.key)
        .json(&json!({"since": "2000-01-01T00:00:00Z"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let report: Value = response.json().await.unwrap();

    assert_eq!(report["replayed"], 1);
    assert_eq!(report["created"], 1);
    let again: Value = server
        .client
        .post(server.url(&format!("/api/v1/requests/{id}/replay")))
        .bearer_auth(&setup.key)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(again["unchanged"], 1, "{again}");
}

async fn orders_list_filters_and_isolates(server: TestServer) {
    let setup = setup(&server, "shopify", UPDATES_MAP).await;
    for number in [101, 102, 103] {
        let body = format!(
            r#"{{"order_number":{number},"updated_at":"2024-01-25T10:00:00Z","financial_status":"paid","total_price":"1.00"}}"#
        );
        let id = send(
            &server,
            &setup,
            Preset::Shopify,
            body.as_bytes(),
            &format!("list-{number}"),
        )
        .await;
        imported(&server, &setup, id).await;
    }

    let page = server
        .get_json("/api/v1/orders?limit=2", Some(&setup.key))
        .await;
    assert_eq!(page["items"].as_array().unwrap().len(), 2);
    assert_eq!(page["items"][0]["number"], "103");
    let cursor = page["next_cursor"].as_i64().unwrap();
    let next: Value = server
        .get(
            &format!("/api/v1/orders?limit=2&cursor={cursor}"),
            Some(&setup.key),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(next["items"][0]["number"], "101");
    let found = server
        .get_json("/api/v1/orders?q=102", Some(&setup.key))
        .await;
    assert_eq!(found["items"].as_array().unwrap().len(), 1);

    let other = server.create_account("other", Plan::Soar).await;
    let theirs = server
        .get_json("/api/v1/orders", Some(&other.api_key))
        .await;
    assert!(theirs["items"].as_array().unwrap().is_empty());
    let order_id = page["items"][0]["id"].as_i64().unwrap();
    let response = server
        .get(&format!("/api/v1/orders/{order_id}"), Some(&other.api_key))
        .await;
    assert_eq!(response.status(), 404);
}

async fn bom_body_imports_order(server: TestServer) {
    let setup = setup(&server, "shopify", preset_map("shopify")).await;
    let payload = shared_payload("shopify-orders-create.json");
    let source: Value = serde_json::from_slice(&payload).unwrap();
    let mut body = b"\xEF\xBB\xBF".to_vec();
    body.extend_from_slice(&payload);

    let request_id = send(&server, &setup, Preset::Shopify, &body, "delivery-bom").await;
    let request = imported(&server, &setup, request_id).await;

    assert_eq!(request["body_kind"], "json", "{request}");
    assert_eq!(request["outcome"], "created", "{request}");
    let order = order_json(&server, &setup, &request["order_id"]).await;
    assert_eq!(order["number"], source["order_number"].to_string());
}

http_tests!(
    bom_body_imports_order,
    shopify_create_imports_order,
    same_delivery_imports_once,
    woocommerce_created_then_updated,
    duplicate_case_imports_each_once,
    out_of_order_updates_keep_newest,
    missing_order_number_not_imported,
    null_addresses_still_import,
    cancelled_order_stays_closed,
    two_webhooks_reach_one_order,
    replay_uses_current_map,
    orders_list_filters_and_isolates,
);
