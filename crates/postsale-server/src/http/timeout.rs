//! The whole-request body read timeout: every request body must arrive within a fixed time of
//! its headers, so that a client that stalls or trickles its body cannot hold a connection and
//! a handler for ever. A handler that reads a body past the deadline gets [`BodyReadTimeout`]
//! as the read error and answers 408.

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use http_body::{Frame, SizeHint};
use tokio::time::{Instant, Sleep};

use crate::app::AppState;
use crate::http::ApiError;

/// The error a request body returns once its read deadline has passed.
#[derive(Debug, Clone, Copy, thiserror::Error)]
#[error("the request body did not arrive within {} s of its headers", .limit.as_secs_f64())]
pub struct BodyReadTimeout {
    pub limit: Duration,
}

impl BodyReadTimeout {
    /// The 408 answer, which also closes the connection because the rest of the body is
    /// never read.
    pub fn problem(&self) -> ApiError {
        ApiError::new(
            StatusCode::REQUEST_TIMEOUT,
            format!(
                "the request body did not arrive within {} s: send the whole body without \
                 pausing, or retry on a faster connection",
                self.limit.as_secs_f64()
            ),
        )
        .with_header(header::CONNECTION, "close")
    }
}

/// Finds a [`BodyReadTimeout`] in an error or its sources.
pub fn body_timeout_error<'e>(
    error: &'e (dyn std::error::Error + 'static),
) -> Option<&'e BodyReadTimeout> {
    let mut current = Some(error);
    while let Some(error) = current {
        if let Some(timeout) = error.downcast_ref::<BodyReadTimeout>() {
            return Some(timeout);
        }
        current = error.source();
    }
    None
}

/// Middleware that gives every request body a deadline of the configured body read timeout,
/// counted from the moment the headers were read.
pub async fn limit_body_time(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let limit = state.settings().http.body_read_timeout;
    let request = request.map(|body| Body::new(DeadlineBody::new(body, limit)));
    let mut response = next.run(request).await;
    if response.status() == StatusCode::REQUEST_TIMEOUT {
        response
            .headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    response
}

/// A body that fails with [`BodyReadTimeout`] when it is still being read at its deadline.
struct DeadlineBody {
    inner: Body,
    deadline: Pin<Box<Sleep>>,
    limit: Duration,
}

impl DeadlineBody {
    fn new(inner: Body, limit: Duration) -> DeadlineBody {
        DeadlineBody {
            inner,
            deadline: Box::pin(tokio::time::sleep_until(Instant::now() + limit)),
            limit,
        }
    }
}

impl http_body::Body for DeadlineBody {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        // The deadline is checked first, so that a client trickling one byte at a time
        // cannot keep the read going past it.
        if self.deadline.as_mut().poll(cx).is_ready() {
            let timeout = BodyReadTimeout { limit: self.limit };
            return Poll::Ready(Some(Err(axum::Error::new(timeout))));
        }
        Pin::new(&mut self.inner).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
