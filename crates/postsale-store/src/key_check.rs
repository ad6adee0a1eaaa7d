//! The key check record: one value sealed with the server's secret key, so that a process
//! started with another key finds out at start instead of failing later on every webhook.
//!
//! These queries are not scoped to an account: the record belongs to the database, not to a
//! tenant, and the fallback reads one sealed value only to test a key against it.

use time::OffsetDateTime;

use crate::{Database, Result, to_millis};

/// Reads the sealed key check value, if a process has written it.
pub async fn read(db: &Database) -> Result<Option<String>> {
    let sealed = sqlx::query_scalar("SELECT sealed FROM key_check WHERE id = 1")
        .fetch_optional(db.pool())
        .await?;
    Ok(sealed)
}

/// Writes the key check value unless one is already there. Of several processes that start at
/// once, the first to commit wins, and the others must then verify against its value.
pub async fn insert_if_absent(db: &Database, sealed: &str) -> Result<()> {
    sqlx::query(
        "INSERT INTO key_check (id, sealed, created_at) VALUES (1, $1, $2) \
         ON CONFLICT (id) DO NOTHING",
    )
    .bind(sealed)
    .bind(to_millis(OffsetDateTime::now_utc()))
    .execute(db.pool())
    .await?;
    Ok(())
}

/// Reads the sealed security settings of the oldest webhook, if any, for a database whose
/// secrets were sealed before it had a key check record.
pub async fn oldest_sealed_secret(db: &Database) -> Result<Option<String>> {
    let sealed = sqlx::query_scalar("SELECT security FROM webhooks ORDER BY id LIMIT 1")
        .fetch_optional(db.pool())
        .await?;
    Ok(sealed)
}
