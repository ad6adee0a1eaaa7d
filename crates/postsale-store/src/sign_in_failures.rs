//! Failed sign-ins, counted per email and per client address over a time window. The rows
//! live in the database, so every process that shares it applies the same limit.

use sqlx::Row;
use time::OffsetDateTime;

use crate::users::normalize_email;
use crate::{Database, Result, from_millis, to_millis};

/// The failures of one key (an email or a client address) inside the window.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FailureWindow {
    pub count: i64,
    /// The oldest failure inside the window; the count drops when it leaves the window.
    pub oldest: Option<OffsetDateTime>,
}

/// The failures inside the window for an email and for a client address.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RecentFailures {
    pub email: FailureWindow,
    pub client_address: FailureWindow,
}

/// Records one sign-in attempt as failed.
///
/// The sign-in handler records an attempt before it checks the password, so concurrent
/// attempts each count the others and no more than the limit are checked.
pub async fn record(
    db: &Database,
    email: &str,
    client_address: &str,
    now: OffsetDateTime,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO sign_in_failures (email, client_address, failed_at) VALUES ($1, $2, $3)",
    )
    .bind(normalize_email(email))
    .bind(client_address)
    .bind(to_millis(now))
    .execute(db.pool())
    .await?;
    Ok(())
}

/// Counts the failures at or after `since` for an email and for a client address.
pub async fn recent(
    db: &Database,
    email: &str,
    client_address: &str,
    since: OffsetDateTime,
) -> Result<RecentFailures> {
    let email = window(db, "email", &normalize_email(email), since).await?;
    let client_address = window(db, "client_address", client_address, since).await?;
    Ok(RecentFailures {
        email,
        client_address,
    })
}

/// Forgets the failures of an email, after its user signed in.
pub async fn clear_email(db: &Database, email: &str) -> Result<()> {
    sqlx::query("DELETE FROM sign_in_failures WHERE email = $1")
        .bind(normalize_email(email))
        .execute(db.pool())
        .await?;
    Ok(())
}

/// Removes failures older than `before`, which no window counts any more.
pub async fn delete_older_than(db: &Database, before: OffsetDateTime) -> Result<u64> {
    let result = sqlx::query("DELETE FROM sign_in_failures WHERE failed_at < $1")
        .bind(to_millis(before))
        .execute(db.pool())
        .await?;
    Ok(result.rows_affected())
}

/// Counts failures by one column. `column` is one of two fixed names, never input.
async fn window(
    db: &Database,
    column: &'static str,
    value: &str,
    since: OffsetDateTime,
) -> Result<FailureWindow> {
    let row = sqlx::query(&format!(
        "SELECT COUNT(*) AS failures, MIN(failed_at) AS oldest FROM sign_in_failures \
         WHERE {column} = $1 AND failed_at >= $2"
    ))
    .bind(value)
    .bind(to_millis(since))
    .fetch_one(db.pool())
    .await?;
    Ok(FailureWindow {
        count: row.try_get("failures")?,
        oldest: row.try_get::<Option<i64>, _>("oldest")?.map(from_millis),
    })
}
