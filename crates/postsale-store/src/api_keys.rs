//! API keys: bearer tokens for the REST API, stored only as SHA-256 hashes.

use postsale_core::{AccountId, ApiKeyId};
use rand::distr::{Alphanumeric, SampleString};
use sha2::{Digest, Sha256};
use sqlx::Row;
use sqlx::any::AnyRow;
use time::OffsetDateTime;

use crate::accounts::{Account, account_from_row};
use crate::{Database, Result, from_millis, to_millis};

/// Every key starts with this, so a leaked key is easy to recognise in a scan.
pub const KEY_PREFIX: &str = "psk_";

/// Random characters after the prefix: 40 alphanumerics carry about 238 bits.
const RANDOM_CHARS: usize = 40;

/// How many leading characters of a key are stored in clear so a person can tell keys apart.
const SHOWN_CHARS: usize = 12;

/// `last_used_at` is written at most this often per key, so that busy clients add few writes.
const LAST_USED_RESOLUTION_MS: i64 = 60_000;

/// An API key's stored metadata. The key itself exists only in the creator's hands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiKey {
    pub id: ApiKeyId,
    pub account_id: AccountId,
    pub prefix: String,
    pub label: Option<String>,
    pub created_at: OffsetDateTime,
    pub last_used_at: Option<OffsetDateTime>,
    pub revoked_at: Option<OffsetDateTime>,
}

/// A newly created key: its metadata and the plaintext, which is shown once and never stored.
#[derive(Clone)]
pub struct CreatedKey {
    pub key: ApiKey,
    pub plaintext: String,
}

impl std::fmt::Debug for CreatedKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CreatedKey")
            .field("key", &self.key)
            .field("plaintext", &"***")
            .finish()
    }
}

/// Creates a random key for an account and stores its hash.
pub async fn create(
    db: &Database,
    account_id: AccountId,
    label: Option<&str>,
) -> Result<CreatedKey> {
    let random = Alphanumeric.sample_string(&mut rand::rng(), RANDOM_CHARS);
    let plaintext = format!("{KEY_PREFIX}{random}");
    let prefix: String = plaintext.chars().take(SHOWN_CHARS).collect();

    let row = sqlx::query(
        "INSERT INTO api_keys (account_id, prefix, key_hash, label, created_at) \
         VALUES ($1, $2, $3, $4, $5) \
         RETURNING id, account_id, prefix, label, created_at, last_used_at, revoked_at",
    )
    .bind(account_id.get())
    .bind(&prefix)
    .bind(hash_key(&plaintext))
    .bind(label)
    .bind(to_millis(OffsetDateTime::now_utc()))
    .fetch_one(db.pool())
    .await?;
    Ok(CreatedKey {
        key: key_from_row(&row)?,
        plaintext,
    })
}

/// Finds the account of an unrevoked key. Returns `None` for an unknown or revoked key.
pub async fn authenticate(db: &Database, plaintext: &str) -> Result<Option<(ApiKey, Account)>> {
    let row = sqlx::query(
        "SELECT k.id AS key_id, k.account_id, k.prefix, k.label, k.created_at AS key_created_at, \
                k.last_used_at, k.revoked_at, \
                a.id, a.name, a.plan, a.email, a.created_at \
         FROM api_keys k JOIN accounts a ON a.id = k.account_id \
         WHERE k.key_hash = $1 AND k.revoked_at IS NULL",
    )
    .bind(hash_key(plaintext))
    .fetch_optional(db.pool())
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };

    let key = ApiKey {
        id: ApiKeyId(row.try_get("key_id")?),
        account_id: AccountId(row.try_get("account_id")?),
        prefix: row.try_get("prefix")?,
        label: row.try_get("label")?,
        created_at: from_millis(row.try_get("key_created_at")?),
        last_used_at: row
            .try_get::<Option<i64>, _>("last_used_at")?
            .map(from_millis),
        revoked_at: None,
    };
    let account = account_from_row(&row)?;
    touch(db, &key).await?;
    Ok(Some((key, account)))
}

/// Lists an account's keys, newest first, revoked ones included.
pub async fn list(db: &Database, account_id: AccountId) -> Result<Vec<ApiKey>> {
    let rows = sqlx::query(
        "SELECT id, account_id, prefix, label, created_at, last_used_at, revoked_at \
         FROM api_keys WHERE account_id = $1 ORDER BY id DESC",
    )
    .bind(account_id.get())
    .fetch_all(db.pool())
    .await?;
    rows.iter().map(key_from_row).collect()
}

/// Revokes a key of this account. Returns false when the account has no such unrevoked key.
pub async fn revoke(db: &Database, account_id: AccountId, key_id: ApiKeyId) -> Result<bool> {
    let result = sqlx::query(
        "UPDATE api_keys SET revoked_at = $1 \
         WHERE id = $2 AND account_id = $3 AND revoked_at IS NULL",
    )
    .bind(to_millis(OffsetDateTime::now_utc()))
    .bind(key_id.get())
    .bind(account_id.get())
    .execute(db.pool())
    .await?;
    Ok(result.rows_affected() == 1)
}

fn hash_key(plaintext: &str) -> String {
    hex::encode(Sha256::digest(plaintext.as_bytes()))
}

async fn touch(db: &Database, key: &ApiKey) -> Result<()> {
    let now = to_millis(OffsetDateTime::now_utc());
    let last = key.last_used_at.map(to_millis).unwrap_or(i64::MIN);
    if now.saturating_sub(last) < LAST_USED_RESOLUTION_MS {
        return Ok(());
    }
    sqlx::query("UPDATE api_keys SET last_used_at = $1 WHERE id = $2")
        .bind(now)
        .bind(key.id.get())
        .execute(db.pool())
        .await?;
    Ok(())
}

fn key_from_row(row: &AnyRow) -> Result<ApiKey> {
    Ok(ApiKey {
        id: ApiKeyId(row.try_get("id")?),
        account_id: AccountId(row.try_get("account_id")?),
        prefix: row.try_get("prefix")?,
        label: row.try_get("label")?,
        created_at: from_millis(row.try_get("created_at")?),
        last_used_at: row
            .try_get::<Option<i64>, _>("last_used_at")?
            .map(from_millis),
        revoked_at: row
            .try_get::<Option<i64>, _>("revoked_at")?
            .map(from_millis),
    })
}
