//! Authentication of REST API calls: `Authorization: Bearer <api key>`, or the web UI's
//! session cookie, with which every method but GET and HEAD also needs `X-CSRF-Token`.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderName, Method, StatusCode, header};
use postsale_store::accounts::Account;
use postsale_store::api_keys::{self, ApiKey};
use postsale_store::users::User;

use crate::app::AppState;
use crate::http::ApiError;
use crate::web::csrf::tokens_match;
use crate::web::session::{self, SESSION_COOKIE};

/// The header that must echo the session's CSRF token on calls made with the session cookie.
pub const CSRF_HEADER: HeaderName = HeaderName::from_static("x-csrf-token");

/// The account and credential behind an authenticated API call. Every tenant query starts
/// from `caller.account.id`.
#[derive(Clone, Debug)]
pub struct ApiCaller {
    pub account: Account,
    pub credential: Credential,
}

/// The credential that authenticated an API call.
#[derive(Clone, Debug)]
pub enum Credential {
    /// An API key in `Authorization: Bearer`.
    ApiKey(ApiKey),
    /// The session cookie of a user signed in to the web UI.
    Session(User),
}

impl ApiCaller {
    /// Names the key or user behind the call, such as `key-3` or `user-7`, for records of who
    /// did what.
    pub fn actor(&self) -> String {
        match &self.credential {
            Credential::ApiKey(key) => format!("key-{}", key.id),
            Credential::Session(user) => format!("user-{}", user.id),
        }
    }
}

impl FromRequestParts<AppState> for ApiCaller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let caller = match parts.headers.get(header::AUTHORIZATION) {
            Some(value) => from_api_key(value, state).await?,
            None if session::cookie_value(&parts.headers, SESSION_COOKIE).is_some() => {
                from_session(parts, state).await?
            }
            None => {
                return Err(ApiError::unauthorized(
                    "missing API key: send the header `Authorization: Bearer <api key>`, or \
                     call from a page of the web UI while signed in",
                ));
            }
        };
        tracing::Span::current().record("account.id", caller.account.id.get());
        Ok(caller)
    }
}

async fn from_api_key(
    value: &axum::http::HeaderValue,
    state: &AppState,
) -> Result<ApiCaller, ApiError> {
    let token = value
        .to_str()
        .ok()
        .and_then(|text| text.split_once(' '))
        // The scheme name is case-insensitive in HTTP (`bearer`, `BEARER`).
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("Bearer"))
        .map(|(_, token)| token.trim())
        .filter(|token| !token.is_empty())
        .ok_or_else(|| {
            ApiError::unauthorized(
                "malformed Authorization header: use the form `Bearer <api key>`",
            )
        })?;

    match api_keys::authenticate(state.db(), token).await? {
        Some((key, account)) => Ok(ApiCaller {
            account,
            credential: Credential::ApiKey(key),
        }),
        None => Err(ApiError::unauthorized(
            "invalid API key: this server's database does not have it, or it was revoked; \
             create a new one with `postsale api-key create`, given the same `--data-dir` or \
             `--database-url` as `postsale serve`",
        )),
    }
}

/// Authenticates with the session cookie. A call that can change something must also carry
/// the session's CSRF token in `X-CSRF-Token`, which another site's page cannot read.
async fn from_session(parts: &Parts, state: &AppState) -> Result<ApiCaller, ApiError> {
    let Some(active) = session::active_session(state.db(), &parts.headers).await? else {
        return Err(ApiError::unauthorized(
            "the session has expired or was signed out: sign in to the web UI again",
        ));
    };
    let safe_method = parts.method == Method::GET || parts.method == Method::HEAD;
    if !safe_method {
        let given = parts
            .headers
            .get(CSRF_HEADER)
            .and_then(|value| value.to_str().ok())
            .unwrap_or_default();
        if !tokens_match(&active.session.csrf_token, given) {
            tracing::warn!(
                user.id = active.user.id.get(),
                "API call with the session cookie rejected: X-CSRF-Token missing or wrong"
            );
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "missing or wrong X-CSRF-Token header: a call with the session cookie that \
                 changes something must send the page's csrf-token meta value in X-CSRF-Token",
            ));
        }
    }
    Ok(ApiCaller {
        account: active.account,
        credential: Credential::Session(active.user),
    })
}
