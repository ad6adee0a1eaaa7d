//! Settings > Store Settings: the list of stores, "Add webhook", and a store's edit page with
//! its details, the webhook URL (regenerate with a grace period), disable and enable, and
//! delete after a confirmation that names the store.
//!
//! Element ids, list (`/settings/stores`): `#add-webhook` (button), `#stores-table`, one row
//! `#store-<id>` per store with `a.store-name`, `.webhook-state` and `.last-request`,
//! `#stores-notice`, `#stores-error`.
//! Edit page (`/settings/stores/<id>`): `#webhook-url`, `#copy-webhook-url`,
//! `#webhook-state`, `#previous-url`, `#link-security`, `#link-map`, `#link-requests`, the
//! details fields of `store_form`, `#save-store`, `#grace-hours`, `#regenerate-url`,
//! `#disable-webhook` or `#enable-webhook`, `#delete-store` (link to the confirmation),
//! `#store-notice`. Confirmation (`/settings/stores/<id>/delete`): `#confirm-delete`,
//! `#cancel-delete`.

use std::collections::HashMap;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use maud::{Markup, html};
use postsale_core::mapping::Map;
use postsale_core::verify::SecurityConfig;
use postsale_core::{StoreId, WebhookState};
use postsale_store::stores::{self, Automation, NewStore, Store};
use postsale_store::webhooks::{self, NewWebhook, Webhook, WebhookPatch};
use postsale_store::{maps, requests};
use serde::Deserialize;
use time::OffsetDateTime;

use crate::app::AppState;
use crate::web::error::{Query, WebError};
use crate::web::form::{FieldErrors, Form};
use crate::web::layout::{Nav, page, page_with_status, time_element, webhook_state_label};
use crate::web::session::SignedIn;
use crate::web::sign_in::TokenForm;
use crate::web::store_form::{self, DetailsView};
use crate::web::{PathIds, csrf};

/// The grace periods the regenerate form offers, in hours, with their labels.
const GRACE_CHOICES: [(u32, &str); 6] = [
    (0, "No grace period: the old URL stops at once"),
    (1, "1 hour"),
    (24, "24 hours"),
    (72, "3 days"),
    (168, "7 days"),
    (720, "30 days"),
];

/// Builds the routes of Store Settings.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/settings/stores", get(list).post(add_webhook))
        .route(
            "/settings/stores/{id}",
            get(edit)
                .post(save_details)
                .layer(DefaultBodyLimit::max(store_form::body_limit())),
        )
        .route("/settings/stores/{id}/regenerate-url", post(regenerate_url))
        .route("/settings/stores/{id}/state", post(set_state))
        .route(
            "/settings/stores/{id}/delete",
            get(confirm_delete).post(delete),
        )
}

/// Notices of the list page, chosen by query parameters that carry ids only.
#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    /// The store that step 3 of the wizard just finished.
    added: Option<i64>,
    /// Present after a delete. The store's name is gone by then, so the notice names none.
    deleted: Option<String>,
}

/// Notices of the edit page.
#[derive(Debug, Default, Deserialize)]
pub struct EditQuery {
    saved: Option<String>,
    regenerated: Option<String>,
    state: Option<String>,
}

/// The enable or disable form.
#[derive(Debug, Deserialize)]
pub struct StateForm {
    #[serde(default)]
    csrf_token: String,
    /// `disabled` or `enabled`.
    #[serde(default)]
    state: String,
}

/// The regenerate form.
#[derive(Debug, Deserialize)]
pub struct RegenerateForm {
    #[serde(default)]
    csrf_token: String,
    #[serde(default)]
    grace_hours: String,
}

async fn list(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Query(query): Query<ListQuery>,
) -> Result<Response, WebError> {
    let mut notice = None;
    if let Some(added) = query.added
        && let Some(store) = stores::get(state.db(), signed_in.account.id, StoreId(added)).await?
    {
        notice = Some(format!(
            "The store \u{201c}{}\u{201d} was added.",
            store.name
        ));
    }
    if query.deleted.is_some() {
        notice = Some("The store was deleted.".to_owned());
    }
    render_list(&state, &signed_in, StatusCode::OK, notice, None).await
}

async fn render_list(
    state: &AppState,
    signed_in: &SignedIn,
    status: StatusCode,
    notice: Option<String>,
    error: Option<String>,
) -> Result<Response, WebError> {
    let account = signed_in.account.id;
    let stores = stores::list(state.db(), account).await?;
    let last_requests: HashMap<StoreId, OffsetDateTime> =
        requests::last_received_by_store(state.db(), account)
            .await?
            .into_iter()
            .collect();
    let mut rows = Vec::with_capacity(stores.len());
    for store in stores {
        let webhook = webhooks::get_for_store(state.db(), account, store.id).await?;
        let last = last_requests.get(&store.id).copied();
        rows.push((store, webhook, last));
    }

    let body = html! {
        h1 { "Store Settings" }
        @if let Some(notice) = &notice { p.notice #stores-notice role="status" { (notice) } }
        @if let Some(error) = &error { p.form-error #stores-error role="alert" { (error) } }
        div.actions {
            form method="post" action="/settings/stores" {
                (csrf::hidden_field(signed_in))
                button #add-webhook.primary type="submit" { "Add webhook" }
            }
        }
        @if rows.is_empty() {
            p.empty #no-stores {
                "No stores yet. Add a webhook to connect a sales channel that posts its orders \
                 as JSON."
            }
        } @else {
            div.table-wrap {
                table #stores-table {
                    caption.hint { "Each store is one webhook connection." }
                    thead { tr {
                        th scope="col" { "Logo" }
                        th scope="col" { "Name" }
                        th scope="col" { "Webhook" }
                        th scope="col" { "Last request" }
                        th scope="col" { "Actions" }
                    } }
                    tbody {
                        @for (store, webhook, last) in &rows {
                            (store_row(store, webhook.as_ref(), *last))
                        }
                    }
                }
            }
        }
    };
    Ok(page_with_status(
        status,
        "Store Settings",
        signed_in,
        Nav::Stores,
        &[],
        body,
    ))
}

fn store_row(store: &Store, webhook: Option<&Webhook>, last: Option<OffsetDateTime>) -> Markup {
    let id = store.id;
    html! {
        tr id={ "store-" (id) } {
            td {
                @match store_form::logo_url(store) {
                    Some(url) => img.logo-thumb src=(url) alt={ "Logo of " (store.name) };,
                    None => span.no-logo title="No logo" {},
                }
            }
            td { a.store-name href={ "/settings/stores/" (id) } { (store.name) } }
            td.webhook-state {
                @if let Some(webhook) = webhook {
                    span class={ "badge " (webhook.state.as_str()) } { (webhook_state_label(webhook.state, webhook.paused)) }
                }
            }
            td.last-request {
                @match last {
                    Some(instant) => (time_element(instant)),
                    None => "No request yet",
                }
            }
            td {
                a href={ "/settings/stores/" (id) } { "Edit" }
                " · "
                a href={ "/settings/stores/" (id) "/requests" } { "Request log" }
                @if webhook.is_some_and(|webhook| webhook.state == WebhookState::Capturing && !webhook.paused) {
                    " · "
                    a href={ "/settings/stores/" (id) "/setup/security" } { "Continue setup" }
                }
            }
        }
    }
}

/// Creates a store whose webhook captures requests, then opens step 1 of the wizard.
async fn add_webhook(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Form(form): Form<TokenForm>,
) -> Result<Response, WebError> {
    csrf::verify(&signed_in, &form.csrf_token)?;
    let account = &signed_in.account;
    if !account.plan.allows_webhooks() {
        let error = format!(
            "Webhooks need the Soar plan, and this account is on the {} plan. Upgrade to Soar \
             to add a webhook.",
            account.plan
        );
        return render_list(
            &state,
            &signed_in,
            StatusCode::PAYMENT_REQUIRED,
            None,
            Some(error),
        )
        .await;
    }

    let count = stores::list(state.db(), account.id).await?.len();
    let new_store = NewStore {
        name: format!("Webhook store {}", count + 1),
        address: None,
        time_zone: "UTC".to_owned(),
        automation: Automation::default(),
        ship_from_store_address: false,
    };
    // NOTE: the webhook starts without checks, so until step 1 saves its security settings
    // only the unguessable 256-bit URL token guards it. The URL is shown first on step 1.
    let no_checks = serde_json::to_string(&SecurityConfig::default())
        .map_err(|error| WebError::internal(&error))?;
    let new_webhook = NewWebhook {
        token: webhooks::new_token(),
        security: state.settings().sealing_key.seal(&no_checks),
        state: WebhookState::Capturing,
        delivery_id_header: None,
        rate_limit_per_minute: None,
    };
    let (store, _) = stores::create(state.db(), account.id, &new_store, &new_webhook).await?;
    tracing::info!(store.id = store.id.get(), "store added from the web UI");
    let target = format!("/settings/stores/{}/setup/security", store.id);
    Ok(Redirect::to(&target).into_response())
}

async fn edit(
    State(state): State<AppState>,
    signed_in: SignedIn,
    PathIds(id): PathIds<i64>,
    Query(query): Query<EditQuery>,
) -> Result<Response, WebError> {
    let store = load_store(&state, &signed_in, id).await?;
    let notice = if query.saved.is_some() {
        Some("The store was saved.")
    } else if query.regenerated.is_some() {
        Some("The webhook has a new URL. Give it to the sales channel.")
    } else {
        match query.state.as_deref() {
            Some("disabled") => Some("The webhook is disabled: requests get 423 and are not kept."),
            Some("enabled") => Some("The webhook is enabled again."),
            _ => None,
        }
    };
    let view = DetailsView::from_store(&store);
    render_edit(
        &state,
        &signed_in,
        &store,
        &view,
        &FieldErrors::default(),
        notice,
    )
    .await
}

async fn save_details(
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
            store_form::save(&state, signed_in.account.id, store.id, details).await?;
            let target = format!("/settings/stores/{}?saved=1", store.id);
            Ok(Redirect::to(&target).into_response())
        }
        Err(errors) => {
            let view = submission.view(&store);
            let mut response =
                render_edit(&state, &signed_in, &store, &view, &errors, None).await?;
            *response.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            Ok(response)
        }
    }
}

async fn render_edit(
    state: &AppState,
    signed_in: &SignedIn,
    store: &Store,
    view: &DetailsView,
    errors: &FieldErrors,
    notice: Option<&str>,
) -> Result<Response, WebError> {
    let webhook = load_webhook(state, signed_in, store.id).await?;
    let id = store.id;
    let now = OffsetDateTime::now_utc();
    let grace_until = webhook
        .previous_token_expires_at
        .filter(|until| *until > now);
    let previous_url = grace_until
        .and(webhook.previous_token.as_deref())
        .map(|token| state.webhook_url(token));

    let body = html! {
        p { a href="/settings/stores" { "Store Settings" } }
        h1 { "Store: " (store.name) }
        @if let Some(notice) = notice { p.notice #store-notice role="status" { (notice) } }
        section aria-labelledby="webhook-heading" {
            h2 #webhook-heading { "Webhook" }
            div.field {
                label for="webhook-url" { "Webhook URL" }
                div.webhook-url {
                    input #webhook-url type="text" readonly value=(state.webhook_url(&webhook.token));
                    button #copy-webhook-url type="button" hidden
                        data-copy-target="webhook-url" data-copy-status="copy-status" {
                        "Copy to Clipboard"
                    }
                    span #copy-status role="status" {}
                }
            }
            p {
                "State: "
                span #webhook-state class={ "badge " (webhook.state.as_str()) } {
                    (webhook_state_label(webhook.state, webhook.paused))
                }
            }
            @if let (Some(url), Some(until)) = (&previous_url, grace_until) {
                p #previous-url.warning {
                    "The previous URL " code { (url) } " keeps working until " (time_element(until)) "."
                }
            }
            ul {
                li { a #link-security href={ "/settings/stores/" (id) "/security" } { "Security" } }
                li { a #link-map href={ "/settings/stores/" (id) "/map" } { "Map" } }
                li { a #link-requests href={ "/settings/stores/" (id) "/requests" } { "Request log" } }
            }
        }
        section aria-labelledby="details-heading" {
            h2 #details-heading { "Automation, name, logo and address" }
            (crate::web::form::error_summary(errors))
            form #store-details-form.stacked method="post" action={ "/settings/stores/" (id) }
                enctype="multipart/form-data" {
                (csrf::hidden_field(signed_in))
                (store_form::fields(view, errors))
                div.actions { button #save-store.primary type="submit" { "Save" } }
            }
        }
        section aria-labelledby="url-heading" {
            h2 #url-heading { "Regenerate the webhook URL" }
            p {
                "A new URL stops requests at the old one once the grace period ends. Give the \
                 new URL to the sales channel before then."
            }
            form.stacked method="post" action={ "/settings/stores/" (id) "/regenerate-url" } {
                (csrf::hidden_field(signed_in))
                div.field {
                    label for="grace-hours" { "Keep the old URL working for" }
                    select #grace-hours name="grace_hours" {
                        @for (hours, label) in GRACE_CHOICES {
                            option value=(hours) selected[hours == 24] { (label) }
                        }
                    }
                }
                button #regenerate-url type="submit" { "Regenerate URL" }
            }
        }
        section aria-labelledby="state-heading" {
            h2 #state-heading { "Disable or delete" }
            @if webhook.paused && webhook.state == WebhookState::Capturing {
                p #paused-note.hint {
                    "Imports are paused: requests are kept and wait. Saving a map does not \
                     resume them."
                }
            }
            div.actions {
                @if webhook.paused && webhook.state == WebhookState::Capturing {
                    form method="post" action={ "/settings/stores/" (id) "/state" } {
                        (csrf::hidden_field(signed_in))
                        input type="hidden" name="state" value="resume";
                        button #resume-imports type="submit" { "Resume imports" }
                    }
                }
                form method="post" action={ "/settings/stores/" (id) "/state" } {
                    (csrf::hidden_field(signed_in))
                    @if webhook.state == WebhookState::Disabled {
                        input type="hidden" name="state" value="enabled";
                        button #enable-webhook type="submit" { "Enable the webhook" }
                    } @else {
                        input type="hidden" name="state" value="disabled";
                        button #disable-webhook type="submit" { "Disable the webhook" }
                    }
                }
                a #delete-store.button.danger href={ "/settings/stores/" (id) "/delete" } {
                    "Delete the store"
                }
            }
        }
    };
    let title = format!("Store: {}", store.name);
    Ok(page(&title, signed_in, Nav::Stores, &[], body))
}

async fn regenerate_url(
    State(state): State<AppState>,
    signed_in: SignedIn,
    PathIds(id): PathIds<i64>,
    Form(form): Form<RegenerateForm>,
) -> Result<Response, WebError> {
    csrf::verify(&signed_in, &form.csrf_token)?;
    let hours = form
        .grace_hours
        .parse::<u32>()
        .ok()
        .filter(|hours| GRACE_CHOICES.iter().any(|(choice, _)| choice == hours))
        .ok_or_else(|| {
            WebError::bad_request(format!(
                "The grace period {:?} is not one of the choices. Reload the page and choose \
                 one.",
                form.grace_hours
            ))
        })?;
    let valid_until = OffsetDateTime::now_utc() + time::Duration::hours(i64::from(hours));
    let token = webhooks::new_token();
    webhooks::rotate_token(
        state.db(),
        signed_in.account.id,
        StoreId(id),
        &token,
        valid_until,
    )
    .await?
    .ok_or_else(|| WebError::not_found("Store", id))?;
    tracing::info!(
        store.id = id,
        grace_hours = hours,
        "webhook URL regenerated"
    );
    Ok(Redirect::to(&format!("/settings/stores/{id}?regenerated=1")).into_response())
}

/// Disables a webhook, enables it again, or resumes a paused one. Enabling gives `active` when
/// its map can import and `capturing` otherwise, but a paused webhook stays capturing until
/// Resume imports, which ends the pause.
async fn set_state(
    State(state): State<AppState>,
    signed_in: SignedIn,
    PathIds(id): PathIds<i64>,
    Form(form): Form<StateForm>,
) -> Result<Response, WebError> {
    csrf::verify(&signed_in, &form.csrf_token)?;
    let store = load_store(&state, &signed_in, id).await?;
    let webhook = webhooks::get_for_store(state.db(), signed_in.account.id, store.id)
        .await?
        .ok_or_else(|| WebError::not_found("Store", id))?;
    let (new_state, ends_pause) = match form.state.as_str() {
        "disabled" => (WebhookState::Disabled, false),
        "enabled" if webhook.paused => (WebhookState::Capturing, false),
        "enabled" => (enabled_state(&state, &signed_in, &webhook).await?, false),
        "resume" => (enabled_state(&state, &signed_in, &webhook).await?, true),
        other => {
            return Err(WebError::bad_request(format!(
                "The state {other:?} is unknown: use the Disable, Enable or Resume imports \
                 button."
            )));
        }
    };
    let patch = WebhookPatch {
        state: Some(new_state),
        paused: ends_pause.then_some(false),
        ..WebhookPatch::default()
    };
    webhooks::update(state.db(), signed_in.account.id, store.id, &patch)
        .await?
        .ok_or_else(|| WebError::not_found("Store", id))?;
    tracing::info!(store.id = id, state = %new_state, "webhook state changed from the web UI");
    let shown = if new_state == WebhookState::Disabled {
        "disabled"
    } else {
        "enabled"
    };
    Ok(Redirect::to(&format!("/settings/stores/{id}?state={shown}")).into_response())
}

/// Returns the state an enabled webhook takes: `active` when the store's newest map sets
/// order source and number, `capturing` otherwise.
async fn enabled_state(
    state: &AppState,
    signed_in: &SignedIn,
    webhook: &Webhook,
) -> Result<WebhookState, WebError> {
    let latest = maps::latest(state.db(), signed_in.account.id, webhook.store_id).await?;
    let Some(stored) = latest else {
        return Ok(WebhookState::Capturing);
    };
    let map =
        Map::from_json(stored.document.as_bytes()).map_err(|error| WebError::internal(&error))?;
    let has_checks = crate::api::stores::has_checks(state, webhook)?;
    if crate::api::maps::can_import(&map) && has_checks {
        Ok(WebhookState::Active)
    } else {
        Ok(WebhookState::Capturing)
    }
}

async fn confirm_delete(
    State(state): State<AppState>,
    signed_in: SignedIn,
    PathIds(id): PathIds<i64>,
) -> Result<Response, WebError> {
    let store = load_store(&state, &signed_in, id).await?;
    let kept = requests::count_for_store(state.db(), signed_in.account.id, store.id).await?;
    let body = html! {
        p { a href={ "/settings/stores/" (id) } { "Back to the store" } }
        h1 { "Delete the store \u{201c}" (store.name) "\u{201d}?" }
        p {
            "Deleting \u{201c}" (store.name) "\u{201d} removes its webhook and its "
            (kept) " kept requests. Its URL stops working at once. Orders it imported stay, \
             without their store. This cannot be undone."
        }
        form method="post" action={ "/settings/stores/" (id) "/delete" } {
            (csrf::hidden_field(&signed_in))
            div.actions {
                button #confirm-delete.danger type="submit" {
                    "Delete \u{201c}" (store.name) "\u{201d}"
                }
                a #cancel-delete href={ "/settings/stores/" (id) } { "Cancel" }
            }
        }
    };
    let title = format!("Delete {}", store.name);
    Ok(page(&title, &signed_in, Nav::Stores, &[], body))
}

async fn delete(
    State(state): State<AppState>,
    signed_in: SignedIn,
    PathIds(id): PathIds<i64>,
    Form(form): Form<TokenForm>,
) -> Result<Response, WebError> {
    csrf::verify(&signed_in, &form.csrf_token)?;
    if !stores::delete(state.db(), signed_in.account.id, StoreId(id)).await? {
        return Err(WebError::not_found("Store", id));
    }
    tracing::info!(store.id = id, "store deleted from the web UI");
    Ok(Redirect::to("/settings/stores?deleted=1").into_response())
}

/// Reads a store of the signed-in account; another account's store is not found.
pub async fn load_store(
    state: &AppState,
    signed_in: &SignedIn,
    id: i64,
) -> Result<Store, WebError> {
    stores::get(state.db(), signed_in.account.id, StoreId(id))
        .await?
        .ok_or_else(|| WebError::not_found("Store", id))
}

async fn load_webhook(
    state: &AppState,
    signed_in: &SignedIn,
    id: StoreId,
) -> Result<Webhook, WebError> {
    webhooks::get_for_store(state.db(), signed_in.account.id, id)
        .await?
        .ok_or_else(|| WebError::not_found("Store", id))
}
