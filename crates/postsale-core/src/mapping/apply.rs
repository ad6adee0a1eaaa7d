//! Applying a map to a parsed request body: evaluating every rule and building the order.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::assign::{Draft, assign_line, assign_order};
use super::catalogue::{FieldKey, FieldKind};
use super::classify;
use super::convert::datetime::{self, Zone};
use super::convert::{self, Converted, Failure, Raw, Settings};
use super::error::{FieldError, FieldWarning, MappingError};
use super::evaluate::{Evaluator, display_raw};
use super::finish;
use super::map::{ItemsRule, Map, Rule};
use super::nul;
use super::path::JsonPath;
use super::validate;
use crate::order::{Line, Order};

/// What a map reads besides the request body: the store's settings and the request's headers.
#[derive(Clone, Debug, PartialEq)]
pub struct ApplyContext {
    /// The store's time zone, for date-times sent without an offset. Defaults to UTC, never the
    /// server's local zone.
    pub zone: Zone,
    /// The request's headers as `(name, value)` pairs, for rules with a `header` source. Empty
    /// when the body has no request behind it, such as a sample pasted into a preview.
    pub headers: Vec<(String, String)>,
}

impl Default for ApplyContext {
    fn default() -> Self {
        ApplyContext {
            zone: Zone::utc(),
            headers: Vec::new(),
        }
    }
}

impl ApplyContext {
    /// Creates a context for a store in the given IANA time zone or fixed offset.
    pub fn with_time_zone(name: &str) -> Result<Self, String> {
        Ok(ApplyContext {
            zone: datetime::parse_zone(name)?,
            headers: Vec::new(),
        })
    }

    /// Returns this context with the headers of one request.
    #[must_use]
    pub fn with_headers(mut self, headers: Vec<(String, String)>) -> Self {
        self.headers = headers;
        self
    }
}

/// The result of a successful import mapping: the order and the remarks about it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MappedOrder {
    pub order: Order,
    pub warnings: Vec<FieldWarning>,
    /// Whether the map's test flag marked the request as a test the channel sent.
    pub test: bool,
}

/// Everything one application of a map found, whether or not it made an order.
#[derive(Debug)]
pub(crate) struct Application {
    pub result: Result<MappedOrder, MappingError>,
    pub test: bool,
    /// The order as far as it was filled, when errors stop the import.
    pub draft: Option<Order>,
}

/// Applies `map` to an already parsed body and returns the order or every reason it has none.
pub fn apply_map(
    map: &Map,
    body: &Value,
    context: &ApplyContext,
) -> Result<MappedOrder, MappingError> {
    run(map, body, context).result
}

pub(crate) fn run(map: &Map, body: &Value, context: &ApplyContext) -> Application {
    let mut builder = Builder {
        map,
        evaluator: Evaluator::with_headers(body, &context.headers),
        settings: Settings {
            money_format: map.money_format,
            zone: &context.zone,
        },
        draft: Draft::default(),
        errors: Vec::new(),
        warnings: Vec::new(),
    };
    builder.fill_fields();
    builder.fill_items();
    let test = builder.test_flag();
    if nul::contains_nul(body) {
        builder.warnings.extend(nul::warnings(map, body));
    }

    let (mut result, draft) = builder.finish();
    if let Ok(mapped) = &mut result {
        mapped.test = test;
    }
    Application {
        result,
        test,
        draft,
    }
}

struct Builder<'a> {
    map: &'a Map,
    evaluator: Evaluator<'a>,
    settings: Settings<'a>,
    draft: Draft,
    errors: Vec<FieldError>,
    warnings: Vec<FieldWarning>,
}

/// The position of a rule: order level, or one entry of the items array.
#[derive(Clone, Copy)]
struct Place<'a> {
    current: &'a Value,
    items_path: Option<&'a JsonPath>,
    line: Option<usize>,
}

impl<'a> Builder<'a> {
    fn fill_fields(&mut self) {
        let root = self.evaluator.body();
        let place = Place {
            current: root,
            items_path: None,
            line: None,
        };
        for (key, rule) in &self.map.fields {
            if let Some(value) = self.field_value(*key, key.kind(), rule, place)
                && !assign_order(&mut self.draft, *key, value)
            {
                self.mismatch(*key, rule, place);
            }
        }
    }

    fn fill_items(&mut self) {
        let Some(items) = &self.map.items else {
            return;
        };
        let entries = self.item_entries(items);
        for (index, entry) in entries.into_iter().enumerate() {
            if !classify::keeps_entry(items, self.evaluator.body(), entry) {
                continue;
            }
            let line = self.fill_line(items, entry, index);
            self.draft.order.lines.push(line);
            self.draft.line_entries.push(index);
        }
    }

    fn item_entries(&mut self, items: &'a ItemsRule) -> Vec<&'a Value> {
        let array = items.array(self.evaluator.body());
        match array {
            Some(Value::Array(entries)) => entries.iter().collect(),
            Some(Value::Null) | None => Vec::new(),
            Some(other) => {
                self.warnings.push(FieldWarning {
                    field: "items".into(),
                    line: None,
                    path: Some(items.path.to_string()),
                    value: Some(display_raw(&Raw::Json(other))),
                    message: "the items element is not an array, so the order has no lines; \
                              channels that send lines as a link must be fetched"
                        .into(),
                });
                Vec::new()
            }
        }
    }

    fn fill_line(&mut self, items: &'a ItemsRule, entry: &'a Value, index: usize) -> Line {
        let place = Place {
            current: entry,
            items_path: Some(&items.path),
            line: Some(index),
        };
        let mut line = Line::default();
        for (key, rule) in &items.fields {
            let FieldKey::Item(field) = key else {
                continue;
            };
            if let Some(value) = self.field_value(*key, key.kind(), rule, place)
                && !assign_line(&mut line, *field, value)
            {
                self.mismatch(*key, rule, place);
            }
        }
        line.options = classify::line_options(items, self.evaluator.body(), entry);
        line
    }

    /// Evaluates and converts one rule, recording any error or warning.
    fn field_value(
        &mut self,
        key: FieldKey,
        kind: FieldKind,
        rule: &'a Rule,
        place: Place<'a>,
    ) -> Option<Converted> {
        let raw = match self.evaluator.evaluate(rule, place.current, self.settings) {
            Ok(raw) => raw,
            Err(failure) => {
                self.fail(key, rule, place, None, failure);
                return None;
            }
        };
        let mut outcome = self.convert(key, kind, rule, place, raw.as_ref())?;
        if outcome.value.is_none()
            && let Some(default) = &rule.default
        {
            outcome = self.convert(key, kind, rule, place, Some(&Raw::Json(default)))?;
        }
        if let Some(message) = outcome.warning {
            let value = raw.as_ref().map(display_raw);
            self.warn(key, rule, place, value, message);
        }
        outcome.value
    }

    fn convert(
        &mut self,
        key: FieldKey,
        kind: FieldKind,
        rule: &'a Rule,
        place: Place<'a>,
        raw: Option<&Raw<'a>>,
    ) -> Option<convert::Outcome> {
        let Some(raw) = raw else {
            return Some(convert::Outcome::default());
        };
        match convert::convert(kind, raw, rule, self.settings) {
            Ok(outcome) => Some(outcome),
            Err(failure) => {
                self.fail(key, rule, place, Some(display_raw(raw)), failure);
                None
            }
        }
    }

    fn test_flag(&mut self) -> bool {
        let Some(rule) = &self.map.test_flag else {
            return false;
        };
        let root = self.evaluator.body();
        let raw = self
            .evaluator
            .evaluate(rule, root, self.settings)
            .ok()
            .flatten();
        let read = |raw: &Raw<'_>| convert::convert(FieldKind::Boolean, raw, rule, self.settings);
        // A request without the flag, or with a blank one, takes the rule's default, as a
        // field does. A flag that does not read as true or false marks no test.
        let value = match raw.as_ref().map(read) {
            Some(Err(_)) => None,
            Some(Ok(outcome)) if outcome.value.is_some() => outcome.value,
            _ => rule
                .default
                .as_ref()
                .and_then(|default| read(&Raw::Json(default)).ok())
                .and_then(|outcome| outcome.value),
        };
        matches!(value, Some(Converted::Bool(true)))
    }

    fn fail(
        &mut self,
        key: FieldKey,
        rule: &Rule,
        place: Place<'_>,
        value: Option<String>,
        failure: Failure,
    ) {
        self.errors.push(FieldError {
            field: key.as_str().to_owned(),
            line: place.line,
            path: Some(describe(rule, place)),
            value,
            code: failure.code,
            message: failure.message,
            fix: failure.fix,
        });
    }

    fn warn(
        &mut self,
        key: FieldKey,
        rule: &Rule,
        place: Place<'_>,
        value: Option<String>,
        message: String,
    ) {
        self.warnings.push(FieldWarning {
            field: key.as_str().to_owned(),
            line: place.line,
            path: Some(describe(rule, place)),
            value,
            message,
        });
    }

    fn mismatch(&mut self, key: FieldKey, rule: &Rule, place: Place<'_>) {
        let failure = Failure {
            code: super::error::ErrorCode::Invalid,
            message: "the converted value does not fit this field".into(),
            fix: "check the rule's conversion settings".into(),
        };
        self.fail(key, rule, place, None, failure);
    }

    /// Validates the order; on errors, also returns the order as far as it was filled.
    fn finish(mut self) -> (Result<MappedOrder, MappingError>, Option<Order>) {
        let body = self.evaluator.body();
        let warnings = finish::combine(&mut self.draft);
        self.warnings.extend(warnings);

        let number_missing = self.draft.order.number.trim().is_empty();
        if number_missing && let Some(thin) = classify::thin_payload(self.map, body) {
            return (Err(thin), None);
        }
        let entries = &self.draft.line_entries;
        let errors = validate::validate(self.map, &self.draft.order, entries, &self.errors);
        self.errors.extend(errors);
        validate::sort_errors(&mut self.errors);

        if self.errors.is_empty() {
            let mapped = MappedOrder {
                order: self.draft.order,
                warnings: self.warnings,
                test: false,
            };
            return (Ok(mapped), None);
        }
        let no_number = self.errors.iter().any(validate::is_number_error);
        let error = if no_number && self.draft.order.lines.is_empty() {
            MappingError::NotAnOrder {
                errors: self.errors,
                warnings: self.warnings,
            }
        } else {
            MappingError::Invalid {
                errors: self.errors,
                warnings: self.warnings,
            }
        };
        (Err(error), Some(self.draft.order))
    }
}

/// Describes a rule's source, with item paths resolved against the items array.
fn describe(rule: &Rule, place: Place<'_>) -> String {
    match (place.items_path, &rule.path) {
        (Some(items_path), Some(path)) => path.resolve_against(items_path).to_string(),
        _ => rule.describe(),
    }
}
