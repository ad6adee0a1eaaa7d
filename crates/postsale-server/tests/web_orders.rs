//! Orders and the request log over HTTP: the list and its filters, the order page, shipments,
//! the request log, the body viewer with hostile content, replays, and tenant isolation.

mod common;

use std::time::Duration;

use common::web::{Browser, assert_inputs_labelled, create_user, location};
use common::{TestServer, shared_payload};
use postsale_core::mapping::presets;
use postsale_core::verify::{HmacConfig, Preset, Secret, sign_request};
use postsale_core::{Plan, StoreId, WebhookState};
use postsale_server::web::CONTENT_SECURITY_POLICY;
use postsale_store::maps;
use postsale_store::webhooks::{self, WebhookPatch};
use serde_json::{Value, json};
use time::OffsetDateTime;

const SECRET: &str = "shpss_FAKE_test_secret_do_not_use";
const HOSTILE: &str = r#"<script>alert(1)</script>"><img src=x onerror=alert(1)>"#;

/// A signed-in account with a Shopify store that imports.
struct Shop {
    browser: Browser,
    csrf: String,
    api_key: String,
    store: i64,
    url: String,
}

async fn shop(server: &TestServer, name: &str) -> Shop {
    let account = server.create_account(name, Plan::Soar).await;
    let email = format!("ops@{name}.example");
    create_user(server, account.account.id, &email).await;
    let security =
        json!({"checks": [{"type": "hmac", "preset": "shopify", "secrets": [{"value": SECRET}]}]});
    let store = server
        .create_store(
            &account.api_key,
            json!({"name": format!("{name} shop"), "security": security}),
        )
        .await;
    let store_id = store["id"].as_i64().unwrap();
    let db = &server.test_db.db;
    maps::save(
        db,
        account.account.id,
        StoreId(store_id),
        presets::source("shopify").unwrap(),
    )
    .await
    .unwrap();
    let active = WebhookPatch {
        state: Some(WebhookState::Active),
        ..WebhookPatch::default()
    };
    webhooks::update(db, account.account.id, StoreId(store_id), &active)
        .await
        .unwrap();
    let browser = Browser::new(server);
    browser.sign_in_ok(&email).await;
    let csrf = browser.session_csrf_token("/orders").await;
    Shop {
        browser,
        csrf,
        api_key: account.api_key,
        store: store_id,
        url: store["webhook"]["url"].as_str().unwrap().to_owned(),
    }
}

/// Sends a signed Shopify body and waits for its import; returns the request.
async fn send_imported(server: &TestServer, shop: &Shop, body: &[u8], delivery: &str) -> Value {
    let config = HmacConfig::preset(Preset::Shopify, SECRET);
    let headers = sign_request(
        &config,
        &Secret::new(SECRET),
        body,
        OffsetDateTime::now_utc(),
        delivery,
    )
    .unwrap();
    let mut request = server.client.post(&shop.url).body(body.to_vec());
    for (name, value) in headers {
        request = request.header(name, value);
    }
    request = request.header("X-Shopify-Webhook-Id", delivery);
    let response = request.send().await.unwrap();
    assert_eq!(response.status(), 200);
    let id = response.json::<Value>().await.unwrap()["request_id"]
        .as_i64()
        .unwrap();
    for _ in 0..200 {
        let kept = server
            .get_json(&format!("/api/v1/requests/{id}"), Some(&shop.api_key))
            .await;
        if kept["import_state"] == "done" {
            return kept;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("request {id} was not imported within 5 s");
}

async fn imported_order(server: &TestServer, shop: &Shop) -> (i64, Value) {
    let body = shared_payload("shopify-orders-create.json");
    let request = send_imported(server, shop, &body, "delivery-1").await;
    assert_eq!(request["outcome"], "created", "{request}");
    (request["order_id"].as_i64().unwrap(), request)
}

async fn orders_list_shows_imported_order(server: TestServer) {
    let shop = shop(&server, "acme").await;
    let (order_id, _) = imported_order(&server, &shop).await;

    let response = shop.browser.get("/orders").await;

    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-security-policy"],
        CONTENT_SECURITY_POLICY
    );
    let page = response.text().await.unwrap();
    assert!(
        page.contains(&format!(r#"id="order-{order_id}""#)),
        "{page}"
    );
    assert!(page.contains(r#"id="status-tabs""#), "{page}");
    assert!(page.contains(r#"<label for="filter-q">"#), "{page}");
    assert!(!page.contains(r#"id="next-page""#), "{page}");
    // The filter form is sent with GET, so every field it contains ends up in the URL.
    let filters = page
        .split(r#"id="order-filters""#)
        .nth(1)
        .and_then(|rest| rest.split("</form>").next())
        .expect("the filter form");
    assert!(!filters.contains("csrf"), "{filters}");
    assert_inputs_labelled(&page);
}

async fn orders_filters_narrow_list(server: TestServer) {
    let shop = shop(&server, "acme").await;
    let (order_id, _) = imported_order(&server, &shop).await;
    let row = format!(r#"id="order-{order_id}""#);
    let order = server
        .get_json(&format!("/api/v1/orders/{order_id}"), Some(&shop.api_key))
        .await;
    let status = order["status"].as_str().unwrap().to_owned();
    let number = order["number"].as_str().unwrap().to_owned();
    let source = order["source"].as_str().unwrap().to_owned();
    let today = OffsetDateTime::now_utc().date();

    let cases = [
        (format!("/orders?status={status}"), true),
        ("/orders?status=cancelled".to_owned(), false),
        (format!("/orders?store={}", shop.store), true),
        ("/orders?store=999999".to_owned(), false),
        (format!("/orders?q={number}"), true),
        ("/orders?q=no-such-order".to_owned(), false),
        (format!("/orders?from={today}&to={today}"), true),
        ("/orders?to=2001-01-01".to_owned(), false),
        (format!("/orders?source={source}"), true),
        ("/orders?source=woocommerce".to_owned(), false),
    ];
    for (path, listed) in cases {
        let (code, page) = shop.browser.page(&path).await;
        assert_eq!(code, 200, "{path}");
        assert_eq!(page.contains(&row), listed, "{path}");
    }

    let (code, page) = shop.browser.page("/orders?from=24/01/2025").await;
    assert_eq!(code, 400);
    assert!(page.contains(r#"id="from-error""#), "{page}");

    // A query string that does not fit the page's parameters gets a page, not JSON.
    let response = shop.browser.get("/orders?cursor=abc").await;
    assert_eq!(response.status(), 400);
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(content_type.starts_with("text/html"), "{content_type}");
    let page = response.text().await.unwrap();
    assert!(page.contains("cursor=&quot;abc&quot;"), "{page}");
}

async fn orders_list_pages_by_cursor(server: TestServer) {
    let shop = shop(&server, "acme").await;
    let mut body: Value =
        serde_json::from_slice(&shared_payload("shopify-orders-create.json")).unwrap();
    for number in 0..51 {
        body["id"] = json!(7_000_000 + number);
        body["order_number"] = json!(2000 + number);
        body["name"] = json!(format!("#{}", 2000 + number));
        let delivery = format!("delivery-page-{number}");
        let request = send_imported(&server, &shop, body.to_string().as_bytes(), &delivery).await;
        assert_eq!(request["outcome"], "created", "{request}");
    }

    let (status, first) = shop.browser.page("/orders").await;

    assert_eq!(status, 200);
    assert_eq!(first.matches(r#"<tr id="order-"#).count(), 50);
    assert!(!first.contains(r#"id="first-page""#), "{first}");
    let marker = r#"id="next-page" href=""#;
    let start = first.find(marker).expect("a next page link") + marker.len();
    let end = first[start..].find('"').unwrap() + start;
    let next = first[start..end].replace("&amp;", "&");
    let (_, second) = shop.browser.page(&next).await;
    assert_eq!(second.matches(r#"<tr id="order-"#).count(), 1, "{second}");
    assert!(second.contains(r#"id="first-page""#), "{second}");
    assert!(!second.contains(r#"id="next-page""#), "{second}");
    assert!(
        second.contains(">2000</a>"),
        "the oldest order is last: {second}"
    );
}

async fn order_page_shows_details(server: TestServer) {
    let shop = shop(&server, "acme").await;
    let (order_id, request) = imported_order(&server, &shop).await;

    let (status, page) = shop.browser.page(&format!("/orders/{order_id}")).await;

    assert_eq!(status, 200);
    for id in [
        "order-facts",
        "ship-to",
        "bill-to",
        "order-lines",
        "order-charges",
        "import-history",
        "shipment-form",
        "shipment-carrier",
    ] {
        assert!(page.contains(&format!(r#"id="{id}""#)), "{id}: {page}");
    }
    assert!(
        page.contains(&format!(
            r#"href="/api/v1/orders/{order_id}/invoice?format=pdf""#
        )),
        "{page}"
    );
    assert!(
        page.contains(&format!(r#"id="history-{}""#, request["id"])),
        "{page}"
    );
    let invoice = shop
        .browser
        .get(&format!("/api/v1/orders/{order_id}/invoice"))
        .await;
    assert_eq!(invoice.status(), 200);
}

/// Checks that the import history of a closed order shows why a later request was skipped,
/// naming the channel's new status.
async fn closed_order_history_shows_skip(server: TestServer) {
    let shop = shop(&server, "acme").await;
    let (order_id, _) = imported_order(&server, &shop).await;
    let response = server
        .client
        .put(server.url(&format!("/api/v1/orders/{order_id}/status")))
        .bearer_auth(&shop.api_key)
        .json(&json!({"status": "cancelled"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let mut body: Value =
        serde_json::from_slice(&shared_payload("shopify-orders-create.json")).unwrap();
    body["financial_status"] = json!("refunded");
    body["updated_at"] = json!("2030-01-01T00:00:00Z");
    let body = serde_json::to_vec(&body).unwrap();

    let request = send_imported(&server, &shop, &body, "delivery-2").await;

    assert_eq!(
        request["outcome_detail"]["reason"], "order_closed",
        "{request}"
    );
    let (_, page) = shop.browser.page(&format!("/orders/{order_id}")).await;
    assert!(
        page.contains("the order is cancelled, so imports no longer change it"),
        "{page}"
    );
    assert!(page.contains("&quot;refunded&quot;"), "{page}");
}

async fn shipment_created_then_voided(server: TestServer) {
    let shop = shop(&server, "acme").await;
    let (order_id, _) = imported_order(&server, &shop).await;
    let path = format!("/orders/{order_id}/shipments");

    let created = shop
        .browser
        .post_form(
            &path,
            &[
                ("csrf_token", shop.csrf.as_str()),
                ("shipment_carrier", "usps"),
                ("shipment_service", "usps_priority_mail"),
                ("shipment_package", "parcel"),
                ("shipment_tracking_number", "9400 1000"),
                ("shipment_cost", "7.45"),
                ("shipment_weight_value", "12.5"),
                ("shipment_weight_unit", "oz"),
                ("shipment_length", "10"),
                ("shipment_width", "8"),
                ("shipment_height", "4"),
                ("shipment_dimension_unit", "in"),
            ],
        )
        .await;

    assert_eq!(created.status(), 303, "{}", created.text().await.unwrap());
    let shipments: Vec<Value> = server
        .get(
            &path.replace("/orders", "/api/v1/orders"),
            Some(&shop.api_key),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(shipments.len(), 1);
    assert_eq!(shipments[0]["cost"], "7.45");
    assert_eq!(shipments[0]["details"]["weight"]["value"], "12.5");
    let shipment_id = shipments[0]["id"].as_i64().unwrap();
    let (_, page) = shop.browser.page(&location(&created)).await;
    assert!(page.contains("The shipment was recorded"), "{page}");
    assert!(
        page.contains(&format!(r#"id="void-shipment-{shipment_id}""#)),
        "{page}"
    );

    let void_path = format!("/orders/{order_id}/shipments/{shipment_id}/void");
    let voided = shop
        .browser
        .post_form(&void_path, &[("csrf_token", &shop.csrf)])
        .await;
    assert_eq!(voided.status(), 303);
    let again = shop
        .browser
        .post_form(&void_path, &[("csrf_token", &shop.csrf)])
        .await;
    assert_eq!(again.status(), 409);
    let order = server
        .get_json(&format!("/api/v1/orders/{order_id}"), Some(&shop.api_key))
        .await;
    assert_eq!(order["shipments"][0]["voided"], true);
}

async fn shipment_errors_shown_beside_field(server: TestServer) {
    let shop = shop(&server, "acme").await;
    let (order_id, _) = imported_order(&server, &shop).await;

    let path = format!("/orders/{order_id}/shipments");
    let response = shop
        .browser
        .post_form(
            &path,
            &[
                ("csrf_token", shop.csrf.as_str()),
                ("shipment_carrier", "usps"),
                ("shipment_service", "usps_priority_mail"),
                ("shipment_cost", "seven"),
            ],
        )
        .await;

    assert_eq!(response.status(), 422);
    let page = response.text().await.unwrap();
    assert!(page.contains(r#"id="shipment-cost-error""#), "{page}");
    assert!(page.contains("Invalid cost &quot;seven&quot;"), "{page}");
    assert!(page.contains(r#"value="seven""#), "{page}");
}

async fn shipment_needs_carrier_and_service(server: TestServer) {
    let shop = shop(&server, "acme").await;
    let (order_id, _) = imported_order(&server, &shop).await;

    let path = format!("/orders/{order_id}/shipments");
    let response = shop
        .browser
        .post_form(&path, &[("csrf_token", shop.csrf.as_str())])
        .await;

    assert_eq!(response.status(), 422);
    let page = response.text().await.unwrap();
    assert!(page.contains(r#"id="shipment-carrier-error""#), "{page}");
    assert!(page.contains(r#"id="shipment-service-error""#), "{page}");
}

async fn shipment_form_needs_csrf_token(server: TestServer) {
    let shop = shop(&server, "acme").await;
    let (order_id, _) = imported_order(&server, &shop).await;

    let path = format!("/orders/{order_id}/shipments");
    let response = shop
        .browser
        .post_form(
            &path,
            &[
                ("csrf_token", "forged"),
                ("shipment_carrier", "usps"),
                ("shipment_service", "usps_priority_mail"),
            ],
        )
        .await;

    assert_eq!(response.status(), 403);
}

async fn request_log_lists_requests(server: TestServer) {
    let shop = shop(&server, "acme").await;
    let (_, request) = imported_order(&server, &shop).await;
    let rejected = server
        .client
        .post(&shop.url)
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(rejected.status(), 401);
    let path = format!("/settings/stores/{}/requests", shop.store);

    let (status, all) = shop.browser.page(&path).await;
    let (_, accepted) = shop.browser.page(&format!("{path}?status=accepted")).await;
    let (_, only_rejected) = shop.browser.page(&format!("{path}?status=rejected")).await;

    assert_eq!(status, 200);
    let row = format!(r#"id="request-{}""#, request["id"]);
    assert!(all.contains(&row), "{all}");
    assert_eq!(all.matches(r#"<tr id="request-"#).count(), 2, "{all}");
    assert!(accepted.contains(&row), "{accepted}");
    assert!(!only_rejected.contains(&row), "{only_rejected}");
    assert_eq!(only_rejected.matches(r#"<tr id="request-"#).count(), 1);
    assert!(only_rejected.contains("401"), "{only_rejected}");
}

/// Creates a `soar` account with the user ops@acme.example and a capturing store whose
/// webhook checks `X-Key: key-value-1`, and returns the store.
async fn capturing_store(server: &TestServer) -> Value {
    let account = server.create_account("acme", Plan::Soar).await;
    create_user(server, account.account.id, "ops@acme.example").await;
    let security =
        json!({"checks": [{"type": "header_value", "header": "X-Key", "value": "key-value-1"}]});
    server
        .create_store(
            &account.api_key,
            json!({"name": "Capture", "security": security}),
        )
        .await
}

/// Posts a JSON `body` with one more header to the webhook of [`capturing_store`], checks
/// that it is kept, and returns its request id.
async fn keep_request(server: &TestServer, url: &str, extra: (&str, &str), body: Vec<u8>) -> i64 {
    let sent = server
        .client
        .post(url)
        .header("X-Key", "key-value-1")
        .header("Content-Type", "application/json")
        .header(extra.0, extra.1)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(sent.status(), 200);
    sent.json::<Value>().await.unwrap()["request_id"]
        .as_i64()
        .unwrap()
}

async fn hostile_body_is_escaped(server: TestServer) {
    let store = capturing_store(&server).await;
    let url = store["webhook"]["url"].as_str().unwrap();
    let body = json!({"note": HOSTILE, HOSTILE: "key"}).to_string();
    let request_id = keep_request(&server, url, ("X-Hostile", HOSTILE), body.into_bytes()).await;
    let browser = Browser::new(&server);
    browser.sign_in_ok("ops@acme.example").await;
    let store_id = store["id"].as_i64().unwrap();

    for path in [
        format!("/settings/stores/{store_id}/requests"),
        format!("/settings/stores/{store_id}/requests/{request_id}"),
    ] {
        let response = browser.get(&path).await;
        assert_eq!(response.status(), 200, "{path}");
        assert_eq!(
            response.headers()["content-security-policy"],
            CONTENT_SECURITY_POLICY
        );
        let page = response.text().await.unwrap();
        assert!(!page.contains("<script>alert"), "{path}: {page}");
        assert!(!page.contains("<img src=x"), "{path}: {page}");
    }
    let (_, viewer) = browser
        .page(&format!(
            "/settings/stores/{store_id}/requests/{request_id}"
        ))
        .await;
    assert!(
        viewer.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{viewer}"
    );
    assert!(
        viewer.contains("&lt;img src=x onerror=alert(1)&gt;"),
        "{viewer}"
    );
    assert!(viewer.contains(r#"id="body-pretty-json""#), "{viewer}");
    assert!(viewer.contains(r#"id="body-raw-text""#), "{viewer}");
    assert!(viewer.contains(r#"id="request-headers""#), "{viewer}");
    assert!(viewer.contains("x-hostile"), "{viewer}");
    assert!(
        !viewer.contains("key-value-1"),
        "the secret header is masked: {viewer}"
    );
}

/// Checks that the request page shows a body sent with `Content-Encoding: gzip` decoded, as
/// JSON and as text.
async fn gzip_body_is_shown_decoded(server: TestServer) {
    let store = capturing_store(&server).await;
    let url = store["webhook"]["url"].as_str().unwrap();
    let order = json!({"order_number": "GZ-7781", "note": "sent-gzipped-by-the-cart"});
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    std::io::Write::write_all(&mut encoder, order.to_string().as_bytes()).unwrap();
    let compressed = encoder.finish().unwrap();
    let request_id = keep_request(&server, url, ("Content-Encoding", "gzip"), compressed).await;
    let browser = Browser::new(&server);
    browser.sign_in_ok("ops@acme.example").await;
    let store_id = store["id"].as_i64().unwrap();

    let (status, page) = browser
        .page(&format!(
            "/settings/stores/{store_id}/requests/{request_id}"
        ))
        .await;

    assert_eq!(status, 200);
    assert!(page.contains(r#"id="body-pretty-json""#), "{page}");
    assert!(page.contains(r#"id="body-decoded""#), "{page}");
    assert_eq!(
        page.matches("sent-gzipped-by-the-cart").count(),
        2,
        "{page}"
    );
    assert_eq!(page.matches("GZ-7781").count(), 2, "{page}");
}

async fn replay_one_request_reports_outcome(server: TestServer) {
    let shop = shop(&server, "acme").await;
    let (_, request) = imported_order(&server, &shop).await;
    let request_id = request["id"].as_i64().unwrap();

    let path = format!(
        "/settings/stores/{}/requests/{request_id}/replay",
        shop.store
    );
    let response = shop
        .browser
        .post_form(&path, &[("csrf_token", &shop.csrf)])
        .await;

    assert_eq!(response.status(), 303);
    let target = location(&response);
    assert!(target.contains("?replayed="), "{target}");
    let (_, page) = shop.browser.page(&target).await;
    assert!(page.contains(r#"id="request-notice""#), "{page}");
}

async fn replay_failed_replays_each(server: TestServer) {
    let shop = shop(&server, "acme").await;
    let mut body: Value =
        serde_json::from_slice(&shared_payload("shopify-orders-create.json")).unwrap();
    body["line_items"][0]["quantity"] = json!("many");
    let failed = send_imported(&server, &shop, body.to_string().as_bytes(), "delivery-bad").await;
    assert_eq!(failed["outcome"], "failed", "{failed}");
    let log = format!("/settings/stores/{}/requests", shop.store);
    let (_, page) = shop.browser.page(&log).await;
    assert!(page.contains(r#"id="replay-failed-form""#), "{page}");
    assert!(
        page.contains(&format!(r#"data-failed-ids="{}""#, failed["id"])),
        "{page}"
    );

    let path = format!("/settings/stores/{}/replay-failed", shop.store);
    let response = shop
        .browser
        .post_form(&path, &[("csrf_token", &shop.csrf)])
        .await;

    assert_eq!(response.status(), 303);
    let target = location(&response);
    assert!(target.contains("replayed=1&"), "{target}");
    assert!(target.contains("failed=1"), "{target}");
    let (_, page) = shop.browser.page(&target).await;
    assert!(page.contains(r#"id="log-notice""#), "{page}");
}

async fn other_accounts_ids_are_404(server: TestServer) {
    let owner = shop(&server, "owner").await;
    let (order_id, request) = imported_order(&server, &owner).await;
    let other = shop(&server, "other").await;
    let request_id = request["id"].as_i64().unwrap();

    for path in [
        format!("/orders/{order_id}"),
        format!("/settings/stores/{}/requests", owner.store),
        format!("/settings/stores/{}/requests/{request_id}", owner.store),
        format!("/settings/stores/{}/requests/{request_id}", other.store),
    ] {
        let response = other.browser.get(&path).await;
        assert_eq!(response.status(), 404, "{path}");
    }
    for path in [
        format!("/orders/{order_id}/shipments"),
        format!(
            "/settings/stores/{}/requests/{request_id}/replay",
            other.store
        ),
        format!("/settings/stores/{}/replay-failed", owner.store),
    ] {
        let response = other
            .browser
            .post_form(
                &path,
                &[
                    ("csrf_token", other.csrf.as_str()),
                    ("shipment_carrier", "usps"),
                    ("shipment_service", "usps_priority_mail"),
                ],
            )
            .await;
        assert_eq!(response.status(), 404, "{path}");
    }
    let (_, list) = other.browser.page("/orders").await;
    assert!(
        !list.contains(&format!(r#"id="order-{order_id}""#)),
        "{list}"
    );
}

http_tests!(
    orders_list_shows_imported_order,
    orders_filters_narrow_list,
    orders_list_pages_by_cursor,
    order_page_shows_details,
    closed_order_history_shows_skip,
    shipment_created_then_voided,
    shipment_errors_shown_beside_field,
    shipment_needs_carrier_and_service,
    shipment_form_needs_csrf_token,
    request_log_lists_requests,
    hostile_body_is_escaped,
    gzip_body_is_shown_decoded,
    replay_one_request_reports_outcome,
    replay_failed_replays_each,
    other_accounts_ids_are_404,
);
