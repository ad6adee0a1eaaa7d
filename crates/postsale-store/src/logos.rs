//! Store logos: the processed image, its media type and its ETag, kept in the store's row.

use postsale_core::{AccountId, StoreId};
use sqlx::Row;
use time::OffsetDateTime;

use crate::{Database, Result, to_millis};

/// A store's logo as stored: already processed, so it is served as it is.
#[derive(Clone, PartialEq, Eq)]
pub struct StoredLogo {
    pub bytes: Vec<u8>,
    /// `image/png` or `image/jpeg`.
    pub content_type: String,
    /// Lowercase hex SHA-256 of `bytes`, without quotes.
    pub etag: String,
}

impl std::fmt::Debug for StoredLogo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StoredLogo")
            .field("bytes", &self.bytes.len())
            .field("content_type", &self.content_type)
            .field("etag", &self.etag)
            .finish()
    }
}

/// Reads a store's logo. `None` when the account has no such store or the store has no logo.
pub async fn get(
    db: &Database,
    account_id: AccountId,
    store_id: StoreId,
) -> Result<Option<StoredLogo>> {
    let row = sqlx::query(
        "SELECT logo, logo_content_type, logo_etag FROM stores \
         WHERE account_id = $1 AND id = $2 AND logo IS NOT NULL",
    )
    .bind(account_id.get())
    .bind(store_id.get())
    .fetch_optional(db.pool())
    .await?;

    let Some(row) = row else {
        return Ok(None);
    };
    Ok(Some(StoredLogo {
        bytes: row.try_get("logo")?,
        content_type: row.try_get("logo_content_type")?,
        etag: row.try_get("logo_etag")?,
    }))
}

/// Replaces a store's logo. Returns `false` when the account has no such store.
pub async fn set(
    db: &Database,
    account_id: AccountId,
    store_id: StoreId,
    logo: &StoredLogo,
) -> Result<bool> {
    let result = sqlx::query(
        "UPDATE stores SET logo = $1, logo_content_type = $2, logo_etag = $3, updated_at = $4 \
         WHERE account_id = $5 AND id = $6",
    )
    .bind(logo.bytes.as_slice())
    .bind(&logo.content_type)
    .bind(&logo.etag)
    .bind(to_millis(OffsetDateTime::now_utc()))
    .bind(account_id.get())
    .bind(store_id.get())
    .execute(db.pool())
    .await?;
    Ok(result.rows_affected() == 1)
}

/// Removes a store's logo, if it has one. Returns `false` when the account has no such store.
pub async fn delete(db: &Database, account_id: AccountId, store_id: StoreId) -> Result<bool> {
    let result = sqlx::query(
        "UPDATE stores SET logo = NULL, logo_content_type = NULL, logo_etag = NULL, \
                updated_at = $1 \
         WHERE account_id = $2 AND id = $3",
    )
    .bind(to_millis(OffsetDateTime::now_utc()))
    .bind(account_id.get())
    .bind(store_id.get())
    .execute(db.pool())
    .await?;
    Ok(result.rows_affected() == 1)
}
