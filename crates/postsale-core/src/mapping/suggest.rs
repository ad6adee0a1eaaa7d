//! Suggested maps for bodies no preset fits, from element names, value shapes and the shape of
//! arrays, with a confidence for each field.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::catalogue::{AddressField, AddressRole, ChargeField, FieldKey, FieldKind, OrderField};
use super::convert::datetime::{Zone, parse_datetime};
use super::convert::number::parse_money;
use super::convert::text::scalar;
use super::elements::{Element, JsonKind, discover_elements};
use super::map::{ItemsRule, MAP_VERSION, Map, Rule};
use super::path::{JsonPath, Segment};
use super::suggest_rules::{
    ADDRESS_NAMES, BILL_TO_PARENTS, ITEM_NAMES, ORDER_NAMES, QUANTITY_NAMES, SHIP_TO_PARENTS,
};
use super::template::Template;
use crate::money::MoneyFormat;

/// The confidence of a fixed order source, which the merchant should name.
const SOURCE_CONFIDENCE: f32 = 0.25;

/// The confidence of a shipping sum over an array of shipping lines.
const SHIPPING_SUM_CONFIDENCE: f32 = 0.6;

/// Amount names inside a shipping line.
const SHIPPING_LINE_AMOUNTS: [&str; 4] = ["price", "total", "amount", "cost"];

/// How much less sure a customer name joined from two address elements is than its parts.
const NAME_TEMPLATE_FACTOR: f32 = 0.9;

/// The confidence of an order number taken from the order's id when nothing better exists.
const ID_AS_NUMBER_CONFIDENCE: f32 = 0.5;

/// The element chosen for one field.
#[derive(Clone, Debug)]
struct Pick {
    path: JsonPath,
    confidence: f32,
    /// Whether the rule sums every value the path selects.
    sum: bool,
}

/// A proposed map and what it filled.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Suggestion {
    pub map: Map,
    pub fields: Vec<SuggestedField>,
}

/// One field the suggestion filled.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SuggestedField {
    pub field: FieldKey,
    /// The rule's source, such as `$.order_number`.
    pub source: String,
    /// From 0 to 1: how sure the suggestion is, from the name match and the value's shape.
    pub confidence: f32,
}

/// Proposes a map for `body`.
pub fn suggest_map(body: &Value) -> Suggestion {
    let discovery = discover_elements(body);
    let items_path = find_items_array(&discovery.elements);
    let mut picks: BTreeMap<FieldKey, Pick> = BTreeMap::new();

    for element in &discovery.elements {
        if matches!(
            element.kind,
            JsonKind::Array | JsonKind::Object | JsonKind::Null
        ) {
            continue;
        }
        let Ok(path) = JsonPath::parse(&element.path) else {
            continue;
        };
        if let Some(items) = &items_path
            && let Some(relative) = relative_to(&path, items)
        {
            consider_item(&relative, element, &mut picks);
            continue;
        }
        if path.has_wildcard() {
            consider_shipping_sum(&path, element, &mut picks);
        } else {
            consider_order(&path, element, &mut picks);
        }
    }
    number_from_id(&mut picks);
    let mut suggestion = build(&picks, items_path);
    add_customer_name(&picks, &mut suggestion);
    suggestion.fields.sort_by_key(|suggested| suggested.field);
    suggestion
}

/// Suggests the customer name as the bill-to (else ship-to) first and last names joined.
fn add_customer_name(picks: &BTreeMap<FieldKey, Pick>, suggestion: &mut Suggestion) {
    let key = FieldKey::Order(OrderField::CustomerName);
    if picks.contains_key(&key) {
        return;
    }
    for role in [AddressRole::BillTo, AddressRole::ShipTo] {
        let first = picks.get(&FieldKey::Address(role, AddressField::FirstName));
        let last = picks.get(&FieldKey::Address(role, AddressField::LastName));
        let (Some(first), Some(last)) = (first, last) else {
            continue;
        };
        let text = format!("{{{}}} {{{}}}", first.path, last.path);
        let Ok(template) = Template::parse(&text) else {
            continue;
        };
        let rule = Rule {
            template: Some(template),
            ..Rule::default()
        };
        suggestion.fields.push(SuggestedField {
            field: key,
            source: rule.describe(),
            confidence: first.confidence.min(last.confidence) * NAME_TEMPLATE_FACTOR,
        });
        suggestion.map.fields.insert(key, rule);
        return;
    }
}

/// Uses the order's id as its number when no element looks like an order number.
fn number_from_id(picks: &mut BTreeMap<FieldKey, Pick>) {
    let number = FieldKey::Order(OrderField::Number);
    let id = FieldKey::Order(OrderField::ExternalId);
    if picks.contains_key(&number) {
        return;
    }
    if let Some(pick) = picks.get(&id) {
        let pick = Pick {
            confidence: ID_AS_NUMBER_CONFIDENCE,
            ..pick.clone()
        };
        picks.insert(number, pick);
    }
}

fn build(picks: &BTreeMap<FieldKey, Pick>, items_path: Option<JsonPath>) -> Suggestion {
    let mut map = Map {
        version: MAP_VERSION,
        name: Some("Suggested".into()),
        ..Map::default()
    };
    let mut fields = vec![SuggestedField {
        field: FieldKey::Order(OrderField::Source),
        source: "fixed value \"webhook\"".into(),
        confidence: SOURCE_CONFIDENCE,
    }];
    map.fields.insert(
        FieldKey::Order(OrderField::Source),
        Rule::fixed(Value::from("webhook")),
    );

    let mut item_rules = BTreeMap::new();
    for (&key, pick) in picks {
        let rule = rule_for(key, pick.path.clone(), pick.sum);
        fields.push(SuggestedField {
            field: key,
            source: rule.describe(),
            confidence: pick.confidence,
        });
        if let FieldKey::Item(_) = key {
            item_rules.insert(key, rule);
        } else {
            map.fields.insert(key, rule);
        }
    }
    if let Some(path) = items_path
        && !item_rules.is_empty()
    {
        map.items = Some(ItemsRule {
            path,
            fields: item_rules,
            ..ItemsRule::default()
        });
    }
    Suggestion { map, fields }
}

fn rule_for(key: FieldKey, path: JsonPath, sum: bool) -> Rule {
    let mut rule = if sum {
        Rule {
            sum: Some(path),
            ..Rule::default()
        }
    } else {
        Rule::path(path)
    };
    if key == FieldKey::Order(OrderField::Tags) {
        rule.split = Some(",".into());
    }
    rule
}

/// Picks the array whose entries look most like order lines: objects with a quantity.
fn find_items_array(elements: &[Element]) -> Option<JsonPath> {
    let mut best: Option<(usize, &str)> = None;
    for element in elements {
        let Some(entry) = element.path.strip_suffix("[*]") else {
            continue;
        };
        if element.kind != JsonKind::Object {
            continue;
        }
        let children = elements.iter().filter_map(|child| {
            let rest = child.path.strip_prefix(&element.path)?.strip_prefix('.')?;
            (!rest.contains(['.', '['])).then(|| normalize(rest))
        });
        let names: Vec<String> = children.collect();
        if !names
            .iter()
            .any(|name| QUANTITY_NAMES.contains(&name.as_str()))
        {
            continue;
        }
        let score = names.len();
        if best.is_none_or(|(best_score, _)| score > best_score) {
            best = Some((score, entry));
        }
    }
    let (_, entry) = best?;
    JsonPath::parse(&format!("{entry}[*]")).ok()
}

fn relative_to(path: &JsonPath, items: &JsonPath) -> Option<JsonPath> {
    let base = items.segments();
    let segments = path.segments();
    if segments.len() <= base.len() || segments[..base.len()] != *base {
        return None;
    }
    let rest = &segments[base.len()..];
    if rest.contains(&Segment::Wildcard) {
        return None;
    }
    let mut relative = JsonPath::parse("@").ok()?;
    for segment in rest {
        relative = relative.child(segment.clone());
    }
    Some(relative)
}

fn consider_item(relative: &JsonPath, element: &Element, picks: &mut BTreeMap<FieldKey, Pick>) {
    let Some(leaf) = leaf_name(relative) else {
        return;
    };
    for (field, names) in ITEM_NAMES {
        if let Some(rank) = names.iter().position(|name| *name == leaf) {
            let key = FieldKey::Item(*field);
            let depth_penalty = 0.1 * (relative.segments().len().saturating_sub(1)) as f32;
            let confidence = rank_confidence(rank) - depth_penalty;
            if fits_shape(key, element) {
                keep_best(picks, key, relative.clone(), confidence);
            }
        }
    }
}

fn consider_order(path: &JsonPath, element: &Element, picks: &mut BTreeMap<FieldKey, Pick>) {
    let names = segment_names(path);
    let Some(leaf) = names.last() else {
        return;
    };
    let parent = names
        .len()
        .checked_sub(2)
        .map(|index| names[index].as_str());

    if let Some(role) = parent.and_then(address_role) {
        consider_address(role, path, leaf, element, picks);
        return;
    }
    let money_leaf = matches!(leaf.as_str(), "value" | "amount");
    let mut names_to_try = vec![(leaf.clone(), names.len())];
    if let Some(parent) = parent {
        let joined = if money_leaf {
            parent.to_owned()
        } else {
            format!("{parent}{leaf}")
        };
        names_to_try.push((joined, names.len() - 1));
    }
    for (name, depth) in names_to_try {
        for (key, candidates) in ORDER_NAMES {
            if let Some(rank) = candidates.iter().position(|candidate| *candidate == name) {
                let confidence = rank_confidence(rank) - 0.15 * depth.saturating_sub(1) as f32;
                if fits_shape(*key, element) {
                    keep_best(picks, *key, path.clone(), confidence);
                }
            }
        }
    }
}

/// Suggests shipping as the sum over an array of shipping lines, such as
/// `$.shipping_lines[*].price`, when no shipping total was found.
fn consider_shipping_sum(path: &JsonPath, element: &Element, picks: &mut BTreeMap<FieldKey, Pick>) {
    let segments = path.segments();
    let [
        ..,
        Segment::Name(array),
        Segment::Wildcard,
        Segment::Name(leaf),
    ] = segments
    else {
        return;
    };
    let key = FieldKey::Charge(ChargeField::Shipping);
    let is_shipping = normalize(array).starts_with("shipping");
    let is_amount = SHIPPING_LINE_AMOUNTS.contains(&normalize(leaf).as_str());
    if is_shipping && is_amount && fits_shape(key, element) && !picks.contains_key(&key) {
        let pick = Pick {
            path: path.clone(),
            confidence: SHIPPING_SUM_CONFIDENCE,
            sum: true,
        };
        picks.insert(key, pick);
    }
}

fn consider_address(
    role: AddressRole,
    path: &JsonPath,
    leaf: &str,
    element: &Element,
    picks: &mut BTreeMap<FieldKey, Pick>,
) {
    for (field, candidates) in ADDRESS_NAMES {
        if let Some(rank) = candidates.iter().position(|candidate| *candidate == leaf) {
            let key = FieldKey::Address(role, *field);
            if fits_shape(key, element) {
                keep_best(picks, key, path.clone(), rank_confidence(rank));
            }
        }
    }
}

fn address_role(parent: &str) -> Option<AddressRole> {
    if SHIP_TO_PARENTS.contains(&parent) {
        Some(AddressRole::ShipTo)
    } else if BILL_TO_PARENTS.contains(&parent) {
        Some(AddressRole::BillTo)
    } else {
        None
    }
}

/// Checks that the example value has the shape the field needs (a date, an amount, an email).
fn fits_shape(key: FieldKey, element: &Element) -> bool {
    let Some(example) = &element.example else {
        return false;
    };
    let value = if element.kind == JsonKind::Number {
        serde_json::from_str::<Value>(example).unwrap_or(Value::Null)
    } else {
        Value::String(example.clone())
    };
    let value = scalar(&value);
    match key.kind() {
        FieldKind::DateTime => {
            let is_number = element.kind == JsonKind::Number;
            parse_datetime(example, is_number, None, &Zone::utc()).is_ok()
        }
        FieldKind::Money | FieldKind::SignedMoney => {
            parse_money(&value, MoneyFormat::Plain, None).is_ok()
        }
        FieldKind::Quantity => element.kind == JsonKind::Number || example.parse::<u32>().is_ok(),
        FieldKind::Currency => example.len() == 3,
        _ if key.as_str().ends_with("email") => example.contains('@'),
        _ => element.kind != JsonKind::Boolean,
    }
}

fn rank_confidence(rank: usize) -> f32 {
    (0.9 - 0.08 * rank as f32).max(0.4)
}

fn keep_best(picks: &mut BTreeMap<FieldKey, Pick>, key: FieldKey, path: JsonPath, confidence: f32) {
    let confidence = confidence.clamp(0.05, 0.95);
    let better = picks
        .get(&key)
        .is_none_or(|existing| confidence > existing.confidence);
    if better {
        let sum = false;
        picks.insert(
            key,
            Pick {
                path,
                confidence,
                sum,
            },
        );
    }
}

fn segment_names(path: &JsonPath) -> Vec<String> {
    path.segments()
        .iter()
        .filter_map(|segment| match segment {
            Segment::Name(name) => Some(normalize(name)),
            _ => None,
        })
        .collect()
}

fn leaf_name(path: &JsonPath) -> Option<String> {
    match path.segments().last()? {
        Segment::Name(name) => Some(normalize(name)),
        _ => None,
    }
}

fn normalize(name: &str) -> String {
    name.chars()
        .filter(|c| !matches!(c, '_' | '-' | ' '))
        .flat_map(char::to_lowercase)
        .collect()
}
