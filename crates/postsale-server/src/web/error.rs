//! The error type of the web UI's handlers, rendered as an HTML page.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use maud::html;
use postsale_store::StoreError;

use crate::http::ApiError;
use crate::http::problem::error_chain;
use crate::web::layout::bare_page;

/// A failed page request: a status and a message for the person in front of the page. 5xx
/// errors carry a plain message while the cause goes to the log.
#[derive(Debug)]
pub struct WebError {
    status: StatusCode,
    message: String,
    retry_after: Option<&'static str>,
}

impl WebError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        WebError {
            status,
            message: message.into(),
            retry_after: None,
        }
    }

    /// The page for an id that does not exist or belongs to another account: the two cases
    /// look the same on purpose.
    pub fn not_found(what: &str, id: impl std::fmt::Display) -> Self {
        WebError::new(
            StatusCode::NOT_FOUND,
            format!("{what} {id} was not found. Check the link, or go back to the list."),
        )
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        WebError::new(StatusCode::FORBIDDEN, message)
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        WebError::new(StatusCode::BAD_REQUEST, message)
    }

    /// Logs the cause and returns a 500 page that reveals nothing internal.
    pub fn internal(cause: &(dyn std::error::Error + 'static)) -> Self {
        tracing::error!(error = %error_chain(cause), "page request failed");
        WebError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Something went wrong on our side and nothing was changed. Try again, and report \
             it if it keeps happening.",
        )
    }

    pub fn status(&self) -> StatusCode {
        self.status
    }

    pub fn message(&self) -> &str {
        &self.message
    }
}

impl From<StoreError> for WebError {
    fn from(error: StoreError) -> Self {
        if error.is_pool_timeout() {
            tracing::error!(error = %error_chain(&error), "database pool exhausted");
            return WebError {
                status: StatusCode::SERVICE_UNAVAILABLE,
                message: "The database is busy. Try again in a few seconds.".to_owned(),
                retry_after: Some("5"),
            };
        }
        WebError::internal(&error)
    }
}

impl From<ApiError> for WebError {
    fn from(error: ApiError) -> Self {
        WebError::new(error.status(), error.detail())
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let title = self.status.canonical_reason().unwrap_or("Error");
        let body = html! {
            h1 { (title) }
            p #error-message role="alert" { (self.message) }
            p { a href="/" { "Back to postsale" } }
        };
        let mut response = bare_page(self.status, title, body);
        if let Some(seconds) = self.retry_after {
            response.headers_mut().insert(
                header::RETRY_AFTER,
                axum::http::HeaderValue::from_static(seconds),
            );
        }
        response
    }
}

/// A page's query string, read like the API's query strings, with a rejection that is an
/// HTML page naming the parameter and the value, where axum's own extractor responds with its
/// own wording.
#[derive(Debug)]
pub struct Query<T>(pub T);

impl<T, S> axum::extract::FromRequestParts<S> for Query<T>
where
    T: serde::de::DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = WebError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, WebError> {
        crate::http::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|crate::http::Query(value)| Query(value))
            .map_err(|error| WebError::bad_request(error.detail().to_owned()))
    }
}
