//! The shipments of an order's page: the table with a Void button per shipment, and the form
//! that records a new one with carrier, service and package codes from postsale's catalogue.
//!
//! Element ids: `#shipments-table` (rows `#shipment-<id>`, buttons `#void-shipment-<id>`),
//! `#shipment-form`, `#shipment-carrier`, `#shipment-service` (each option carries
//! `data-carrier`), `#shipment-package`, `#shipment-tracking-number`, `#shipment-ship-date`,
//! `#shipment-cost`, `#shipment-weight-value`, `#shipment-weight-unit`, `#shipment-length`,
//! `#shipment-width`, `#shipment-height`, `#shipment-dimension-unit`, `#create-shipment`,
//! `#shipment-closed` (when the order's status forbids a shipment). A field's error is
//! `#<id>-error`.

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::post;
use maud::{Markup, html};
use postsale_core::mapping::codes::{CARRIERS, PACKAGES, SERVICES};
use postsale_core::{OrderId, OrderStatus, ShipmentId};
use postsale_store::orders::StoredOrder;
use postsale_store::shipments::{self, Shipment};
use serde::Deserialize;
use serde_json::{Value, json};
use time::Date;

use crate::api::shipments::{ShipmentIn, record, void};
use crate::app::AppState;
use crate::web::error::WebError;
use crate::web::form::{FieldErrors, Form, error_summary, field_error, input_field};
use crate::web::layout::time_element;
use crate::web::orders::{load_order, render_order};
use crate::web::session::SignedIn;
use crate::web::{PathIds, csrf};

const WEIGHT_UNITS: [(&str, &str); 4] = [("oz", "oz"), ("lb", "lb"), ("g", "g"), ("kg", "kg")];
const LENGTH_UNITS: [(&str, &str); 2] = [("in", "in"), ("cm", "cm")];

/// Builds the routes that record and void shipments.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/orders/{id}/shipments", post(create))
        .route("/orders/{id}/shipments/{shipment}/void", post(void_one))
}

/// The submitted shipment form; every field is text so that a wrong value can be shown again.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct ShipmentView {
    csrf_token: String,
    shipment_carrier: String,
    shipment_service: String,
    shipment_package: String,
    shipment_tracking_number: String,
    shipment_ship_date: String,
    shipment_cost: String,
    shipment_weight_value: String,
    shipment_weight_unit: String,
    shipment_length: String,
    shipment_width: String,
    shipment_height: String,
    shipment_dimension_unit: String,
}

impl ShipmentView {
    /// Creates an empty form with today's ship date.
    pub fn default_for(today: Date) -> ShipmentView {
        ShipmentView {
            shipment_ship_date: today.to_string(),
            shipment_weight_unit: "oz".to_owned(),
            shipment_dimension_unit: "in".to_owned(),
            ..ShipmentView::default()
        }
    }

    /// Builds the API's input: blank optional fields are left out, so the API checks only
    /// what was entered.
    fn input(&self) -> ShipmentIn {
        let text = |value: &str| {
            let value = value.trim();
            (!value.is_empty()).then(|| value.to_owned())
        };
        let weight = text(&self.shipment_weight_value)
            .map(|value| json!({"value": value, "unit": self.shipment_weight_unit}));
        let any_dimension = [
            &self.shipment_length,
            &self.shipment_width,
            &self.shipment_height,
        ]
        .iter()
        .any(|value| !value.trim().is_empty());
        let dimensions = any_dimension.then(|| {
            json!({
                "length": self.shipment_length.trim(),
                "width": self.shipment_width.trim(),
                "height": self.shipment_height.trim(),
                "unit": self.shipment_dimension_unit,
            })
        });
        ShipmentIn {
            carrier: self.shipment_carrier.trim().to_owned(),
            service: self.shipment_service.trim().to_owned(),
            package: text(&self.shipment_package),
            tracking_number: text(&self.shipment_tracking_number),
            ship_date: text(&self.shipment_ship_date),
            cost: text(&self.shipment_cost).map(Value::String),
            weight,
            dimensions,
            ship_from: None,
        }
    }
}

async fn create(
    State(state): State<AppState>,
    signed_in: SignedIn,
    PathIds(id): PathIds<i64>,
    Form(view): Form<ShipmentView>,
) -> Result<Response, WebError> {
    csrf::verify(&signed_in, &view.csrf_token)?;
    let order = load_order(&state, &signed_in, id).await?;

    let mut errors = FieldErrors::default();
    if view.shipment_carrier.trim().is_empty() {
        errors.add("shipment_carrier", "Choose a carrier.");
    }
    if view.shipment_service.trim().is_empty() {
        errors.add("shipment_service", "Choose a service of the carrier.");
    }
    if errors.is_empty() {
        match record(&state, signed_in.account.id, &order, view.input()).await {
            Ok(_) => {
                let target = format!("/orders/{id}?shipment=created");
                return Ok(Redirect::to(&target).into_response());
            }
            Err(error) if error.status() == StatusCode::UNPROCESSABLE_ENTITY => {
                let field = error
                    .extension("field")
                    .and_then(Value::as_str)
                    .map_or("shipment_carrier", form_field);
                errors.add(field, sentence(error.detail()));
            }
            Err(error) if error.status() == StatusCode::CONFLICT => {
                errors.add("shipment_carrier", sentence(error.detail()));
            }
            Err(error) => return Err(error.into()),
        }
    }
    render_order(
        &state,
        &signed_in,
        &order,
        &view,
        &errors,
        None,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}

async fn void_one(
    State(state): State<AppState>,
    signed_in: SignedIn,
    PathIds((id, shipment_id)): PathIds<(i64, i64)>,
    Form(form): Form<crate::web::sign_in::TokenForm>,
) -> Result<Response, WebError> {
    csrf::verify(&signed_in, &form.csrf_token)?;
    let order = load_order(&state, &signed_in, id).await?;
    let shipment = shipments::get(state.db(), signed_in.account.id, ShipmentId(shipment_id))
        .await?
        .filter(|shipment| shipment.order_id == order.id)
        .ok_or_else(|| WebError::not_found("Shipment", shipment_id))?;
    match void(&state, signed_in.account.id, shipment.id).await {
        Ok(_) => {
            let target = format!("/orders/{id}?shipment=voided");
            Ok(Redirect::to(&target).into_response())
        }
        Err(error) if error.status() == StatusCode::CONFLICT => {
            let view = ShipmentView::default_for(time::OffsetDateTime::now_utc().date());
            let mut errors = FieldErrors::default();
            errors.add("void", sentence(error.detail()));
            render_order(
                &state,
                &signed_in,
                &order,
                &view,
                &errors,
                None,
                StatusCode::CONFLICT,
            )
            .await
        }
        Err(error) => Err(error.into()),
    }
}

/// Maps a field of the API's input to the form field that shows its error.
fn form_field(api_field: &str) -> &'static str {
    match api_field {
        "carrier" => "shipment_carrier",
        "service" => "shipment_service",
        "package" => "shipment_package",
        "ship_date" => "shipment_ship_date",
        "cost" => "shipment_cost",
        "weight.value" => "shipment_weight_value",
        "weight.unit" => "shipment_weight_unit",
        "dimensions.length" => "shipment_length",
        "dimensions.width" => "shipment_width",
        "dimensions.height" => "shipment_height",
        "dimensions.unit" => "shipment_dimension_unit",
        _ => "shipment_carrier",
    }
}

/// Starts an API message with a capital letter and ends it with a full stop.
fn sentence(detail: &str) -> String {
    let mut chars = detail.chars();
    let Some(first) = chars.next() else {
        return String::new();
    };
    let mut text: String = first.to_uppercase().chain(chars).collect();
    if !text.ends_with('.') {
        text.push('.');
    }
    text
}

/// Renders the order's shipments, each with a Void button while it is not voided.
pub fn shipments_table(signed_in: &SignedIn, order_id: OrderId, shipments: &[Shipment]) -> Markup {
    html! {
        @if shipments.is_empty() {
            p.empty #no-shipments { "No shipments yet." }
        } @else {
            div.table-wrap {
                table #shipments-table {
                    thead { tr {
                        th scope="col" { "Created" }
                        th scope="col" { "Carrier and service" }
                        th scope="col" { "Package" }
                        th scope="col" { "Tracking number" }
                        th scope="col" { "Ship date" }
                        th.number scope="col" { "Cost" }
                        th scope="col" { "Weight and size" }
                        th scope="col" { "State" }
                    } }
                    tbody {
                        @for shipment in shipments {
                            (shipment_row(signed_in, order_id, shipment))
                        }
                    }
                }
            }
        }
    }
}

fn shipment_row(signed_in: &SignedIn, order_id: OrderId, shipment: &Shipment) -> Markup {
    let details: Value = serde_json::from_str(&shipment.document).unwrap_or(Value::Null);
    html! {
        tr id={ "shipment-" (shipment.id) } {
            td { (time_element(shipment.created_at)) }
            td { (code_label(CARRIERS, &shipment.carrier)) br; span.hint { (code_label(SERVICES, &shipment.service)) } }
            td { (shipment.package.as_deref().map(|code| code_label(PACKAGES, code)).unwrap_or_default()) }
            td { (shipment.tracking_number.as_deref().unwrap_or("")) }
            td { (shipment.ship_date.as_deref().unwrap_or("")) }
            td.number { (shipment.cost.as_deref().unwrap_or("")) }
            td { (measures(&details)) }
            td {
                @match shipment.voided_at {
                    Some(voided) => { span.badge.voided { "Voided" } " " (time_element(voided)) },
                    None => {
                        form.inline method="post"
                            action={ "/orders/" (order_id) "/shipments/" (shipment.id) "/void" } {
                            (csrf::hidden_field(signed_in))
                            button id={ "void-shipment-" (shipment.id) } type="submit" { "Void" }
                        }
                    },
                }
            }
        }
    }
}

/// Describes the weight and dimensions of a shipment's details.
fn measures(details: &Value) -> String {
    let mut parts = Vec::new();
    let weight = &details["weight"];
    if let (Some(value), Some(unit)) = (weight["value"].as_str(), weight["unit"].as_str()) {
        parts.push(format!("{value} {unit}"));
    }
    let dims = &details["dimensions"];
    if let (Some(length), Some(width), Some(height), Some(unit)) = (
        dims["length"].as_str(),
        dims["width"].as_str(),
        dims["height"].as_str(),
        dims["unit"].as_str(),
    ) {
        parts.push(format!("{length} × {width} × {height} {unit}"));
    }
    parts.join(", ")
}

fn code_label(list: &[postsale_core::mapping::codes::Code], code: &str) -> String {
    list.iter()
        .find(|entry| entry.code == code)
        .map_or_else(|| code.to_owned(), |entry| entry.label.to_owned())
}

/// Renders the form that records a shipment, or the reason the order cannot have one.
pub fn create_form(
    signed_in: &SignedIn,
    order: &StoredOrder,
    view: &ShipmentView,
    errors: &FieldErrors,
) -> Markup {
    if let Some(status @ (OrderStatus::Cancelled | OrderStatus::AwaitingPayment)) = order.status {
        return html! {
            p.warning #shipment-closed {
                "This order is " (crate::web::layout::status_label(Some(status)).to_lowercase())
                ", so it cannot have a shipment."
            }
        };
    }
    html! {
        h3 { "Create a shipment" }
        (error_summary(errors))
        @if let Some(message) = errors.get("void") {
            p.form-error #void-error role="alert" { (message) }
        }
        form #shipment-form.stacked method="post" action={ "/orders/" (order.id) "/shipments" } {
            (csrf::hidden_field(signed_in))
            div.grid {
                div.field {
                    label for="shipment-carrier" { "Carrier" }
                    select #shipment-carrier name="shipment_carrier" required {
                        option value="" { "Choose a carrier" }
                        @for carrier in CARRIERS {
                            option value=(carrier.code) selected[view.shipment_carrier == carrier.code] {
                                (carrier.label)
                            }
                        }
                    }
                    (field_error(errors, "shipment_carrier"))
                }
                div.field {
                    label for="shipment-service" { "Service" }
                    select #shipment-service name="shipment_service" required {
                        option value="" { "Choose a service" }
                        @for carrier in CARRIERS {
                            optgroup label=(carrier.label) {
                                @for service in SERVICES.iter().filter(|s| s.carrier == Some(carrier.code)) {
                                    option value=(service.code) data-carrier=(carrier.code)
                                        selected[view.shipment_service == service.code] {
                                        (service.label)
                                    }
                                }
                            }
                        }
                    }
                    (field_error(errors, "shipment_service"))
                }
                div.field {
                    label for="shipment-package" { "Package" }
                    select #shipment-package name="shipment_package" {
                        option value="" { "None" }
                        @for package in PACKAGES {
                            option value=(package.code)
                                data-carrier=[package.carrier]
                                selected[view.shipment_package == package.code] {
                                (package.label)
                            }
                        }
                    }
                    (field_error(errors, "shipment_package"))
                }
                (input_field("shipment_tracking_number", "Tracking number", "text",
                    &view.shipment_tracking_number, errors))
                (input_field("shipment_ship_date", "Ship date", "date", &view.shipment_ship_date, errors))
                (input_field("shipment_cost", "Cost", "text", &view.shipment_cost, errors))
            }
            fieldset {
                legend { "Weight" }
                div.grid {
                    (input_field("shipment_weight_value", "Weight", "text", &view.shipment_weight_value, errors))
                    (unit_select("shipment_weight_unit", "Weight unit", &WEIGHT_UNITS,
                        &view.shipment_weight_unit, errors))
                }
            }
            fieldset {
                legend { "Dimensions" }
                div.grid {
                    (input_field("shipment_length", "Length", "text", &view.shipment_length, errors))
                    (input_field("shipment_width", "Width", "text", &view.shipment_width, errors))
                    (input_field("shipment_height", "Height", "text", &view.shipment_height, errors))
                    (unit_select("shipment_dimension_unit", "Dimension unit", &LENGTH_UNITS,
                        &view.shipment_dimension_unit, errors))
                }
            }
            button #create-shipment.primary type="submit" { "Create shipment" }
        }
    }
}

fn unit_select(
    name: &str,
    label: &str,
    units: &[(&str, &str)],
    selected: &str,
    errors: &FieldErrors,
) -> Markup {
    let id = crate::web::form::field_id(name);
    html! {
        div.field {
            label for=(id) { (label) }
            select id=(id) name=(name) {
                @for (value, text) in units {
                    option value=(value) selected[selected == *value] { (text) }
                }
            }
            (field_error(errors, name))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blank_measures_are_left_out() {
        let view = ShipmentView {
            shipment_carrier: "usps".to_owned(),
            shipment_service: "usps_priority_mail".to_owned(),
            shipment_weight_unit: "oz".to_owned(),
            ..ShipmentView::default()
        };

        let input = view.input();

        assert!(input.weight.is_none());
        assert!(input.dimensions.is_none());
        assert!(input.cost.is_none());
    }

    #[test]
    fn api_messages_become_sentences() {
        assert_eq!(sentence("invalid cost \"x\""), "Invalid cost \"x\".");
        assert_eq!(form_field("dimensions.unit"), "shipment_dimension_unit");
    }
}
