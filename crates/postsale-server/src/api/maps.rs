//! A store's map and its versions: `/api/v1/stores/{id}/map`, `/map/versions`. The mapping
//! screen's other routes (elements, preview, suggestions, presets) are in the submodules.

pub mod elements;
pub mod presets;
pub mod preview;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::StatusCode;
use postsale_core::mapping::catalogue::OrderField;
use postsale_core::mapping::{FieldKey, Map, MapError};
use postsale_core::{StoreId, WebhookState};
use postsale_store::maps::{self, StoredMap};
use postsale_store::stores::{self, Store};
use postsale_store::webhooks;
use serde::Serialize;
use time::OffsetDateTime;
use utoipa::ToSchema;

use crate::app::AppState;
use crate::http::json::bytes_rejection_error;
use crate::http::problem::Problem;
use crate::http::{ApiCaller, ApiError, Path};

/// The fields a webhook cannot import without, as the mapping screen states them.
const IMPORT_FIELDS: [FieldKey; 2] = [
    FieldKey::Order(OrderField::Source),
    FieldKey::Order(OrderField::Number),
];

/// One saved version of a store's map.
#[derive(Debug, Serialize, ToSchema)]
pub struct MapOut {
    pub store_id: i64,
    /// Starts at 1 and grows by one with each save.
    pub version: i64,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
    /// The map document, as `PUT /stores/{id}/map` takes it.
    #[schema(value_type = Object)]
    pub map: serde_json::Value,
    /// Whether the map sets order source and order number, so that the webhook can import.
    pub can_import: bool,
    /// Required fields with no rule, such as `order.number`, or whose rule is a fixed value that
    /// is empty. Item fields are listed only when the map has an items section; without them
    /// every order with lines fails to import.
    pub missing: Vec<String>,
}

/// A map just saved, and the webhook's state after the save.
#[derive(Debug, Serialize, ToSchema)]
pub struct SavedMapOut {
    #[serde(flatten)]
    pub saved: MapOut,
    /// `active` once the map sets order source and number, `capturing` before and while the
    /// merchant has paused the webhook, and `disabled` when the webhook was disabled (saving a
    /// map never enables it).
    #[schema(value_type = String, example = "active")]
    pub webhook_state: WebhookState,
}

/// A saved version without its document, for listings.
#[derive(Debug, Serialize, ToSchema)]
pub struct MapVersionOut {
    pub version: i64,
    #[serde(with = "time::serde::rfc3339")]
    #[schema(value_type = String, format = DateTime)]
    pub created_at: OffsetDateTime,
}

/// Reads a store's current map: its newest saved version.
#[utoipa::path(get, path = "/api/v1/stores/{id}/map", tag = "maps", security(("api_key" = [])),
    params(("id" = i64, Path, description = "Store id")),
    responses((status = 200, body = MapOut),
              (status = 404, description = "No such store, or the store has no map yet",
               body = Problem)))]
pub async fn get_map(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<i64>,
) -> Result<Json<MapOut>, ApiError> {
    let store = load_store(&state, &caller, id).await?;
    let stored = maps::latest(state.db(), caller.account.id, store.id)
        .await?
        .ok_or_else(|| no_map_yet(store.id))?;
    Ok(Json(map_out(stored)?))
}

/// Saves a new version of a store's map. The body is the map document; unknown keys and
/// invalid rules are rejected, and the map needs at least one field. Once the map sets order
/// source and order number, a `capturing` webhook becomes `active`.
#[utoipa::path(put, path = "/api/v1/stores/{id}/map", tag = "maps", security(("api_key" = [])),
    params(("id" = i64, Path, description = "Store id")),
    request_body(content = Object, description = "The map document, such as a preset from \
                                                  `GET /api/v1/presets/{name}`"),
    responses((status = 200, body = SavedMapOut),
              (status = 400, description = "The body is not JSON", body = Problem),
              (status = 404, body = Problem),
              (status = 422, description = "The map is invalid; `detail` names each problem",
               body = Problem)))]
pub async fn put_map(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<i64>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<SavedMapOut>, ApiError> {
    let body = body.map_err(|rejection| bytes_rejection_error(&rejection, "the map document"))?;
    let store = load_store(&state, &caller, id).await?;
    let map = Map::from_json(&body).map_err(map_error)?;
    if let Some(path) = crate::http::json::nul_member(&body) {
        return Err(crate::http::json::nul_error(path));
    }
    // A field or value_map entry named twice would keep its last rule without a word.
    if let Some(path) = crate::http::json::duplicate_member(&body) {
        return Err(crate::http::json::duplicate_error(path));
    }
    let problems = map.fixed_value_problems();
    if !problems.is_empty() {
        return Err(map_error(MapError::Invalid(problems)));
    }

    let document = serde_json::to_string(&map).map_err(|error| ApiError::internal(&error))?;
    // Saving the newest version again adds no version, so that the history lists changes.
    let stored = match maps::latest(state.db(), caller.account.id, store.id).await? {
        Some(latest) if latest.document == document => {
            tracing::info!(store.id = id, map.version = latest.version, "map unchanged");
            latest
        }
        _ => {
            let saved = maps::save(state.db(), caller.account.id, store.id, &document).await?;
            tracing::info!(store.id = id, map.version = saved.version, "map saved");
            saved
        }
    };

    let webhook_state = activate_webhook(&state, &caller, store.id, &map).await?;
    Ok(Json(SavedMapOut {
        saved: map_out(stored)?,
        webhook_state,
    }))
}

/// Lists every saved version of a store's map, newest first.
#[utoipa::path(get, path = "/api/v1/stores/{id}/map/versions", tag = "maps",
    security(("api_key" = [])), params(("id" = i64, Path, description = "Store id")),
    responses((status = 200, body = [MapVersionOut]), (status = 404, body = Problem)))]
pub async fn list_map_versions(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<i64>,
) -> Result<Json<Vec<MapVersionOut>>, ApiError> {
    let store = load_store(&state, &caller, id).await?;
    let versions = maps::list_versions(state.db(), caller.account.id, store.id).await?;
    let listed = versions
        .into_iter()
        .map(|stored| MapVersionOut {
            version: stored.version,
            created_at: stored.created_at,
        })
        .collect();
    Ok(Json(listed))
}

/// Reads one saved version of a store's map.
#[utoipa::path(get, path = "/api/v1/stores/{id}/map/versions/{version}", tag = "maps",
    security(("api_key" = [])),
    params(("id" = i64, Path, description = "Store id"),
           ("version" = i64, Path, description = "Map version, from 1")),
    responses((status = 200, body = MapOut), (status = 404, body = Problem)))]
pub async fn get_map_version(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path((id, version)): Path<(i64, i64)>,
) -> Result<Json<MapOut>, ApiError> {
    let store = load_store(&state, &caller, id).await?;
    let stored = maps::get_version(state.db(), caller.account.id, store.id, version)
        .await?
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::NOT_FOUND,
                format!(
                    "map version {version} of store {id} not found: list the saved versions \
                     with GET /api/v1/stores/{id}/map/versions"
                ),
            )
        })?;
    Ok(Json(map_out(stored)?))
}

/// Sets a `capturing` webhook `active` when `map` sets order source and number, unless the
/// merchant paused it. Sets an `active` one back to `capturing` when the map does not, and
/// returns the webhook's state. Each
/// change is one conditional statement, so a webhook disabled while the map was saved stays
/// disabled.
async fn activate_webhook(
    state: &AppState,
    caller: &ApiCaller,
    store_id: StoreId,
    map: &Map,
) -> Result<WebhookState, ApiError> {
    let webhook = webhooks::get_for_store(state.db(), caller.account.id, store_id)
        .await?
        .ok_or_else(|| ApiError::not_found("store", store_id))?;
    if webhook.state == WebhookState::Active && !can_import(map) {
        // Imports with this map would fail every request; kept requests wait instead, and
        // import once a map that can import is saved.
        let current = webhooks::capture_if_active(state.db(), caller.account.id, store_id).await?;
        let (current, captured) = current.ok_or_else(|| ApiError::not_found("store", store_id))?;
        if captured {
            tracing::info!(
                store.id = store_id.get(),
                "webhook capturing: its new map does not set order source and number"
            );
        }
        return Ok(current);
    }
    if webhook.state != WebhookState::Capturing || !can_import(map) {
        return Ok(webhook.state);
    }
    if webhook.paused {
        tracing::info!(
            store.id = store_id.get(),
            "webhook stays capturing: the merchant paused it"
        );
        return Ok(webhook.state);
    }
    if !crate::api::stores::has_checks(state, &webhook)? {
        tracing::info!(
            store.id = store_id.get(),
            "webhook stays capturing: it has no security check yet"
        );
        return Ok(webhook.state);
    }

    // The update applies only while the webhook is still capturing with the security settings
    // checked above, so a concurrent disable or change of checks wins.
    let current =
        webhooks::activate_if_capturing(state.db(), caller.account.id, store_id, &webhook.security)
            .await?;
    let (current, activated) = current.ok_or_else(|| ApiError::not_found("store", store_id))?;
    if activated {
        tracing::info!(
            store.id = store_id.get(),
            "webhook active: its map sets order source and number"
        );
    }
    Ok(current)
}

/// Checks that `map` sets every order-level field an import cannot do without.
pub(crate) fn can_import(map: &Map) -> bool {
    IMPORT_FIELDS.iter().all(|key| map.sets(key))
}

fn map_out(stored: StoredMap) -> Result<MapOut, ApiError> {
    let map =
        Map::from_json(stored.document.as_bytes()).map_err(|error| ApiError::internal(&error))?;
    let document =
        serde_json::from_str(&stored.document).map_err(|error| ApiError::internal(&error))?;
    Ok(MapOut {
        store_id: stored.store_id.get(),
        version: stored.version,
        created_at: stored.created_at,
        map: document,
        can_import: can_import(&map),
        missing: missing_fields(&map),
    })
}

/// Lists the required fields `map` has no rule for, as field keys.
pub(crate) fn missing_fields(map: &Map) -> Vec<String> {
    map.missing_required()
        .into_iter()
        .map(|key| key.as_str().to_owned())
        .collect()
}

/// Reads a store of the caller's account; another account's store is not found.
pub(crate) async fn load_store(
    state: &AppState,
    caller: &ApiCaller,
    id: i64,
) -> Result<Store, ApiError> {
    stores::get(state.db(), caller.account.id, StoreId(id))
        .await?
        .ok_or_else(|| ApiError::not_found("store", id))
}

/// Reads the current map of a store, if it has one.
pub(crate) async fn current_map(
    state: &AppState,
    caller: &ApiCaller,
    store_id: StoreId,
) -> Result<Option<(i64, Map)>, ApiError> {
    let Some(stored) = maps::latest(state.db(), caller.account.id, store_id).await? else {
        return Ok(None);
    };
    let map =
        Map::from_json(stored.document.as_bytes()).map_err(|error| ApiError::internal(&error))?;
    Ok(Some((stored.version, map)))
}

/// Builds the 404 problem for a store that has no saved map.
pub(crate) fn no_map_yet(store_id: StoreId) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        format!(
            "store {store_id} has no map yet: save one with PUT /api/v1/stores/{store_id}/map, \
             starting from a preset (GET /api/v1/presets) or a suggestion (POST \
             /api/v1/stores/{store_id}/map/suggest)"
        ),
    )
}

/// Turns a rejected map document into a problem: 400 for JSON that does not parse, 422 for a
/// document that does not match the map format or has invalid rules.
pub(crate) fn map_error(error: MapError) -> ApiError {
    match error {
        MapError::Parse(error) if error.is_syntax() || error.is_eof() => ApiError::bad_request(
            format!("invalid JSON in the map document: {error}; send the map as a JSON object"),
        ),
        MapError::Parse(error) => ApiError::unprocessable(format!(
            "invalid map: {error}; fix the member it names, and compare with a complete map \
             from GET /api/v1/presets/shopify"
        )),
        MapError::Invalid(problems) => {
            // Each problem starts with the member it is about, such as `order.currency: `, so
            // the first one gives the `field` that other 422 responses carry.
            let field = problems
                .first()
                .and_then(|problem| problem.split_once(": "))
                .map(|(member, _)| member.to_owned())
                .filter(|member| !member.is_empty() && !member.contains(char::is_whitespace));
            let mut error =
                ApiError::unprocessable(format!("invalid map: {}", problems.join("; ")))
                    .with_extension("problems", problems.into());
            if let Some(field) = field {
                error = error.with_extension("field", field.into());
            }
            error
        }
    }
}
