//! Orders and replays: `/api/v1/orders`, `/orders/{id}`, `/orders/{id}/status`,
//! `/requests/{id}/replay`, `/stores/{id}/replay`.

use axum::Json;
use axum::extract::State;
use postsale_core::order::Order;
use postsale_core::{AccountId, OrderId, OrderStatus, RequestId, StoreId};
use postsale_store::orders::{self, OrderFilter, OrderSort, StoredOrder};
use postsale_store::requests::{self, ReplaySelection};
use postsale_store::shipments;
use postsale_store::stores;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use utoipa::{IntoParams, ToSchema};

use crate::api::requests::{RequestOut, request_out};
use crate::api::shipments::{ShipmentOut, shipment_out};
use crate::app::AppState;
use crate::http::problem::Problem;
use crate::http::{ApiCaller, ApiError, JsonBody, Path, Query};
use crate::worker::{self, Outcome};

const DEFAULT_PAGE: i64 = 50;
const MAX_PAGE: i64 = 500;
/// The maximum length of a text filter (`q`, `source`, `number`) of an order listing, in
/// characters. Longer search patterns exceed SQLite's limit on `LIKE` patterns, and the import
/// rejects an order source or number longer than this.
const MAX_FILTER_CHARS: usize = postsale_core::mapping::MAX_KEY_CHARS;
/// The maximum number of requests one replay call takes; larger replays are split by `since`.
pub(crate) const MAX_REPLAY: usize = 10_000;

/// Filters, sort and cursor of an order listing.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct OrderQuery {
    pub store_id: Option<i64>,
    /// A status, or `blank` for orders without one.
    pub status: Option<String>,
    pub source: Option<String>,
    pub number: Option<String>,
    /// Orders that postsale created (first imported) at or after this RFC 3339 instant. The
    /// order date that the channel sent does not count.
    pub created_from: Option<String>,
    /// Orders that postsale created (first imported) before this RFC 3339 instant.
    pub created_to: Option<String>,
    /// Text in the order number, customer name or customer email.
    pub q: Option<String>,
    /// `newest` (default) or `oldest`.
    pub sort: Option<String>,
    pub cursor: Option<i64>,
    pub limit: Option<i64>,
}

/// An order in a listing.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrderSummary {
    pub id: i64,
    pub store_id: Option<i64>,
    pub source: String,
    pub number: String,
    /// The local status; `null` is blank.
    #[schema(value_type = Option<String>)]
    pub status: Option<OrderStatus>,
    pub channel_status: Option<String>,
    pub customer_name: Option<String>,
    pub customer_email: Option<String>,
    pub currency: Option<String>,
    /// The order total as a decimal string.
    pub total: Option<String>,
    pub line_count: usize,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: OffsetDateTime,
}

/// One page of orders.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrderPage {
    pub items: Vec<OrderSummary>,
    pub next_cursor: Option<i64>,
}

/// An order with its addresses, lines, charges and import history.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrderOut {
    #[serde(flatten)]
    pub summary: OrderSummary,
    /// The normalised order: addresses, lines, charges, notes, payment and shipment fields.
    #[schema(value_type = Object)]
    pub order: Order,
    /// The order's shipments, oldest first, voided ones included.
    pub shipments: Vec<ShipmentOut>,
    /// Each request that touched the order, oldest first, with its outcome.
    pub history: Vec<RequestOut>,
}

/// A manual status change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StatusIn {
    /// The new status, or `null` for blank.
    #[schema(value_type = Option<String>)]
    pub status: Option<OrderStatus>,
}

/// Which requests of a store to replay through its current map.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReplayIn {
    /// These requests.
    pub request_ids: Option<Vec<i64>>,
    /// Every request whose last import failed.
    #[serde(default)]
    pub failed: bool,
    /// Every request received at or after this RFC 3339 instant.
    pub since: Option<String>,
}

/// The outcome of one replayed request.
#[derive(Debug, Serialize, ToSchema)]
pub struct ReplayedRequest {
    pub request_id: i64,
    pub outcome: String,
    pub order_id: Option<i64>,
}

/// What a replay did.
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct ReplayReport {
    pub replayed: usize,
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub skipped: usize,
    pub failed: usize,
    pub requests: Vec<ReplayedRequest>,
}

/// Lists the account's orders.
#[utoipa::path(get, path = "/api/v1/orders", tag = "orders", security(("api_key" = [])),
    params(OrderQuery), responses((status = 200, body = OrderPage), (status = 400, body = Problem)))]
pub async fn list_orders(
    State(state): State<AppState>,
    caller: ApiCaller,
    Query(query): Query<OrderQuery>,
) -> Result<Json<OrderPage>, ApiError> {
    let filter = OrderFilter {
        store_id: query.store_id.map(StoreId),
        status: query
            .status
            .as_deref()
            .map(parse_status_filter)
            .transpose()?,
        source: query
            .source
            .map(|text| bounded_text("source", text))
            .transpose()?,
        number: query
            .number
            .map(|text| bounded_text("number", text))
            .transpose()?,
        created_from: query
            .created_from
            .as_deref()
            .map(|text| parse_instant("created_from", text))
            .transpose()?,
        created_to: query
            .created_to
            .as_deref()
            .map(|text| parse_instant("created_to", text))
            .transpose()?,
        text: query
            .q
            .map(|text| bounded_text("q", text))
            .transpose()?
            .filter(|text| !text.trim().is_empty()),
    };
    let sort = match query.sort.as_deref() {
        None | Some("newest") => OrderSort::Newest,
        Some("oldest") => OrderSort::Oldest,
        Some(other) => {
            return Err(ApiError::bad_request(format!(
                "invalid sort {other:?}: use newest or oldest"
            )));
        }
    };
    let limit = query.limit.unwrap_or(DEFAULT_PAGE);
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(ApiError::bad_request(format!(
            "invalid limit {limit}: use 1 to {MAX_PAGE}"
        )));
    }

    let found = orders::list(
        state.db(),
        caller.account.id,
        &filter,
        sort,
        query.cursor.map(OrderId),
        limit,
    )
    .await?;
    let next_cursor = if found.len() as i64 == limit {
        found.last().map(|order| order.id.get())
    } else {
        None
    };
    Ok(Json(OrderPage {
        items: found.iter().map(summary).collect(),
        next_cursor,
    }))
}

/// Reads one order with its import history.
#[utoipa::path(get, path = "/api/v1/orders/{id}", tag = "orders", security(("api_key" = [])),
    params(("id" = i64, Path, description = "Order id")),
    responses((status = 200, body = OrderOut), (status = 404, body = Problem)))]
pub async fn get_order(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<i64>,
) -> Result<Json<OrderOut>, ApiError> {
    let order = orders::get(state.db(), caller.account.id, OrderId(id))
        .await?
        .ok_or_else(|| ApiError::not_found("order", id))?;
    let history = requests::for_order(state.db(), caller.account.id, order.id).await?;
    let shipments = shipments::for_order(state.db(), caller.account.id, order.id).await?;
    Ok(Json(OrderOut {
        summary: summary(&order),
        shipments: shipments
            .into_iter()
            .map(|shipment| shipment_out(shipment, order.status))
            .collect(),
        history: history.into_iter().map(request_out).collect(),
        order: order.order,
    }))
}

/// Changes an order's local status by hand. A shipped, cancelled or voided order can only be
/// reopened to `awaiting_shipment`; `shipped` and `voided` are set by shipments.
#[utoipa::path(put, path = "/api/v1/orders/{id}/status", tag = "orders", security(("api_key" = [])),
    params(("id" = i64, Path, description = "Order id")), request_body = StatusIn,
    responses((status = 200, body = OrderSummary), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn set_order_status(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<i64>,
    JsonBody(input): JsonBody<StatusIn>,
) -> Result<Json<OrderSummary>, ApiError> {
    let order = orders::get(state.db(), caller.account.id, OrderId(id))
        .await?
        .ok_or_else(|| ApiError::not_found("order", id))?;
    let to = input.status;
    let updated = orders::set_status(
        state.db(),
        caller.account.id,
        order.id,
        to,
        |from, active| transition_rejection(order.id, (from, to), active),
    )
    .await?
    .ok_or_else(|| ApiError::not_found("order", id))?;
    tracing::info!(order.id = id, status = ?input.status, "order status changed by hand");
    Ok(Json(summary(&updated)))
}

/// Replays one request through its store's current map.
#[utoipa::path(post, path = "/api/v1/requests/{id}/replay", tag = "requests", security(("api_key" = [])),
    params(("id" = i64, Path, description = "Request id")),
    responses((status = 200, body = ReplayReport), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn replay_request(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<i64>,
) -> Result<Json<ReplayReport>, ApiError> {
    let request = requests::get(state.db(), caller.account.id, RequestId(id))
        .await?
        .ok_or_else(|| ApiError::not_found("request", id))?;
    if !request.accepted || request.body_kind != "json" {
        return Err(ApiError::unprocessable(format!(
            "request {id} cannot be imported: it was {} with a {} body",
            if request.accepted {
                "accepted"
            } else {
                "rejected"
            },
            request.body_kind
        )));
    }
    Ok(Json(
        replay(&state, caller.account.id, &caller.actor(), &[request.id]).await?,
    ))
}

/// Replays a store's requests: a list, every failed one, or every one since an instant.
#[utoipa::path(post, path = "/api/v1/stores/{id}/replay", tag = "stores", security(("api_key" = [])),
    params(("id" = i64, Path, description = "Store id")), request_body = ReplayIn,
    responses((status = 200, body = ReplayReport), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn replay_store(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<i64>,
    JsonBody(input): JsonBody<ReplayIn>,
) -> Result<Json<ReplayReport>, ApiError> {
    let store_id = StoreId(id);
    if stores::get(state.db(), caller.account.id, store_id)
        .await?
        .is_none()
    {
        return Err(ApiError::not_found("store", id));
    }
    let chosen = [
        input.request_ids.is_some(),
        input.failed,
        input.since.is_some(),
    ];
    if chosen.iter().filter(|set| **set).count() != 1 {
        return Err(ApiError::unprocessable(
            "choose exactly one of request_ids, failed: true, or since",
        ));
    }
    let ids = if let Some(ids) = input.request_ids {
        if ids.len() > MAX_REPLAY {
            return Err(too_many_to_replay(ids.len()));
        }
        let named: Vec<RequestId> = ids.into_iter().map(RequestId).collect();
        named_for_replay(&state, &caller, store_id, &named).await?
    } else if input.failed {
        requests::ids_for_replay(
            state.db(),
            caller.account.id,
            store_id,
            ReplaySelection::Failed,
        )
        .await?
    } else {
        let since = parse_instant("since", input.since.as_deref().unwrap_or_default())?;
        requests::ids_for_replay(
            state.db(),
            caller.account.id,
            store_id,
            ReplaySelection::Since(since),
        )
        .await?
    };
    if ids.len() > MAX_REPLAY {
        return Err(too_many_to_replay(ids.len()));
    }
    Ok(Json(
        replay(&state, caller.account.id, &caller.actor(), &ids).await?,
    ))
}

fn too_many_to_replay(count: usize) -> ApiError {
    ApiError::unprocessable(format!(
        "{count} requests match, more than the {MAX_REPLAY} one replay takes: narrow it with \
         since, or name fewer request_ids"
    ))
}

/// Checks the ids a caller named: every one must be an importable request of this store, or
/// nothing is replayed and the problem lists the ids that are not.
async fn named_for_replay(
    state: &AppState,
    caller: &ApiCaller,
    store_id: StoreId,
    ids: &[RequestId],
) -> Result<Vec<RequestId>, ApiError> {
    let named = requests::check_named(state.db(), caller.account.id, store_id, ids).await?;
    let list = |ids: &[RequestId]| -> String {
        let texts: Vec<String> = ids.iter().map(ToString::to_string).collect();
        texts.join(", ")
    };
    let as_json = |ids: &[RequestId]| -> serde_json::Value {
        ids.iter().map(|id| id.get()).collect::<Vec<_>>().into()
    };
    if !named.not_found.is_empty() {
        return Err(ApiError::new(
            axum::http::StatusCode::NOT_FOUND,
            format!(
                "request ids not found in store {store_id}: {}; nothing was replayed. List the \
                 store's requests with GET /api/v1/stores/{store_id}/requests",
                list(&named.not_found)
            ),
        )
        .with_extension("not_found", as_json(&named.not_found)));
    }
    if !named.not_importable.is_empty() {
        return Err(ApiError::unprocessable(format!(
            "requests {} of store {store_id} cannot be imported: they were rejected or their \
             body is not JSON; nothing was replayed. Leave them out of request_ids",
            list(&named.not_importable)
        ))
        .with_extension("not_importable", as_json(&named.not_importable)));
    }
    Ok(named.importable)
}

/// Runs requests of an account through their store's current map again. `actor` names who
/// asked, such as `user-7`, in the claim records.
pub(crate) async fn replay(
    state: &AppState,
    account_id: AccountId,
    actor: &str,
    ids: &[RequestId],
) -> Result<ReplayReport, ApiError> {
    let mut report = ReplayReport::default();
    let worker = format!("replay-{actor}");
    let record = |outcomes: &[(RequestId, Outcome)], _settled: usize| {
        for (request, outcome) in outcomes {
            count(&mut report, outcome);
            report.requests.push(ReplayedRequest {
                request_id: request.get(),
                outcome: outcome.name().to_owned(),
                order_id: outcome.order_id().map(|id| id.get()),
            });
        }
    };
    worker::replay(state.db(), account_id, ids, &worker, record).await?;
    tracing::info!(
        replayed = report.replayed,
        created = report.created,
        updated = report.updated,
        failed = report.failed,
        "replay finished"
    );
    Ok(report)
}

fn count(report: &mut ReplayReport, outcome: &Outcome) {
    report.replayed += 1;
    match outcome {
        Outcome::Created(..) => report.created += 1,
        Outcome::Updated(..) => report.updated += 1,
        Outcome::Unchanged(..) => report.unchanged += 1,
        Outcome::Skipped { .. } => report.skipped += 1,
        Outcome::Failed { .. } => report.failed += 1,
    }
}

/// Rejects manual changes that shipments or imports own.
/// Returns why a change of status by hand from one status to another is not allowed, for an
/// order with `active` shipments not voided, or `None` when it is allowed.
fn transition_rejection(
    id: OrderId,
    (from, to): (Option<OrderStatus>, Option<OrderStatus>),
    active: i64,
) -> Option<String> {
    use OrderStatus::{AwaitingPayment, AwaitingShipment, Cancelled, Shipped, Voided};
    let name = |status: Option<OrderStatus>| status.map_or("blank", OrderStatus::as_str);
    let allowed = match (from, to) {
        (_, Some(Shipped)) | (_, Some(Voided)) => false,
        (Some(Shipped | Cancelled | Voided), Some(AwaitingShipment)) => true,
        (Some(Shipped), _) => false,
        _ => true,
    };
    if !allowed {
        let next_step = match (from, to) {
            (Some(Shipped), Some(Cancelled | AwaitingPayment)) => {
                "; to cancel it, void its shipments first, then reopen or cancel it"
            }
            _ => "",
        };
        return Some(format!(
            "cannot change the status from {} to {}: shipped and voided are set by creating and \
             voiding shipments, and a shipped order can only be reopened to \
             awaiting_shipment{next_step}",
            name(from),
            name(to)
        ));
    }
    if active > 0 && matches!(to, Some(Cancelled | AwaitingPayment)) {
        let shipments = if active == 1 {
            "a shipment that is not voided".to_owned()
        } else {
            format!("{active} shipments that are not voided")
        };
        return Some(format!(
            "order {} has {shipments}, and an order that is {} has none: void the shipments \
             of the order first",
            id.get(),
            name(to)
        ));
    }
    None
}

fn summary(order: &StoredOrder) -> OrderSummary {
    OrderSummary {
        id: order.id.get(),
        store_id: order.store_id.map(StoreId::get),
        source: order.source.clone(),
        number: order.number.clone(),
        status: order.status,
        channel_status: order.channel_status.clone(),
        customer_name: order.order.customer.name.clone(),
        customer_email: order.order.customer.email.clone(),
        currency: order.order.currency.clone(),
        total: order.order.charges.total.map(|total| total.to_string()),
        line_count: order.order.lines.len(),
        created_at: order.created_at,
        updated_at: order.updated_at,
    }
}

/// Rejects a text filter that is too long to match anything. A NUL character, which
/// PostgreSQL cannot compare, is rejected for every query parameter by
/// `http::nul::reject_nul_in_url`.
fn bounded_text(name: &str, text: String) -> Result<String, ApiError> {
    let chars = text.chars().count();
    if chars > MAX_FILTER_CHARS {
        return Err(ApiError::unprocessable(format!(
            "invalid {name}: it has {chars} characters, more than the limit of \
             {MAX_FILTER_CHARS}; search with a shorter text"
        ))
        .with_extension("max_length", MAX_FILTER_CHARS.into()));
    }
    Ok(text)
}

fn parse_status_filter(text: &str) -> Result<Option<OrderStatus>, ApiError> {
    if text == "blank" {
        return Ok(None);
    }
    text.parse::<OrderStatus>()
        .map(Some)
        .map_err(|error| ApiError::bad_request(format!("invalid status: {error}, or blank")))
}

fn parse_instant(name: &str, text: &str) -> Result<OffsetDateTime, ApiError> {
    OffsetDateTime::parse(text, &Rfc3339).map_err(|_| {
        ApiError::bad_request(format!(
            "invalid {name} {text:?}: use an RFC 3339 instant such as 2025-01-24T04:10:16Z"
        ))
    })
}
