//! The per-request span and access log line: request id, method, route template, client
//! address, status and duration. Health checks and metrics scrapes are logged at debug.

use std::net::SocketAddr;
use std::time::Instant;

use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::{HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use rand::Rng;
use tracing::Instrument;

use crate::app::AppState;

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The longest request id taken from a client; a longer one is replaced.
const MAX_REQUEST_ID_LEN: usize = 64;

/// Wraps a request in a span, logs its completion and records the HTTP metrics.
pub async fn trace_request(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let request_id = request_id(&request);
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", |path| path.as_str())
        .to_owned();
    let client = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|info| info.0.ip().to_string())
        .unwrap_or_default();
    let method = request.method().clone();

    let span = tracing::info_span!(
        "request",
        request.id = %request_id,
        http.method = %method,
        http.route = %route,
        client.address = %client,
        account.id = tracing::field::Empty,
    );
    let mut response = next.run(request).instrument(span.clone()).await;

    let status = response.status().as_u16();
    let elapsed = started.elapsed();
    state
        .metrics()
        .observe_http(method.as_str(), &route, status, elapsed);
    let _entered = span.enter();
    let millis = elapsed.as_secs_f64() * 1000.0;
    if is_quiet_route(&route) {
        tracing::debug!(status, duration_ms = millis, "request finished");
    } else {
        tracing::info!(status, duration_ms = millis, "request finished");
    }

    if let Ok(value) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert(REQUEST_ID, value);
    }
    response
}

fn is_quiet_route(route: &str) -> bool {
    matches!(route, "/healthz" | "/readyz" | "/metrics")
}

/// Takes the client's `X-Request-Id` when it is short and printable, or makes a new one.
fn request_id(request: &Request) -> String {
    let given = request
        .headers()
        .get(REQUEST_ID)
        .and_then(|value| value.to_str().ok())
        .filter(|id| !id.is_empty() && id.len() <= MAX_REQUEST_ID_LEN)
        .filter(|id| id.bytes().all(|byte| byte.is_ascii_graphic()));
    match given {
        Some(id) => id.to_owned(),
        None => format!("{:016x}", rand::rng().random::<u64>()),
    }
}
