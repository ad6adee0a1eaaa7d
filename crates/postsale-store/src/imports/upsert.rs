//! The order upsert of a batch: the stored orders it touches, read in one query and kept in
//! memory with the changes the batch makes, and the writes of those changes at the end.

use std::collections::HashMap;

use postsale_core::order::Order;
use postsale_core::{AccountId, OrderId, OrderStatus, StoreId};
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};
use time::OffsetDateTime;

use super::lines::{self, LineValues};
use super::{json_rows, to_json};
use crate::{Dialect, Result, StoreError, from_millis, to_millis};

/// What the upsert did to the order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UpsertOutcome {
    Created(OrderId),
    Updated(OrderId),
    /// The order was updated, and the channel's changed status gave it this new status.
    StatusChanged(OrderId, OrderStatus),
    Unchanged(OrderId),
    /// The order is shipped or cancelled; nothing was written. `changed` lists the top-level
    /// fields that the request would have changed.
    Closed {
        order_id: OrderId,
        status: OrderStatus,
        changed: Vec<String>,
        /// The channel's status in the request, when it differs from the stored one, such as
        /// a cancellation of an order that has shipped.
        channel_status: Option<String>,
    },
    /// The stored order was updated at the channel after this request's version.
    Stale {
        order_id: OrderId,
        stored: OffsetDateTime,
        incoming: OffsetDateTime,
    },
}

/// An order's identity: account id, order source and order number.
pub(super) type OrderKey = (i64, String, String);

/// A stored order in the batch's memory: the columns that the import rules read, and the
/// writes that [`write_orders`] still has to make.
#[derive(Debug)]
pub(super) struct OrderState {
    id: OrderId,
    status: Option<OrderStatus>,
    channel_status: Option<String>,
    source_updated_at: Option<i64>,
    fingerprint: String,
    /// The columns as this batch inserted or changed them. `None` while the batch has not
    /// written the order: its document is then only in the database.
    row: Option<OrderRow>,
    /// Whether `row` still needs an UPDATE.
    update_pending: bool,
    /// Whether this batch inserted the order, so that it has no line rows yet.
    inserted: bool,
    /// The lines to store, when the batch inserted or updated the order.
    lines: Option<Vec<LineValues>>,
}

/// The values of one `orders` row that an import writes.
#[derive(Debug, Serialize)]
struct OrderRow {
    store_id: i64,
    status: Option<&'static str>,
    channel_status: Option<String>,
    order_date: Option<i64>,
    source_updated_at: Option<i64>,
    currency: Option<String>,
    customer_name: Option<String>,
    customer_email: Option<String>,
    total: Option<String>,
    document: String,
    fingerprint: String,
    updated_at: i64,
}

/// A mapped order for [`upsert_order`].
pub(super) struct Incoming<'a> {
    pub account_id: AccountId,
    pub store_id: StoreId,
    pub order: &'a Order,
    /// The status that a new order gets.
    pub first_status: Option<OrderStatus>,
}

/// The columns of a stored order `o` that the import rules read. The document is not among
/// them: only a closed order needs it, and [`stored_document`] reads it then.
const STATE_COLUMNS: &str = "o.id, o.account_id, o.source, o.number, o.status, o.channel_status, \
                             o.source_updated_at, o.fingerprint";

/// Reads the orders with these keys that `orders` does not hold yet, in one query.
pub(super) async fn load_orders<'a>(
    transaction: &mut Transaction<'static, Any>,
    dialect: Dialect,
    orders: &mut HashMap<OrderKey, OrderState>,
    keys: impl IntoIterator<Item = (AccountId, &'a str, &'a str)>,
) -> Result<()> {
    #[derive(Serialize)]
    struct KeyRecord<'a> {
        account_id: i64,
        source: &'a str,
        number: &'a str,
    }
    let mut records: Vec<KeyRecord> = keys
        .into_iter()
        .map(|(account_id, source, number)| KeyRecord {
            account_id: account_id.get(),
            source,
            number,
        })
        .filter(|key| {
            !orders.contains_key(&(key.account_id, key.source.to_owned(), key.number.to_owned()))
        })
        .collect();

    records.sort_by(|a, b| {
        (a.account_id, a.source, a.number).cmp(&(b.account_id, b.source, b.number))
    });
    records
        .dedup_by(|a, b| (a.account_id, a.source, a.number) == (b.account_id, b.source, b.number));
    if records.is_empty() {
        return Ok(());
    }

    let columns = [
        ("account_id", "bigint"),
        ("source", "text"),
        ("number", "text"),
    ];
    // A join, not a row-value IN, so that SQLite looks each key up in the unique index on
    // all three columns. Locking in id order keeps two PostgreSQL workers that share orders
    // from deadlocking on this statement.
    let lock = match dialect {
        Dialect::Postgres => " ORDER BY o.id FOR UPDATE OF o",
        Dialect::Sqlite => "",
    };
    let rows = sqlx::query(&format!(
        "SELECT {STATE_COLUMNS} FROM {} JOIN orders o ON o.account_id = j.account_id \
           AND o.source = j.source AND o.number = j.number{lock}",
        json_rows(dialect, "$1", &columns)
    ))
    .bind(to_json(&records)?)
    .fetch_all(&mut **transaction)
    .await?;

    for row in &rows {
        let key = (
            row.try_get("account_id")?,
            row.try_get("source")?,
            row.try_get("number")?,
        );
        orders.insert(key, state_from_row(row)?);
    }
    Ok(())
}

/// Creates the order, or updates it in memory unless it is closed, stale or unchanged.
pub(super) async fn upsert_order(
    transaction: &mut Transaction<'static, Any>,
    dialect: Dialect,
    orders: &mut HashMap<OrderKey, OrderState>,
    incoming: Incoming<'_>,
) -> Result<UpsertOutcome> {
    let order = incoming.order;
    let now = to_millis(OffsetDateTime::now_utc());
    let document = serde_json::to_string(order).map_err(|e| StoreError::corrupt("order", e))?;
    let fingerprint = order.fingerprint();
    let key = (
        incoming.account_id.get(),
        order.source.clone(),
        order.number.clone(),
    );

    if !orders.contains_key(&key) {
        let row = OrderRow::new(
            incoming.store_id,
            incoming.first_status,
            order,
            document,
            fingerprint,
            now,
        );
        if let Some(id) = insert(transaction, incoming.account_id, order, &row, now).await? {
            let state = OrderState {
                id,
                status: incoming.first_status,
                channel_status: order.channel_status.clone(),
                source_updated_at: row.source_updated_at,
                fingerprint: row.fingerprint.clone(),
                row: Some(row),
                update_pending: false,
                inserted: true,
                lines: Some(LineValues::of(order)),
            };
            orders.insert(key, state);
            return Ok(UpsertOutcome::Created(id));
        }
        // Another transaction inserted the order since the batch read its orders (only
        // possible on PostgreSQL), or the caller did not load it.
        let state = select_order(transaction, dialect, incoming.account_id, order).await?;
        orders.insert(key.clone(), state);
        let state = orders.get_mut(&key).expect("the order was just inserted");
        return update(
            transaction,
            state,
            &incoming,
            row.document,
            row.fingerprint,
            now,
        )
        .await;
    }

    let state = orders.get_mut(&key).expect("the key is present");
    update(transaction, state, &incoming, document, fingerprint, now).await
}

/// Applies the rules for a stored order and, when they allow it, records the new version.
async fn update(
    transaction: &mut Transaction<'static, Any>,
    state: &mut OrderState,
    incoming: &Incoming<'_>,
    document: String,
    fingerprint: String,
    now: i64,
) -> Result<UpsertOutcome> {
    let order = incoming.order;
    let incoming_updated = order.updated_at.as_ref().map(|date| to_millis(date.utc));
    let older = matches!(
        (state.source_updated_at, incoming_updated),
        (Some(stored), Some(incoming)) if incoming < stored
    );
    if let Some(status) = state.status.filter(|status| status.is_closed()) {
        let stored = stored_document(transaction, state).await?;
        // A delivery older than the stored order carries an old status, not a new one.
        let channel_status = order
            .channel_status
            .clone()
            .filter(|incoming| !older && state.channel_status.as_ref() != Some(incoming));
        return Ok(UpsertOutcome::Closed {
            order_id: state.id,
            status,
            changed: changed_fields(&stored, &document),
            channel_status,
        });
    }
    if older && let (Some(stored), Some(incoming)) = (state.source_updated_at, incoming_updated) {
        return Ok(UpsertOutcome::Stale {
            order_id: state.id,
            stored: from_millis(stored),
            incoming: from_millis(incoming),
        });
    }
    if state.fingerprint == fingerprint {
        return Ok(UpsertOutcome::Unchanged(state.id));
    }

    // The status the map derives from the channel's status applies when the channel's
    // status changed (a cancellation cancels an open order). Otherwise the local status,
    // which a person may have set, stays as it is.
    let channel_moved =
        order.channel_status.is_some() && order.channel_status != state.channel_status;
    let old_status = state.status;
    let new_status = match order.status {
        Some(mapped) if channel_moved => Some(mapped),
        _ => old_status,
    };
    let mut row = OrderRow::new(
        incoming.store_id,
        new_status,
        order,
        document,
        fingerprint,
        now,
    );
    row.source_updated_at = incoming_updated.or(state.source_updated_at);
    state.status = new_status;
    state.channel_status = order.channel_status.clone();
    state.source_updated_at = row.source_updated_at;
    state.fingerprint = row.fingerprint.clone();
    state.row = Some(row);
    state.update_pending = true;
    state.lines = Some(LineValues::of(order));
    match new_status {
        Some(status) if new_status != old_status => {
            Ok(UpsertOutcome::StatusChanged(state.id, status))
        }
        _ => Ok(UpsertOutcome::Updated(state.id)),
    }
}

/// Writes the order updates and line rows that the batch kept in memory, then clears them.
pub(super) async fn write_orders(
    transaction: &mut Transaction<'static, Any>,
    dialect: Dialect,
    orders: &mut HashMap<OrderKey, OrderState>,
) -> Result<()> {
    let mut states: Vec<&mut OrderState> = orders.values_mut().collect();
    states.sort_by_key(|state| state.id);

    let updates: Vec<UpdateRecord> = states
        .iter()
        .filter(|state| state.update_pending)
        .filter_map(|state| {
            state.row.as_ref().map(|row| UpdateRecord {
                id: state.id.get(),
                row,
            })
        })
        .collect();
    if !updates.is_empty() {
        write_updates(transaction, dialect, &updates).await?;
    }

    let mut inserted = Vec::new();
    let mut updated = Vec::new();
    for state in &states {
        if let Some(lines) = &state.lines {
            if state.inserted {
                inserted.push((state.id, lines.as_slice()));
            } else {
                updated.push((state.id, lines.as_slice()));
            }
        }
    }
    lines::write(transaction, dialect, &inserted, &updated).await?;

    for state in states {
        state.update_pending = false;
        state.inserted = false;
        state.lines = None;
    }
    Ok(())
}

/// An order update as one object of the JSON parameter.
#[derive(Serialize)]
struct UpdateRecord<'a> {
    id: i64,
    #[serde(flatten)]
    row: &'a OrderRow,
}

async fn write_updates(
    transaction: &mut Transaction<'static, Any>,
    dialect: Dialect,
    updates: &[UpdateRecord<'_>],
) -> Result<()> {
    let columns = [
        ("id", "bigint"),
        ("store_id", "bigint"),
        ("status", "text"),
        ("channel_status", "text"),
        ("order_date", "bigint"),
        ("source_updated_at", "bigint"),
        ("currency", "text"),
        ("customer_name", "text"),
        ("customer_email", "text"),
        ("total", "text"),
        ("document", "text"),
        ("fingerprint", "text"),
        ("updated_at", "bigint"),
    ];
    let assignments: Vec<String> = columns[1..]
        .iter()
        .map(|(name, _)| format!("{name} = j.{name}"))
        .collect();
    sqlx::query(&format!(
        "UPDATE orders SET {} FROM {} WHERE orders.id = j.id",
        assignments.join(", "),
        json_rows(dialect, "$1", &columns)
    ))
    .bind(to_json(updates)?)
    .execute(&mut **transaction)
    .await?;
    Ok(())
}

impl OrderRow {
    fn new(
        store_id: StoreId,
        status: Option<OrderStatus>,
        order: &Order,
        document: String,
        fingerprint: String,
        now: i64,
    ) -> OrderRow {
        OrderRow {
            store_id: store_id.get(),
            status: status.map(OrderStatus::as_str),
            channel_status: order.channel_status.clone(),
            order_date: order.order_date.as_ref().map(|date| to_millis(date.utc)),
            source_updated_at: order.updated_at.as_ref().map(|date| to_millis(date.utc)),
            currency: order.currency.clone(),
            customer_name: order.customer.name.clone(),
            customer_email: order.customer.email.clone(),
            total: order.charges.total.map(|total| total.to_string()),
            document,
            fingerprint,
            updated_at: now,
        }
    }
}

/// Inserts the order unless its key exists. Returns the new id, or `None` on a conflict.
async fn insert(
    transaction: &mut Transaction<'static, Any>,
    account_id: AccountId,
    order: &Order,
    row: &OrderRow,
    now: i64,
) -> Result<Option<OrderId>> {
    let inserted: Option<i64> = sqlx::query_scalar(
        "INSERT INTO orders (account_id, store_id, source, number, status, channel_status, \
                             order_date, source_updated_at, currency, customer_name, \
                             customer_email, total, document, fingerprint, created_at, \
                             updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15) \
         ON CONFLICT (account_id, source, number) DO NOTHING RETURNING id",
    )
    .bind(account_id.get())
    .bind(row.store_id)
    .bind(&order.source)
    .bind(&order.number)
    .bind(row.status)
    .bind(&row.channel_status)
    .bind(row.order_date)
    .bind(row.source_updated_at)
    .bind(&row.currency)
    .bind(&row.customer_name)
    .bind(&row.customer_email)
    .bind(&row.total)
    .bind(&row.document)
    .bind(&row.fingerprint)
    .bind(now)
    .fetch_optional(&mut **transaction)
    .await?;
    Ok(inserted.map(OrderId))
}

/// Reads one stored order, locking it on PostgreSQL.
async fn select_order(
    transaction: &mut Transaction<'static, Any>,
    dialect: Dialect,
    account_id: AccountId,
    order: &Order,
) -> Result<OrderState> {
    let lock = match dialect {
        Dialect::Postgres => " FOR UPDATE",
        Dialect::Sqlite => "",
    };
    let row = sqlx::query(&format!(
        "SELECT {STATE_COLUMNS} FROM orders o \
         WHERE o.account_id = $1 AND o.source = $2 AND o.number = $3{lock}"
    ))
    .bind(account_id.get())
    .bind(&order.source)
    .bind(&order.number)
    .fetch_one(&mut **transaction)
    .await?;
    state_from_row(&row)
}

fn state_from_row(row: &AnyRow) -> Result<OrderState> {
    let status = row
        .try_get::<Option<String>, _>("status")?
        .map(|text| text.parse::<OrderStatus>())
        .transpose()
        .map_err(|error| StoreError::corrupt("order status", error))?;
    Ok(OrderState {
        id: OrderId(row.try_get("id")?),
        status,
        channel_status: row.try_get("channel_status")?,
        source_updated_at: row.try_get("source_updated_at")?,
        fingerprint: row.try_get("fingerprint")?,
        row: None,
        update_pending: false,
        inserted: false,
        lines: None,
    })
}

/// Returns the order's current document: the one this batch wrote, or else the stored one.
async fn stored_document(
    transaction: &mut Transaction<'static, Any>,
    state: &OrderState,
) -> Result<String> {
    if let Some(row) = &state.row {
        return Ok(row.document.clone());
    }
    let document: String = sqlx::query_scalar("SELECT document FROM orders WHERE id = $1")
        .bind(state.id.get())
        .fetch_one(&mut **transaction)
        .await?;
    Ok(document)
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
