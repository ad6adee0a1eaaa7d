//! A store's request log (`/settings/stores/{id}/requests`): every request with its outcome
//! and reason, filtered by accepted or rejected, the body viewer of one request, and replay of
//! one request or of every failed one. Captured requests are hostile, so every value goes
//! through maud's escaping.
//!
//! Element ids of the log: `#request-tabs` (links with `aria-current="page"` on the open one),
//! `#requests-table` with one row `#request-<id>` per request and its link
//! `#view-request-<id>`, `#next-page`, `#first-page`, `#no-requests`, `#replay-failed-form`
//! (its button `#replay-failed`, with `data-store-id` and `data-failed-ids` for the script),
//! `#replay-progress`, `#replay-reload` and `#log-notice`.
//!
//! Element ids of the body viewer: `#request-facts`, `#request-headers`, `#body-pretty`
//! (`<details>` around `#body-pretty-json`), `#body-raw` (`<details>` around `#body-raw-text`),
//! `#body-decoded` (shown when the body arrived compressed), `#download-body`,
//! `#outcome-detail`, `#replay-request` and `#request-notice`.

use std::borrow::Cow;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use maud::{Markup, html};
use postsale_core::ingress::parse_json_body;
use postsale_core::{RequestId, StoreId};
use postsale_store::requests::{self, Acceptance, KeptRequest, ReplaySelection};
use serde::Deserialize;
use serde_json::Value;

use crate::api::orders::{MAX_REPLAY, ReplayReport, replay};
use crate::api::requests::decoded_for_display;
use crate::app::AppState;
use crate::web::error::{Query, WebError};
use crate::web::form::Form;
use crate::web::layout::{Nav, page, time_element};
use crate::web::session::SignedIn;
use crate::web::sign_in::TokenForm;
use crate::web::stores::load_store;
use crate::web::{PathIds, csrf};

/// Requests on one page of the log.
const PAGE_SIZE: i64 = 50;
/// The body viewer shows at most this many bytes of a body; the download has all of it.
const MAX_SHOWN_BODY_BYTES: usize = 1024 * 1024;

/// Builds the routes of the request log and the body viewer.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/settings/stores/{id}/requests", get(list))
        .route("/settings/stores/{id}/requests/{request}", get(show))
        .route(
            "/settings/stores/{id}/requests/{request}/replay",
            post(replay_one),
        )
        .route("/settings/stores/{id}/replay-failed", post(replay_failed))
}

/// The filter and cursor of the log, and the counts of a replay just finished.
#[derive(Debug, Default, Deserialize)]
pub struct LogQuery {
    /// `accepted`, `rejected`, or absent for every request.
    #[serde(default)]
    status: String,
    cursor: Option<i64>,
    replayed: Option<usize>,
    created: Option<usize>,
    updated: Option<usize>,
    failed: Option<usize>,
}

/// The outcome of a replay of one request, shown on the body viewer.
#[derive(Debug, Default, Deserialize)]
pub struct ShowQuery {
    replayed: Option<String>,
}

async fn list(
    State(state): State<AppState>,
    signed_in: SignedIn,
    PathIds(id): PathIds<i64>,
    Query(query): Query<LogQuery>,
) -> Result<Response, WebError> {
    let store = load_store(&state, &signed_in, id).await?;
    let account = signed_in.account.id;
    let acceptance = match query.status.as_str() {
        "accepted" => Acceptance::Accepted,
        "rejected" => Acceptance::Rejected,
        _ => Acceptance::All,
    };
    let kept = requests::list(
        state.db(),
        account,
        store.id,
        acceptance,
        query.cursor.map(RequestId),
        PAGE_SIZE,
    )
    .await?;
    let failed =
        requests::ids_for_replay(state.db(), account, store.id, ReplaySelection::Failed).await?;
    let next_cursor = (kept.len() as i64 == PAGE_SIZE)
        .then(|| kept.last().map(|request| request.id.get()))
        .flatten();
    let base = format!("/settings/stores/{id}/requests");
    let status_part = match acceptance {
        Acceptance::All => "",
        Acceptance::Accepted => "status=accepted&",
        Acceptance::Rejected => "status=rejected&",
    };

    let body = html! {
        p { a href={ "/settings/stores/" (id) } { "Store: " (store.name) } }
        h1 { "Request log: " (store.name) }
        @if let Some(replayed) = query.replayed {
            p.notice #log-notice role="status" {
                (replayed) " requests replayed: " (query.created.unwrap_or(0)) " created, "
                (query.updated.unwrap_or(0)) " updated, " (query.failed.unwrap_or(0)) " failed."
            }
        }
        nav aria-label="Filter requests" {
            ul #request-tabs.tabs {
                @for (value, label) in [("", "All"), ("accepted", "Accepted"), ("rejected", "Rejected")] {
                    li {
                        a href={ (base) @if !value.is_empty() { "?status=" (value) } }
                            aria-current=[(query.status == value).then_some("page")] { (label) }
                    }
                }
            }
        }
        (replay_failed_form(&signed_in, store.id, &failed))
        @if kept.is_empty() {
            p.empty #no-requests { "No requests here yet." }
        } @else {
            div.table-wrap {
                table #requests-table {
                    thead { tr {
                        th scope="col" { "Received" }
                        th scope="col" { "Request" }
                        th scope="col" { "From" }
                        th scope="col" { "Answer" }
                        th scope="col" { "Outcome" }
                        th scope="col" { "Reason" }
                    } }
                    tbody {
                        @for request in &kept { (request_row(request)) }
                    }
                }
            }
        }
        div.pagination {
            @if query.cursor.is_some() {
                a #first-page href={ (base) "?" (status_part) } { "First page" }
            }
            @if let Some(cursor) = next_cursor {
                a #next-page href={ (base) "?" (status_part) "cursor=" (cursor) } { "Next page" }
            }
        }
    };
    let title = format!("Request log: {}", store.name);
    Ok(page(&title, &signed_in, Nav::Stores, &[], body))
}

fn replay_failed_form(signed_in: &SignedIn, store_id: StoreId, failed: &[RequestId]) -> Markup {
    let ids = failed
        .iter()
        .map(|id| id.to_string())
        .collect::<Vec<_>>()
        .join(",");
    html! {
        @if !failed.is_empty() {
            form #replay-failed-form.actions method="post"
                action={ "/settings/stores/" (store_id) "/replay-failed" }
                data-store-id=(store_id) data-failed-ids=(ids) {
                (csrf::hidden_field(signed_in))
                button #replay-failed type="submit" {
                    "Replay all " (failed.len()) " failed requests"
                }
                span #replay-progress.progress role="status" aria-live="polite" {}
                a #replay-reload href={ "/settings/stores/" (store_id) "/requests" } hidden {
                    "Show the updated log"
                }
            }
        }
    }
}

fn request_row(request: &KeptRequest) -> Markup {
    let acceptance = if request.accepted {
        "accepted"
    } else {
        "rejected"
    };
    let outcome = request
        .outcome
        .as_deref()
        .unwrap_or(request.import_state.as_str());
    let store = request.store_id;
    html! {
        tr id={ "request-" (request.id) } {
            td {
                a id={ "view-request-" (request.id) }
                    href={ "/settings/stores/" (store) "/requests/" (request.id) } {
                    (time_element(request.received_at))
                }
            }
            td { (request.method) " " (request.body_kind) ", " (request.body_size) " bytes" }
            td { (request.remote_addr) }
            td {
                span class={ "badge " (acceptance) } { (request.status_code) " " (acceptance) }
            }
            td {
                span class={ "badge " (outcome) } { (outcome) }
                @if let Some(order) = request.order_id {
                    " " a href={ "/orders/" (order) } { "Order" }
                }
            }
            td {
                @if let Some(reason) = &request.reason_code { code { (reason) } br; }
                @if let Some(diagnosis) = &request.diagnosis { (diagnosis) }
            }
        }
    }
}

async fn show(
    State(state): State<AppState>,
    signed_in: SignedIn,
    PathIds((id, request_id)): PathIds<(i64, i64)>,
    Query(query): Query<ShowQuery>,
) -> Result<Response, WebError> {
    let store = load_store(&state, &signed_in, id).await?;
    let request = load_request(&state, &signed_in, store.id, request_id).await?;
    let body = requests::body(state.db(), signed_in.account.id, request.id)
        .await?
        .unwrap_or_default();
    let headers = header_pairs(&request.headers);
    let decoded = decoded_for_display(&request, &body);
    // Decoding returns the stored bytes themselves unless it undid a Content-Encoding.
    let was_encoded = matches!(decoded, Cow::Owned(_));
    let shown = &decoded[..decoded.len().min(MAX_SHOWN_BODY_BYTES)];
    let pretty = parse_json_body(shown)
        .ok()
        .and_then(|json| serde_json::to_string_pretty(&json).ok());
    let raw = String::from_utf8_lossy(shown);
    let outcome_detail = request
        .outcome_detail
        .as_deref()
        .and_then(|text| serde_json::from_str::<Value>(text).ok())
        .and_then(|json| serde_json::to_string_pretty(&json).ok());
    let notice = query
        .replayed
        .as_deref()
        .filter(|outcome| OUTCOMES.contains(outcome));

    let page_body = html! {
        p { a href={ "/settings/stores/" (id) "/requests" } { "Request log: " (store.name) } }
        h1 { "Request " (request.id) }
        @if let Some(outcome) = notice {
            p.notice #request-notice role="status" { "Replayed: the outcome is " (outcome) "." }
        }
        (facts(&request))
        @if can_replay(&request) {
            form.actions method="post"
                action={ "/settings/stores/" (id) "/requests/" (request.id) "/replay" } {
                (csrf::hidden_field(&signed_in))
                button #replay-request type="submit" { "Replay through the current map" }
            }
        }
        @if let Some(detail) = &outcome_detail {
            h2 { "Outcome detail" }
            pre.body #outcome-detail { (detail) }
        }
        h2 { "Headers" }
        div.table-wrap {
            table #request-headers {
                thead { tr { th scope="col" { "Name" } th scope="col" { "Value" } } }
                tbody {
                    @for (name, value) in &headers {
                        tr { td { code { (name) } } td { code { (value) } } }
                    }
                }
            }
        }
        h2 { "Body" }
        @if body.is_empty() {
            p.empty { "No body was kept." }
        } @else {
            @if was_encoded {
                p #body-decoded {
                    "The body arrived compressed (" code { "Content-Encoding" } ") and is shown "
                    "decoded. The download gives the bytes as received."
                }
            }
            @if decoded.len() > MAX_SHOWN_BODY_BYTES {
                p.warning {
                    "The body has " (decoded.len()) " bytes; the first " (MAX_SHOWN_BODY_BYTES)
                    " are shown. Download it for all of it."
                }
            }
            @if let Some(pretty) = &pretty {
                details #body-pretty open {
                    summary { "Pretty-printed JSON" }
                    pre.body #body-pretty-json { (pretty) }
                }
            }
            details #body-raw open[pretty.is_none()] {
                summary { "Raw body" }
                pre.body #body-raw-text { (raw) }
            }
            p { a #download-body href={ "/api/v1/requests/" (request.id) "/body" } { "Download the body" } }
        }
    };
    let title = format!("Request {}", request.id);
    Ok(page(&title, &signed_in, Nav::Stores, &[], page_body))
}

/// The outcome names a replay can report, the only values the notice shows.
const OUTCOMES: [&str; 5] = ["created", "updated", "unchanged", "skipped", "failed"];

fn facts(request: &KeptRequest) -> Markup {
    let acceptance = if request.accepted {
        "Accepted"
    } else {
        "Rejected"
    };
    html! {
        dl.facts #request-facts {
            dt { "Received" } dd { (time_element(request.received_at)) }
            dt { "Method and path" } dd {
                code { (request.method) " " (request.path)
                    @if let Some(query) = &request.query { "?" (query) } }
            }
            dt { "From" } dd { (request.remote_addr) }
            dt { "Content type" } dd { (request.content_type.as_deref().unwrap_or("")) }
            dt { "Size" } dd { (request.body_size) " bytes (" (request.body_kind) ")" }
            dt { "SHA-256" } dd { code { (request.body_sha256) } }
            @if let Some(delivery) = &request.delivery_id {
                dt { "Delivery id" } dd { code { (delivery) } }
            }
            dt { "Answer" } dd { (request.status_code) " " (acceptance) }
            @if let Some(reason) = &request.reason_code { dt { "Reason" } dd { code { (reason) } } }
            @if let Some(diagnosis) = &request.diagnosis { dt { "Diagnosis" } dd { (diagnosis) } }
            dt { "Import" } dd {
                (request.outcome.as_deref().unwrap_or(request.import_state.as_str()))
                @if let Some(order) = request.order_id {
                    " · " a href={ "/orders/" (order) } { "Order " (order) }
                }
            }
        }
    }
}

/// Reads the `[name, value]` pairs of a request's stored headers.
fn header_pairs(headers: &str) -> Vec<(String, String)> {
    let pairs: Vec<Vec<Value>> = serde_json::from_str(headers).unwrap_or_default();
    pairs
        .into_iter()
        .filter_map(|pair| {
            let name = pair.first()?.as_str()?.to_owned();
            let value = pair.get(1)?.as_str()?.to_owned();
            Some((name, value))
        })
        .collect()
}

/// Returns whether a request can be imported again: accepted, with a JSON body.
fn can_replay(request: &KeptRequest) -> bool {
    request.accepted && request.body_kind == "json"
}

async fn replay_one(
    State(state): State<AppState>,
    signed_in: SignedIn,
    PathIds((id, request_id)): PathIds<(i64, i64)>,
    Form(form): Form<TokenForm>,
) -> Result<Response, WebError> {
    csrf::verify(&signed_in, &form.csrf_token)?;
    let store = load_store(&state, &signed_in, id).await?;
    let request = load_request(&state, &signed_in, store.id, request_id).await?;
    if !can_replay(&request) {
        return Err(WebError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!(
                "Request {request_id} cannot be imported: only accepted requests with a JSON \
                 body can."
            ),
        ));
    }
    let actor = format!("user-{}", signed_in.user.id);
    let report = replay(&state, signed_in.account.id, &actor, &[request.id]).await?;
    let outcome = report
        .requests
        .first()
        .map_or("skipped", |replayed| replayed.outcome.as_str());
    let target = format!("/settings/stores/{id}/requests/{request_id}?replayed={outcome}");
    Ok(Redirect::to(&target).into_response())
}

/// Replays every failed request of the store in one go: the form without JavaScript. The
/// script of the log page replays them in batches through the API instead, to show progress.
async fn replay_failed(
    State(state): State<AppState>,
    signed_in: SignedIn,
    PathIds(id): PathIds<i64>,
    Form(form): Form<TokenForm>,
) -> Result<Response, WebError> {
    csrf::verify(&signed_in, &form.csrf_token)?;
    let store = load_store(&state, &signed_in, id).await?;
    let account = signed_in.account.id;
    let ids =
        requests::ids_for_replay(state.db(), account, store.id, ReplaySelection::Failed).await?;
    let chosen = &ids[..ids.len().min(MAX_REPLAY)];
    let actor = format!("user-{}", signed_in.user.id);
    let report: ReplayReport = replay(&state, account, &actor, chosen).await?;
    let target = format!(
        "/settings/stores/{id}/requests?replayed={}&created={}&updated={}&failed={}",
        report.replayed, report.created, report.updated, report.failed
    );
    Ok(Redirect::to(&target).into_response())
}

/// Reads a request of the store; a request of another store or account is not found.
async fn load_request(
    state: &AppState,
    signed_in: &SignedIn,
    store_id: StoreId,
    request_id: i64,
) -> Result<KeptRequest, WebError> {
    requests::get(state.db(), signed_in.account.id, RequestId(request_id))
        .await?
        .filter(|request| request.store_id == store_id)
        .ok_or_else(|| WebError::not_found("Request", request_id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_pairs_read_stored_json() {
        let pairs = header_pairs(r#"[["content-type","application/json"],["x-a","<b>"]]"#);

        assert_eq!(pairs.len(), 2);
        assert_eq!(pairs[1], ("x-a".to_owned(), "<b>".to_owned()));
        assert!(header_pairs("not json").is_empty());
    }
}
