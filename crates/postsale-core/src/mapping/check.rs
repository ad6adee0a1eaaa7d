//! Checks of single rules and of the items section, run when a map is read or saved.

use super::catalogue::{Category, FieldKind};
use super::codes::{self, CARRIERS, PACKAGES, SERVICES};
use super::convert::datetime;
use super::map::{Condition, ItemsRule, Rule, Source};
use super::path::JsonPath;
use crate::status::OrderStatus;
use crate::units::{LengthUnit, WeightUnit};

/// The maximum number of decimal places a `minor_units` setting may name.
const MAX_MINOR_UNITS: u32 = 8;

/// Appends every problem of one rule to `problems`, each starting with the field name.
pub(crate) fn check_rule(
    name: &str,
    kind: FieldKind,
    rule: &Rule,
    in_items: bool,
    problems: &mut Vec<String>,
) {
    check_source(name, rule, problems);

    for path in rule.paths() {
        if path.is_relative() && !in_items {
            problems.push(format!(
                "{name}: {path} starts with @, which only works inside \"items\"; start it with $"
            ));
        }
    }
    if let Some(Source::Sum(path)) = rule.source() {
        if !is_numeric(kind) {
            problems.push(format!(
                "{name}: sum only works on amount, weight and length fields"
            ));
        }
        if !path.has_wildcard() {
            problems.push(format!("{name}: sum of {path} needs a [*] in the path"));
        }
    }
    check_options(name, kind, rule, problems);
    if let Some(value_map) = &rule.value_map {
        for target in value_map.values() {
            check_map_target(name, kind, target, problems);
        }
    }
}

fn check_source(name: &str, rule: &Rule, problems: &mut Vec<String>) {
    if let Some(Source::Header(header)) = rule.source()
        && http::HeaderName::from_bytes(header.as_bytes()).is_err()
    {
        problems.push(format!(
            "{name}: header {header:?} is not an HTTP header name; write a name such as \
             X-Shopify-Shop-Domain"
        ));
    }
    if rule.first_of.as_ref().is_some_and(Vec::is_empty) {
        problems.push(format!(
            "{name}: first_of is empty; list at least one element"
        ));
    }
    if rule.source().is_some() {
        return;
    }
    let count = rule.path.is_some() as usize
        + rule.value.is_some() as usize
        + rule.template.is_some() as usize
        + rule.first_of.is_some() as usize
        + rule.sum.is_some() as usize
        + rule.header.is_some() as usize;
    if count == 0 {
        problems.push(format!(
            "{name}: the rule has no source; give one of path, value, template, first_of, sum \
             or header"
        ));
    } else {
        problems.push(format!(
            "{name}: the rule has {count} sources; keep one of path, value, template, first_of, \
             sum or header"
        ));
    }
}

fn check_options(name: &str, kind: FieldKind, rule: &Rule, problems: &mut Vec<String>) {
    if rule.split.is_some() && kind != FieldKind::List {
        problems.push(format!(
            "{name}: split only works on list fields such as order.tags"
        ));
    }
    if let Some(unit) = &rule.unit {
        let valid = match kind {
            FieldKind::Weight => unit.parse::<WeightUnit>().is_ok(),
            FieldKind::Length => unit.parse::<LengthUnit>().is_ok(),
            _ => {
                problems.push(format!(
                    "{name}: unit only works on weight and length fields"
                ));
                true
            }
        };
        if !valid {
            problems.push(format!(
                "{name}: unknown unit {unit:?}; use g, kg, oz or lb for weights, cm or in for lengths"
            ));
        }
    }
    if rule
        .minor_units
        .is_some_and(|places| places > MAX_MINOR_UNITS)
    {
        problems.push(format!(
            "{name}: minor_units must be between 0 and {MAX_MINOR_UNITS}"
        ));
    }
    if let Some(zone) = &rule.time_zone
        && let Err(error) = datetime::parse_zone(zone)
    {
        problems.push(format!("{name}: {error}"));
    }
    if let Some(format) = &rule.datetime_format
        && let Err(error) = datetime::check_format(format)
    {
        problems.push(format!("{name}: {error}"));
    }
}

fn check_map_target(name: &str, kind: FieldKind, target: &str, problems: &mut Vec<String>) {
    if target.is_empty() {
        return;
    }
    let known = match kind {
        FieldKind::Status => target.parse::<OrderStatus>().is_ok(),
        FieldKind::Carrier => codes::lookup(CARRIERS, target).is_some(),
        FieldKind::Service => codes::lookup(SERVICES, target).is_some(),
        FieldKind::Package => codes::lookup(PACKAGES, target).is_some(),
        FieldKind::Code(list) => list.contains(&target),
        _ => true,
    };
    if !known {
        problems.push(format!(
            "{name}: the value map gives {target:?}, which is not a valid {}; use a code from \
             the catalogue",
            kind_noun(kind)
        ));
    }
}

fn kind_noun(kind: FieldKind) -> &'static str {
    match kind {
        FieldKind::Status => "order status",
        FieldKind::Carrier => "carrier code",
        FieldKind::Service => "service code",
        FieldKind::Package => "package code",
        _ => "code",
    }
}

fn is_numeric(kind: FieldKind) -> bool {
    matches!(
        kind,
        FieldKind::Money | FieldKind::SignedMoney | FieldKind::Weight | FieldKind::Length
    )
}

/// Appends every problem of the items section to `problems`.
pub(crate) fn check_items(items: &ItemsRule, problems: &mut Vec<String>) {
    if items.path.is_relative() || items.array_path().is_none() {
        problems.push(format!(
            "items: the path {} must start with $ and end with [*], like $.line_items[*]",
            items.path
        ));
    }
    for (key, rule) in &items.fields {
        if key.category() != Category::Items {
            problems.push(format!(
                "items: {key} is an order-level field; move its rule to \"fields\""
            ));
            continue;
        }
        check_rule(key.as_str(), key.kind(), rule, true, problems);
    }
    for (label, condition) in [("keep_if", &items.keep_if), ("skip_if", &items.skip_if)] {
        if let Some(condition) = condition {
            check_condition(label, condition, problems);
        }
    }
    for option in &items.options {
        let paths: [(&str, &JsonPath); 3] = [
            ("path", &option.path),
            ("name", &option.name),
            ("value", &option.value),
        ];
        for (label, path) in paths {
            if !path.is_relative() {
                problems.push(format!(
                    "items.options: {label} {path} must start with @ (relative to the entry)"
                ));
            }
        }
        if !option.path.has_wildcard() {
            problems.push(format!("items.options: path {} needs a [*]", option.path));
        }
    }
}

fn check_condition(label: &str, condition: &Condition, problems: &mut Vec<String>) {
    let tests = condition.equals.is_some() as usize
        + condition.one_of.is_some() as usize
        + condition.present.is_some() as usize;
    if tests != 1 {
        problems.push(format!(
            "items.{label}: give exactly one of equals, one_of or present"
        ));
    }
}
