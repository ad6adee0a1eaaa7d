//! Recognising what a body is beyond its fields: thin payloads that carry only an order id,
//! item entries a filter skips, and the option pairs of a line.

use std::borrow::Cow;

use serde_json::Value;

use super::convert::Raw;
use super::convert::text::scalar;
use super::error::MappingError;
use super::evaluate::display_raw;
use super::map::{Condition, ItemsRule, Map};
use super::path::push_name;
use crate::order::LineOption;

/// Member names that a reference to another resource may have beside its id.
const REFERENCE_KEYS: [&str; 6] = ["id", "type", "object", "resource", "entity", "entity_type"];

/// Top-level members that name the event of a notification.
const EVENT_KEYS: [&str; 6] = ["scope", "topic", "event", "event_type", "eventType", "type"];

/// A body with more scalars than this is treated as carrying an order, not only its id.
const MAX_THIN_SCALARS: usize = 16;

/// Returns a thin-payload error when the body carries only an order id.
///
/// The map's `thin_payload` rule is tried first. Without one, a small body counts as thin when
/// an object at the top or one level down contains only an `id` (not blank or `-1`) and
/// reference members such as `type`, as in `{"scope": "...", "data": {"type": "order", "id": 1}}`.
pub(crate) fn thin_payload(map: &Map, body: &Value) -> Option<MappingError> {
    if let Some(rule) = &map.thin_payload {
        let id = rule.id.first(body, body).and_then(real_id)?;
        let event = rule.event.as_ref().and_then(|path| path.first(body, body));
        return Some(MappingError::ThinPayload {
            id,
            id_path: rule.id.to_string(),
            event: event.map(|value| display_raw(&Raw::Json(value))),
        });
    }
    detect_reference(body)
}

fn detect_reference(body: &Value) -> Option<MappingError> {
    let members = body.as_object()?;
    if count_scalars(body, 0) > MAX_THIN_SCALARS {
        return None;
    }
    let root = std::iter::once((None, body));
    let children = members
        .iter()
        .map(|(name, value)| (Some(name.as_str()), value));
    let (name, reference) = root
        .chain(children)
        .find(|(_, value)| is_reference(value))?;

    let id = reference.get("id").and_then(real_id)?;
    let mut id_path = String::from("$");
    if let Some(name) = name {
        push_name(&mut id_path, name);
    }
    id_path.push_str(".id");
    let event = EVENT_KEYS
        .iter()
        .find_map(|key| members.get(*key).filter(|value| value.is_string()))
        .map(|value| display_raw(&Raw::Json(value)));
    Some(MappingError::ThinPayload { id, id_path, event })
}

fn is_reference(value: &Value) -> bool {
    value.as_object().is_some_and(|object| {
        object.contains_key("id")
            && object.len() <= 3
            && object
                .keys()
                .all(|key| REFERENCE_KEYS.contains(&key.as_str()))
    })
}

fn count_scalars(value: &Value, depth: usize) -> usize {
    if depth > 4 {
        return MAX_THIN_SCALARS + 1;
    }
    match value {
        Value::Array(entries) => entries
            .iter()
            .map(|entry| count_scalars(entry, depth + 1))
            .sum(),
        Value::Object(members) => members
            .values()
            .map(|member| count_scalars(member, depth + 1))
            .sum(),
        _ => 1,
    }
}

/// Returns the id text, unless it is blank or a placeholder such as `-1`.
fn real_id(value: &Value) -> Option<String> {
    let text = scalar(value).as_text().map(Cow::into_owned)?;
    (!is_placeholder(&text)).then_some(text)
}

/// Returns whether an order number or id is a placeholder that would merge unrelated
/// orders: blank, `-1`, `null` or `undefined`. Zero is a value, because a cart may number an
/// order `0`.
pub(crate) fn is_placeholder(text: &str) -> bool {
    let trimmed = text.trim().trim_start_matches('#');
    trimmed.is_empty()
        || trimmed == "-1"
        || trimmed.eq_ignore_ascii_case("null")
        || trimmed.eq_ignore_ascii_case("undefined")
}

/// Returns whether an items entry passes the section's `keep_if` and `skip_if` conditions.
pub(crate) fn keeps_entry(items: &ItemsRule, body: &Value, entry: &Value) -> bool {
    let keep = items
        .keep_if
        .as_ref()
        .is_none_or(|condition| holds(condition, body, entry));
    let skip = items
        .skip_if
        .as_ref()
        .is_some_and(|condition| holds(condition, body, entry));
    keep && !skip
}

fn holds(condition: &Condition, body: &Value, entry: &Value) -> bool {
    let value = condition
        .path
        .first(body, entry)
        .filter(|value| !value.is_null());
    if let Some(present) = condition.present {
        return value.is_some() == present;
    }
    let Some(value) = value else {
        return false;
    };
    if let Some(expected) = &condition.equals {
        return same(value, expected);
    }
    condition
        .one_of
        .as_ref()
        .is_some_and(|list| list.iter().any(|expected| same(value, expected)))
}

/// JSON equality where numbers compare by value and text ignores case.
fn same(value: &Value, expected: &Value) -> bool {
    match (value, expected) {
        (Value::Number(left), Value::Number(right)) => {
            let left: Option<rust_decimal::Decimal> = left.to_string().parse().ok();
            let right: Option<rust_decimal::Decimal> = right.to_string().parse().ok();
            left.is_some() && left == right
        }
        (Value::String(left), Value::String(right)) => left.trim().eq_ignore_ascii_case(right),
        _ => value == expected,
    }
}

/// Reads the option pairs of one line entry from every options rule of the section.
pub(crate) fn line_options(items: &ItemsRule, body: &Value, entry: &Value) -> Vec<LineOption> {
    let mut options = Vec::new();
    for rule in &items.options {
        let mut pairs = Vec::new();
        rule.path.select(body, entry, &mut pairs);
        for pair in pairs {
            let name = rule.name.first(body, pair).map(scalar);
            let value = rule.value.first(body, pair).map(scalar);
            let (Some(name), Some(value)) = (
                name.as_ref().and_then(|name| name.as_text()),
                value.as_ref().and_then(|value| value.as_text()),
            ) else {
                continue;
            };
            if rule
                .skip_prefixes
                .iter()
                .any(|prefix| name.starts_with(prefix.as_str()))
            {
                continue;
            }
            options.push(LineOption {
                name: name.into_owned(),
                value: value.into_owned(),
            });
        }
    }
    options
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn empty_map() -> Map {
        Map::default()
    }

    #[test]
    fn event_envelope_with_reference_is_thin() {
        let body = json!({
            "scope": "store/order/created",
            "store_id": "1025646",
            "data": {"type": "order", "id": 250},
            "hash": "dd70c0976e06b67aaf671e73f49dcb79230ebf9d",
            "created_at": 1561479335,
            "producer": "stores/{store_hash}"
        });
        let Some(MappingError::ThinPayload { id, id_path, event }) =
            thin_payload(&empty_map(), &body)
        else {
            panic!("expected a thin payload");
        };
        assert_eq!(id, "250");
        assert_eq!(id_path, "$.data.id");
        assert_eq!(event.as_deref(), Some("store/order/created"));
    }

    #[test]
    fn order_without_number_is_not_thin() {
        let saleor = json!({"type": "Order", "id": "T3Jk", "shipping_address": null, "status": "unfulfilled"});
        assert!(thin_payload(&empty_map(), &saleor).is_none());
        let ecwid = json!({"eventId": "80ae", "eventCreated": 1234567, "storeId": 1003, "entityId": -1, "eventType": "unfinished_order.created"});
        assert!(thin_payload(&empty_map(), &ecwid).is_none());
    }

    #[test]
    fn placeholder_ids_are_not_thin() {
        let body = json!({"data": {"type": "order", "id": -1}});
        assert!(thin_payload(&empty_map(), &body).is_none());
    }

    #[test]
    fn placeholders() {
        for text in ["", " ", "-1", "#", "null", "undefined"] {
            assert!(is_placeholder(text), "{text:?}");
        }
        for text in ["0", "#0", "000", "1", "#1001", "A-0"] {
            assert!(!is_placeholder(text), "{text:?}");
        }
    }

    #[test]
    fn conditions_compare_numbers_by_value() {
        let entry: Value =
            serde_json::from_str(r#"{"q": 1.0, "ship": false, "t": "Gift"}"#).unwrap();
        let condition = |json: Value| -> Condition { serde_json::from_value(json).unwrap() };
        let body = json!({});
        assert!(holds(
            &condition(json!({"path": "@.q", "equals": 1})),
            &body,
            &entry
        ));
        assert!(holds(
            &condition(json!({"path": "@.ship", "equals": false})),
            &body,
            &entry
        ));
        assert!(holds(
            &condition(json!({"path": "@.t", "one_of": ["gift", "x"]})),
            &body,
            &entry
        ));
        assert!(holds(
            &condition(json!({"path": "@.nope", "present": false})),
            &body,
            &entry
        ));
        assert!(!holds(
            &condition(json!({"path": "@.nope", "equals": 1})),
            &body,
            &entry
        ));
    }
}
