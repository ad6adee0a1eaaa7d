//! Element discovery: every place in a request body as a JSONPath, with its type and an example.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::path::push_name;

/// The JSON type of an element.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum JsonKind {
    Null,
    Boolean,
    Number,
    String,
    Array,
    Object,
}

/// One element of a body: a JSONPath with every array index collapsed to `[*]`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Element {
    /// The RFC 9535 path, such as `$.line_items[*].sku`.
    pub path: String,
    /// The type of the first non-null value seen at this path.
    pub kind: JsonKind,
    /// The first non-null scalar seen: text as sent, a number as its exact token.
    pub example: Option<String>,
}

/// Bounds that keep discovery cheap on hostile bodies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DiscoveryLimits {
    /// Containers nested deeper than this are listed but not entered.
    pub max_depth: usize,
    /// At most this many entries of each array are visited.
    pub max_array_samples: usize,
    /// Discovery stops after this many distinct elements.
    pub max_elements: usize,
    /// Examples longer than this many characters are cut.
    pub max_example_chars: usize,
}

impl Default for DiscoveryLimits {
    fn default() -> Self {
        DiscoveryLimits {
            max_depth: 32,
            max_array_samples: 50,
            max_elements: 2_000,
            max_example_chars: 200,
        }
    }
}

/// The elements of a body, and where discovery stopped early.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Discovery {
    pub elements: Vec<Element>,
    /// One sentence per place where a limit cut discovery short; empty when it saw everything.
    pub truncated: Vec<String>,
}

/// Lists every element of `body` in document order, without duplicates, within default limits.
pub fn discover_elements(body: &Value) -> Discovery {
    discover_elements_with(body, DiscoveryLimits::default())
}

/// Lists every element of `body` within the given limits.
pub fn discover_elements_with(body: &Value, limits: DiscoveryLimits) -> Discovery {
    let mut walker = Walker {
        limits,
        discovery: Discovery::default(),
        index: HashMap::new(),
        full: false,
    };
    let mut path = String::from("$");
    walker.visit_children(body, &mut path, 0);
    walker.discovery
}

struct Walker {
    limits: DiscoveryLimits,
    discovery: Discovery,
    index: HashMap<String, usize>,
    full: bool,
}

impl Walker {
    fn visit_children(&mut self, value: &Value, path: &mut String, depth: usize) {
        if depth >= self.limits.max_depth {
            self.note(format!(
                "{path} is nested deeper than {} levels; its contents are not listed",
                self.limits.max_depth
            ));
            return;
        }
        match value {
            Value::Object(members) => {
                for (name, child) in members {
                    let length = path.len();
                    push_name(path, name);
                    self.visit(child, path, depth + 1);
                    path.truncate(length);
                }
            }
            Value::Array(entries) => self.visit_entries(entries, path, depth),
            _ => {}
        }
    }

    fn visit_entries(&mut self, entries: &[Value], path: &mut String, depth: usize) {
        let sampled = entries.len().min(self.limits.max_array_samples);
        if sampled < entries.len() {
            self.note(format!(
                "{path} has {} entries; only the first {sampled} were read",
                entries.len()
            ));
        }
        let length = path.len();
        path.push_str("[*]");
        for entry in &entries[..sampled] {
            self.visit(entry, path, depth + 1);
        }
        path.truncate(length);
    }

    fn visit(&mut self, value: &Value, path: &mut String, depth: usize) {
        if self.full {
            return;
        }
        self.record(value, path);
        if value.is_object() || value.is_array() {
            self.visit_children(value, path, depth);
        }
    }

    fn record(&mut self, value: &Value, path: &str) {
        let kind = kind_of(value);
        let example = self.example(value);
        if let Some(&position) = self.index.get(path) {
            let element = &mut self.discovery.elements[position];
            if element.kind == JsonKind::Null && kind != JsonKind::Null {
                element.kind = kind;
                element.example = example;
            }
            return;
        }
        if self.discovery.elements.len() >= self.limits.max_elements {
            self.full = true;
            self.note(format!(
                "the body has more than {} elements; the rest are not listed",
                self.limits.max_elements
            ));
            return;
        }
        self.index
            .insert(path.to_owned(), self.discovery.elements.len());
        self.discovery.elements.push(Element {
            path: path.to_owned(),
            kind,
            example,
        });
    }

    fn example(&self, value: &Value) -> Option<String> {
        let text = match value {
            Value::String(text) => text.clone(),
            Value::Number(number) => number.to_string(),
            Value::Bool(flag) => flag.to_string(),
            Value::Null | Value::Array(_) | Value::Object(_) => return None,
        };
        Some(cut(text, self.limits.max_example_chars))
    }

    fn note(&mut self, sentence: String) {
        if self.discovery.truncated.len() < 20 && !self.discovery.truncated.contains(&sentence) {
            self.discovery.truncated.push(sentence);
        }
    }
}

/// Returns the JSON type of a value.
pub fn kind_of(value: &Value) -> JsonKind {
    match value {
        Value::Null => JsonKind::Null,
        Value::Bool(_) => JsonKind::Boolean,
        Value::Number(_) => JsonKind::Number,
        Value::String(_) => JsonKind::String,
        Value::Array(_) => JsonKind::Array,
        Value::Object(_) => JsonKind::Object,
    }
}

fn cut(text: String, max_chars: usize) -> String {
    match text.char_indices().nth(max_chars) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn paths(discovery: &Discovery) -> Vec<&str> {
        discovery.elements.iter().map(|e| e.path.as_str()).collect()
    }

    #[test]
    fn arrays_collapse_in_document_order() {
        let body = json!({"id": 1, "lines": [{"sku": "A"}, {"qty": 2, "sku": "B"}], "z": null});
        let discovery = discover_elements(&body);
        assert_eq!(
            paths(&discovery),
            [
                "$.id",
                "$.lines",
                "$.lines[*]",
                "$.lines[*].sku",
                "$.lines[*].qty",
                "$.z"
            ]
        );
        assert!(discovery.truncated.is_empty());
    }

    #[test]
    fn odd_keys_are_bracket_quoted() {
        let body = json!({"odd key": 1, "it's": 2, "2fa": 3, "ok_1": 4});
        let discovery = discover_elements(&body);
        assert_eq!(
            paths(&discovery),
            ["$['odd key']", "$['it\\'s']", "$['2fa']", "$.ok_1"]
        );
    }

    #[test]
    fn examples_keep_exact_number_tokens() {
        let body: Value = serde_json::from_str(r#"{"id": 820982911946154508, "p": 1.10}"#).unwrap();
        let discovery = discover_elements(&body);
        assert_eq!(
            discovery.elements[0].example.as_deref(),
            Some("820982911946154508")
        );
        assert_eq!(discovery.elements[1].example.as_deref(), Some("1.10"));
    }

    #[test]
    fn null_first_then_value_takes_the_value() {
        let body = json!({"a": [{"b": null}, {"b": "x"}]});
        let element = &discover_elements(&body).elements[2];
        assert_eq!(element.kind, JsonKind::String);
        assert_eq!(element.example.as_deref(), Some("x"));
    }

    #[test]
    fn huge_arrays_are_sampled_and_reported() {
        let entries: Vec<Value> = (0..10_000).map(|i| json!({ format!("k{i}"): i })).collect();
        let discovery = discover_elements(&json!({ "big": entries }));
        assert_eq!(discovery.elements.len(), 2 + 50);
        assert!(discovery.truncated[0].contains("10000 entries"));
    }

    #[test]
    fn deep_nesting_stops_at_the_limit() {
        let mut body = json!("leaf");
        for _ in 0..100 {
            body = json!({ "n": body });
        }
        let discovery = discover_elements(&body);
        assert_eq!(discovery.elements.len(), 32);
        assert!(discovery.truncated[0].contains("deeper than 32"));
    }

    #[test]
    fn element_count_is_bounded() {
        let limits = DiscoveryLimits {
            max_elements: 3,
            ..DiscoveryLimits::default()
        };
        let discovery = discover_elements_with(&json!({"a": 1, "b": 2, "c": 3, "d": 4}), limits);
        assert_eq!(discovery.elements.len(), 3);
        assert!(discovery.truncated[0].contains("more than 3"));
    }
}
