//! The REST API under `/api/v1` and its OpenAPI document at `/api/openapi.json`.

pub mod account;
pub mod requests;
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
                       needs `Authorization: Bearer <api key>`; errors are RFC 9457 problem \
                       details."
    ),
    paths(
        account::get_account,
        stores::create_store,
        stores::list_stores,
        stores::get_store,
        stores::update_store,
        stores::delete_store,
        stores::get_webhook,
        stores::update_webhook,
        stores::regenerate_url,
        requests::list_requests,
        requests::get_request,
        requests::get_request_body,
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
        .route("/stores/{id}/requests", get(requests::list_requests))
        .route("/requests/{id}", get(requests::get_request))
        .route("/requests/{id}/body", get(requests::get_request_body))
}
