//! Shipments: `POST /api/v1/orders/{id}/shipments`, `GET` of the same, and
//! `POST /shipments/{id}/void`.

mod idempotency;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use postsale_core::mapping::codes::{self, CARRIERS, PACKAGES, SERVICES};
use postsale_core::money::{
    AmountError, MAX_AMOUNT_SCALE, MoneyFormat, parse_exact_amount, store_amount,
};
use postsale_core::{AccountId, OrderId, OrderStatus, ShipmentId};
use postsale_store::accounts;
use postsale_store::orders::{self, StoredOrder};
use postsale_store::shipments::{
    self, CreateOnceOutcome, IdempotencyKey, NewShipment, Shipment, VoidOutcome,
};
use postsale_store::stores;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use time::OffsetDateTime;
use utoipa::ToSchema;

use crate::api::address::normalize_address_as;
use crate::app::AppState;
use crate::http::problem::Problem;
use crate::http::{ApiCaller, ApiError, JsonDocument, Path};

const WEIGHT_UNITS: [&str; 4] = ["g", "kg", "oz", "lb"];
const LENGTH_UNITS: [&str; 2] = ["cm", "in"];

/// A label created for an order.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ShipmentIn {
    /// A carrier code such as `usps`, `ups`, `fedex`, `dhl_express`.
    pub carrier: String,
    /// A service code of that carrier, such as `usps_priority_mail`.
    pub service: String,
    /// A package code such as `parcel`.
    pub package: Option<String>,
    pub tracking_number: Option<String>,
    /// `YYYY-MM-DD`; default today (UTC).
    pub ship_date: Option<String>,
    /// The label cost as a string of digits with at most 4 decimal places, such as `"7.45"`.
    /// A JSON number gets 422: money is read from its text, never through a float.
    #[schema(value_type = Option<String>)]
    pub cost: Option<Value>,
    /// `{"value": "12.5", "unit": "oz"}`
    #[schema(value_type = Option<Object>)]
    pub weight: Option<Value>,
    /// `{"length": "10", "width": "8", "height": "4", "unit": "in"}`
    #[schema(value_type = Option<Object>)]
    pub dimensions: Option<Value>,
    /// The Ship From address; default the store address (when the store is set to use it) or
    /// the account's address.
    #[schema(value_type = Option<Object>)]
    pub ship_from: Option<Value>,
}

/// A shipment as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct ShipmentOut {
    pub id: i64,
    pub order_id: i64,
    pub carrier: String,
    pub service: String,
    pub package: Option<String>,
    pub tracking_number: Option<String>,
    pub ship_date: Option<String>,
    pub cost: Option<String>,
    #[schema(value_type = Object)]
    pub details: Value,
    pub voided: bool,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub voided_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    /// The order's status after this call.
    #[schema(value_type = Option<String>)]
    pub order_status: Option<OrderStatus>,
}

/// Records a shipment; with the store's "set Shipped" automation the order becomes `shipped`.
/// With an `Idempotency-Key` header, a repeated request gets the first response.
#[utoipa::path(post, path = "/api/v1/orders/{id}/shipments", tag = "shipments",
    security(("api_key" = [])),
    params(
        ("id" = i64, Path, description = "Order id"),
        ("Idempotency-Key" = Option<String>, Header,
         description = "1 to 255 visible ASCII characters, such as a UUID, unique per \
                        shipment. A request that repeats an earlier one of the account with \
                        the same key, order and body within 24 hours creates nothing and gets \
                        the first response, with `Idempotent-Replayed: true`. The same key with \
                        another order or body gets 422. A request that fails keeps no key.")),
    request_body = ShipmentIn,
    responses((status = 201, body = ShipmentOut,
               headers(("Idempotent-Replayed" = String,
                        description = "`true` when the response repeats the first response \
                                       to the request's Idempotency-Key"))),
              (status = 400, description = "Invalid Idempotency-Key header", body = Problem),
              (status = 404, body = Problem),
              (status = 409, description = "The order's status forbids a shipment", body = Problem),
              (status = 422, description = "Invalid body, or an Idempotency-Key used for \
                                            another request", body = Problem)))]
pub async fn create_shipment(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<i64>,
    headers: HeaderMap,
    JsonDocument(input, document): JsonDocument<ShipmentIn>,
) -> Result<Response, ApiError> {
    let key = idempotency::read_key(&headers)?;
    let account_id = caller.account.id;
    let order = load_order(&state, account_id, OrderId(id)).await?;
    let Some(key) = key else {
        let (shipment, order_status) = record(&state, account_id, &order, input).await?;
        let created = (
            StatusCode::CREATED,
            Json(shipment_out(shipment, order_status)),
        );
        return Ok(created.into_response());
    };

    let fingerprint = idempotency::fingerprint(order.id, &document);
    let now = OffsetDateTime::now_utc();
    if let Some(stored) = shipments::stored_response(state.db(), account_id, &key, now).await? {
        tracing::info!(
            order.id = id,
            "shipment request repeated under its idempotency key"
        );
        return idempotency::repeat(&key, &fingerprint, stored);
    }
    let key = IdempotencyKey {
        key: &key,
        fingerprint: &fingerprint,
    };
    record_once(&state, account_id, &order, input, &key, now).await
}

/// Checks and records a shipment of an order, moving the order to `shipped` when its store's
/// automation says so. Returns the shipment and the order's status after it.
pub(crate) async fn record(
    state: &AppState,
    account_id: AccountId,
    order: &StoredOrder,
    input: ShipmentIn,
) -> Result<(Shipment, Option<OrderStatus>), ApiError> {
    let (new, status) = prepare(state, account_id, order, input).await?;
    let shipment = shipments::create(state.db(), account_id, order.id, &new, status).await?;
    tracing::info!(
        order.id = order.id.get(),
        shipment.id = shipment.id.get(),
        "shipment created"
    );
    Ok((shipment, status.or(order.status)))
}

/// Like [`record`], once per idempotency key, and returns the response stored for the key.
async fn record_once(
    state: &AppState,
    account_id: AccountId,
    order: &StoredOrder,
    input: ShipmentIn,
    key: &IdempotencyKey<'_>,
    now: OffsetDateTime,
) -> Result<Response, ApiError> {
    let (new, status) = prepare(state, account_id, order, input).await?;
    let order_status = status.or(order.status);
    let respond = |shipment: &Shipment| {
        let body = serde_json::to_string(&shipment_out(shipment.clone(), order_status))?;
        Ok((StatusCode::CREATED.as_u16(), body))
    };
    let outcome = shipments::create_once(
        state.db(),
        account_id,
        order.id,
        &new,
        status,
        key,
        now,
        respond,
    )
    .await?;
    match outcome {
        CreateOnceOutcome::Created { shipment, response } => {
            tracing::info!(
                order.id = order.id.get(),
                shipment.id = shipment.id.get(),
                "shipment created"
            );
            idempotency::stored_response(response)
        }
        CreateOnceOutcome::KeyUsed(stored) => {
            tracing::info!(
                order.id = order.id.get(),
                "shipment request repeated under its idempotency key"
            );
            idempotency::repeat(key.key, key.fingerprint, stored)
        }
    }
}

/// Checks that the order may get a shipment and validates the input. Returns the shipment to
/// store and the status that the store's automation sets, if any.
async fn prepare(
    state: &AppState,
    account_id: AccountId,
    order: &StoredOrder,
    input: ShipmentIn,
) -> Result<(NewShipment, Option<OrderStatus>), ApiError> {
    // Checked again inside the transaction that stores the shipment; this first check responds
    // before the input is validated.
    if let Some(rejection) = shipments::shipment_rejection(order.id, order.status) {
        return Err(ApiError::new(StatusCode::CONFLICT, rejection));
    }
    let (automation, ship_from) = store_defaults(state, account_id, order).await?;
    let new = validate(input, ship_from)?;
    Ok((new, automation.then_some(OrderStatus::Shipped)))
}

/// Lists an order's shipments.
#[utoipa::path(get, path = "/api/v1/orders/{id}/shipments", tag = "shipments",
    security(("api_key" = [])), params(("id" = i64, Path, description = "Order id")),
    responses((status = 200, body = [ShipmentOut]), (status = 404, body = Problem)))]
pub async fn list_shipments(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<i64>,
) -> Result<Json<Vec<ShipmentOut>>, ApiError> {
    let order = load_order(&state, caller.account.id, OrderId(id)).await?;
    let found = shipments::for_order(state.db(), caller.account.id, order.id).await?;
    Ok(Json(
        found
            .into_iter()
            .map(|s| shipment_out(s, order.status))
            .collect(),
    ))
}

/// Voids a shipment; with the store's "set Voided" automation the order becomes `voided` once
/// none of its shipments is active.
#[utoipa::path(post, path = "/api/v1/shipments/{id}/void", tag = "shipments",
    security(("api_key" = [])), params(("id" = i64, Path, description = "Shipment id")),
    responses((status = 200, body = ShipmentOut), (status = 404, body = Problem),
              (status = 409, description = "Already voided", body = Problem)))]
pub async fn void_shipment(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<i64>,
) -> Result<Json<ShipmentOut>, ApiError> {
    let (shipment, order_status) = void(&state, caller.account.id, ShipmentId(id)).await?;
    Ok(Json(shipment_out(shipment, order_status)))
}

/// Voids a shipment once, moving its order to `voided` when its store's automation is set
/// to and no other shipment of the order is active. Returns the shipment and the order's status
/// after it.
pub(crate) async fn void(
    state: &AppState,
    account_id: AccountId,
    id: ShipmentId,
) -> Result<(Shipment, Option<OrderStatus>), ApiError> {
    let existing = shipments::get(state.db(), account_id, id)
        .await?
        .ok_or_else(|| ApiError::not_found("shipment", id))?;
    let order = load_order(state, account_id, existing.order_id).await?;
    let set_voided = match order.store_id {
        Some(store) => stores::get(state.db(), account_id, store)
            .await?
            .is_some_and(|store| store.automation.set_voided),
        None => false,
    };
    let status = set_voided.then_some(OrderStatus::Voided);

    match shipments::void(state.db(), account_id, id, status).await? {
        VoidOutcome::Voided {
            shipment,
            order_status,
        } => {
            tracing::info!(
                shipment.id = id.get(),
                order.id = order.id.get(),
                "shipment voided"
            );
            Ok((shipment, order_status))
        }
        VoidOutcome::AlreadyVoided(_) => Err(ApiError::new(
            StatusCode::CONFLICT,
            format!("shipment {id} is already voided: a shipment can be voided once"),
        )),
        VoidOutcome::NotFound => Err(ApiError::not_found("shipment", id)),
    }
}

async fn load_order(
    state: &AppState,
    account_id: AccountId,
    id: OrderId,
) -> Result<StoredOrder, ApiError> {
    orders::get(state.db(), account_id, id)
        .await?
        .ok_or_else(|| ApiError::not_found("order", id))
}

/// Returns whether the store sets `shipped` on a shipment, and the default Ship From address.
async fn store_defaults(
    state: &AppState,
    account_id: AccountId,
    order: &StoredOrder,
) -> Result<(bool, Option<Value>), ApiError> {
    let store = match order.store_id {
        Some(id) => stores::get(state.db(), account_id, id).await?,
        None => None,
    };
    let set_shipped = store
        .as_ref()
        .is_some_and(|store| store.automation.set_shipped);
    let store_address = store
        .filter(|store| store.ship_from_store_address)
        .and_then(|store| store.address);
    let address = match store_address {
        Some(address) => Some(address),
        None => accounts::ship_from_address(state.db(), account_id).await?,
    };
    // An address stored as an empty object counts as none.
    let address = address
        .and_then(|text| serde_json::from_str::<Value>(&text).ok())
        .filter(|address| {
            address
                .as_object()
                .is_some_and(|members| !members.is_empty())
        });
    Ok((set_shipped, address))
}

fn validate(input: ShipmentIn, default_ship_from: Option<Value>) -> Result<NewShipment, ApiError> {
    let carrier = codes::lookup(CARRIERS, &input.carrier)
        .filter(|code| code.code == input.carrier)
        .ok_or_else(|| unknown_code("carrier", &input.carrier, CARRIERS, None))?;
    let service = SERVICES
        .iter()
        .find(|code| code.code == input.service && code.carrier == Some(carrier.code))
        .ok_or_else(|| unknown_code("service", &input.service, SERVICES, Some(carrier.code)))?;
    if let Some(package) = &input.package {
        PACKAGES
            .iter()
            .find(|code| code.code == package && code.carrier.is_none_or(|c| c == carrier.code))
            .ok_or_else(|| unknown_code("package", package, PACKAGES, Some(carrier.code)))?;
    }
    let cost = match input.cost {
        None | Some(Value::Null) => None,
        Some(Value::String(text)) => Some(cost(&text)?),
        Some(other) => {
            return Err(ApiError::unprocessable(format!(
                "invalid cost {other}: send the amount as a string, such as \"{}\"",
                match &other {
                    Value::Number(number) => number.to_string(),
                    _ => "7.45".to_owned(),
                }
            ))
            .with_extension("field", "cost".into()));
        }
    };
    let ship_date = match input.ship_date {
        Some(date) => Some(valid_date(&date)?),
        None => Some(OffsetDateTime::now_utc().date().to_string()),
    };
    let weight = input
        .weight
        .map(|weight| measure("weight", weight, &["value"], &WEIGHT_UNITS))
        .transpose()?;
    let dimensions = input
        .dimensions
        .map(|dims| {
            measure(
                "dimensions",
                dims,
                &["length", "width", "height"],
                &LENGTH_UNITS,
            )
        })
        .transpose()?;
    let ship_from = match input.ship_from {
        // The same checks as the store's and the account's addresses.
        Some(address) => {
            let normalized = normalize_address_as(&address, "ship_from")?;
            if normalized.is_empty() {
                return Err(ApiError::unprocessable(
                    "invalid ship_from: it is empty; send the address the package ships from, \
                     or leave ship_from out to use the store's or the account's address",
                )
                .with_extension("field", "ship_from".into()));
            }
            Some(Value::Object(normalized))
        }
        None => default_ship_from,
    };

    Ok(NewShipment {
        carrier: carrier.code.to_owned(),
        service: service.code.to_owned(),
        package: input.package,
        tracking_number: input
            .tracking_number
            .as_deref()
            .map(valid_tracking_number)
            .transpose()?
            .flatten(),
        ship_date,
        cost,
        document: json!({"weight": weight, "dimensions": dimensions, "ship_from": ship_from})
            .to_string(),
    })
}

fn unknown_code(field: &str, value: &str, list: &[codes::Code], carrier: Option<&str>) -> ApiError {
    let known: Vec<&str> = list
        .iter()
        .filter(|code| carrier.is_none() || code.carrier.is_none() || code.carrier == carrier)
        .map(|code| code.code)
        .collect();
    ApiError::unprocessable(format!(
        "invalid {field} {value:?}: use one of {}",
        known.join(", ")
    ))
    .with_extension("field", field.into())
}

/// Reads a decimal string exactly, never through a float and without rounding: text with more
/// digits than a decimal can contain is rejected, not shortened.
fn decimal(field: &str, text: &str) -> Result<Decimal, ApiError> {
    let invalid = |problem: &str| {
        ApiError::unprocessable(format!("invalid {field} {text:?}: {problem}"))
            .with_extension("field", field.into())
    };
    let value =
        parse_exact_amount(text, MoneyFormat::Plain, None).map_err(|error| match error {
            AmountError::TooLarge(_) | AmountError::TooPrecise(_) => {
                invalid("it has more digits than postsale keeps; send at most 28 digits in all")
            }
            _ => invalid("send a decimal string such as \"7.45\""),
        })?;
    if value.is_sign_negative() {
        return Err(invalid("it cannot be negative"));
    }
    Ok(value)
}

/// The largest number of digits a label cost may have before its decimal point.
const MAX_COST_WHOLE_DIGITS: usize = 12;

/// Reads a label cost as an amount: digits with at most [`MAX_AMOUNT_SCALE`] decimal places
/// after a point, as order amounts keep, stored with at least two.
fn cost(text: &str) -> Result<String, ApiError> {
    let invalid = |problem: String| {
        ApiError::unprocessable(format!("invalid cost {text:?}: {problem}"))
            .with_extension("field", "cost".into())
    };
    let trimmed = text.trim();
    if trimmed.starts_with('-') {
        return Err(invalid("it cannot be negative".into()));
    }
    let (whole, fraction) = trimmed.split_once('.').unwrap_or((trimmed, ""));
    let digits = |part: &str| part.bytes().all(|byte| byte.is_ascii_digit());
    let plain = !whole.is_empty()
        && digits(whole)
        && digits(fraction)
        // "7." has a point and no digits after it.
        && (fraction.is_empty() != trimmed.contains('.'));
    if !plain {
        return Err(invalid(
            "send the amount as digits with an optional decimal point, such as \"7.45\"".into(),
        ));
    }
    if whole.len() > MAX_COST_WHOLE_DIGITS {
        return Err(invalid(format!(
            "it has {} digits before the point; a label cost has at most {MAX_COST_WHOLE_DIGITS}",
            whole.len()
        )));
    }
    if fraction.trim_end_matches('0').len() > MAX_AMOUNT_SCALE as usize {
        return Err(invalid(format!(
            "send at most {MAX_AMOUNT_SCALE} decimal places"
        )));
    }
    let amount = decimal("cost", trimmed)?.normalize();
    Ok(store_amount(amount).value.to_string())
}

/// The longest tracking number accepted, in characters. Carriers' numbers have a few dozen
/// characters at most (an estimate), so this leaves room.
const MAX_TRACKING_NUMBER_CHARS: usize = 100;

/// Trims a tracking number and returns `None` when it is blank. A number that is too long or
/// contains a control character, such as a line break, is refused.
fn valid_tracking_number(text: &str) -> Result<Option<String>, ApiError> {
    let text = text.trim();
    let invalid = |problem: String| {
        ApiError::unprocessable(format!("invalid tracking_number: {problem}"))
            .with_extension("field", "tracking_number".into())
    };
    let length = text.chars().count();
    if length > MAX_TRACKING_NUMBER_CHARS {
        return Err(invalid(format!(
            "it has {length} characters; send the carrier's number, of at most \
             {MAX_TRACKING_NUMBER_CHARS}"
        )));
    }
    if let Some(control) = text
        .chars()
        .find(|c| c.is_control() || crate::api::address::breaks_or_reorders_lines(*c))
    {
        return Err(invalid(format!(
            "it contains the character U+{:04X}, which breaks or hides text; send the number \
             alone, on one line",
            u32::from(control)
        )));
    }
    Ok((!text.is_empty()).then(|| text.to_owned()))
}

/// Checks a ship date: a calendar date from 2000-01-01 to a year after today.
fn valid_date(text: &str) -> Result<String, ApiError> {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    let invalid = |problem: &str| {
        ApiError::unprocessable(format!("invalid ship_date {text:?}: {problem}"))
            .with_extension("field", "ship_date".into())
    };
    let date = time::Date::parse(text, format).map_err(|_| invalid("use YYYY-MM-DD"))?;
    let earliest = time::macros::date!(2000 - 01 - 01);
    let latest = OffsetDateTime::now_utc()
        .date()
        .saturating_add(time::Duration::days(366));
    if date < earliest || date > latest {
        return Err(invalid(&format!(
            "give the date the package ships, from {earliest} to {latest}"
        )));
    }
    Ok(text.to_owned())
}

/// Checks a measure such as `{"value": "12.5", "unit": "oz"}`: positive decimals and a known unit.
fn measure(field: &str, value: Value, parts: &[&str], units: &[&str]) -> Result<Value, ApiError> {
    let invalid = |member: String, problem: String| {
        ApiError::unprocessable(format!("invalid {member}: {problem}"))
            .with_extension("field", member.into())
    };
    let Some(members) = value.as_object() else {
        return Err(invalid(
            field.to_owned(),
            format!("send a JSON object with {} and unit", parts.join(", ")),
        ));
    };
    if let Some(unknown) = members
        .keys()
        .find(|key| *key != "unit" && !parts.contains(&key.as_str()))
    {
        return Err(invalid(
            format!("{field}.{unknown}"),
            format!(
                "{field} has no member {unknown:?}; use only {} and unit",
                parts.join(", ")
            ),
        ));
    }
    if let Some(missing) = parts.iter().find(|part| !members.contains_key(**part)) {
        return Err(invalid(
            format!("{field}.{missing}"),
            format!(
                "it is missing; send {field} with {} and unit",
                parts.join(", ")
            ),
        ));
    }
    let Some(unit) = value["unit"].as_str() else {
        return Err(invalid(
            format!("{field}.unit"),
            format!(
                "it is missing or not a string; send one of {}",
                units.join(", ")
            ),
        ));
    };
    if !units.contains(&unit) {
        return Err(ApiError::unprocessable(format!(
            "invalid {field}.unit {unit:?}: use one of {}",
            units.join(", ")
        ))
        .with_extension("field", format!("{field}.unit").into()));
    }
    let mut checked = serde_json::Map::new();
    for part in parts {
        let text = match &value[*part] {
            Value::String(text) => text.clone(),
            Value::Number(number) => number.to_string(),
            _ => String::new(),
        };
        let amount = decimal(&format!("{field}.{part}"), &text)?;
        if amount.is_zero() {
            return Err(ApiError::unprocessable(format!(
                "invalid {field}.{part} {text:?}: send a number greater than 0"
            ))
            .with_extension("field", format!("{field}.{part}").into()));
        }
        checked.insert((*part).to_owned(), Value::from(amount.to_string()));
    }
    checked.insert("unit".to_owned(), Value::from(unit));
    Ok(Value::Object(checked))
}

pub(crate) fn shipment_out(shipment: Shipment, order_status: Option<OrderStatus>) -> ShipmentOut {
    ShipmentOut {
        id: shipment.id.get(),
        order_id: shipment.order_id.get(),
        carrier: shipment.carrier,
        service: shipment.service,
        package: shipment.package,
        tracking_number: shipment.tracking_number,
        ship_date: shipment.ship_date,
        cost: shipment.cost,
        details: serde_json::from_str(&shipment.document).unwrap_or(Value::Null),
        voided: shipment.voided_at.is_some(),
        voided_at: shipment.voided_at,
        created_at: shipment.created_at,
        order_status,
    }
}
