//! The web UI: pages rendered on the server with maud, a little hand-written JavaScript from
//! `assets/`, sign-in with a session cookie, and CSRF tokens on every form.
//!
//! Every HTML response gets a strict Content-Security-Policy (no inline script or style, no
//! framing) from [`security_headers`], so pages link their scripts and styles from
//! `/assets/` and render every value through maud's escaping.

pub mod assets;
pub mod csrf;
pub mod error;
pub mod form;
pub mod layout;
pub mod mapping;
pub mod orders;
pub mod password;
pub mod request_log;
pub mod session;
pub mod setup_details;
pub mod setup_security;
pub mod shipment_form;
pub mod sign_in;
pub mod store_form;
pub mod stores;

use axum::Router;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;

use crate::app::AppState;
use crate::web::error::WebError;

/// The Content-Security-Policy of every HTML page.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
     style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; \
     frame-ancestors 'none'; base-uri 'none'";

/// The routes of the web UI.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(root))
        .route("/assets/{name}", get(assets::serve_asset))
        .merge(sign_in::routes())
        .merge(stores::routes())
        .merge(setup_security::routes())
        .merge(mapping::routes())
        .merge(setup_details::routes())
        .merge(orders::routes())
        .merge(request_log::routes())
}

/// The path parameters of a page, such as a store id. A value that does not parse gets the
/// same 404 page as an id that does not exist.
#[derive(Debug)]
pub struct PathIds<T>(pub T);

impl<T, S> FromRequestParts<S> for PathIds<T>
where
    T: serde::de::DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = WebError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, WebError> {
        // The API's extractor also rejects a leading `+`, which the integer parser accepts.
        match crate::http::Path::<T>::from_request_parts(parts, state).await {
            Ok(crate::http::Path(value)) => Ok(PathIds(value)),
            Err(_) => Err(WebError::new(
                StatusCode::NOT_FOUND,
                "There is no page at this address. Check the link, or go back to the list.",
            )),
        }
    }
}

/// Sends `/` to the orders, or to the sign-in page without a session.
async fn root(State(state): State<AppState>, headers: HeaderMap) -> Result<Response, WebError> {
    let target = match session::active_session(state.db(), &headers).await? {
        Some(_) => "/orders",
        None => "/sign-in",
    };
    Ok(Redirect::to(target).into_response())
}

/// Adds the Content-Security-Policy and the other security headers to every HTML response
/// that does not set its own policy, and keeps HTML pages out of shared caches.
pub async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let is_html = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.starts_with("text/html"));
    if !is_html {
        return response;
    }
    let headers = response.headers_mut();
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONTENT_SECURITY_POLICY),
        );
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}
