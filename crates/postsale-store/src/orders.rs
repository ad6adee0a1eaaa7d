//! Orders as stored: identified within an account by order source and order number.

use postsale_core::order::Order;
use postsale_core::{AccountId, OrderId, OrderStatus, StoreId};
use sqlx::Row;
use sqlx::any::AnyRow;
use time::OffsetDateTime;

use crate::database::Dialect;
use crate::{Database, Result, StoreError, from_millis, to_millis};

/// An order with its local status and the normalised order document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredOrder {
    pub id: OrderId,
    pub account_id: AccountId,
    pub store_id: Option<StoreId>,
    pub source: String,
    pub number: String,
    /// The local status; `None` is blank.
    pub status: Option<OrderStatus>,
    pub channel_status: Option<String>,
    pub order: Order,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

/// Filters of an order listing; `None` does not filter.
#[derive(Clone, Debug, Default)]
pub struct OrderFilter {
    pub store_id: Option<StoreId>,
    /// `Some(None)` lists orders with a blank status.
    pub status: Option<Option<OrderStatus>>,
    pub source: Option<String>,
    pub number: Option<String>,
    pub created_from: Option<OffsetDateTime>,
    pub created_to: Option<OffsetDateTime>,
    /// Text found in the order number, customer name or customer email, ignoring case.
    pub text: Option<String>,
}

/// The order of a listing.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum OrderSort {
    /// Newest first, by id.
    #[default]
    Newest,
    Oldest,
}

const COLUMNS: &str = "id, account_id, store_id, source, number, status, channel_status, \
                       document, created_at, updated_at";

/// Reads one order of an account.
pub async fn get(db: &Database, account_id: AccountId, id: OrderId) -> Result<Option<StoredOrder>> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM orders WHERE account_id = $1 AND id = $2"
    ))
    .bind(account_id.get())
    .bind(id.get())
    .fetch_optional(db.pool())
    .await?;
    row.as_ref().map(order_from_row).transpose()
}

/// Finds an order by its identity.
pub async fn find(
    db: &Database,
    account_id: AccountId,
    source: &str,
    number: &str,
) -> Result<Option<StoredOrder>> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM orders WHERE account_id = $1 AND source = $2 AND number = $3"
    ))
    .bind(account_id.get())
    .bind(source)
    .bind(number)
    .fetch_optional(db.pool())
    .await?;
    row.as_ref().map(order_from_row).transpose()
}

/// Lists orders of an account. `after` is the cursor: the last id of the previous page.
pub async fn list(
    db: &Database,
    account_id: AccountId,
    filter: &OrderFilter,
    sort: OrderSort,
    after: Option<OrderId>,
    limit: i64,
) -> Result<Vec<StoredOrder>> {
    let mut conditions = vec!["account_id = $1".to_owned()];
    let mut count = 1;
    let mut next = || {
        count += 1;
        format!("${count}")
    };
    if filter.store_id.is_some() {
        conditions.push(format!("store_id = {}", next()));
    }
    match filter.status {
        Some(Some(_)) => conditions.push(format!("status = {}", next())),
        Some(None) => conditions.push("status IS NULL".to_owned()),
        None => {}
    }
    if filter.source.is_some() {
        conditions.push(format!("source = {}", next()));
    }
    if filter.number.is_some() {
        conditions.push(format!("number = {}", next()));
    }
    if filter.created_from.is_some() {
        conditions.push(format!("created_at >= {}", next()));
    }
    if filter.created_to.is_some() {
        conditions.push(format!("created_at < {}", next()));
    }
    if filter.text.is_some() {
        let text = next();
        conditions.push(format!(
            "(LOWER(number) LIKE {text} ESCAPE '\\' \
             OR LOWER(COALESCE(customer_name, '')) LIKE {text} ESCAPE '\\' \
             OR LOWER(COALESCE(customer_email, '')) LIKE {text} ESCAPE '\\')"
        ));
    }
    if after.is_some() {
        let comparison = match sort {
            OrderSort::Newest => "<",
            OrderSort::Oldest => ">",
        };
        conditions.push(format!("id {comparison} {}", next()));
    }
    let direction = match sort {
        OrderSort::Newest => "DESC",
        OrderSort::Oldest => "ASC",
    };
    let limit_placeholder = next();
    let sql = format!(
        "SELECT {COLUMNS} FROM orders WHERE {} ORDER BY id {direction} LIMIT {limit_placeholder}",
        conditions.join(" AND ")
    );

    let mut query = sqlx::query(&sql).bind(account_id.get());
    if let Some(store) = filter.store_id {
        query = query.bind(store.get());
    }
    if let Some(Some(status)) = filter.status {
        query = query.bind(status.as_str());
    }
    if let Some(source) = &filter.source {
        query = query.bind(source.clone());
    }
    if let Some(number) = &filter.number {
        query = query.bind(number.clone());
    }
    if let Some(from) = filter.created_from {
        query = query.bind(to_millis(from));
    }
    if let Some(to) = filter.created_to {
        query = query.bind(to_millis(to));
    }
    if let Some(text) = &filter.text {
        query = query.bind(format!("%{}%", escape_like(&text.to_lowercase())));
    }
    if let Some(after) = after {
        query = query.bind(after.get());
    }
    let rows = query.bind(limit).fetch_all(db.pool()).await?;
    rows.iter().map(order_from_row).collect()
}

/// Sets an order's local status. `rejection` gets the order's current status and its number of
/// shipments that are not voided, and a message it returns fails the change with
/// [`StoreError::Rejected`]. The reads and the update share one write transaction, so that a
/// shipment or another change in between cannot be overwritten unseen. Returns `None` when the
/// account has no such order.
pub async fn set_status(
    db: &Database,
    account_id: AccountId,
    id: OrderId,
    status: Option<OrderStatus>,
    rejection: impl FnOnce(Option<OrderStatus>, i64) -> Option<String>,
) -> Result<Option<StoredOrder>> {
    let mut transaction = db.begin_write().await?;
    let lock = match db.dialect() {
        Dialect::Postgres => " FOR UPDATE",
        Dialect::Sqlite => "",
    };
    let current: Option<Option<String>> = sqlx::query_scalar(&format!(
        "SELECT status FROM orders WHERE account_id = $1 AND id = $2{lock}"
    ))
    .bind(account_id.get())
    .bind(id.get())
    .fetch_optional(&mut *transaction)
    .await?;
    let Some(current) = current else {
        return Ok(None);
    };
    let current = crate::shipments::parse_status(current)?;
    let active_shipments = crate::shipments::active_count(&mut transaction, account_id, id).await?;
    if let Some(message) = rejection(current, active_shipments) {
        return Err(StoreError::Rejected(message));
    }
    sqlx::query("UPDATE orders SET status = $1, updated_at = $2 WHERE account_id = $3 AND id = $4")
        .bind(status.map(OrderStatus::as_str))
        .bind(to_millis(OffsetDateTime::now_utc()))
        .bind(account_id.get())
        .bind(id.get())
        .execute(&mut *transaction)
        .await?;
    transaction.commit().await?;
    get(db, account_id, id).await
}

/// Counts an account's orders, for tests and the UI's tabs.
pub async fn count(db: &Database, account_id: AccountId) -> Result<i64> {
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM orders WHERE account_id = $1")
        .bind(account_id.get())
        .fetch_one(db.pool())
        .await?;
    Ok(count)
}

fn escape_like(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

fn order_from_row(row: &AnyRow) -> Result<StoredOrder> {
    let status = row
        .try_get::<Option<String>, _>("status")?
        .map(|text| text.parse::<OrderStatus>())
        .transpose()
        .map_err(|error| StoreError::corrupt("order status", error))?;
    let document: String = row.try_get("document")?;
    Ok(StoredOrder {
        id: OrderId(row.try_get("id")?),
        account_id: AccountId(row.try_get("account_id")?),
        store_id: row.try_get::<Option<i64>, _>("store_id")?.map(StoreId),
        source: row.try_get("source")?,
        number: row.try_get("number")?,
        status,
        channel_status: row.try_get("channel_status")?,
        order: serde_json::from_str(&document)
            .map_err(|error| StoreError::corrupt("order document", error))?,
        created_at: from_millis(row.try_get("created_at")?),
        updated_at: from_millis(row.try_get("updated_at")?),
    })
}
