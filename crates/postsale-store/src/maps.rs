//! Maps: the versioned rules that turn a store's requests into orders. Every saved version is
//! kept; the newest one is the store's current map.

use postsale_core::{AccountId, StoreId};
use sqlx::Row;
use sqlx::any::AnyRow;
use time::OffsetDateTime;

use crate::{Database, Dialect, Result, from_millis, to_millis};

/// One saved version of a store's map.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredMap {
    pub store_id: StoreId,
    pub version: i64,
    /// The map document as JSON.
    pub document: String,
    pub created_at: OffsetDateTime,
}

/// Saves `document` as the store's next map version and returns it. Concurrent saves of one
/// store take turns: on PostgreSQL each locks the store's row first, and SQLite runs one write
/// transaction at a time, so no two saves read the same highest version.
pub async fn save(
    db: &Database,
    account_id: AccountId,
    store_id: StoreId,
    document: &str,
) -> Result<StoredMap> {
    let mut transaction = db.begin_write().await?;
    if db.dialect() == Dialect::Postgres {
        sqlx::query("SELECT id FROM stores WHERE account_id = $1 AND id = $2 FOR UPDATE")
            .bind(account_id.get())
            .bind(store_id.get())
            .fetch_optional(&mut *transaction)
            .await?;
    }
    let row = sqlx::query(
        "INSERT INTO maps (account_id, store_id, version, document, created_at) \
         SELECT $1, $2, COALESCE(MAX(version), 0) + 1, $3, $4 FROM maps WHERE store_id = $2 \
         RETURNING store_id, version, document, created_at",
    )
    .bind(account_id.get())
    .bind(store_id.get())
    .bind(document)
    .bind(to_millis(OffsetDateTime::now_utc()))
    .fetch_one(&mut *transaction)
    .await?;
    let saved = map_from_row(&row)?;
    transaction.commit().await?;
    Ok(saved)
}

/// Reads the newest map of a store, if it has one.
pub async fn latest(
    db: &Database,
    account_id: AccountId,
    store_id: StoreId,
) -> Result<Option<StoredMap>> {
    let row = sqlx::query(
        "SELECT store_id, version, document, created_at FROM maps \
         WHERE account_id = $1 AND store_id = $2 ORDER BY version DESC LIMIT 1",
    )
    .bind(account_id.get())
    .bind(store_id.get())
    .fetch_optional(db.pool())
    .await?;
    row.as_ref().map(map_from_row).transpose()
}

/// Reads one version of a store's map.
pub async fn get_version(
    db: &Database,
    account_id: AccountId,
    store_id: StoreId,
    version: i64,
) -> Result<Option<StoredMap>> {
    let row = sqlx::query(
        "SELECT store_id, version, document, created_at FROM maps \
         WHERE account_id = $1 AND store_id = $2 AND version = $3",
    )
    .bind(account_id.get())
    .bind(store_id.get())
    .bind(version)
    .fetch_optional(db.pool())
    .await?;
    row.as_ref().map(map_from_row).transpose()
}

/// Lists every version of a store's map, newest first.
pub async fn list_versions(
    db: &Database,
    account_id: AccountId,
    store_id: StoreId,
) -> Result<Vec<StoredMap>> {
    let rows = sqlx::query(
        "SELECT store_id, version, document, created_at FROM maps \
         WHERE account_id = $1 AND store_id = $2 ORDER BY version DESC",
    )
    .bind(account_id.get())
    .bind(store_id.get())
    .fetch_all(db.pool())
    .await?;
    rows.iter().map(map_from_row).collect()
}

fn map_from_row(row: &AnyRow) -> Result<StoredMap> {
    Ok(StoredMap {
        store_id: StoreId(row.try_get("store_id")?),
        version: row.try_get("version")?,
        document: row.try_get("document")?,
        created_at: from_millis(row.try_get("created_at")?),
    })
}
