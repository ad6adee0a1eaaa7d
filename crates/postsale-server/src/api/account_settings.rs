//! The account's shipment defaults: `GET` and `PUT /api/v1/account/ship-from`.

use axum::Json;
use axum::extract::State;
use postsale_store::accounts;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use crate::api::address::validated_address;
use crate::app::AppState;
use crate::http::problem::Problem;
use crate::http::{ApiCaller, ApiError, JsonBody};

/// The account's default Ship From address. New shipments use it unless their store is set to
/// ship from the store address.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ShipFrom {
    /// An address object with name, company, street1 to street3, city, state, postal_code,
    /// country, phone and email; `null` when none is set. Sending `null` clears it.
    #[schema(value_type = Option<Object>)]
    pub address: Option<Value>,
}

/// A new default Ship From address: `{"address": {...}}`, or `{"address": null}` to clear it.
/// `address` is required, so that an empty body sent by mistake does not clear the address.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ShipFromIn {
    /// An address object with name, company, street1 to street3, city, state, postal_code,
    /// country, phone and email, or `null` to clear it.
    #[serde(default, deserialize_with = "crate::api::stores::double_option")]
    #[schema(value_type = Option<Object>, required = true)]
    pub address: Option<Option<Value>>,
}

/// Reads the account's default Ship From address.
#[utoipa::path(get, path = "/api/v1/account/ship-from", tag = "account",
    security(("api_key" = [])), responses((status = 200, body = ShipFrom)))]
pub async fn get_ship_from(
    State(state): State<AppState>,
    caller: ApiCaller,
) -> Result<Json<ShipFrom>, ApiError> {
    let stored = accounts::ship_from_address(state.db(), caller.account.id).await?;
    Ok(Json(ShipFrom {
        address: parse_stored(stored)?,
    }))
}

/// Sets or clears the account's default Ship From address. The country becomes its ISO 3166-1
/// alpha-2 code and a US, CA, AU or MX state its code.
#[utoipa::path(put, path = "/api/v1/account/ship-from", tag = "account",
    security(("api_key" = [])), request_body = ShipFromIn,
    responses((status = 200, body = ShipFrom),
              (status = 422, description = "A member is invalid; `detail` names it", body = Problem)))]
pub async fn put_ship_from(
    State(state): State<AppState>,
    caller: ApiCaller,
    JsonBody(input): JsonBody<ShipFromIn>,
) -> Result<Json<ShipFrom>, ApiError> {
    let Some(address) = input.address else {
        return Err(ApiError::unprocessable(
            "missing member address: send {\"address\": {...}} to set the Ship From address, \
             or {\"address\": null} to clear it",
        )
        .with_extension("field", "address".into()));
    };
    let address = address.as_ref().map(validated_address).transpose()?;

    let account = caller.account.id;
    if !accounts::set_ship_from_address(state.db(), account, address.as_deref()).await? {
        return Err(ApiError::not_found("account", account));
    }
    tracing::info!(
        account.id = account.get(),
        cleared = address.is_none(),
        "default ship-from address saved"
    );
    Ok(Json(ShipFrom {
        address: parse_stored(address)?,
    }))
}

fn parse_stored(stored: Option<String>) -> Result<Option<Value>, ApiError> {
    stored
        .as_deref()
        .map(serde_json::from_str)
        .transpose()
        .map_err(|error| ApiError::internal(&error))
}
