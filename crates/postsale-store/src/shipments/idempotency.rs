//! Idempotency keys of shipment requests: the first response to each key of an account,
//! stored for [`IDEMPOTENCY_KEY_RETENTION`].

use postsale_core::AccountId;
use sqlx::{Any, AnyPool, Row, Transaction};
use time::OffsetDateTime;

use super::Shipment;
use crate::{Result, StoreError, to_millis};

/// How long a key's response is stored: 24 hours, in milliseconds. An older key is deleted
/// and may be used again.
pub const IDEMPOTENCY_KEY_RETENTION: i64 = 24 * 60 * 60 * 1000;

/// The `Idempotency-Key` of a request and a fingerprint of what the request asked for.
#[derive(Clone, Copy, Debug)]
pub struct IdempotencyKey<'a> {
    pub key: &'a str,
    pub fingerprint: &'a str,
}

/// The response to the first request with a key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredResponse {
    /// The fingerprint of the request that got the response.
    pub fingerprint: String,
    pub status_code: u16,
    /// The response's JSON body.
    pub body: String,
}

/// Reads the response stored for an account's key, unless the key is older than
/// [`IDEMPOTENCY_KEY_RETENTION`] at `now`.
pub async fn stored_response(
    db: &crate::Database,
    account_id: AccountId,
    key: &str,
    now: OffsetDateTime,
) -> Result<Option<StoredResponse>> {
    read(db.pool(), account_id, key, to_millis(now)).await
}

pub(super) async fn read(
    pool: &AnyPool,
    account_id: AccountId,
    key: &str,
    now: i64,
) -> Result<Option<StoredResponse>> {
    let row = sqlx::query(
        "SELECT fingerprint, status_code, response_body FROM shipment_idempotency_keys \
         WHERE account_id = $1 AND idempotency_key = $2 AND created_at > $3",
    )
    .bind(account_id.get())
    .bind(key)
    .bind(now - IDEMPOTENCY_KEY_RETENTION)
    .fetch_optional(pool)
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let status_code: i64 = row.try_get("status_code")?;
    Ok(Some(StoredResponse {
        fingerprint: row.try_get("fingerprint")?,
        status_code: u16::try_from(status_code)
            .map_err(|error| StoreError::corrupt("idempotency key status code", error))?,
        body: row.try_get("response_body")?,
    }))
}

/// Deletes the account's keys that are older than [`IDEMPOTENCY_KEY_RETENTION`], so that
/// such a key can be stored again.
pub(super) async fn forget_expired(
    transaction: &mut Transaction<'_, Any>,
    account_id: AccountId,
    now: i64,
) -> Result<()> {
    sqlx::query("DELETE FROM shipment_idempotency_keys WHERE account_id = $1 AND created_at <= $2")
        .bind(account_id.get())
        .bind(now - IDEMPOTENCY_KEY_RETENTION)
        .execute(&mut **transaction)
        .await?;
    Ok(())
}

/// Stores `response` for the key unless the account has used the key already. Returns
/// whether it was stored. On PostgreSQL the insert waits while another transaction has
/// inserted the same key and not yet committed.
pub(super) async fn insert(
    transaction: &mut Transaction<'_, Any>,
    account_id: AccountId,
    key: &IdempotencyKey<'_>,
    shipment: &Shipment,
    response: &StoredResponse,
    now: i64,
) -> Result<bool> {
    let inserted: Option<i64> = sqlx::query_scalar(
        "INSERT INTO shipment_idempotency_keys \
           (account_id, idempotency_key, fingerprint, shipment_id, status_code, response_body, \
            created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) \
         ON CONFLICT (account_id, idempotency_key) DO NOTHING RETURNING account_id",
    )
    .bind(account_id.get())
    .bind(key.key)
    .bind(key.fingerprint)
    .bind(shipment.id.get())
    .bind(i64::from(response.status_code))
    .bind(&response.body)
    .bind(now)
    .fetch_optional(&mut **transaction)
    .await?;
    Ok(inserted.is_some())
}
