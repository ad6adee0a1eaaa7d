//! The import worker: takes kept requests of active webhooks in arrival order and turns them
//! into orders. It runs inside `postsale serve`; several processes on one PostgreSQL database
//! share the work without importing a request twice.

pub mod delivery;
mod import;

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use postsale_core::{AccountId, RequestId};
use postsale_store::imports::{self, ClaimLimits, ImportBatch};
use postsale_store::{Database, StoreError};
use tokio::sync::Notify;

pub use import::{BatchReport, MAX_LINES_PER_ORDER, Outcome, import_batch, too_many_lines};

use crate::app::Shutdown;
use crate::http::problem::error_chain;

/// The requests one import transaction claims. On SQLite the transaction holds the
/// database's write lock from the claim to the commit, and ingress waits for that lock to keep
/// a request, so a batch is bounded by body bytes as well as by count.
pub const CLAIM_LIMITS: ClaimLimits = ClaimLimits {
    requests: 256,
    body_bytes: 4 * 1024 * 1024,
};

/// Line rows one import transaction writes at most, unless its first order alone has more
/// (up to [`MAX_LINES_PER_ORDER`]). The batch defers the requests after this many lines.
pub const MAX_BATCH_LINES: usize = 10_000;

/// How long an idle worker waits before looking again. Ingress on this process wakes it at
/// once; the timer catches requests that other processes kept.
const IDLE_POLL: Duration = Duration::from_millis(250);

/// The wait after a database failure before the next attempt.
const RETRY_AFTER_FAILURE: Duration = Duration::from_secs(2);

/// Settings of the worker.
#[derive(Clone, Debug)]
pub struct WorkerSettings {
    /// A name for this worker, stored on the requests it claims.
    pub name: String,
}

/// Runs until `shutdown` is raised, finishing the batch in progress first.
pub async fn run(db: Database, settings: WorkerSettings, wake: Arc<Notify>, shutdown: Shutdown) {
    tracing::info!(worker = %settings.name, "import worker started");
    let mut careful = false;
    loop {
        let limits = if careful {
            ClaimLimits {
                requests: 1,
                ..CLAIM_LIMITS
            }
        } else {
            CLAIM_LIMITS
        };
        let claimed = imports::claim_pending(&db, &settings.name, limits).await;
        let waited = match claimed {
            Ok(Some(batch)) => {
                careful = process(&db, batch, careful).await;
                None
            }
            Ok(None) => Some(IDLE_POLL),
            Err(error) => {
                tracing::error!(error = %error_chain(&error), "cannot claim requests to import");
                Some(RETRY_AFTER_FAILURE)
            }
        };
        if let Some(wait) = waited {
            tokio::select! {
                () = shutdown.clone().wait() => break,
                () = wake.notified() => {}
                () = tokio::time::sleep(wait) => {}
            }
        } else if shutdown.is_raised() {
            break;
        }
    }
    tracing::info!(worker = %settings.name, "import worker stopped");
}

/// Imports a batch and commits it. Returns whether the next batch should be taken one request
/// at a time: after a database failure, so that one bad request cannot stop the others.
async fn process(db: &Database, batch: ImportBatch, careful: bool) -> bool {
    let first = batch.requests().first().map(|request| request.id);
    match import_batch(batch).await {
        Ok(report) => {
            for (request, outcome) in &report.outcomes {
                tracing::info!(request.id = request.get(), outcome = outcome.name(), order.id = ?outcome.order_id().map(|id| id.get()), "request imported");
            }
            false
        }
        Err(error) if careful => {
            tracing::error!(request.id = ?first.map(|id| id.get()), error = %error_chain(&error), "import failed on its own; marking the request failed");
            if let Some(request) = first {
                mark_failed(db, request, &error).await;
            }
            false
        }
        Err(error) => {
            tracing::warn!(error = %error_chain(&error), "import batch failed; retrying one request at a time");
            tokio::time::sleep(Duration::from_millis(100)).await;
            true
        }
    }
}

async fn mark_failed(db: &Database, request: postsale_core::RequestId, error: &StoreError) {
    let detail = serde_json::json!({
        "reason": "database_error",
        "errors": [{"message": format!("the import failed in the database: {}", error_chain(error)),
                    "fix": "replay the request; report the problem if it fails again"}],
    });
    if let Err(error) = imports::fail_alone(db, request, &detail.to_string()).await {
        tracing::error!(request.id = request.get(), error = %error_chain(&error), "cannot mark the request failed");
    }
}

/// Imports the named requests of an account again through the current map, at most
/// [`CLAIM_LIMITS`]' count per transaction. After each commit it calls `on_batch` with the
/// batch's outcomes and the number of named ids the batch settled (imported, or not found).
/// Requests that a batch defers go first into the next one.
pub async fn replay(
    db: &Database,
    account_id: AccountId,
    ids: &[RequestId],
    worker: &str,
    mut on_batch: impl FnMut(&[(RequestId, Outcome)], usize),
) -> Result<(), StoreError> {
    let chunk_size = usize::try_from(CLAIM_LIMITS.requests).unwrap_or(1);
    let mut queue: VecDeque<RequestId> = ids.iter().copied().collect();
    while !queue.is_empty() {
        let take = queue.len().min(chunk_size);
        let chunk: Vec<RequestId> = queue.drain(..take).collect();
        let batch = imports::claim_for_replay(db, account_id, &chunk, worker).await?;
        let report = import_batch(batch).await?;
        on_batch(&report.outcomes, chunk.len() - report.deferred.len());
        for id in report.deferred.into_iter().rev() {
            queue.push_front(id);
        }
    }
    Ok(())
}
