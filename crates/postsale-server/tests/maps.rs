//! The mapping API over HTTP: elements of kept requests, previews, presets, suggestions and
//! saved map versions, with the real channel bodies.

mod common;

use std::io::Write;

use common::{TestServer, shared_payload};
use postsale_core::Plan;
use serde_json::{Value, json};

const TOKEN_HEADER: &str = "X-Token";
const TOKEN: &str = "abc123-token";

/// A soar account with one store whose webhook checks a header value.
struct Setup {
    key: String,
    store_id: i64,
    url: String,
}

async fn setup(server: &TestServer) -> Setup {
    let acme = server.create_account("acme", Plan::Soar).await;
    let security =
        json!({"checks": [{"type": "header_value", "header": TOKEN_HEADER, "value": TOKEN}]});
    let store = server
        .create_store(&acme.api_key, json!({"name": "Main", "security": security}))
        .await;
    Setup {
        key: acme.api_key,
        store_id: store["id"].as_i64().unwrap(),
        url: store["webhook"]["url"].as_str().unwrap().to_owned(),
    }
}

/// Posts a body to the hook URL with the header value and returns the kept request's id.
async fn deliver(
    server: &TestServer,
    setup: &Setup,
    body: Vec<u8>,
    headers: &[(&str, &str)],
) -> i64 {
    let mut request = server
        .client
        .post(&setup.url)
        .header(TOKEN_HEADER, TOKEN)
        .body(body);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.unwrap();
    assert_eq!(response.status(), 200, "the hook keeps the request");
    let answer: Value = response.json().await.unwrap();
    answer["request_id"].as_i64().unwrap()
}

async fn deliver_payload(server: &TestServer, setup: &Setup, name: &str) -> i64 {
    let json = [("Content-Type", "application/json")];
    deliver(server, setup, shared_payload(name), &json).await
}

async fn get_json(server: &TestServer, key: &str, path: &str) -> (u16, Value) {
    let response = server.get(path, Some(key)).await;
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

async fn send_json(
    server: &TestServer,
    method: reqwest::Method,
    key: &str,
    path: &str,
    body: &Value,
) -> (u16, Value) {
    let response = server
        .client
        .request(method, server.url(path))
        .bearer_auth(key)
        .json(body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

async fn put_map(server: &TestServer, setup: &Setup, map: &Value) -> (u16, Value) {
    let path = format!("/api/v1/stores/{}/map", setup.store_id);
    send_json(server, reqwest::Method::PUT, &setup.key, &path, map).await
}

async fn post_json(server: &TestServer, setup: &Setup, path: &str, body: &Value) -> (u16, Value) {
    send_json(server, reqwest::Method::POST, &setup.key, path, body).await
}

async fn preset(server: &TestServer, key: &str, name: &str) -> Value {
    let (status, document) = get_json(server, key, &format!("/api/v1/presets/{name}")).await;
    assert_eq!(status, 200, "preset {name}");
    document
}

async fn webhook_state(server: &TestServer, setup: &Setup) -> String {
    let path = format!("/api/v1/stores/{}/webhook", setup.store_id);
    let (_, webhook) = get_json(server, &setup.key, &path).await;
    webhook["state"].as_str().unwrap().to_owned()
}

fn element<'a>(elements: &'a Value, path: &str) -> &'a Value {
    elements["elements"]
        .as_array()
        .unwrap()
        .iter()
        .find(|element| element["path"] == path)
        .unwrap_or_else(|| panic!("element {path} is listed"))
}

fn detail(problem: &Value) -> &str {
    problem["detail"].as_str().expect("a problem with a detail")
}

async fn elements_keep_paths_and_ids(server: TestServer) {
    let setup = setup(&server).await;
    let order = deliver_payload(&server, &setup, "shopify-orders-create.json").await;
    let test = deliver_payload(
        &server,
        &setup,
        "shopify-orders-create-test-notification.json",
    )
    .await;

    let path = format!("/api/v1/requests/{order}/elements");
    let (status, elements) = get_json(&server, &setup.key, &path).await;

    assert_eq!(status, 200);
    assert_eq!(elements["store_id"], setup.store_id);
    assert_eq!(elements["truncated"], false);
    let sku = element(&elements, "$.line_items[*].sku");
    assert_eq!(sku["type"], "string");
    assert!(sku["mapped"].is_null(), "no map yet: {sku}");
    let id = element(&elements, "$.id");
    assert_eq!(id["type"], "number");
    assert_eq!(id["example"].to_string(), "6200407294252");
    assert_eq!(element(&elements, "$.currency")["example"], "HKD");

    let path = format!("/api/v1/requests/{test}/elements");
    let (_, elements) = get_json(&server, &setup.key, &path).await;
    let big = &element(&elements, "$.id")["example"];
    assert!(big.is_number(), "{big}");
    assert_eq!(
        big.to_string(),
        "820982911946154508",
        "above 2^53, not rounded"
    );
}

async fn elements_show_mapped_ones(server: TestServer) {
    let setup = setup(&server).await;
    let order = deliver_payload(&server, &setup, "shopify-orders-create.json").await;
    let shopify = preset(&server, &setup.key, "shopify").await;
    assert_eq!(put_map(&server, &setup, &shopify).await.0, 200);

    let path = format!("/api/v1/requests/{order}/elements");
    let (_, elements) = get_json(&server, &setup.key, &path).await;

    assert_eq!(elements["map_version"], 1);
    assert_eq!(element(&elements, "$.order_number")["mapped"], true);
    assert_eq!(element(&elements, "$.line_items[*].title")["mapped"], true);
    assert_eq!(element(&elements, "$.checkout_token")["mapped"], false);
}

async fn gzip_body_elements(server: TestServer) {
    let setup = setup(&server).await;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder
        .write_all(&shared_payload("shopify-orders-create.json"))
        .unwrap();
    let compressed = encoder.finish().unwrap();
    let headers = [
        ("Content-Type", "application/json"),
        ("Content-Encoding", "gzip"),
    ];
    let id = deliver(&server, &setup, compressed, &headers).await;

    let path = format!("/api/v1/requests/{id}/elements");
    let (status, elements) = get_json(&server, &setup.key, &path).await;

    assert_eq!(status, 200, "{elements}");
    assert_eq!(element(&elements, "$.name")["example"], "#1071");
}

async fn form_body_has_no_elements(server: TestServer) {
    let setup = setup(&server).await;
    let form = [("Content-Type", "application/x-www-form-urlencoded")];
    let id = deliver(&server, &setup, b"a=1&b=2".to_vec(), &form).await;

    let path = format!("/api/v1/requests/{id}/elements");
    let (status, problem) = get_json(&server, &setup.key, &path).await;

    assert_eq!(status, 422);
    assert!(detail(&problem).contains("kind form"), "{problem}");
    assert!(
        detail(&problem).contains(&format!("request {id}")),
        "{problem}"
    );
}

async fn shopify_preset_previews_order(server: TestServer) {
    let setup = setup(&server).await;
    let id = deliver_payload(&server, &setup, "shopify-orders-create.json").await;
    let shopify = preset(&server, &setup.key, "shopify").await;

    let path = format!("/api/v1/stores/{}/map/preview", setup.store_id);
    let (status, preview) = post_json(
        &server,
        &setup,
        &path,
        &json!({"map": shopify, "request_id": id}),
    )
    .await;

    assert_eq!(status, 200, "{preview}");
    assert_eq!(preview["importable"], true, "{preview}");
    assert_eq!(preview["errors"], json!([]));
    assert_eq!(preview["test"], false);
    assert_eq!(preview["not_an_order"], false);
    assert!(preview["thin_payload"].is_null());
    assert!(preview["map_version"].is_null());
    let order = &preview["order"];
    assert_eq!(order["number"], "1071");
    assert_eq!(order["source"], "shopify");
    let names: Vec<&str> = order["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|line| line["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["aaa0103測試商品11aa", "Green Snowboard"]);
    let used = preview["used_elements"].as_array().unwrap();
    assert!(used.contains(&json!("$.order_number")));
}

async fn preview_needs_one_sample(server: TestServer) {
    let setup = setup(&server).await;
    let path = format!("/api/v1/stores/{}/map/preview", setup.store_id);
    let map = json!({"version": 1, "fields": {"order.number": {"path": "$.n"}}});

    let (both, problem) = post_json(
        &server,
        &setup,
        &path,
        &json!({"map": map, "request_id": 1, "body": {}}),
    )
    .await;
    assert_eq!(both, 422);
    assert!(detail(&problem).contains("only one"), "{problem}");

    let (neither, problem) = post_json(&server, &setup, &path, &json!({"map": map})).await;
    assert_eq!(neither, 422);
    assert!(detail(&problem).contains("request_id"), "{problem}");

    let body = json!({"n": "A-1"});
    let (no_map, problem) = post_json(&server, &setup, &path, &json!({"body": body})).await;
    assert_eq!(no_map, 422);
    assert!(detail(&problem).contains("no map yet"), "{problem}");
}

/// Checks that the preview reports an order with more lines than an import takes, as the
/// import fails it.
async fn preview_reports_too_many_lines(server: TestServer) {
    let setup = setup(&server).await;
    let path = format!("/api/v1/stores/{}/map/preview", setup.store_id);
    let map = json!({"version": 1,
        "fields": {"order.source": {"value": "web"}, "order.number": {"path": "$.n"}},
        "items": {"path": "$.l[*]", "fields": {
            "items.name": {"path": "@.name"}, "items.quantity": {"value": 1}}}});
    let lines: Vec<Value> = (0..5_001).map(|_| json!({"name": "A"})).collect();

    let (status, preview) = post_json(
        &server,
        &setup,
        &path,
        &json!({"map": map, "body": {"n": "1", "l": lines}}),
    )
    .await;

    assert_eq!(status, 200, "{preview}");
    assert_eq!(preview["importable"], false);
    assert_eq!(preview["errors"][0]["field"], "items");
    let message = preview["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("5001 lines"), "{message}");
}

async fn preview_of_inline_body(server: TestServer) {
    let setup = setup(&server).await;
    let path = format!("/api/v1/stores/{}/map/preview", setup.store_id);
    let map = json!({"version": 1, "fields": {
        "order.source": {"value": "web"}, "order.number": {"path": "$.n"}}});

    let (status, preview) = post_json(
        &server,
        &setup,
        &path,
        &json!({"map": map, "body": {"x": 1}}),
    )
    .await;

    assert_eq!(status, 200);
    assert_eq!(preview["importable"], false);
    assert_eq!(preview["not_an_order"], true);
    let error = &preview["errors"][0];
    assert_eq!(error["field"], "order.number");
    assert_eq!(error["element"], "$.n");
    assert_eq!(error["code"], "missing");
    assert!(
        error["message"].as_str().unwrap().contains("$.n"),
        "{error}"
    );
    assert_eq!(preview["unused_elements"], json!(["$.x"]));
}

async fn put_saves_versions_and_activates(server: TestServer) {
    let setup = setup(&server).await;
    let map_path = format!("/api/v1/stores/{}/map", setup.store_id);
    let (status, problem) = get_json(&server, &setup.key, &map_path).await;
    assert_eq!(status, 404);
    assert!(detail(&problem).contains("no map yet"), "{problem}");
    assert!(detail(&problem).contains("PUT"), "{problem}");
    assert_eq!(webhook_state(&server, &setup).await, "capturing");
    let shopify = preset(&server, &setup.key, "shopify").await;

    let (status, first) = put_map(&server, &setup, &shopify).await;

    assert_eq!(status, 200, "{first}");
    assert_eq!(first["version"], 1);
    assert_eq!(first["webhook_state"], "active");
    assert_eq!(first["can_import"], true);
    assert_eq!(first["missing"], json!([]));
    assert_eq!(
        first["map"]["fields"]["order.source"]["header"],
        "X-Shopify-Shop-Domain"
    );
    assert_eq!(webhook_state(&server, &setup).await, "active");

    let (status, again) = put_map(&server, &setup, &shopify).await;
    assert_eq!(status, 200);
    assert_eq!(again["version"], 1, "the same map again adds no version");
    let mut changed = shopify.clone();
    changed["description"] = json!("Shopify orders, edited");
    let (status, second) = put_map(&server, &setup, &changed).await;
    assert_eq!(status, 200);
    assert_eq!(second["version"], 2);

    let (_, versions) = get_json(&server, &setup.key, &format!("{map_path}/versions")).await;
    let numbers: Vec<i64> = versions
        .as_array()
        .unwrap()
        .iter()
        .map(|version| version["version"].as_i64().unwrap())
        .collect();
    assert_eq!(numbers, [2, 1]);
    assert!(versions[0]["created_at"].is_string());
    let (_, current) = get_json(&server, &setup.key, &map_path).await;
    assert_eq!(current["version"], 2);
    assert_eq!(current["map"], second["map"]);
    let (status, one) = get_json(&server, &setup.key, &format!("{map_path}/versions/1")).await;
    assert_eq!(status, 200);
    assert_eq!(one["version"], 1);
    let (status, problem) = get_json(&server, &setup.key, &format!("{map_path}/versions/3")).await;
    assert_eq!(status, 404);
    assert!(detail(&problem).contains("version 3"), "{problem}");
}

async fn incomplete_map_keeps_capturing(server: TestServer) {
    let setup = setup(&server).await;
    let map = json!({"version": 1, "fields": {"order.source": {"value": "web"}}});

    let (status, saved) = put_map(&server, &setup, &map).await;

    assert_eq!(status, 200, "{saved}");
    assert_eq!(saved["can_import"], false);
    assert_eq!(saved["missing"], json!(["order.number"]));
    assert_eq!(saved["webhook_state"], "capturing");
    assert_eq!(webhook_state(&server, &setup).await, "capturing");
}

async fn disabled_webhook_stays_disabled(server: TestServer) {
    let setup = setup(&server).await;
    let path = format!("/api/v1/stores/{}/webhook", setup.store_id);
    let disable = json!({"state": "disabled"});
    let (status, _) = send_json(&server, reqwest::Method::PATCH, &setup.key, &path, &disable).await;
    assert_eq!(status, 200);
    let shopify = preset(&server, &setup.key, "shopify").await;

    let (status, saved) = put_map(&server, &setup, &shopify).await;

    assert_eq!(status, 200);
    assert_eq!(saved["can_import"], true);
    assert_eq!(saved["webhook_state"], "disabled");
    assert_eq!(webhook_state(&server, &setup).await, "disabled");
}

/// Checks that a webhook the merchant set `capturing` stays paused while maps are saved, and
/// that only setting it `active` ends the pause.
async fn paused_webhook_stays_capturing(server: TestServer) {
    let setup = setup(&server).await;
    let path = format!("/api/v1/stores/{}/webhook", setup.store_id);
    let shopify = preset(&server, &setup.key, "shopify").await;
    let (_, saved) = put_map(&server, &setup, &shopify).await;
    assert_eq!(saved["webhook_state"], "active");
    let (_, webhook) = get_json(&server, &setup.key, &path).await;
    assert_eq!(webhook["paused"], false);

    let pause = json!({"state": "capturing"});
    let (status, paused) =
        send_json(&server, reqwest::Method::PATCH, &setup.key, &path, &pause).await;
    assert_eq!(status, 200, "{paused}");
    assert_eq!(paused["paused"], true);
    let (status, saved) = put_map(&server, &setup, &shopify).await;

    assert_eq!(status, 200, "{saved}");
    assert_eq!(saved["can_import"], true);
    assert_eq!(saved["webhook_state"], "capturing");
    let (_, webhook) = get_json(&server, &setup.key, &path).await;
    assert_eq!(webhook["state"], "capturing");
    assert_eq!(webhook["paused"], true);

    let disable = json!({"state": "disabled"});
    let (status, disabled) =
        send_json(&server, reqwest::Method::PATCH, &setup.key, &path, &disable).await;
    assert_eq!(status, 200, "{disabled}");
    assert_eq!(disabled["paused"], true, "disabling keeps the pause");

    let resume = json!({"state": "active"});
    let (status, resumed) =
        send_json(&server, reqwest::Method::PATCH, &setup.key, &path, &resume).await;
    assert_eq!(status, 200, "{resumed}");
    assert_eq!(resumed["state"], "active");
    assert_eq!(resumed["paused"], false);
}

/// Checks that a webhook the map set back to `capturing` is not paused: the next map that sets
/// order source and number turns it active again.
async fn demoted_webhook_is_not_paused(server: TestServer) {
    let setup = setup(&server).await;
    let shopify = preset(&server, &setup.key, "shopify").await;
    put_map(&server, &setup, &shopify).await;
    let incomplete = json!({"version": 1, "fields": {"order.source": {"value": "web"}}});
    let (_, saved) = put_map(&server, &setup, &incomplete).await;
    assert_eq!(saved["webhook_state"], "capturing");
    let path = format!("/api/v1/stores/{}/webhook", setup.store_id);
    let (_, webhook) = get_json(&server, &setup.key, &path).await;
    assert_eq!(webhook["paused"], false);

    let (status, saved) = put_map(&server, &setup, &shopify).await;

    assert_eq!(status, 200, "{saved}");
    assert_eq!(saved["webhook_state"], "active");
}

async fn unknown_map_key_is_rejected(server: TestServer) {
    let setup = setup(&server).await;
    let map = json!({"version": 1, "colour": "red",
                     "fields": {"order.number": {"path": "$.id"}}});

    let (status, problem) = put_map(&server, &setup, &map).await;

    assert_eq!(status, 422);
    assert!(detail(&problem).contains("colour"), "{problem}");
    let map_path = format!("/api/v1/stores/{}/map", setup.store_id);
    assert_eq!(server.get(&map_path, Some(&setup.key)).await.status(), 404);

    let rule = json!({"version": 1, "fields": {"order.number": {"path": "$.id", "paht": "$.x"}}});
    let (status, problem) = put_map(&server, &setup, &rule).await;
    assert_eq!(status, 422);
    assert!(detail(&problem).contains("paht"), "{problem}");
}

/// Checks that a map naming a field or a value_map entry twice is refused, where the last of
/// the two rules would otherwise win without a word.
async fn map_with_a_member_twice_is_rejected(server: TestServer) {
    let setup = setup(&server).await;
    let path = format!("/api/v1/stores/{}/map", setup.store_id);
    for (map, field) in [
        (
            r#"{"version": 1, "fields": {"order.number": {"path": "$.number"},
                                         "order.number": {"path": "$.id"}}}"#,
            "fields.order.number",
        ),
        (
            r#"{"version": 1, "fields": {"order.number": {"path": "$.number"},
                "order.status": {"path": "$.state", "value_map": {"paid": "awaiting_shipment",
                                                                  "paid": "on_hold"}}}}"#,
            "fields.order.status.value_map.paid",
        ),
    ] {
        let response = server
            .client
            .put(server.url(&path))
            .bearer_auth(&setup.key)
            .header("Content-Type", "application/json")
            .body(map)
            .send()
            .await
            .unwrap();

        assert_eq!(response.status(), 422);
        let problem: Value = response.json().await.unwrap();
        assert_eq!(problem["field"], field, "{problem}");
    }
    assert_eq!(server.get(&path, Some(&setup.key)).await.status(), 404);
}

async fn map_without_field_is_rejected(server: TestServer) {
    let setup = setup(&server).await;

    let (status, problem) = put_map(&server, &setup, &json!({"version": 1, "fields": {}})).await;

    assert_eq!(status, 422);
    assert!(detail(&problem).contains("no field"), "{problem}");
    assert_eq!(problem["problems"].as_array().unwrap().len(), 1);
    assert_eq!(webhook_state(&server, &setup).await, "capturing");
}

async fn map_that_is_not_json(server: TestServer) {
    let setup = setup(&server).await;
    let path = format!("/api/v1/stores/{}/map", setup.store_id);

    let response = server
        .client
        .put(server.url(&path))
        .bearer_auth(&setup.key)
        .body("{\"version\": 1,")
        .send()
        .await
        .unwrap();

    assert_eq!(response.status(), 400);
    let problem: Value = response.json().await.unwrap();
    assert!(detail(&problem).contains("invalid JSON"), "{problem}");
}

async fn thin_bigcommerce_body_is_reported(server: TestServer) {
    let setup = setup(&server).await;
    let id = deliver_payload(&server, &setup, "bigcommerce-store-order-created.json").await;
    let bigcommerce = preset(&server, &setup.key, "bigcommerce").await;

    let path = format!("/api/v1/stores/{}/map/preview", setup.store_id);
    let (status, preview) = post_json(
        &server,
        &setup,
        &path,
        &json!({"map": bigcommerce, "request_id": id}),
    )
    .await;

    assert_eq!(status, 200, "{preview}");
    assert_eq!(preview["importable"], false);
    assert!(preview["order"].is_null());
    let thin = &preview["thin_payload"];
    assert_eq!(thin["id"], "250");
    assert_eq!(thin["element"], "$.data.id");
    assert_eq!(thin["event"], "store/order/created");
}

async fn woocommerce_suggests_its_preset(server: TestServer) {
    let setup = setup(&server).await;
    let id = deliver_payload(&server, &setup, "woocommerce-order-created.json").await;

    let path = format!("/api/v1/stores/{}/map/suggest", setup.store_id);
    let (status, suggestion) = post_json(&server, &setup, &path, &json!({"request_id": id})).await;

    assert_eq!(status, 200, "{suggestion}");
    assert_eq!(suggestion["kind"], "preset");
    assert_eq!(suggestion["preset"], "woocommerce");
    let score = suggestion["score"].as_f64().unwrap();
    assert!((0.5..=1.0).contains(&score), "{score}");
    let (status, saved) = put_map(&server, &setup, &suggestion["map"]).await;
    assert_eq!(status, 200, "the suggested map saves: {saved}");
}

async fn unknown_body_gets_proposal(server: TestServer) {
    let setup = setup(&server).await;
    let body = json!({"order_number": "A-17", "email": "buyer@example.com",
                      "items": [{"sku": "X1", "name": "Mug", "quantity": 2, "price": "9.50"}]});

    let path = format!("/api/v1/stores/{}/map/suggest", setup.store_id);
    let (status, suggestion) = post_json(&server, &setup, &path, &json!({"body": body})).await;

    assert_eq!(status, 200, "{suggestion}");
    assert_eq!(suggestion["kind"], "suggested");
    assert!(suggestion["preset"].is_null());
    let fields = suggestion["fields"].as_array().unwrap();
    let number = fields
        .iter()
        .find(|field| field["field"] == "order.number")
        .expect("order number filled");
    assert_eq!(number["source"], "$.order_number");
    let confidence = number["confidence"].as_f64().unwrap();
    assert!(confidence > 0.5, "{confidence}");
    assert!(confidence <= 1.0, "{confidence}");
    assert_eq!(suggestion["map"]["items"]["path"], "$.items[*]");
}

async fn test_notification_previews_as_test(server: TestServer) {
    let setup = setup(&server).await;
    let id = deliver_payload(
        &server,
        &setup,
        "shopify-orders-create-test-notification.json",
    )
    .await;
    let shopify = preset(&server, &setup.key, "shopify").await;
    assert_eq!(put_map(&server, &setup, &shopify).await.0, 200);

    let path = format!("/api/v1/stores/{}/map/preview", setup.store_id);
    let (status, preview) = post_json(&server, &setup, &path, &json!({"request_id": id})).await;

    assert_eq!(status, 200, "{preview}");
    assert_eq!(preview["test"], true);
    assert_eq!(preview["map_version"], 1);
    assert_eq!(preview["order"]["external_id"], "820982911946154508");
}

async fn presets_are_listed(server: TestServer) {
    let acme = server.create_account("acme", Plan::Soar).await;

    let (status, listed) = get_json(&server, &acme.api_key, "/api/v1/presets").await;

    assert_eq!(status, 200);
    let names: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|preset| preset["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["shopify", "woocommerce", "bigcommerce", "squarespace"]
    );
    assert_eq!(listed[0]["channel"], "Shopify");
    assert!(listed[0]["description"].is_string());
    let (status, problem) = get_json(&server, &acme.api_key, "/api/v1/presets/etsy").await;
    assert_eq!(status, 404);
    assert!(detail(&problem).contains("\"etsy\""), "{problem}");
    assert!(detail(&problem).contains("shopify"), "{problem}");
}

async fn other_account_gets_404(server: TestServer) {
    let setup = setup(&server).await;
    let id = deliver_payload(&server, &setup, "shopify-orders-create.json").await;
    let shopify = preset(&server, &setup.key, "shopify").await;
    assert_eq!(put_map(&server, &setup, &shopify).await.0, 200);
    let other = server.create_account("other", Plan::Soar).await;
    let store = setup.store_id;
    let sample = json!({"request_id": id});
    let preview = json!({"map": shopify, "request_id": id});
    let inline = json!({"body": {"id": 1}});

    let calls = [
        (
            reqwest::Method::GET,
            format!("/api/v1/requests/{id}/elements"),
            Value::Null,
        ),
        (
            reqwest::Method::GET,
            format!("/api/v1/stores/{store}/map"),
            Value::Null,
        ),
        (
            reqwest::Method::PUT,
            format!("/api/v1/stores/{store}/map"),
            shopify.clone(),
        ),
        (
            reqwest::Method::GET,
            format!("/api/v1/stores/{store}/map/versions"),
            Value::Null,
        ),
        (
            reqwest::Method::GET,
            format!("/api/v1/stores/{store}/map/versions/1"),
            Value::Null,
        ),
        (
            reqwest::Method::POST,
            format!("/api/v1/stores/{store}/map/preview"),
            preview,
        ),
        (
            reqwest::Method::POST,
            format!("/api/v1/stores/{store}/map/suggest"),
            sample,
        ),
        (
            reqwest::Method::POST,
            format!("/api/v1/stores/{store}/map/suggest"),
            inline,
        ),
    ];
    for (method, path, body) in calls {
        let (status, problem) =
            send_json(&server, method.clone(), &other.api_key, &path, &body).await;
        assert_eq!(status, 404, "{method} {path}: {problem}");
        assert!(
            detail(&problem).contains("not found"),
            "{method} {path}: {problem}"
        );
    }

    let other_store = server
        .create_store(
            &other.api_key,
            json!({"name": "Other", "security": {"checks": [
                {"type": "header_value", "header": TOKEN_HEADER, "value": TOKEN}]}}),
        )
        .await;
    let path = format!("/api/v1/stores/{}/map/preview", other_store["id"]);
    let foreign_request = json!({"map": shopify, "request_id": id});
    let (status, problem) = send_json(
        &server,
        reqwest::Method::POST,
        &other.api_key,
        &path,
        &foreign_request,
    )
    .await;
    assert_eq!(status, 404, "another account's request: {problem}");
    assert!(detail(&problem).contains(&format!("request {id} not found")));
    assert_eq!(webhook_state(&server, &setup).await, "active");
}

async fn openapi_documents_map_routes(server: TestServer) {
    let response = server.get("/api/openapi.json", None).await;
    assert_eq!(response.status(), 200);
    let document: Value = response.json().await.unwrap();

    let paths = &document["paths"];
    assert!(paths["/api/v1/requests/{id}/elements"]["get"].is_object());
    assert!(paths["/api/v1/stores/{id}/map"]["get"].is_object());
    assert!(paths["/api/v1/stores/{id}/map"]["put"].is_object());
    assert!(paths["/api/v1/stores/{id}/map/versions"]["get"].is_object());
    assert!(paths["/api/v1/stores/{id}/map/versions/{version}"]["get"].is_object());
    assert!(paths["/api/v1/stores/{id}/map/preview"]["post"].is_object());
    assert!(paths["/api/v1/stores/{id}/map/suggest"]["post"].is_object());
    assert!(paths["/api/v1/presets"]["get"].is_object());
    assert!(paths["/api/v1/presets/{name}"]["get"].is_object());
    let schemas = &document["components"]["schemas"];
    for schema in [
        "ElementsOut",
        "MapOut",
        "SavedMapOut",
        "MapVersionOut",
        "PreviewIn",
        "PreviewOut",
        "FieldErrorOut",
        "SuggestIn",
        "SuggestOut",
        "PresetOut",
    ] {
        assert!(schemas[schema].is_object(), "schema {schema}");
    }
}

http_tests!(
    elements_keep_paths_and_ids,
    elements_show_mapped_ones,
    gzip_body_elements,
    form_body_has_no_elements,
    shopify_preset_previews_order,
    preview_needs_one_sample,
    preview_of_inline_body,
    preview_reports_too_many_lines,
    put_saves_versions_and_activates,
    incomplete_map_keeps_capturing,
    disabled_webhook_stays_disabled,
    paused_webhook_stays_capturing,
    demoted_webhook_is_not_paused,
    unknown_map_key_is_rejected,
    map_without_field_is_rejected,
    map_with_a_member_twice_is_rejected,
    map_that_is_not_json,
    thin_bigcommerce_body_is_reported,
    woocommerce_suggests_its_preset,
    unknown_body_gets_proposal,
    test_notification_previews_as_test,
    presets_are_listed,
    other_account_gets_404,
    openapi_documents_map_routes,
);
