//! Webhooks: the inbound endpoint of a store, found by its URL token.

use postsale_core::{AccountId, Plan, StoreId, WebhookId, WebhookState};
use rand::RngCore;
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};
use time::OffsetDateTime;

use crate::{Database, Dialect, Result, StoreError, from_millis, to_millis};

/// Random bytes in a URL token: 256 bits, written as 64 hexadecimal characters.
const TOKEN_BYTES: usize = 32;

/// A store's webhook as stored. `security` is the sealed (encrypted) security configuration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Webhook {
    pub id: WebhookId,
    pub account_id: AccountId,
    pub store_id: StoreId,
    pub token: String,
    pub previous_token: Option<String>,
    pub previous_token_expires_at: Option<OffsetDateTime>,
    pub state: WebhookState,
    pub security: String,
    /// A header whose value identifies a delivery, beside the ones the channels are known for.
    pub delivery_id_header: Option<String>,
    /// Accepted requests per minute; `None` uses the server's default.
    pub rate_limit_per_minute: Option<i64>,
    /// Set when the merchant made the webhook `capturing` by hand: a saved map then leaves it
    /// capturing instead of turning it active.
    pub paused: bool,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

/// The values needed to create a webhook.
#[derive(Clone, Debug)]
pub struct NewWebhook {
    pub token: String,
    pub security: String,
    pub state: WebhookState,
    pub delivery_id_header: Option<String>,
    pub rate_limit_per_minute: Option<i64>,
}

/// A partial update of a webhook: `None` leaves a value as it is.
#[derive(Clone, Debug, Default)]
pub struct WebhookPatch {
    pub security: Option<String>,
    pub state: Option<WebhookState>,
    pub delivery_id_header: Option<Option<String>>,
    pub rate_limit_per_minute: Option<Option<i64>>,
    /// Whether the merchant paused the webhook; `None` keeps the stored value.
    pub paused: Option<bool>,
}

/// What ingress needs to know about the webhook behind a token.
#[derive(Clone, Debug)]
pub struct IngressTarget {
    pub webhook: Webhook,
    pub plan: Plan,
}

const COLUMNS: &str = "w.id, w.account_id, w.store_id, w.token, w.previous_token, \
                       w.previous_token_expires_at, w.state, w.security, w.delivery_id_header, \
                       w.rate_limit_per_minute, w.paused, w.created_at, w.updated_at";

/// Makes a new unguessable URL token.
pub fn new_token() -> String {
    let mut bytes = [0_u8; TOKEN_BYTES];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

pub(crate) async fn insert(
    transaction: &mut Transaction<'_, Any>,
    account_id: AccountId,
    store_id: StoreId,
    webhook: &NewWebhook,
    now: i64,
) -> Result<Webhook> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO webhooks (account_id, store_id, token, state, security, delivery_id_header, \
                               rate_limit_per_minute, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id",
    )
    .bind(account_id.get())
    .bind(store_id.get())
    .bind(&webhook.token)
    .bind(webhook.state.as_str())
    .bind(&webhook.security)
    .bind(&webhook.delivery_id_header)
    .bind(webhook.rate_limit_per_minute)
    .bind(now)
    .fetch_one(&mut **transaction)
    .await?;
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM webhooks w WHERE w.id = $1"))
        .bind(id)
        .fetch_one(&mut **transaction)
        .await?;
    webhook_from_row(&row)
}

/// Reads the webhook of one store of an account.
pub async fn get_for_store(
    db: &Database,
    account_id: AccountId,
    store_id: StoreId,
) -> Result<Option<Webhook>> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM webhooks w WHERE w.account_id = $1 AND w.store_id = $2"
    ))
    .bind(account_id.get())
    .bind(store_id.get())
    .fetch_optional(db.pool())
    .await?;
    row.as_ref().map(webhook_from_row).transpose()
}

/// Applies a partial update to a store's webhook in one statement, so that members the patch
/// leaves out keep whatever a concurrent update wrote.
pub async fn update(
    db: &Database,
    account_id: AccountId,
    store_id: StoreId,
    patch: &WebhookPatch,
) -> Result<Option<Webhook>> {
    let result = sqlx::query(
        "UPDATE webhooks SET security = COALESCE($1, security), state = COALESCE($2, state), \
                delivery_id_header = CASE WHEN $3 = 1 THEN $4 ELSE delivery_id_header END, \
                rate_limit_per_minute = CASE WHEN $5 = 1 THEN $6 ELSE rate_limit_per_minute END, \
                paused = COALESCE($7, paused), updated_at = $8 \
         WHERE account_id = $9 AND store_id = $10",
    )
    .bind(patch.security.as_deref())
    .bind(patch.state.map(WebhookState::as_str))
    .bind(i64::from(patch.delivery_id_header.is_some()))
    .bind(patch.delivery_id_header.clone().flatten())
    .bind(i64::from(patch.rate_limit_per_minute.is_some()))
    .bind(patch.rate_limit_per_minute.flatten())
    .bind(patch.paused.map(i64::from))
    .bind(to_millis(OffsetDateTime::now_utc()))
    .bind(account_id.get())
    .bind(store_id.get())
    .execute(db.pool())
    .await?;
    db.note_webhook_change();
    if result.rows_affected() == 0 {
        return Ok(None);
    }
    get_for_store(db, account_id, store_id).await
}

/// Sets a store's webhook `active` if, and only if, it is `capturing` with the sealed security
/// settings `security` and not paused by the merchant, in one conditional statement: a webhook
/// that was disabled, paused or given other checks, even a moment before, stays as it is.
/// Returns the state after the statement and whether this call activated it, or `None` when
/// the store has no webhook.
pub async fn activate_if_capturing(
    db: &Database,
    account_id: AccountId,
    store_id: StoreId,
    security: &str,
) -> Result<Option<(WebhookState, bool)>> {
    let query = sqlx::query(
        "UPDATE webhooks SET state = 'active', updated_at = $1 \
         WHERE account_id = $2 AND store_id = $3 AND state = 'capturing' AND paused = 0 \
           AND security = $4",
    );
    let query = bind_owner(query, account_id, store_id).bind(security);
    state_after(db, query, account_id, store_id, WebhookState::Active).await
}

/// Sets the store's webhook `capturing` if it is `active`. Returns its state afterwards and
/// whether this call changed it, or `None` when the store has no webhook.
pub async fn capture_if_active(
    db: &Database,
    account_id: AccountId,
    store_id: StoreId,
) -> Result<Option<(WebhookState, bool)>> {
    let query = sqlx::query(
        "UPDATE webhooks SET state = 'capturing', updated_at = $1 \
         WHERE account_id = $2 AND store_id = $3 AND state = 'active'",
    );
    let query = bind_owner(query, account_id, store_id);
    state_after(db, query, account_id, store_id, WebhookState::Capturing).await
}

type AnyQuery<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>;

/// Binds the time of the change and the webhook's account and store, `$1` to `$3`.
fn bind_owner(query: AnyQuery<'_>, account_id: AccountId, store_id: StoreId) -> AnyQuery<'_> {
    query
        .bind(to_millis(OffsetDateTime::now_utc()))
        .bind(account_id.get())
        .bind(store_id.get())
}

/// Runs a conditional change of a webhook's state to `target`, and returns the state after it
/// and whether the change applied, or `None` when the store has no webhook.
async fn state_after(
    db: &Database,
    query: AnyQuery<'_>,
    account_id: AccountId,
    store_id: StoreId,
    target: WebhookState,
) -> Result<Option<(WebhookState, bool)>> {
    let changed = query.execute(db.pool()).await?;
    db.note_webhook_change();
    if changed.rows_affected() == 1 {
        return Ok(Some((target, true)));
    }
    Ok(get_for_store(db, account_id, store_id)
        .await?
        .map(|webhook| (webhook.state, false)))
}

/// Gives a webhook a new token. The old token keeps working until `old_valid_until`.
pub async fn rotate_token(
    db: &Database,
    account_id: AccountId,
    store_id: StoreId,
    new_token: &str,
    old_valid_until: OffsetDateTime,
) -> Result<Option<Webhook>> {
    let result = sqlx::query(
        "UPDATE webhooks SET previous_token = token, previous_token_expires_at = $1, \
                token = $2, updated_at = $3 \
         WHERE account_id = $4 AND store_id = $5",
    )
    .bind(to_millis(old_valid_until))
    .bind(new_token)
    .bind(to_millis(OffsetDateTime::now_utc()))
    .bind(account_id.get())
    .bind(store_id.get())
    .execute(db.pool())
    .await?;
    db.note_webhook_change();
    if result.rows_affected() == 0 {
        return Ok(None);
    }
    get_for_store(db, account_id, store_id).await
}

/// Finds the webhook behind a URL token: its current token, or its previous token while that
/// is within its grace period. This lookup is not scoped to an account because the token is
/// the only credential a channel presents before the security checks run.
pub async fn find_by_token(
    db: &Database,
    token: &str,
    now: OffsetDateTime,
) -> Result<Option<IngressTarget>> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS}, a.plan FROM webhooks w JOIN accounts a ON a.id = w.account_id \
         WHERE w.token = $1 OR (w.previous_token = $1 AND w.previous_token_expires_at > $2)"
    ))
    .bind(token)
    .bind(to_millis(now))
    .fetch_optional(db.pool())
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let plan: String = row.try_get("plan")?;
    Ok(Some(IngressTarget {
        webhook: webhook_from_row(&row)?,
        plan: plan
            .parse()
            .map_err(|error| StoreError::corrupt("account plan", error))?,
    }))
}

/// Finds the webhooks behind several URL tokens in one query, as [`find_by_token`] does for
/// one. Returns each token that names a webhook with its target; tokens that name none are
/// left out. Tokens must not contain NUL, which PostgreSQL text cannot hold.
pub async fn find_by_tokens(
    db: &Database,
    tokens: &[&str],
    now: OffsetDateTime,
) -> Result<Vec<(String, IngressTarget)>> {
    if tokens.is_empty() {
        return Ok(Vec::new());
    }
    let requested_tokens = match db.dialect() {
        Dialect::Sqlite => "json_each($1) j",
        Dialect::Postgres => "json_array_elements_text($1::json) AS j(value)",
    };
    // Two joins instead of one with OR, so that each uses its unique index.
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS}, a.plan, j.value AS requested FROM {requested_tokens} \
           JOIN webhooks w ON w.token = j.value JOIN accounts a ON a.id = w.account_id \
         UNION ALL \
         SELECT {COLUMNS}, a.plan, j.value AS requested FROM {requested_tokens} \
           JOIN webhooks w ON w.previous_token = j.value AND w.previous_token_expires_at > $2 \
           JOIN accounts a ON a.id = w.account_id"
    ))
    .bind(serde_json::to_string(tokens).map_err(|error| StoreError::corrupt("tokens", error))?)
    .bind(to_millis(now))
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|row| {
            let plan: String = row.try_get("plan")?;
            let target = IngressTarget {
                webhook: webhook_from_row(row)?,
                plan: plan
                    .parse()
                    .map_err(|error| StoreError::corrupt("account plan", error))?,
            };
            Ok((row.try_get("requested")?, target))
        })
        .collect()
}

fn webhook_from_row(row: &AnyRow) -> Result<Webhook> {
    let state: String = row.try_get("state")?;
    Ok(Webhook {
        id: WebhookId(row.try_get("id")?),
        account_id: AccountId(row.try_get("account_id")?),
        store_id: StoreId(row.try_get("store_id")?),
        token: row.try_get("token")?,
        previous_token: row.try_get("previous_token")?,
        previous_token_expires_at: row
            .try_get::<Option<i64>, _>("previous_token_expires_at")?
            .map(from_millis),
        state: state
            .parse()
            .map_err(|error| StoreError::corrupt("webhook state", error))?,
        security: row.try_get("security")?,
        delivery_id_header: row.try_get("delivery_id_header")?,
        rate_limit_per_minute: row.try_get("rate_limit_per_minute")?,
        paused: row.try_get::<i64, _>("paused")? != 0,
        created_at: from_millis(row.try_get("created_at")?),
        updated_at: from_millis(row.try_get("updated_at")?),
    })
}
