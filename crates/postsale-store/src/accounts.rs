//! Accounts: the tenants of postsale, each on a billing plan.

use postsale_core::{AccountId, Plan};
use sqlx::Row;
use sqlx::any::AnyRow;
use time::OffsetDateTime;

use crate::{Database, Result, StoreError, from_millis, to_millis};

/// An account as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Account {
    pub id: AccountId,
    pub name: String,
    pub plan: Plan,
    pub email: String,
    pub created_at: OffsetDateTime,
}

/// The values needed to create an account.
#[derive(Clone, Debug)]
pub struct NewAccount {
    pub name: String,
    pub plan: Plan,
    pub email: String,
}

const COLUMNS: &str = "id, name, plan, email, created_at";

/// Creates an account and returns it with its new id.
pub async fn create(db: &Database, account: &NewAccount) -> Result<Account> {
    let created_at = OffsetDateTime::now_utc();
    let row = sqlx::query(&format!(
        "INSERT INTO accounts (name, plan, email, created_at) VALUES ($1, $2, $3, $4) \
         RETURNING {COLUMNS}"
    ))
    .bind(&account.name)
    .bind(account.plan.as_str())
    .bind(&account.email)
    .bind(to_millis(created_at))
    .fetch_one(db.pool())
    .await?;
    account_from_row(&row)
}

/// Reads one account. This is the only lookup by account id alone, since the id is the tenant.
pub async fn get(db: &Database, account_id: AccountId) -> Result<Option<Account>> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM accounts WHERE id = $1"))
        .bind(account_id.get())
        .fetch_optional(db.pool())
        .await?;
    row.as_ref().map(account_from_row).transpose()
}

/// Moves an account to another plan. Returns false when the account does not exist.
pub async fn set_plan(db: &Database, account_id: AccountId, plan: Plan) -> Result<bool> {
    let result = sqlx::query("UPDATE accounts SET plan = $1 WHERE id = $2")
        .bind(plan.as_str())
        .bind(account_id.get())
        .execute(db.pool())
        .await?;
    db.note_webhook_change();
    Ok(result.rows_affected() == 1)
}

/// Reads the account's default Ship From address (a JSON document), if it has one.
pub async fn ship_from_address(db: &Database, account_id: AccountId) -> Result<Option<String>> {
    let address: Option<Option<String>> =
        sqlx::query_scalar("SELECT ship_from_address FROM accounts WHERE id = $1")
            .bind(account_id.get())
            .fetch_optional(db.pool())
            .await?;
    Ok(address.flatten())
}

/// Sets or clears the account's default Ship From address (a JSON document).
pub async fn set_ship_from_address(
    db: &Database,
    account_id: AccountId,
    address: Option<&str>,
) -> Result<bool> {
    let result = sqlx::query("UPDATE accounts SET ship_from_address = $1 WHERE id = $2")
        .bind(address)
        .bind(account_id.get())
        .execute(db.pool())
        .await?;
    Ok(result.rows_affected() == 1)
}

pub(crate) fn account_from_row(row: &AnyRow) -> Result<Account> {
    let plan: String = row.try_get("plan")?;
    Ok(Account {
        id: AccountId(row.try_get("id")?),
        name: row.try_get("name")?,
        plan: plan
            .parse()
            .map_err(|e| StoreError::corrupt("account plan", e))?,
        email: row.try_get("email")?,
        created_at: from_millis(row.try_get("created_at")?),
    })
}
