//! `POST /hooks/{token}`: the webhook endpoint that sales channels post orders to.
//!
//! The steps run in a fixed order. The handler finds the webhook, checks the plan and state,
//! reads the body within the size limit and undoes `Content-Encoding`. It then accepts
//! WooCommerce's unsigned ping, or runs the security checks on the raw bytes, and applies the
//! rate limit. It commits the request before answering 200. A rejected request leaves a short
//! record without its body.
//!
//! The rate limit has two budgets per webhook: verified requests count against one, and
//! rejected requests and unsigned pings against the other. A flood of bad requests thus gets
//! 429 without a record once its budget is spent, and never uses up the sales channel's.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use axum::body::{Body, Bytes};
use axum::extract::{ConnectInfo, Path, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use postsale_core::ingress::{self, BodyKind};
use postsale_core::verify::{self, SecurityConfig, VerifyInput};
use postsale_store::body::StoredBody;
use postsale_store::ingest::IngestError;
use postsale_store::requests::{self, ImportState, NewRequest};
use postsale_store::token_lookup::LookupError;
use postsale_store::webhooks::IngressTarget;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use crate::app::AppState;
use crate::http::ApiError;
use crate::http::problem::{BareResponse, error_chain};
use crate::http::timeout::body_timeout_error;
use crate::rate_limit::Budget;

/// The largest body compressed on the runtime worker that handles its request. zstd level 1
/// compressed real orders at 300 to 430 MB/s (its Python binding, on the benchmark machine), so
/// a body of this size takes an estimated 0.3 to 0.4 ms.
const COMPRESS_INLINE_MAX_BYTES: usize = 128 * 1024;

/// The facts ingress has about a request before it keeps or rejects it.
struct Received {
    target: Arc<IngressTarget>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    peer: SocketAddr,
    received_at: OffsetDateTime,
}

/// A rejection to record and send back.
struct Rejected {
    status: StatusCode,
    reason: &'static str,
    diagnosis: String,
    body_size: usize,
    body_sha256: String,
    www_authenticate: Option<&'static str>,
}

/// Handles one request at a webhook URL. It takes the request whole, because the `HeaderMap`,
/// `Method` and `Uri` extractors each clone their part.
pub async fn receive(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(token): Path<String>,
    request: Request,
) -> Response {
    let received_at = OffsetDateTime::now_utc();
    let (parts, body) = request.into_parts();
    let target = match state.token_lookup().find(&token).await {
        Ok(Some(target)) => target,
        Ok(None) => {
            state.metrics().observe_webhook("unknown_token");
            let mut response = StatusCode::NOT_FOUND.into_response();
            response.extensions_mut().insert(BareResponse);
            return response;
        }
        Err(error) => return unavailable(&state, &error),
    };
    let span = tracing::Span::current();
    span.record("account.id", target.webhook.account_id.get());
    tracing::debug!(store.id = target.webhook.store_id.get(), "webhook request");

    let received = Received {
        target,
        method: parts.method,
        uri: parts.uri,
        headers: parts.headers,
        peer,
        received_at,
    };
    match check_and_keep(&state, &received, body).await {
        Ok(response) => response,
        Err(rejected) => reject(&state, &received, rejected).await,
    }
}

async fn check_and_keep(
    state: &AppState,
    received: &Received,
    body: Body,
) -> Result<Response, Rejected> {
    let webhook = &received.target.webhook;
    if !received.target.plan.allows_webhooks() {
        return Err(rejected_without_body(
            StatusCode::PAYMENT_REQUIRED,
            "plan_required",
            format!(
                "webhooks need the soar plan, and this account is on the {} plan: upgrade the \
                 account to soar",
                received.target.plan
            ),
        ));
    }
    if webhook.state == postsale_core::WebhookState::Disabled {
        return Err(rejected_without_body(
            StatusCode::LOCKED,
            "webhook_disabled",
            "this webhook is disabled: enable it in the store settings to receive requests".into(),
        ));
    }

    let max = state.settings().ingress.max_body_bytes;
    let raw = read_body(body, &received.headers, max).await?;
    let content_encoding = ingress::content_encoding(&received.headers);
    let decoded =
        ingress::decode_body(content_encoding.as_deref(), &raw, max).map_err(|error| Rejected {
            status: error.status(),
            reason: match error {
                ingress::DecodeError::TooLarge { .. } => "body_too_large",
                _ => "undecodable_body",
            },
            diagnosis: format!("{error}"),
            body_size: raw.len(),
            body_sha256: sha256_hex(&raw),
            www_authenticate: None,
        })?;

    if ingress::is_unsigned_ping(&received.headers, &decoded) {
        if let Some(response) = over_unverified_budget(state, received) {
            return Ok(response);
        }
        let config = SecurityConfig { checks: Vec::new() };
        return keep(state, received, &raw, &decoded, &config).await;
    }

    let config = open_security(state, received)?;
    let input = VerifyInput {
        headers: &received.headers,
        raw_body: &raw,
        decoded_body: &decoded,
        peer: received.peer.ip(),
        trusted_proxies: &state.settings().ingress.trusted_proxies,
        now: received.received_at,
    };
    match verify::verify_request(&config, &input) {
        Ok(verified) => {
            tracing::debug!(
                client.address = %verified.client_address,
                secret.index = ?verified.secret_index,
                "security checks passed"
            );
            if let Some(response) = over_verified_budget(state, received) {
                return Ok(response);
            }
            keep(state, received, &raw, &decoded, &config).await
        }
        Err(rejection) => Err(Rejected {
            status: rejection.status,
            reason: rejection.reason.as_str(),
            www_authenticate: rejection.www_authenticate(),
            diagnosis: format!(
                "{} check failed: {}",
                rejection.check.as_str(),
                rejection.diagnosis
            ),
            body_size: raw.len(),
            body_sha256: sha256_hex(&raw),
        }),
    }
}

/// Returns the requests per minute of each budget of the webhook: its own limit, or the
/// server's default. 0 means no limit.
fn per_minute(state: &AppState, received: &Received) -> u32 {
    received
        .target
        .webhook
        .rate_limit_per_minute
        .map_or(state.settings().ingress.rate_limit_per_minute, |limit| {
            u32::try_from(limit.max(0)).unwrap_or(u32::MAX)
        })
}

/// Takes a token of `budget` for the webhook, or returns the seconds to wait for one.
fn take_token(state: &AppState, received: &Received, budget: Budget) -> Result<(), u64> {
    let per_minute = per_minute(state, received);
    let webhook_id = received.target.webhook.id;
    state
        .rate_limiter()
        .check(webhook_id, budget, per_minute, Instant::now())
        .map_err(|wait| wait.as_secs().max(1))
}

/// Takes a token of the verified budget, or returns 429 when it is spent.
fn over_verified_budget(state: &AppState, received: &Received) -> Option<Response> {
    let seconds = take_token(state, received, Budget::Verified).err()?;
    state.metrics().observe_webhook("rate_limited");
    let per_minute = per_minute(state, received);
    let detail =
        format!("this webhook accepts {per_minute} requests per minute: retry after {seconds} s");
    Some(too_many_requests(
        ApiError::new(StatusCode::TOO_MANY_REQUESTS, detail),
        seconds,
    ))
}

/// Takes a token of the unverified budget for a request accepted without checks, or returns
/// 429 when it is spent.
fn over_unverified_budget(state: &AppState, received: &Received) -> Option<Response> {
    let seconds = take_token(state, received, Budget::Unverified).err()?;
    state.metrics().observe_webhook("rate_limited");
    let per_minute = per_minute(state, received);
    let detail = format!(
        "this webhook accepts {per_minute} requests per minute without security checks: retry \
         after {seconds} s"
    );
    Some(too_many_requests(
        ApiError::new(StatusCode::TOO_MANY_REQUESTS, detail),
        seconds,
    ))
}

/// Adds `Retry-After` to a 429 response.
fn too_many_requests(error: ApiError, seconds: u64) -> Response {
    let mut response = error.into_response();
    if let Ok(value) = HeaderValue::from_str(&seconds.to_string()) {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    response
}

/// Reads the whole body and rejects it with 413 as soon as it passes `max` bytes.
async fn read_body(body: Body, headers: &HeaderMap, max: usize) -> Result<Bytes, Rejected> {
    let declared =
        header_text(headers, header::CONTENT_LENGTH).and_then(|text| text.parse::<u64>().ok());
    let too_large = |size: usize| Rejected {
        status: StatusCode::PAYLOAD_TOO_LARGE,
        reason: "body_too_large",
        diagnosis: format!(
            "the body is larger than the limit of {max} bytes: send smaller requests"
        ),
        body_size: size,
        body_sha256: String::new(),
        www_authenticate: None,
    };
    if declared.is_some_and(|length| length > max as u64) {
        let size = declared.map_or(max, |length| usize::try_from(length).unwrap_or(usize::MAX));
        return Err(too_large(size));
    }
    axum::body::to_bytes(body, max).await.map_err(|error| {
        if let Some(timeout) = body_timeout_error(&error) {
            return Rejected {
                status: StatusCode::REQUEST_TIMEOUT,
                reason: "body_timeout",
                diagnosis: format!(
                    "{timeout}: send the whole body without pausing; the request was not kept"
                ),
                body_size: 0,
                body_sha256: String::new(),
                www_authenticate: None,
            };
        }
        let source = error_chain(&error);
        if source.contains("length limit exceeded") {
            too_large(max + 1)
        } else {
            Rejected {
                status: StatusCode::BAD_REQUEST,
                reason: "body_unreadable",
                diagnosis: format!("the request body could not be read: {source}"),
                body_size: 0,
                body_sha256: String::new(),
                www_authenticate: None,
            }
        }
    })
}

fn open_security(state: &AppState, received: &Received) -> Result<Arc<SecurityConfig>, Rejected> {
    let webhook = &received.target.webhook;
    let opened =
        state
            .security_cache()
            .open(&state.settings().sealing_key, webhook.id, &webhook.security);
    opened.map_err(|error| {
        tracing::error!(webhook.id = webhook.id.get(), %error, "cannot open the webhook's security settings");
        Rejected {
            status: StatusCode::SERVICE_UNAVAILABLE,
            reason: "security_unavailable",
            diagnosis: "the webhook's security settings cannot be read on this server; the \
                        request was not kept, retry later"
                .into(),
            body_size: 0,
            body_sha256: String::new(),
            www_authenticate: None,
        }
    })
}

/// Commits an accepted request and returns 200 with its id, or 503 when the commit fails.
async fn keep(
    state: &AppState,
    received: &Received,
    raw: &Bytes,
    decoded: &[u8],
    config: &SecurityConfig,
) -> Result<Response, Rejected> {
    let content_type = header_text(&received.headers, header::CONTENT_TYPE);
    let kind = ingress::classify_body(content_type.as_deref(), decoded);
    let import_state = match kind {
        BodyKind::Json => ImportState::Pending,
        _ => ImportState::NotImportable,
    };
    let diagnosis = match &kind {
        BodyKind::MalformedJson { error } => Some(format!("the body is not valid JSON: {error}")),
        BodyKind::Ping { webhook_id } => {
            Some(format!("WooCommerce webhook #{webhook_id} connected"))
        }
        _ => None,
    };
    let webhook = &received.target.webhook;
    let request = NewRequest {
        diagnosis,
        delivery_id: ingress::delivery_id(&received.headers, webhook.delivery_id_header.as_deref()),
        import_state,
        body_kind: body_kind_name(&kind).to_owned(),
        status_code: 200,
        reason_code: None,
        body: Some(stored_body(raw).await),
        ..record(received, config, raw.len(), sha256_hex(raw))
    };

    match state.ingest().submit(request).await {
        Ok(id) => {
            let outcome = if import_state == ImportState::Pending {
                "accepted"
            } else {
                "not_importable"
            };
            state.metrics().observe_webhook(outcome);
            // Only an active webhook's requests are imported; waking the worker for a webhook
            // that still captures its sample would only make it look for work.
            if import_state == ImportState::Pending
                && webhook.state == postsale_core::WebhookState::Active
            {
                state.wake_worker();
            }
            if matches!(kind, BodyKind::Ping { .. }) {
                trim_pings(state, webhook.id).await;
            }
            tracing::info!(
                request.id = id.get(),
                store.id = webhook.store_id.get(),
                kind = body_kind_name(&kind),
                "request kept"
            );
            Ok(accepted(id))
        }
        Err(IngestError::WebhookGone) => {
            // Deleted after the lookup, by this process or another: the token now names no
            // webhook, so the response is that of an unknown token.
            tracing::debug!(
                store.id = webhook.store_id.get(),
                "request for a deleted webhook not kept"
            );
            state.metrics().observe_webhook("unknown_token");
            let mut response = StatusCode::NOT_FOUND.into_response();
            response.extensions_mut().insert(BareResponse);
            Ok(response)
        }
        Err(error) => {
            tracing::error!(store.id = webhook.store_id.get(), error = %error_chain(&error), "request not kept");
            state.metrics().observe_webhook("commit_failed");
            Ok(ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "the request could not be stored: retry later",
            )
            .with_header(header::RETRY_AFTER, "5")
            .into_response())
        }
    }
}

/// Returns 200 with `{"request_id": id}`, written without building a JSON value.
fn accepted(id: postsale_core::RequestId) -> Response {
    let body = format!("{{\"request_id\":{}}}", id.get());
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        body,
    )
        .into_response()
}

/// Compresses a body for storage. A large body is compressed on a blocking thread, because
/// zstd takes milliseconds for a few megabytes and the runtime worker serves other requests.
async fn stored_body(raw: &Bytes) -> StoredBody {
    if raw.len() <= COMPRESS_INLINE_MAX_BYTES {
        return StoredBody::compress(raw);
    }
    let copy = raw.clone();
    match tokio::task::spawn_blocking(move || StoredBody::compress(&copy)).await {
        Ok(stored) => stored,
        Err(error) => {
            tracing::warn!(%error, "compression of a kept body did not finish; storing it as received");
            StoredBody::identity(raw.to_vec())
        }
    }
}

/// Deletes the webhook's oldest pings beyond the configured number. A failure is logged and
/// left for the next ping to retry, because the ping itself is already committed.
async fn trim_pings(state: &AppState, webhook_id: postsale_core::WebhookId) {
    let keep = i64::from(state.settings().ingress.pings_per_webhook);
    match requests::trim_pings(state.db(), webhook_id, keep).await {
        Ok(0) => {}
        Ok(deleted) => tracing::debug!(webhook.id = webhook_id.get(), deleted, "old pings deleted"),
        Err(error) => {
            tracing::warn!(webhook.id = webhook_id.get(), error = %error_chain(&error), "cannot delete old pings");
        }
    }
}

/// Keeps a short record of a rejection and returns its status and diagnosis. Once the
/// webhook's unverified budget is spent, returns 429 with the diagnosis and keeps no record,
/// so that a flood of bad requests costs no database write.
async fn reject(state: &AppState, received: &Received, rejected: Rejected) -> Response {
    let webhook = &received.target.webhook;
    if let Err(seconds) = take_token(state, received, Budget::Unverified) {
        state.metrics().observe_webhook("rejected_rate_limited");
        tracing::debug!(
            store.id = webhook.store_id.get(),
            reason = rejected.reason,
            "rejected request over the rate limit, not recorded"
        );
        let per_minute = per_minute(state, received);
        let detail = format!(
            "{}. This webhook records at most {per_minute} rejected requests per minute, so \
             this one was not recorded: fix the request, then retry after {seconds} s",
            rejected.diagnosis
        );
        let error = ApiError::new(StatusCode::TOO_MANY_REQUESTS, detail)
            .with_extension("reason", serde_json::Value::from(rejected.reason));
        return too_many_requests(error, seconds);
    }
    state.metrics().observe_webhook(rejected.reason);
    tracing::info!(
        store.id = webhook.store_id.get(),
        status = rejected.status.as_u16(),
        reason = rejected.reason,
        "request rejected"
    );
    // Mask with the webhook's own checks when they can be read, so that a rejected request
    // never keeps a Header Value or HMAC secret in clear.
    let config = open_security(state, received)
        .unwrap_or_else(|_| Arc::new(SecurityConfig { checks: Vec::new() }));
    let record = NewRequest {
        status_code: rejected.status.as_u16(),
        reason_code: Some(rejected.reason.to_owned()),
        diagnosis: Some(rejected.diagnosis.clone()),
        ..record(
            received,
            &config,
            rejected.body_size,
            rejected.body_sha256.clone(),
        )
    };
    let keep = i64::from(state.settings().ingress.rejected_records_per_webhook);
    if let Err(error) = requests::insert_rejected(state.db(), &record, keep).await {
        tracing::warn!(store.id = webhook.store_id.get(), error = %error_chain(&error), "cannot record a rejected request");
    }

    let mut error = ApiError::new(rejected.status, rejected.diagnosis)
        .with_extension("reason", serde_json::Value::from(rejected.reason));
    if let Some(challenge) = rejected.www_authenticate {
        error = error.with_header(header::WWW_AUTHENTICATE, challenge);
    }
    if rejected.status == StatusCode::SERVICE_UNAVAILABLE {
        error = error.with_header(header::RETRY_AFTER, "30");
    }
    error.into_response()
}

/// The fields of a kept request shared by accepted and rejected ones. Headers are masked with
/// the webhook's own security settings when they are known, and with the standard list always.
fn record(
    received: &Received,
    config: &SecurityConfig,
    body_size: usize,
    body_sha256: String,
) -> NewRequest {
    let webhook = &received.target.webhook;
    let headers = ingress::mask_headers(&received.headers, config);
    NewRequest {
        account_id: webhook.account_id,
        store_id: webhook.store_id,
        webhook_id: webhook.id,
        received_at: received.received_at,
        method: received.method.to_string(),
        path: received.uri.path().to_owned(),
        query: received.uri.query().map(str::to_owned),
        headers: serde_json::to_string(&headers).unwrap_or_else(|_| "[]".to_owned()),
        remote_addr: received.peer.ip().to_string(),
        content_type: header_text(&received.headers, header::CONTENT_TYPE),
        body: None,
        body_size: i64::try_from(body_size).unwrap_or(i64::MAX),
        body_sha256,
        body_kind: "none".to_owned(),
        delivery_id: None,
        status_code: 0,
        reason_code: None,
        diagnosis: None,
        import_state: ImportState::Rejected,
    }
}

fn rejected_without_body(status: StatusCode, reason: &'static str, diagnosis: String) -> Rejected {
    Rejected {
        status,
        reason,
        diagnosis,
        body_size: 0,
        body_sha256: String::new(),
        www_authenticate: None,
    }
}

fn unavailable(state: &AppState, error: &LookupError) -> Response {
    tracing::error!(error = %error_chain(error), "webhook lookup failed");
    state.metrics().observe_webhook("lookup_failed");
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "the service cannot reach its database: retry later",
    )
    .with_header(header::RETRY_AFTER, "5")
    .into_response()
}

/// Returns the name of a body kind as stored and shown.
pub fn body_kind_name(kind: &BodyKind) -> &'static str {
    match kind {
        BodyKind::Json => "json",
        BodyKind::MalformedJson { .. } => "malformed_json",
        BodyKind::Ping { .. } => "ping",
        BodyKind::Empty => "empty",
        BodyKind::Form => "form",
        BodyKind::Text => "text",
        BodyKind::Other => "other",
    }
}

fn header_text(headers: &HeaderMap, name: header::HeaderName) -> Option<String> {
    headers
        .get(name)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned)
}

/// Returns the SHA-256 of `bytes` in lowercase hex. It writes the digits from a table, because
/// `hex::encode` pushes one `char` at a time.
fn sha256_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut text = String::with_capacity(64);
    for byte in Sha256::digest(bytes) {
        text.push(char::from(DIGITS[usize::from(byte >> 4)]));
        text.push(char::from(DIGITS[usize::from(byte & 0x0f)]));
    }
    text
}
