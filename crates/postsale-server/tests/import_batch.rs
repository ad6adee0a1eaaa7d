//! The import worker's batches, driven directly on both databases. The tests cover several
//! requests for one order in one transaction, duplicates, stale and closed orders inside a
//! batch, line rows that follow the order's document, and replays. They also cover the cap on
//! lines per order and batches split by lines and by body bytes.

use postsale_core::{AccountId, OrderId, OrderStatus, Plan, RequestId, StoreId, WebhookId};
use postsale_core::{WebhookState, order::Order};
use postsale_server::worker::{self, Outcome};
use postsale_store::accounts::{self, NewAccount};
use postsale_store::body::StoredBody;
use postsale_store::requests::{self, ImportState, NewRequest};
use postsale_store::stores::{self, Automation, NewStore};
use postsale_store::testing::{self, LineRow};
use postsale_store::webhooks::{self, NewWebhook, WebhookPatch};
use postsale_store::{Database, imports, maps, orders, storage_tests};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

/// A cart map with lines, the channel's status, and a value map that turns the channel's
/// `cancelled` into the local `cancelled`.
const MAP: &str = r#"{
  "version": 1,
  "fields": {
    "order.source": { "value": "cart" },
    "order.number": { "path": "$.number" },
    "order.updated_at": { "path": "$.updated_at" },
    "order.channel_status": { "path": "$.status" },
    "order.status": { "path": "$.status", "value_map": { "cancelled": "cancelled", "*": "" } },
    "charges.total": { "path": "$.total" }
  },
  "items": {
    "path": "$.lines[*]",
    "fields": {
      "items.sku": { "path": "@.sku" },
      "items.name": { "path": "@.name" },
      "items.quantity": { "path": "@.quantity" },
      "items.unit_price": { "path": "@.price" }
    }
  }
}"#;

/// The account, store and active webhook that the kept requests belong to.
#[derive(Clone, Copy)]
struct Shop {
    account: AccountId,
    store: StoreId,
    webhook: WebhookId,
}

async fn open_shop(db: &Database) -> Shop {
    let account = NewAccount {
        name: "batch".into(),
        plan: Plan::Soar,
        email: "ops@batch.example".into(),
    };
    let account = accounts::create(db, &account).await.unwrap();
    let store = NewStore {
        name: "Cart".into(),
        address: None,
        time_zone: "UTC".into(),
        automation: Automation::default(),
        ship_from_store_address: false,
    };
    // The import never reads the security configuration.
    let webhook = NewWebhook {
        token: webhooks::new_token(),
        security: "sealed".into(),
        state: WebhookState::Capturing,
        delivery_id_header: None,
        rate_limit_per_minute: None,
    };
    let (store, webhook) = stores::create(db, account.id, &store, &webhook)
        .await
        .unwrap();
    maps::save(db, account.id, store.id, MAP).await.unwrap();
    let active = WebhookPatch {
        state: Some(WebhookState::Active),
        ..WebhookPatch::default()
    };
    webhooks::update(db, account.id, store.id, &active)
        .await
        .unwrap();
    Shop {
        account: account.id,
        store: store.id,
        webhook: webhook.id,
    }
}

/// Builds a cart order body. Each line is (sku, quantity, unit price).
fn cart_order(number: &str, updated_at: &str, status: &str, lines: &[(&str, u32, &str)]) -> Value {
    let lines: Vec<Value> = lines
        .iter()
        .map(|(sku, quantity, price)| {
            json!({"sku": sku, "name": format!("Item {sku}"), "quantity": quantity, "price": price})
        })
        .collect();
    json!({
        "number": number,
        "updated_at": updated_at,
        "status": status,
        "total": "10.00",
        "lines": lines,
    })
}

/// Keeps one pending request per (delivery id, body), in the order given.
async fn keep(db: &Database, shop: Shop, deliveries: &[(&str, &Value)]) -> Vec<RequestId> {
    let batch: Vec<NewRequest> = deliveries
        .iter()
        .map(|(delivery, body)| pending_request(shop, delivery, serde_json::to_vec(body).unwrap()))
        .collect();
    requests::insert_batch(db, &batch).await.unwrap()
}

fn pending_request(shop: Shop, delivery: &str, body: Vec<u8>) -> NewRequest {
    let headers = json!([
        ["content-type", "application/json"],
        ["x-delivery-id", delivery]
    ]);
    NewRequest {
        account_id: shop.account,
        store_id: shop.store,
        webhook_id: shop.webhook,
        received_at: OffsetDateTime::now_utc(),
        method: "POST".into(),
        path: "/hooks/batch".into(),
        query: None,
        headers: headers.to_string(),
        remote_addr: "127.0.0.1".into(),
        content_type: Some("application/json".into()),
        body_size: i64::try_from(body.len()).unwrap(),
        body_sha256: hex::encode(Sha256::digest(&body)),
        body: Some(StoredBody::compress(&body)),
        body_kind: "json".into(),
        delivery_id: Some(delivery.to_owned()),
        status_code: 200,
        reason_code: None,
        diagnosis: None,
        import_state: ImportState::Pending,
    }
}

/// Runs the worker's claim-and-import loop until no work is left. Returns the outcomes of
/// each committed batch.
async fn import_pending(db: &Database) -> Vec<Vec<(RequestId, Outcome)>> {
    let mut batches = Vec::new();
    while let Some(batch) = imports::claim_pending(db, "test", worker::CLAIM_LIMITS)
        .await
        .unwrap()
    {
        let report = worker::import_batch(batch).await.unwrap();
        batches.push(report.outcomes);
    }
    batches
}

fn outcome_names(batch: &[(RequestId, Outcome)]) -> Vec<&'static str> {
    batch.iter().map(|(_, outcome)| outcome.name()).collect()
}

fn skip_reason(outcome: &Outcome) -> Option<&'static str> {
    match outcome {
        Outcome::Skipped { reason, .. } => Some(reason),
        _ => None,
    }
}

/// Returns the message of a skipped outcome.
fn skip_message(outcome: &Outcome) -> String {
    match outcome {
        Outcome::Skipped { detail, .. } => detail["message"].as_str().unwrap_or("").to_owned(),
        other => panic!("expected a skipped outcome, got {other:?}"),
    }
}

async fn stored_order(
    db: &Database,
    shop: Shop,
    number: &str,
) -> (OrderId, Option<OrderStatus>, Order) {
    let stored = orders::find(db, shop.account, "cart", number)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("order {number} was not stored"));
    (stored.id, stored.status, stored.order)
}

/// Asserts that the order's line rows match the lines of its stored document exactly.
async fn assert_lines_match(db: &Database, order_id: OrderId, order: &Order) -> Vec<LineRow> {
    let rows = testing::order_lines(db, order_id.get()).await;
    assert_eq!(
        rows.len(),
        order.lines.len(),
        "line rows of order {order_id:?}"
    );
    for (position, (row, line)) in rows.iter().zip(&order.lines).enumerate() {
        assert_eq!(row.position, position as i64);
        assert_eq!(row.sku, line.sku, "sku at {position}");
        assert_eq!(row.name, line.name, "name at {position}");
        assert_eq!(
            row.quantity,
            i64::from(line.quantity),
            "quantity at {position}"
        );
        let price = line.unit_price.map(|price| price.to_string());
        assert_eq!(row.unit_price, price, "unit price at {position}");
        let total = line.line_total.map(|total| total.to_string());
        assert_eq!(row.line_total, total, "line total at {position}");
    }
    rows
}

async fn stored_outcome(db: &Database, shop: Shop, request: RequestId) -> (String, Value) {
    let kept = requests::get(db, shop.account, request)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(kept.import_state, ImportState::Done, "request {request:?}");
    let detail = serde_json::from_str(kept.outcome_detail.as_deref().unwrap()).unwrap();
    (kept.outcome.unwrap(), detail)
}

async fn created_and_updated_in_one_batch(db: &Database) {
    let shop = open_shop(db).await;
    let first = cart_order(
        "100",
        "2026-03-01T10:00:00Z",
        "paid",
        &[("A", 1, "10.00"), ("B", 2, "5.00")],
    );
    let other = cart_order("200", "2026-03-01T10:00:00Z", "paid", &[("Z", 1, "1.00")]);
    let second = cart_order(
        "100",
        "2026-03-01T11:00:00Z",
        "paid",
        &[("A", 1, "10.00"), ("B", 3, "5.00"), ("C", 1, "1.50")],
    );
    let ids = keep(db, shop, &[("d1", &first), ("d2", &other), ("d3", &second)]).await;

    let batches = import_pending(db).await;

    assert_eq!(batches.len(), 1, "one transaction");
    assert_eq!(
        outcome_names(&batches[0]),
        ["created", "created", "updated"]
    );
    let (id, status, order) = stored_order(db, shop, "100").await;
    assert_eq!(batches[0][0].1, Outcome::Created(id, serde_json::json!([])));
    assert_eq!(batches[0][2].1, Outcome::Updated(id, serde_json::json!([])));
    assert_eq!(
        status,
        Some(OrderStatus::AwaitingShipment),
        "first status kept"
    );
    assert_eq!(order.lines.len(), 3);
    assert_lines_match(db, id, &order).await;
    let (other_id, _, other_order) = stored_order(db, shop, "200").await;
    assert_lines_match(db, other_id, &other_order).await;
    for (request, expected) in ids.iter().zip(["created", "created", "updated"]) {
        let (outcome, _) = stored_outcome(db, shop, *request).await;
        assert_eq!(outcome, expected, "stored outcome of {request:?}");
    }
    let history = requests::for_order(db, shop.account, id).await.unwrap();
    assert_eq!(history.len(), 2, "both requests point at the order");
}

async fn duplicates_inside_one_batch(db: &Database) {
    let shop = open_shop(db).await;
    let order = cart_order("300", "2026-03-01T10:00:00Z", "paid", &[("A", 1, "10.00")]);
    let other = cart_order("301", "2026-03-01T10:00:00Z", "paid", &[("A", 1, "10.00")]);
    let ids = keep(db, shop, &[("d1", &order), ("d2", &order), ("d1", &other)]).await;

    let batches = import_pending(db).await;

    assert_eq!(batches.len(), 1);
    let outcomes = &batches[0];
    assert_eq!(outcome_names(outcomes), ["created", "skipped", "skipped"]);
    assert_eq!(skip_reason(&outcomes[1].1), Some("duplicate"), "same body");
    assert_eq!(
        skip_reason(&outcomes[2].1),
        Some("duplicate"),
        "same delivery id"
    );
    assert!(!skip_message(&outcomes[1].1).contains("body differs"));
    let message = skip_message(&outcomes[2].1);
    assert!(message.contains(r#"delivery id "d1""#), "{message}");
    assert!(message.contains("its body differs"), "{message}");
    assert_eq!(orders::count(db, shop.account).await.unwrap(), 1);
    let (outcome, detail) = stored_outcome(db, shop, ids[1]).await;
    assert_eq!(outcome, "skipped");
    assert_eq!(detail["reason"], "duplicate");
}

async fn failed_body_is_no_duplicate(db: &Database) {
    let shop = open_shop(db).await;
    let no_number = json!({"updated_at": "2026-03-01T10:00:00Z", "lines": []});
    keep(db, shop, &[("d1", &no_number), ("d2", &no_number)]).await;

    let batches = import_pending(db).await;

    assert_eq!(batches.len(), 1);
    let reasons: Vec<_> = batches[0].iter().map(|(_, o)| skip_reason(o)).collect();
    assert_eq!(
        reasons,
        [Some("not_an_order"), Some("not_an_order")],
        "a body counts as a duplicate only after it was imported"
    );
}

/// Checks that a delivery id makes a duplicate only after a request with it was imported, in
/// the same batch or an earlier one.
async fn failed_delivery_is_no_duplicate(db: &Database) {
    let shop = open_shop(db).await;
    let no_number = json!({"updated_at": "2026-03-01T10:00:00Z", "lines": []});
    let order = cart_order("310", "2026-03-01T10:00:00Z", "paid", &[("A", 1, "10.00")]);
    let later = cart_order("311", "2026-03-01T10:00:00Z", "paid", &[("A", 1, "10.00")]);

    keep(db, shop, &[("d1", &no_number), ("d1", &order)]).await;
    let same_batch = import_pending(db).await;
    keep(db, shop, &[("d2", &no_number)]).await;
    import_pending(db).await;
    keep(db, shop, &[("d2", &later)]).await;
    let next_batch = import_pending(db).await;

    assert_eq!(outcome_names(&same_batch[0]), ["skipped", "created"]);
    assert_eq!(skip_reason(&same_batch[0][0].1), Some("not_an_order"));
    assert_eq!(outcome_names(&next_batch[0]), ["created"]);
    assert_eq!(orders::count(db, shop.account).await.unwrap(), 2);
}

/// Checks that a duplicate of an import from an earlier batch reports whether only its
/// delivery id matched, as a channel that reuses one delivery id for different orders shows.
async fn reused_delivery_id_is_named(db: &Database) {
    let shop = open_shop(db).await;
    let order = cart_order("320", "2026-03-01T10:00:00Z", "paid", &[("A", 1, "10.00")]);
    let other = cart_order("321", "2026-03-01T10:00:00Z", "paid", &[("A", 1, "10.00")]);
    keep(db, shop, &[("same-id", &order)]).await;
    import_pending(db).await;

    keep(db, shop, &[("same-id", &other), ("new-id", &order)]).await;
    let batches = import_pending(db).await;

    assert_eq!(outcome_names(&batches[0]), ["skipped", "skipped"]);
    let reused = skip_message(&batches[0][0].1);
    assert!(reused.contains(r#"delivery id "same-id""#), "{reused}");
    assert!(reused.contains("its body differs"), "{reused}");
    let same_body = skip_message(&batches[0][1].1);
    assert!(!same_body.contains("body differs"), "{same_body}");
}

/// Checks that a stored body that no longer decodes fails its own request, and that the batch
/// imports the rest.
async fn damaged_body_fails_alone(db: &Database) {
    let shop = open_shop(db).await;
    let lines = many_lines("SKU", 20);
    let first = cart_order("100", "2026-03-01T10:00:00Z", "paid", &borrowed(&lines));
    let second = cart_order("200", "2026-03-01T10:00:00Z", "paid", &borrowed(&lines));
    let ids = keep(db, shop, &[("d1", &first), ("d2", &second)]).await;
    let (encoding, _) = testing::stored_body(db, ids[0].get()).await;
    assert_eq!(encoding, "zstd", "the order is stored compressed");
    testing::damage_stored_body(db, ids[0].get()).await;

    let batches = import_pending(db).await;

    assert_eq!(batches.len(), 1, "one transaction");
    assert_eq!(outcome_names(&batches[0]), ["failed", "created"]);
    let (outcome, detail) = stored_outcome(db, shop, ids[0]).await;
    assert_eq!(outcome, "failed");
    let message = detail["errors"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("the stored body cannot be read"),
        "{message}"
    );
    assert!(message.contains("zstd frame"), "{message}");
    stored_order(db, shop, "200").await;
}

async fn stale_and_closed_inside_one_batch(db: &Database) {
    let shop = open_shop(db).await;
    let open = cart_order("400", "2026-03-01T12:00:00Z", "paid", &[("A", 1, "10.00")]);
    let older = cart_order("400", "2026-03-01T11:00:00Z", "paid", &[("B", 1, "10.00")]);
    let cancelled = cart_order(
        "400",
        "2026-03-01T13:00:00Z",
        "cancelled",
        &[("A", 2, "10.00")],
    );
    let after_close = cart_order(
        "400",
        "2026-03-01T14:00:00Z",
        "cancelled",
        &[("A", 5, "10.00"), ("C", 1, "3.00")],
    );
    let deliveries = [
        ("d1", &open),
        ("d2", &older),
        ("d3", &cancelled),
        ("d4", &after_close),
    ];
    let ids = keep(db, shop, &deliveries).await;

    let batches = import_pending(db).await;

    assert_eq!(batches.len(), 1);
    let outcomes = &batches[0];
    assert_eq!(
        outcome_names(outcomes),
        ["created", "skipped", "updated", "skipped"]
    );
    assert_eq!(skip_reason(&outcomes[1].1), Some("stale"));
    assert_eq!(skip_reason(&outcomes[3].1), Some("order_closed"));
    let (id, status, order) = stored_order(db, shop, "400").await;
    assert_eq!(
        status,
        Some(OrderStatus::Cancelled),
        "the channel cancelled it"
    );
    assert_eq!(outcomes[1].1.order_id(), Some(id));
    assert_eq!(outcomes[3].1.order_id(), Some(id));
    assert_eq!(order.lines[0].quantity, 2, "the cancelled version is kept");
    assert_lines_match(db, id, &order).await;
    let (_, detail) = stored_outcome(db, shop, ids[3]).await;
    let changed: Vec<&str> = detail["would_change"]
        .as_array()
        .unwrap()
        .iter()
        .map(|field| field.as_str().unwrap())
        .collect();
    assert!(changed.contains(&"lines"), "{changed:?}");
    assert!(changed.contains(&"updated_at"), "{changed:?}");
    let (_, stale) = stored_outcome(db, shop, ids[1]).await;
    assert_eq!(stale["stored_updated_at"], "2026-03-01T12:00:00Z");
}

async fn line_rows_follow_updates(db: &Database) {
    let shop = open_shop(db).await;
    let first = cart_order(
        "500",
        "2026-03-01T10:00:00Z",
        "paid",
        &[("A", 1, "10.00"), ("B", 2, "5.00"), ("C", 1, "2.00")],
    );
    keep(db, shop, &[("d1", &first)]).await;
    import_pending(db).await;
    let (id, _, order) = stored_order(db, shop, "500").await;
    let before = assert_lines_match(db, id, &order).await;

    let mut same = first.clone();
    same["unmapped"] = json!("a different body with the same order");
    let fewer = cart_order(
        "500",
        "2026-03-01T11:00:00Z",
        "paid",
        &[("A", 1, "10.00"), ("B", 4, "5.00")],
    );
    let more = cart_order(
        "500",
        "2026-03-01T12:00:00Z",
        "paid",
        &[
            ("A", 1, "10.00"),
            ("B", 4, "5.00"),
            ("D", 7, "0.50"),
            ("E", 1, "9.99"),
        ],
    );
    keep(db, shop, &[("d2", &same), ("d3", &fewer)]).await;
    let batches = import_pending(db).await;
    assert_eq!(outcome_names(&batches[0]), ["unchanged", "updated"]);
    let (_, _, order) = stored_order(db, shop, "500").await;
    let after_fewer = assert_lines_match(db, id, &order).await;
    assert_eq!(after_fewer[1].quantity, 4);
    assert_eq!(
        after_fewer[0].id, before[0].id,
        "an unchanged line keeps its row"
    );
    assert_eq!(
        after_fewer[1].id, before[1].id,
        "a changed line is updated in place"
    );

    keep(db, shop, &[("d4", &more)]).await;
    let batches = import_pending(db).await;
    assert_eq!(outcome_names(&batches[0]), ["updated"]);
    let (_, _, order) = stored_order(db, shop, "500").await;
    let after_more = assert_lines_match(db, id, &order).await;
    assert_eq!(after_more.len(), 4);
    assert_eq!(
        after_more[0].id, before[0].id,
        "an unchanged line keeps its row"
    );
}

async fn replay_counts_a_body_once(db: &Database) {
    let shop = open_shop(db).await;
    let order = cart_order("600", "2026-03-01T10:00:00Z", "paid", &[("A", 1, "10.00")]);
    let ids = keep(db, shop, &[("d1", &order), ("d2", &order)]).await;
    let batches = import_pending(db).await;
    assert_eq!(outcome_names(&batches[0]), ["created", "skipped"]);

    let batch = imports::claim_for_replay(db, shop.account, &ids, "replay-test")
        .await
        .unwrap();
    let report = worker::import_batch(batch).await.unwrap();
    let outcomes = report.outcomes;

    assert_eq!(outcome_names(&outcomes), ["unchanged", "skipped"]);
    assert_eq!(skip_reason(&outcomes[1].1), Some("duplicate"));
    let (outcome, _) = stored_outcome(db, shop, ids[0]).await;
    assert_eq!(outcome, "unchanged");
}

async fn zero_order_number_imports(db: &Database) {
    let shop = open_shop(db).await;
    let text = cart_order("0", "2026-03-01T10:00:00Z", "paid", &[("A", 1, "10.00")]);
    let mut number = cart_order("0", "2026-03-01T11:00:00Z", "paid", &[("A", 2, "10.00")]);
    number["number"] = json!(0);
    let ids = keep(db, shop, &[("d1", &text), ("d2", &number)]).await;

    let outcomes: Vec<_> = import_pending(db).await.into_iter().flatten().collect();

    assert_eq!(outcome_names(&outcomes), ["created", "updated"]);
    let (id, status, order) = stored_order(db, shop, "0").await;
    assert_eq!(order.number, "0");
    assert_eq!(
        order.lines[0].quantity, 2,
        "the number 0 reached the same order"
    );
    assert_eq!(status, Some(OrderStatus::AwaitingShipment));
    for request in ids {
        let kept = requests::get(db, shop.account, request)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(kept.order_id, Some(id), "request {request:?}");
    }
}

async fn extra_decimal_places_warn(db: &Database) {
    let shop = open_shop(db).await;
    let mut rounded = cart_order("800", "2026-03-01T10:00:00Z", "paid", &[("A", 1, "2.00")]);
    rounded["total"] = json!("12.345678");
    let mut zeros = cart_order(
        "801",
        "2026-03-01T10:00:00Z",
        "paid",
        &[("A", 1, "2.500000")],
    );
    zeros["total"] = json!("12.500000");
    let ids = keep(db, shop, &[("d1", &rounded), ("d2", &zeros)]).await;

    let outcomes: Vec<_> = import_pending(db).await.into_iter().flatten().collect();

    assert_eq!(outcome_names(&outcomes), ["created", "created"]);
    let (_, _, order) = stored_order(db, shop, "800").await;
    assert_eq!(order.charges.total.unwrap().to_string(), "12.3457");
    let (_, detail) = stored_outcome(db, shop, ids[0]).await;
    let warnings = detail["warnings"].as_array().expect("a warnings array");
    assert_eq!(warnings.len(), 1, "{detail}");
    assert_eq!(warnings[0]["field"], "charges.total");
    assert_eq!(warnings[0]["value"], "12.345678");
    let message = warnings[0]["message"].as_str().unwrap();
    assert!(
        message.contains("12.3457"),
        "names the stored value: {message}"
    );

    let (_, _, order) = stored_order(db, shop, "801").await;
    assert_eq!(
        order.charges.total.unwrap(),
        "12.50".parse::<rust_decimal::Decimal>().unwrap()
    );
    let (_, detail) = stored_outcome(db, shop, ids[1]).await;
    assert!(
        detail.get("warnings").is_none(),
        "trailing zeros are silent: {detail}"
    );
}

/// Builds `count` lines of one SKU pattern, each (sku, quantity, unit price).
fn many_lines(prefix: &str, count: usize) -> Vec<(String, u32, &'static str)> {
    (0..count)
        .map(|index| (format!("{prefix}-{index}"), 1, "1.00"))
        .collect()
}

fn borrowed<'a>(lines: &'a [(String, u32, &'static str)]) -> Vec<(&'a str, u32, &'a str)> {
    lines
        .iter()
        .map(|(sku, quantity, price)| (sku.as_str(), *quantity, *price))
        .collect()
}

async fn order_over_line_cap_fails(db: &Database) {
    let shop = open_shop(db).await;
    let at_cap = many_lines("CAP", worker::MAX_LINES_PER_ORDER);
    let over_cap = many_lines("OVER", worker::MAX_LINES_PER_ORDER + 1);
    let accepted = cart_order("700", "2026-03-01T10:00:00Z", "paid", &borrowed(&at_cap));
    let rejected = cart_order("701", "2026-03-01T10:00:00Z", "paid", &borrowed(&over_cap));
    let ids = keep(db, shop, &[("d1", &accepted), ("d2", &rejected)]).await;

    let outcomes: Vec<_> = import_pending(db).await.into_iter().flatten().collect();

    assert_eq!(outcome_names(&outcomes), ["created", "failed"]);
    let (id, _, order) = stored_order(db, shop, "700").await;
    assert_eq!(order.lines.len(), worker::MAX_LINES_PER_ORDER);
    assert_lines_match(db, id, &order).await;
    assert!(
        orders::find(db, shop.account, "cart", "701")
            .await
            .unwrap()
            .is_none()
    );
    let (outcome, detail) = stored_outcome(db, shop, ids[1]).await;
    assert_eq!(outcome, "failed");
    let message = detail["errors"][0]["message"].as_str().unwrap();
    let count = (worker::MAX_LINES_PER_ORDER + 1).to_string();
    let cap = worker::MAX_LINES_PER_ORDER.to_string();
    assert!(message.contains(&count), "names the line count: {message}");
    assert!(message.contains(&cap), "names the cap: {message}");
}

/// [`MAP`] with a line total that sums the price of every line of the order, so that mapping
/// takes time in proportion to the square of the line count.
const SLOW_MAP: &str = r#"{
  "version": 1,
  "fields": {
    "order.source": { "value": "cart" },
    "order.number": { "path": "$.number" },
    "charges.total": { "path": "$.total" }
  },
  "items": {
    "path": "$.lines[*]",
    "fields": {
      "items.sku": { "path": "@.sku" },
      "items.name": { "path": "@.name" },
      "items.quantity": { "path": "@.quantity" },
      "items.line_total": { "sum": "$.lines[*].price" }
    }
  }
}"#;

async fn oversize_order_leaves_ingress_free(db: &Database) {
    let shop = open_shop(db).await;
    maps::save(db, shop.account, shop.store, SLOW_MAP)
        .await
        .unwrap();
    let line_count = worker::MAX_LINES_PER_ORDER + 1_000;
    let huge_lines = many_lines("H", line_count);
    let huge = cart_order(
        "711",
        "2026-03-01T10:00:00Z",
        "paid",
        &borrowed(&huge_lines),
    );
    let before = cart_order("710", "2026-03-01T10:00:00Z", "paid", &[("A", 1, "1.00")]);
    let after = cart_order("712", "2026-03-01T10:00:00Z", "paid", &[("B", 1, "1.00")]);
    let ids = keep(db, shop, &[("d1", &before), ("d2", &huge), ("d3", &after)]).await;
    let batch = imports::claim_pending(db, "test", worker::CLAIM_LIMITS)
        .await
        .unwrap()
        .expect("pending work");
    assert_eq!(batch.requests().len(), 3, "one batch holds all three");

    // On SQLite the claim took the write lock, so this keep waits for the import to commit.
    // Mapping the oversize order with SLOW_MAP would hold the lock far longer than SQLite's
    // busy timeout, and the keep would fail with "database is locked".
    let import = tokio::spawn(worker::import_batch(batch));
    let late = cart_order("713", "2026-03-01T10:00:00Z", "paid", &[("C", 1, "1.00")]);
    let late = pending_request(shop, "d4", serde_json::to_vec(&late).unwrap());
    let late_kept = requests::insert_batch(db, &[late]).await;
    let report = import.await.unwrap().unwrap();

    assert!(
        late_kept.is_ok(),
        "a keep during the import finishes: {late_kept:?}"
    );
    let outcomes = &report.outcomes;
    assert_eq!(outcome_names(outcomes), ["created", "failed", "created"]);
    let (_, detail) = stored_outcome(db, shop, ids[1]).await;
    let message = detail["errors"][0]["message"].as_str().unwrap();
    assert!(
        message.contains(&line_count.to_string()),
        "names the count: {message}"
    );
    let cap = worker::MAX_LINES_PER_ORDER.to_string();
    assert!(message.contains(&cap), "names the maximum: {message}");
    let later = import_pending(db).await;
    assert_eq!(
        outcome_names(&later.concat()),
        ["created"],
        "the late request"
    );
    assert_eq!(orders::count(db, shop.account).await.unwrap(), 3);
}

async fn large_orders_split_by_lines(db: &Database) {
    let shop = open_shop(db).await;
    let lines_per_order = worker::MAX_LINES_PER_ORDER * 4 / 5;
    let orders_per_batch = worker::MAX_BATCH_LINES / lines_per_order;
    let order_count = 2 * orders_per_batch + 1;
    let bodies: Vec<Value> = (0..order_count)
        .map(|index| {
            let lines = many_lines(&format!("L{index}"), lines_per_order);
            cart_order(
                &format!("8{index:02}"),
                "2026-03-01T10:00:00Z",
                "paid",
                &borrowed(&lines),
            )
        })
        .collect();
    let deliveries: Vec<(String, &Value)> = bodies
        .iter()
        .enumerate()
        .map(|(index, body)| (format!("d{index}"), body))
        .collect();
    let deliveries: Vec<(&str, &Value)> = deliveries
        .iter()
        .map(|(delivery, body)| (delivery.as_str(), *body))
        .collect();
    let ids = keep(db, shop, &deliveries).await;

    let batches = import_pending(db).await;

    let sizes: Vec<usize> = batches.iter().map(Vec::len).collect();
    assert_eq!(
        sizes,
        [orders_per_batch, orders_per_batch, 1],
        "requests per transaction"
    );
    for batch in &batches {
        assert!(batch.iter().all(|(_, outcome)| outcome.name() == "created"));
    }
    for index in 0..order_count {
        let (id, _, order) = stored_order(db, shop, &format!("8{index:02}")).await;
        assert_eq!(order.lines.len(), lines_per_order);
        assert_lines_match(db, id, &order).await;
    }

    // A replay of the same requests is split the same way and settles every one.
    let mut replayed = Vec::new();
    let mut settled = 0;
    worker::replay(db, shop.account, &ids, "replay-test", |outcomes, count| {
        replayed.push(outcome_names(outcomes));
        settled += count;
    })
    .await
    .unwrap();
    assert_eq!(
        replayed.len(),
        3,
        "transactions of the replay: {replayed:?}"
    );
    assert_eq!(settled, order_count);
    assert!(replayed.iter().flatten().all(|name| *name == "unchanged"));
}

async fn large_bodies_split_by_bytes(db: &Database) {
    let shop = open_shop(db).await;
    let limit = usize::try_from(worker::CLAIM_LIMITS.body_bytes).unwrap();
    // Each body is 3/8 of the limit. The first two together stay under it, so the third is
    // claimed too, and the fourth is not.
    let padding = "x".repeat(limit * 3 / 8);
    let bodies: Vec<Value> = (0..6)
        .map(|index| {
            let mut body = cart_order(
                &format!("9{index:02}"),
                "2026-03-01T10:00:00Z",
                "paid",
                &[("A", 1, "10.00")],
            );
            body["padding"] = json!(padding);
            body
        })
        .collect();
    let deliveries: Vec<(String, &Value)> = bodies
        .iter()
        .enumerate()
        .map(|(index, body)| (format!("d{index}"), body))
        .collect();
    let deliveries: Vec<(&str, &Value)> = deliveries
        .iter()
        .map(|(delivery, body)| (delivery.as_str(), *body))
        .collect();
    keep(db, shop, &deliveries).await;

    let batches = import_pending(db).await;

    let sizes: Vec<usize> = batches.iter().map(Vec::len).collect();
    assert_eq!(sizes, [3, 3], "requests per transaction");
    assert_eq!(orders::count(db, shop.account).await.unwrap(), 6);
}

storage_tests!(
    created_and_updated_in_one_batch,
    duplicates_inside_one_batch,
    reused_delivery_id_is_named,
    failed_body_is_no_duplicate,
    failed_delivery_is_no_duplicate,
    damaged_body_fails_alone,
    stale_and_closed_inside_one_batch,
    line_rows_follow_updates,
    replay_counts_a_body_once,
    zero_order_number_imports,
    extra_decimal_places_warn,
    order_over_line_cap_fails,
    oversize_order_leaves_ingress_free,
    large_orders_split_by_lines,
    large_bodies_split_by_bytes,
);
