//! Stores and their webhook: `/api/v1/stores`, `/stores/{id}`, `/stores/{id}/webhook`.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use postsale_core::mapping::convert::text::is_invisible;
use postsale_core::mapping::{ApplyContext, Map};
use postsale_core::verify::SecurityConfig;
use postsale_core::{OrderStatus, StoreId, WebhookState};
use postsale_store::maps;
use postsale_store::stores::{self, Automation, NewStore, Store, StorePatch};
use postsale_store::webhooks::{self, NewWebhook, Webhook, WebhookPatch};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use utoipa::ToSchema;

use crate::app::AppState;
use crate::http::problem::Problem;
use crate::http::{ApiCaller, ApiError, JsonBody, Path, SensitiveJson};

/// The grace period of an old webhook URL after it is regenerated, unless the request says.
const DEFAULT_GRACE_HOURS: u32 = 24;
/// The longest grace period a request may ask for: 30 days.
const MAX_GRACE_HOURS: u32 = 720;

/// A new store with its webhook's security settings.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StoreIn {
    pub name: String,
    /// One or more checks that every request must pass. Secrets are stored encrypted and only
    /// ever shown masked.
    #[schema(value_type = Object)]
    #[serde(deserialize_with = "postsale_core::json_object::object")]
    pub security: SecurityConfig,
    /// IANA time zone or offset in which dates without an offset are read. Default `UTC`.
    pub time_zone: Option<String>,
    #[serde(
        default,
        deserialize_with = "postsale_core::json_object::optional_object"
    )]
    pub automation: Option<AutomationIn>,
    /// The store address (the Ship From address when chosen), as a JSON object.
    #[schema(value_type = Option<Object>)]
    pub address: Option<serde_json::Value>,
    pub ship_from_store_address: Option<bool>,
    /// A header that identifies a delivery, beside the ones postsale knows for each channel.
    pub delivery_id_header: Option<String>,
    /// Requests per minute this webhook accepts, counted apart for requests that pass its
    /// checks and for requests that fail them; 0 for no limit. Default: the server's limit.
    pub rate_limit_per_minute: Option<i64>,
}

/// Changes to a store; absent members stay as they are.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StorePatchIn {
    pub name: Option<String>,
    pub time_zone: Option<String>,
    #[serde(
        default,
        deserialize_with = "postsale_core::json_object::optional_object"
    )]
    pub automation: Option<AutomationIn>,
    /// `null` removes the address.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<Object>)]
    pub address: Option<Option<serde_json::Value>>,
    pub ship_from_store_address: Option<bool>,
}

/// Status automation as a request sends it. A member left out keeps its value: on a new store
/// the default (`awaiting_shipment`, `true`, `true`), on a change the store's current one.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AutomationIn {
    /// Status set when an order is first imported: `awaiting_payment`, `awaiting_shipment`,
    /// `on_hold` or `pending_fulfillment`; `null` leaves it blank. An order whose mapped status
    /// is `shipped`, `cancelled` or `voided` gets that status instead.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<String>, example = "awaiting_shipment")]
    pub status_on_import: Option<Option<String>>,
    /// Set the order to `shipped` when a shipment is processed.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<bool>)]
    pub set_shipped: Option<Option<bool>>,
    /// Set the order to `voided` when a shipment is voided.
    #[serde(default, deserialize_with = "double_option")]
    #[schema(value_type = Option<bool>)]
    pub set_voided: Option<Option<bool>>,
}

/// Status automation of a store.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AutomationBody {
    /// Status set when an order is first imported: `awaiting_payment`, `awaiting_shipment`,
    /// `on_hold` or `pending_fulfillment`; `null` leaves it blank. An order whose mapped status
    /// is `shipped`, `cancelled` or `voided` gets that status instead.
    #[schema(value_type = Option<String>, example = "awaiting_shipment")]
    pub status_on_import: Option<OrderStatus>,
    /// Set the order to `shipped` when a shipment is processed.
    pub set_shipped: bool,
    /// Set the order to `voided` when a shipment is voided.
    pub set_voided: bool,
}

/// A store as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct StoreOut {
    pub id: i64,
    pub name: String,
    pub time_zone: String,
    pub automation: AutomationBody,
    #[schema(value_type = Option<Object>)]
    pub address: Option<serde_json::Value>,
    pub ship_from_store_address: bool,
    pub has_logo: bool,
    pub webhook: WebhookOut,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub updated_at: OffsetDateTime,
}

/// A store's webhook as the API shows it: secrets masked.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookOut {
    pub id: i64,
    /// The URL to give the sales channel.
    pub url: String,
    #[schema(value_type = String, example = "capturing")]
    pub state: WebhookState,
    #[schema(value_type = Object)]
    pub security: serde_json::Value,
    pub delivery_id_header: Option<String>,
    pub rate_limit_per_minute: Option<i64>,
    /// Whether the merchant set the webhook `capturing` by hand. A paused webhook stays
    /// capturing when a map is saved, until it is set `active`.
    pub paused: bool,
    /// The previous URL, which keeps working until `previous_url_valid_until`.
    pub previous_url: Option<String>,
    #[serde(with = "time::serde::rfc3339::option")]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub previous_url_valid_until: Option<OffsetDateTime>,
}

/// Changes to a webhook; absent members stay as they are.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookPatchIn {
    /// The new checks, replacing the old ones. A secret given as `""` keeps the stored secret
    /// at the same place: of the check of the same type at the same position among checks of
    /// that type, and for HMAC of the secret at the same index.
    #[schema(value_type = Option<Object>)]
    #[serde(
        default,
        deserialize_with = "postsale_core::json_object::optional_object"
    )]
    pub security: Option<SecurityConfig>,
    #[schema(value_type = Option<String>, example = "active")]
    pub state: Option<WebhookState>,
    #[serde(default, deserialize_with = "double_option")]
    pub delivery_id_header: Option<Option<String>>,
    /// Requests per minute, counted as for a new store; `null` uses the server's limit.
    #[serde(default, deserialize_with = "double_option")]
    pub rate_limit_per_minute: Option<Option<i64>>,
}

/// How long the old URL keeps working after a new one is made.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegenerateIn {
    /// Hours the old URL stays valid, 0 to 720. Default 24.
    pub grace_hours: Option<u32>,
}

/// Creates a store and its webhook. Needs the `soar` plan.
#[utoipa::path(post, path = "/api/v1/stores", tag = "stores", security(("api_key" = [])),
    request_body = StoreIn,
    responses(
        (status = 201, body = StoreOut),
        (status = 402, description = "The account's plan does not include webhooks", body = Problem),
        (status = 422, description = "A value is invalid; `detail` names it", body = Problem),
    ))]
pub async fn create_store(
    State(state): State<AppState>,
    caller: ApiCaller,
    SensitiveJson(input): SensitiveJson<StoreIn>,
) -> Result<(StatusCode, Json<StoreOut>), ApiError> {
    if !caller.account.plan.allows_webhooks() {
        return Err(ApiError::new(
            StatusCode::PAYMENT_REQUIRED,
            format!(
                "webhooks need the soar plan, and this account is on the {} plan: upgrade to \
                 soar to add a webhook",
                caller.account.plan
            ),
        )
        .with_extension("required_plan", "soar".into()));
    }

    let new_store = NewStore {
        name: valid_name(&input.name)?,
        address: input.address.as_ref().map(valid_address).transpose()?,
        time_zone: valid_time_zone(input.time_zone.as_deref().unwrap_or("UTC"))?,
        automation: input
            .automation
            .map(|automation| automation_from(automation, Automation::default()))
            .transpose()?
            .unwrap_or_default(),
        ship_from_store_address: input.ship_from_store_address.unwrap_or(false),
    };
    let new_webhook = NewWebhook {
        token: webhooks::new_token(),
        security: seal_security(&state, &input.security)?,
        state: WebhookState::Capturing,
        delivery_id_header: valid_header_name(input.delivery_id_header)?,
        rate_limit_per_minute: valid_rate_limit(input.rate_limit_per_minute)?,
    };

    let (store, webhook) =
        stores::create(state.db(), caller.account.id, &new_store, &new_webhook).await?;
    tracing::info!(store.id = store.id.get(), "store created");
    Ok((
        StatusCode::CREATED,
        Json(store_out(&state, store, &webhook)?),
    ))
}

/// Lists the account's stores.
#[utoipa::path(get, path = "/api/v1/stores", tag = "stores", security(("api_key" = [])),
    responses((status = 200, body = [StoreOut])))]
pub async fn list_stores(
    State(state): State<AppState>,
    caller: ApiCaller,
) -> Result<Json<Vec<StoreOut>>, ApiError> {
    let mut listed = Vec::new();
    for store in stores::list(state.db(), caller.account.id).await? {
        let webhook = load_webhook(&state, &caller, store.id).await?;
        listed.push(store_out(&state, store, &webhook)?);
    }
    Ok(Json(listed))
}

/// Reads one store with its webhook.
#[utoipa::path(get, path = "/api/v1/stores/{id}", tag = "stores", security(("api_key" = [])),
    params(("id" = i64, Path, description = "Store id")),
    responses((status = 200, body = StoreOut), (status = 404, body = Problem)))]
pub async fn get_store(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<i64>,
) -> Result<Json<StoreOut>, ApiError> {
    let store = load_store(&state, &caller, StoreId(id)).await?;
    let webhook = load_webhook(&state, &caller, store.id).await?;
    Ok(Json(store_out(&state, store, &webhook)?))
}

/// Changes a store's name, time zone, automation or address.
#[utoipa::path(patch, path = "/api/v1/stores/{id}", tag = "stores", security(("api_key" = [])),
    params(("id" = i64, Path, description = "Store id")),
    request_body = StorePatchIn,
    responses((status = 200, body = StoreOut), (status = 404, body = Problem),
              (status = 422, body = Problem)))]
pub async fn update_store(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<i64>,
    JsonBody(input): JsonBody<StorePatchIn>,
) -> Result<Json<StoreOut>, ApiError> {
    let automation = match input.automation {
        Some(automation) => {
            let current = stores::get(state.db(), caller.account.id, StoreId(id))
                .await?
                .ok_or_else(|| ApiError::not_found("store", id))?;
            Some(automation_from(automation, current.automation)?)
        }
        None => None,
    };
    let patch = StorePatch {
        name: input.name.as_deref().map(valid_name).transpose()?,
        address: match input.address {
            Some(Some(address)) => Some(Some(valid_address(&address)?)),
            Some(None) => Some(None),
            None => None,
        },
        time_zone: input
            .time_zone
            .as_deref()
            .map(valid_time_zone)
            .transpose()?,
        automation,
        ship_from_store_address: input.ship_from_store_address,
    };
    let store = stores::update(state.db(), caller.account.id, StoreId(id), &patch)
        .await?
        .ok_or_else(|| ApiError::not_found("store", id))?;
    let webhook = load_webhook(&state, &caller, store.id).await?;
    Ok(Json(store_out(&state, store, &webhook)?))
}

/// Deletes a store, its webhook and its kept requests. Its orders stay.
#[utoipa::path(delete, path = "/api/v1/stores/{id}", tag = "stores", security(("api_key" = [])),
    params(("id" = i64, Path, description = "Store id")),
    responses((status = 204), (status = 404, body = Problem)))]
pub async fn delete_store(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    if !stores::delete(state.db(), caller.account.id, StoreId(id)).await? {
        return Err(ApiError::not_found("store", id));
    }
    tracing::info!(store.id = id, "store deleted");
    Ok(StatusCode::NO_CONTENT)
}

/// Reads a store's webhook: URL, state and masked security settings.
#[utoipa::path(get, path = "/api/v1/stores/{id}/webhook", tag = "stores",
    security(("api_key" = [])), params(("id" = i64, Path, description = "Store id")),
    responses((status = 200, body = WebhookOut), (status = 404, body = Problem)))]
pub async fn get_webhook(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<i64>,
) -> Result<Json<WebhookOut>, ApiError> {
    let webhook = load_webhook(&state, &caller, StoreId(id)).await?;
    Ok(Json(webhook_out(&state, &webhook)?))
}

/// Changes a webhook's security settings, state, delivery id header or rate limit.
#[utoipa::path(patch, path = "/api/v1/stores/{id}/webhook", tag = "stores",
    security(("api_key" = [])), params(("id" = i64, Path, description = "Store id")),
    request_body = WebhookPatchIn,
    responses((status = 200, body = WebhookOut), (status = 404, body = Problem),
              (status = 422, body = Problem)))]
pub async fn update_webhook(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<i64>,
    SensitiveJson(input): SensitiveJson<WebhookPatchIn>,
) -> Result<Json<WebhookOut>, ApiError> {
    let security = match input.security {
        Some(mut security) => {
            let stored = load_webhook(&state, &caller, StoreId(id)).await?;
            security.fill_empty_secrets(&open_security(&state, &stored)?);
            Some(seal_security(&state, &security)?)
        }
        None => None,
    };
    if input.state == Some(WebhookState::Active) && security.is_none() {
        let stored = load_webhook(&state, &caller, StoreId(id)).await?;
        if !has_checks(&state, &stored)? {
            return Err(ApiError::unprocessable(
                "the webhook has no security check, so it cannot be set active: add a check \
                 in `security.checks` first",
            ));
        }
    }
    if input.state == Some(WebhookState::Active) && !has_import_map(&state, &caller, id).await? {
        return Err(ApiError::unprocessable(format!(
            "store {id} has no map that sets order.source and order.number, so its webhook \
             cannot be set active and would fail every request: save a map with PUT \
             /api/v1/stores/{id}/map, which turns the webhook active"
        )));
    }
    let patch = WebhookPatch {
        security,
        state: input.state,
        // A state set through the API is the merchant's choice: `capturing` pauses imports and
        // `active` ends a pause. `disabled` keeps it, so that enabling again stays paused.
        paused: match input.state {
            Some(WebhookState::Capturing) => Some(true),
            Some(WebhookState::Active) => Some(false),
            Some(WebhookState::Disabled) | None => None,
        },
        delivery_id_header: input
            .delivery_id_header
            .map(valid_header_name)
            .transpose()?,
        rate_limit_per_minute: input
            .rate_limit_per_minute
            .map(valid_rate_limit)
            .transpose()?,
    };
    let webhook = webhooks::update(state.db(), caller.account.id, StoreId(id), &patch)
        .await?
        .ok_or_else(|| ApiError::not_found("store", id))?;
    // A map saved between the check above and the update may not import. Its save saw the
    // webhook still capturing and left it so, so the check runs again now that it is active.
    if input.state == Some(WebhookState::Active) && !has_import_map(&state, &caller, id).await? {
        webhooks::capture_if_active(state.db(), caller.account.id, StoreId(id)).await?;
        tracing::info!(
            store.id = id,
            "webhook capturing: a map saved meanwhile cannot import"
        );
        return Err(ApiError::unprocessable(format!(
            "store {id} got a map that does not set order.source and order.number while its \
             webhook was being set active, so the webhook stays capturing: save a map that \
             sets both with PUT /api/v1/stores/{id}/map"
        )));
    }
    tracing::info!(store.id = id, state = %webhook.state, "webhook updated");
    Ok(Json(webhook_out(&state, &webhook)?))
}

/// Returns whether the store's newest map sets what an import needs.
async fn has_import_map(state: &AppState, caller: &ApiCaller, id: i64) -> Result<bool, ApiError> {
    let Some(stored) = maps::latest(state.db(), caller.account.id, StoreId(id)).await? else {
        return Ok(false);
    };
    let map =
        Map::from_json(stored.document.as_bytes()).map_err(|error| ApiError::internal(&error))?;
    Ok(crate::api::maps::can_import(&map))
}

/// Gives the webhook a new URL. The old URL keeps working for the grace period.
#[utoipa::path(post, path = "/api/v1/stores/{id}/webhook/regenerate-url", tag = "stores",
    security(("api_key" = [])), params(("id" = i64, Path, description = "Store id")),
    request_body = RegenerateIn,
    responses((status = 200, body = WebhookOut), (status = 404, body = Problem),
              (status = 415, description = "A body was sent without `Content-Type: \
                                             application/json`", body = Problem),
              (status = 422, body = Problem)))]
pub async fn regenerate_url(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<i64>,
    body: Option<JsonBody<RegenerateIn>>,
) -> Result<Json<WebhookOut>, ApiError> {
    let grace_hours = body
        .and_then(|JsonBody(input)| input.grace_hours)
        .unwrap_or(DEFAULT_GRACE_HOURS);
    if grace_hours > MAX_GRACE_HOURS {
        return Err(ApiError::unprocessable(format!(
            "invalid grace_hours {grace_hours}: use 0 to {MAX_GRACE_HOURS}"
        )));
    }
    let valid_until = OffsetDateTime::now_utc() + time::Duration::hours(i64::from(grace_hours));
    let token = webhooks::new_token();
    let webhook = webhooks::rotate_token(
        state.db(),
        caller.account.id,
        StoreId(id),
        &token,
        valid_until,
    )
    .await?
    .ok_or_else(|| ApiError::not_found("store", id))?;
    tracing::info!(store.id = id, grace_hours, "webhook URL regenerated");
    Ok(Json(webhook_out(&state, &webhook)?))
}

async fn load_store(state: &AppState, caller: &ApiCaller, id: StoreId) -> Result<Store, ApiError> {
    stores::get(state.db(), caller.account.id, id)
        .await?
        .ok_or_else(|| ApiError::not_found("store", id))
}

async fn load_webhook(
    state: &AppState,
    caller: &ApiCaller,
    id: StoreId,
) -> Result<Webhook, ApiError> {
    webhooks::get_for_store(state.db(), caller.account.id, id)
        .await?
        .ok_or_else(|| ApiError::not_found("store", id))
}

fn store_out(state: &AppState, store: Store, webhook: &Webhook) -> Result<StoreOut, ApiError> {
    let address = store
        .address
        .as_deref()
        .map(serde_json::from_str)
        .transpose()
        .map_err(|error| ApiError::internal(&error))?;
    Ok(StoreOut {
        id: store.id.get(),
        name: store.name,
        time_zone: store.time_zone,
        automation: AutomationBody {
            status_on_import: store.automation.status_on_import,
            set_shipped: store.automation.set_shipped,
            set_voided: store.automation.set_voided,
        },
        address,
        ship_from_store_address: store.ship_from_store_address,
        has_logo: store.logo_etag.is_some(),
        webhook: webhook_out(state, webhook)?,
        created_at: store.created_at,
        updated_at: store.updated_at,
    })
}

fn webhook_out(state: &AppState, webhook: &Webhook) -> Result<WebhookOut, ApiError> {
    let security = open_security(state, webhook)?;
    let grace_open = webhook
        .previous_token_expires_at
        .filter(|until| *until > OffsetDateTime::now_utc());
    Ok(WebhookOut {
        id: webhook.id.get(),
        url: state.webhook_url(&webhook.token),
        state: webhook.state,
        security: security.masked(),
        delivery_id_header: webhook.delivery_id_header.clone(),
        rate_limit_per_minute: webhook.rate_limit_per_minute,
        paused: webhook.paused,
        previous_url: grace_open
            .and(webhook.previous_token.as_deref())
            .map(|token| state.webhook_url(token)),
        previous_url_valid_until: grace_open,
    })
}

/// Opens a webhook's sealed security settings.
pub fn open_security(state: &AppState, webhook: &Webhook) -> Result<SecurityConfig, ApiError> {
    let json = state
        .settings()
        .sealing_key
        .open(&webhook.security)
        .map_err(|error| ApiError::internal(&error))?;
    serde_json::from_str(&json).map_err(|error| ApiError::internal(&error))
}

/// Checks that a webhook has at least one security check. A webhook without one captures
/// requests for mapping but never becomes `active`, so unsigned requests are never imported.
pub fn has_checks(state: &AppState, webhook: &Webhook) -> Result<bool, ApiError> {
    Ok(!open_security(state, webhook)?.checks.is_empty())
}

fn seal_security(state: &AppState, security: &SecurityConfig) -> Result<String, ApiError> {
    security.validate().map_err(|error| {
        ApiError::unprocessable(format!(
            "invalid security.{}: {}",
            error.field, error.problem
        ))
        .with_extension("field", format!("security.{}", error.field).into())
    })?;
    let json = serde_json::to_string(security).map_err(|error| ApiError::internal(&error))?;
    Ok(state.settings().sealing_key.seal(&json))
}

/// Checks the automation: a new order gets an open status or none, because a shipped or
/// cancelled order takes no later update from its channel.
fn automation_from(body: AutomationIn, base: Automation) -> Result<Automation, ApiError> {
    let status_on_import = match body.status_on_import {
        None => base.status_on_import,
        Some(None) => None,
        Some(Some(name)) => match name.parse::<OrderStatus>() {
            Ok(status) if status.is_open() => Some(status),
            parsed => {
                let reason = match parsed {
                    Ok(_) => "a new order gets an open status",
                    Err(_) => "no such status",
                };
                let quoted_name: String = name.chars().take(60).collect();
                return Err(ApiError::unprocessable(format!(
                    "invalid automation.status_on_import {quoted_name:?}: {reason}, so choose \
                     awaiting_payment, awaiting_shipment, on_hold or pending_fulfillment, or \
                     null to leave it blank"
                ))
                .with_extension("field", "automation.status_on_import".into()));
            }
        },
    };
    let switch = |name: &str, sent: Option<Option<bool>>, current: bool| match sent {
        None => Ok(current),
        Some(Some(on)) => Ok(on),
        Some(None) => Err(ApiError::unprocessable(format!(
            "invalid automation.{name} null: send true or false, or leave {name} out to keep \
             its value"
        ))
        .with_extension("field", format!("automation.{name}").into())),
    };
    Ok(Automation {
        status_on_import,
        set_shipped: switch("set_shipped", body.set_shipped, base.set_shipped)?,
        set_voided: switch("set_voided", body.set_voided, base.set_voided)?,
    })
}

/// The maximum length of a store name, in characters once trimmed.
pub(crate) const MAX_NAME_CHARS: usize = 200;

/// Checks a store name: 1 to 200 characters once trimmed of white space and of characters that
/// print as nothing, without control characters or line breaks, because invoices and packing
/// slips print it. An invalid name is quoted as sent, up to its first 60 characters.
fn valid_name(name: &str) -> Result<String, ApiError> {
    store_name(name).map_err(|problem| {
        let start: String = name.chars().take(60).collect();
        let quoted = if name.chars().count() > 60 {
            format!("{start:?}...")
        } else {
            format!("{start:?}")
        };
        ApiError::unprocessable(format!("invalid name {quoted}: {problem}"))
            .with_extension("field", "name".into())
    })
}

/// Returns the trimmed store name, or what is wrong with it and how to fix it. The API and the
/// web form share it.
pub(crate) fn store_name(name: &str) -> Result<String, String> {
    let trimmed = name.trim_matches(|c: char| c.is_whitespace() || is_invisible(c));
    // Variation selectors alone print as nothing too, but they stay in a name: they choose how
    // the emoji before them looks.
    let length = if trimmed
        .chars()
        .all(|c| ('\u{FE00}'..='\u{FE0F}').contains(&c))
    {
        0
    } else {
        trimmed.chars().count()
    };
    if length == 0 || length > MAX_NAME_CHARS {
        return Err(format!(
            "it has {length} characters without the blank ones around it; give a store name \
             of 1 to {MAX_NAME_CHARS} characters"
        ));
    }
    if let Some(control) = trimmed
        .chars()
        .find(|c| c.is_control() || crate::api::address::breaks_or_reorders_lines(*c))
    {
        return Err(format!(
            "it contains the character U+{:04X}, which breaks the line or reorders the text \
             of an invoice; remove it",
            u32::from(control)
        ));
    }
    Ok(trimmed.to_owned())
}

/// Checks a store's time zone: an IANA name from the bundled time zone database, such as
/// `America/Chicago`, `UTC`, or a fixed offset such as `+02:00`.
fn valid_time_zone(zone: &str) -> Result<String, ApiError> {
    let zone = zone.trim();
    match ApplyContext::with_time_zone(zone) {
        Ok(_) => Ok(zone.to_owned()),
        Err(_) => Err(ApiError::unprocessable(format!(
            "invalid time_zone {zone:?}: it is not an IANA time zone name or a UTC offset; use \
             a name such as America/Chicago or Europe/Berlin, or an offset such as +02:00"
        ))
        .with_extension("field", "time_zone".into())),
    }
}

fn valid_address(address: &serde_json::Value) -> Result<String, ApiError> {
    crate::api::address::validated_address(address)
}

fn valid_header_name(header: Option<String>) -> Result<Option<String>, ApiError> {
    let Some(header) = header
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
    else {
        return Ok(None);
    };
    const CREDENTIAL_OR_FRAMING: [&str; 6] = [
        "authorization",
        "proxy-authorization",
        "cookie",
        "host",
        "content-length",
        "transfer-encoding",
    ];
    if CREDENTIAL_OR_FRAMING.contains(&header.to_ascii_lowercase().as_str()) {
        return Err(ApiError::unprocessable(format!(
            "invalid delivery_id_header {header:?}: it carries credentials or framing, not a \
             delivery id; name a header such as X-Event-Id"
        )));
    }
    if axum::http::HeaderName::from_bytes(header.as_bytes()).is_err() {
        return Err(ApiError::unprocessable(format!(
            "invalid delivery_id_header {header:?}: use an HTTP header name such as X-Event-Id"
        )));
    }
    Ok(Some(header))
}

fn valid_rate_limit(limit: Option<i64>) -> Result<Option<i64>, ApiError> {
    match limit {
        Some(limit) if limit < 0 => Err(ApiError::unprocessable(format!(
            "invalid rate_limit_per_minute {limit}: use 0 for no limit or a positive number"
        ))),
        other => Ok(other),
    }
}

/// Deserialises a member that may be absent (`None`), `null` (`Some(None)`) or a value.
pub(crate) fn double_option<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}
