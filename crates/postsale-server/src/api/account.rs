//! `GET /api/v1/account`: the caller's account and plan.

use axum::Json;
use postsale_core::Plan;
use serde::Serialize;
use time::OffsetDateTime;
use utoipa::ToSchema;

use crate::http::problem::Problem;
use crate::http::{ApiCaller, ApiError};

/// An account as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccountOut {
    pub id: i64,
    pub name: String,
    #[schema(value_type = String, example = "soar")]
    pub plan: Plan,
    pub email: String,
    /// Whether the plan allows webhooks (only `soar` does).
    pub webhooks_allowed: bool,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
}

/// Returns the account that owns the API key.
#[utoipa::path(
    get,
    path = "/api/v1/account",
    tag = "account",
    security(("api_key" = [])),
    responses(
        (status = 200, description = "The caller's account", body = AccountOut),
        (status = 401, description = "Missing, invalid or revoked API key", body = Problem,
         content_type = "application/problem+json"),
    )
)]
pub async fn get_account(caller: ApiCaller) -> Result<Json<AccountOut>, ApiError> {
    let account = caller.account;
    Ok(Json(AccountOut {
        id: account.id.get(),
        name: account.name,
        plan: account.plan,
        email: account.email,
        webhooks_allowed: account.plan.allows_webhooks(),
        created_at: account.created_at,
    }))
}
