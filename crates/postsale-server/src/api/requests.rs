//! Kept requests: `/api/v1/stores/{id}/requests`, `/requests/{id}`, `/requests/{id}/body`.

use std::borrow::Cow;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use postsale_core::ingress::{decode_kept_body, parse_json_body, stored_content_encoding};
use postsale_core::{RequestId, StoreId};
use postsale_store::requests::{self, Acceptance, KeptRequest};
use postsale_store::stores;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::{IntoParams, ToSchema};

use crate::app::AppState;
use crate::http::problem::Problem;
use crate::http::{ApiCaller, ApiError, Path, Query};

const DEFAULT_PAGE: i64 = 50;
const MAX_PAGE: i64 = 500;

/// Filters and cursor of a request listing.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct RequestQuery {
    /// `accepted`, `rejected` or `all` (default).
    pub status: Option<String>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<i64>,
    /// Page size, 1 to 500. Default 50.
    pub limit: Option<i64>,
}

/// One page of requests, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct RequestPage {
    pub items: Vec<RequestOut>,
    /// Pass as `cursor` to read the next page; absent on the last page.
    pub next_cursor: Option<i64>,
}

/// A kept request's metadata.
#[derive(Debug, Serialize, ToSchema)]
pub struct RequestOut {
    pub id: i64,
    pub store_id: i64,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub received_at: OffsetDateTime,
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    /// Headers as `[name, value]` pairs, credentials masked.
    #[schema(value_type = Vec<Vec<String>>)]
    pub headers: serde_json::Value,
    pub remote_address: String,
    pub content_type: Option<String>,
    pub body_size: i64,
    pub body_sha256: String,
    /// `json`, `malformed_json`, `ping`, `empty`, `form`, `text`, `other`, or `none` when the
    /// body was not kept.
    pub body_kind: String,
    pub delivery_id: Option<String>,
    pub accepted: bool,
    /// The HTTP status postsale returned.
    pub status_code: u16,
    /// Why the request was rejected, such as `bad_signature`.
    pub reason: Option<String>,
    /// What to fix, for a rejected request, or a note on a kept one.
    pub diagnosis: Option<String>,
    /// `pending`, `done`, `not_importable` or `rejected`.
    pub import_state: String,
    pub outcome: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub outcome_detail: Option<serde_json::Value>,
    pub order_id: Option<i64>,
}

/// A request with its body, for display: JSON bodies parsed, others as text.
#[derive(Debug, Serialize, ToSchema)]
pub struct RequestWithBody {
    #[serde(flatten)]
    pub request: RequestOut,
    /// The body parsed as JSON, when it is JSON, after undoing its `Content-Encoding`.
    #[schema(value_type = Option<Object>)]
    pub body_json: Option<serde_json::Value>,
    /// The body as UTF-8 text (invalid bytes replaced), when it is not JSON, after undoing its
    /// `Content-Encoding`. `/requests/{id}/body` gives the bytes as received.
    pub body_text: Option<String>,
}

/// Lists a store's kept requests, newest first.
#[utoipa::path(get, path = "/api/v1/stores/{id}/requests", tag = "requests",
    security(("api_key" = [])),
    params(("id" = i64, Path, description = "Store id"), RequestQuery),
    responses((status = 200, body = RequestPage), (status = 404, body = Problem)))]
pub async fn list_requests(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<i64>,
    Query(query): Query<RequestQuery>,
) -> Result<Json<RequestPage>, ApiError> {
    let store_id = StoreId(id);
    if stores::get(state.db(), caller.account.id, store_id)
        .await?
        .is_none()
    {
        return Err(ApiError::not_found("store", id));
    }
    let acceptance = match query.status.as_deref() {
        None | Some("all") => Acceptance::All,
        Some("accepted") => Acceptance::Accepted,
        Some("rejected") => Acceptance::Rejected,
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "invalid status {other:?}: use accepted, rejected or all"
            )));
        }
    };
    let limit = query.limit.unwrap_or(DEFAULT_PAGE);
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(ApiError::bad_request(format!(
            "invalid limit {limit}: use 1 to {MAX_PAGE}"
        )));
    }

    let cursor = query.cursor.map(RequestId);
    let kept = requests::list(
        state.db(),
        caller.account.id,
        store_id,
        acceptance,
        cursor,
        limit,
    )
    .await?;
    let next_cursor = (kept.len() as i64 == limit)
        .then(|| kept.last().map(|r| r.id.get()))
        .flatten();
    let items = kept.into_iter().map(request_out).collect();
    Ok(Json(RequestPage { items, next_cursor }))
}

/// Reads one request with its body.
#[utoipa::path(get, path = "/api/v1/requests/{id}", tag = "requests",
    security(("api_key" = [])), params(("id" = i64, Path, description = "Request id")),
    responses((status = 200, body = RequestWithBody), (status = 404, body = Problem)))]
pub async fn get_request(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<i64>,
) -> Result<Json<RequestWithBody>, ApiError> {
    let (request, body) = load(&state, &caller, RequestId(id)).await?;
    let decoded = decoded_for_display(&request, &body);
    let body_json = match request.body_kind.as_str() {
        "json" => parse_json_body(&decoded).ok(),
        _ => None,
    };
    let body_text = match body_json {
        Some(_) => None,
        None if decoded.is_empty() => None,
        None => Some(String::from_utf8_lossy(&decoded).into_owned()),
    };
    Ok(Json(RequestWithBody {
        request: request_out(request),
        body_json,
        body_text,
    }))
}

/// Returns a kept body with its `Content-Encoding` undone, for display. A body that does not
/// decode, which ingress would have rejected, is shown as received.
pub(crate) fn decoded_for_display<'a>(request: &KeptRequest, body: &'a [u8]) -> Cow<'a, [u8]> {
    let encoding = stored_content_encoding(&request.headers);
    match decode_kept_body(encoding.as_deref(), body) {
        Ok(decoded) => decoded,
        Err(error) => {
            tracing::warn!(
                request.id = request.id.get(),
                %error,
                "cannot undo the Content-Encoding of a kept body, so it is shown as received"
            );
            Cow::Borrowed(body)
        }
    }
}

/// Returns a request's body exactly as received, with its content type. A rejected request
/// kept no body, so its body is 404 with the reason of the rejection.
#[utoipa::path(get, path = "/api/v1/requests/{id}/body", tag = "requests",
    security(("api_key" = [])), params(("id" = i64, Path, description = "Request id")),
    responses((status = 200, description = "The exact body bytes"),
              (status = 404, body = Problem,
               description = "No such request, or a rejected one, whose body is not kept")))]
pub async fn get_request_body(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<i64>,
) -> Result<Response, ApiError> {
    let (request, body) = load(&state, &caller, RequestId(id)).await?;
    if !request.accepted {
        let reason = request.reason_code.as_deref().unwrap_or("unknown");
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            format!(
                "request {id} was rejected at ingress ({reason}), and only a short record of it \
                 is kept, without its body: see the request's diagnosis"
            ),
        ));
    }
    let content_type = request
        .content_type
        .as_deref()
        .and_then(|value| HeaderValue::from_str(value).ok())
        .unwrap_or(HeaderValue::from_static("application/octet-stream"));
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, content_type);
    headers.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    Ok(response)
}

async fn load(
    state: &AppState,
    caller: &ApiCaller,
    id: RequestId,
) -> Result<(KeptRequest, Vec<u8>), ApiError> {
    let request = requests::get(state.db(), caller.account.id, id)
        .await?
        .ok_or_else(|| ApiError::not_found("request", id))?;
    let body = requests::body(state.db(), caller.account.id, id)
        .await?
        .unwrap_or_default();
    Ok((request, body))
}

/// Converts a stored request to its API form.
pub fn request_out(request: KeptRequest) -> RequestOut {
    RequestOut {
        id: request.id.get(),
        store_id: request.store_id.get(),
        received_at: request.received_at,
        method: request.method,
        path: request.path,
        query: request.query,
        headers: serde_json::from_str(&request.headers).unwrap_or(serde_json::Value::Null),
        remote_address: request.remote_addr,
        content_type: request.content_type,
        body_size: request.body_size,
        body_sha256: request.body_sha256,
        body_kind: request.body_kind,
        delivery_id: request.delivery_id,
        accepted: request.accepted,
        status_code: request.status_code,
        reason: request.reason_code,
        diagnosis: request.diagnosis,
        import_state: request.import_state.as_str().to_owned(),
        outcome: request.outcome,
        outcome_detail: request
            .outcome_detail
            .as_deref()
            .and_then(|detail| serde_json::from_str(detail).ok()),
        order_id: request.order_id.map(|id| id.get()),
    }
}
