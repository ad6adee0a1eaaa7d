//! Benchmark of the order import: kept Shopify requests are mapped, validated, upserted and
//! given an outcome by the worker's own `import_batch`, on SQLite and on PostgreSQL.
//!
//! Run with `cargo bench -p postsale-server --bench import`. `POSTSALE_BENCH_REQUESTS` sets
//! the number of requests per database (even, default 20,000): half create orders, half
//! update them. PostgreSQL runs when `POSTSALE_TEST_DATABASE_URL` names a server whose user
//! may create databases. Only the import loop is timed; creating the database, the store and
//! the kept requests is setup. A second pass on a fresh database repeats the worker's steps
//! with a clock around each, to show where the time goes.

#[path = "import/fixture.rs"]
mod fixture;
#[path = "import/payload.rs"]
mod payload;
#[path = "import/report.rs"]
mod report;
#[path = "import/steps.rs"]
mod steps;

use std::time::Instant;

use postsale_server::worker::{self, Outcome};
use postsale_store::testing::{self, TestDatabase};
use postsale_store::{Database, imports, orders};

use crate::fixture::Fixture;
use crate::report::Measurement;

/// Requests per database unless `POSTSALE_BENCH_REQUESTS` sets another number.
const DEFAULT_REQUESTS: usize = 20_000;

fn main() {
    let requests = requests_from_env();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("build the Tokio runtime");
    report::print_machine();
    let limits = worker::CLAIM_LIMITS;
    println!(
        "requests per database: {requests}; per transaction at most {} requests, {} body bytes, \
         {} lines",
        limits.requests,
        limits.body_bytes,
        worker::MAX_BATCH_LINES
    );

    runtime.block_on(async {
        let mut measurements = Vec::new();
        let mut breakdowns = Vec::new();

        let sqlite = TestDatabase::sqlite().await;
        measurements.push(measure("SQLite", &sqlite.db, requests).await);
        drop(sqlite);
        let sqlite = TestDatabase::sqlite().await;
        breakdowns.push(("SQLite", timed_steps(&sqlite.db, requests).await));
        drop(sqlite);

        if let Some(postgres) = TestDatabase::postgres().await {
            let run = measure("PostgreSQL", &postgres.db, requests).await;
            measurements.push(run);
            drop(postgres);
            let postgres = TestDatabase::postgres().await.expect("PostgreSQL is set");
            let breakdown = timed_steps(&postgres.db, requests).await;
            breakdowns.push(("PostgreSQL", breakdown));
        } else {
            println!("PostgreSQL benchmark skipped: POSTSALE_TEST_DATABASE_URL is not set");
        }

        report::print_measurements(&measurements);
        for (database, breakdown) in &breakdowns {
            report::print_breakdown(database, breakdown);
        }
    });
}

fn requests_from_env() -> usize {
    let Ok(text) = std::env::var("POSTSALE_BENCH_REQUESTS") else {
        return DEFAULT_REQUESTS;
    };
    match text.trim().parse::<usize>() {
        Ok(count) if count >= 2 && count % 2 == 0 => count,
        _ => panic!(
            "POSTSALE_BENCH_REQUESTS is {text:?}; set an even number of at least 2, such as 20000"
        ),
    }
}

/// Keeps the requests, then times the worker's claim-and-import loop until no work is left,
/// and checks that every order was created once and updated once.
async fn measure(database: &'static str, db: &Database, requests: usize) -> Measurement {
    let fixture = fixture::prepare(db).await;
    let arrivals = payload::arrivals(requests);
    let clock = Instant::now();
    let body_bytes = fixture::keep_requests(db, fixture, &arrivals).await;
    let keep = clock.elapsed();

    let load_before = report::load_average();
    let clock = Instant::now();
    let (mut created, mut updated) = (0, 0);
    let mut other = Vec::new();
    while let Some(batch) = imports::claim_pending(db, "bench", worker::CLAIM_LIMITS)
        .await
        .expect("claim pending requests")
    {
        let report = worker::import_batch(batch).await.expect("import a batch");
        for (request, outcome) in report.outcomes {
            match outcome {
                Outcome::Created(..) => created += 1,
                Outcome::Updated(..) => updated += 1,
                outcome => other.push((request, outcome)),
            }
        }
    }
    let import = clock.elapsed();
    let load_after = report::load_average();

    let orders = verify(db, fixture, requests, created, updated, &other).await;
    Measurement {
        database,
        requests,
        body_bytes,
        keep,
        import,
        created,
        updated,
        orders,
        load_before,
        load_after,
    }
}

/// Panics unless half the requests created orders, half updated them, nothing else happened
/// and nothing is left pending. Returns the number of orders.
async fn verify(
    db: &Database,
    fixture: Fixture,
    requests: usize,
    created: usize,
    updated: usize,
    other: &[(postsale_core::RequestId, Outcome)],
) -> i64 {
    let half = requests / 2;
    assert!(
        other.is_empty(),
        "{} requests neither created nor updated an order; the first: {:?}",
        other.len(),
        other.first()
    );
    assert_eq!(
        created, half,
        "created orders: expected {half}, got {created}"
    );
    assert_eq!(
        updated, half,
        "updated orders: expected {half}, got {updated}"
    );
    let orders = orders::count(db, fixture.account)
        .await
        .expect("count orders");
    assert_eq!(
        orders, half as i64,
        "stored orders: expected {half}, got {orders}"
    );
    let pending = testing::count(
        db,
        "SELECT COUNT(*) FROM requests WHERE webhook_id = $1 AND import_state = 'pending'",
        fixture.webhook.get(),
    )
    .await;
    assert_eq!(
        pending, 0,
        "requests left pending after the import: {pending}"
    );
    orders
}

/// Runs the timed-steps pass on a fresh database with the same requests.
async fn timed_steps(db: &Database, requests: usize) -> steps::Breakdown {
    let fixture = fixture::prepare(db).await;
    fixture::keep_requests(db, fixture, &payload::arrivals(requests)).await;
    let breakdown = steps::run(db, worker::CLAIM_LIMITS).await;
    assert_eq!(
        breakdown.requests, requests,
        "the timed-steps pass imported {} of {requests} requests",
        breakdown.requests
    );
    breakdown
}
