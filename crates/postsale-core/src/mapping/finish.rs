//! The last steps of building an order: names from first and last names, state codes by
//! country, dimensions in one unit, and addresses with no value dropped.

use super::assign::{AddressDraft, Draft};
use super::convert::state::{StateValue, has_codes, state_code};
use super::error::FieldWarning;
use crate::order::Address;
use crate::units::{Dimensions, convert_length};

/// Combines the parts filled separately; returns remarks about values kept as sent.
pub(crate) fn combine(draft: &mut Draft) -> Vec<FieldWarning> {
    let mut warnings = Vec::new();
    let ship_to = std::mem::take(&mut draft.ship_to);
    let bill_to = std::mem::take(&mut draft.bill_to);
    draft.order.ship_to = finish_address(ship_to, "ship_to", &mut warnings);
    draft.order.bill_to = finish_address(bill_to, "bill_to", &mut warnings);
    draft.order.shipment.dimensions = combine_dimensions(draft, &mut warnings);
    warnings
}

fn finish_address(
    draft: AddressDraft,
    prefix: &str,
    warnings: &mut Vec<FieldWarning>,
) -> Option<Address> {
    let mut address = draft.address;
    if address.name.is_none() {
        let parts: Vec<String> = [draft.first_name, draft.last_name]
            .into_iter()
            .flatten()
            .collect();
        if !parts.is_empty() {
            address.name = Some(parts.join(" "));
        }
    }
    if let Some(state) = address.state.take() {
        address.state = Some(normalize_state(
            address.country.as_deref(),
            state,
            prefix,
            warnings,
        ));
    }
    (address != Address::default()).then_some(address)
}

fn normalize_state(
    country: Option<&str>,
    state: String,
    prefix: &str,
    warnings: &mut Vec<FieldWarning>,
) -> String {
    match state_code(country, &state) {
        StateValue::Code(code) => code.to_owned(),
        StateValue::Raw(text) => {
            if let Some(country) = country.filter(|country| has_codes(country)) {
                warnings.push(FieldWarning {
                    field: format!("{prefix}.state"),
                    line: None,
                    path: None,
                    value: Some(text.clone()),
                    message: format!("not a known state or province of {country}; kept as sent"),
                });
            }
            text
        }
    }
}

fn combine_dimensions(draft: &Draft, warnings: &mut Vec<FieldWarning>) -> Option<Dimensions> {
    let [length, width, height] = draft.dimensions;
    let present = [length, width, height]
        .iter()
        .filter(|d| d.is_some())
        .count();
    if present == 0 {
        return None;
    }
    let (Some(length), Some(width), Some(height)) = (length, width, height) else {
        warnings.push(FieldWarning {
            field: "shipment.length".into(),
            line: None,
            path: None,
            value: None,
            message: "dimensions need length, width and height; the ones given were left out"
                .into(),
        });
        return None;
    };
    let unit = length.1;
    let width_value = convert_length(width.0, width.1, unit);
    let height_value = convert_length(height.0, height.1, unit);
    let (Some(width), Some(height)) = (width_value, height_value) else {
        warnings.push(FieldWarning {
            field: "shipment.width".into(),
            line: None,
            path: None,
            value: None,
            message: "a dimension is too large to convert to the length's unit; dimensions were \
                      left out"
                .into(),
        });
        return None;
    };
    Some(Dimensions {
        length: length.0,
        width,
        height,
        unit,
    })
}
