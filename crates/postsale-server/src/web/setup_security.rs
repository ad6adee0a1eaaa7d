//! Wizard step 1, Send a test webhook, at `/settings/stores/{id}/setup/security`, and the
//! store's Security page at `/settings/stores/{id}/security`: the webhook's security checks,
//! its URL, and the requests that reach it, shown as they arrive.
//!
//! The page is rendered here; `assets/setup.js` saves the checks through
//! `PATCH /api/v1/stores/{id}/webhook` and polls `GET /api/v1/stores/{id}/requests`.
//!
//! Element ids: `#security-form`, `#checks` (one `fieldset.check-card` per check),
//! `#security-type` and `#add-check`, `#save-security`, `#security-status`, `#webhook-url`,
//! `#copy-url`, `#requests-panel`, `#waiting`, `#request-view`, `#headers-table`,
//! `#body-json`, `#body-raw`, `#rejected-list`, `#next-step` (wizard only).

use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use maud::{Markup, html};
use postsale_core::verify::{CheckKind, Preset};
use postsale_store::stores::Store;
use postsale_store::webhooks::{self, Webhook};
use serde_json::Value;

use crate::api::stores::open_security;
use crate::app::AppState;
use crate::web::PathIds;
use crate::web::error::WebError;
use crate::web::layout::{Nav, page};
use crate::web::session::SignedIn;
use crate::web::setup_details::wizard_steps;
use crate::web::stores::load_store;

/// The placeholder in the ids of a check template, replaced by a fresh slot when a check is
/// added in the page.
const TEMPLATE_SLOT: &str = "__N__";

/// The check types of the Security drop-down, in its order.
const CHECK_KINDS: [CheckKind; 4] = [
    CheckKind::BasicAuth,
    CheckKind::HeaderValue,
    CheckKind::Hmac,
    CheckKind::IpAllowList,
];

/// Returns the routes of the security screen, inside and outside the wizard.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/settings/stores/{id}/setup/security", get(wizard_step))
        .route("/settings/stores/{id}/security", get(edit_page))
}

/// Whether the screen is step 1 of the Add webhook wizard or the store's Security page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    Wizard,
    Edit,
}

async fn wizard_step(
    State(state): State<AppState>,
    signed_in: SignedIn,
    PathIds(id): PathIds<i64>,
) -> Result<Response, WebError> {
    security_screen(&state, &signed_in, id, Mode::Wizard).await
}

async fn edit_page(
    State(state): State<AppState>,
    signed_in: SignedIn,
    PathIds(id): PathIds<i64>,
) -> Result<Response, WebError> {
    security_screen(&state, &signed_in, id, Mode::Edit).await
}

async fn security_screen(
    state: &AppState,
    signed_in: &SignedIn,
    id: i64,
    mode: Mode,
) -> Result<Response, WebError> {
    let (store, webhook) = load_store_and_webhook(state, signed_in, id).await?;
    let security = open_security(state, &webhook)?.masked();
    let url = state.webhook_url(&webhook.token);

    let title = match mode {
        Mode::Wizard => "Add a webhook: step 1".to_owned(),
        Mode::Edit => format!("Security of {}", store.name),
    };
    let body = html! {
        @match mode {
            Mode::Wizard => {
                p { a href="/settings/stores" { "Store Settings" } }
                h1 { "Add a webhook: send a test webhook" }
                (wizard_steps(store.id.get(), 1))
            }
            Mode::Edit => {
                p { a href={ "/settings/stores/" (store.id) } { "Back to " (store.name) } }
                h1 { "Security of " (store.name) }
            }
        }
        noscript {
            p.warning {
                "This page needs JavaScript: it works on the store's requests as they arrive. "
                "Turn JavaScript on, or use the REST API ("
                code { "PATCH /api/v1/stores/" (store.id) "/webhook" } ")."
            }
        }
        (security_section(&store, &security, mode))
        (url_section(&url))
        (requests_section(&store, mode))
        (check_templates())
    };
    Ok(page(
        &title,
        signed_in,
        Nav::Stores,
        &["mapping.css", "setup.js"],
        body,
    ))
}

/// Loads a store of the signed-in account with its webhook; another account's store is not
/// found.
pub(crate) async fn load_store_and_webhook(
    state: &AppState,
    signed_in: &SignedIn,
    id: i64,
) -> Result<(Store, Webhook), WebError> {
    let store = load_store(state, signed_in, id).await?;
    let webhook = webhooks::get_for_store(state.db(), signed_in.account.id, store.id)
        .await?
        .ok_or_else(|| WebError::not_found("Store", id))?;
    Ok((store, webhook))
}

fn security_section(store: &Store, security: &Value, mode: Mode) -> Markup {
    let checks = security["checks"].as_array().cloned().unwrap_or_default();
    let heading = match mode {
        Mode::Wizard => "1. Choose the security your sales channel uses",
        Mode::Edit => "Security checks",
    };
    html! {
        section.screen-section aria-labelledby="security-heading" {
            h2 #security-heading { (heading) }
            p.hint {
                "Every request must pass all of these checks. Secrets are stored encrypted and "
                "shown only masked: leave a secret blank to keep the stored one."
            }
            form #security-form data-store-id=(store.id) novalidate {
                div #checks {
                    @for (index, check) in checks.iter().enumerate() {
                        @if let Some(kind) = check_kind(check) {
                            (check_card(kind, Some(check), &index.to_string(), ordinal(&checks, index)))
                        }
                    }
                }
                p #no-checks.warning hidden[!checks.is_empty()] {
                    "No check yet: add the one your sales channel uses."
                }
                div.add-check {
                    div.field {
                        label for="security-type" { "Security" }
                        select #security-type {
                            @for kind in CHECK_KINDS {
                                option value=(kind.as_str()) selected[kind == CheckKind::Hmac] {
                                    (check_label(kind))
                                }
                            }
                        }
                    }
                    button #add-check type="button" { "Add check" }
                }
                div.actions {
                    button #save-security.primary type="submit" { "Save security" }
                }
                p #security-status role="status" aria-live="polite" {}
            }
        }
    }
}

fn url_section(url: &str) -> Markup {
    html! {
        section.screen-section aria-labelledby="url-heading" {
            h2 #url-heading { "2. Copy the webhook URL" }
            div.field {
                label for="webhook-url" { "Webhook URL" }
                div.webhook-url {
                    input #webhook-url type="text" readonly value=(url);
                    button #copy-url type="button" hidden data-copy-target="webhook-url"
                        data-copy-status="copy-status" { "Copy to Clipboard" }
                }
                p #copy-status.hint role="status" aria-live="polite" {}
            }
            p.hint {
                "In your sales channel, create a webhook with this URL and JSON as its format, "
                "then send a test."
            }
        }
    }
}

fn requests_section(store: &Store, mode: Mode) -> Markup {
    let heading = match mode {
        Mode::Wizard => "3. Send a test and watch it arrive",
        Mode::Edit => "Latest requests",
    };
    let mode_name = match mode {
        Mode::Wizard => "wizard",
        Mode::Edit => "edit",
    };
    html! {
        section.screen-section #requests-panel aria-labelledby="requests-heading"
            data-store-id=(store.id) data-mode=(mode_name) {
            h2 #requests-heading { (heading) }
            div #waiting.waiting role="status" aria-live="polite" {
                span.spinner aria-hidden="true" {}
                span #waiting-text {
                    "Waiting for the first request. This panel updates by itself; there is no "
                    "need to reload the page."
                }
            }
            p #poll-error.form-error role="alert" hidden {}
            div #request-view hidden {
                div.field {
                    label for="request-choice" { "Request" }
                    select #request-choice {}
                }
                p #request-summary {}
                p #request-note.warning hidden {}
                div.view-tabs role="tablist" aria-label="Request views" {
                    button #tab-headers type="button" role="tab" aria-selected="true"
                        aria-controls="panel-headers" { "Headers" }
                    button #tab-json type="button" role="tab" aria-selected="false"
                        aria-controls="panel-json" tabindex="-1" { "JSON" }
                    button #tab-raw type="button" role="tab" aria-selected="false"
                        aria-controls="panel-raw" tabindex="-1" { "Raw" }
                }
                div #panel-headers role="tabpanel" aria-labelledby="tab-headers" {
                    div.table-wrap {
                        table #headers-table {
                            thead { tr { th scope="col" { "Header" } th scope="col" { "Value" } } }
                            tbody {}
                        }
                    }
                }
                div #panel-json role="tabpanel" aria-labelledby="tab-json" hidden {
                    pre #body-json.body tabindex="0" {}
                }
                div #panel-raw role="tabpanel" aria-labelledby="tab-raw" hidden {
                    pre #body-raw.body tabindex="0" {}
                }
            }
            div #rejected-section hidden {
                h3 { "Rejected attempts" }
                p.hint { "Requests that failed a check were not kept. Each says what to fix." }
                ul #rejected-list.rejected-list {}
            }
            @if mode == Mode::Wizard {
                div.actions.wizard-actions {
                    a.button href="/settings/stores" { "Cancel" }
                    button #next-step.primary type="button" disabled
                        data-next=(format!("/settings/stores/{}/setup/map", store.id)) {
                        "Next"
                    }
                    span #next-hint.hint { "Next is enabled once an order request has arrived." }
                }
            } @else {
                p {
                    a href=(format!("/settings/stores/{}/requests", store.id)) {
                        "Open the request log"
                    }
                }
            }
        }
    }
}

/// Renders one `<template>` per check type, which the page copies when a check is added.
fn check_templates() -> Markup {
    html! {
        @for kind in CHECK_KINDS {
            template #(format!("check-template-{}", kind.as_str())) {
                (check_card(kind, None, TEMPLATE_SLOT, None))
            }
        }
    }
}

/// Renders the fieldset of one check. `stored` is the check as saved, secrets masked; `slot`
/// makes its ids unique; `ordinal` is its position among the stored checks of its type.
fn check_card(
    kind: CheckKind,
    stored: Option<&Value>,
    slot: &str,
    ordinal: Option<usize>,
) -> Markup {
    let id = |name: &str| format!("check-{slot}-{name}");
    let stored_json = stored.map(Value::to_string).unwrap_or_default();
    html! {
        fieldset.check-card data-type=(kind.as_str()) data-stored=(stored_json)
            data-ordinal=[ordinal] {
            legend { (check_label(kind)) }
            @match kind {
                CheckKind::BasicAuth => {
                    (text_field(&id("username"), "Username", "username", text_of(stored, "username")))
                    (secret_field(&id("password"), "Password", "password", text_of(stored, "password")))
                }
                CheckKind::HeaderValue => {
                    (text_field(&id("header"), "Header name", "header", text_of(stored, "header")))
                    (secret_field(&id("value"), "Header value", "value", text_of(stored, "value")))
                }
                CheckKind::Hmac => (hmac_fields(stored, slot)),
                CheckKind::IpAllowList => (ip_fields(stored, slot)),
            }
            p.field-error.check-error role="alert" hidden {}
            button.remove-check type="button" { "Remove this check" }
        }
    }
}

fn hmac_fields(stored: Option<&Value>, slot: &str) -> Markup {
    let id = |name: &str| format!("check-{slot}-{name}");
    let chosen = stored
        .and_then(|check| check["preset"].as_str())
        .and_then(|name| name.parse::<Preset>().ok())
        .unwrap_or(Preset::Shopify);
    let header = text_of(stored, "header").unwrap_or_else(|| chosen.hmac_config(Vec::new()).header);
    let secrets = stored
        .and_then(|check| check["secrets"].as_array())
        .cloned()
        .unwrap_or_default();
    let masked = |index: usize| {
        secrets
            .get(index)
            .and_then(|s| s["value"].as_str())
            .map(str::to_owned)
    };
    let custom = chosen == Preset::Custom;
    html! {
        div.field {
            label for=(id("preset")) { "Preset" }
            select.hmac-preset #(id("preset")) data-field="preset"
                aria-describedby=(id("preset-hint")) {
                @for preset in Preset::ALL {
                    option value=(preset.as_str()) selected[preset == chosen]
                        data-header=(preset.hmac_config(Vec::new()).header)
                        data-hint=(preset_hint(preset)) {
                        (preset_label(preset))
                    }
                }
            }
            p.hint.preset-hint #(id("preset-hint")) { (preset_hint(chosen)) }
        }
        (text_field(&id("header"), "HMAC header", "header", Some(header)))
        (secret_field(&id("secret"), "HMAC secret key", "secrets[0].value", masked(0)))
        (secret_field(&id("secret2"), "Second secret key (optional, while you rotate)",
            "secrets[1].value", masked(1)))
        @if secrets.len() > 1 {
            div.field.inline {
                input.drop-second #(id("drop-second")) type="checkbox";
                " "
                label for=(id("drop-second")) { "Remove the second secret" }
            }
        }
        div.custom-only hidden[!custom] {
            div.field {
                label for=(id("algorithm")) { "Algorithm" }
                select #(id("algorithm")) data-field="algorithm" {
                    @for (value, label) in [("sha256", "SHA-256"), ("sha1", "SHA-1"), ("sha512", "SHA-512")] {
                        option value=(value) selected[text_of(stored, "algorithm").as_deref() == Some(value)] { (label) }
                    }
                }
            }
            div.field {
                label for=(id("encoding")) { "Digest encoding" }
                select #(id("encoding")) data-field="encoding" {
                    @for (value, label) in [("hex_or_base64", "Hex or base64"), ("hex", "Hex"), ("base64", "Base64")] {
                        option value=(value) selected[text_of(stored, "encoding").as_deref() == Some(value)] { (label) }
                    }
                }
            }
            (text_field(&id("prefix"), "Prefix before the digest (optional, such as sha256=)",
                "prefix", text_of(stored, "prefix")))
        }
    }
}

fn ip_fields(stored: Option<&Value>, slot: &str) -> Markup {
    let field_id = format!("check-{slot}-allow");
    let allow: Vec<String> = stored
        .and_then(|check| check["allow"].as_array())
        .map(|ranges| {
            ranges
                .iter()
                .filter_map(|range| range.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    html! {
        div.field {
            label for=(field_id) { "Allowed addresses" }
            textarea #(field_id) data-field="allow" rows="3"
                aria-describedby=(format!("{field_id}-hint")) { (allow.join("\n")) }
            p.hint #(format!("{field_id}-hint")) {
                "One IPv4 or IPv6 address or CIDR range per line, such as 198.51.100.0/24."
            }
        }
    }
}

fn text_field(id: &str, label: &str, field: &str, value: Option<String>) -> Markup {
    html! {
        div.field {
            label for=(id) { (label) }
            input #(id) type="text" data-field=(field) value=[value] autocomplete="off"
                spellcheck="false";
        }
    }
}

/// Renders a secret's input. A stored secret is never sent to the page: its masked form is
/// shown beside the empty input instead.
fn secret_field(id: &str, label: &str, field: &str, masked: Option<String>) -> Markup {
    let hint_id = format!("{id}-hint");
    html! {
        div.field.secret-field {
            label for=(id) { (label) }
            input #(id) type="password" data-field=(field) autocomplete="new-password"
                aria-describedby=(hint_id);
            p.hint.stored-secret #(hint_id) {
                @if let Some(masked) = masked {
                    "Stored: " code { (masked) } ". Leave blank to keep it."
                } @else {
                    "Nothing stored yet."
                }
            }
        }
    }
}

fn text_of(stored: Option<&Value>, key: &str) -> Option<String> {
    stored
        .and_then(|check| check[key].as_str())
        .map(str::to_owned)
}

fn check_kind(check: &Value) -> Option<CheckKind> {
    let name = check["type"].as_str()?;
    CHECK_KINDS.into_iter().find(|kind| kind.as_str() == name)
}

/// Returns the position of check `index` among the checks of its type.
fn ordinal(checks: &[Value], index: usize) -> Option<usize> {
    let kind = check_kind(&checks[index])?;
    Some(
        checks[..index]
            .iter()
            .filter(|check| check_kind(check) == Some(kind))
            .count(),
    )
}

fn check_label(kind: CheckKind) -> &'static str {
    match kind {
        CheckKind::BasicAuth => "Basic Auth",
        CheckKind::HeaderValue => "Header Value",
        CheckKind::Hmac => "HMAC",
        CheckKind::IpAllowList => "IP allow list",
    }
}

fn preset_label(preset: Preset) -> &'static str {
    match preset {
        Preset::Shopify => "Shopify",
        Preset::WooCommerce => "WooCommerce",
        Preset::StandardWebhooks => "Standard Webhooks (BigCommerce, Etsy and others)",
        Preset::Stripe => "Stripe-style (timestamped)",
        Preset::GitHub => "GitHub-style (sha256= prefix)",
        Preset::Squarespace => "Squarespace",
        Preset::Custom => "Custom",
    }
}

fn preset_hint(preset: Preset) -> &'static str {
    match preset {
        Preset::Shopify => "Base64 HMAC-SHA256 of the body. Paste the webhook signing secret.",
        Preset::WooCommerce => "Base64 HMAC-SHA256 of the body. Paste the webhook's secret.",
        Preset::StandardWebhooks => {
            "Signs the delivery id, timestamp and body. Paste the whsec_ secret as shown."
        }
        Preset::Stripe => {
            "Signs the timestamp and body; old timestamps are rejected. Paste the whole \
             whsec_ secret."
        }
        Preset::GitHub => "Hex HMAC-SHA256 of the body after sha256=. Paste the secret.",
        Preset::Squarespace => "Hex HMAC-SHA256 of the body. Paste the secret, which is hex.",
        Preset::Custom => "Choose the header, algorithm and digest encoding your channel uses.",
    }
}
