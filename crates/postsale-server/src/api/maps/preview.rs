//! The mapping screen's preview and suggestions: `/api/v1/stores/{id}/map/preview` and
//! `/stores/{id}/map/suggest`.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use postsale_core::mapping::presets::{self, PresetMatch};
use postsale_core::mapping::{
    ApplyContext, ErrorCode, FieldError, FieldWarning, Map, Preview, suggest_map,
};
use postsale_store::stores::Store;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use super::elements::sample_body;
use super::{current_map, load_store, map_error, missing_fields};
use crate::app::AppState;
use crate::http::problem::Problem;
use crate::http::{ApiCaller, ApiError, Path, SampleJson};
use crate::worker::delivery::parse_headers;

/// A preview request: a map (default: the store's current map) and the sample to apply it to,
/// a kept request or a body given here. Give exactly one of `request_id` and `body`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PreviewIn {
    /// A map document; absent to preview the store's current map.
    #[schema(value_type = Option<Object>)]
    pub map: Option<Value>,
    /// A request kept for this store whose body is JSON.
    pub request_id: Option<i64>,
    /// A request body as the channel sends it.
    #[schema(value_type = Option<Object>)]
    pub body: Option<Value>,
    /// Headers sent with `body`, by name, for rules with a `header` source such as the Shopify
    /// preset's `X-Shopify-Shop-Domain`. A kept request's own headers are used with
    /// `request_id`.
    pub headers: Option<std::collections::BTreeMap<String, String>>,
}

/// The order a sample would become, with every error and warning.
#[derive(Debug, Serialize, ToSchema)]
pub struct PreviewOut {
    /// The version of the store's map that was applied; absent when the map came in the call.
    pub map_version: Option<i64>,
    /// The normalised order as far as the map fills it; absent for a thin payload.
    #[schema(value_type = Option<Object>)]
    pub order: Option<Value>,
    /// Whether the order would import: no error, and not a thin payload.
    pub importable: bool,
    pub errors: Vec<FieldErrorOut>,
    pub warnings: Vec<FieldWarningOut>,
    /// Whether the map's test flag marks the request as a test the channel sent.
    pub test: bool,
    /// Set when the request carries only an order id, so the order must be fetched.
    pub thin_payload: Option<ThinPayloadOut>,
    /// Whether the request does not look like an order: no order number and no lines.
    pub not_an_order: bool,
    /// Elements the map reads that have a value in this sample.
    pub used_elements: Vec<String>,
    /// Scalar elements of the sample the map does not read.
    pub unused_elements: Vec<String>,
    /// Sentences naming where element discovery stopped early on a large body.
    pub truncated: Vec<String>,
    /// Required fields the map has no rule for.
    pub missing: Vec<String>,
}

/// One problem of one field.
#[derive(Debug, Serialize, ToSchema)]
pub struct FieldErrorOut {
    /// The field key, such as `items.quantity`.
    pub field: String,
    /// The position of the entry in the items array, from 0, for item fields.
    pub line: Option<usize>,
    /// The element or rule the value came from, such as `$.line_items[*].quantity`.
    pub element: Option<String>,
    /// The offending value as sent; absent when there was none.
    pub value: Option<String>,
    /// `missing`, `placeholder`, `invalid`, `negative`, `not_whole`, `unknown_code` or
    /// `unknown_country`.
    #[schema(value_type = String, example = "missing")]
    pub code: ErrorCode,
    /// The problem, in a sentence.
    pub message: String,
    /// The next step that fixes it, in a sentence.
    pub fix: String,
}

/// A remark about a value that imports but may need attention.
#[derive(Debug, Serialize, ToSchema)]
pub struct FieldWarningOut {
    pub field: String,
    pub line: Option<usize>,
    pub element: Option<String>,
    pub value: Option<String>,
    pub message: String,
}

/// The order id of a thin payload.
#[derive(Debug, Serialize, ToSchema)]
pub struct ThinPayloadOut {
    pub id: String,
    /// The element the id came from, such as `$.data.id`.
    pub element: String,
    /// The event the channel named, such as `store/order/created`.
    pub event: Option<String>,
}

/// The sample to suggest a map for. Give exactly one of `request_id` and `body`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SuggestIn {
    /// A request kept for this store whose body is JSON.
    pub request_id: Option<i64>,
    /// A request body as the channel sends it.
    #[schema(value_type = Option<Object>)]
    pub body: Option<Value>,
}

/// A proposed map: the preset that fits the sample, or one built from its element names.
#[derive(Debug, Serialize, ToSchema)]
pub struct SuggestOut {
    /// `preset` when a preset fits the sample, `suggested` otherwise.
    #[schema(example = "preset")]
    pub kind: String,
    /// The preset's name, such as `shopify`.
    pub preset: Option<String>,
    /// For a preset, the share of its element rules that find a value in the sample, 0 to 1.
    pub score: Option<f32>,
    /// Whether the sample is a thin payload that the preset recognises.
    pub thin_payload: bool,
    /// The proposed map document, ready for `PUT /stores/{id}/map`.
    #[schema(value_type = Object)]
    pub map: Value,
    /// Every field the proposal fills.
    pub fields: Vec<SuggestedFieldOut>,
    /// Required fields the proposal has no rule for.
    pub missing: Vec<String>,
}

/// One field a proposal fills.
#[derive(Debug, Serialize, ToSchema)]
pub struct SuggestedFieldOut {
    pub field: String,
    /// The rule's source, such as `$.order_number` or `fixed value "webhook"`.
    pub source: String,
    /// From 0 to 1, how sure the suggestion is; absent for a preset's fields.
    pub confidence: Option<f32>,
}

/// Applies a map to a sample and returns the order it would become, with every error next to
/// its field. Nothing is saved.
#[utoipa::path(post, path = "/api/v1/stores/{id}/map/preview", tag = "maps",
    security(("api_key" = [])), params(("id" = i64, Path, description = "Store id")),
    request_body = PreviewIn,
    responses((status = 200, body = PreviewOut), (status = 404, body = Problem),
              (status = 422, description = "The map, the sample or the store's time zone is \
                                             invalid; `detail` names it", body = Problem)))]
pub async fn preview_map(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<i64>,
    SampleJson(input): SampleJson<PreviewIn>,
) -> Result<Json<PreviewOut>, ApiError> {
    let store = load_store(&state, &caller, id).await?;
    if input.headers.is_some() && input.request_id.is_some() {
        return Err(ApiError::unprocessable(
            "headers are set with request_id: a kept request's own headers are used, so send \
             headers only with body",
        ));
    }
    let (body, kept_headers) =
        sample(&state, &caller, &store, input.request_id, input.body).await?;
    let headers = match input.headers {
        Some(given) => given.into_iter().collect(),
        None => kept_headers,
    };
    let (map_version, map) = match input.map {
        Some(document) => (None, Map::from_value(document).map_err(map_error)?),
        None => {
            let (version, map) = current_map(&state, &caller, store.id)
                .await?
                .ok_or_else(|| no_map_to_preview(&store))?;
            (Some(version), map)
        }
    };

    let context = store_context(&store)?.with_headers(headers);
    let preview = postsale_core::mapping::preview(&map, &body, &context);
    let mut response = preview_out(preview, map_version, &map)?;
    // The import fails such an order before mapping it, so the preview reports it as well.
    if let Some((message, fix)) = crate::worker::too_many_lines(&map, &body) {
        response.importable = false;
        response.errors.insert(
            0,
            FieldErrorOut {
                field: "items".to_owned(),
                line: None,
                element: map.items.as_ref().map(|items| items.path.to_string()),
                value: None,
                code: ErrorCode::Invalid,
                message,
                fix,
            },
        );
    }
    Ok(response)
}

/// Proposes a map for a sample: the preset that fits best, or one built from the element names
/// and value shapes with a confidence for each field. Nothing is saved.
#[utoipa::path(post, path = "/api/v1/stores/{id}/map/suggest", tag = "maps",
    security(("api_key" = [])), params(("id" = i64, Path, description = "Store id")),
    request_body = SuggestIn,
    responses((status = 200, body = SuggestOut), (status = 404, body = Problem),
              (status = 422, description = "The sample is invalid; `detail` names it",
               body = Problem)))]
pub async fn suggest(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<i64>,
    SampleJson(input): SampleJson<SuggestIn>,
) -> Result<Json<SuggestOut>, ApiError> {
    let store = load_store(&state, &caller, id).await?;
    let (body, _) = sample(&state, &caller, &store, input.request_id, input.body).await?;

    let suggestion = match presets::best_match(&body) {
        Some(found) => preset_suggestion(found)?,
        None => proposal(&body)?,
    };
    Ok(Json(suggestion))
}

fn preset_suggestion(found: PresetMatch) -> Result<SuggestOut, ApiError> {
    let preset = presets::get(found.id).expect("a matched preset exists");
    let map = &preset.map;
    let item_rules = map.items.iter().flat_map(|items| &items.fields);
    let fields = map
        .fields
        .iter()
        .chain(item_rules)
        .map(|(key, rule)| SuggestedFieldOut {
            field: key.as_str().to_owned(),
            source: rule.describe(),
            confidence: None,
        })
        .collect();
    Ok(SuggestOut {
        kind: "preset".into(),
        preset: Some(found.id.to_owned()),
        score: Some(found.score),
        thin_payload: found.thin_payload,
        map: serde_json::to_value(map).map_err(|error| ApiError::internal(&error))?,
        fields,
        missing: missing_fields(map),
    })
}

fn proposal(body: &Value) -> Result<SuggestOut, ApiError> {
    let suggestion = suggest_map(body);
    let fields = suggestion
        .fields
        .into_iter()
        .map(|field| SuggestedFieldOut {
            field: field.field.as_str().to_owned(),
            source: field.source,
            confidence: Some(field.confidence),
        })
        .collect();
    Ok(SuggestOut {
        kind: "suggested".into(),
        preset: None,
        score: None,
        thin_payload: false,
        map: serde_json::to_value(&suggestion.map).map_err(|error| ApiError::internal(&error))?,
        fields,
        missing: missing_fields(&suggestion.map),
    })
}

/// Reads the sample of a preview or suggestion: the body of a request kept for this store, or
/// a body in the call, with the kept request's headers. A request of another store is not
/// found, so that a store's preview only ever shows its own requests.
async fn sample(
    state: &AppState,
    caller: &ApiCaller,
    store: &Store,
    request_id: Option<i64>,
    body: Option<Value>,
) -> Result<(Value, Vec<(String, String)>), ApiError> {
    match (request_id, body) {
        (Some(id), None) => {
            let (request, body) = sample_body(state, caller, id).await?;
            if request.store_id != store.id {
                return Err(ApiError::new(
                    StatusCode::NOT_FOUND,
                    format!(
                        "request {id} not found in store {}: choose a request from GET \
                         /api/v1/stores/{}/requests",
                        store.id, store.id
                    ),
                ));
            }
            Ok((body, parse_headers(&request.headers)))
        }
        (None, Some(body)) => Ok((body, Vec::new())),
        (Some(_), Some(_)) => Err(ApiError::unprocessable(
            "both request_id and body are set: give only one of them as the sample",
        )),
        (None, None) => Err(ApiError::unprocessable(
            "missing sample: give request_id (a kept request with a JSON body) or body (a \
             request body as the channel sends it)",
        )),
    }
}

fn store_context(store: &Store) -> Result<ApplyContext, ApiError> {
    ApplyContext::with_time_zone(&store.time_zone).map_err(|error| {
        ApiError::unprocessable(format!(
            "store {} has time zone {:?}, which cannot be read: {error}; set a valid time_zone \
             with PATCH /api/v1/stores/{}",
            store.id, store.time_zone, store.id
        ))
    })
}

fn no_map_to_preview(store: &Store) -> ApiError {
    ApiError::unprocessable(format!(
        "store {} has no map yet: send a map document in \"map\", or save one with PUT \
         /api/v1/stores/{}/map",
        store.id, store.id
    ))
}

fn preview_out(
    preview: Preview,
    map_version: Option<i64>,
    map: &Map,
) -> Result<Json<PreviewOut>, ApiError> {
    let order = preview
        .order
        .map(serde_json::to_value)
        .transpose()
        .map_err(|error| ApiError::internal(&error))?;
    Ok(Json(PreviewOut {
        map_version,
        order,
        importable: preview.importable,
        errors: preview.errors.into_iter().map(error_out).collect(),
        warnings: preview.warnings.into_iter().map(warning_out).collect(),
        test: preview.test,
        thin_payload: preview.thin_payload.map(|thin| ThinPayloadOut {
            id: thin.id,
            element: thin.id_path,
            event: thin.event,
        }),
        not_an_order: preview.not_an_order,
        used_elements: preview.used_elements,
        unused_elements: preview.unused_elements,
        truncated: preview.truncated,
        missing: missing_fields(map),
    }))
}

fn error_out(error: FieldError) -> FieldErrorOut {
    FieldErrorOut {
        field: error.field,
        line: error.line,
        element: error.path,
        value: error.value,
        code: error.code,
        message: error.message,
        fix: error.fix,
    }
}

fn warning_out(warning: FieldWarning) -> FieldWarningOut {
    FieldWarningOut {
        field: warning.field,
        line: warning.line,
        element: warning.path,
        value: warning.value,
        message: warning.message,
    }
}
