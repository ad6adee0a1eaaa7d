//! Users: the people who sign in to the web UI, each belonging to one account.
//!
//! The password hash is produced and checked by the caller (argon2id in the server); this
//! module only stores it. Emails are compared in lowercase, so `Ops@Example.com` and
//! `ops@example.com` are the same user.

use postsale_core::{AccountId, UserId};
use sqlx::Row;
use sqlx::any::AnyRow;
use time::OffsetDateTime;

use crate::{Database, Result, StoreError, from_millis, to_millis};

/// A user as stored, without the password hash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    pub id: UserId,
    pub account_id: AccountId,
    /// Lowercase email address, unique across all accounts.
    pub email: String,
    pub created_at: OffsetDateTime,
}

/// A user with the password hash that sign-in checks.
#[derive(Clone)]
pub struct UserCredentials {
    pub user: User,
    /// A PHC string such as `$argon2id$v=19$...`.
    pub password_hash: String,
}

impl std::fmt::Debug for UserCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserCredentials")
            .field("user", &self.user)
            .field("password_hash", &"***")
            .finish()
    }
}

const COLUMNS: &str = "id, account_id, email, created_at";

/// Normalizes an email for storage and lookup: trimmed and lowercase.
pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

/// Creates a user of an account. Fails with [`StoreError::Conflict`] when a user with the same
/// email exists, in this account or another.
pub async fn create(
    db: &Database,
    account_id: AccountId,
    email: &str,
    password_hash: &str,
) -> Result<User> {
    let email = normalize_email(email);
    let inserted = sqlx::query(&format!(
        "INSERT INTO users (account_id, email, password_hash, created_at) \
         VALUES ($1, $2, $3, $4) RETURNING {COLUMNS}"
    ))
    .bind(account_id.get())
    .bind(&email)
    .bind(password_hash)
    .bind(to_millis(OffsetDateTime::now_utc()))
    .fetch_one(db.pool())
    .await;
    match inserted {
        Ok(row) => user_from_row(&row),
        Err(error) => {
            let error = StoreError::from(error);
            if error.is_unique_violation() {
                return Err(StoreError::Conflict(format!(
                    "a user with email {email} already exists"
                )));
            }
            Err(error)
        }
    }
}

/// Finds a user and the password hash by email, for sign-in. This lookup is not scoped to an
/// account because the email is what a person signing in presents.
pub async fn find_for_sign_in(db: &Database, email: &str) -> Result<Option<UserCredentials>> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS}, password_hash FROM users WHERE email = $1"
    ))
    .bind(normalize_email(email))
    .fetch_optional(db.pool())
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    Ok(Some(UserCredentials {
        user: user_from_row(&row)?,
        password_hash: row.try_get("password_hash")?,
    }))
}

/// Replaces a user's password hash. Returns false when the account has no such user.
pub async fn set_password_hash(
    db: &Database,
    account_id: AccountId,
    user_id: UserId,
    password_hash: &str,
) -> Result<bool> {
    let result =
        sqlx::query("UPDATE users SET password_hash = $1 WHERE account_id = $2 AND id = $3")
            .bind(password_hash)
            .bind(account_id.get())
            .bind(user_id.get())
            .execute(db.pool())
            .await?;
    Ok(result.rows_affected() == 1)
}

/// Lists an account's users in the order they were created.
pub async fn list(db: &Database, account_id: AccountId) -> Result<Vec<User>> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM users WHERE account_id = $1 ORDER BY id"
    ))
    .bind(account_id.get())
    .fetch_all(db.pool())
    .await?;
    rows.iter().map(user_from_row).collect()
}

pub(crate) fn user_from_row(row: &AnyRow) -> Result<User> {
    Ok(User {
        id: UserId(row.try_get("id")?),
        account_id: AccountId(row.try_get("account_id")?),
        email: row.try_get("email")?,
        created_at: from_millis(row.try_get("created_at")?),
    })
}
