//! The REST API under `/api/v1` and its OpenAPI document at `/api/openapi.json`.

pub mod account;

use axum::Router;
use axum::routing::get;
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
    paths(account::get_account),
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
    Router::new().route("/account", get(account::get_account))
}
