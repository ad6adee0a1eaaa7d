//! The REST API under `/api/v1` and its OpenAPI document at `/api/openapi.json`.

pub mod account;
pub mod account_settings;
pub mod address;
pub mod documents;
pub mod logo;
pub mod maps;
pub mod orders;
pub mod requests;
pub mod shipments;
pub mod stores;

use axum::Router;
use axum::routing::{get, post};
use utoipa::OpenApi;

use crate::app::AppState;
use crate::http::problem::Problem;

/// The OpenAPI document, generated from the handlers' annotations.
#[derive(Debug, OpenApi)]
#[openapi(
    info(
        title = "postsale",
        description = "Import orders from online sales channels through webhooks. Every call \
                       needs `Authorization: Bearer <api key>`, or the web UI's session cookie \
                       with `X-CSRF-Token` on every method but GET and HEAD; errors are RFC \
                       9457 problem details."
    ),
    paths(
        account::get_account,
        account_settings::get_ship_from,
        account_settings::put_ship_from,
        stores::create_store,
        stores::list_stores,
        stores::get_store,
        stores::update_store,
        stores::delete_store,
        stores::get_webhook,
        stores::update_webhook,
        stores::regenerate_url,
        logo::put_logo,
        logo::get_logo,
        logo::delete_logo,
        requests::list_requests,
        requests::get_request,
        requests::get_request_body,
        orders::list_orders,
        orders::get_order,
        orders::set_order_status,
        orders::replay_request,
        orders::replay_store,
        documents::get_invoice,
        documents::get_packing_slip,
        shipments::create_shipment,
        shipments::list_shipments,
        shipments::void_shipment,
        maps::elements::list_elements,
        maps::get_map,
        maps::put_map,
        maps::list_map_versions,
        maps::get_map_version,
        maps::preview::preview_map,
        maps::preview::suggest,
        maps::presets::list_presets,
        maps::presets::get_preset,
    ),
    components(schemas(Problem, account::AccountOut)),
    modifiers(&BearerAuth)
)]
pub struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "api_key",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// Renders the OpenAPI document as pretty-printed JSON.
pub fn openapi_json() -> String {
    ApiDoc::openapi()
        .to_pretty_json()
        .expect("the OpenAPI document serialises")
}

/// The routes under `/api/v1`.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/account", get(account::get_account))
        .route(
            "/account/ship-from",
            get(account_settings::get_ship_from).put(account_settings::put_ship_from),
        )
        .route(
            "/stores",
            get(stores::list_stores).post(stores::create_store),
        )
        .route(
            "/stores/{id}",
            get(stores::get_store)
                .patch(stores::update_store)
                .delete(stores::delete_store),
        )
        .route(
            "/stores/{id}/webhook",
            get(stores::get_webhook).patch(stores::update_webhook),
        )
        .route(
            "/stores/{id}/webhook/regenerate-url",
            post(stores::regenerate_url),
        )
        .route("/stores/{id}/logo", logo::routes())
        .route("/stores/{id}/requests", get(requests::list_requests))
        .route("/requests/{id}", get(requests::get_request))
        .route("/requests/{id}/body", get(requests::get_request_body))
        .route("/requests/{id}/replay", post(orders::replay_request))
        .route("/stores/{id}/replay", post(orders::replay_store))
        .route("/orders", get(orders::list_orders))
        .route("/orders/{id}", get(orders::get_order))
        .route("/orders/{id}/invoice", get(documents::get_invoice))
        .route(
            "/orders/{id}/packing-slip",
            get(documents::get_packing_slip),
        )
        .route(
            "/orders/{id}/shipments",
            get(shipments::list_shipments).post(shipments::create_shipment),
        )
        .route("/shipments/{id}/void", post(shipments::void_shipment))
        .route(
            "/orders/{id}/status",
            axum::routing::put(orders::set_order_status),
        )
        .route(
            "/requests/{id}/elements",
            get(maps::elements::list_elements),
        )
        .route("/stores/{id}/map", get(maps::get_map).put(maps::put_map))
        .route("/stores/{id}/map/versions", get(maps::list_map_versions))
        .route(
            "/stores/{id}/map/versions/{version}",
            get(maps::get_map_version),
        )
        .route("/stores/{id}/map/preview", post(maps::preview::preview_map))
        .route("/stores/{id}/map/suggest", post(maps::preview::suggest))
        .route("/presets", get(maps::presets::list_presets))
        .route("/presets/{name}", get(maps::presets::get_preset))
}
