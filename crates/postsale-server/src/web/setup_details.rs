//! Step 3 of the setup wizard, `/settings/stores/{id}/setup/details`: automation, store
//! name, logo and store address. Finish saves them and returns to Store Settings, where the
//! new store is listed.
//!
//! Element ids: `#wizard-steps`, the details fields of `store_form` (`#status-on-import`,
//! `#set-shipped`, `#set-voided`, `#store-name`, `#logo`, `#address-*`,
//! `#ship-from-store-address`), `#back-to-map` (link to step 2), `#finish` (submit button),
//! `#form-errors` when a field needs a change.

use axum::Router;
use axum::extract::{DefaultBodyLimit, Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use maud::{Markup, html};
use postsale_store::stores::Store;

use crate::app::AppState;
use crate::web::error::WebError;
use crate::web::form::{FieldErrors, error_summary};
use crate::web::layout::{Nav, page_with_status};
use crate::web::session::SignedIn;
use crate::web::store_form::{self, DetailsView};
use crate::web::stores::load_store;
use crate::web::{PathIds, csrf};

/// The route of step 3.
pub fn routes() -> Router<AppState> {
    Router::new().route(
        "/settings/stores/{id}/setup/details",
        get(show)
            .post(finish)
            .layer(DefaultBodyLimit::max(store_form::body_limit())),
    )
}

async fn show(
    State(state): State<AppState>,
    signed_in: SignedIn,
    PathIds(id): PathIds<i64>,
) -> Result<Response, WebError> {
    let store = load_store(&state, &signed_in, id).await?;
    let view = DetailsView::from_store(&store);
    Ok(render(
        &signed_in,
        &store,
        &view,
        &FieldErrors::default(),
        StatusCode::OK,
    ))
}

async fn finish(
    State(state): State<AppState>,
    signed_in: SignedIn,
    PathIds(id): PathIds<i64>,
    multipart: Multipart,
) -> Result<Response, WebError> {
    let submission = store_form::read(multipart).await?;
    csrf::verify(&signed_in, &submission.csrf_token)?;
    let store = load_store(&state, &signed_in, id).await?;
    match store_form::validate(&submission).await {
        Ok(details) => {
            let saved = store_form::save(&state, signed_in.account.id, store.id, details).await?;
            tracing::info!(store.id = saved.id.get(), "store setup finished");
            let target = format!("/settings/stores?added={}", saved.id);
            Ok(Redirect::to(&target).into_response())
        }
        Err(errors) => {
            let view = submission.view(&store);
            Ok(render(
                &signed_in,
                &store,
                &view,
                &errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            ))
        }
    }
}

fn render(
    signed_in: &SignedIn,
    store: &Store,
    view: &DetailsView,
    errors: &FieldErrors,
    status: StatusCode,
) -> Response {
    let id = store.id;
    let body = html! {
        p { a href="/settings/stores" { "Store Settings" } }
        h1 { "Add a webhook: automation, name, logo, address" }
        (wizard_steps(id.get(), 3))
        (error_summary(errors))
        form #store-details-form.stacked method="post"
            action={ "/settings/stores/" (id) "/setup/details" } enctype="multipart/form-data" {
            (csrf::hidden_field(signed_in))
            (store_form::fields(view, errors))
            div.actions {
                a #back-to-map.button href={ "/settings/stores/" (id) "/setup/map" } { "Back" }
                button #finish.primary type="submit" { "Finish" }
            }
        }
    };
    page_with_status(
        status,
        "Add a webhook: step 3",
        signed_in,
        Nav::Stores,
        &[],
        body,
    )
}

/// Renders the wizard's step list with `current` (1 to 3) marked; earlier steps link back.
pub fn wizard_steps(store_id: i64, current: u8) -> Markup {
    let steps = [
        (1, "Send a test webhook", "security"),
        (2, "Map the request", "map"),
        (3, "Automation, name, logo, address", "details"),
    ];
    html! {
        nav aria-label="Setup steps" {
            ol #wizard-steps.tabs {
                @for (number, label, path) in steps {
                    li {
                        @if number == current {
                            a aria-current="step" href={ "/settings/stores/" (store_id) "/setup/" (path) } {
                                (number) ". " (label)
                            }
                        } @else {
                            a href={ "/settings/stores/" (store_id) "/setup/" (path) } {
                                (number) ". " (label)
                            }
                        }
                    }
                }
            }
        }
    }
}
