//! Ready maps for known channels: `/api/v1/presets`, `/presets/{name}`.

use axum::Json;
use axum::http::StatusCode;
use postsale_core::mapping::presets;
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use crate::http::problem::Problem;
use crate::http::{ApiCaller, ApiError, Path};

/// A preset as listed.
#[derive(Debug, Serialize, ToSchema)]
pub struct PresetOut {
    /// The name to read it with, such as `shopify`.
    #[schema(example = "shopify")]
    pub name: String,
    /// The sales channel it is made for, such as `Shopify`.
    pub channel: String,
    pub description: Option<String>,
}

/// Lists the ready maps for known sales channels.
#[utoipa::path(get, path = "/api/v1/presets", tag = "maps", security(("api_key" = [])),
    responses((status = 200, body = [PresetOut])))]
pub async fn list_presets(_caller: ApiCaller) -> Json<Vec<PresetOut>> {
    let listed = presets::all()
        .iter()
        .map(|preset| PresetOut {
            name: preset.id.to_owned(),
            channel: preset
                .map
                .name
                .clone()
                .unwrap_or_else(|| preset.id.to_owned()),
            description: preset.map.description.clone(),
        })
        .collect();
    Json(listed)
}

/// Reads the full map document of one preset, ready for `PUT /stores/{id}/map`.
#[utoipa::path(get, path = "/api/v1/presets/{name}", tag = "maps", security(("api_key" = [])),
    params(("name" = String, Path, description = "Preset name, such as `shopify`")),
    responses((status = 200, description = "The map document", body = Object),
              (status = 404, body = Problem)))]
pub async fn get_preset(
    _caller: ApiCaller,
    Path(name): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let Some(source) = presets::source(&name) else {
        let names: Vec<&str> = presets::all().iter().map(|preset| preset.id).collect();
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            format!("preset {name:?} not found: use one of {}", names.join(", ")),
        ));
    };
    let document = serde_json::from_str(source).map_err(|error| ApiError::internal(&error))?;
    Ok(Json(document))
}
