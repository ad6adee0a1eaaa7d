//! Kept requests: every request received at a webhook URL, accepted ones with their exact
//! body, rejected ones as short records without it.

use postsale_core::{AccountId, OrderId, RequestId, StoreId, WebhookId};
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};
use time::OffsetDateTime;

use crate::body::{self, StoredBody};
use crate::{Database, Dialect, Result, StoreError, from_millis, to_millis};

/// The import state of a kept request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImportState {
    /// Waiting for the worker.
    Pending,
    /// The worker wrote an outcome.
    Done,
    /// Kept, but never imported: not JSON, an empty body, a ping.
    NotImportable,
    /// Turned away at ingress; only a short record is kept.
    Rejected,
}

impl ImportState {
    pub fn as_str(self) -> &'static str {
        match self {
            ImportState::Pending => "pending",
            ImportState::Done => "done",
            ImportState::NotImportable => "not_importable",
            ImportState::Rejected => "rejected",
        }
    }

    fn parse(text: &str) -> Result<Self> {
        match text {
            "pending" => Ok(ImportState::Pending),
            "done" => Ok(ImportState::Done),
            "not_importable" => Ok(ImportState::NotImportable),
            "rejected" => Ok(ImportState::Rejected),
            other => Err(StoreError::corrupt("request import_state", other)),
        }
    }
}

/// A request to keep. `body` is `None` for rejected requests.
#[derive(Clone, Debug)]
pub struct NewRequest {
    pub account_id: AccountId,
    pub store_id: StoreId,
    pub webhook_id: WebhookId,
    pub received_at: OffsetDateTime,
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    /// Headers as a JSON array of `[name, value]` pairs, credentials already masked.
    pub headers: String,
    pub remote_addr: String,
    pub content_type: Option<String>,
    pub body: Option<StoredBody>,
    /// The size of the body as received, in bytes.
    pub body_size: i64,
    pub body_sha256: String,
    pub body_kind: String,
    pub delivery_id: Option<String>,
    pub status_code: u16,
    pub reason_code: Option<String>,
    pub diagnosis: Option<String>,
    pub import_state: ImportState,
}

/// A kept request's metadata, without its body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeptRequest {
    pub id: RequestId,
    pub account_id: AccountId,
    pub store_id: StoreId,
    pub webhook_id: WebhookId,
    pub received_at: OffsetDateTime,
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    pub headers: String,
    pub remote_addr: String,
    pub content_type: Option<String>,
    pub body_size: i64,
    pub body_sha256: String,
    pub body_kind: String,
    pub delivery_id: Option<String>,
    pub accepted: bool,
    pub status_code: u16,
    pub reason_code: Option<String>,
    pub diagnosis: Option<String>,
    pub import_state: ImportState,
    pub outcome: Option<String>,
    pub outcome_detail: Option<String>,
    pub order_id: Option<OrderId>,
    pub imported_at: Option<OffsetDateTime>,
}

/// The acceptance filter of a listing.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Acceptance {
    #[default]
    All,
    Accepted,
    Rejected,
}

const COLUMNS: &str = "id, account_id, store_id, webhook_id, received_at, method, path, query, \
                       headers, remote_addr, content_type, body_size, body_sha256, body_kind, \
                       delivery_id, accepted, status_code, reason_code, diagnosis, import_state, \
                       outcome, outcome_detail, order_id, imported_at";

/// The columns an insert writes, in the order of its parameters.
const INSERT_COLUMNS: &str = "account_id, store_id, webhook_id, received_at, method, path, query, \
                              headers, remote_addr, content_type, body_size, body_sha256, \
                              body_kind, delivery_id, accepted, status_code, reason_code, \
                              diagnosis, import_state";

/// Parameters per request row in [`INSERT_COLUMNS`].
const PARAMETERS_PER_ROW: usize = 19;

/// Rows per `INSERT` statement: 256 rows use 4,864 parameters, within both databases' limits.
const ROWS_PER_INSERT: usize = 256;

/// Inserts requests in one transaction, so that a batch costs one commit and one fsync, with
/// one multi-row `INSERT` for the requests and one for their bodies. Returns their ids in the
/// order given.
pub async fn insert_batch(db: &Database, requests: &[NewRequest]) -> Result<Vec<RequestId>> {
    let mut transaction = db.begin_write().await?;
    let mut ids = Vec::with_capacity(requests.len());
    for chunk in requests.chunks(ROWS_PER_INSERT) {
        let chunk_ids = insert_rows(&mut transaction, db.dialect(), chunk).await?;
        insert_bodies(&mut transaction, db.dialect(), chunk, &chunk_ids).await?;
        ids.extend(chunk_ids);
    }
    transaction.commit().await?;
    Ok(ids)
}

/// Keeps a short record of a rejected request, then drops the oldest rejected records of the
/// webhook beyond `keep`, so that a flood of bad requests cannot fill the disk.
pub async fn insert_rejected(db: &Database, request: &NewRequest, keep: i64) -> Result<RequestId> {
    let mut transaction = db.begin_write().await?;
    let ids = insert_rows(
        &mut transaction,
        db.dialect(),
        std::slice::from_ref(request),
    )
    .await?;
    insert_bodies(
        &mut transaction,
        db.dialect(),
        std::slice::from_ref(request),
        &ids,
    )
    .await?;
    sqlx::query(
        "DELETE FROM requests WHERE webhook_id = $1 AND accepted = 0 AND id <= \
           (SELECT id FROM requests WHERE webhook_id = $1 AND accepted = 0 \
            ORDER BY id DESC LIMIT 1 OFFSET $2)",
    )
    .bind(request.webhook_id.get())
    .bind(keep)
    .execute(&mut *transaction)
    .await?;
    transaction.commit().await?;
    ids.first()
        .copied()
        .ok_or_else(|| StoreError::corrupt("inserted request", "no id was returned"))
}

/// Inserts request rows with one statement and returns their ids in the order of `requests`.
///
/// Neither database promises the order of `RETURNING` rows, so the ids are sorted, and each
/// id is paired with the request at the same place only after checking that the row it names
/// contains that request's webhook, arrival time, body hash and delivery id. If the check
/// fails, the insert fails as a whole rather than give a caller the id of another request, and
/// [`crate::ingest`] then keeps the requests one by one.
///
/// NOTE: that SQLite and PostgreSQL number the rows of a multi-row `VALUES` in order is what
/// the tests observe (`batch_ids_name_their_own_requests`), not what either documents.
async fn insert_rows(
    transaction: &mut Transaction<'static, Any>,
    dialect: Dialect,
    requests: &[NewRequest],
) -> Result<Vec<RequestId>> {
    let sql = format!(
        "INSERT INTO requests ({INSERT_COLUMNS}) VALUES {} \
         RETURNING id, webhook_id, received_at, body_sha256, delivery_id",
        value_rows(dialect, requests.len(), PARAMETERS_PER_ROW)
    );
    let mut query = sqlx::query(&sql);
    for request in requests {
        let accepted = request.import_state != ImportState::Rejected;
        query = query
            .bind(request.account_id.get())
            .bind(request.store_id.get())
            .bind(request.webhook_id.get())
            .bind(to_millis(request.received_at))
            .bind(&request.method)
            .bind(&request.path)
            .bind(&request.query)
            .bind(&request.headers)
            .bind(&request.remote_addr)
            .bind(&request.content_type)
            .bind(request.body_size)
            .bind(&request.body_sha256)
            .bind(&request.body_kind)
            .bind(&request.delivery_id)
            .bind(i64::from(accepted))
            .bind(i64::from(request.status_code))
            .bind(&request.reason_code)
            .bind(&request.diagnosis)
            .bind(request.import_state.as_str());
    }
    let mut returned = query
        .fetch_all(&mut **transaction)
        .await?
        .iter()
        .map(|row| {
            Ok(ReturnedRow {
                id: row.try_get("id")?,
                webhook_id: row.try_get("webhook_id")?,
                received_at: row.try_get("received_at")?,
                body_sha256: row.try_get("body_sha256")?,
                delivery_id: row.try_get("delivery_id")?,
            })
        })
        .collect::<Result<Vec<ReturnedRow>>>()?;
    returned.sort_by_key(|row| row.id);
    if returned.len() != requests.len() {
        return Err(StoreError::corrupt(
            "inserted requests",
            format!(
                "{} rows returned for {} requests",
                returned.len(),
                requests.len()
            ),
        ));
    }
    requests
        .iter()
        .zip(&returned)
        .map(|(request, row)| {
            if row.holds(request) {
                Ok(RequestId(row.id))
            } else {
                Err(StoreError::corrupt(
                    "inserted requests",
                    format!("request {} was not numbered in insert order", row.id),
                ))
            }
        })
        .collect()
}

/// Returns `rows` parenthesized groups of `columns` parameters for a multi-row `VALUES`.
/// SQLite gets anonymous `?` parameters, because sqlx finds each numbered one by name. SQLite
/// looks a name up by walking the list of names, so the cost grows with the square of the
/// parameter count. At 256 rows of 19 it took 7 % of the ingest server's time.
fn value_rows(dialect: Dialect, rows: usize, columns: usize) -> String {
    let row = |index: usize| {
        let parameters: Vec<String> = (1..=columns)
            .map(|column| match dialect {
                Dialect::Sqlite => "?".to_owned(),
                Dialect::Postgres => format!("${}", index * columns + column),
            })
            .collect();
        format!("({})", parameters.join(", "))
    };
    (0..rows).map(row).collect::<Vec<_>>().join(", ")
}

/// The columns of an inserted request that [`insert_rows`] reads back to pair ids.
struct ReturnedRow {
    id: i64,
    webhook_id: i64,
    received_at: i64,
    body_sha256: String,
    delivery_id: Option<String>,
}

impl ReturnedRow {
    fn holds(&self, request: &NewRequest) -> bool {
        self.webhook_id == request.webhook_id.get()
            && self.received_at == to_millis(request.received_at)
            && self.body_sha256 == request.body_sha256
            && self.delivery_id == request.delivery_id
    }
}

/// Inserts the bodies of the requests that have one, under the ids [`insert_rows`] returned.
async fn insert_bodies(
    transaction: &mut Transaction<'static, Any>,
    dialect: Dialect,
    requests: &[NewRequest],
    ids: &[RequestId],
) -> Result<()> {
    let bodies: Vec<(RequestId, &StoredBody)> = ids
        .iter()
        .zip(requests)
        .filter_map(|(id, request)| request.body.as_ref().map(|body| (*id, body)))
        .collect();
    if bodies.is_empty() {
        return Ok(());
    }
    let sql = format!(
        "INSERT INTO request_bodies (request_id, body, encoding) VALUES {}",
        value_rows(dialect, bodies.len(), 3)
    );
    let mut query = sqlx::query(&sql);
    for (id, body) in bodies {
        query = query
            .bind(id.get())
            .bind(body.bytes())
            .bind(body.encoding().as_str());
    }
    query.execute(&mut **transaction).await?;
    Ok(())
}

/// Lists a store's requests newest first. `before` is the cursor: the id of the last request
/// of the previous page.
pub async fn list(
    db: &Database,
    account_id: AccountId,
    store_id: StoreId,
    acceptance: Acceptance,
    before: Option<RequestId>,
    limit: i64,
) -> Result<Vec<KeptRequest>> {
    let filter = match acceptance {
        Acceptance::All => "",
        Acceptance::Accepted => " AND accepted = 1",
        Acceptance::Rejected => " AND accepted = 0",
    };
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM requests \
         WHERE account_id = $1 AND store_id = $2 AND id < $3{filter} \
         ORDER BY id DESC LIMIT $4"
    ))
    .bind(account_id.get())
    .bind(store_id.get())
    .bind(before.map_or(i64::MAX, RequestId::get))
    .bind(limit)
    .fetch_all(db.pool())
    .await?;
    rows.iter().map(request_from_row).collect()
}

/// Reads one request's metadata.
pub async fn get(
    db: &Database,
    account_id: AccountId,
    request_id: RequestId,
) -> Result<Option<KeptRequest>> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM requests WHERE account_id = $1 AND id = $2"
    ))
    .bind(account_id.get())
    .bind(request_id.get())
    .fetch_optional(db.pool())
    .await?;
    row.as_ref().map(request_from_row).transpose()
}

/// Reads one request's exact body bytes. `Ok(None)` when there is no such request; rejected
/// requests have an empty body.
pub async fn body(
    db: &Database,
    account_id: AccountId,
    request_id: RequestId,
) -> Result<Option<Vec<u8>>> {
    let row = sqlx::query(
        "SELECT r.body_size, b.body, b.encoding \
         FROM requests r LEFT JOIN request_bodies b ON b.request_id = r.id \
         WHERE r.account_id = $1 AND r.id = $2",
    )
    .bind(account_id.get())
    .bind(request_id.get())
    .fetch_optional(db.pool())
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let stored: Option<Vec<u8>> = row.try_get("body")?;
    match stored {
        Some(bytes) => {
            let encoding: String = row.try_get("encoding")?;
            let size: i64 = row.try_get("body_size")?;
            Ok(Some(body::decode(
                request_id.get(),
                &encoding,
                bytes,
                size,
            )?))
        }
        None => Ok(Some(Vec::new())),
    }
}

fn request_from_row(row: &AnyRow) -> Result<KeptRequest> {
    let state: String = row.try_get("import_state")?;
    let status: i64 = row.try_get("status_code")?;
    Ok(KeptRequest {
        id: RequestId(row.try_get("id")?),
        account_id: AccountId(row.try_get("account_id")?),
        store_id: StoreId(row.try_get("store_id")?),
        webhook_id: WebhookId(row.try_get("webhook_id")?),
        received_at: from_millis(row.try_get("received_at")?),
        method: row.try_get("method")?,
        path: row.try_get("path")?,
        query: row.try_get("query")?,
        headers: row.try_get("headers")?,
        remote_addr: row.try_get("remote_addr")?,
        content_type: row.try_get("content_type")?,
        body_size: row.try_get("body_size")?,
        body_sha256: row.try_get("body_sha256")?,
        body_kind: row.try_get("body_kind")?,
        delivery_id: row.try_get("delivery_id")?,
        accepted: row.try_get::<i64, _>("accepted")? != 0,
        status_code: u16::try_from(status).map_err(|e| StoreError::corrupt("status_code", e))?,
        reason_code: row.try_get("reason_code")?,
        diagnosis: row.try_get("diagnosis")?,
        import_state: ImportState::parse(&state)?,
        outcome: row.try_get("outcome")?,
        outcome_detail: row.try_get("outcome_detail")?,
        order_id: row.try_get::<Option<i64>, _>("order_id")?.map(OrderId),
        imported_at: row
            .try_get::<Option<i64>, _>("imported_at")?
            .map(from_millis),
    })
}

/// Lists the requests that touched an order, oldest first: its import history.
pub async fn for_order(
    db: &Database,
    account_id: AccountId,
    order_id: OrderId,
) -> Result<Vec<KeptRequest>> {
    let rows = sqlx::query(&for_order_query())
        .bind(account_id.get())
        .bind(order_id.get())
        .fetch_all(db.pool())
        .await?;
    rows.iter().map(request_from_row).collect()
}

fn for_order_query() -> String {
    format!("SELECT {COLUMNS} FROM requests WHERE account_id = $1 AND order_id = $2 ORDER BY id")
}

/// The selection of a store's kept requests that a replay takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReplaySelection {
    /// Every request whose last import failed.
    Failed,
    /// Every importable request received at or after this instant.
    Since(OffsetDateTime),
}

/// Lists the ids of a store's importable requests that a replay takes, oldest first.
pub async fn ids_for_replay(
    db: &Database,
    account_id: AccountId,
    store_id: StoreId,
    selection: ReplaySelection,
) -> Result<Vec<RequestId>> {
    let (condition, since) = match selection {
        ReplaySelection::Failed => ("outcome = 'failed'", 0),
        ReplaySelection::Since(instant) => ("received_at >= $3", to_millis(instant)),
    };
    let sql = format!(
        "SELECT id FROM requests WHERE account_id = $1 AND store_id = $2 AND accepted = 1 \
           AND body_kind = 'json' AND {condition} ORDER BY id"
    );
    let mut query = sqlx::query_scalar::<_, i64>(&sql)
        .bind(account_id.get())
        .bind(store_id.get());
    if matches!(selection, ReplaySelection::Since(_)) {
        query = query.bind(since);
    }
    let ids = query.fetch_all(db.pool()).await?;
    Ok(ids.into_iter().map(RequestId).collect())
}

/// Returns the time of the newest request of each store of an account that has received one.
pub async fn last_received_by_store(
    db: &Database,
    account_id: AccountId,
) -> Result<Vec<(StoreId, OffsetDateTime)>> {
    let rows = sqlx::query(
        "SELECT store_id, MAX(received_at) AS last_received FROM requests \
         WHERE account_id = $1 GROUP BY store_id",
    )
    .bind(account_id.get())
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|row| {
            let store = StoreId(row.try_get("store_id")?);
            let last: i64 = row.try_get("last_received")?;
            Ok((store, from_millis(last)))
        })
        .collect()
}

/// Counts the requests kept for a store, accepted and rejected.
pub async fn count_for_store(
    db: &Database,
    account_id: AccountId,
    store_id: StoreId,
) -> Result<i64> {
    let count =
        sqlx::query_scalar("SELECT COUNT(*) FROM requests WHERE account_id = $1 AND store_id = $2")
            .bind(account_id.get())
            .bind(store_id.get())
            .fetch_one(db.pool())
            .await?;
    Ok(count)
}

/// The requests named for a replay, sorted by what a replay can do with them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NamedRequests {
    /// Accepted requests of the store with a JSON body, in the order they were named, each once.
    pub importable: Vec<RequestId>,
    /// Requests of the store that were rejected or whose body is not JSON.
    pub not_importable: Vec<RequestId>,
    /// Ids that name no request of this store in this account.
    pub not_found: Vec<RequestId>,
}

/// Ids looked up in one query, well below the bind limits of SQLite and PostgreSQL.
const LOOKUP_CHUNK: usize = 500;

/// Sorts the ids a caller named for a replay of one store into importable, not importable and
/// not found. Repeated ids are kept once.
pub async fn check_named(
    db: &Database,
    account_id: AccountId,
    store_id: StoreId,
    ids: &[RequestId],
) -> Result<NamedRequests> {
    let mut seen = std::collections::HashSet::new();
    let unique: Vec<RequestId> = ids.iter().copied().filter(|id| seen.insert(*id)).collect();
    let mut importable_found = std::collections::HashSet::new();
    let mut present = std::collections::HashSet::new();
    for chunk in unique.chunks(LOOKUP_CHUNK) {
        let placeholders: Vec<String> = (0..chunk.len()).map(|i| format!("${}", i + 3)).collect();
        let sql = format!(
            "SELECT id, accepted, body_kind FROM requests \
             WHERE account_id = $1 AND store_id = $2 AND id IN ({})",
            placeholders.join(", ")
        );
        let mut query = sqlx::query(&sql)
            .bind(account_id.get())
            .bind(store_id.get());
        for id in chunk {
            query = query.bind(id.get());
        }
        for row in query.fetch_all(db.pool()).await? {
            let id = RequestId(row.try_get("id")?);
            let accepted: i64 = row.try_get("accepted")?;
            let body_kind: String = row.try_get("body_kind")?;
            present.insert(id);
            if accepted == 1 && body_kind == "json" {
                importable_found.insert(id);
            }
        }
    }
    let mut named = NamedRequests::default();
    for id in unique {
        if importable_found.contains(&id) {
            named.importable.push(id);
        } else if present.contains(&id) {
            named.not_importable.push(id);
        } else {
            named.not_found.push(id);
        }
    }
    Ok(named)
}

/// Deletes a webhook's oldest kept pings (requests whose body is WooCommerce's
/// `webhook_id=N`) beyond the newest `keep`, and returns how many it deleted. Ingress accepts
/// pings without security checks, so this cap keeps a flood of them from filling the disk.
pub async fn trim_pings(db: &Database, webhook_id: WebhookId, keep: i64) -> Result<u64> {
    let result = sqlx::query(
        "DELETE FROM requests \
         WHERE webhook_id = $1 AND import_state = 'not_importable' AND body_kind = 'ping' \
           AND id <= (SELECT id FROM requests \
                      WHERE webhook_id = $1 AND import_state = 'not_importable' \
                        AND body_kind = 'ping' \
                      ORDER BY id DESC LIMIT 1 OFFSET $2)",
    )
    .bind(webhook_id.get())
    .bind(keep)
    .execute(db.pool())
    .await?;
    Ok(result.rows_affected())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{self, TestDatabase};

    /// The index by order leaves out requests without an order. The import history of an
    /// order must still find its requests through that index.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn order_history_uses_the_partial_index() {
        let test_db = TestDatabase::sqlite().await;
        let steps = testing::sqlite_query_plan(&test_db.db, &for_order_query()).await;
        assert!(
            steps
                .iter()
                .any(|step| step.contains("USING INDEX requests_order (order_id=?)")),
            "{steps:?}"
        );
    }
}
