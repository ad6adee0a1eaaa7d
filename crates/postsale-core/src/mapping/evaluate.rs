//! Evaluating a rule's source against a body: one element, a fixed value, a template, the
//! first non-blank of several elements, or a sum over an array.

use rust_decimal::Decimal;
use serde_json::Value;

use super::convert::text::{Scalar, scalar};
use super::convert::{Failure, Raw, Settings, number};
use super::error::ErrorCode;
use super::map::{Map, Rule, Source};
use super::path::{JsonPath, Segment};
use super::template::TemplatePart;

/// The maximum number of characters of a value that error messages repeat.
const MAX_DISPLAY_CHARS: usize = 120;

/// Reads rule sources from one body and the headers it came with.
#[derive(Debug)]
pub(crate) struct Evaluator<'a> {
    body: &'a Value,
    headers: &'a [(String, String)],
}

impl<'a> Evaluator<'a> {
    #[cfg(test)]
    pub fn new(body: &'a Value) -> Self {
        Evaluator { body, headers: &[] }
    }

    pub fn with_headers(body: &'a Value, headers: &'a [(String, String)]) -> Self {
        Evaluator { body, headers }
    }

    pub fn body(&self) -> &'a Value {
        self.body
    }

    /// Returns the raw value of a rule, or `None` when its source gives no value.
    pub fn evaluate(
        &self,
        rule: &'a Rule,
        current: &'a Value,
        settings: Settings<'_>,
    ) -> Result<Option<Raw<'a>>, Failure> {
        let Some(source) = rule.source() else {
            return Ok(None);
        };
        let raw = match source {
            Source::Path(path) => self.element(path, current).map(Raw::Json),
            Source::Value(value) => Some(Raw::Json(value)),
            Source::Template(template) => self.template(template.parts(), current),
            Source::FirstOf(paths) => self.first_of(paths, current),
            Source::Sum(path) => self.sum(path, rule, current, settings)?,
            Source::Header(name) => self.header(name),
        };
        Ok(raw)
    }

    fn element(&self, path: &JsonPath, current: &'a Value) -> Option<&'a Value> {
        path.first(self.body, current)
            .filter(|value| !value.is_null())
    }

    fn template(&self, parts: &'a [TemplatePart], current: &'a Value) -> Option<Raw<'a>> {
        let mut out = String::new();
        let mut found = false;
        for part in parts {
            match part {
                TemplatePart::Literal(text) => out.push_str(text),
                TemplatePart::Element(path) => {
                    let text = self.element(path, current).map(scalar);
                    if let Some(text) = text.as_ref().and_then(Scalar::as_text) {
                        out.push_str(&text);
                        found = true;
                    }
                }
            }
        }
        let collapsed = out.split_whitespace().collect::<Vec<_>>().join(" ");
        (found && !collapsed.is_empty()).then_some(Raw::Text(collapsed))
    }

    /// Returns the first header of this name, as text; a repeated header is not joined.
    fn header(&self, name: &str) -> Option<Raw<'a>> {
        self.headers
            .iter()
            .find(|(header, _)| header.eq_ignore_ascii_case(name))
            .map(|(_, value)| Raw::Text(value.clone()))
    }

    /// Takes the first value that is not blank, trying every match of a path with a wildcard,
    /// such as each entry of `$.emails[*].address`, before the next path.
    fn first_of(&self, paths: &'a [JsonPath], current: &'a Value) -> Option<Raw<'a>> {
        let not_blank = |value: &Value| !scalar(value).is_empty();
        paths
            .iter()
            .find_map(|path| path.find(self.body, current, &not_blank))
            .map(Raw::Json)
    }

    fn sum(
        &self,
        path: &'a JsonPath,
        rule: &Rule,
        current: &'a Value,
        settings: Settings<'_>,
    ) -> Result<Option<Raw<'a>>, Failure> {
        let mut nodes = Vec::new();
        path.select(self.body, current, &mut nodes);
        if nodes.is_empty() {
            let parent_exists = wildcard_parent(path)
                .and_then(|parent| self.element(&parent, current))
                .is_some();
            return Ok(parent_exists.then_some(Raw::Amount(Decimal::new(0, 2))));
        }

        let format = rule.money_format.unwrap_or(settings.money_format);
        let mut total = Decimal::ZERO;
        for node in nodes {
            let value = scalar(node);
            if value.is_empty() {
                continue;
            }
            let amount =
                number::parse_money(&value, format, rule.minor_units).map_err(|error| Failure {
                    code: ErrorCode::Invalid,
                    message: format!("cannot add {}: {error}", display_raw(&Raw::Json(node))),
                    fix: "sum an element that holds amounts".into(),
                })?;
            // Decimal addition rounds when the exact sum has more digits than a Decimal can
            // contain, and the sum's scale then falls below the larger of the two.
            let places = total.scale().max(amount.scale());
            total = total
                .checked_add(amount)
                .filter(|sum| sum.scale() >= places)
                .ok_or_else(|| Failure {
                    code: ErrorCode::Invalid,
                    message: format!(
                        "the sum has more digits than can be stored exactly (29 at most) after \
                         adding {}",
                        display_raw(&Raw::Json(node))
                    ),
                    fix: "sum an element that holds amounts".into(),
                })?;
        }
        if total.scale() < 2 {
            total.rescale(2);
        }
        Ok(Some(Raw::Amount(total)))
    }
}

/// Returns the path up to its first wildcard: the array a sum runs over.
fn wildcard_parent(path: &JsonPath) -> Option<JsonPath> {
    let position = path
        .segments()
        .iter()
        .position(|s| *s == Segment::Wildcard)?;
    let mut parent = path.clone();
    while parent.segments().len() > position {
        parent = parent.split_last()?.0;
    }
    Some(parent)
}

/// Writes a raw value for messages: text as sent, numbers as tokens, containers as short JSON.
pub(crate) fn display_raw(raw: &Raw<'_>) -> String {
    let text = match raw {
        Raw::Json(Value::String(text)) => text.clone(),
        Raw::Json(value) => value.to_string(),
        Raw::Text(text) => text.clone(),
        Raw::Amount(amount) => amount.to_string(),
    };
    match text.char_indices().nth(MAX_DISPLAY_CHARS) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text,
    }
}

/// Lists the collapsed paths of every element the map reads that has a value in `body`.
pub(crate) fn used_elements(map: &Map, body: &Value) -> Vec<String> {
    let mut used = Vec::new();
    let mut mark = |path: JsonPath| {
        let mut nodes = Vec::new();
        path.select(body, body, &mut nodes);
        if nodes.iter().any(|node| !node.is_null()) {
            used.push(path.collapsed());
        }
    };
    let rules = map.fields.values().chain(map.test_flag.as_ref());
    for rule in rules {
        rule.paths().into_iter().cloned().for_each(&mut mark);
    }
    if let Some(thin) = &map.thin_payload {
        mark(thin.id.clone());
    }
    if let Some(items) = &map.items {
        mark(items.path.clone());
        for rule in items.fields.values() {
            for path in rule.paths() {
                mark(path.resolve_against(&items.path));
            }
        }
        for option in &items.options {
            let pairs = option.path.resolve_against(&items.path);
            mark(option.name.resolve_against(&pairs));
            mark(option.value.resolve_against(&pairs));
        }
    }
    used.sort();
    used.dedup();
    used
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::mapping::convert::datetime::Zone;
    use crate::money::MoneyFormat;

    fn rule(json: Value) -> Rule {
        serde_json::from_value(json).unwrap()
    }

    fn settings(zone: &Zone) -> Settings<'_> {
        Settings {
            money_format: MoneyFormat::Plain,
            zone,
        }
    }

    #[test]
    fn template_joins_and_skips_missing_parts() {
        let body = json!({"b": {"first_name": "Jane", "last_name": null}});
        let zone = Zone::utc();
        let evaluator = Evaluator::new(&body);
        let joined = rule(json!({"template": "{$.b.first_name} {$.b.last_name}"}));
        let raw = evaluator.evaluate(&joined, &body, settings(&zone)).unwrap();
        assert_eq!(raw, Some(Raw::Text("Jane".into())));
        let empty = rule(json!({"template": "{$.x} {$.y}"}));
        assert_eq!(
            evaluator.evaluate(&empty, &body, settings(&zone)).unwrap(),
            None
        );
    }

    #[test]
    fn first_of_skips_blank_values() {
        let body = json!({"a": "", "b": "NULL", "c": "x"});
        let zone = Zone::utc();
        let evaluator = Evaluator::new(&body);
        let first = rule(json!({"first_of": ["$.a", "$.b", "$.c"]}));
        let raw = evaluator.evaluate(&first, &body, settings(&zone)).unwrap();
        assert_eq!(raw, Some(Raw::Json(&json!("x"))));
    }

    #[test]
    fn first_of_tries_every_wildcard_match() {
        let body = json!({"e": [{"v": ""}, {"v": null}, {"v": "second@example.com"}], "f": "x"});
        let zone = Zone::utc();
        let evaluator = Evaluator::new(&body);
        let first = rule(json!({"first_of": ["$.e[*].v", "$.f"]}));

        let raw = evaluator.evaluate(&first, &body, settings(&zone)).unwrap();

        assert_eq!(raw, Some(Raw::Json(&json!("second@example.com"))));
    }

    /// Sums `$.s[*].p` of `body` and returns the message of the failure.
    fn sum_failure(body: &Value) -> String {
        let zone = Zone::utc();
        let evaluator = Evaluator::new(body);
        let sum = rule(json!({"sum": "$.s[*].p"}));
        evaluator
            .evaluate(&sum, body, settings(&zone))
            .unwrap_err()
            .message
    }

    #[test]
    fn sum_overflow_names_the_value() {
        let big = "79228162514264337593543950335";
        let message = sum_failure(&json!({"s": [{"p": big}, {"p": "1"}]}));
        assert!(
            message.ends_with("stored exactly (29 at most) after adding 1"),
            "{message}"
        );
    }

    #[test]
    fn sum_rejects_rounding() {
        let body: Value =
            serde_json::from_str(r#"{"s": [{"p": 1e28}, {"p": 1.5}, {"p": -1e28}]}"#).unwrap();
        let message = sum_failure(&body);
        assert!(message.contains("after adding 1.5"), "{message}");
    }

    #[test]
    fn sum_adds_strings_and_numbers_exactly() {
        let body: Value =
            serde_json::from_str(r#"{"s": [{"p": "0.10"}, {"p": 0.20}, {"p": null}]}"#).unwrap();
        let zone = Zone::utc();
        let evaluator = Evaluator::new(&body);
        let sum = rule(json!({"sum": "$.s[*].p"}));
        let raw = evaluator.evaluate(&sum, &body, settings(&zone)).unwrap();
        assert_eq!(raw, Some(Raw::Amount("0.30".parse().unwrap())));
    }

    #[test]
    fn sum_of_empty_or_missing_array() {
        let body = json!({"s": [], "n": null});
        let zone = Zone::utc();
        let evaluator = Evaluator::new(&body);
        let empty = rule(json!({"sum": "$.s[*].p"}));
        let raw = evaluator.evaluate(&empty, &body, settings(&zone)).unwrap();
        assert_eq!(raw, Some(Raw::Amount("0.00".parse().unwrap())));
        let missing = rule(json!({"sum": "$.n[*].p"}));
        assert_eq!(
            evaluator
                .evaluate(&missing, &body, settings(&zone))
                .unwrap(),
            None
        );
    }

    #[test]
    fn sum_reports_the_bad_entry() {
        let body = json!({"s": [{"p": "free"}]});
        let zone = Zone::utc();
        let evaluator = Evaluator::new(&body);
        let sum = rule(json!({"sum": "$.s[*].p"}));
        let failure = evaluator
            .evaluate(&sum, &body, settings(&zone))
            .unwrap_err();
        assert!(failure.message.contains("free"));
    }
}
