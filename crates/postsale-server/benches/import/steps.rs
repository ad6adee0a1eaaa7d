//! The import's time per step: the worker's steps for each batch, run one after another
//! with a clock around each. The steps repeat `worker::import_batch` for requests that create
//! or update an order, with the same store calls in the same order (parse and map every
//! request, read the orders, then check, upsert and finish each request, then write and
//! commit), so any other outcome stops the benchmark.

use std::time::{Duration, Instant};

use postsale_core::OrderStatus;
use postsale_core::ingress::{decode_kept_body, stored_content_encoding};
use postsale_core::mapping::{ApplyContext, Map, apply_map};
use postsale_core::order::Order;
use postsale_store::Database;
use postsale_store::imports::{self, ClaimLimits, ClaimedRequest, ImportBatch, UpsertOutcome};

/// Time spent in each step over a whole run.
#[derive(Debug, Default)]
pub struct Breakdown {
    pub claim: Duration,
    pub load_store: Duration,
    pub parse: Duration,
    pub apply_map: Duration,
    pub load_orders: Duration,
    pub duplicate_check: Duration,
    pub upsert: Duration,
    pub finish: Duration,
    pub write: Duration,
    pub commit: Duration,
    pub requests: usize,
    pub wall: Duration,
}

impl Breakdown {
    /// Lists each step with its name, in the order the worker runs them.
    pub fn steps(&self) -> [(&'static str, Duration); 10] {
        [
            ("claim (`claim_pending`)", self.claim),
            ("store settings and map", self.load_store),
            ("parse body", self.parse),
            ("`apply_map` with validation", self.apply_map),
            ("read stored orders (`load_orders`)", self.load_orders),
            ("duplicate check", self.duplicate_check),
            ("upsert (insert new orders)", self.upsert),
            ("finish (outcome kept in memory)", self.finish),
            ("write updates, lines, outcomes", self.write),
            ("commit", self.commit),
        ]
    }
}

/// Imports every pending request with timed steps.
pub async fn run(db: &Database, limits: ClaimLimits) -> Breakdown {
    let mut breakdown = Breakdown::default();
    let started = Instant::now();
    loop {
        let clock = Instant::now();
        let claimed = imports::claim_pending(db, "bench-steps", limits)
            .await
            .expect("claim pending requests");
        breakdown.claim += clock.elapsed();
        let Some(batch) = claimed else {
            break;
        };
        import_batch(batch, &mut breakdown).await;
    }
    breakdown.wall = started.elapsed();
    breakdown
}

/// Imports one batch with timed steps. Every request of the bench belongs to one store, so the
/// store is read once per batch, as the worker does.
async fn import_batch(mut batch: ImportBatch, breakdown: &mut Breakdown) {
    let clock = Instant::now();
    let requests = batch.requests().to_vec();
    let first = &requests[0];
    let (first_status, time_zone) = batch
        .store_settings(first.account_id, first.store_id)
        .await
        .expect("read store settings")
        .expect("the store exists");
    let apply = ApplyContext::with_time_zone(&time_zone).unwrap_or_default();
    let (_, document) = batch
        .current_map(first.account_id, first.store_id)
        .await
        .expect("read the current map")
        .expect("the store has a map");
    let map: Map = serde_json::from_str(&document).expect("the saved map is valid");
    breakdown.load_store += clock.elapsed();

    let mut orders = Vec::with_capacity(requests.len());
    for request in &requests {
        orders.push(map_one(request, &map, &apply, breakdown));
    }

    let clock = Instant::now();
    let keys = requests.iter().zip(&orders).map(|(request, order)| {
        (
            request.account_id,
            order.source.as_str(),
            order.number.as_str(),
        )
    });
    batch
        .load_orders(keys)
        .await
        .expect("read the stored orders");
    breakdown.load_orders += clock.elapsed();

    for (request, order) in requests.iter().zip(&orders) {
        store_one(&mut batch, request, order, first_status, breakdown).await;
    }

    let clock = Instant::now();
    batch.write().await.expect("write the batch");
    breakdown.write += clock.elapsed();

    let clock = Instant::now();
    batch.commit().await.expect("commit the batch");
    breakdown.commit += clock.elapsed();
}

/// Parses and maps one request, as the worker does before it touches the database.
fn map_one(
    request: &ClaimedRequest,
    map: &Map,
    apply: &ApplyContext,
    breakdown: &mut Breakdown,
) -> Order {
    let clock = Instant::now();
    let encoding = stored_content_encoding(&request.headers);
    let decoded = decode_kept_body(
        encoding.as_deref(),
        request.body.as_deref().expect("the stored body decodes"),
    )
    .expect("the body decodes");
    let body: serde_json::Value = serde_json::from_slice(&decoded).expect("the body is JSON");
    breakdown.parse += clock.elapsed();

    let clock = Instant::now();
    let mapped = apply_map(map, &body, apply).expect("the Shopify map applies");
    assert!(!mapped.test, "request {} is a test", request.id.get());
    let _warnings = serde_json::to_value(&mapped.warnings).unwrap_or_default();
    breakdown.apply_map += clock.elapsed();
    mapped.order
}

/// Checks, upserts and finishes one request.
async fn store_one(
    batch: &mut ImportBatch,
    request: &ClaimedRequest,
    order: &Order,
    automation: Option<OrderStatus>,
    breakdown: &mut Breakdown,
) {
    let clock = Instant::now();
    let duplicate = batch.is_duplicate(request).await.expect("check duplicates");
    assert!(!duplicate, "request {} is a duplicate", request.id.get());
    breakdown.duplicate_check += clock.elapsed();

    let clock = Instant::now();
    let first_status = match order.status {
        Some(OrderStatus::Cancelled) => Some(OrderStatus::Cancelled),
        _ => automation,
    };
    let upsert = batch
        .upsert_order(request.account_id, request.store_id, order, first_status)
        .await
        .expect("upsert the order");
    breakdown.upsert += clock.elapsed();

    let clock = Instant::now();
    let (outcome, order_id) = match upsert {
        UpsertOutcome::Created(id) => ("created", id),
        UpsertOutcome::Updated(id) | UpsertOutcome::StatusChanged(id, _) => ("updated", id),
        other => panic!("request {} was not imported: {other:?}", request.id.get()),
    };
    let detail = serde_json::json!({}).to_string();
    batch.finish(request.id, outcome, &detail, Some(order_id));
    breakdown.finish += clock.elapsed();
    breakdown.requests += 1;
}
