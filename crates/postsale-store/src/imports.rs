//! The import transaction: claim kept requests, upsert the orders they carry, and write each
//! request's outcome, all in one transaction so that a crash imports nothing twice and loses
//! nothing.
//!
//! On PostgreSQL a worker locks one webhook row with `FOR NO KEY UPDATE SKIP LOCKED` and
//! claims that webhook's oldest pending requests, so several processes share the work while
//! each webhook's requests are imported in arrival order. On SQLite one worker per process
//! claims the oldest pending requests of active webhooks; the claim is the transaction's first
//! statement and a write, so the transaction holds the write lock from its start.

use postsale_core::order::Order;
use postsale_core::{AccountId, OrderId, OrderStatus, RequestId, StoreId, WebhookId};
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};
use time::OffsetDateTime;

use crate::{Database, Dialect, Result, StoreError, from_millis, to_millis};

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
    pub body: Vec<u8>,
    pub body_sha256: String,
    pub delivery_id: Option<String>,
}

/// What the upsert did to the order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UpsertOutcome {
    Created(OrderId),
    Updated(OrderId),
    Unchanged(OrderId),
    /// The order is shipped or cancelled; nothing was written. `changed` lists the top-level
    /// fields that the request would have changed.
    Closed {
        order_id: OrderId,
        status: OrderStatus,
        changed: Vec<String>,
    },
    /// The stored order was updated at the channel after this request's version.
    Stale {
        order_id: OrderId,
        stored: OffsetDateTime,
        incoming: OffsetDateTime,
    },
}

/// An open import transaction with the requests it claimed.
#[derive(Debug)]
pub struct ImportBatch {
    transaction: Transaction<'static, Any>,
    dialect: Dialect,
    requests: Vec<ClaimedRequest>,
}

const CLAIM_COLUMNS: &str = "id, account_id, store_id, webhook_id, received_at, headers, body, \
                             body_sha256, delivery_id";

/// Claims up to `limit` pending requests of active webhooks. Returns `None` when there is no
/// work.
pub async fn claim_pending(db: &Database, worker: &str, limit: i64) -> Result<Option<ImportBatch>> {
    let mut transaction = db.pool().begin().await?;
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
            sqlx::query(&format!(
                "UPDATE requests SET claimed_by = $1, claimed_at = $2 WHERE id IN \
                   (SELECT id FROM requests WHERE webhook_id = $3 AND import_state = 'pending' \
                    ORDER BY id LIMIT $4 FOR UPDATE SKIP LOCKED) \
                 RETURNING {CLAIM_COLUMNS}"
            ))
            .bind(worker)
            .bind(now)
            .bind(webhook)
            .bind(limit)
            .fetch_all(&mut *transaction)
            .await?
        }
        Dialect::Sqlite => {
            sqlx::query(&format!(
                "UPDATE requests SET claimed_by = $1, claimed_at = $2 WHERE id IN \
                   (SELECT r.id FROM requests r JOIN webhooks w ON w.id = r.webhook_id \
                    WHERE r.import_state = 'pending' AND w.state = 'active' \
                    ORDER BY r.id LIMIT $3) \
                 RETURNING {CLAIM_COLUMNS}"
            ))
            .bind(worker)
            .bind(now)
            .bind(limit)
            .fetch_all(&mut *transaction)
            .await?
        }
    };
    if rows.is_empty() {
        return Ok(None);
    }
    batch_from_rows(transaction, db.dialect(), &rows).map(Some)
}

/// Claims the named requests of an account for a replay, whatever their import state, as long
/// as they were accepted with a JSON body. Ids that name no such request are left out.
pub async fn claim_for_replay(
    db: &Database,
    account_id: AccountId,
    ids: &[RequestId],
    worker: &str,
) -> Result<ImportBatch> {
    let mut transaction = db.pool().begin().await?;
    let now = to_millis(OffsetDateTime::now_utc());
    let mut rows = Vec::with_capacity(ids.len());
    for id in ids {
        let row = sqlx::query(&format!(
            "UPDATE requests SET claimed_by = $1, claimed_at = $2 \
             WHERE account_id = $3 AND id = $4 AND accepted = 1 AND body_kind = 'json' \
             RETURNING {CLAIM_COLUMNS}"
        ))
        .bind(worker)
        .bind(now)
        .bind(account_id.get())
        .bind(id.get())
        .fetch_optional(&mut *transaction)
        .await?;
        rows.extend(row);
    }
    batch_from_rows(transaction, db.dialect(), &rows)
}

fn batch_from_rows(
    transaction: Transaction<'static, Any>,
    dialect: Dialect,
    rows: &[AnyRow],
) -> Result<ImportBatch> {
    let mut requests = rows
        .iter()
        .map(claimed_from_row)
        .collect::<Result<Vec<_>>>()?;
    requests.sort_by_key(|request| request.id);
    Ok(ImportBatch {
        transaction,
        dialect,
        requests,
    })
}

impl ImportBatch {
    pub fn requests(&self) -> &[ClaimedRequest] {
        &self.requests
    }

    /// Whether an earlier request of the same webhook carried the same delivery id, or the
    /// same body within [`DUPLICATE_WINDOW_MS`] and was imported.
    pub async fn is_duplicate(&mut self, request: &ClaimedRequest) -> Result<bool> {
        if let Some(delivery_id) = &request.delivery_id {
            let found: Option<i64> = sqlx::query_scalar(
                "SELECT id FROM requests WHERE webhook_id = $1 AND delivery_id = $2 AND id < $3 \
                   AND accepted = 1 LIMIT 1",
            )
            .bind(request.webhook_id.get())
            .bind(delivery_id)
            .bind(request.id.get())
            .fetch_optional(&mut *self.transaction)
            .await?;
            if found.is_some() {
                return Ok(true);
            }
        }
        let found: Option<i64> = sqlx::query_scalar(
            "SELECT id FROM requests WHERE webhook_id = $1 AND body_sha256 = $2 AND id < $3 \
               AND received_at > $4 AND import_state = 'done' \
               AND outcome IN ('created', 'updated', 'unchanged') LIMIT 1",
        )
        .bind(request.webhook_id.get())
        .bind(&request.body_sha256)
        .bind(request.id.get())
        .bind(to_millis(request.received_at) - DUPLICATE_WINDOW_MS)
        .fetch_optional(&mut *self.transaction)
        .await?;
        Ok(found.is_some())
    }

    /// Reads a store's first-import status and time zone. `None` when the store is gone.
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
            .map_err(|error| StoreError::corrupt("store status_on_import", error))?;
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

    /// Creates the order, or updates it unless it is closed, stale or unchanged.
    /// `first_status` is the status a new order gets.
    pub async fn upsert_order(
        &mut self,
        account_id: AccountId,
        store_id: StoreId,
        order: &Order,
        first_status: Option<OrderStatus>,
    ) -> Result<UpsertOutcome> {
        let now = to_millis(OffsetDateTime::now_utc());
        let document = serde_json::to_string(order).map_err(|e| StoreError::corrupt("order", e))?;
        let fingerprint = order.fingerprint();

        let inserted: Option<i64> = sqlx::query_scalar(
            "INSERT INTO orders (account_id, store_id, source, number, status, channel_status, \
                                 order_date, source_updated_at, currency, customer_name, \
                                 customer_email, total, document, fingerprint, created_at, \
                                 updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15) \
             ON CONFLICT (account_id, source, number) DO NOTHING RETURNING id",
        )
        .bind(account_id.get())
        .bind(store_id.get())
        .bind(&order.source)
        .bind(&order.number)
        .bind(first_status.map(OrderStatus::as_str))
        .bind(&order.channel_status)
        .bind(order.order_date.as_ref().map(|date| to_millis(date.utc)))
        .bind(order.updated_at.as_ref().map(|date| to_millis(date.utc)))
        .bind(&order.currency)
        .bind(&order.customer.name)
        .bind(&order.customer.email)
        .bind(order.charges.total.map(|total| total.to_string()))
        .bind(&document)
        .bind(&fingerprint)
        .bind(now)
        .fetch_optional(&mut *self.transaction)
        .await?;
        if let Some(id) = inserted {
            self.replace_lines(OrderId(id), order).await?;
            return Ok(UpsertOutcome::Created(OrderId(id)));
        }

        self.update_existing(account_id, store_id, order, &document, &fingerprint, now)
            .await
    }

    async fn update_existing(
        &mut self,
        account_id: AccountId,
        store_id: StoreId,
        order: &Order,
        document: &str,
        fingerprint: &str,
        now: i64,
    ) -> Result<UpsertOutcome> {
        let lock = match self.dialect {
            Dialect::Postgres => " FOR UPDATE",
            Dialect::Sqlite => "",
        };
        let row = sqlx::query(&format!(
            "SELECT id, status, channel_status, source_updated_at, fingerprint, document \
             FROM orders \
             WHERE account_id = $1 AND source = $2 AND number = $3{lock}"
        ))
        .bind(account_id.get())
        .bind(&order.source)
        .bind(&order.number)
        .fetch_one(&mut *self.transaction)
        .await?;
        let order_id = OrderId(row.try_get("id")?);
        let status = row
            .try_get::<Option<String>, _>("status")?
            .map(|text| text.parse::<OrderStatus>())
            .transpose()
            .map_err(|error| StoreError::corrupt("order status", error))?;

        if let Some(status) = status.filter(|status| status.is_closed()) {
            let stored: String = row.try_get("document")?;
            return Ok(UpsertOutcome::Closed {
                order_id,
                status,
                changed: changed_fields(&stored, document),
            });
        }
        let stored_updated: Option<i64> = row.try_get("source_updated_at")?;
        let incoming_updated = order.updated_at.as_ref().map(|date| to_millis(date.utc));
        if let (Some(stored), Some(incoming)) = (stored_updated, incoming_updated)
            && incoming < stored
        {
            return Ok(UpsertOutcome::Stale {
                order_id,
                stored: from_millis(stored),
                incoming: from_millis(incoming),
            });
        }
        if row.try_get::<String, _>("fingerprint")? == fingerprint {
            return Ok(UpsertOutcome::Unchanged(order_id));
        }

        // The status the map derives from the channel's status applies when the channel's
        // status changed (a cancellation cancels an open order). Otherwise the local status,
        // which a person may have set, stays as it is.
        let stored_channel: Option<String> = row.try_get("channel_status")?;
        let channel_moved =
            order.channel_status.is_some() && order.channel_status != stored_channel;
        let new_status = match order.status {
            Some(mapped) if channel_moved => Some(mapped),
            _ => status,
        };
        sqlx::query(
            "UPDATE orders SET store_id = $1, status = $2, channel_status = $3, order_date = $4, \
                    source_updated_at = $5, currency = $6, customer_name = $7, \
                    customer_email = $8, total = $9, document = $10, fingerprint = $11, \
                    updated_at = $12 \
             WHERE id = $13",
        )
        .bind(store_id.get())
        .bind(new_status.map(OrderStatus::as_str))
        .bind(&order.channel_status)
        .bind(order.order_date.as_ref().map(|date| to_millis(date.utc)))
        .bind(incoming_updated.or(stored_updated))
        .bind(&order.currency)
        .bind(&order.customer.name)
        .bind(&order.customer.email)
        .bind(order.charges.total.map(|total| total.to_string()))
        .bind(document)
        .bind(fingerprint)
        .bind(now)
        .bind(order_id.get())
        .execute(&mut *self.transaction)
        .await?;
        self.replace_lines(order_id, order).await?;
        Ok(UpsertOutcome::Updated(order_id))
    }

    async fn replace_lines(&mut self, order_id: OrderId, order: &Order) -> Result<()> {
        sqlx::query("DELETE FROM order_lines WHERE order_id = $1")
            .bind(order_id.get())
            .execute(&mut *self.transaction)
            .await?;
        for (position, line) in order.lines.iter().enumerate() {
            sqlx::query(
                "INSERT INTO order_lines (order_id, position, sku, name, quantity, unit_price, \
                                          line_total) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(order_id.get())
            .bind(i64::try_from(position).unwrap_or(i64::MAX))
            .bind(&line.sku)
            .bind(&line.name)
            .bind(i64::from(line.quantity))
            .bind(line.unit_price.map(|price| price.to_string()))
            .bind(line.line_total.map(|total| total.to_string()))
            .execute(&mut *self.transaction)
            .await?;
        }
        Ok(())
    }

    /// Writes a request's outcome. `detail` is a JSON document with the reason, errors and
    /// warnings.
    pub async fn finish(
        &mut self,
        request: RequestId,
        outcome: &str,
        detail: &str,
        order_id: Option<OrderId>,
    ) -> Result<()> {
        sqlx::query(
            "UPDATE requests SET import_state = 'done', outcome = $1, outcome_detail = $2, \
                    order_id = $3, imported_at = $4 \
             WHERE id = $5",
        )
        .bind(outcome)
        .bind(detail)
        .bind(order_id.map(OrderId::get))
        .bind(to_millis(OffsetDateTime::now_utc()))
        .bind(request.get())
        .execute(&mut *self.transaction)
        .await?;
        Ok(())
    }

    /// Commits every order and outcome of the batch at once.
    pub async fn commit(self) -> Result<()> {
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

/// Lists the top-level members of two order documents whose values differ.
fn changed_fields(stored: &str, incoming: &str) -> Vec<String> {
    let stored: serde_json::Value = serde_json::from_str(stored).unwrap_or_default();
    let incoming: serde_json::Value = serde_json::from_str(incoming).unwrap_or_default();
    let (Some(stored), Some(incoming)) = (stored.as_object(), incoming.as_object()) else {
        return Vec::new();
    };
    incoming
        .iter()
        .filter(|(key, value)| stored.get(key.as_str()) != Some(value))
        .map(|(key, _)| key.clone())
        .collect()
}

fn claimed_from_row(row: &AnyRow) -> Result<ClaimedRequest> {
    Ok(ClaimedRequest {
        id: RequestId(row.try_get("id")?),
        account_id: AccountId(row.try_get("account_id")?),
        store_id: StoreId(row.try_get("store_id")?),
        webhook_id: WebhookId(row.try_get("webhook_id")?),
        received_at: from_millis(row.try_get("received_at")?),
        headers: row.try_get("headers")?,
        body: row
            .try_get::<Option<Vec<u8>>, _>("body")?
            .unwrap_or_default(),
        body_sha256: row.try_get("body_sha256")?,
        delivery_id: row.try_get("delivery_id")?,
    })
}
