//! Authentication of REST API calls with `Authorization: Bearer <api key>`.

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use postsale_store::accounts::Account;
use postsale_store::api_keys::{self, ApiKey};

use crate::app::AppState;
use crate::http::ApiError;

/// The account and key behind an authenticated API call. Every tenant query starts from
/// `caller.account.id`.
#[derive(Clone, Debug)]
pub struct ApiCaller {
    pub account: Account,
    pub key: ApiKey,
}

impl FromRequestParts<AppState> for ApiCaller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let Some(value) = parts.headers.get(header::AUTHORIZATION) else {
            return Err(ApiError::unauthorized(
                "missing API key: send the header `Authorization: Bearer <api key>`",
            ));
        };
        let token = value
            .to_str()
            .ok()
            .and_then(|text| text.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|token| !token.is_empty())
            .ok_or_else(|| {
                ApiError::unauthorized(
                    "malformed Authorization header: use the form `Bearer <api key>`",
                )
            })?;

        match api_keys::authenticate(state.db(), token).await? {
            Some((key, account)) => {
                tracing::Span::current().record("account.id", account.id.get());
                Ok(ApiCaller { account, key })
            }
            None => Err(ApiError::unauthorized(
                "invalid API key: it is unknown or revoked; create a new one with \
                 `postsale api-key create`",
            )),
        }
    }
}
