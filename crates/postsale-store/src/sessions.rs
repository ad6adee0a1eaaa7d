//! Sessions of the web UI: a random cookie value per signed-in browser, stored only as its
//! SHA-256 hash, with the CSRF token of that browser.

use postsale_core::{AccountId, UserId};
use rand::RngCore;
use sha2::{Digest, Sha256};
use sqlx::Row;
use sqlx::any::AnyRow;
use time::OffsetDateTime;

use crate::accounts::{Account, account_from_row};
use crate::users::User;
use crate::{Database, Result, from_millis, to_millis};

/// Random bytes in a session cookie value and in a CSRF token: 256 bits each.
const TOKEN_BYTES: usize = 32;

/// A stored session, without the cookie value.
#[derive(Clone, PartialEq, Eq)]
pub struct Session {
    pub id: i64,
    pub account_id: AccountId,
    pub user_id: UserId,
    /// The value that forms and `X-CSRF-Token` headers must echo.
    pub csrf_token: String,
    pub created_at: OffsetDateTime,
    pub last_seen_at: OffsetDateTime,
    /// The session ends at this instant unless it is extended.
    pub expires_at: OffsetDateTime,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("id", &self.id)
            .field("account_id", &self.account_id)
            .field("user_id", &self.user_id)
            .field("csrf_token", &"***")
            .field("created_at", &self.created_at)
            .field("last_seen_at", &self.last_seen_at)
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

/// A new session and the cookie value, which exists only in the browser after this.
#[derive(Clone)]
pub struct CreatedSession {
    pub session: Session,
    pub token: String,
}

impl std::fmt::Debug for CreatedSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CreatedSession")
            .field("session", &self.session)
            .field("token", &"***")
            .finish()
    }
}

/// A valid session with its user and account.
#[derive(Clone, Debug)]
pub struct ActiveSession {
    pub session: Session,
    pub user: User,
    pub account: Account,
}

const SESSION_COLUMNS: &str = "id, account_id, user_id, csrf_token, created_at, last_seen_at, \
                               expires_at";

/// Makes a new random token: 64 hexadecimal characters.
pub fn new_token() -> String {
    let mut bytes = [0_u8; TOKEN_BYTES];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// Creates a session for a user that ends at `expires_at` unless extended.
pub async fn create(
    db: &Database,
    user: &User,
    now: OffsetDateTime,
    expires_at: OffsetDateTime,
) -> Result<CreatedSession> {
    let token = new_token();
    let row = sqlx::query(&format!(
        "INSERT INTO sessions (account_id, user_id, token_hash, csrf_token, created_at, \
                               last_seen_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5, $5, $6) RETURNING {SESSION_COLUMNS}"
    ))
    .bind(user.account_id.get())
    .bind(user.id.get())
    .bind(hash_token(&token))
    .bind(new_token())
    .bind(to_millis(now))
    .bind(to_millis(expires_at))
    .fetch_one(db.pool())
    .await?;
    Ok(CreatedSession {
        session: session_from_row(&row)?,
        token,
    })
}

/// Finds the session behind a cookie value with its user and account. Returns `None` for an
/// unknown value and for a session that expired at or before `now`.
pub async fn authenticate(
    db: &Database,
    token: &str,
    now: OffsetDateTime,
) -> Result<Option<ActiveSession>> {
    let row = sqlx::query(
        "SELECT s.id AS s_id, s.account_id AS s_account_id, s.user_id AS s_user_id, \
                s.csrf_token AS s_csrf_token, s.created_at AS s_created_at, \
                s.last_seen_at AS s_last_seen_at, s.expires_at AS s_expires_at, \
                u.email AS u_email, u.created_at AS u_created_at, \
                a.id, a.name, a.plan, a.email, a.created_at \
         FROM sessions s \
         JOIN users u ON u.id = s.user_id \
         JOIN accounts a ON a.id = s.account_id \
         WHERE s.token_hash = $1 AND s.expires_at > $2",
    )
    .bind(hash_token(token))
    .bind(to_millis(now))
    .fetch_optional(db.pool())
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };

    let session = Session {
        id: row.try_get("s_id")?,
        account_id: AccountId(row.try_get("s_account_id")?),
        user_id: UserId(row.try_get("s_user_id")?),
        csrf_token: row.try_get("s_csrf_token")?,
        created_at: from_millis(row.try_get("s_created_at")?),
        last_seen_at: from_millis(row.try_get("s_last_seen_at")?),
        expires_at: from_millis(row.try_get("s_expires_at")?),
    };
    let user = User {
        id: session.user_id,
        account_id: session.account_id,
        email: row.try_get("u_email")?,
        created_at: from_millis(row.try_get("u_created_at")?),
    };
    let account = account_from_row(&row)?;
    Ok(Some(ActiveSession {
        session,
        user,
        account,
    }))
}

/// Records use of a session and moves its end to `expires_at`.
pub async fn extend(
    db: &Database,
    session_id: i64,
    now: OffsetDateTime,
    expires_at: OffsetDateTime,
) -> Result<()> {
    sqlx::query("UPDATE sessions SET last_seen_at = $1, expires_at = $2 WHERE id = $3")
        .bind(to_millis(now))
        .bind(to_millis(expires_at))
        .bind(session_id)
        .execute(db.pool())
        .await?;
    Ok(())
}

/// Ends the session behind a cookie value. Returns false when there was none.
pub async fn delete(db: &Database, token: &str) -> Result<bool> {
    let result = sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
        .bind(hash_token(token))
        .execute(db.pool())
        .await?;
    Ok(result.rows_affected() == 1)
}

/// Ends every session of a user, such as after a password change. Returns how many ended.
pub async fn delete_for_user(db: &Database, account_id: AccountId, user_id: UserId) -> Result<u64> {
    let result = sqlx::query("DELETE FROM sessions WHERE account_id = $1 AND user_id = $2")
        .bind(account_id.get())
        .bind(user_id.get())
        .execute(db.pool())
        .await?;
    Ok(result.rows_affected())
}

/// Removes sessions that expired at or before `now`. Returns how many were removed.
pub async fn delete_expired(db: &Database, now: OffsetDateTime) -> Result<u64> {
    let result = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
        .bind(to_millis(now))
        .execute(db.pool())
        .await?;
    Ok(result.rows_affected())
}

fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn session_from_row(row: &AnyRow) -> Result<Session> {
    Ok(Session {
        id: row.try_get("id")?,
        account_id: AccountId(row.try_get("account_id")?),
        user_id: UserId(row.try_get("user_id")?),
        csrf_token: row.try_get("csrf_token")?,
        created_at: from_millis(row.try_get("created_at")?),
        last_seen_at: from_millis(row.try_get("last_seen_at")?),
        expires_at: from_millis(row.try_get("expires_at")?),
    })
}
