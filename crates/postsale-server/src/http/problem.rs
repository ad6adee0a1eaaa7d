//! The one error type of the HTTP layer, sent as RFC 9457 problem details.

use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use postsale_store::StoreError;
use serde::Serialize;
use utoipa::ToSchema;

/// The media type of problem details.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// An error response. `detail` names the offending value and says what to do; 5xx responses carry
/// a plain message while the cause goes to the log.
#[derive(Debug)]
pub struct ApiError {
    // Boxed so that `Result<T, ApiError>` stays small on the success path.
    inner: Box<ErrorParts>,
}

#[derive(Debug)]
struct ErrorParts {
    status: StatusCode,
    detail: String,
    /// Extra members of the problem object, such as the list of field errors.
    extensions: serde_json::Map<String, serde_json::Value>,
    headers: Vec<(header::HeaderName, HeaderValue)>,
}

/// The body of an error response (RFC 9457).
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// A URI reference that identifies the problem type; `about:blank` when the status is enough.
    #[serde(rename = "type")]
    pub problem_type: String,
    /// The status code's reason phrase.
    pub title: String,
    pub status: u16,
    /// The failure, with the value, and the next step to take.
    pub detail: String,
}

impl ApiError {
    pub fn new(status: StatusCode, detail: impl Into<String>) -> Self {
        ApiError {
            inner: Box::new(ErrorParts {
                status,
                detail: detail.into(),
                extensions: serde_json::Map::new(),
                headers: Vec::new(),
            }),
        }
    }

    pub fn bad_request(detail: impl Into<String>) -> Self {
        ApiError::new(StatusCode::BAD_REQUEST, detail)
    }

    pub fn unauthorized(detail: impl Into<String>) -> Self {
        ApiError::new(StatusCode::UNAUTHORIZED, detail)
            .with_header(header::WWW_AUTHENTICATE, "Bearer realm=\"postsale\"")
    }

    /// The response for an id that does not exist or belongs to another account: the two cases
    /// are indistinguishable on purpose.
    pub fn not_found(what: &str, id: impl std::fmt::Display) -> Self {
        ApiError::new(
            StatusCode::NOT_FOUND,
            format!("{what} {id} not found: check the id, and that it belongs to this account"),
        )
    }

    pub fn unprocessable(detail: impl Into<String>) -> Self {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, detail)
    }

    /// Logs the cause and returns 500 with a message that reveals nothing internal.
    pub fn internal(cause: &(dyn std::error::Error + 'static)) -> Self {
        tracing::error!(error = %error_chain(cause), "request failed");
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal error: the request could not be completed; try again, and report it if it \
             persists",
        )
    }

    pub fn status(&self) -> StatusCode {
        self.inner.status
    }

    /// The message of the problem: what failed, with the value, and what to do.
    pub fn detail(&self) -> &str {
        &self.inner.detail
    }

    /// An extra member of the problem object, such as `field`.
    pub fn extension(&self, key: &str) -> Option<&serde_json::Value> {
        self.inner.extensions.get(key)
    }

    pub fn with_extension(mut self, key: &str, value: serde_json::Value) -> Self {
        self.inner.extensions.insert(key.to_owned(), value);
        self
    }

    pub fn with_header(mut self, name: header::HeaderName, value: &'static str) -> Self {
        self.inner
            .headers
            .push((name, HeaderValue::from_static(value)));
        self
    }
}

impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> Self {
        if let StoreError::Rejected(message) = error {
            return ApiError::new(StatusCode::CONFLICT, message);
        }
        if !error.is_pool_timeout() {
            return ApiError::internal(&error);
        }
        tracing::error!(error = %error_chain(&error), "database pool exhausted");
        ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "the database is busy: retry in a few seconds",
        )
        .with_header(header::RETRY_AFTER, "5")
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let parts = *self.inner;
        let mut body = serde_json::Map::new();
        body.insert("type".into(), "about:blank".into());
        let title = parts.status.canonical_reason().unwrap_or("Error");
        body.insert("title".into(), title.into());
        body.insert("status".into(), parts.status.as_u16().into());
        body.insert("detail".into(), parts.detail.into());
        body.extend(parts.extensions);

        let mut response = (parts.status, axum::Json(body)).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        for (name, value) in parts.headers {
            headers.insert(name, value);
        }
        response
    }
}

/// Joins an error and its sources into one line for the log.
pub fn error_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// A marker on a response that must go out exactly as it is, such as the bare 404 for an
/// unknown webhook token, which tells a prober nothing.
#[derive(Clone, Copy, Debug)]
pub struct BareResponse;

/// The longest plain-text error body that is copied into a problem's `detail`.
const MAX_PLAIN_DETAIL_BYTES: usize = 1024;

/// Middleware that turns error responses without a body or with a plain-text body, such as
/// the router's 405 Method Not Allowed, into problem details, keeping their headers (`Allow`
/// among them). Responses marked [`BareResponse`] pass unchanged.
pub async fn problem_for_plain_errors(request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let response = next.run(request).await;

    let status = response.status();
    let is_error = status.is_client_error() || status.is_server_error();
    // Only bodiless and plain-text errors are axum's own; problem details and the web UI's
    // HTML error pages pass as they are.
    let is_plain = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_none_or(|value| value.as_bytes().starts_with(b"text/plain"));
    if !is_error || !is_plain || response.extensions().get::<BareResponse>().is_some() {
        return response;
    }

    let (parts, body) = response.into_parts();
    let detail = match status {
        StatusCode::METHOD_NOT_ALLOWED => {
            let allowed = parts
                .headers
                .get(header::ALLOW)
                .and_then(|value| value.to_str().ok())
                .filter(|allowed| !allowed.is_empty())
                .unwrap_or("another method");
            format!("method {method} is not allowed on {path}: use {allowed}")
        }
        StatusCode::NOT_FOUND => {
            format!("no route for {path}: see /api/openapi.json for the routes")
        }
        _ => {
            let text = axum::body::to_bytes(body, MAX_PLAIN_DETAIL_BYTES)
                .await
                .map(|bytes| String::from_utf8_lossy(&bytes).trim().to_owned())
                .unwrap_or_default();
            if text.is_empty() {
                format!("{method} {path} failed with status {status}")
            } else {
                format!("{method} {path} failed: {text}")
            }
        }
    };

    let mut problem = ApiError::new(status, detail).into_response();
    for (name, value) in &parts.headers {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            problem.headers_mut().insert(name.clone(), value.clone());
        }
    }
    problem
}
