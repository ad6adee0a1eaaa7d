//! Orders: the list with status tabs, filters, search and cursor pagination (`/orders`), and
//! an order's page (`/orders/{id}`). The order page's shipment forms are in `shipment_form`.
//!
//! Element ids of the list: `#status-tabs` (one link per tab, with `aria-current="page"` on
//! the open one) and `#order-filters` with `#filter-store`, `#filter-source`, `#filter-from`,
//! `#filter-to`, `#filter-q`, `#apply-filters` and `#clear-filters`. The table `#orders-table`
//! has one row `#order-<id>` per order with `a.order-number`. Also `#next-page`,
//! `#first-page`, `#no-orders` and `#filter-errors`.
//!
//! Element ids of the order page: `#order-status`, `#order-facts`, `#invoice-html`,
//! `#invoice-pdf`, `#packing-slip-html`, `#packing-slip-pdf`, `#ship-to`, `#bill-to`,
//! `#order-lines`, `#order-charges`, `#order-notes`, `#import-history` (rows
//! `#history-<request id>`) and `#order-notice`. The shipments table and form are described
//! in `shipment_form`.

use std::collections::HashMap;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use maud::{Markup, html};
use postsale_core::order::{Address, Order};
use postsale_core::{OrderId, OrderStatus, StoreId};
use postsale_store::orders::{self, OrderFilter, OrderSort, StoredOrder};
use postsale_store::requests::{self, KeptRequest};
use postsale_store::shipments;
use postsale_store::stores::{self, Store};
use rust_decimal::Decimal;
use serde::Deserialize;
use time::macros::format_description;
use time::{Date, OffsetDateTime, Time};

use crate::app::AppState;
use crate::web::PathIds;
use crate::web::error::{Query, WebError};
use crate::web::form::{FieldErrors, field_error};
use crate::web::layout::{Nav, page_with_status, status_label, time_element};
use crate::web::session::SignedIn;
use crate::web::shipment_form::{self, ShipmentView};

/// Orders on one page of the list.
const PAGE_SIZE: i64 = 50;

/// Builds the routes of the orders list and the order page, with the shipment actions.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/orders", get(list))
        .route("/orders/{id}", get(show))
        .merge(shipment_form::routes())
}

/// The tab, filters, search and cursor of the list, as the query string carries them.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct ListQuery {
    /// A status, `blank`, or absent for every order.
    #[serde(default)]
    status: String,
    /// A store id, or empty for every store.
    #[serde(default)]
    store: String,
    #[serde(default)]
    source: String,
    /// The first day of the created range, `YYYY-MM-DD`.
    #[serde(default)]
    from: String,
    /// The last day of the created range, `YYYY-MM-DD`, included.
    #[serde(default)]
    to: String,
    /// Text in the order number, customer name or customer email.
    #[serde(default)]
    q: String,
    cursor: Option<i64>,
}

impl ListQuery {
    /// Builds the query string of this list with another status tab and no cursor.
    fn with_status(&self, status: &str) -> String {
        let mut query = ListQuery {
            cursor: None,
            ..self.clone()
        };
        query.status = status.to_owned();
        query.to_query_string()
    }

    fn with_cursor(&self, cursor: Option<i64>) -> String {
        let query = ListQuery {
            cursor,
            ..self.clone()
        };
        query.to_query_string()
    }

    fn to_query_string(&self) -> String {
        let pairs = [
            ("status", self.status.as_str()),
            ("store", self.store.as_str()),
            ("source", self.source.as_str()),
            ("from", self.from.as_str()),
            ("to", self.to.as_str()),
            ("q", self.q.as_str()),
        ];
        let mut parts: Vec<String> = pairs
            .iter()
            .filter(|(_, value)| !value.is_empty())
            .map(|(key, value)| format!("{key}={}", encode(value)))
            .collect();
        if let Some(cursor) = self.cursor {
            parts.push(format!("cursor={cursor}"));
        }
        if parts.is_empty() {
            "/orders".to_owned()
        } else {
            format!("/orders?{}", parts.join("&"))
        }
    }
}

/// Percent-encodes a query value.
fn encode(value: &str) -> String {
    percent_encoding::utf8_percent_encode(value, percent_encoding::NON_ALPHANUMERIC).to_string()
}

/// Lists the status tabs as (query value, label).
fn tabs() -> Vec<(&'static str, &'static str)> {
    let mut tabs = vec![("", "All")];
    tabs.extend(
        OrderStatus::ALL
            .into_iter()
            .map(|status| (status.as_str(), status_label(Some(status)))),
    );
    tabs.push(("blank", "Blank"));
    tabs
}

async fn list(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Query(query): Query<ListQuery>,
) -> Result<Response, WebError> {
    let (filter, errors) = build_filter(&query);
    let account = signed_in.account.id;
    let found = orders::list(
        state.db(),
        account,
        &filter,
        OrderSort::Newest,
        query.cursor.map(OrderId),
        PAGE_SIZE,
    )
    .await?;
    let stores = stores::list(state.db(), account).await?;
    let store_names: HashMap<StoreId, &str> = stores
        .iter()
        .map(|store| (store.id, store.name.as_str()))
        .collect();
    let next_cursor = (found.len() as i64 == PAGE_SIZE)
        .then(|| found.last().map(|order| order.id.get()))
        .flatten();

    let body = html! {
        h1 { "Orders" }
        nav aria-label="Order status" {
            ul #status-tabs.tabs {
                @for (value, label) in tabs() {
                    li {
                        a href=(query.with_status(value))
                            aria-current=[(query.status == value).then_some("page")] { (label) }
                    }
                }
            }
        }
        (filter_form(&query, &stores, &errors))
        @if found.is_empty() {
            p.empty #no-orders { "No orders match." }
        } @else {
            div.table-wrap {
                table #orders-table {
                    thead { tr {
                        th scope="col" { "Order number" }
                        th scope="col" { "Created" }
                        th scope="col" { "Store" }
                        th scope="col" { "Source" }
                        th scope="col" { "Customer" }
                        th.number scope="col" { "Items" }
                        th.number scope="col" { "Total" }
                        th scope="col" { "Status" }
                    } }
                    tbody {
                        @for order in &found {
                            (order_row(order, &store_names))
                        }
                    }
                }
            }
        }
        div.pagination {
            @if query.cursor.is_some() {
                a #first-page href=(query.with_cursor(None)) { "First page" }
            }
            @if let Some(cursor) = next_cursor {
                a #next-page href=(query.with_cursor(Some(cursor))) { "Next page" }
            }
        }
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    Ok(page_with_status(
        status,
        "Orders",
        &signed_in,
        Nav::Orders,
        &[],
        body,
    ))
}

/// Turns the query into a filter. An invalid value gets an error and does not filter.
fn build_filter(query: &ListQuery) -> (OrderFilter, FieldErrors) {
    let mut errors = FieldErrors::default();
    let mut filter = OrderFilter::default();
    match query.status.as_str() {
        "" => {}
        "blank" => filter.status = Some(None),
        text => match text.parse::<OrderStatus>() {
            Ok(status) => filter.status = Some(Some(status)),
            Err(_) => errors.add("status", "Choose one of the status tabs."),
        },
    }
    if !query.store.is_empty() {
        match query.store.parse::<i64>() {
            Ok(id) => filter.store_id = Some(StoreId(id)),
            Err(_) => errors.add("store", "Choose a store from the list."),
        }
    }
    let source = query.source.trim();
    if !source.is_empty() {
        filter.source = Some(source.to_owned());
    }
    filter.created_from = parse_day(&query.from, "from", &mut errors).map(start_of_day);
    filter.created_to = parse_day(&query.to, "to", &mut errors)
        .and_then(|day| day.next_day())
        .map(start_of_day);
    let text = query.q.trim();
    if !text.is_empty() {
        filter.text = Some(text.to_owned());
    }
    (filter, errors)
}

fn parse_day(text: &str, field: &str, errors: &mut FieldErrors) -> Option<Date> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    let format = format_description!("[year]-[month]-[day]");
    match Date::parse(text, format) {
        Ok(day) => Some(day),
        Err(_) => {
            errors.add(
                field,
                format!("The date {text:?} is invalid: use YYYY-MM-DD, such as 2025-01-24."),
            );
            None
        }
    }
}

fn start_of_day(day: Date) -> OffsetDateTime {
    day.with_time(Time::MIDNIGHT).assume_utc()
}

fn filter_form(query: &ListQuery, stores: &[Store], errors: &FieldErrors) -> Markup {
    html! {
        @if !errors.is_empty() {
            div.form-error #filter-errors role="alert" {
                @for (_, message) in errors.iter() { p { (message) } }
            }
        }
        form #order-filters.filters method="get" action="/orders" role="search" {
            @if !query.status.is_empty() {
                input type="hidden" name="status" value=(query.status);
            }
            div.field {
                label for="filter-store" { "Store" }
                select #filter-store name="store" {
                    option value="" { "All stores" }
                    @for store in stores {
                        @let value = store.id.to_string();
                        option value=(value) selected[query.store == value] { (store.name) }
                    }
                }
                (field_error(errors, "store"))
            }
            div.field {
                label for="filter-source" { "Order source" }
                input #filter-source type="text" name="source" value=(query.source);
            }
            div.field {
                label for="filter-from" { "Created from" }
                input #filter-from type="date" name="from" value=(query.from);
                (field_error(errors, "from"))
            }
            div.field {
                label for="filter-to" { "Created to" }
                input #filter-to type="date" name="to" value=(query.to);
                (field_error(errors, "to"))
            }
            div.field {
                label for="filter-q" { "Search" }
                input #filter-q type="search" name="q" value=(query.q)
                    placeholder="Number, customer name or email";
            }
            button #apply-filters.primary type="submit" { "Apply" }
            a #clear-filters href="/orders" { "Clear" }
        }
    }
}

fn order_row(order: &StoredOrder, store_names: &HashMap<StoreId, &str>) -> Markup {
    let store = order
        .store_id
        .and_then(|id| store_names.get(&id).copied())
        .unwrap_or("(deleted store)");
    html! {
        tr id={ "order-" (order.id) } {
            td { a.order-number href={ "/orders/" (order.id) } { (order.number) } }
            td { (time_element(order.created_at)) }
            td { (store) }
            td { (order.source) }
            td {
                (order.order.customer.name.as_deref().unwrap_or(""))
                @if let Some(email) = &order.order.customer.email {
                    br; span.hint { (email) }
                }
            }
            td.number { (order.order.lines.len()) }
            td.number { (money(order.order.charges.total, order.order.currency.as_deref())) }
            td { (status_badge(order.status)) }
        }
    }
}

/// Formats an amount with its currency code, or nothing when there is no amount.
fn money(amount: Option<Decimal>, currency: Option<&str>) -> String {
    match (amount, currency) {
        (Some(amount), Some(currency)) => format!("{amount} {currency}"),
        (Some(amount), None) => amount.to_string(),
        (None, _) => String::new(),
    }
}

fn status_badge(status: Option<OrderStatus>) -> Markup {
    html! {
        span class={ "badge " (status.map_or("blank", OrderStatus::as_str)) } { (status_label(status)) }
    }
}

/// Query parameters of the order page that choose a notice; only fixed texts are shown.
#[derive(Debug, Default, Deserialize)]
pub struct ShowQuery {
    shipment: Option<String>,
}

async fn show(
    State(state): State<AppState>,
    signed_in: SignedIn,
    PathIds(id): PathIds<i64>,
    Query(query): Query<ShowQuery>,
) -> Result<Response, WebError> {
    let order = load_order(&state, &signed_in, id).await?;
    let notice = match query.shipment.as_deref() {
        Some("created") => Some("The shipment was recorded."),
        Some("voided") => Some("The shipment was voided."),
        _ => None,
    };
    let view = ShipmentView::default_for(OffsetDateTime::now_utc().date());
    render_order(
        &state,
        &signed_in,
        &order,
        &view,
        &FieldErrors::default(),
        notice,
        StatusCode::OK,
    )
    .await
}

/// Renders an order's page with the shipment form showing `view` and `errors`.
pub async fn render_order(
    state: &AppState,
    signed_in: &SignedIn,
    order: &StoredOrder,
    view: &ShipmentView,
    errors: &FieldErrors,
    notice: Option<&str>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let account = signed_in.account.id;
    let store = match order.store_id {
        Some(store_id) => stores::get(state.db(), account, store_id).await?,
        None => None,
    };
    let shipments = shipments::for_order(state.db(), account, order.id).await?;
    let history = requests::for_order(state.db(), account, order.id).await?;
    let id = order.id;
    let document = &order.order;

    let body = html! {
        p { a href="/orders" { "Orders" } }
        h1 { "Order " (order.number) " " span #order-status { (status_badge(order.status)) } }
        @if let Some(notice) = notice { p.notice #order-notice role="status" { (notice) } }
        (facts(order, store.as_ref()))
        div.actions {
            a #invoice-html.button href={ "/api/v1/orders/" (id) "/invoice" } { "Invoice" }
            a #invoice-pdf.button href={ "/api/v1/orders/" (id) "/invoice?format=pdf" } { "Invoice (PDF)" }
            a #packing-slip-html.button href={ "/api/v1/orders/" (id) "/packing-slip" } { "Packing slip" }
            a #packing-slip-pdf.button href={ "/api/v1/orders/" (id) "/packing-slip?format=pdf" } {
                "Packing slip (PDF)"
            }
        }
        div.panels {
            section.panel #ship-to aria-labelledby="ship-to-heading" {
                h2 #ship-to-heading { "Ship To" }
                (address_block(document.ship_to.as_ref()))
            }
            section.panel #bill-to aria-labelledby="bill-to-heading" {
                h2 #bill-to-heading { "Bill To" }
                (address_block(document.bill_to.as_ref()))
            }
            section.panel #order-charges aria-labelledby="charges-heading" {
                h2 #charges-heading { "Charges" }
                (charges(document))
            }
        }
        (lines(document))
        (notes(document))
        section aria-labelledby="shipments-heading" {
            h2 #shipments-heading { "Shipments" }
            (shipment_form::shipments_table(signed_in, id, &shipments))
            (shipment_form::create_form(signed_in, order, view, errors))
        }
        (import_history(&history))
    };
    let title = format!("Order {}", order.number);
    Ok(page_with_status(
        status,
        &title,
        signed_in,
        Nav::Orders,
        &[],
        body,
    ))
}

fn facts(order: &StoredOrder, store: Option<&Store>) -> Markup {
    let document = &order.order;
    html! {
        dl.facts #order-facts {
            dt { "Order source" } dd { (order.source) }
            dt { "Store" }
            dd {
                @match store {
                    Some(store) => a href={ "/settings/stores/" (store.id) } { (store.name) },
                    None => "(deleted store)",
                }
            }
            @if let Some(date) = &document.order_date {
                dt { "Order date" } dd { (date.original) " (" (time_element(date.utc)) ")" }
            }
            @if let Some(channel) = &order.channel_status {
                dt { "Channel status" } dd { (channel) }
            }
            @if let Some(name) = &document.customer.name { dt { "Customer" } dd { (name) } }
            @if let Some(email) = &document.customer.email { dt { "Email" } dd { (email) } }
            @if let Some(phone) = &document.customer.phone { dt { "Phone" } dd { (phone) } }
            @if let Some(service) = &document.shipment.requested_service {
                dt { "Requested service" } dd { (service) }
            }
            dt { "Imported" } dd { (time_element(order.created_at)) }
            dt { "Last changed" } dd { (time_element(order.updated_at)) }
        }
    }
}

fn address_block(address: Option<&Address>) -> Markup {
    let Some(address) = address else {
        return html! { p.empty { "No address." } };
    };
    let city_line = [
        address.city.as_deref(),
        address.state.as_deref(),
        address.postal_code.as_deref(),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" ");
    let lines = [
        address.name.clone(),
        address.company.clone(),
        address.street1.clone(),
        address.street2.clone(),
        address.street3.clone(),
        (!city_line.is_empty()).then_some(city_line),
        address.country.clone(),
        address.phone.clone(),
        address.email.clone(),
    ];
    html! {
        address {
            @for line in lines.iter().flatten() { (line) "\n" }
        }
    }
}

fn charges(order: &Order) -> Markup {
    let currency = order.currency.as_deref();
    let charges = &order.charges;
    let rows = [
        ("Subtotal", charges.subtotal),
        ("Shipping", charges.shipping),
        ("Tax", charges.tax),
        ("Discount", charges.discount),
        ("Other fees", charges.other_fees),
        ("Total", charges.total),
        ("Amount paid", charges.amount_paid),
    ];
    html! {
        dl.facts {
            @for (label, amount) in rows {
                @if amount.is_some() {
                    dt { (label) } dd { (money(amount, currency)) }
                }
            }
        }
    }
}

fn lines(order: &Order) -> Markup {
    let currency = order.currency.as_deref();
    html! {
        section #order-lines aria-labelledby="lines-heading" {
            h2 #lines-heading { "Items" }
            @if order.lines.is_empty() {
                p.empty { "No items." }
            } @else {
                div.table-wrap {
                    table {
                        thead { tr {
                            th scope="col" { "SKU" }
                            th scope="col" { "Name" }
                            th.number scope="col" { "Quantity" }
                            th.number scope="col" { "Unit price" }
                            th.number scope="col" { "Line total" }
                        } }
                        tbody {
                            @for line in &order.lines {
                                tr {
                                    td { (line.sku.as_deref().unwrap_or("")) }
                                    td {
                                        (line.name)
                                        @for option in &line.options {
                                            br; span.hint { (option.name) ": " (option.value) }
                                        }
                                    }
                                    td.number { (line.quantity) }
                                    td.number { (money(line.unit_price, currency)) }
                                    td.number { (money(line.line_total, currency)) }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

fn notes(order: &Order) -> Markup {
    let notes = &order.notes;
    let any = notes.customer.is_some() || notes.internal.is_some() || notes.gift_message.is_some();
    html! {
        @if any {
            section #order-notes aria-labelledby="notes-heading" {
                h2 #notes-heading { "Notes" }
                dl.facts {
                    @if let Some(text) = &notes.customer { dt { "Customer notes" } dd { (text) } }
                    @if let Some(text) = &notes.internal { dt { "Internal notes" } dd { (text) } }
                    @if let Some(text) = &notes.gift_message { dt { "Gift message" } dd { (text) } }
                }
            }
        }
    }
}

fn import_history(history: &[KeptRequest]) -> Markup {
    html! {
        section aria-labelledby="history-heading" {
            h2 #history-heading { "Import history" }
            @if history.is_empty() {
                p.empty { "No request has touched this order." }
            } @else {
                div.table-wrap {
                    table #import-history {
                        thead { tr {
                            th scope="col" { "Received" }
                            th scope="col" { "Request" }
                            th scope="col" { "Outcome" }
                            th scope="col" { "Detail" }
                        } }
                        tbody {
                            @for request in history {
                                tr id={ "history-" (request.id) } {
                                    td { (time_element(request.received_at)) }
                                    td {
                                        a href={ "/settings/stores/" (request.store_id) "/requests/" (request.id) } {
                                            "Request " (request.id)
                                        }
                                    }
                                    td {
                                        @let outcome = request.outcome.as_deref().unwrap_or(request.import_state.as_str());
                                        span class={ "badge " (outcome) } { (outcome) }
                                    }
                                    td.detail { (outcome_message(request).unwrap_or_default()) }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Returns the message of a request's import outcome, such as why it was skipped.
fn outcome_message(request: &KeptRequest) -> Option<String> {
    let detail: serde_json::Value =
        serde_json::from_str(request.outcome_detail.as_deref()?).ok()?;
    detail.get("message")?.as_str().map(str::to_owned)
}

/// Reads an order of the signed-in account; another account's order is not found.
pub async fn load_order(
    state: &AppState,
    signed_in: &SignedIn,
    id: i64,
) -> Result<StoredOrder, WebError> {
    orders::get(state.db(), signed_in.account.id, OrderId(id))
        .await?
        .ok_or_else(|| WebError::not_found("Order", id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_string_keeps_filters_and_encodes() {
        let query = ListQuery {
            status: "shipped".to_owned(),
            q: "a&b c".to_owned(),
            cursor: Some(40),
            ..ListQuery::default()
        };

        assert_eq!(query.with_status(""), "/orders?q=a%26b%20c");
        assert_eq!(
            query.with_cursor(Some(7)),
            "/orders?status=shipped&q=a%26b%20c&cursor=7"
        );
    }

    #[test]
    fn invalid_date_is_an_error_not_a_filter() {
        let query = ListQuery {
            from: "24/01/2025".to_owned(),
            to: "2025-01-24".to_owned(),
            ..ListQuery::default()
        };

        let (filter, errors) = build_filter(&query);

        assert!(filter.created_from.is_none());
        assert_eq!(
            filter.created_to,
            Some(time::macros::datetime!(2025-01-25 00:00 UTC))
        );
        assert!(errors.get("from").is_some());
    }
}
