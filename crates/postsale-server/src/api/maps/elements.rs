//! Element discovery of a kept request: `/api/v1/requests/{id}/elements`, and reading a kept
//! request's body as JSON for previews and suggestions.

use std::str::FromStr;

use axum::Json;
use axum::extract::State;
use postsale_core::ingress::{decode_kept_body, parse_json_body, stored_content_encoding};
use postsale_core::mapping::{ApplyContext, Element, JsonKind, discover_elements, preview};
use postsale_core::{AccountId, RequestId};
use postsale_store::requests::{self, KeptRequest};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use super::current_map;
use crate::app::AppState;
use crate::http::problem::Problem;
use crate::http::{ApiCaller, ApiError, Path};

/// The elements of a request's JSON body.
#[derive(Debug, Serialize, ToSchema)]
pub struct ElementsOut {
    pub request_id: i64,
    pub store_id: i64,
    /// The version of the store's map that `mapped` refers to; `null` when it has no map.
    pub map_version: Option<i64>,
    /// Every element in document order, each array index collapsed to `[*]`.
    pub elements: Vec<ElementOut>,
    /// Whether a limit stopped discovery early on a large body, so that elements are missing.
    pub truncated: bool,
    /// One sentence per place where discovery stopped early.
    pub truncation_notes: Vec<String>,
}

/// One element of a body.
#[derive(Debug, Serialize, ToSchema)]
pub struct ElementOut {
    /// The RFC 9535 JSONPath, such as `$.line_items[*].sku`.
    pub path: String,
    /// `null`, `boolean`, `number`, `string`, `array` or `object`.
    #[serde(rename = "type")]
    #[schema(value_type = String, example = "string")]
    pub kind: JsonKind,
    /// The first non-null scalar at this path, as JSON: numbers keep their exact token, so
    /// ids above 2^53 are not rounded. Text longer than 200 characters is cut and ends in `…`.
    /// Absent for arrays, objects and elements that are always null.
    #[schema(value_type = Option<Object>)]
    pub example: Option<Value>,
    /// Whether the store's current map reads this element and it has a value here; `null` when
    /// the store has no map.
    pub mapped: Option<bool>,
}

/// Lists the elements of a kept request's JSON body, and which of them the store's current
/// map reads.
#[utoipa::path(get, path = "/api/v1/requests/{id}/elements", tag = "maps",
    security(("api_key" = [])), params(("id" = i64, Path, description = "Request id")),
    responses((status = 200, body = ElementsOut), (status = 404, body = Problem),
              (status = 422, description = "The request's body is not JSON", body = Problem)))]
pub async fn list_elements(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<i64>,
) -> Result<Json<ElementsOut>, ApiError> {
    let (request, body) = sample_body(&state, &caller, id).await?;
    let discovery = discover_elements(&body);
    let map = current_map(&state, &caller, request.store_id).await?;

    let used = map.as_ref().map(|(_, map)| {
        // The time zone changes no element the map reads, so the default context serves.
        preview(map, &body, &ApplyContext::default()).used_elements
    });
    let elements = discovery
        .elements
        .into_iter()
        .map(|element| {
            let mapped = used
                .as_ref()
                .map(|used| used.binary_search(&element.path).is_ok());
            element_out(element, mapped)
        })
        .collect();
    Ok(Json(ElementsOut {
        request_id: request.id.get(),
        store_id: request.store_id.get(),
        map_version: map.map(|(version, _)| version),
        elements,
        truncated: !discovery.truncated.is_empty(),
        truncation_notes: discovery.truncated,
    }))
}

fn element_out(element: Element, mapped: Option<bool>) -> ElementOut {
    let example = element.example.map(|text| match element.kind {
        JsonKind::Number => {
            serde_json::Number::from_str(&text).map_or(Value::String(text), Value::Number)
        }
        JsonKind::Boolean => Value::Bool(text == "true"),
        _ => Value::String(text),
    });
    ElementOut {
        path: element.path,
        kind: element.kind,
        example,
        mapped,
    }
}

/// Reads a kept request of the caller's account and parses its body as JSON, after undoing
/// the `Content-Encoding` it was sent with.
pub(crate) async fn sample_body(
    state: &AppState,
    caller: &ApiCaller,
    id: i64,
) -> Result<(KeptRequest, Value), ApiError> {
    read_json_body(state, caller.account.id, id).await
}

/// Reads a kept request of `account` and parses its body as JSON, after undoing the
/// `Content-Encoding` it was sent with. Another account's request is not found.
pub(crate) async fn read_json_body(
    state: &AppState,
    account: AccountId,
    id: i64,
) -> Result<(KeptRequest, Value), ApiError> {
    let request_id = RequestId(id);
    let request = requests::get(state.db(), account, request_id)
        .await?
        .ok_or_else(|| ApiError::not_found("request", id))?;
    if request.body_kind != "json" {
        return Err(ApiError::unprocessable(format!(
            "request {id} has a body of kind {}, not JSON: choose a request whose body_kind is \
             json, or send a JSON order to the webhook URL",
            request.body_kind
        )));
    }
    let raw = requests::body(state.db(), account, request_id)
        .await?
        .unwrap_or_default();

    let encoding = stored_content_encoding(&request.headers);
    let decoded = decode_kept_body(encoding.as_deref(), &raw).map_err(|error| {
        ApiError::unprocessable(format!(
            "the body of request {id} cannot be decoded: {error}"
        ))
    })?;
    let body = parse_json_body(&decoded).map_err(|error| {
        ApiError::unprocessable(format!(
            "the body of request {id} is not valid JSON: {error}; choose another request"
        ))
    })?;
    Ok((request, body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn big_number_example_keeps_its_token() {
        let element = Element {
            path: "$.id".into(),
            kind: JsonKind::Number,
            example: Some("820982911946154508".into()),
        };
        let example = element_out(element, None).example.unwrap();
        assert_eq!(example.to_string(), "820982911946154508");
    }
}
