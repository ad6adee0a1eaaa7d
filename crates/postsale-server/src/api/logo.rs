//! A store's logo: `PUT`, `GET` and `DELETE /api/v1/stores/{id}/logo`.

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get};
use postsale_core::StoreId;
use postsale_documents::logo::{
    CropRect, Logo, LogoEdit, LogoError, LogoLimits, Rotation, Zoom, process_logo,
};
use postsale_store::logos::{self, StoredLogo};
use postsale_store::stores;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::app::AppState;
use crate::http::problem::Problem;
use crate::http::timeout::body_timeout_error;
use crate::http::{ApiCaller, ApiError, Path, Query};

/// Logos processed at once. Decoding and converting one large upload can take several hundred
/// megabytes, so further uploads wait for their turn instead of adding to that.
static LOGO_TURNS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(1);

/// How long an upload waits for its turn before it gets 503, so that a long queue of uploads
/// sends clients back to retry instead of holding their connections open.
const LOGO_TURN_WAIT: std::time::Duration = std::time::Duration::from_secs(30);

/// The reason an upload was not processed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum TurnError {
    #[error("other logos were being processed for {} s", .0.as_secs())]
    Busy(std::time::Duration),
    #[error(transparent)]
    Stopped(#[from] tokio::task::JoinError),
}

/// Processes an uploaded logo on a blocking thread, one upload at a time, after waiting at
/// most [`LOGO_TURN_WAIT`] for the turn.
pub(crate) async fn process_in_turn(
    bytes: Bytes,
    edit: Option<LogoEdit>,
) -> Result<Result<Logo, LogoError>, TurnError> {
    process_within(bytes, edit, LOGO_TURN_WAIT).await
}

async fn process_within(
    bytes: Bytes,
    edit: Option<LogoEdit>,
    wait: std::time::Duration,
) -> Result<Result<Logo, LogoError>, TurnError> {
    // The semaphore is never closed, so `ok()` drops no error. The turn moves into the
    // blocking task, which goes on when the client hangs up and the handler is dropped, so
    // that the next upload still waits until this one is done.
    let turn = tokio::time::timeout(wait, LOGO_TURNS.acquire())
        .await
        .map_err(|_| TurnError::Busy(wait))?
        .ok();
    let processed = tokio::task::spawn_blocking(move || {
        let _turn = turn;
        process_logo(&bytes, edit, &LogoLimits::default())
    })
    .await?;
    Ok(processed)
}

fn turn_error(error: TurnError) -> ApiError {
    match error {
        TurnError::Busy(_) => ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            format!("the logo was not processed: {error}; send it again in a minute"),
        )
        .with_header(header::RETRY_AFTER, "60"),
        TurnError::Stopped(error) => ApiError::internal(&error),
    }
}

/// How long a browser may reuse a served logo before asking again with `If-None-Match`.
const CACHE_CONTROL: &str = "private, max-age=300";

/// Edits applied to the upload, in this order: rotate, crop, zoom.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct LogoEditQuery {
    /// A quarter turn: `cw` (clockwise) or `ccw` (counter-clockwise).
    pub rotate: Option<String>,
    /// `x,y,w,h` in pixels of the rotated image, from its top-left corner.
    pub crop: Option<String>,
    /// Scale in whole percent, such as `50` to halve each side.
    pub zoom: Option<String>,
}

/// The stored logo after processing.
#[derive(Debug, Serialize, ToSchema)]
pub struct LogoOut {
    /// `image/png` or `image/jpeg`, the format of the upload.
    pub content_type: String,
    pub width: u32,
    pub height: u32,
    /// Size of the stored image in bytes.
    pub bytes: usize,
    /// The `ETag` of the stored image, without quotes.
    pub etag: String,
}

/// Builds the routes of `/stores/{id}/logo`, with a body limit that fits the largest accepted
/// upload.
pub fn routes() -> MethodRouter<AppState> {
    let limit = LogoLimits::default().max_input_bytes;
    get(get_logo)
        .put(put_logo)
        .delete(delete_logo)
        .layer(DefaultBodyLimit::max(limit))
}

/// Uploads a logo. The format is read from the bytes, whatever the `Content-Type`. The image is
/// re-encoded without metadata and reduced to at most 3 MiB.
#[utoipa::path(put, path = "/api/v1/stores/{id}/logo", tag = "stores",
    security(("api_key" = [])),
    params(("id" = i64, Path, description = "Store id"), LogoEditQuery),
    request_body(content = Vec<u8>, description = "The PNG or JPEG file, at most 25 MiB",
                 content_type = "application/octet-stream"),
    responses(
        (status = 200, body = LogoOut),
        (status = 400, description = "An edit parameter is invalid", body = Problem),
        (status = 404, body = Problem),
        (status = 413, description = "The file or its pixel count is too large", body = Problem),
        (status = 415, description = "The file is not a PNG or JPEG image", body = Problem),
        (status = 422, description = "The file is corrupt or an edit does not fit", body = Problem),
        (status = 503, description = "Other uploads kept the logo processing busy for 30 s; \
                                      send it again after `Retry-After` seconds", body = Problem),
    ))]
pub async fn put_logo(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<i64>,
    Query(query): Query<LogoEditQuery>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let edit = parse_edit(&query)?;
    let body = body.map_err(body_error)?;
    let store = StoreId(id);
    load_store(&state, &caller, store).await?;

    let processed = process_in_turn(body, edit)
        .await
        .map_err(turn_error)?
        .map_err(|error| logo_error(store, &error))?;

    let logo = StoredLogo {
        bytes: processed.bytes,
        content_type: processed.format.content_type().to_owned(),
        etag: processed.etag,
    };
    if !logos::set(state.db(), caller.account.id, store, &logo).await? {
        return Err(ApiError::not_found("store", id));
    }
    tracing::info!(
        store.id = id,
        logo.bytes = logo.bytes.len(),
        logo.width = processed.width,
        logo.height = processed.height,
        "store logo stored"
    );

    let out = LogoOut {
        content_type: logo.content_type,
        width: processed.width,
        height: processed.height,
        bytes: logo.bytes.len(),
        etag: logo.etag,
    };
    let etag = quoted_etag(&out.etag)?;
    Ok(([(header::ETAG, etag)], Json(out)).into_response())
}

/// Serves the logo with a strong `ETag`; a matching `If-None-Match` gets 304 without a body.
#[utoipa::path(get, path = "/api/v1/stores/{id}/logo", tag = "stores",
    security(("api_key" = [])), params(("id" = i64, Path, description = "Store id")),
    responses(
        (status = 200, description = "The image, `image/png` or `image/jpeg`"),
        (status = 304, description = "The `If-None-Match` ETag is still current"),
        (status = 404, description = "No such store, or it has no logo", body = Problem),
    ))]
pub async fn get_logo(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<i64>,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let store = StoreId(id);
    let Some(logo) = logos::get(state.db(), caller.account.id, store).await? else {
        load_store(&state, &caller, store).await?;
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            format!("store {id} has no logo: upload one with PUT /api/v1/stores/{id}/logo"),
        ));
    };

    let etag = quoted_etag(&logo.etag)?;
    let cache = HeaderValue::from_static(CACHE_CONTROL);
    if if_none_match(&headers, &logo.etag) {
        return Ok((
            StatusCode::NOT_MODIFIED,
            [(header::ETAG, etag), (header::CACHE_CONTROL, cache)],
        )
            .into_response());
    }

    let content_type =
        HeaderValue::from_str(&logo.content_type).map_err(|error| ApiError::internal(&error))?;
    let headers = [
        (header::CONTENT_TYPE, content_type),
        (header::ETAG, etag),
        (header::CACHE_CONTROL, cache),
        (
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ),
    ];
    Ok((headers, logo.bytes).into_response())
}

/// Removes the store's logo. Removing a logo that is not there succeeds too.
#[utoipa::path(delete, path = "/api/v1/stores/{id}/logo", tag = "stores",
    security(("api_key" = [])), params(("id" = i64, Path, description = "Store id")),
    responses((status = 204), (status = 404, body = Problem)))]
pub async fn delete_logo(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    if !logos::delete(state.db(), caller.account.id, StoreId(id)).await? {
        return Err(ApiError::not_found("store", id));
    }
    tracing::info!(store.id = id, "store logo removed");
    Ok(StatusCode::NO_CONTENT)
}

async fn load_store(state: &AppState, caller: &ApiCaller, id: StoreId) -> Result<(), ApiError> {
    stores::get(state.db(), caller.account.id, id)
        .await?
        .map(drop)
        .ok_or_else(|| ApiError::not_found("store", id))
}

fn parse_edit(query: &LogoEditQuery) -> Result<Option<LogoEdit>, ApiError> {
    let edit = LogoEdit {
        rotate: query.rotate.as_deref().map(parse_rotation).transpose()?,
        crop: query.crop.as_deref().map(parse_crop).transpose()?,
        zoom: query.zoom.as_deref().map(parse_zoom).transpose()?,
    };
    Ok((edit != LogoEdit::default()).then_some(edit))
}

fn parse_rotation(text: &str) -> Result<Rotation, ApiError> {
    match text {
        "cw" => Ok(Rotation::Clockwise90),
        "ccw" => Ok(Rotation::CounterClockwise90),
        other => Err(ApiError::bad_request(format!(
            "invalid rotate {other:?}: use cw (a quarter turn clockwise) or ccw \
             (counter-clockwise)"
        ))),
    }
}

fn parse_crop(text: &str) -> Result<CropRect, ApiError> {
    let invalid = || {
        ApiError::bad_request(format!(
            "invalid crop {text:?}: use x,y,w,h in whole pixels, such as 10,20,300,100, with a \
             width and height above 0"
        ))
    };
    let parts: Vec<u32> = text
        .split(',')
        .map(|part| part.trim().parse::<u32>())
        .collect::<Result<_, _>>()
        .map_err(|_| invalid())?;
    let [x, y, width, height] = parts[..] else {
        return Err(invalid());
    };
    if width == 0 || height == 0 {
        return Err(invalid());
    }
    Ok(CropRect {
        x,
        y,
        width,
        height,
    })
}

fn parse_zoom(text: &str) -> Result<Zoom, ApiError> {
    match text.trim().parse::<u32>() {
        Ok(percent) if percent > 0 => Ok(Zoom::percent(percent)),
        _ => Err(ApiError::bad_request(format!(
            "invalid zoom {text:?}: use a whole percent above 0, such as 50 to halve each side"
        ))),
    }
}

/// Maps a rejected upload to its status: 413 for size, 415 for format, 422 for content.
fn logo_error(store: StoreId, error: &LogoError) -> ApiError {
    let status =
        StatusCode::from_u16(error.http_status()).unwrap_or(StatusCode::UNPROCESSABLE_ENTITY);
    if status.is_server_error() {
        return ApiError::internal(error);
    }
    tracing::info!(store.id = store.get(), %error, "store logo rejected");
    ApiError::new(status, error.to_string())
}

fn body_error(rejection: BytesRejection) -> ApiError {
    if let Some(timeout) = body_timeout_error(&rejection) {
        return timeout.problem();
    }
    let status = rejection.status();
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        let limit = LogoLimits::default().max_input_bytes;
        return ApiError::new(
            status,
            format!("the logo file is above the limit of {limit} bytes: upload a smaller file"),
        );
    }
    ApiError::new(
        status,
        format!("the logo body could not be read: {}", rejection.body_text()),
    )
}

fn quoted_etag(etag: &str) -> Result<HeaderValue, ApiError> {
    HeaderValue::from_str(&format!("\"{etag}\"")).map_err(|error| ApiError::internal(&error))
}

/// Returns whether `If-None-Match` lists the current ETag (weak comparison) or is `*`.
fn if_none_match(headers: &HeaderMap, etag: &str) -> bool {
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(str::trim)
        .any(|tag| tag == "*" || tag.trim_start_matches("W/").trim_matches('"') == etag)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[tokio::test]
    async fn logo_turn_wait_ends_with_busy() {
        let file = Bytes::from_static(b"not an image");
        let turn_in_use = LOGO_TURNS.acquire().await.unwrap();

        let waited = process_within(file.clone(), None, Duration::from_millis(50)).await;
        assert!(matches!(waited, Err(TurnError::Busy(_))), "{waited:?}");

        drop(turn_in_use);
        let processed = process_within(file, None, Duration::from_millis(50)).await;
        assert!(matches!(processed, Ok(Err(_))), "{processed:?}");
    }
}
