//! The import transaction: claim kept requests, upsert the orders they carry, and write each
//! request's outcome, all in one transaction so that a crash imports nothing twice and loses
//! nothing.
//!
//! On PostgreSQL a worker locks one webhook row with `FOR NO KEY UPDATE SKIP LOCKED` and
//! claims that webhook's oldest pending requests, so several processes share the work while
//! each webhook's requests are imported in arrival order. On SQLite one worker per process
//! claims the oldest pending requests of active webhooks; the claim is the transaction's first
//! statement and a write, so the transaction holds the write lock from its start.
//!
//! A batch reads before it writes. One query finds the claimed requests that are duplicates,
//! and one reads (on PostgreSQL also locks) the stored orders the batch touches, so the rules
//! (stale, closed, unchanged, the new status) are decided in memory. A new order is inserted
//! at once with `ON CONFLICT DO NOTHING`, because later requests need its id. Order updates,
//! line rows and outcomes wait in memory until [`ImportBatch::write`], which writes each kind
//! with one statement. Those statements take their rows as one JSON parameter: the SQL text
//! never changes, so each connection prepares it once, and SQLite's limit on bound parameters
//! does not apply.

mod duplicates;
mod lines;
mod upsert;

use std::collections::HashMap;

use postsale_core::order::Order;
use postsale_core::{AccountId, OrderId, OrderStatus, RequestId, StoreId, WebhookId};
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};
use time::OffsetDateTime;

use crate::body;
use crate::database::WriteTurn;
use crate::{Database, Dialect, Result, StoreError, from_millis, to_millis};

pub use upsert::UpsertOutcome;

/// A duplicate body within this window of an imported one is skipped: 24 hours.
pub const DUPLICATE_WINDOW_MS: i64 = 24 * 60 * 60 * 1000;

/// A kept request taken for import, with everything the importer reads.
#[derive(Clone, Debug)]
pub struct ClaimedRequest {
    pub id: RequestId,
    pub account_id: AccountId,
    pub store_id: StoreId,
    pub webhook_id: WebhookId,
    pub received_at: OffsetDateTime,
    /// Headers as stored: a JSON array of `[name, value]` pairs.
    pub headers: String,
    /// The body as received, or why its stored form could not be decoded. The import fails a
    /// request with such a message and goes on with the others.
    pub body: std::result::Result<Vec<u8>, String>,
    pub body_sha256: String,
    pub delivery_id: Option<String>,
}

/// Bounds on the requests that one import transaction claims.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClaimLimits {
    /// The maximum number of requests.
    pub requests: i64,
    /// Stored body bytes. A request is claimed while the bodies claimed before it contain
    /// fewer bytes than this, so a batch contains at least one request and at most this many
    /// bytes plus one body.
    pub body_bytes: i64,
}

/// An open import transaction with the requests it claimed.
#[derive(Debug)]
pub struct ImportBatch {
    transaction: Transaction<'static, Any>,
    /// This process's turn at SQLite's write lock, held until the batch is committed or
    /// dropped.
    _turn: Option<WriteTurn>,
    dialect: Dialect,
    requests: Vec<ClaimedRequest>,
    /// The requests that the database shows to be duplicates, read at the first check.
    stored_duplicates: Option<duplicates::StoredDuplicates>,
    /// The bodies and delivery ids this batch imported, for the duplicate check of later
    /// requests.
    imported: duplicates::ImportedInBatch,
    /// The stored orders this batch read or wrote, by (account, source, number).
    orders: HashMap<upsert::OrderKey, upsert::OrderState>,
    /// The outcomes to write, in the order the requests were finished.
    outcomes: Vec<OutcomeRecord>,
}

/// One request's outcome as [`ImportBatch::write`] stores it.
#[derive(Debug, Serialize)]
struct OutcomeRecord {
    id: i64,
    outcome: String,
    detail: String,
    order_id: Option<i64>,
    imported_at: i64,
}

const CLAIM_COLUMNS: &str = "id, account_id, store_id, webhook_id, received_at, headers, \
                             body_sha256, delivery_id";

/// Claims the oldest pending requests of active webhooks, within `limits`. Returns `None` when
/// there is no work.
pub async fn claim_pending(
    db: &Database,
    worker: &str,
    limits: ClaimLimits,
) -> Result<Option<ImportBatch>> {
    if db.dialect() == Dialect::Sqlite && !has_pending(db).await? {
        return Ok(None);
    }
    let turn = db.sqlite_write_turn().await;
    let mut transaction = db.begin_write().await?;
    let now = to_millis(OffsetDateTime::now_utc());
    let rows = match db.dialect() {
        Dialect::Postgres => {
            let webhook: Option<i64> = sqlx::query_scalar(
                "SELECT w.id FROM webhooks w \
                 WHERE w.state = 'active' AND EXISTS \
                   (SELECT 1 FROM requests r WHERE r.webhook_id = w.id AND r.import_state = 'pending') \
                 ORDER BY (SELECT MIN(r.id) FROM requests r \
                           WHERE r.webhook_id = w.id AND r.import_state = 'pending') \
                 LIMIT 1 FOR NO KEY UPDATE OF w SKIP LOCKED",
            )
            .fetch_optional(&mut *transaction)
            .await?;
            let Some(webhook) = webhook else {
                return Ok(None);
            };
            // The running sum of body sizes sits one level above the lock, because
            // PostgreSQL allows no window function next to FOR UPDATE.
            sqlx::query(&format!(
                "UPDATE requests SET claimed_by = $1, claimed_at = $2 WHERE id IN \
                   (SELECT id FROM \
                      (SELECT id, SUM(body_size) OVER (ORDER BY id) - body_size AS bytes_before \
                       FROM (SELECT id, body_size FROM requests \
                             WHERE webhook_id = $3 AND import_state = 'pending' \
                             ORDER BY id LIMIT $4 FOR UPDATE SKIP LOCKED) AS locked \
                      ) AS sized \
                    WHERE bytes_before < $5) \
                 RETURNING {CLAIM_COLUMNS}"
            ))
            .bind(worker)
            .bind(now)
            .bind(webhook)
            .bind(limits.requests)
            .bind(limits.body_bytes)
            .fetch_all(&mut *transaction)
            .await?
        }
        Dialect::Sqlite => {
            sqlx::query(&format!(
                "UPDATE requests SET claimed_by = $1, claimed_at = $2 WHERE id IN \
                   (SELECT id FROM \
                      (SELECT id, SUM(body_size) OVER (ORDER BY id) - body_size AS bytes_before \
                       FROM (SELECT r.id, r.body_size FROM requests r \
                             JOIN webhooks w ON w.id = r.webhook_id \
                             WHERE r.import_state = 'pending' AND w.state = 'active' \
                             ORDER BY r.id LIMIT $3)) \
                    WHERE bytes_before < $4) \
                 RETURNING {CLAIM_COLUMNS}"
            ))
            .bind(worker)
            .bind(now)
            .bind(limits.requests)
            .bind(limits.body_bytes)
            .fetch_all(&mut *transaction)
            .await?
        }
    };
    if rows.is_empty() {
        transaction.rollback().await?;
        return Ok(None);
    }
    batch_from_rows(transaction, turn, db.dialect(), &rows)
        .await
        .map(Some)
}

/// Returns whether any request of an active webhook waits for import, read without a lock. On SQLite
/// the claim holds the only write lock from its first statement, and an idle worker that
/// took it on every wake-up made ingress's group commit wait for it.
async fn has_pending(db: &Database) -> Result<bool> {
    let found: Option<i64> = sqlx::query_scalar(HAS_PENDING)
        .fetch_optional(db.pool())
        .await?;
    Ok(found.is_some())
}

/// The query of [`has_pending`]. It starts from the active webhooks and looks each one up in
/// the `requests_pending` index. Starting from the pending requests instead walked every
/// pending request of the webhooks that still capture their sample, four times a second.
const HAS_PENDING: &str = "SELECT 1 FROM webhooks w WHERE w.state = 'active' AND EXISTS \
    (SELECT 1 FROM requests r WHERE r.import_state = 'pending' AND r.webhook_id = w.id) \
    LIMIT 1";

/// Claims the named requests of an account for a replay, whatever their import state, as long
/// as they were accepted with a JSON body. Ids that name no such request are left out.
pub async fn claim_for_replay(
    db: &Database,
    account_id: AccountId,
    ids: &[RequestId],
    worker: &str,
) -> Result<ImportBatch> {
    let turn = db.sqlite_write_turn().await;
    let mut transaction = db.begin_write().await?;
    let now = to_millis(OffsetDateTime::now_utc());
    let ids: Vec<i64> = ids.iter().map(|id| id.get()).collect();
    let rows = sqlx::query(&format!(
        "UPDATE requests SET claimed_by = $1, claimed_at = $2 \
         WHERE account_id = $3 AND id IN ({}) AND accepted = 1 AND body_kind = 'json' \
         RETURNING {CLAIM_COLUMNS}",
        json_ids(db.dialect(), "$4")
    ))
    .bind(worker)
    .bind(now)
    .bind(account_id.get())
    .bind(to_json(&ids)?)
    .fetch_all(&mut *transaction)
    .await?;
    batch_from_rows(transaction, turn, db.dialect(), &rows).await
}

/// Reads the bodies of the claimed rows and opens the batch.
async fn batch_from_rows(
    mut transaction: Transaction<'static, Any>,
    turn: Option<WriteTurn>,
    dialect: Dialect,
    rows: &[AnyRow],
) -> Result<ImportBatch> {
    let mut requests = rows
        .iter()
        .map(claimed_from_row)
        .collect::<Result<Vec<_>>>()?;
    requests.sort_by_key(|request| request.id);
    if !requests.is_empty() {
        let ids: Vec<i64> = requests.iter().map(|request| request.id.get()).collect();
        let bodies = sqlx::query(&format!(
            "SELECT b.request_id, b.body, b.encoding, r.body_size \
             FROM request_bodies b JOIN requests r ON r.id = b.request_id \
             WHERE b.request_id IN ({})",
            json_ids(dialect, "$1")
        ))
        .bind(to_json(&ids)?)
        .fetch_all(&mut *transaction)
        .await?;
        let mut bodies = bodies
            .iter()
            .map(|row| {
                let id: i64 = row.try_get("request_id")?;
                let encoding: String = row.try_get("encoding")?;
                let decoded = body::decode(
                    id,
                    &encoding,
                    row.try_get("body")?,
                    row.try_get("body_size")?,
                )
                .map_err(|error| {
                    tracing::error!(
                        request.id = id,
                        %error,
                        "cannot decode a stored body, so only this request fails to import"
                    );
                    error.to_string()
                });
                Ok((id, decoded))
            })
            .collect::<Result<HashMap<i64, std::result::Result<Vec<u8>, String>>>>()?;
        for request in &mut requests {
            request.body = bodies.remove(&request.id.get()).unwrap_or(Ok(Vec::new()));
        }
    }
    Ok(ImportBatch {
        transaction,
        _turn: turn,
        dialect,
        requests,
        stored_duplicates: None,
        imported: duplicates::ImportedInBatch::default(),
        orders: HashMap::new(),
        outcomes: Vec::new(),
    })
}

impl ImportBatch {
    pub fn requests(&self) -> &[ClaimedRequest] {
        &self.requests
    }

    /// Leaves the requests from `index` on to a later batch and returns their ids. They stay
    /// pending, and this batch writes nothing for them. Call it before checking or finishing
    /// any of them.
    pub fn defer_from(&mut self, index: usize) -> Vec<RequestId> {
        let deferred = self.requests.split_off(index.min(self.requests.len()));
        deferred.iter().map(|request| request.id).collect()
    }

    /// Whether an earlier request of the same webhook carried the same delivery id, or the
    /// same body within [`DUPLICATE_WINDOW_MS`], and was imported. The first call checks every
    /// request of the batch in one query. Requests must be checked and finished in order,
    /// because an import finished in this batch makes a later copy of its body or delivery id
    /// a duplicate.
    pub async fn is_duplicate(&mut self, request: &ClaimedRequest) -> Result<bool> {
        if self.stored_duplicates.is_none() {
            let found = duplicates::StoredDuplicates::read(
                &mut self.transaction,
                self.dialect,
                &self.requests,
            )
            .await?;
            self.stored_duplicates = Some(found);
        }
        let stored = self
            .stored_duplicates
            .as_ref()
            .is_some_and(|found| found.contains(request.id));
        Ok(stored || self.imported.repeats(request))
    }

    /// Returns whether a request that [`ImportBatch::is_duplicate`] found had the body of an
    /// earlier import, not only its delivery id. A channel that gives different orders one delivery id
    /// shows as a duplicate whose body differs.
    pub fn duplicate_has_same_body(&self, request: &ClaimedRequest) -> bool {
        let stored = self
            .stored_duplicates
            .as_ref()
            .is_some_and(|found| found.same_body(request.id));
        stored || self.imported.repeats_body(request)
    }

    /// Reads a store's first-import status and time zone. `None` when the store is gone. A
    /// status that is not open (shipped, cancelled or voided), which stores saved before it was
    /// refused may have, counts as blank: it would close every new order to later updates.
    pub async fn store_settings(
        &mut self,
        account_id: AccountId,
        store_id: StoreId,
    ) -> Result<Option<(Option<OrderStatus>, String)>> {
        let row = sqlx::query(
            "SELECT status_on_import, time_zone FROM stores WHERE account_id = $1 AND id = $2",
        )
        .bind(account_id.get())
        .bind(store_id.get())
        .fetch_optional(&mut *self.transaction)
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let status = row
            .try_get::<Option<String>, _>("status_on_import")?
            .map(|text| text.parse::<OrderStatus>())
            .transpose()
            .map_err(|error| StoreError::corrupt("store status_on_import", error))?
            .filter(|status| status.is_open());
        Ok(Some((status, row.try_get("time_zone")?)))
    }

    /// Reads the newest map document of a store inside this transaction.
    pub async fn current_map(
        &mut self,
        account_id: AccountId,
        store_id: StoreId,
    ) -> Result<Option<(i64, String)>> {
        let row = sqlx::query(
            "SELECT version, document FROM maps WHERE account_id = $1 AND store_id = $2 \
             ORDER BY version DESC LIMIT 1",
        )
        .bind(account_id.get())
        .bind(store_id.get())
        .fetch_optional(&mut *self.transaction)
        .await?;
        match row {
            Some(row) => Ok(Some((row.try_get("version")?, row.try_get("document")?))),
            None => Ok(None),
        }
    }

    /// Reads the stored orders with these (account, source, number) keys in one query, so that
    /// [`ImportBatch::upsert_order`] decides without another read. On PostgreSQL the rows stay
    /// locked until the batch ends.
    pub async fn load_orders<'a>(
        &mut self,
        keys: impl IntoIterator<Item = (AccountId, &'a str, &'a str)>,
    ) -> Result<()> {
        upsert::load_orders(&mut self.transaction, self.dialect, &mut self.orders, keys).await
    }

    /// Creates the order, or updates it unless it is closed, stale or unchanged.
    /// `first_status` is the status a new order gets. A new order is inserted at once; an
    /// update and the line rows are written by [`ImportBatch::write`].
    pub async fn upsert_order(
        &mut self,
        account_id: AccountId,
        store_id: StoreId,
        order: &Order,
        first_status: Option<OrderStatus>,
    ) -> Result<UpsertOutcome> {
        upsert::upsert_order(
            &mut self.transaction,
            self.dialect,
            &mut self.orders,
            upsert::Incoming {
                account_id,
                store_id,
                order,
                first_status,
            },
        )
        .await
    }

    /// Counts the order's shipments that are not voided, inside the batch's transaction.
    pub async fn active_shipments(
        &mut self,
        account_id: AccountId,
        order_id: OrderId,
    ) -> Result<i64> {
        crate::shipments::active_count(&mut self.transaction, account_id, order_id).await
    }

    /// Records a request's outcome, which [`ImportBatch::write`] stores. `detail` is a JSON
    /// document with the reason, errors and warnings.
    pub fn finish(
        &mut self,
        request: RequestId,
        outcome: &str,
        detail: &str,
        order_id: Option<OrderId>,
    ) {
        if matches!(outcome, "created" | "updated" | "unchanged")
            && let Some(claimed) = self.requests.iter().find(|claimed| claimed.id == request)
        {
            self.imported.record(claimed);
        }
        self.outcomes.push(OutcomeRecord {
            id: request.get(),
            outcome: outcome.to_owned(),
            detail: detail.to_owned(),
            order_id: order_id.map(OrderId::get),
            imported_at: to_millis(OffsetDateTime::now_utc()),
        });
    }

    /// Writes what the batch kept in memory: order updates, line rows and outcomes. The
    /// transaction stays open; [`ImportBatch::commit`] calls this first.
    pub async fn write(&mut self) -> Result<()> {
        upsert::write_orders(&mut self.transaction, self.dialect, &mut self.orders).await?;
        self.write_outcomes().await
    }

    async fn write_outcomes(&mut self) -> Result<()> {
        if self.outcomes.is_empty() {
            return Ok(());
        }
        let columns = [
            ("id", "bigint"),
            ("outcome", "text"),
            ("detail", "text"),
            ("order_id", "bigint"),
            ("imported_at", "bigint"),
        ];
        sqlx::query(&format!(
            "UPDATE requests SET import_state = 'done', outcome = j.outcome, \
                    outcome_detail = j.detail, order_id = j.order_id, imported_at = j.imported_at \
             FROM {} WHERE requests.id = j.id",
            json_rows(self.dialect, "$1", &columns)
        ))
        .bind(to_json(&self.outcomes)?)
        .execute(&mut *self.transaction)
        .await?;
        self.outcomes.clear();
        Ok(())
    }

    /// Writes what is left and commits every order and outcome of the batch at once.
    pub async fn commit(mut self) -> Result<()> {
        self.write().await?;
        self.transaction.commit().await?;
        Ok(())
    }
}

/// Marks one request failed in its own transaction, for a request whose import keeps failing
/// on a database error, so that it does not hold up the requests after it.
pub async fn fail_alone(db: &Database, request: RequestId, detail: &str) -> Result<()> {
    sqlx::query(
        "UPDATE requests SET import_state = 'done', outcome = 'failed', outcome_detail = $1, \
                imported_at = $2 WHERE id = $3",
    )
    .bind(detail)
    .bind(to_millis(OffsetDateTime::now_utc()))
    .bind(request.get())
    .execute(db.pool())
    .await?;
    Ok(())
}

fn claimed_from_row(row: &AnyRow) -> Result<ClaimedRequest> {
    Ok(ClaimedRequest {
        id: RequestId(row.try_get("id")?),
        account_id: AccountId(row.try_get("account_id")?),
        store_id: StoreId(row.try_get("store_id")?),
        webhook_id: WebhookId(row.try_get("webhook_id")?),
        received_at: from_millis(row.try_get("received_at")?),
        headers: row.try_get("headers")?,
        body: Ok(Vec::new()),
        body_sha256: row.try_get("body_sha256")?,
        delivery_id: row.try_get("delivery_id")?,
    })
}

/// Returns a subquery that lists the ids in the JSON array bound to `parameter`.
fn json_ids(dialect: Dialect, parameter: &str) -> String {
    match dialect {
        Dialect::Sqlite => format!("SELECT value FROM json_each({parameter})"),
        Dialect::Postgres => {
            format!("SELECT value::bigint FROM json_array_elements_text({parameter}::json)")
        }
    }
}

/// Returns a FROM item named `j` with one row per object of the JSON array bound to
/// `parameter`, and one column per (name, PostgreSQL type) pair read from the member of that
/// name. A missing member or JSON null reads as NULL.
fn json_rows(dialect: Dialect, parameter: &str, columns: &[(&str, &str)]) -> String {
    match dialect {
        Dialect::Sqlite => {
            let fields: Vec<String> = columns
                .iter()
                .map(|(name, _)| format!("value ->> '{name}' AS {name}"))
                .collect();
            format!(
                "(SELECT {} FROM json_each({parameter})) AS j",
                fields.join(", ")
            )
        }
        Dialect::Postgres => {
            let fields: Vec<String> = columns
                .iter()
                .map(|(name, kind)| format!("{name} {kind}"))
                .collect();
            format!(
                "json_to_recordset({parameter}::json) AS j({})",
                fields.join(", ")
            )
        }
    }
}

/// Serializes rows for a JSON parameter.
fn to_json<T: Serialize + ?Sized>(rows: &T) -> Result<String> {
    serde_json::to_string(rows).map_err(|error| StoreError::corrupt("import rows", error))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{self, TestDatabase};

    /// The idle worker runs this query four times a second, so it must not walk over the
    /// pending requests of webhooks that are not active.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn pending_check_looks_up_the_index() {
        let test_db = TestDatabase::sqlite().await;
        let steps = testing::sqlite_query_plan(&test_db.db, HAS_PENDING).await;
        let requests_step = steps
            .iter()
            .find(|step| step.contains(" r "))
            .unwrap_or_else(|| panic!("no step reads requests: {steps:?}"));
        assert!(
            requests_step.contains("requests_pending (import_state=? AND webhook_id=?)"),
            "{steps:?}"
        );
    }
}
