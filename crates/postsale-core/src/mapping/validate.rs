//! Validation of a mapped order: required fields, placeholder numbers, whole quantities and ISO
//! country codes. Every error names the field, the element, the value and the fix.

use std::collections::HashSet;

use super::catalogue::{FieldKey, ItemField, OrderField, ShipmentField, catalogue};
use super::classify::is_placeholder;
use super::codes::{self, PACKAGES, SERVICES};
use super::convert::country::is_alpha2;
use super::error::{ErrorCode, FieldError};
use super::map::{Map, Source};
use crate::order::{Address, Order};

const SOURCE: FieldKey = FieldKey::Order(OrderField::Source);
const NUMBER: FieldKey = FieldKey::Order(OrderField::Number);
const ITEM_NAME: FieldKey = FieldKey::Item(ItemField::Name);
const ITEM_QUANTITY: FieldKey = FieldKey::Item(ItemField::Quantity);
const ITEM_ORIGIN: FieldKey = FieldKey::Item(ItemField::CountryOfOrigin);
const SERVICE: FieldKey = FieldKey::Shipment(ShipmentField::Service);
const PACKAGE: FieldKey = FieldKey::Shipment(ShipmentField::Package);

/// The maximum length of an order source or order number, in characters. The two keep an
/// order apart from every other, and the order listing filters by each with at most this many
/// characters.
pub const MAX_KEY_CHARS: usize = 200;

/// Checks a mapped order; `existing` are the conversion errors already found, so a field that
/// failed to convert is not reported twice. `entries` contains each line's position in the array.
pub(crate) fn validate(
    map: &Map,
    order: &Order,
    entries: &[usize],
    existing: &[FieldError],
) -> Vec<FieldError> {
    let reported: HashSet<(&str, Option<usize>)> = existing
        .iter()
        .map(|error| (error.field.as_str(), error.line))
        .collect();
    let mut errors = Vec::new();
    let mut push = |error: FieldError| {
        if !reported.contains(&(error.field.as_str(), error.line)) {
            errors.push(error);
        }
    };

    if order.source.trim().is_empty() {
        push(missing(map, SOURCE, None, "could not map order source"));
    } else if order.source.chars().count() > MAX_KEY_CHARS {
        let fix = "map a short name of the store or channel, or set a fixed value";
        push(too_long(map, SOURCE, "order source", &order.source, fix));
    }
    check_number(map, &order.number, &mut push);
    for (position, line) in order.lines.iter().enumerate() {
        let entry = entries.get(position).copied();
        if line.name.trim().is_empty() {
            push(missing(map, ITEM_NAME, entry, "the line has no name"));
        }
        if line.quantity == 0 {
            push(missing(
                map,
                ITEM_QUANTITY,
                entry,
                "the line has no quantity",
            ));
        }
        if let Some(country) = line.country_of_origin.as_deref() {
            check_country(map, ITEM_ORIGIN, entry, country, &mut push);
        }
    }
    check_address(map, order.ship_to.as_ref(), "ship_to.country", &mut push);
    check_address(map, order.bill_to.as_ref(), "bill_to.country", &mut push);
    check_carrier_codes(map, order, &mut push);
    errors
}

/// Checks that the service and package codes belong to the carrier, when a carrier is set.
fn check_carrier_codes(map: &Map, order: &Order, push: &mut impl FnMut(FieldError)) {
    let shipment = &order.shipment;
    let Some(carrier) = shipment.carrier.as_deref() else {
        return;
    };
    let checks = [
        (SERVICE, SERVICES, shipment.service.as_deref()),
        (PACKAGE, PACKAGES, shipment.package.as_deref()),
    ];
    for (key, list, code) in checks {
        let Some(code) = code else {
            continue;
        };
        let owner = codes::lookup(list, code).and_then(|entry| entry.carrier);
        if owner.is_some_and(|owner| owner != carrier) {
            push(FieldError {
                field: key.as_str().to_owned(),
                line: None,
                path: describe(map, key),
                value: Some(code.to_owned()),
                code: ErrorCode::UnknownCode,
                message: format!("{code} is not a code of the carrier {carrier}"),
                fix: format!("map a code of {carrier}, or change the carrier"),
            });
        }
    }
}

/// Builds the error for an order source or number of more than [`MAX_KEY_CHARS`] characters,
/// quoting its first 60.
fn too_long(map: &Map, key: FieldKey, field_name: &str, text: &str, fix: &str) -> FieldError {
    let start: String = text.chars().take(60).collect();
    FieldError {
        field: key.as_str().to_owned(),
        line: None,
        path: describe(map, key),
        value: Some(format!("{start}...")),
        code: ErrorCode::Invalid,
        message: format!(
            "could not map {field_name}: it has {} characters, more than the maximum of \
             {MAX_KEY_CHARS}",
            text.chars().count()
        ),
        fix: fix.to_owned(),
    }
}

fn check_number(map: &Map, number: &str, push: &mut impl FnMut(FieldError)) {
    if number.trim().is_empty() {
        push(missing(map, NUMBER, None, "could not map order number"));
    } else if number.chars().count() > MAX_KEY_CHARS {
        let fix = "map the element that holds the order number as the channel shows it";
        push(too_long(map, NUMBER, "order number", number, fix));
    } else if is_placeholder(number) {
        push(FieldError {
            field: NUMBER.as_str().to_owned(),
            line: None,
            path: describe(map, NUMBER),
            value: Some(number.to_owned()),
            code: ErrorCode::Placeholder,
            message: "could not map order number: the value is a placeholder, and importing it \
                      would merge unrelated orders"
                .into(),
            fix: "map the element that holds the real order number, or ignore this event type"
                .into(),
        });
    } else if let Some(problem) = not_a_number_value(number) {
        push(FieldError {
            field: NUMBER.as_str().to_owned(),
            line: None,
            path: describe(map, NUMBER),
            value: Some(number.to_owned()),
            code: ErrorCode::Invalid,
            message: format!("could not map order number: {problem}"),
            fix: "map the element that holds the order number as the channel shows it".into(),
        });
    }
}

/// Returns why a mapped order number is invalid: a yes-or-no value, or a number written with
/// an exponent (`1.5e+300`), whose text is not the one any channel shows for an order.
fn not_a_number_value(number: &str) -> Option<&'static str> {
    let text = number.trim();
    if text.eq_ignore_ascii_case("true") || text.eq_ignore_ascii_case("false") {
        return Some("the value is true or false, not an order number");
    }
    let digits = text.strip_prefix('-').unwrap_or(text);
    let (mantissa, exponent) = digits.split_once(['e', 'E'])?;
    let exponent = exponent.strip_prefix(['+', '-']).unwrap_or(exponent);
    let is_digits = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = match mantissa.split_once('.') {
        Some((whole, fraction)) => is_digits(whole) && is_digits(fraction),
        None => is_digits(mantissa),
    };
    (mantissa_ok && is_digits(exponent))
        .then_some("the value is a number written with an exponent, not an order number")
}

fn check_address(
    map: &Map,
    address: Option<&Address>,
    field: &str,
    push: &mut impl FnMut(FieldError),
) {
    let Some(country) = address.and_then(|address| address.country.as_deref()) else {
        return;
    };
    let key: FieldKey = field
        .parse()
        .expect("address country keys are in the catalogue");
    check_country(map, key, None, country, push);
}

fn check_country(
    map: &Map,
    key: FieldKey,
    line: Option<usize>,
    country: &str,
    push: &mut impl FnMut(FieldError),
) {
    if is_alpha2(country) {
        return;
    }
    push(FieldError {
        field: key.as_str().to_owned(),
        line,
        path: describe(map, key),
        value: Some(country.to_owned()),
        code: ErrorCode::UnknownCountry,
        message: "the country is not an ISO 3166-1 alpha-2 code or a known country name".into(),
        fix: "map the element with the country code, or add a value_map entry from this value \
              to its two-letter code"
            .into(),
    });
}

fn missing(map: &Map, key: FieldKey, line: Option<usize>, what: &str) -> FieldError {
    let path = describe(map, key);
    let (message, fix) = match &path {
        None => (
            format!("{what}: the map has no rule for {key}"),
            format!("map {key} to an element or set it to a fixed value"),
        ),
        Some(path) => (
            format!("{what}: {path} has no value in this request"),
            format!("map {key} to an element this request has, or ignore this event type"),
        ),
    };
    FieldError {
        field: key.as_str().to_owned(),
        line,
        path,
        value: None,
        code: ErrorCode::Missing,
        message,
        fix,
    }
}

/// Describes the rule of a field, with item paths resolved against the items array.
fn describe(map: &Map, key: FieldKey) -> Option<String> {
    let rule = map.rule(key)?;
    let items_path = map.items.as_ref().map(|items| &items.path);
    match (rule.source(), items_path) {
        (Some(Source::Path(path)), Some(base)) if path.is_relative() => {
            Some(path.resolve_against(base).to_string())
        }
        _ => Some(rule.describe()),
    }
}

/// Returns whether an error reports that the order number could not be mapped.
pub(crate) fn is_number_error(error: &FieldError) -> bool {
    error.field == NUMBER.as_str()
}

/// Sorts errors by the catalogue order of their field, then by line.
pub(crate) fn sort_errors(errors: &mut [FieldError]) {
    let position = |field: &str| {
        catalogue()
            .iter()
            .position(|def| def.name == field)
            .unwrap_or(usize::MAX)
    };
    errors.sort_by_key(|error| (position(&error.field), error.line));
}

#[cfg(test)]
mod tests {
    use super::not_a_number_value;

    #[test]
    fn order_number_rejects_bool_exponent() {
        for text in ["true", "FALSE", "1.5e+300", "1E5", "-2.5e-3"] {
            assert!(not_a_number_value(text).is_some(), "{text}");
        }
        for text in [
            "1001", "#1001", "1001.1", "INV-1E5", "E5", "1e", "trueness", "0",
        ] {
            assert!(not_a_number_value(text).is_none(), "{text}");
        }
    }
}
