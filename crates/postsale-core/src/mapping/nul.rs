//! Warnings for NUL characters (U+0000) in the elements a map reads. The conversions remove
//! them from text (see [`super::convert::text::text_scalar`]), and these warnings record where.

use serde_json::Value;

use super::convert::Raw;
use super::error::FieldWarning;
use super::evaluate::display_raw;
use super::map::{Map, Rule};
use super::path::JsonPath;

/// Returns whether any string in `value`, at any depth, contains a NUL character.
pub(crate) fn contains_nul(value: &Value) -> bool {
    match value {
        Value::String(text) => text.contains('\0'),
        Value::Array(entries) => entries.iter().any(contains_nul),
        Value::Object(members) => members.values().any(contains_nul),
        Value::Null | Value::Bool(_) | Value::Number(_) => false,
    }
}

/// Lists one warning for each element that a rule reads and whose text contains NUL.
pub(crate) fn warnings(map: &Map, body: &Value) -> Vec<FieldWarning> {
    let mut found = Vec::new();
    for (key, rule) in &map.fields {
        warn_rule(key.as_str(), rule, None, body, &mut found);
    }
    if let Some(items) = &map.items {
        for (key, rule) in &items.fields {
            warn_rule(key.as_str(), rule, Some(&items.path), body, &mut found);
        }
        for option in &items.options {
            let pairs = option.path.resolve_against(&items.path);
            for path in [&option.name, &option.value] {
                warn_path(
                    "items.options",
                    &path.resolve_against(&pairs),
                    body,
                    &mut found,
                );
            }
        }
    }
    found
}

fn warn_rule(
    field: &str,
    rule: &Rule,
    items_path: Option<&JsonPath>,
    body: &Value,
    found: &mut Vec<FieldWarning>,
) {
    for path in rule.paths() {
        let path = match items_path {
            Some(base) => path.resolve_against(base),
            None => path.clone(),
        };
        warn_path(field, &path, body, found);
    }
}

fn warn_path(field: &str, path: &JsonPath, body: &Value, found: &mut Vec<FieldWarning>) {
    let mut nodes = Vec::new();
    path.select(body, body, &mut nodes);
    let Some(node) = nodes
        .into_iter()
        .find(|node| node.as_str().is_some_and(|text| text.contains('\0')))
    else {
        return;
    };
    found.push(FieldWarning {
        field: field.to_owned(),
        line: None,
        path: Some(path.to_string()),
        value: Some(display_raw(&Raw::Json(node)).replace('\0', "\\u0000")),
        message: "the text contains NUL characters (U+0000), which were removed because \
                  PostgreSQL cannot store them in text"
            .to_owned(),
    });
}
