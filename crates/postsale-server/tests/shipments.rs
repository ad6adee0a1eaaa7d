//! Shipments over HTTP: status automation, validation, voiding once, and tenant isolation.

mod common;

use common::TestServer;
use postsale_core::{AccountId, OrderId, Plan, StoreId, WebhookState};
use postsale_store::shipments::{self, CreateOnceOutcome, IdempotencyKey, NewShipment};
use postsale_store::webhooks::{self, WebhookPatch};
use postsale_store::{maps, orders};
use serde_json::{Value, json};
use time::{Duration, OffsetDateTime};

const MAP: &str = r#"{
  "version": 1,
  "fields": {
    "order.source": { "value": "cart" },
    "order.number": { "path": "$.number" },
    "order.updated_at": { "path": "$.updated_at" },
    "order.channel_status": { "path": "$.status" },
    "order.status": { "path": "$.status" },
    "charges.total": { "path": "$.total" }
  }
}"#;

/// Creates a store, imports one order through it, and returns (api key, store id, order id).
async fn imported_order(server: &TestServer, store_extra: Value) -> (String, i64, i64) {
    imported_order_of(server, "acme", store_extra).await
}

/// Like [`imported_order`], for a new account of the given name.
async fn imported_order_of(
    server: &TestServer,
    account: &str,
    store_extra: Value,
) -> (String, i64, i64) {
    let acme = server.create_account(account, Plan::Soar).await;
    let mut body = json!({
        "name": "Cart",
        "security": {"checks": [{"type": "header_value", "header": "X-Token", "value": "t0ken-value"}]},
    });
    body.as_object_mut()
        .unwrap()
        .extend(store_extra.as_object().unwrap().clone());
    let store = server.create_store(&acme.api_key, body).await;
    let store_id = store["id"].as_i64().unwrap();
    let db = &server.test_db.db;
    maps::save(db, acme.account.id, StoreId(store_id), MAP)
        .await
        .unwrap();
    let active = WebhookPatch {
        state: Some(WebhookState::Active),
        ..WebhookPatch::default()
    };
    webhooks::update(db, acme.account.id, StoreId(store_id), &active)
        .await
        .unwrap();

    let url = store["webhook"]["url"].as_str().unwrap();
    let answer: Value = server
        .client
        .post(url)
        .header("X-Token", "t0ken-value")
        .header("Content-Type", "application/json")
        .body(r#"{"number":"5001","updated_at":"2025-01-01T00:00:00Z","total":"20.00"}"#)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let request_id = answer["request_id"].as_i64().unwrap();
    for _ in 0..200 {
        let request: Value = server
            .get(
                &format!("/api/v1/requests/{request_id}"),
                Some(&acme.api_key),
            )
            .await
            .json()
            .await
            .unwrap();
        if let Some(order_id) = request["order_id"].as_i64() {
            return (acme.api_key, store_id, order_id);
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!("the order was not imported within 5 s");
}

async fn post_json(server: &TestServer, key: &str, path: &str, body: Value) -> reqwest::Response {
    server
        .client
        .post(server.url(path))
        .bearer_auth(key)
        .json(&body)
        .send()
        .await
        .unwrap()
}

async fn post_with_key(
    server: &TestServer,
    key: &str,
    order_id: i64,
    idempotency_key: &str,
    body: &Value,
) -> reqwest::Response {
    server
        .client
        .post(server.url(&format!("/api/v1/orders/{order_id}/shipments")))
        .bearer_auth(key)
        .header("Idempotency-Key", idempotency_key)
        .json(body)
        .send()
        .await
        .unwrap()
}

async fn shipment_count(server: &TestServer, key: &str, order_id: i64) -> usize {
    let path = format!("/api/v1/orders/{order_id}/shipments");
    let list: Value = server.get(&path, Some(key)).await.json().await.unwrap();
    list.as_array().unwrap().len()
}

async fn order_status(server: &TestServer, key: &str, order_id: i64) -> Value {
    let path = format!("/api/v1/orders/{order_id}");
    let order: Value = server.get(&path, Some(key)).await.json().await.unwrap();
    order["status"].clone()
}

fn label() -> Value {
    json!({"carrier": "usps", "service": "usps_priority_mail", "package": "parcel",
           "tracking_number": "9400100000000000000000", "cost": "7.45",
           "weight": {"value": "12.5", "unit": "oz"}})
}

async fn shipment_marks_order_shipped(server: TestServer) {
    let (key, _, order_id) = imported_order(&server, json!({})).await;

    let response = post_json(
        &server,
        &key,
        &format!("/api/v1/orders/{order_id}/shipments"),
        label(),
    )
    .await;

    assert_eq!(response.status(), 201);
    let shipment: Value = response.json().await.unwrap();
    assert_eq!(shipment["order_status"], "shipped");
    assert_eq!(shipment["cost"], "7.45");
    assert_eq!(shipment["details"]["weight"]["unit"], "oz");
    let order = server
        .get_json(&format!("/api/v1/orders/{order_id}"), Some(&key))
        .await;
    assert_eq!(order["status"], "shipped");
    assert_eq!(
        order["shipments"][0]["tracking_number"],
        "9400100000000000000000"
    );

    // A shipped order is not cancelled by hand, and the 409 names the step that comes first.
    let cancel = put_status(&server, &key, order_id, "cancelled").await;
    assert_eq!(cancel.status(), 409);
    let problem: Value = cancel.json().await.unwrap();
    let detail = problem["detail"].as_str().unwrap();
    assert!(detail.contains("void its shipments first"), "{detail}");
}

async fn void_marks_order_voided_once(server: TestServer) {
    let (key, _, order_id) = imported_order(&server, json!({})).await;
    let shipment: Value = post_json(
        &server,
        &key,
        &format!("/api/v1/orders/{order_id}/shipments"),
        label(),
    )
    .await
    .json()
    .await
    .unwrap();
    let void_path = format!("/api/v1/shipments/{}/void", shipment["id"]);

    let first = post_json(&server, &key, &void_path, json!({})).await;
    let second = post_json(&server, &key, &void_path, json!({})).await;

    assert_eq!(first.status(), 200);
    let voided: Value = first.json().await.unwrap();
    assert_eq!(voided["voided"], true);
    assert_eq!(voided["order_status"], "voided");
    assert_eq!(second.status(), 409);
    let problem: Value = second.json().await.unwrap();
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains("already voided")
    );
}

async fn void_keeps_status_while_one_is_active(server: TestServer) {
    let (key, _, order_id) = imported_order(&server, json!({})).await;
    let path = format!("/api/v1/orders/{order_id}/shipments");
    let mut ids = Vec::new();
    for _ in 0..2 {
        let response = post_json(&server, &key, &path, label()).await;
        assert_eq!(response.status(), 201);
        let shipment: Value = response.json().await.unwrap();
        ids.push(shipment["id"].clone());
    }

    let first = post_json(
        &server,
        &key,
        &format!("/api/v1/shipments/{}/void", ids[0]),
        json!({}),
    )
    .await;
    assert_eq!(first.status(), 200);
    let first: Value = first.json().await.unwrap();
    assert_eq!(
        first["order_status"], "shipped",
        "one shipment is still active"
    );
    assert_eq!(order_status(&server, &key, order_id).await, "shipped");

    let second = post_json(
        &server,
        &key,
        &format!("/api/v1/shipments/{}/void", ids[1]),
        json!({}),
    )
    .await;
    assert_eq!(second.status(), 200);
    let second: Value = second.json().await.unwrap();
    assert_eq!(
        second["order_status"], "voided",
        "no active shipment is left"
    );
    assert_eq!(order_status(&server, &key, order_id).await, "voided");
}

async fn parallel_voids_leave_order_voided(server: TestServer) {
    let (key, _, order_id) = imported_order(&server, json!({})).await;
    let path = format!("/api/v1/orders/{order_id}/shipments");
    let mut void_paths = Vec::new();
    for _ in 0..2 {
        let shipment: Value = post_json(&server, &key, &path, label())
            .await
            .json()
            .await
            .unwrap();
        void_paths.push(format!("/api/v1/shipments/{}/void", shipment["id"]));
    }

    let (first, second) = tokio::join!(
        post_json(&server, &key, &void_paths[0], json!({})),
        post_json(&server, &key, &void_paths[1], json!({})),
    );

    assert_eq!(first.status(), 200);
    assert_eq!(second.status(), 200);
    assert_eq!(
        order_status(&server, &key, order_id).await,
        "voided",
        "the later void sees that no shipment is active"
    );
}

async fn idempotency_key_creates_once(server: TestServer) {
    let (key, _, order_id) = imported_order(&server, json!({})).await;
    let body = label();

    let (first, second) = tokio::join!(
        post_with_key(&server, &key, order_id, "label-5001", &body),
        post_with_key(&server, &key, order_id, "label-5001", &body),
    );
    let later = post_with_key(&server, &key, order_id, "label-5001", &body).await;

    assert_eq!(shipment_count(&server, &key, order_id).await, 1);
    assert_eq!(first.status(), 201);
    assert_eq!(second.status(), 201);
    assert_eq!(later.status(), 201);
    let replayed = later.headers().get("idempotent-replayed");
    assert_eq!(replayed.map(|value| value.as_bytes()), Some(&b"true"[..]));
    let first: Value = first.json().await.unwrap();
    let second: Value = second.json().await.unwrap();
    let later: Value = later.json().await.unwrap();
    assert_eq!(first, second, "parallel requests get one response");
    assert_eq!(first, later, "a retry gets the first response");

    // Member order and spacing do not make another request.
    let reordered = r#"{"weight": {"unit": "oz", "value": "12.5"}, "cost": "7.45",
        "tracking_number": "9400100000000000000000", "package": "parcel",
        "service": "usps_priority_mail", "carrier": "usps"}"#;
    let same = server
        .client
        .post(server.url(&format!("/api/v1/orders/{order_id}/shipments")))
        .bearer_auth(&key)
        .header("Idempotency-Key", "label-5001")
        .header("Content-Type", "application/json")
        .body(reordered)
        .send()
        .await
        .unwrap();
    assert_eq!(same.status(), 201);
    assert_eq!(same.json::<Value>().await.unwrap(), first);
    assert_eq!(shipment_count(&server, &key, order_id).await, 1);
}

async fn idempotency_key_reused_for_other_body(server: TestServer) {
    let (key, _, order_id) = imported_order(&server, json!({})).await;
    let first = post_with_key(&server, &key, order_id, "label-x", &label()).await;
    assert_eq!(first.status(), 201);
    let mut other = label();
    other["tracking_number"] = json!("9400100000000000000099");

    let reused = post_with_key(&server, &key, order_id, "label-x", &other).await;

    assert_eq!(reused.status(), 422);
    let problem: Value = reused.json().await.unwrap();
    let detail = problem["detail"].as_str().unwrap();
    assert!(detail.contains("\"label-x\""), "names the key: {detail}");
    assert_eq!(shipment_count(&server, &key, order_id).await, 1);
}

async fn idempotency_keys_are_per_account(server: TestServer) {
    let (acme, _, acme_order) = imported_order_of(&server, "acme", json!({})).await;
    let (globex, _, globex_order) = imported_order_of(&server, "globex", json!({})).await;

    let first = post_with_key(&server, &acme, acme_order, "shared-key", &label()).await;
    let second = post_with_key(&server, &globex, globex_order, "shared-key", &label()).await;

    assert_eq!(first.status(), 201);
    assert_eq!(second.status(), 201, "another account's key does not clash");
    let first: Value = first.json().await.unwrap();
    let second: Value = second.json().await.unwrap();
    assert_ne!(first["id"], second["id"]);
    assert_eq!(second["order_id"], globex_order);
}

async fn idempotency_key_lasts_a_day(server: TestServer) {
    let (key, _, order_id) = imported_order(&server, json!({})).await;
    let first = post_with_key(&server, &key, order_id, "daily", &label()).await;
    assert_eq!(first.status(), 201);
    let first: Value = first.json().await.unwrap();
    let responded_at = OffsetDateTime::now_utc();
    let account = server.get_json("/api/v1/account", Some(&key)).await;
    let account = AccountId(account["id"].as_i64().unwrap());
    let db = &server.test_db.db;

    let almost_a_day = responded_at + Duration::hours(24) - Duration::minutes(1);
    let stored = shipments::stored_response(db, account, "daily", almost_a_day)
        .await
        .unwrap();
    let stored = stored.expect("the key is stored for 24 hours");
    assert_eq!(serde_json::from_str::<Value>(&stored.body).unwrap(), first);
    let a_day_later = responded_at + Duration::hours(24);
    let expired = shipments::stored_response(db, account, "daily", a_day_later)
        .await
        .unwrap();
    assert!(expired.is_none(), "the key expires after 24 hours");

    let new = NewShipment {
        carrier: "usps".into(),
        service: "usps_priority_mail".into(),
        package: None,
        tracking_number: None,
        ship_date: None,
        cost: None,
        document: "{}".into(),
    };
    let reused = IdempotencyKey {
        key: "daily",
        fingerprint: &stored.fingerprint,
    };
    let outcome = shipments::create_once(
        db,
        account,
        OrderId(order_id),
        &new,
        None,
        &reused,
        a_day_later,
        |shipment| Ok((201, json!({"id": shipment.id.get()}).to_string())),
    )
    .await
    .unwrap();
    assert!(
        matches!(outcome, CreateOnceOutcome::Created { .. }),
        "an expired key is used again: {outcome:?}"
    );
    assert_eq!(shipment_count(&server, &key, order_id).await, 2);
}

async fn concurrent_keyed_creates_make_one(server: TestServer) {
    let (key, _, order_id) = imported_order(&server, json!({})).await;
    let account = server.get_json("/api/v1/account", Some(&key)).await;
    let account = AccountId(account["id"].as_i64().unwrap());
    let new = NewShipment {
        carrier: "usps".into(),
        service: "usps_priority_mail".into(),
        package: None,
        tracking_number: Some("9400100000000000000001".into()),
        ship_date: None,
        cost: None,
        document: "{}".into(),
    };

    // Straight to the store, past the handler's first look-up, so that only the key's
    // unique index can keep the requests apart.
    let mut attempts = tokio::task::JoinSet::new();
    for _ in 0..6 {
        let db = server.test_db.db.clone();
        let new = new.clone();
        attempts.spawn(async move {
            let key = IdempotencyKey {
                key: "race",
                fingerprint: "same-request",
            };
            let respond = |shipment: &shipments::Shipment| {
                Ok((201, json!({"id": shipment.id.get()}).to_string()))
            };
            let order = OrderId(order_id);
            let now = OffsetDateTime::now_utc();
            shipments::create_once(&db, account, order, &new, None, &key, now, respond).await
        });
    }
    let outcomes = attempts.join_all().await;

    let mut created = Vec::new();
    let mut repeated = Vec::new();
    for outcome in outcomes {
        match outcome.unwrap() {
            CreateOnceOutcome::Created { response, .. } => created.push(response),
            CreateOnceOutcome::KeyUsed(response) => repeated.push(response),
        }
    }
    assert_eq!(created.len(), 1, "one request creates");
    assert_eq!(repeated.len(), 5);
    assert!(repeated.iter().all(|response| *response == created[0]));
    assert_eq!(shipment_count(&server, &key, order_id).await, 1);
}

async fn openapi_documents_idempotency_key(server: TestServer) {
    let document = server.get_json("/api/openapi.json", None).await;

    let create = &document["paths"]["/api/v1/orders/{id}/shipments"]["post"];
    let parameters = create["parameters"].as_array().unwrap();
    let key = parameters
        .iter()
        .find(|parameter| parameter["name"] == "Idempotency-Key")
        .expect("an Idempotency-Key parameter");
    assert_eq!(key["in"], "header");
    assert_eq!(key["required"], false);
    let description = key["description"].as_str().unwrap();
    assert!(description.contains("24 hours"), "{description}");
    let replayed = &create["responses"]["201"]["headers"]["Idempotent-Replayed"];
    assert!(replayed.is_object(), "{create}");
    assert!(create["responses"]["400"].is_object());
    assert!(create["responses"]["422"].is_object());
}

async fn invalid_idempotency_key_is_rejected(server: TestServer) {
    let (key, _, order_id) = imported_order(&server, json!({})).await;
    let too_long = "k".repeat(256);

    for bad in ["", too_long.as_str(), "two words"] {
        let response = post_with_key(&server, &key, order_id, bad, &label()).await;
        assert_eq!(response.status(), 400, "{bad:?}");
        let problem: Value = response.json().await.unwrap();
        let detail = problem["detail"].as_str().unwrap();
        assert!(detail.contains("Idempotency-Key"), "{detail}");
    }
    assert_eq!(shipment_count(&server, &key, order_id).await, 0);
}

/// Imports an order through a store whose automation is off, records one shipment of it, and
/// returns (api key, order id, the shipment as created).
async fn shipped_without_automation(server: &TestServer) -> (String, i64, Value) {
    let automation = json!({"automation": {"status_on_import": null, "set_shipped": false, "set_voided": false}});
    let (key, _, order_id) = imported_order(server, automation).await;
    let shipment: Value = post_json(
        server,
        &key,
        &format!("/api/v1/orders/{order_id}/shipments"),
        label(),
    )
    .await
    .json()
    .await
    .unwrap();
    (key, order_id, shipment)
}

async fn automation_off_keeps_status(server: TestServer) {
    let (key, order_id, shipment) = shipped_without_automation(&server).await;

    assert!(shipment["order_status"].is_null(), "{shipment}");
    let order = server
        .get_json(&format!("/api/v1/orders/{order_id}"), Some(&key))
        .await;
    assert!(
        order["status"].is_null(),
        "blank on import and after the shipment"
    );
}

/// Checks that a cost is plain digits with at most four decimal places, stored with at least
/// two, and that weight and dimensions name a member that is unknown or missing.
async fn costs_and_measures_are_read_strictly(server: TestServer) {
    let (key, _, order_id) = imported_order(&server, json!({})).await;
    let path = format!("/api/v1/orders/{order_id}/shipments");
    let with = |member: &str, value: Value| {
        let mut body = json!({"carrier": "usps", "service": "usps_priority_mail"});
        body[member] = value;
        body
    };

    for cost in [
        "1e2",
        "+5",
        "7.",
        ".5",
        "1,000.00",
        "NaN",
        "1234567890123",
        "-0",
        "7.12345",
        "2.99999999999999999999999999999",
    ] {
        let response = post_json(&server, &key, &path, with("cost", json!(cost))).await;
        assert_eq!(response.status(), 422, "{cost}");
        let problem: Value = response.json().await.unwrap();
        assert_eq!(problem["field"], "cost", "{problem}");
        assert!(
            problem["detail"]
                .as_str()
                .unwrap()
                .contains(&format!("{cost:?}")),
            "{problem}"
        );
    }
    let response = post_json(&server, &key, &path, with("cost", json!(7.45))).await;
    assert_eq!(response.status(), 422);
    let problem: Value = response.json().await.unwrap();
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .starts_with("invalid cost 7.45: send the amount as a string, such as \"7.45\""),
        "{problem}"
    );
    for (member, value, field) in [
        (
            "weight",
            json!({"value": "1", "unit": "oz", "grams": "3"}),
            "weight.grams",
        ),
        ("weight", json!({"unit": "oz"}), "weight.value"),
        ("weight", json!({"value": "1"}), "weight.unit"),
        (
            "dimensions",
            json!({"length": "1", "width": "2", "unit": "in"}),
            "dimensions.height",
        ),
    ] {
        let response = post_json(&server, &key, &path, with(member, value)).await;
        assert_eq!(response.status(), 422);
        let problem: Value = response.json().await.unwrap();
        assert_eq!(problem["field"], field, "{problem}");
    }
    assert_eq!(shipment_count(&server, &key, order_id).await, 0);

    for (cost, stored) in [(" 7.45 ", "7.45"), ("7", "7.00"), ("1.2340", "1.234")] {
        let response = post_json(&server, &key, &path, with("cost", json!(cost))).await;
        assert_eq!(response.status(), 201, "{cost}");
        let shipment: Value = response.json().await.unwrap();
        assert_eq!(shipment["cost"], stored, "{shipment}");
    }
}

async fn unknown_codes_are_rejected(server: TestServer) {
    let (key, _, order_id) = imported_order(&server, json!({})).await;
    let path = format!("/api/v1/orders/{order_id}/shipments");

    let bad_carrier = post_json(
        &server,
        &key,
        &path,
        json!({"carrier": "pigeon", "service": "x"}),
    )
    .await;
    let wrong_service = post_json(
        &server,
        &key,
        &path,
        json!({"carrier": "ups", "service": "usps_priority_mail"}),
    )
    .await;
    let bad_cost = post_json(
        &server,
        &key,
        &path,
        json!({"carrier": "usps", "service": "usps_priority_mail", "cost": "-1"}),
    )
    .await;
    let bad_unit = post_json(&server, &key, &path, json!({"carrier": "usps", "service": "usps_priority_mail", "weight": {"value": "1", "unit": "stone"}})).await;

    for (response, needle) in [
        (bad_carrier, "invalid carrier \"pigeon\""),
        (wrong_service, "invalid service \"usps_priority_mail\""),
        (bad_cost, "cannot be negative"),
        (bad_unit, "invalid weight.unit"),
    ] {
        assert_eq!(response.status(), 422);
        let problem: Value = response.json().await.unwrap();
        assert!(
            problem["detail"].as_str().unwrap().contains(needle),
            "{problem}"
        );
    }
}

/// Checks that a shipment's tracking number, ship date and measures are refused when no
/// label could carry them, each with the member named.
async fn implausible_shipment_values_are_rejected(server: TestServer) {
    let (key, _, order_id) = imported_order(&server, json!({})).await;
    let path = format!("/api/v1/orders/{order_id}/shipments");
    let with = |member: &str, value: Value| {
        let mut body = label();
        body[member] = value;
        body
    };
    let cases = [
        (
            with("tracking_number", json!("x".repeat(101))),
            "tracking_number",
            "101 characters",
        ),
        (
            with("tracking_number", json!("94001\r\nX-Injected: 1")),
            "tracking_number",
            "U+000D",
        ),
        (
            with("ship_date", json!("9999-12-31")),
            "ship_date",
            "from 2000-01-01 to",
        ),
        (
            with("ship_date", json!("1900-01-01")),
            "ship_date",
            "from 2000-01-01 to",
        ),
        (
            with(
                "dimensions",
                json!({"length": "0", "width": "0", "height": "0", "unit": "in"}),
            ),
            "dimensions.length",
            "greater than 0",
        ),
        (
            with("weight", json!({"value": "0", "unit": "oz"})),
            "weight.value",
            "greater than 0",
        ),
    ];
    for (body, field, needle) in cases {
        let response = post_json(&server, &key, &path, body).await;

        assert_eq!(response.status(), 422, "{field}");
        let problem: Value = response.json().await.unwrap();
        assert_eq!(problem["field"], field, "{problem}");
        assert!(
            problem["detail"].as_str().unwrap().contains(needle),
            "{problem}"
        );
    }
    assert_eq!(shipment_count(&server, &key, order_id).await, 0);

    let today = OffsetDateTime::now_utc().date().to_string();
    let body = with("ship_date", json!(today));
    assert_eq!(post_json(&server, &key, &path, body).await.status(), 201);
}

async fn cancelled_order_gets_no_shipment(server: TestServer) {
    let (key, _, order_id) = imported_order(&server, json!({})).await;
    let response = server
        .client
        .put(server.url(&format!("/api/v1/orders/{order_id}/status")))
        .bearer_auth(&key)
        .json(&json!({"status": "cancelled"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);

    let response = post_json(
        &server,
        &key,
        &format!("/api/v1/orders/{order_id}/shipments"),
        label(),
    )
    .await;

    assert_eq!(response.status(), 409);
}

async fn put_status(
    server: &TestServer,
    key: &str,
    order_id: i64,
    status: &str,
) -> reqwest::Response {
    server
        .client
        .put(server.url(&format!("/api/v1/orders/{order_id}/status")))
        .bearer_auth(key)
        .json(&json!({"status": status}))
        .send()
        .await
        .unwrap()
}

/// Sends a shipment and a cancel together. The status is checked in the transaction that
/// writes, so one of them is refused and the order ends as the other left it.
async fn shipment_and_cancel_at_once_one_wins(server: TestServer) {
    for round in 0..8 {
        let (key, _, order_id) =
            imported_order_of(&server, &format!("race{round}"), json!({})).await;
        let path = format!("/api/v1/orders/{order_id}/shipments");

        let (ship, cancel) = tokio::join!(
            post_json(&server, &key, &path, label()),
            put_status(&server, &key, order_id, "cancelled"),
        );

        let outcome = (ship.status().as_u16(), cancel.status().as_u16());
        let cancel: Value = cancel.json().await.unwrap();
        let status = order_status(&server, &key, order_id).await;
        let shipments = shipment_count(&server, &key, order_id).await;
        match outcome {
            (201, 409) => {
                assert_eq!((status.as_str(), shipments), (Some("shipped"), 1));
                let detail = cancel["detail"].as_str().unwrap();
                assert!(detail.contains("void its shipments first"), "{detail}");
            }
            (409, 200) => assert_eq!((status.as_str(), shipments), (Some("cancelled"), 0)),
            other => panic!("round {round}: shipment and cancel answered {other:?}"),
        }
    }
}

/// Without automation a shipment leaves the status as it was, and a cancel of the order
/// must wait until the shipment is voided.
async fn cancel_waits_for_void(server: TestServer) {
    let (key, order_id, shipment) = shipped_without_automation(&server).await;

    let rejected = put_status(&server, &key, order_id, "cancelled").await;
    assert_eq!(rejected.status(), 409);
    let problem: Value = rejected.json().await.unwrap();
    let detail = problem["detail"].as_str().unwrap();
    assert!(
        detail.contains("has a shipment that is not voided") && detail.contains("void"),
        "{detail}"
    );

    let void = format!("/api/v1/shipments/{}/void", shipment["id"]);
    assert_eq!(
        post_json(&server, &key, &void, json!({})).await.status(),
        200
    );
    let cancelled = put_status(&server, &key, order_id, "cancelled").await;
    assert_eq!(cancelled.status(), 200);
    assert_eq!(order_status(&server, &key, order_id).await, "cancelled");
}

/// Checks that a shipment's own Ship From passes the same checks as the store's address, and
/// is stored in the same form.
async fn ship_from_is_checked_as_an_address(server: TestServer) {
    let (key, _, order_id) = imported_order(&server, json!({})).await;
    let path = format!("/api/v1/orders/{order_id}/shipments");
    for (ship_from, field) in [
        (
            json!({"name": "x", "country": "Narnia"}),
            "ship_from.country",
        ),
        (json!({"foo": "bar"}), "ship_from.foo"),
        (json!({}), "ship_from"),
        (json!({"name": "  ", "city": null}), "ship_from"),
        (json!("Dock 4, Austin"), "ship_from"),
    ] {
        let mut body = label();
        body["ship_from"] = ship_from;

        let response = post_json(&server, &key, &path, body).await;

        assert_eq!(response.status(), 422);
        let problem: Value = response.json().await.unwrap();
        assert_eq!(problem["field"], field, "{problem}");
        assert!(
            problem["detail"].as_str().unwrap().contains("ship_from"),
            "{problem}"
        );
    }
    assert_eq!(shipment_count(&server, &key, order_id).await, 0);

    let mut body = label();
    body["ship_from"] =
        json!({"name": " Dock 4 ", "city": "Austin", "state": "Texas", "country": "United States"});
    let created: Value = post_json(&server, &key, &path, body)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        created["details"]["ship_from"],
        json!({"name": "Dock 4", "city": "Austin", "state": "TX", "country": "US"}),
        "{created}"
    );
}

/// Checks that voiding the label of a cancelled order leaves it cancelled. The channel can
/// cancel an order that has a label, and the void automation must not turn that into voided.
async fn void_keeps_a_cancelled_order_cancelled(server: TestServer) {
    let (key, _, order_id) = imported_order(&server, json!({})).await;
    let path = format!("/api/v1/orders/{order_id}/shipments");
    let shipment: Value = post_json(&server, &key, &path, label())
        .await
        .json()
        .await
        .unwrap();
    // As an import of the channel's cancellation does, past the checks of a change by hand.
    let account = AccountId(shipment_account(&server, &key).await);
    orders::set_status(
        &server.test_db.db,
        account,
        OrderId(order_id),
        Some(postsale_core::OrderStatus::Cancelled),
        |_, _| None,
    )
    .await
    .unwrap();

    let void = format!("/api/v1/shipments/{}/void", shipment["id"]);
    let voided: Value = post_json(&server, &key, &void, json!({}))
        .await
        .json()
        .await
        .unwrap();

    assert_eq!(voided["order_status"], "cancelled", "{voided}");
    assert_eq!(order_status(&server, &key, order_id).await, "cancelled");
}

/// Checks that an import of the channel's cancellation cancels an order with an active label
/// and warns about the label, which stays for the merchant to void. The order stays open after
/// its label only when the store does not set shipped.
async fn channel_cancellation_warns_of_active_labels(server: TestServer) {
    let automation =
        json!({"automation": {"status_on_import": null, "set_shipped": false, "set_voided": true}});
    let (key, store_id, order_id) = imported_order(&server, automation).await;
    let path = format!("/api/v1/orders/{order_id}/shipments");
    assert_eq!(post_json(&server, &key, &path, label()).await.status(), 201);
    let store = server
        .get_json(&format!("/api/v1/stores/{store_id}"), Some(&key))
        .await;

    let answer: Value = server
        .client
        .post(store["webhook"]["url"].as_str().unwrap())
        .header("X-Token", "t0ken-value")
        .header("Content-Type", "application/json")
        .body(
            r#"{"number":"5001","updated_at":"2025-01-02T00:00:00Z","total":"20.00",
                "status":"cancelled"}"#,
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let request = wait_for_outcome(&server, &key, answer["request_id"].as_i64().unwrap()).await;

    assert_eq!(request["outcome"], "updated", "{request}");
    let warnings = request["outcome_detail"]["warnings"].as_array().unwrap();
    assert!(
        warnings.iter().any(|warning| warning["message"]
            .as_str()
            .unwrap()
            .contains("1 shipping label not voided")),
        "{request}"
    );
    assert_eq!(order_status(&server, &key, order_id).await, "cancelled");
    assert_eq!(shipment_count(&server, &key, order_id).await, 1);
}

/// Waits until the import worker wrote an outcome on the request, and returns the request.
async fn wait_for_outcome(server: &TestServer, key: &str, request_id: i64) -> Value {
    for _ in 0..200 {
        let request = server
            .get_json(&format!("/api/v1/requests/{request_id}"), Some(key))
            .await;
        if !request["outcome"].is_null() {
            return request;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!("request {request_id} was not imported within 5 s");
}

async fn shipment_account(server: &TestServer, key: &str) -> i64 {
    let account = server.get_json("/api/v1/account", Some(key)).await;
    account["id"].as_i64().unwrap()
}

async fn ship_from_defaults_to_store_address(server: TestServer) {
    let address = json!({"name": "Acme Warehouse", "street1": "1 Dock Rd", "city": "Austin",
                         "state": "TX", "postal_code": "78701", "country": "US"});
    let (key, _, order_id) = imported_order(
        &server,
        json!({"address": address, "ship_from_store_address": true}),
    )
    .await;

    let shipment: Value = post_json(
        &server,
        &key,
        &format!("/api/v1/orders/{order_id}/shipments"),
        label(),
    )
    .await
    .json()
    .await
    .unwrap();

    assert_eq!(shipment["details"]["ship_from"]["name"], "Acme Warehouse");
}

async fn ship_from_follows_store_setting(server: TestServer) {
    let store_address = json!({"name": "Store Front", "street1": "5 Main St", "city": "Austin",
                               "state": "TX", "postal_code": "78701", "country": "US"});
    let (key, store_id, order_id) =
        imported_order(&server, json!({"address": store_address})).await;
    let account_address = json!({"name": "Acme Warehouse", "street1": "1 Dock Rd",
                                 "city": "Dallas", "state": "TX", "postal_code": "75201",
                                 "country": "US"});
    let saved = server
        .client
        .put(server.url("/api/v1/account/ship-from"))
        .bearer_auth(&key)
        .json(&json!({"address": account_address}))
        .send()
        .await
        .unwrap();
    assert_eq!(saved.status(), 200);
    let shipments_path = format!("/api/v1/orders/{order_id}/shipments");

    let from_account = post_json(&server, &key, &shipments_path, label()).await;
    assert_eq!(from_account.status(), 201);
    let from_account: Value = from_account.json().await.unwrap();
    let patched = server
        .client
        .patch(server.url(&format!("/api/v1/stores/{store_id}")))
        .bearer_auth(&key)
        .json(&json!({"ship_from_store_address": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(patched.status(), 200);
    let from_store = post_json(&server, &key, &shipments_path, label()).await;
    assert_eq!(from_store.status(), 201);
    let from_store: Value = from_store.json().await.unwrap();

    assert_eq!(
        from_account["details"]["ship_from"]["name"],
        "Acme Warehouse"
    );
    assert_eq!(from_account["details"]["ship_from"]["city"], "Dallas");
    assert_eq!(from_store["details"]["ship_from"]["name"], "Store Front");
    assert_eq!(from_store["details"]["ship_from"]["city"], "Austin");
}

async fn shipments_are_isolated(server: TestServer) {
    let (key, _, order_id) = imported_order(&server, json!({})).await;
    let shipment: Value = post_json(
        &server,
        &key,
        &format!("/api/v1/orders/{order_id}/shipments"),
        label(),
    )
    .await
    .json()
    .await
    .unwrap();
    let other = server.create_account("other", Plan::Soar).await;

    let create = post_json(
        &server,
        &other.api_key,
        &format!("/api/v1/orders/{order_id}/shipments"),
        label(),
    )
    .await;
    let void = post_json(
        &server,
        &other.api_key,
        &format!("/api/v1/shipments/{}/void", shipment["id"]),
        json!({}),
    )
    .await;
    let list = server
        .get(
            &format!("/api/v1/orders/{order_id}/shipments"),
            Some(&other.api_key),
        )
        .await;

    assert_eq!(create.status(), 404);
    assert_eq!(void.status(), 404);
    assert_eq!(list.status(), 404);
    let stored = orders::get(
        &server.test_db.db,
        postsale_core::AccountId(1),
        postsale_core::OrderId(order_id),
    )
    .await;
    assert!(stored.unwrap().is_some());
}

http_tests!(
    shipment_marks_order_shipped,
    void_marks_order_voided_once,
    void_keeps_status_while_one_is_active,
    parallel_voids_leave_order_voided,
    idempotency_key_creates_once,
    idempotency_key_reused_for_other_body,
    idempotency_keys_are_per_account,
    idempotency_key_lasts_a_day,
    concurrent_keyed_creates_make_one,
    invalid_idempotency_key_is_rejected,
    openapi_documents_idempotency_key,
    automation_off_keeps_status,
    unknown_codes_are_rejected,
    implausible_shipment_values_are_rejected,
    cancelled_order_gets_no_shipment,
    shipment_and_cancel_at_once_one_wins,
    cancel_waits_for_void,
    void_keeps_a_cancelled_order_cancelled,
    ship_from_is_checked_as_an_address,
    channel_cancellation_warns_of_active_labels,
    costs_and_measures_are_read_strictly,
    ship_from_defaults_to_store_address,
    ship_from_follows_store_setting,
    shipments_are_isolated,
);
