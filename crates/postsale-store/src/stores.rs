//! Stores: webhook store connections, each with exactly one webhook.

use postsale_core::{AccountId, OrderStatus, StoreId};
use sqlx::Row;
use sqlx::any::AnyRow;
use time::OffsetDateTime;

use crate::webhooks::{self, NewWebhook, Webhook};
use crate::{Database, Result, StoreError, from_millis, to_millis};

/// What happens to an order's status without anyone touching it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Automation {
    /// The status of an order when it is first imported; `None` leaves it blank. The importer
    /// uses it only for orders whose mapped status is open.
    pub status_on_import: Option<OrderStatus>,
    /// Set the status to `shipped` when a shipment is processed.
    pub set_shipped: bool,
    /// Set the status to `voided` when a shipment is voided.
    pub set_voided: bool,
}

impl Default for Automation {
    fn default() -> Self {
        Automation {
            status_on_import: Some(OrderStatus::AwaitingShipment),
            set_shipped: true,
            set_voided: true,
        }
    }
}

/// A store as stored. The logo bytes are read separately.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Store {
    pub id: StoreId,
    pub account_id: AccountId,
    pub name: String,
    /// The store address as a JSON document, used as the Ship From address when chosen.
    pub address: Option<String>,
    /// IANA time zone or fixed offset in which dates without an offset are read.
    pub time_zone: String,
    pub automation: Automation,
    pub ship_from_store_address: bool,
    pub logo_content_type: Option<String>,
    pub logo_etag: Option<String>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

/// The values needed to create a store.
#[derive(Clone, Debug)]
pub struct NewStore {
    pub name: String,
    pub address: Option<String>,
    pub time_zone: String,
    pub automation: Automation,
    pub ship_from_store_address: bool,
}

/// A partial update of a store: `None` leaves a value as it is.
#[derive(Clone, Debug, Default)]
pub struct StorePatch {
    pub name: Option<String>,
    /// `Some(None)` removes the address.
    pub address: Option<Option<String>>,
    pub time_zone: Option<String>,
    pub automation: Option<Automation>,
    pub ship_from_store_address: Option<bool>,
}

const COLUMNS: &str = "id, account_id, name, address, time_zone, status_on_import, set_shipped, \
                       set_voided, ship_from_store_address, logo_content_type, logo_etag, \
                       created_at, updated_at";

/// Creates a store and its webhook in one transaction.
pub async fn create(
    db: &Database,
    account_id: AccountId,
    store: &NewStore,
    webhook: &NewWebhook,
) -> Result<(Store, Webhook)> {
    let now = to_millis(OffsetDateTime::now_utc());
    let mut transaction = db.begin_write().await?;
    let row = sqlx::query(&format!(
        "INSERT INTO stores (account_id, name, address, time_zone, status_on_import, set_shipped, \
                             set_voided, ship_from_store_address, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING {COLUMNS}"
    ))
    .bind(account_id.get())
    .bind(&store.name)
    .bind(&store.address)
    .bind(&store.time_zone)
    .bind(store.automation.status_on_import.map(OrderStatus::as_str))
    .bind(i64::from(store.automation.set_shipped))
    .bind(i64::from(store.automation.set_voided))
    .bind(i64::from(store.ship_from_store_address))
    .bind(now)
    .fetch_one(&mut *transaction)
    .await?;
    let created = store_from_row(&row)?;
    let webhook = webhooks::insert(&mut transaction, account_id, created.id, webhook, now).await?;
    transaction.commit().await?;
    Ok((created, webhook))
}

/// Lists an account's stores in the order they were created.
pub async fn list(db: &Database, account_id: AccountId) -> Result<Vec<Store>> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM stores WHERE account_id = $1 ORDER BY id"
    ))
    .bind(account_id.get())
    .fetch_all(db.pool())
    .await?;
    rows.iter().map(store_from_row).collect()
}

/// Reads one store of an account.
pub async fn get(db: &Database, account_id: AccountId, store_id: StoreId) -> Result<Option<Store>> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM stores WHERE account_id = $1 AND id = $2"
    ))
    .bind(account_id.get())
    .bind(store_id.get())
    .fetch_optional(db.pool())
    .await?;
    row.as_ref().map(store_from_row).transpose()
}

/// Applies a partial update. Returns the updated store, or `None` when the account has no such
/// store.
pub async fn update(
    db: &Database,
    account_id: AccountId,
    store_id: StoreId,
    patch: &StorePatch,
) -> Result<Option<Store>> {
    let mut transaction = db.begin_write().await?;
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM stores WHERE account_id = $1 AND id = $2"
    ))
    .bind(account_id.get())
    .bind(store_id.get())
    .fetch_optional(&mut *transaction)
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let mut store = store_from_row(&row)?;
    apply_patch(&mut store, patch);

    let row = sqlx::query(&format!(
        "UPDATE stores SET name = $1, address = $2, time_zone = $3, status_on_import = $4, \
                set_shipped = $5, set_voided = $6, ship_from_store_address = $7, updated_at = $8 \
         WHERE account_id = $9 AND id = $10 RETURNING {COLUMNS}"
    ))
    .bind(&store.name)
    .bind(&store.address)
    .bind(&store.time_zone)
    .bind(store.automation.status_on_import.map(OrderStatus::as_str))
    .bind(i64::from(store.automation.set_shipped))
    .bind(i64::from(store.automation.set_voided))
    .bind(i64::from(store.ship_from_store_address))
    .bind(to_millis(OffsetDateTime::now_utc()))
    .bind(account_id.get())
    .bind(store_id.get())
    .fetch_one(&mut *transaction)
    .await?;
    transaction.commit().await?;
    store_from_row(&row).map(Some)
}

/// Deletes a store with its webhook and kept requests. Orders stay, without their store.
pub async fn delete(db: &Database, account_id: AccountId, store_id: StoreId) -> Result<bool> {
    let result = sqlx::query("DELETE FROM stores WHERE account_id = $1 AND id = $2")
        .bind(account_id.get())
        .bind(store_id.get())
        .execute(db.pool())
        .await?;
    db.note_webhook_change();
    Ok(result.rows_affected() == 1)
}

fn apply_patch(store: &mut Store, patch: &StorePatch) {
    if let Some(name) = &patch.name {
        store.name.clone_from(name);
    }
    if let Some(address) = &patch.address {
        store.address.clone_from(address);
    }
    if let Some(time_zone) = &patch.time_zone {
        store.time_zone.clone_from(time_zone);
    }
    if let Some(automation) = &patch.automation {
        store.automation = automation.clone();
    }
    if let Some(ship_from) = patch.ship_from_store_address {
        store.ship_from_store_address = ship_from;
    }
}

pub(crate) fn store_from_row(row: &AnyRow) -> Result<Store> {
    let status: Option<String> = row.try_get("status_on_import")?;
    let status_on_import = status
        .map(|text| text.parse::<OrderStatus>())
        .transpose()
        .map_err(|error| StoreError::corrupt("store status_on_import", error))?;
    Ok(Store {
        id: StoreId(row.try_get("id")?),
        account_id: AccountId(row.try_get("account_id")?),
        name: row.try_get("name")?,
        address: row.try_get("address")?,
        time_zone: row.try_get("time_zone")?,
        automation: Automation {
            status_on_import,
            set_shipped: row.try_get::<i64, _>("set_shipped")? != 0,
            set_voided: row.try_get::<i64, _>("set_voided")? != 0,
        },
        ship_from_store_address: row.try_get::<i64, _>("ship_from_store_address")? != 0,
        logo_content_type: row.try_get("logo_content_type")?,
        logo_etag: row.try_get("logo_etag")?,
        created_at: from_millis(row.try_get("created_at")?),
        updated_at: from_millis(row.try_get("updated_at")?),
    })
}
