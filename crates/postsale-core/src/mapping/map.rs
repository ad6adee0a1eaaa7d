//! The map document: one rule per field, the items section, and the checks a map must pass.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::apply::ApplyContext;
use super::catalogue::{Category, FieldKey, FieldKind};
use super::error::{MapError, MappingError};
use super::path::{JsonPath, Segment};
use super::template::Template;
use crate::money::MoneyFormat;

/// The map format version this code reads and writes.
pub const MAP_VERSION: u32 = 1;

/// A map: the rules that fill order fields from a request's elements.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Map {
    /// The format version; must be [`MAP_VERSION`].
    pub version: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The amount format of every money rule that sets none.
    #[serde(default, skip_serializing_if = "is_plain")]
    pub money_format: MoneyFormat,
    /// A boolean rule that marks a request as a test the channel sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub test_flag: Option<Rule>,
    /// How to recognise a notification that carries only an order id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thin_payload: Option<ThinPayloadRule>,
    /// One rule per order-level field, keyed like `order.number`.
    #[serde(default)]
    pub fields: BTreeMap<FieldKey, Rule>,
    /// The order lines: one line per entry of an array.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub items: Option<ItemsRule>,
}

/// The rule of one field: exactly one source, and the settings that convert its value.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    /// One element.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<JsonPath>,
    /// A fixed value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<Value>,
    /// Text joining elements, such as `{$.first_name} {$.last_name}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template: Option<Template>,
    /// The first of these elements that has a non-blank value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_of: Option<Vec<JsonPath>>,
    /// The sum of every value a wildcard path selects.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sum: Option<JsonPath>,
    /// The value of a request header, such as `X-Shopify-Shop-Domain`; names match without
    /// regard to case.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub header: Option<String>,
    /// The value used when the source gives none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<Value>,
    /// Values that mean "no value" for this field, beside blank text, `null` and `NULL`, such
    /// as `0` for a guest's customer id or `0000-00-00` for a date.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub empty_values: Vec<String>,
    /// Replaces a value by another, matching keys without regard to case. A key ending in `*`
    /// matches values that start with the rest, and a `*` key catches every other value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_map: Option<BTreeMap<String, String>>,
    /// Splits text into a list at this separator (list fields only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub split: Option<String>,
    /// The amount format of this rule, overriding the map's `money_format`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub money_format: Option<MoneyFormat>,
    /// Decimal places of an amount sent in minor units, such as 2 for cents.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minor_units: Option<u32>,
    /// A strftime-like pattern (`%Y-%m-%d %H:%M:%S`), or `unix_seconds` or `unix_millis`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub datetime_format: Option<String>,
    /// The IANA time zone or fixed offset for values without an offset, overriding the store's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<String>,
    /// Words read as true, beside true, yes, y, 1 and on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub true_words: Option<Vec<String>>,
    /// Words read as false, beside false, no, n, 0 and off.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub false_words: Option<Vec<String>>,
    /// The unit of a weight (g, kg, oz, lb) or length (cm, in) sent as a bare number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// Decodes HTML entities such as `&ndash;` in text.
    #[serde(default, skip_serializing_if = "is_false")]
    pub decode_html: bool,
}

/// Returns whether `fields` has a rule for `key` that can give it a value. A rule that reads
/// the request counts. A fixed value counts only when an import would accept it, so `""`, or
/// a value that `empty_values` turns blank, does not.
fn sets_field(format: MoneyFormat, fields: &BTreeMap<FieldKey, Rule>, key: &FieldKey) -> bool {
    fields.get(key).is_some_and(|rule| match rule.source() {
        Some(Source::Value(_)) if key.category() != Category::Items => {
            fixed_value_error(format, key, rule).is_none()
        }
        Some(Source::Value(value)) => {
            !is_blank(value)
                || rule
                    .default
                    .as_ref()
                    .is_some_and(|default| !is_blank(default))
        }
        _ => true,
    })
}

fn is_blank(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(text) => text.trim().is_empty(),
        _ => false,
    }
}

/// Builds the error for a map document that is not a JSON object. serde reads a struct from an
/// array too, by position, and would report the array's first element as a wrong `version`.
fn not_an_object() -> MapError {
    MapError::Parse(serde::de::Error::custom(
        "a map document is a JSON object with \"version\" and \"fields\", not an array or a \
         single value",
    ))
}

/// Returns a map that sets order source and number to fixed placeholders, and `key` by
/// `rule`, so that mapping an empty body with it shows what an import makes of a fixed value.
fn probe_map(format: MoneyFormat, key: Option<(&FieldKey, &Rule)>) -> Map {
    use super::catalogue::OrderField;

    let placeholder = Rule {
        value: Some(Value::from("1")),
        ..Rule::default()
    };
    let mut fields = BTreeMap::new();
    for import_key in [
        FieldKey::Order(OrderField::Source),
        FieldKey::Order(OrderField::Number),
    ] {
        fields.insert(import_key, placeholder.clone());
    }
    if let Some((key, rule)) = key {
        fields.insert(*key, rule.clone());
    }
    Map {
        version: MAP_VERSION,
        money_format: format,
        fields,
        ..Map::default()
    }
}

/// Describes how the order number `rule`, read from the request, gives requests the same
/// number: a default for every request without the element, or a value_map pattern for every
/// value it matches. Returns `None` for a rule that reads each request's own number. A fixed
/// value is checked by the caller.
fn same_number_problem(format: MoneyFormat, rule: &Rule) -> Option<String> {
    use super::catalogue::OrderField;

    if matches!(rule.source(), Some(Source::Value(_))) {
        return None;
    }
    // A key ending in `*` matches every value it starts, and `*` alone every value no other
    // key matches. An empty target gives no number, so those orders fail instead of merging.
    if let Some((pattern, target)) = rule.value_map.as_ref().and_then(|map| {
        map.iter()
            .find(|(key, target)| key.ends_with('*') && !target.trim().is_empty())
    }) {
        return Some(format!(
            "order.number: the value_map entry {pattern:?}: {target:?} would give every order \
             number it matches the number {target:?}, so those orders would update one order; \
             remove the entry"
        ));
    }
    let number = FieldKey::Order(OrderField::Number);
    let probe = Map {
        fields: BTreeMap::from([
            (
                FieldKey::Order(OrderField::Source),
                Rule {
                    value: Some(Value::from("probe")),
                    ..Rule::default()
                },
            ),
            (number, rule.clone()),
        ]),
        ..probe_map(format, None)
    };
    let empty = Value::Object(serde_json::Map::new());
    let mapped = super::apply::apply_map(&probe, &empty, &super::apply::ApplyContext::default());
    let constant = mapped.ok()?.order.number;
    if constant.trim().is_empty() {
        return None;
    }
    Some(format!(
        "order.number: a request without the element would get the order number {constant:?} \
         from the rule's default, so all such requests would update one order; remove the \
         default, so that such a request fails instead"
    ))
}

/// Returns the value a rule gives every request, or every request without its element, as a
/// fixed-value rule with the same conversion settings, and the word for it: its fixed value,
/// or its default. `None` for a rule with neither.
fn fixed_probe(rule: &Rule) -> Option<(&Value, Rule, &'static str)> {
    if let Some(Source::Value(value)) = rule.source() {
        return Some((value, rule.clone(), "fixed value"));
    }
    let default = rule.default.as_ref()?;
    Some((default, with_fixed_value(rule, default.clone()), "default"))
}

/// Returns `rule` with `value` as its fixed source and no default, keeping its conversion
/// settings, such as its value_map and true words.
fn with_fixed_value(rule: &Rule, value: Value) -> Rule {
    Rule {
        value: Some(value),
        path: None,
        template: None,
        first_of: None,
        sum: None,
        header: None,
        default: None,
        ..rule.clone()
    }
}

/// Lists what makes the test flag `rule` skip real orders: a fixed value or a default that
/// reads as true, or a value_map that reads a flag of `false` as true.
fn test_flag_problems(format: MoneyFormat, rule: &Rule) -> Vec<String> {
    let mut problems = Vec::new();
    if let Some(Source::Value(value)) = rule.source() {
        if marks_every_request_a_test(format, rule) {
            problems.push(format!(
                "test_flag: the fixed value {value} marks every request as a test, so none \
                 imports; read the flag from the request, or remove test_flag"
            ));
        }
        return problems;
    }
    if let Some(default) = &rule.default
        && marks_every_request_a_test(format, &with_fixed_value(rule, default.clone()))
    {
        problems.push(format!(
            "test_flag: the default {default} marks every request without the flag as a test, \
             so a channel that leaves the flag out imports nothing; remove the default"
        ));
    }
    if marks_every_request_a_test(format, &with_fixed_value(rule, Value::Bool(false))) {
        problems.push(
            "test_flag: a request whose flag is false would be marked as a test, so no real \
             order would import; make the rule read false as false"
                .to_owned(),
        );
    }
    problems
}

/// Returns whether the test flag `rule`, a fixed value, reads as true.
fn marks_every_request_a_test(format: MoneyFormat, rule: &Rule) -> bool {
    let probe = Map {
        test_flag: Some(rule.clone()),
        ..probe_map(format, None)
    };
    let empty = Value::Object(serde_json::Map::new());
    super::apply::run(&probe, &empty, &super::apply::ApplyContext::default()).test
}

/// Maps an empty body with the fixed-value `rule` for the top-level field `key`, in the map's
/// money `format`. Returns the error an import gives on `key`, counting a blank order source
/// or number as one.
fn fixed_value_error(
    format: MoneyFormat,
    key: &FieldKey,
    rule: &Rule,
) -> Option<super::error::FieldError> {
    use super::catalogue::OrderField;
    use super::error::{ErrorCode, FieldError, MappingError};

    let probe = probe_map(format, Some((key, rule)));
    let empty = Value::Object(serde_json::Map::new());
    let blank = |what: &str| FieldError {
        field: key.as_str().to_owned(),
        line: None,
        path: None,
        value: None,
        code: ErrorCode::Missing,
        message: format!("the {what} is blank"),
        fix: format!("map {key} to an element of the request, or give a value that is not blank"),
    };
    match super::apply::apply_map(&probe, &empty, &super::apply::ApplyContext::default()) {
        Ok(mapped) => match key {
            FieldKey::Order(OrderField::Source) if mapped.order.source.trim().is_empty() => {
                Some(blank("order source"))
            }
            FieldKey::Order(OrderField::Number) if mapped.order.number.trim().is_empty() => {
                Some(blank("order number"))
            }
            _ => None,
        },
        Err(MappingError::Invalid { errors, .. } | MappingError::NotAnOrder { errors, .. }) => {
            errors.into_iter().find(|error| error.field == key.as_str())
        }
        Err(_) => None,
    }
}

/// Maps a body with one empty line through the fixed-value line `rule` for the item field
/// `key`, in the map's money `format`. Returns the error an import gives on that field of the
/// line, such as a quantity of 0 or a blank name.
fn fixed_line_value_error(
    format: MoneyFormat,
    key: &FieldKey,
    rule: &Rule,
) -> Option<super::error::FieldError> {
    let lines = JsonPath::parse("$.lines[*]").ok()?;
    let probe = Map {
        items: Some(ItemsRule {
            path: lines,
            fields: BTreeMap::from([(*key, rule.clone())]),
            ..ItemsRule::default()
        }),
        ..probe_map(format, None)
    };
    let body = serde_json::json!({"lines": [{}]});
    let error = match super::apply::apply_map(&probe, &body, &ApplyContext::default()) {
        Err(MappingError::Invalid { errors, .. } | MappingError::NotAnOrder { errors, .. }) => {
            errors
                .into_iter()
                .find(|error| error.field == key.as_str())?
        }
        _ => return None,
    };
    // The import's words for a missing value speak of a request, which a map save has none of.
    if error.code == super::error::ErrorCode::Missing {
        return Some(super::error::FieldError {
            message: "the value is blank".to_owned(),
            fix: "give a value that is not blank, or map an element of the line".to_owned(),
            ..error
        });
    }
    Some(error)
}

/// The source of a rule, once the map is checked.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Source<'a> {
    Path(&'a JsonPath),
    Value(&'a Value),
    Template(&'a Template),
    FirstOf(&'a [JsonPath]),
    Sum(&'a JsonPath),
    Header(&'a str),
}

/// The items section: the array that contains the lines, and how each entry fills a line.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ItemsRule {
    /// The array of lines, written with a trailing `[*]`, such as `$.line_items[*]`.
    pub path: JsonPath,
    /// Only entries matching this condition become lines.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keep_if: Option<Condition>,
    /// Entries matching this condition are skipped.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skip_if: Option<Condition>,
    /// One rule per item field, keyed like `items.sku`; `@` paths start at the entry.
    #[serde(default)]
    pub fields: BTreeMap<FieldKey, Rule>,
    /// Arrays of name and value pairs that become the line's options.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<OptionsRule>,
}

/// A nested array of name and value pairs, such as `@.properties[*]` with `@.name`, `@.value`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OptionsRule {
    /// The array, relative to the line entry, written with a trailing `[*]`.
    pub path: JsonPath,
    /// The option name, relative to one pair.
    pub name: JsonPath,
    /// The option value, relative to one pair.
    pub value: JsonPath,
    /// Pairs whose name starts with one of these prefixes are left out (such as `_`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub skip_prefixes: Vec<String>,
}

/// A test on one element of an entry.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    pub path: JsonPath,
    /// Holds when the element equals this value (numbers compare by value).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub equals: Option<Value>,
    /// Holds when the element equals one of these values.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub one_of: Option<Vec<Value>>,
    /// Holds when the element is present and not null (`true`) or absent or null (`false`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub present: Option<bool>,
}

/// Recognises a notification that carries only the id of an order, not the order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ThinPayloadRule {
    /// The element with the order id.
    pub id: JsonPath,
    /// The element naming the event, such as `$.scope`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event: Option<JsonPath>,
}

fn is_plain(format: &MoneyFormat) -> bool {
    *format == MoneyFormat::Plain
}

fn is_false(flag: &bool) -> bool {
    !flag
}

impl Map {
    /// Reads a map from JSON and checks it; errors name unknown keys and invalid rules.
    pub fn from_json(bytes: &[u8]) -> Result<Map, MapError> {
        let document = bytes.trim_ascii_start();
        if !document.is_empty() && document[0] != b'{' {
            return Err(not_an_object());
        }
        let map: Map = serde_json::from_slice(bytes).map_err(MapError::Parse)?;
        map.check()?;
        Ok(map)
    }

    /// Reads a map from an already parsed JSON value and checks it.
    pub fn from_value(value: Value) -> Result<Map, MapError> {
        if !value.is_object() {
            return Err(not_an_object());
        }
        let map: Map = serde_json::from_value(value).map_err(MapError::Parse)?;
        map.check()?;
        Ok(map)
    }

    /// Checks every rule; returns all problems together.
    pub fn check(&self) -> Result<(), MapError> {
        let mut problems = Vec::new();
        if self.version != MAP_VERSION {
            problems.push(format!(
                "map version {} is not supported; set \"version\": {MAP_VERSION}",
                self.version
            ));
        }
        if self.fields.is_empty()
            && self
                .items
                .as_ref()
                .is_none_or(|items| items.fields.is_empty())
        {
            problems.push("the map has no field; map at least one field before saving".into());
        }
        for (key, rule) in &self.fields {
            check_top_level_field(*key, rule, &mut problems);
        }
        if let Some(rule) = &self.test_flag {
            super::check::check_rule("test_flag", FieldKind::Boolean, rule, false, &mut problems);
        }
        if let Some(items) = &self.items {
            super::check::check_items(items, &mut problems);
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(MapError::Invalid(problems))
        }
    }

    /// Returns the required fields that have no rule, or whose fixed value an import would
    /// reject or leave blank. The webhook cannot import while any is missing.
    pub fn missing_required(&self) -> Vec<FieldKey> {
        let mut missing: Vec<FieldKey> = super::catalogue::catalogue()
            .iter()
            .filter(|def| def.required && def.key.category() != Category::Items)
            .map(|def| def.key)
            .filter(|key| !self.sets(key))
            .collect();
        if let Some(items) = &self.items {
            let item_keys = super::catalogue::fields_of(Category::Items);
            missing.extend(
                item_keys
                    .filter(|def| {
                        def.required && !sets_field(self.money_format, &items.fields, &def.key)
                    })
                    .map(|def| def.key),
            );
        }
        missing
    }

    /// Lists the map's fixed values and defaults that an import rejects, so that every import
    /// (or every one without the element) would fail on them. It also lists order number rules
    /// that give many requests one number, and test flags that mark real orders as tests.
    /// Saving checks these; reading a stored map does not, so a map saved earlier stays readable.
    pub fn fixed_value_problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        let number = FieldKey::Order(super::catalogue::OrderField::Number);
        for (key, rule) in &self.fields {
            let Some((value, probe, when)) = fixed_probe(rule) else {
                continue;
            };
            // A default order number is reported below as merging orders.
            if *key == number && rule.default.is_some() {
                continue;
            }
            if let Some(error) = fixed_value_error(self.money_format, key, &probe) {
                problems.push(format!(
                    "{key}: the {when} {value} fails every import: {}; {}",
                    error.message, error.fix
                ));
            } else if *key == number {
                problems.push(format!(
                    "{key}: the fixed value {value} would give every request the same order \
                     number, so each would update one order; map the element that holds the \
                     order number"
                ));
            }
        }
        if let Some(items) = &self.items {
            for (key, rule) in &items.fields {
                let Some((value, probe, when)) = fixed_probe(rule) else {
                    continue;
                };
                if let Some(error) = fixed_line_value_error(self.money_format, key, &probe) {
                    problems.push(format!(
                        "{key}: the {when} {value} fails every order with a line: {}; {}",
                        error.message, error.fix
                    ));
                }
            }
        }
        if let Some(rule) = self.fields.get(&number) {
            problems.extend(same_number_problem(self.money_format, rule));
        }
        if let Some(rule) = &self.test_flag {
            problems.extend(test_flag_problems(self.money_format, rule));
        }
        problems
    }

    /// Returns whether the map has a rule for the top-level field `key` that can give it a
    /// value: any rule but a fixed value that an import would reject or leave blank.
    pub fn sets(&self, key: &FieldKey) -> bool {
        sets_field(self.money_format, &self.fields, key)
    }

    /// Returns whether a rule reads a request header, so that the importer must pass them.
    pub fn reads_headers(&self) -> bool {
        let item_rules = self.items.iter().flat_map(|items| items.fields.values());
        self.fields
            .values()
            .chain(self.test_flag.as_ref())
            .chain(item_rules)
            .any(|rule| rule.header.is_some())
    }

    /// Returns the rule of a field, at order level or in the items section.
    pub fn rule(&self, key: FieldKey) -> Option<&Rule> {
        if key.category() == Category::Items {
            self.items.as_ref()?.fields.get(&key)
        } else {
            self.fields.get(&key)
        }
    }
}

fn check_top_level_field(key: FieldKey, rule: &Rule, problems: &mut Vec<String>) {
    if key.category() == Category::Items {
        problems.push(format!(
            "{key} is an item field; move its rule into \"items\": {{\"fields\": ...}}"
        ));
        return;
    }
    super::check::check_rule(key.as_str(), key.kind(), rule, false, problems);
}

impl Rule {
    /// Builds a rule that reads one element.
    pub fn path(path: JsonPath) -> Rule {
        Rule {
            path: Some(path),
            ..Rule::default()
        }
    }

    /// Builds a rule with a fixed value.
    pub fn fixed(value: Value) -> Rule {
        Rule {
            value: Some(value),
            ..Rule::default()
        }
    }

    /// Returns the one source of the rule, or `None` when it has none or several.
    pub fn source(&self) -> Option<Source<'_>> {
        let mut sources = [
            self.path.as_ref().map(Source::Path),
            self.value.as_ref().map(Source::Value),
            self.template.as_ref().map(Source::Template),
            self.first_of.as_deref().map(Source::FirstOf),
            self.sum.as_ref().map(Source::Sum),
            self.header.as_deref().map(Source::Header),
        ]
        .into_iter()
        .flatten();
        let first = sources.next()?;
        match sources.next() {
            Some(_) => None,
            None => Some(first),
        }
    }

    /// Returns every element path the rule reads.
    pub fn paths(&self) -> Vec<&JsonPath> {
        let mut paths: Vec<&JsonPath> = Vec::new();
        paths.extend(self.path.as_ref());
        paths.extend(self.first_of.iter().flatten());
        paths.extend(self.sum.as_ref());
        if let Some(template) = &self.template {
            paths.extend(template.elements());
        }
        paths
    }

    /// Describes the source for error messages: the path, template or fixed value.
    pub fn describe(&self) -> String {
        match self.source() {
            Some(Source::Path(path)) => path.to_string(),
            Some(Source::Value(value)) => format!("fixed value {value}"),
            Some(Source::Template(template)) => format!("template {template}"),
            Some(Source::FirstOf(paths)) => {
                let list: Vec<String> = paths.iter().map(JsonPath::to_string).collect();
                format!("first of {}", list.join(", "))
            }
            Some(Source::Sum(path)) => format!("sum of {path}"),
            Some(Source::Header(name)) => format!("header {name}"),
            None => "no source".into(),
        }
    }
}

impl ItemsRule {
    /// Returns the array that contains the lines: the items path without its trailing `[*]`.
    pub fn array_path(&self) -> Option<JsonPath> {
        match self.path.split_last()? {
            (parent, Segment::Wildcard) => Some(parent),
            _ => None,
        }
    }

    /// Returns the element at [`ItemsRule::array_path`] in `body`, whose entries become the
    /// order's lines (those that `keep_if` and `skip_if` let through). `None` when the body
    /// has no such element.
    pub fn array<'a>(&self, body: &'a Value) -> Option<&'a Value> {
        self.array_path()?.first(body, body)
    }
}
