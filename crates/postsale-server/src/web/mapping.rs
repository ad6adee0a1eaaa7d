//! Wizard step 2, Map the request, at `/settings/stores/{id}/setup/map`, and the store's Map
//! page at `/settings/stores/{id}/map`. The screen lists the field catalogue by category. Each
//! field has a searchable picker of the sample request's elements and its conversions, and a
//! live preview shows the order the sample becomes.
//!
//! The page is rendered here from the catalogue and the store's current map; `assets/mapping.js`
//! reads the sample's elements from `GET /api/v1/requests/{id}/elements`, previews through
//! `POST /api/v1/stores/{id}/map/preview`, applies presets and suggestions, and saves with
//! `PUT /api/v1/stores/{id}/map`.
//!
//! Element ids: `#map-editor`, `#preset-choice`, `#apply-preset`, `#suggest-map`,
//! `#map-status`, `#required-notice`, one `#category-{name}` toggle per category, one
//! `#pick-{field}` combobox per field (dots in keys become dashes), `#element-list`,
//! `#preview-panel`, `#save-map`.

use std::collections::BTreeSet;

use axum::Router;
use axum::extract::State;
use axum::response::Response;
use axum::routing::get;
use maud::{Markup, html};
use postsale_core::mapping::catalogue::fields_of;
use postsale_core::mapping::{
    ApplyContext, Category, FieldDef, FieldKind, Map, discover_elements, presets, preview,
};
use postsale_core::{AccountId, OrderStatus};
use postsale_store::maps::{self, StoredMap};
use postsale_store::requests::{self, Acceptance, KeptRequest};
use postsale_store::stores::Store;
use serde::{Deserialize, Serialize};

use crate::api::maps::elements::read_json_body;
use crate::app::AppState;
use crate::web::PathIds;
use crate::web::error::{Query, WebError};
use crate::web::layout::{Nav, format_time, page};
use crate::web::session::SignedIn;
use crate::web::setup_details::wizard_steps;
use crate::web::stores::load_store;

/// How many of the newest accepted requests the page looks through for samples.
const RECENT_REQUESTS: i64 = 50;

/// How many requests received after the map was saved are searched for new elements.
const MAX_LATER_REQUESTS: usize = 10;

/// The categories in the order the screen shows them.
const CATEGORIES: [Category; 7] = [
    Category::Order,
    Category::Address,
    Category::Items,
    Category::Charges,
    Category::Notes,
    Category::Payment,
    Category::Shipment,
];

/// Returns the routes of the mapping screen, inside and outside the wizard.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/settings/stores/{id}/setup/map", get(wizard_step))
        .route("/settings/stores/{id}/map", get(edit_page))
}

/// The query of the mapping screen.
#[derive(Debug, Deserialize)]
pub struct MapQuery {
    /// The kept request to use as the sample; default: the newest with a JSON body.
    request: Option<i64>,
}

/// Whether the screen is step 2 of the Add webhook wizard or the store's Map page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    Wizard,
    Edit,
}

/// An element that requests received after the map was saved have and the map does not read.
#[derive(Debug, Serialize)]
struct NewElement {
    path: String,
    example: Option<String>,
    /// The newest request it was seen in.
    request_id: i64,
}

async fn wizard_step(
    State(state): State<AppState>,
    signed_in: SignedIn,
    PathIds(id): PathIds<i64>,
    Query(query): Query<MapQuery>,
) -> Result<Response, WebError> {
    mapping_screen(&state, &signed_in, id, query, Mode::Wizard).await
}

async fn edit_page(
    State(state): State<AppState>,
    signed_in: SignedIn,
    PathIds(id): PathIds<i64>,
    Query(query): Query<MapQuery>,
) -> Result<Response, WebError> {
    mapping_screen(&state, &signed_in, id, query, Mode::Edit).await
}

async fn mapping_screen(
    state: &AppState,
    signed_in: &SignedIn,
    id: i64,
    query: MapQuery,
    mode: Mode,
) -> Result<Response, WebError> {
    let account = signed_in.account.id;
    let store = load_store(state, signed_in, id).await?;
    let current = maps::latest(state.db(), account, store.id).await?;
    let recent = requests::list(
        state.db(),
        account,
        store.id,
        Acceptance::Accepted,
        None,
        RECENT_REQUESTS,
    )
    .await?;
    let samples: Vec<&KeptRequest> = recent.iter().filter(|r| r.body_kind == "json").collect();
    let chosen = query
        .request
        .and_then(|wanted| samples.iter().copied().find(|r| r.id.get() == wanted));
    let sample = chosen.or_else(|| samples.first().copied());
    let new_elements = match (&current, mode) {
        (Some(stored), Mode::Edit) => find_new_elements(state, account, &samples, stored).await?,
        _ => Vec::new(),
    };

    let title = match mode {
        Mode::Wizard => "Add a webhook: step 2".to_owned(),
        Mode::Edit => format!("Map of {}", store.name),
    };
    let body = html! {
        @match mode {
            Mode::Wizard => {
                p { a href="/settings/stores" { "Store Settings" } }
                h1 { "Add a webhook: map the request" }
                (wizard_steps(store.id.get(), 2))
            }
            Mode::Edit => {
                p { a href={ "/settings/stores/" (store.id) } { "Back to " (store.name) } }
                h1 { "Map of " (store.name) }
                p.hint {
                    "A saved map applies to requests that arrive from then on. To run kept "
                    "requests through it, replay them from the "
                    a href={ "/settings/stores/" (store.id) "/requests" } { "request log" } "."
                }
            }
        }
        noscript {
            p.warning {
                "This page needs JavaScript: it works on the store's requests as they arrive. "
                "Turn JavaScript on, or use the REST API ("
                code { "PUT /api/v1/stores/" (store.id) "/map" } ")."
            }
        }
        @if let (Some(wanted), None) = (query.request, chosen) {
            p.warning {
                "Request " (wanted) " is not a JSON request of this store, so the newest one "
                "is shown instead."
            }
        }
        @match sample {
            Some(sample) => (editor(&store, current.as_ref(), sample, &samples, &new_elements, mode)),
            None => (no_sample(&store, mode)),
        }
    };
    Ok(page(
        &title,
        signed_in,
        Nav::Stores,
        &["mapping.css", "mapping.js"],
        body,
    ))
}

/// Finds the elements that requests received after the map was saved carry, that the newest
/// request before the save did not, and that the map does not read.
async fn find_new_elements(
    state: &AppState,
    account: AccountId,
    samples: &[&KeptRequest],
    stored: &StoredMap,
) -> Result<Vec<NewElement>, WebError> {
    let Ok(map) = Map::from_json(stored.document.as_bytes()) else {
        return Ok(Vec::new());
    };
    let (later, earlier): (Vec<&KeptRequest>, Vec<&KeptRequest>) = samples
        .iter()
        .copied()
        .partition(|request| request.received_at > stored.created_at);
    // Without a request from before the save there is nothing to compare with.
    let Some(baseline) = earlier.first() else {
        return Ok(Vec::new());
    };
    let Some(baseline_body) = json_body(state, account, baseline).await? else {
        return Ok(Vec::new());
    };
    let known: BTreeSet<String> = discover_elements(&baseline_body)
        .elements
        .into_iter()
        .map(|element| element.path)
        .collect();

    let mut found: Vec<NewElement> = Vec::new();
    for request in later.iter().take(MAX_LATER_REQUESTS) {
        let Some(body) = json_body(state, account, request).await? else {
            continue;
        };
        let used = preview(&map, &body, &ApplyContext::default()).used_elements;
        for element in discover_elements(&body).elements {
            let is_new = !known.contains(&element.path)
                && used.binary_search(&element.path).is_err()
                && !found.iter().any(|seen| seen.path == element.path);
            if is_new {
                found.push(NewElement {
                    path: element.path,
                    example: element.example,
                    request_id: request.id.get(),
                });
            }
        }
    }
    Ok(found)
}

/// Reads a request's body as JSON, or `None` when it cannot be read as JSON any more.
async fn json_body(
    state: &AppState,
    account: AccountId,
    request: &KeptRequest,
) -> Result<Option<serde_json::Value>, WebError> {
    match read_json_body(state, account, request.id.get()).await {
        Ok((_, body)) => Ok(Some(body)),
        Err(error) if error.status().is_client_error() => Ok(None),
        Err(error) => Err(error.into()),
    }
}

fn no_sample(store: &Store, mode: Mode) -> Markup {
    let back = match mode {
        Mode::Wizard => format!("/settings/stores/{}/setup/security", store.id),
        Mode::Edit => format!("/settings/stores/{}/security", store.id),
    };
    html! {
        p #no-sample.warning {
            "No order request has arrived at this webhook yet, so there is nothing to map. "
            "Send a test order from your sales channel, then come back."
        }
        p { a.button href=(back) { "Go to the webhook URL and the waiting panel" } }
    }
}

fn editor(
    store: &Store,
    current: Option<&StoredMap>,
    sample: &KeptRequest,
    samples: &[&KeptRequest],
    new_elements: &[NewElement],
    mode: Mode,
) -> Markup {
    let mode_name = match mode {
        Mode::Wizard => "wizard",
        Mode::Edit => "edit",
    };
    let next = match mode {
        Mode::Wizard => format!("/settings/stores/{}/setup/details", store.id),
        Mode::Edit => String::new(),
    };
    let map_document = current
        .map(|stored| stored.document.clone())
        .unwrap_or_default();
    let new_json = serde_json::to_string(new_elements).unwrap_or_else(|_| "[]".to_owned());
    html! {
        div #map-editor data-store-id=(store.id) data-request-id=(sample.id)
            data-mode=(mode_name) data-map=(map_document) data-next=(next)
            data-new-elements=(new_json)
            data-map-version=[current.map(|stored| stored.version)] {
            (toolbar(current))
            div.map-layout {
                div.map-fields {
                    @for category in CATEGORIES {
                        (category_section(category))
                    }
                }
                div.map-side {
                    (request_panel(store, sample, samples, mode))
                    (preview_panel())
                }
            }
            (save_actions(store, mode))
        }
    }
}

fn toolbar(current: Option<&StoredMap>) -> Markup {
    html! {
        section.map-toolbar aria-label="Start from" {
            div.field {
                label for="preset-choice" { "Preset" }
                select #preset-choice {
                    @for preset in presets::all() {
                        option value=(preset.id) {
                            (preset.map.name.clone().unwrap_or_else(|| preset.id.to_owned()))
                        }
                    }
                }
            }
            button #apply-preset type="button" { "Apply preset" }
            button #suggest-map type="button" { "Suggest a map" }
            @if let Some(stored) = current {
                p.hint {
                    "Editing map version " (stored.version) ", saved "
                    (format_time(stored.created_at)) ". Saving makes a new version."
                }
            }
            p #map-status role="status" aria-live="polite" {}
            p #required-notice.warning role="status" aria-live="polite" hidden {}
        }
    }
}

fn category_section(category: Category) -> Markup {
    let name = category_name(category);
    let fields: Vec<&FieldDef> = fields_of(category).collect();
    html! {
        section.category data-category=(name) {
            h2.category-heading {
                button.category-toggle #(format!("category-{name}")) type="button"
                    aria-expanded="false" aria-controls=(format!("category-{name}-panel")) {
                    span.category-label { (category_label(category)) }
                    " "
                    span.category-count #(format!("category-{name}-count")) {}
                }
            }
            div.category-panel #(format!("category-{name}-panel")) role="region"
                aria-labelledby=(format!("category-{name}")) hidden {
                @if category == Category::Items {
                    (items_row())
                }
                @for def in fields {
                    (field_row(def))
                }
            }
        }
    }
}

/// Renders the row that chooses the array whose entries become the order's lines.
fn items_row() -> Markup {
    html! {
        div.field-row.items-row data-field="items" data-kind="items" {
            div.field-name {
                label for="pick-items" { "Lines come from" }
                p.hint { "The array with one entry per order line." }
            }
            div.field-source {
                (picker("pick-items", "items", "the lines array"))
            }
            p.field-error #error-items role="alert" hidden {}
        }
    }
}

fn field_row(def: &FieldDef) -> Markup {
    let slug = def.name.replace('.', "-");
    let pick_id = format!("pick-{slug}");
    html! {
        div.field-row data-field=(def.name) data-kind=(kind_name(def.kind))
            data-label=(def.label) data-required[def.required] {
            div.field-name {
                label for=(pick_id) {
                    (def.label)
                    @if def.required {
                        " " span.required { "(required)" }
                    }
                }
                code.field-key { (def.name) }
            }
            div.field-source {
                (picker(&pick_id, &slug, def.label))
                details.conversions {
                    summary { "Conversions" span.conversion-count {} }
                    (conversions(def, &slug))
                }
            }
            p.field-error #(format!("error-{slug}")) role="alert" hidden {}
        }
    }
}

/// Renders the element picker: a combobox that filters the sample's elements as the user
/// types, with the list that `mapping.js` fills.
fn picker(id: &str, slug: &str, label: &str) -> Markup {
    let list_id = format!("list-{slug}");
    let note_id = format!("source-{slug}");
    html! {
        div.picker {
            input.picker-input #(id) type="text" role="combobox" aria-autocomplete="list"
                aria-expanded="false" aria-controls=(list_id) aria-describedby=(note_id)
                autocomplete="off" spellcheck="false"
                placeholder="Type to search the request's elements";
            ul.picker-list #(list_id) role="listbox" hidden {}
            p.source-note #(note_id) { "Not mapped." }
            button.clear-source type="button" hidden aria-label=(format!("Clear {label}")) {
                "Clear"
            }
        }
    }
}

/// Renders the conversion settings a field of this kind can use.
fn conversions(def: &FieldDef, slug: &str) -> Markup {
    let id = |member: &str| format!("conv-{slug}-{member}");
    html! {
        div.conversion-grid {
            (rule_input(&id("default"), "Default when the element has no value", "default", "text"))
            (rule_input(&id("empty_values"), "Values that mean no value (comma-separated)",
                "empty_values", "list"))
            @match def.kind {
                FieldKind::Money | FieldKind::SignedMoney => {
                    (money_format_select(&id("money_format")))
                    (rule_input(&id("minor_units"), "Sent in minor units: decimal places (2 for cents)",
                        "minor_units", "number"))
                    (rule_checkbox(&id("sum"), "Add up every value of a [*] element", "sum"))
                }
                FieldKind::DateTime => {
                    (rule_input(&id("datetime_format"),
                        "Date format, such as %d/%m/%Y %H:%M, unix_seconds or unix_millis",
                        "datetime_format", "text"))
                    (rule_input(&id("time_zone"), "Time zone of dates without an offset",
                        "time_zone", "text"))
                }
                FieldKind::Boolean => {
                    (rule_input(&id("true_words"), "More words that mean yes (comma-separated)",
                        "true_words", "list"))
                    (rule_input(&id("false_words"), "More words that mean no (comma-separated)",
                        "false_words", "list"))
                }
                FieldKind::Weight => {
                    (unit_select(&id("unit"), &["g", "kg", "oz", "lb"]))
                    (rule_checkbox(&id("sum"), "Add up every value of a [*] element", "sum"))
                }
                FieldKind::Length => {
                    (unit_select(&id("unit"), &["cm", "in"]))
                    (rule_checkbox(&id("sum"), "Add up every value of a [*] element", "sum"))
                }
                FieldKind::List => {
                    (rule_input(&id("split"), "Separator that splits the text into a list",
                        "split", "text"))
                    (rule_checkbox(&id("decode_html"), "Decode HTML entities such as &amp;",
                        "decode_html"))
                }
                FieldKind::Text => {
                    (rule_checkbox(&id("decode_html"), "Decode HTML entities such as &amp;",
                        "decode_html"))
                }
                _ => {}
            }
            (value_map_input(&id("value_map"), def.kind))
        }
    }
}

fn rule_input(id: &str, label: &str, member: &str, value_type: &str) -> Markup {
    html! {
        div.field {
            label for=(id) { (label) }
            input #(id) type="text" data-rule=(member) data-type=(value_type)
                autocomplete="off" spellcheck="false";
        }
    }
}

fn rule_checkbox(id: &str, label: &str, member: &str) -> Markup {
    html! {
        div.field.inline {
            input #(id) type="checkbox" data-rule=(member) data-type="bool";
            " "
            label for=(id) { (label) }
        }
    }
}

fn money_format_select(id: &str) -> Markup {
    html! {
        div.field {
            label for=(id) { "Amount format" }
            select #(id) data-rule="money_format" data-type="text" {
                option value="" { "As the whole map reads amounts" }
                option value="plain" { "1000.00" }
                option value="comma_thousands" { "1,000.00" }
                option value="dot_thousands" { "1.000,00" }
            }
        }
    }
}

fn unit_select(id: &str, units: &[&str]) -> Markup {
    html! {
        div.field {
            label for=(id) { "Unit of a bare number" }
            select #(id) data-rule="unit" data-type="text" {
                option value="" { "Sent with the value" }
                @for unit in units {
                    option value=(unit) { (unit) }
                }
            }
        }
    }
}

fn value_map_input(id: &str, kind: FieldKind) -> Markup {
    let hint_id = format!("{id}-hint");
    html! {
        div.field.value-map {
            label for=(id) { "Replace values, one per line as: sent value = new value" }
            textarea #(id) data-rule="value_map" data-type="value_map" rows="3"
                aria-describedby=(hint_id) spellcheck="false" {}
            p.hint #(hint_id) { (value_map_hint(kind)) }
        }
    }
}

fn value_map_hint(kind: FieldKind) -> String {
    let wildcard = "A sent value ending in * matches values that start with it; * alone matches \
                    every other value.";
    match kind {
        FieldKind::Status => {
            let statuses: Vec<&str> = OrderStatus::ALL
                .iter()
                .map(|status| status.as_str())
                .collect();
            format!(
                "New values are statuses: {}, or nothing for blank. {wildcard}",
                statuses.join(", ")
            )
        }
        FieldKind::Code(codes) => format!("New values are codes: {}. {wildcard}", codes.join(", ")),
        _ => wildcard.to_owned(),
    }
}

fn request_panel(
    store: &Store,
    sample: &KeptRequest,
    samples: &[&KeptRequest],
    mode: Mode,
) -> Markup {
    let base = match mode {
        Mode::Wizard => format!("/settings/stores/{}/setup/map", store.id),
        Mode::Edit => format!("/settings/stores/{}/map", store.id),
    };
    html! {
        section.panel.request-panel #request-panel aria-labelledby="request-heading" {
            h2 #request-heading { "Request " (sample.id) }
            p.hint {
                "Received " (format_time(sample.received_at)) ", " (sample.body_size) " bytes."
            }
            @if samples.len() > 1 {
                form.sample-choice method="get" action=(base) {
                    label for="sample-choice" { "Use another request as the sample" }
                    select #sample-choice name="request" {
                        @for request in samples {
                            option value=(request.id) selected[request.id == sample.id] {
                                "#" (request.id) " · " (format_time(request.received_at))
                            }
                        }
                    }
                    button type="submit" { "Show" }
                }
            }
            p #new-elements-notice.warning hidden {}
            p.legend {
                span.mark.mapped { "Mapped" } " " span.mark.unmapped { "Not mapped" } " "
                span.mark.new #legend-new hidden { "New field" }
            }
            div.field {
                label for="element-filter" { "Filter elements" }
                input #element-filter type="search" autocomplete="off" spellcheck="false";
            }
            p #elements-status role="status" { "Loading the request's elements…" }
            ul #element-list.element-list {}
        }
    }
}

fn preview_panel() -> Markup {
    html! {
        section.panel.preview-panel #preview-panel aria-labelledby="preview-heading" {
            h2 #preview-heading { "Preview" }
            p #preview-status role="status" aria-live="polite" {
                "Map a field to see the order this request becomes."
            }
            ul #preview-errors.preview-errors {}
            div #preview-order.preview-order {}
        }
    }
}

fn save_actions(store: &Store, mode: Mode) -> Markup {
    html! {
        div.actions.map-actions {
            @match mode {
                Mode::Wizard => {
                    a.button href=(format!("/settings/stores/{}/setup/security", store.id)) { "Back" }
                    button #save-map.primary type="button" disabled { "Save and continue" }
                }
                Mode::Edit => {
                    button #save-map.primary type="button" disabled { "Save map" }
                }
            }
            span #save-hint.hint { "Map at least one field to save." }
        }
    }
}

fn category_name(category: Category) -> &'static str {
    match category {
        Category::Order => "order",
        Category::Address => "address",
        Category::Items => "items",
        Category::Charges => "charges",
        Category::Notes => "notes",
        Category::Payment => "payment",
        Category::Shipment => "shipment",
    }
}

fn category_label(category: Category) -> &'static str {
    match category {
        Category::Order => "Order",
        Category::Address => "Address",
        Category::Items => "Items",
        Category::Charges => "Charges",
        Category::Notes => "Notes",
        Category::Payment => "Payment",
        Category::Shipment => "Shipment",
    }
}

/// Returns the name of a field kind as `mapping.js` reads it from `data-kind`.
fn kind_name(kind: FieldKind) -> &'static str {
    match kind {
        FieldKind::Text => "text",
        FieldKind::Id => "id",
        FieldKind::Money => "money",
        FieldKind::SignedMoney => "signed_money",
        FieldKind::Quantity => "quantity",
        FieldKind::Boolean => "boolean",
        FieldKind::DateTime => "date_time",
        FieldKind::Currency => "currency",
        FieldKind::Country => "country",
        FieldKind::State => "state",
        FieldKind::Status => "status",
        FieldKind::Carrier => "carrier",
        FieldKind::Service => "service",
        FieldKind::Package => "package",
        FieldKind::Code(_) => "code",
        FieldKind::Weight => "weight",
        FieldKind::Length => "length",
        FieldKind::List => "list",
    }
}
