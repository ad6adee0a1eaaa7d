//! Shipments: labels created for an order, which can be voided. Creating or voiding one can
//! move the order's status in the same transaction.
//!
//! On PostgreSQL both lock the order's row before they read its shipments, so that two of
//! them on one order run one after the other. On SQLite each transaction's first statement is
//! a write, which takes the database's write lock for the whole transaction.

mod idempotency;

use postsale_core::{AccountId, OrderId, OrderStatus, ShipmentId};
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};
use time::OffsetDateTime;

use crate::{Database, Dialect, Result, StoreError, from_millis, to_millis};

pub use idempotency::{IDEMPOTENCY_KEY_RETENTION, IdempotencyKey, StoredResponse, stored_response};

/// A shipment as stored. `document` contains the weight, dimensions and ship-from address as JSON.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Shipment {
    pub id: ShipmentId,
    pub account_id: AccountId,
    pub order_id: OrderId,
    pub carrier: String,
    pub service: String,
    pub package: Option<String>,
    pub tracking_number: Option<String>,
    /// The ship date as `YYYY-MM-DD`.
    pub ship_date: Option<String>,
    /// The label cost as a decimal string.
    pub cost: Option<String>,
    pub document: String,
    pub voided_at: Option<OffsetDateTime>,
    pub created_at: OffsetDateTime,
}

/// The values of a new shipment.
#[derive(Clone, Debug)]
pub struct NewShipment {
    pub carrier: String,
    pub service: String,
    pub package: Option<String>,
    pub tracking_number: Option<String>,
    pub ship_date: Option<String>,
    pub cost: Option<String>,
    pub document: String,
}

/// The result of voiding a shipment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum VoidOutcome {
    /// The shipment is now voided. `order_status` is the order's status after the void.
    Voided {
        shipment: Shipment,
        order_status: Option<OrderStatus>,
    },
    AlreadyVoided(Shipment),
    NotFound,
}

/// The result of [`create_once`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CreateOnceOutcome {
    /// The shipment was created, and `response` was stored for the key.
    Created {
        shipment: Box<Shipment>,
        response: StoredResponse,
    },
    /// An earlier request of the account used the key; nothing was created. The caller
    /// compares the fingerprints.
    KeyUsed(StoredResponse),
}

const COLUMNS: &str = "id, account_id, order_id, carrier, service, package, tracking_number, \
                       ship_date, cost, document, voided_at, created_at";

/// Records a shipment for an order and, when `status` is given, sets the order's status in the
/// same transaction.
pub async fn create(
    db: &Database,
    account_id: AccountId,
    order_id: OrderId,
    shipment: &NewShipment,
    status: Option<OrderStatus>,
) -> Result<Shipment> {
    let now = to_millis(OffsetDateTime::now_utc());
    let mut transaction = db.begin_write().await?;
    let created = insert_setting_status(
        &mut transaction,
        db.dialect(),
        (account_id, order_id),
        shipment,
        status,
        now,
    )
    .await?;
    transaction.commit().await?;
    Ok(created)
}

/// Inserts a shipment and, when `status` is given, sets the order's status, in the caller's
/// transaction.
async fn insert_setting_status(
    transaction: &mut Transaction<'_, Any>,
    dialect: Dialect,
    (account_id, order_id): (AccountId, OrderId),
    shipment: &NewShipment,
    status: Option<OrderStatus>,
    now: i64,
) -> Result<Shipment> {
    let created = insert(transaction, dialect, account_id, order_id, shipment, now).await?;
    if let Some(status) = status {
        set_order_status(transaction, account_id, order_id, status, now).await?;
    }
    Ok(created)
}

/// Records a shipment like [`create`], once per idempotency key of the account. `respond`
/// renders the status code and JSON body of the response to store for the key, or fails when
/// the body does not serialize. When the account used the key within
/// [`IDEMPOTENCY_KEY_RETENTION`] before `now`, nothing is created and the stored response is
/// returned. The key's unique index decides between concurrent
/// requests: a second request with the key waits for the first to commit or roll back.
#[allow(clippy::too_many_arguments)]
pub async fn create_once(
    db: &Database,
    account_id: AccountId,
    order_id: OrderId,
    shipment: &NewShipment,
    status: Option<OrderStatus>,
    key: &IdempotencyKey<'_>,
    now: OffsetDateTime,
    respond: impl FnOnce(&Shipment) -> serde_json::Result<(u16, String)>,
) -> Result<CreateOnceOutcome> {
    let now = to_millis(now);
    let mut transaction = db.begin_write().await?;
    idempotency::forget_expired(&mut transaction, account_id, now).await?;

    let created = insert_setting_status(
        &mut transaction,
        db.dialect(),
        (account_id, order_id),
        shipment,
        status,
        now,
    )
    .await?;

    let (status_code, body) =
        respond(&created).map_err(|error| StoreError::corrupt("shipment response", error))?;
    let response = StoredResponse {
        fingerprint: key.fingerprint.to_owned(),
        status_code,
        body,
    };
    let stored =
        idempotency::insert(&mut transaction, account_id, key, &created, &response, now).await?;
    if stored {
        transaction.commit().await?;
        return Ok(CreateOnceOutcome::Created {
            shipment: Box::new(created),
            response,
        });
    }

    drop(transaction);
    match idempotency::read(db.pool(), account_id, key.key, now).await? {
        Some(earlier) => Ok(CreateOnceOutcome::KeyUsed(earlier)),
        // Only when the other request's row was deleted in between, as with its account.
        None => Err(StoreError::Conflict(format!(
            "the request that used the idempotency key {:?} could not be read back: send the \
             request again",
            key.key
        ))),
    }
}

/// Returns why an order of this status takes no shipment, or `None` when it takes one.
pub fn shipment_rejection(order_id: OrderId, status: Option<OrderStatus>) -> Option<String> {
    match status {
        Some(status @ (OrderStatus::Cancelled | OrderStatus::AwaitingPayment)) => Some(format!(
            "order {} is {status}: a shipment needs an order that is paid and not cancelled",
            order_id.get()
        )),
        _ => None,
    }
}

/// Inserts a shipment row after checking the order's status in the same transaction, so that
/// an order cancelled a moment before gets no shipment. On PostgreSQL it locks the order's row
/// first; on SQLite the write transaction already holds the database's write lock.
async fn insert(
    transaction: &mut Transaction<'_, Any>,
    dialect: Dialect,
    account_id: AccountId,
    order_id: OrderId,
    shipment: &NewShipment,
    now: i64,
) -> Result<Shipment> {
    let status = match dialect {
        Dialect::Postgres => lock_order(transaction, account_id, order_id).await?,
        Dialect::Sqlite => read_order_status(transaction, account_id, order_id).await?,
    };
    if let Some(rejection) = shipment_rejection(order_id, status) {
        return Err(StoreError::Rejected(rejection));
    }
    let row = sqlx::query(&format!(
        "INSERT INTO shipments (account_id, order_id, carrier, service, package, \
                                tracking_number, ship_date, cost, document, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING {COLUMNS}"
    ))
    .bind(account_id.get())
    .bind(order_id.get())
    .bind(&shipment.carrier)
    .bind(&shipment.service)
    .bind(&shipment.package)
    .bind(&shipment.tracking_number)
    .bind(&shipment.ship_date)
    .bind(&shipment.cost)
    .bind(&shipment.document)
    .bind(now)
    .fetch_one(&mut **transaction)
    .await?;
    shipment_from_row(&row)
}

/// Voids a shipment once. When `status` is given, sets the order's status in the same
/// transaction, but only when none of the order's other shipments is still active, so that
/// an order with a valid label does not end `voided`.
pub async fn void(
    db: &Database,
    account_id: AccountId,
    id: ShipmentId,
    status: Option<OrderStatus>,
) -> Result<VoidOutcome> {
    let now = to_millis(OffsetDateTime::now_utc());
    let mut transaction = db.begin_write().await?;
    // The conditional update is the first statement, so on SQLite the transaction holds the
    // write lock from the start, and on PostgreSQL two voids of one shipment serialise on it.
    let row = sqlx::query(&format!(
        "UPDATE shipments SET voided_at = $1 \
         WHERE account_id = $2 AND id = $3 AND voided_at IS NULL RETURNING {COLUMNS}"
    ))
    .bind(now)
    .bind(account_id.get())
    .bind(id.get())
    .fetch_optional(&mut *transaction)
    .await?;
    let Some(row) = row else {
        drop(transaction);
        return Ok(match get(db, account_id, id).await? {
            Some(existing) => VoidOutcome::AlreadyVoided(existing),
            None => VoidOutcome::NotFound,
        });
    };
    let shipment = shipment_from_row(&row)?;
    let order_id = shipment.order_id;
    let mut order_status = match db.dialect() {
        Dialect::Postgres => lock_order(&mut transaction, account_id, order_id).await?,
        Dialect::Sqlite => read_order_status(&mut transaction, account_id, order_id).await?,
    };
    // A cancelled order stays cancelled: the cancel came from the channel or a person, and
    // voiding its label does not undo it.
    if let Some(status) = status
        && order_status != Some(OrderStatus::Cancelled)
        && active_count(&mut transaction, account_id, order_id).await? == 0
    {
        set_order_status(&mut transaction, account_id, order_id, status, now).await?;
        order_status = Some(status);
    }
    transaction.commit().await?;
    Ok(VoidOutcome::Voided {
        shipment,
        order_status,
    })
}

/// Reads one shipment of an account.
pub async fn get(db: &Database, account_id: AccountId, id: ShipmentId) -> Result<Option<Shipment>> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM shipments WHERE account_id = $1 AND id = $2"
    ))
    .bind(account_id.get())
    .bind(id.get())
    .fetch_optional(db.pool())
    .await?;
    row.as_ref().map(shipment_from_row).transpose()
}

/// Lists an order's shipments, oldest first.
pub async fn for_order(
    db: &Database,
    account_id: AccountId,
    order_id: OrderId,
) -> Result<Vec<Shipment>> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM shipments WHERE account_id = $1 AND order_id = $2 ORDER BY id"
    ))
    .bind(account_id.get())
    .bind(order_id.get())
    .fetch_all(db.pool())
    .await?;
    rows.iter().map(shipment_from_row).collect()
}

/// Locks an order's row on PostgreSQL until the transaction ends, and returns its status.
async fn lock_order(
    transaction: &mut Transaction<'_, Any>,
    account_id: AccountId,
    order_id: OrderId,
) -> Result<Option<OrderStatus>> {
    let status: Option<String> = sqlx::query_scalar(
        "SELECT status FROM orders WHERE account_id = $1 AND id = $2 FOR UPDATE",
    )
    .bind(account_id.get())
    .bind(order_id.get())
    .fetch_one(&mut **transaction)
    .await?;
    parse_status(status)
}

async fn read_order_status(
    transaction: &mut Transaction<'_, Any>,
    account_id: AccountId,
    order_id: OrderId,
) -> Result<Option<OrderStatus>> {
    let status: Option<String> =
        sqlx::query_scalar("SELECT status FROM orders WHERE account_id = $1 AND id = $2")
            .bind(account_id.get())
            .bind(order_id.get())
            .fetch_one(&mut **transaction)
            .await?;
    parse_status(status)
}

pub(crate) fn parse_status(status: Option<String>) -> Result<Option<OrderStatus>> {
    status
        .map(|text| text.parse::<OrderStatus>())
        .transpose()
        .map_err(|error| StoreError::corrupt("order status", error))
}

/// Counts the order's shipments that are not voided.
pub(crate) async fn active_count(
    transaction: &mut Transaction<'_, Any>,
    account_id: AccountId,
    order_id: OrderId,
) -> Result<i64> {
    let count = sqlx::query_scalar(
        "SELECT COUNT(*) FROM shipments \
         WHERE account_id = $1 AND order_id = $2 AND voided_at IS NULL",
    )
    .bind(account_id.get())
    .bind(order_id.get())
    .fetch_one(&mut **transaction)
    .await?;
    Ok(count)
}

async fn set_order_status(
    transaction: &mut Transaction<'_, Any>,
    account_id: AccountId,
    order_id: OrderId,
    status: OrderStatus,
    now: i64,
) -> Result<()> {
    sqlx::query("UPDATE orders SET status = $1, updated_at = $2 WHERE account_id = $3 AND id = $4")
        .bind(status.as_str())
        .bind(now)
        .bind(account_id.get())
        .bind(order_id.get())
        .execute(&mut **transaction)
        .await?;
    Ok(())
}

fn shipment_from_row(row: &AnyRow) -> Result<Shipment> {
    Ok(Shipment {
        id: ShipmentId(row.try_get("id")?),
        account_id: AccountId(row.try_get("account_id")?),
        order_id: OrderId(row.try_get("order_id")?),
        carrier: row.try_get("carrier")?,
        service: row.try_get("service")?,
        package: row.try_get("package")?,
        tracking_number: row.try_get("tracking_number")?,
        ship_date: row.try_get("ship_date")?,
        cost: row.try_get("cost")?,
        document: row.try_get("document")?,
        voided_at: row.try_get::<Option<i64>, _>("voided_at")?.map(from_millis),
        created_at: from_millis(row.try_get("created_at")?),
    })
}
