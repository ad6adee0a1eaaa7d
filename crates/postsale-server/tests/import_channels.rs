//! Channel sequences through the import worker with the real bodies: Shopify create, update
//! and cancel; WooCommerce created then updated; Shopify shops kept apart by their domain;
//! the delivery time used for a missing `updated at`; NUL characters in text.

mod common;

use common::{TestServer, shared_case, shared_payload};
use postsale_core::mapping::presets;
use postsale_core::verify::{HmacConfig, Preset, SHOPIFY_TEST_SHOP_DOMAIN, Secret, sign_request};
use postsale_core::{AccountId, OrderStatus, Plan, StoreId};
use postsale_store::orders;
use postsale_store::stores::{self, Automation, StorePatch};
use serde_json::{Value, json};
use time::OffsetDateTime;

const SECRET: &str = "shpss_FAKE_test_secret_do_not_use";

/// An account's API key and one of its stores, with an HMAC check and a saved map.
struct Setup {
    key: String,
    account: AccountId,
    store_id: i64,
    url: String,
}

async fn account(server: &TestServer, name: &str) -> (String, AccountId) {
    let created = server.create_account(name, Plan::Soar).await;
    (created.api_key, created.account.id)
}

async fn store(
    server: &TestServer,
    (key, account): &(String, AccountId),
    preset: &str,
    map: &str,
) -> Setup {
    let security =
        json!({"checks": [{"type": "hmac", "preset": preset, "secrets": [{"value": SECRET}]}]});
    let store = server
        .create_store(key, json!({"name": "Main", "security": security}))
        .await;
    let store_id = store["id"].as_i64().unwrap();
    let response = server
        .client
        .put(server.url(&format!("/api/v1/stores/{store_id}/map")))
        .bearer_auth(key)
        .body(map.to_owned())
        .send()
        .await
        .unwrap();
    let saved: Value = response.json().await.unwrap();
    assert_eq!(saved["webhook_state"], "active", "{saved}");
    Setup {
        key: key.clone(),
        account: *account,
        store_id,
        url: store["webhook"]["url"].as_str().unwrap().to_owned(),
    }
}

/// Signs `body` as `preset`'s channel does and posts it, with `extra` headers replacing the
/// signed ones of the same name. Returns the kept request's id.
async fn send(
    server: &TestServer,
    setup: &Setup,
    preset: Preset,
    body: &[u8],
    delivery: &str,
    extra: &[(&str, &str)],
) -> i64 {
    let config = HmacConfig::preset(preset, SECRET);
    let mut headers = sign_request(
        &config,
        &Secret::new(SECRET),
        body,
        OffsetDateTime::now_utc(),
        delivery,
    )
    .unwrap();
    for (name, value) in extra {
        headers.retain(|(signed, _)| !signed.eq_ignore_ascii_case(name));
        headers.push(((*name).to_owned(), (*value).to_owned()));
    }
    let mut request = server.client.post(&setup.url).body(body.to_vec());
    for (name, value) in headers {
        request = request.header(name, value);
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

fn preset_map(id: &str) -> &'static str {
    presets::source(id).unwrap()
}

fn payload_json(name: &str) -> Value {
    serde_json::from_slice(&shared_payload(name)).unwrap()
}

fn bytes(body: &Value) -> Vec<u8> {
    serde_json::to_vec(body).unwrap()
}

async fn shopify_create_update_cancel(server: TestServer) {
    let owner = account(&server, "shopify-sequence").await;
    let setup = store(&server, &owner, "shopify", preset_map("shopify")).await;
    let created = payload_json("shopify-orders-create.json");

    let id = send(
        &server,
        &setup,
        Preset::Shopify,
        &bytes(&created),
        "seq-1",
        &[],
    )
    .await;
    let request = imported(&server, &setup, id).await;
    assert_eq!(request["outcome"], "created", "{request}");
    let order_id = request["order_id"].clone();
    let order = order_json(&server, &setup, &order_id).await;
    assert_eq!(order["status"], "awaiting_shipment");
    assert_eq!(order["channel_status"], "paid");
    assert_eq!(order["source"], SHOPIFY_TEST_SHOP_DOMAIN);

    // The real update sample is a test order of another shop, which the preset skips.
    let sample = shared_payload("shopify-orders-updated.json");
    let id = send(&server, &setup, Preset::Shopify, &sample, "seq-sample", &[]).await;
    let request = imported(&server, &setup, id).await;
    assert_eq!(request["outcome"], "skipped", "{request}");
    assert_eq!(request["outcome_detail"]["reason"], "test");

    let mut updated = created.clone();
    updated["updated_at"] = json!("2025-01-24T09:00:00-05:00");
    updated["note"] = json!("Leave at the back door");
    updated["tags"] = json!("gift, priority");
    let id = send(
        &server,
        &setup,
        Preset::Shopify,
        &bytes(&updated),
        "seq-2",
        &[],
    )
    .await;
    let request = imported(&server, &setup, id).await;
    assert_eq!(request["outcome"], "updated", "{request}");
    assert_eq!(request["order_id"], order_id);
    let order = order_json(&server, &setup, &order_id).await;
    assert_eq!(
        order["status"], "awaiting_shipment",
        "the local status stays"
    );
    assert_eq!(
        order["order"]["notes"]["customer"],
        "Leave at the back door"
    );

    let mut cancelled = updated.clone();
    cancelled["updated_at"] = json!("2025-01-24T10:30:00-05:00");
    cancelled["cancelled_at"] = json!("2025-01-24T10:30:00-05:00");
    cancelled["cancel_reason"] = json!("customer");
    cancelled["financial_status"] = json!("refunded");
    let id = send(
        &server,
        &setup,
        Preset::Shopify,
        &bytes(&cancelled),
        "seq-3",
        &[],
    )
    .await;
    let request = imported(&server, &setup, id).await;
    assert_eq!(request["outcome"], "updated", "{request}");
    let order = order_json(&server, &setup, &order_id).await;
    assert_eq!(
        order["status"], "cancelled",
        "the status value map cancels: {order}"
    );
    // The cancelled payload is refunded as well; its cancelled_at names the cancellation.
    assert_eq!(order["channel_status"], "cancelled");

    let mut later = cancelled.clone();
    later["updated_at"] = json!("2025-01-25T08:00:00-05:00");
    later["note"] = json!("Changed after the cancellation");
    let id = send(
        &server,
        &setup,
        Preset::Shopify,
        &bytes(&later),
        "seq-4",
        &[],
    )
    .await;
    let request = imported(&server, &setup, id).await;
    assert_eq!(request["outcome"], "skipped", "{request}");
    assert_eq!(request["outcome_detail"]["reason"], "order_closed");
    let order = order_json(&server, &setup, &order_id).await;
    assert_eq!(
        order["order"]["notes"]["customer"],
        "Leave at the back door"
    );

    // The real cancellation of another order creates it cancelled.
    let real_cancel = shared_payload("shopify-orders-cancelled.json");
    let id = send(&server, &setup, Preset::Shopify, &real_cancel, "seq-5", &[]).await;
    let request = imported(&server, &setup, id).await;
    assert_eq!(request["outcome"], "created", "{request}");
    let order = order_json(&server, &setup, &request["order_id"]).await;
    assert_eq!(order["number"], "1065");
    assert_eq!(order["status"], "cancelled");
}

/// Sends `body` as a new delivery and returns the local and the channel status of the order
/// it created.
async fn first_import_statuses(
    server: &TestServer,
    setup: &Setup,
    preset: Preset,
    body: &Value,
    delivery: &str,
) -> (Value, Value) {
    let id = send(server, setup, preset, &bytes(body), delivery, &[]).await;
    let request = imported(server, setup, id).await;
    assert_eq!(request["outcome"], "created", "{request}");
    let order = order_json(server, setup, &request["order_id"]).await;
    (order["status"].clone(), order["channel_status"].clone())
}

async fn channel_status_wins_on_first_import(server: TestServer) {
    let owner = account(&server, "first-status").await;
    let shopify = store(&server, &owner, "shopify", preset_map("shopify")).await;
    let open = payload_json("shopify-orders-create.json");
    let mut fulfilled = open.clone();
    fulfilled["id"] = json!(6_200_407_294_253_i64);
    fulfilled["order_number"] = json!(1072);
    fulfilled["name"] = json!("#1072");
    fulfilled["fulfillment_status"] = json!("fulfilled");

    let (status, channel) =
        first_import_statuses(&server, &shopify, Preset::Shopify, &fulfilled, "first-1").await;
    assert_eq!(
        status, "shipped",
        "a fulfilled order is not awaiting shipment"
    );
    assert_eq!(channel, "paid");
    let (status, _) =
        first_import_statuses(&server, &shopify, Preset::Shopify, &open, "first-2").await;
    assert_eq!(
        status, "awaiting_shipment",
        "an open order takes the automation's status"
    );

    // With the automation off, an open order stays blank and a completed one is shipped.
    let woo = store(&server, &owner, "woocommerce", preset_map("woocommerce")).await;
    let patched = server
        .client
        .patch(server.url(&format!("/api/v1/stores/{}", woo.store_id)))
        .bearer_auth(&woo.key)
        .json(
            &json!({"automation": {"status_on_import": null, "set_shipped": true,
                                     "set_voided": true}}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(patched.status(), 200);
    let processing = payload_json("woocommerce-order-created.json");
    let mut completed = processing.clone();
    completed["id"] = json!(898);
    completed["number"] = json!("898");
    completed["status"] = json!("completed");

    let (status, channel) =
        first_import_statuses(&server, &woo, Preset::WooCommerce, &completed, "first-3").await;
    assert_eq!(
        status, "shipped",
        "the completed order was shipped at the channel"
    );
    assert_eq!(channel, "completed");
    let (status, _) =
        first_import_statuses(&server, &woo, Preset::WooCommerce, &processing, "first-4").await;
    assert!(
        status.is_null(),
        "automation off leaves an open order blank: {status}"
    );

    // A store saved before closed statuses were refused may still have one. It counts as
    // blank, so that the new order still takes its channel's updates.
    let closed = StorePatch {
        automation: Some(Automation {
            status_on_import: Some(OrderStatus::Shipped),
            set_shipped: true,
            set_voided: true,
        }),
        ..StorePatch::default()
    };
    stores::update(
        &server.test_db.db,
        woo.account,
        StoreId(woo.store_id),
        &closed,
    )
    .await
    .unwrap();
    let mut later = processing.clone();
    later["id"] = json!(899);
    later["number"] = json!("899");
    let (status, _) =
        first_import_statuses(&server, &woo, Preset::WooCommerce, &later, "first-5").await;
    assert!(
        status.is_null(),
        "a closed status on import counts as blank: {status}"
    );
}

/// A Shopify order cancelled without a refund keeps `financial_status: paid` (or `pending`);
/// only `cancelled_at` marks it cancelled. It must not wait for shipment.
async fn shopify_cancellation_without_refund(server: TestServer) {
    let owner = account(&server, "shopify-cancel").await;
    let setup = store(&server, &owner, "shopify", preset_map("shopify")).await;
    let open = payload_json("shopify-orders-create.json");
    let mut cancelled_at_once = open.clone();
    cancelled_at_once["id"] = json!(6_200_407_294_260_i64);
    cancelled_at_once["order_number"] = json!(1080);
    cancelled_at_once["name"] = json!("#1080");
    cancelled_at_once["cancelled_at"] = json!("2025-01-23T23:20:00-05:00");
    cancelled_at_once["cancel_reason"] = json!("customer");

    let (status, channel) = first_import_statuses(
        &server,
        &setup,
        Preset::Shopify,
        &cancelled_at_once,
        "cancel-1",
    )
    .await;
    assert_eq!(status, "cancelled");
    assert_eq!(channel, "cancelled");

    let (status, channel) =
        first_import_statuses(&server, &setup, Preset::Shopify, &open, "cancel-2").await;
    assert_eq!(status, "awaiting_shipment");
    assert_eq!(channel, "paid");
    let mut cancelled = open.clone();
    cancelled["cancelled_at"] = json!("2025-01-24T08:00:00-05:00");
    cancelled["cancel_reason"] = json!("inventory");
    cancelled["financial_status"] = json!("pending");
    cancelled["updated_at"] = json!("2025-01-24T08:00:00-05:00");
    let id = send(
        &server,
        &setup,
        Preset::Shopify,
        &bytes(&cancelled),
        "cancel-3",
        &[],
    )
    .await;
    let request = imported(&server, &setup, id).await;
    assert_eq!(request["outcome"], "updated", "{request}");
    let order = order_json(&server, &setup, &request["order_id"]).await;
    assert_eq!(order["status"], "cancelled", "{order}");
    assert_eq!(order["channel_status"], "cancelled");
}

/// Checks the README's first steps: the example order, signed as Shopify signs, becomes a
/// whole order through the example map.
async fn readme_example_imports_whole(server: TestServer) {
    let owner = account(&server, "readme").await;
    let map = include_str!("../../../examples/maps/custom-cart-map.json");
    let setup = store(&server, &owner, "shopify", map).await;
    let body = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../examples/orders/custom-cart-order.json"),
    )
    .unwrap();
    let example: Value = serde_json::from_slice(&body).unwrap();

    let id = send(&server, &setup, Preset::Shopify, &body, "readme-1", &[]).await;
    let request = imported(&server, &setup, id).await;

    assert_eq!(request["outcome"], "created", "{request}");
    let order = order_json(&server, &setup, &request["order_id"]).await;
    assert_eq!(order["number"], "CC-10482", "{order}");
    assert_eq!(order["status"], "awaiting_shipment");
    assert_eq!(order["customer_name"], "Dana Whitfield");
    assert_eq!(order["total"], "63.51");
    let lines = order["order"]["lines"].as_array().unwrap();
    assert_eq!(lines.len(), example["lines"].as_array().unwrap().len());
    assert_eq!(lines[0]["sku"], "TEA-SEN-100");
}

async fn woocommerce_order_created_then_updated(server: TestServer) {
    let owner = account(&server, "woo-sequence").await;
    let setup = store(&server, &owner, "woocommerce", preset_map("woocommerce")).await;
    let created = payload_json("woocommerce-order-created.json");

    let id = send(
        &server,
        &setup,
        Preset::WooCommerce,
        &bytes(&created),
        "woo-1",
        &[],
    )
    .await;
    let request = imported(&server, &setup, id).await;
    assert_eq!(request["outcome"], "created", "{request}");
    let order_id = request["order_id"].clone();
    let order = order_json(&server, &setup, &order_id).await;
    assert_eq!(order["number"], "897");
    assert_eq!(order["channel_status"], "processing");

    let mut updated = created.clone();
    updated["status"] = json!("on-hold");
    updated["customer_note"] = json!("Call before delivery");
    updated["date_modified"] = json!("2021-09-07T09:00:00");
    updated["date_modified_gmt"] = json!("2021-09-07T09:00:00");
    let id = send(
        &server,
        &setup,
        Preset::WooCommerce,
        &bytes(&updated),
        "woo-2",
        &[],
    )
    .await;
    let request = imported(&server, &setup, id).await;
    assert_eq!(request["outcome"], "updated", "{request}");
    assert_eq!(request["order_id"], order_id);
    let order = order_json(&server, &setup, &order_id).await;
    assert_eq!(order["channel_status"], "on-hold");
    assert_eq!(
        order["status"], "on_hold",
        "the channel's status change applies"
    );
    assert_eq!(order["order"]["notes"]["customer"], "Call before delivery");

    // The published update sample is another order, 727: it is created on its own.
    let sample = shared_payload("woocommerce-order-updated.json");
    let id = send(&server, &setup, Preset::WooCommerce, &sample, "woo-3", &[]).await;
    let request = imported(&server, &setup, id).await;
    assert_eq!(request["outcome"], "created", "{request}");
    let order = order_json(&server, &setup, &request["order_id"]).await;
    assert_eq!(order["number"], "727");
    assert_eq!(
        orders::count(&server.test_db.db, setup.account)
            .await
            .unwrap(),
        2
    );
}

async fn shopify_shops_stay_apart(server: TestServer) {
    let owner = account(&server, "two-shops").await;
    let first = store(&server, &owner, "shopify", preset_map("shopify")).await;
    let second = store(&server, &owner, "shopify", preset_map("shopify")).await;
    let body = shared_payload("shopify-orders-create.json");
    let shop = "X-Shopify-Shop-Domain";

    let a = send(
        &server,
        &first,
        Preset::Shopify,
        &body,
        "shop-a",
        &[(shop, "north.myshopify.com")],
    )
    .await;
    let b = send(
        &server,
        &second,
        Preset::Shopify,
        &body,
        "shop-b",
        &[(shop, "south.myshopify.com")],
    )
    .await;
    let a = imported(&server, &first, a).await;
    let b = imported(&server, &second, b).await;

    assert_eq!(a["outcome"], "created", "{a}");
    assert_eq!(b["outcome"], "created", "{b}");
    assert_ne!(a["order_id"], b["order_id"]);
    let north = order_json(&server, &first, &a["order_id"]).await;
    let south = order_json(&server, &second, &b["order_id"]).await;
    assert_eq!(north["source"], "north.myshopify.com");
    assert_eq!(south["source"], "south.myshopify.com");
    assert_eq!(north["number"], south["number"]);

    // A second webhook of the same shop reaches the same order.
    let mut later: Value = serde_json::from_slice(&body).unwrap();
    later["updated_at"] = json!("2025-01-24T12:00:00-05:00");
    let c = send(
        &server,
        &second,
        Preset::Shopify,
        &bytes(&later),
        "shop-c",
        &[(shop, "north.myshopify.com")],
    )
    .await;
    let c = imported(&server, &second, c).await;
    assert_eq!(c["outcome"], "updated", "{c}");
    assert_eq!(c["order_id"], a["order_id"]);
    assert_eq!(
        orders::count(&server.test_db.db, first.account)
            .await
            .unwrap(),
        2
    );
}

/// A map for the short out-of-order bodies that fills no `updated at`.
const NO_UPDATED_AT_MAP: &str = r#"{
  "version": 1,
  "fields": {
    "order.source": { "value": "shopify" },
    "order.number": { "path": "$.order_number" },
    "order.channel_status": { "path": "$.financial_status" },
    "charges.total": { "path": "$.total_price" }
  }
}"#;

async fn delivery_time_finds_stale_updates(server: TestServer) {
    let owner = account(&server, "triggered").await;
    let setup = store(&server, &owner, "shopify", NO_UPDATED_AT_MAP).await;
    let case = shared_case("06-out-of-order-updates.json");

    let mut outcomes = Vec::new();
    for delivery in case["deliveries_in_arrival_order"].as_array().unwrap() {
        let request = &delivery["request"];
        let mut post = server
            .client
            .post(&setup.url)
            .body(request["body"].as_str().unwrap().to_owned());
        for (name, value) in request["headers"].as_object().unwrap() {
            post = post.header(name.as_str(), value.as_str().unwrap());
        }
        let response = post.send().await.unwrap();
        assert_eq!(response.status(), 200);
        let id = response.json::<Value>().await.unwrap()["request_id"]
            .as_i64()
            .unwrap();
        let request = imported(&server, &setup, id).await;
        outcomes.push((
            request["outcome"].as_str().unwrap().to_owned(),
            request["outcome_detail"]["reason"]
                .as_str()
                .map(str::to_owned),
        ));
    }

    let stale = Some("stale".to_owned());
    assert_eq!(
        outcomes,
        vec![
            ("created".to_owned(), None),
            ("skipped".to_owned(), stale.clone()),
            ("skipped".to_owned(), stale),
        ]
    );
    let stored = orders::find(&server.test_db.db, setup.account, "shopify", "1090")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.channel_status.as_deref(), Some("paid"));
    let updated_at = stored.order.updated_at.unwrap();
    assert_eq!(updated_at.original, "2024-01-26T04:29:40Z");
}

async fn nul_text_imports_everywhere(server: TestServer) {
    let owner = account(&server, "nul").await;
    let setup = store(&server, &owner, "shopify", preset_map("shopify")).await;
    let mut body = payload_json("shopify-orders-create.json");
    body["note"] = json!("Ring\u{0}twice");
    body["email"] = json!("buyer\u{0}@example.com");
    body["line_items"][1]["name"] = json!("Green\u{0} Snowboard");
    let raw = bytes(&body);
    assert!(
        String::from_utf8_lossy(&raw).contains("\\u0000"),
        "the body carries NUL as a JSON escape"
    );

    let id = send(&server, &setup, Preset::Shopify, &raw, "nul-1", &[]).await;
    let request = imported(&server, &setup, id).await;

    assert_eq!(request["outcome"], "created", "{request}");
    let order = order_json(&server, &setup, &request["order_id"]).await;
    assert_eq!(order["order"]["notes"]["customer"], "Ringtwice");
    assert_eq!(order["customer_email"], "buyer@example.com");
    assert_eq!(order["order"]["lines"][1]["name"], "Green Snowboard");
    let warnings = request["outcome_detail"]["warnings"].as_array().unwrap();
    for field in ["notes.customer", "order.customer_email", "items.name"] {
        assert!(
            warnings.iter().any(|warning| warning["field"] == field
                && warning["message"].as_str().unwrap().contains("NUL")),
            "{field} in {warnings:#?}"
        );
    }
}

http_tests!(
    channel_status_wins_on_first_import,
    shopify_create_update_cancel,
    shopify_cancellation_without_refund,
    readme_example_imports_whole,
    woocommerce_order_created_then_updated,
    shopify_shops_stay_apart,
    delivery_time_finds_stale_updates,
    nul_text_imports_everywhere,
);
