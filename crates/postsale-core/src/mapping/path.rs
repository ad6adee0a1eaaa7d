//! The JSONPath subset that maps use (RFC 9535): `$` or `@`, `.name`, `['name']`, `[n]`, `[*]`.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

/// The longest path text a map may hold, to bound parsing work.
const MAX_PATH_LEN: usize = 1024;

/// A parsed JSONPath: a start (`$` for the request body, `@` for the current item) and segments.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct JsonPath {
    relative: bool,
    segments: Vec<Segment>,
}

/// One step of a path.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Segment {
    /// A member of an object.
    Name(String),
    /// An array entry; negative indexes count from the end.
    Index(i64),
    /// Every array entry or object member.
    Wildcard,
}

/// The error for path text that is not in the supported subset.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid JSONPath {path:?} at character {position}: {reason}; write paths like \
     $.line_items[*].sku, $['odd key'] or @.sku"
)]
pub struct PathError {
    pub path: String,
    pub position: usize,
    pub reason: String,
}

impl JsonPath {
    /// Parses path text.
    pub fn parse(text: &str) -> Result<Self, PathError> {
        Parser::new(text).parse()
    }

    /// Returns the root path `$`.
    pub fn root() -> Self {
        JsonPath {
            relative: false,
            segments: Vec::new(),
        }
    }

    /// Returns whether the path starts at the current item (`@`) instead of the body (`$`).
    pub fn is_relative(&self) -> bool {
        self.relative
    }

    /// Returns the steps after `$` or `@`.
    pub fn segments(&self) -> &[Segment] {
        &self.segments
    }

    /// Returns whether the path can select more than one node.
    pub fn has_wildcard(&self) -> bool {
        self.segments.contains(&Segment::Wildcard)
    }

    /// Returns this path with one more segment.
    pub fn child(&self, segment: Segment) -> Self {
        let mut segments = self.segments.clone();
        segments.push(segment);
        JsonPath {
            relative: self.relative,
            segments,
        }
    }

    /// Returns the path without its last segment, and that segment.
    pub fn split_last(&self) -> Option<(JsonPath, &Segment)> {
        let (last, rest) = self.segments.split_last()?;
        let parent = JsonPath {
            relative: self.relative,
            segments: rest.to_vec(),
        };
        Some((parent, last))
    }

    /// Resolves a relative path against the absolute path of the current item.
    pub fn resolve_against(&self, base: &JsonPath) -> JsonPath {
        if !self.relative {
            return self.clone();
        }
        let mut segments = base.segments.clone();
        segments.extend(self.segments.iter().cloned());
        JsonPath {
            relative: base.relative,
            segments,
        }
    }

    /// Writes the path with every index collapsed to `[*]`, as element discovery lists it.
    pub fn collapsed(&self) -> String {
        let mut out = String::from(if self.relative { "@" } else { "$" });
        for segment in &self.segments {
            match segment {
                Segment::Name(name) => push_name(&mut out, name),
                Segment::Index(_) | Segment::Wildcard => out.push_str("[*]"),
            }
        }
        out
    }

    /// Returns the first node the path selects: `root` is the body, `current` the item for `@`.
    pub fn first<'a>(&self, root: &'a Value, current: &'a Value) -> Option<&'a Value> {
        let start = if self.relative { current } else { root };
        first_from(start, &self.segments)
    }

    /// Returns the first node the path selects that `accept` takes, and stops there, in
    /// document order.
    pub fn find<'a>(
        &self,
        root: &'a Value,
        current: &'a Value,
        accept: &dyn Fn(&Value) -> bool,
    ) -> Option<&'a Value> {
        let start = if self.relative { current } else { root };
        find_from(start, &self.segments, accept)
    }

    /// Appends every node the path selects, in document order.
    pub fn select<'a>(&self, root: &'a Value, current: &'a Value, out: &mut Vec<&'a Value>) {
        let start = if self.relative { current } else { root };
        select_from(start, &self.segments, out);
    }
}

fn first_from<'a>(start: &'a Value, segments: &[Segment]) -> Option<&'a Value> {
    let Some((segment, rest)) = segments.split_first() else {
        return Some(start);
    };
    match segment {
        Segment::Name(name) => first_from(start.as_object()?.get(name)?, rest),
        Segment::Index(index) => first_from(array_entry(start, *index)?, rest),
        Segment::Wildcard => children(start).find_map(|child| first_from(child, rest)),
    }
}

fn find_from<'a>(
    start: &'a Value,
    segments: &[Segment],
    accept: &dyn Fn(&Value) -> bool,
) -> Option<&'a Value> {
    let Some((segment, rest)) = segments.split_first() else {
        return accept(start).then_some(start);
    };
    match segment {
        Segment::Name(name) => find_from(start.as_object()?.get(name)?, rest, accept),
        Segment::Index(index) => find_from(array_entry(start, *index)?, rest, accept),
        Segment::Wildcard => children(start).find_map(|child| find_from(child, rest, accept)),
    }
}

fn select_from<'a>(start: &'a Value, segments: &[Segment], out: &mut Vec<&'a Value>) {
    let Some((segment, rest)) = segments.split_first() else {
        out.push(start);
        return;
    };
    match segment {
        Segment::Name(name) => {
            if let Some(child) = start.as_object().and_then(|object| object.get(name)) {
                select_from(child, rest, out);
            }
        }
        Segment::Index(index) => {
            if let Some(child) = array_entry(start, *index) {
                select_from(child, rest, out);
            }
        }
        Segment::Wildcard => {
            for child in children(start) {
                select_from(child, rest, out);
            }
        }
    }
}

fn array_entry(value: &Value, index: i64) -> Option<&Value> {
    let array = value.as_array()?;
    let position = if index < 0 {
        array.len().checked_sub(index.unsigned_abs() as usize)?
    } else {
        usize::try_from(index).ok()?
    };
    array.get(position)
}

fn children(value: &Value) -> Box<dyn Iterator<Item = &Value> + '_> {
    match value {
        Value::Array(entries) => Box::new(entries.iter()),
        Value::Object(members) => Box::new(members.values()),
        _ => Box::new(std::iter::empty()),
    }
}

/// Appends `.name` when the name is a plain identifier, else `['name']` with escapes.
pub(crate) fn push_name(out: &mut String, name: &str) {
    if is_shorthand_name(name) {
        out.push('.');
        out.push_str(name);
        return;
    }
    out.push_str("['");
    for c in name.chars() {
        match c {
            '\'' => out.push_str("\\'"),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push_str("']");
}

fn is_shorthand_name(name: &str) -> bool {
    let mut chars = name.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    (first.is_ascii_alphabetic() || first == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

impl Default for JsonPath {
    /// Returns the root path `$`.
    fn default() -> Self {
        JsonPath::root()
    }
}

impl fmt::Display for JsonPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = String::from(if self.relative { "@" } else { "$" });
        for segment in &self.segments {
            match segment {
                Segment::Name(name) => push_name(&mut out, name),
                Segment::Index(index) => out.push_str(&format!("[{index}]")),
                Segment::Wildcard => out.push_str("[*]"),
            }
        }
        f.write_str(&out)
    }
}

impl FromStr for JsonPath {
    type Err = PathError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        JsonPath::parse(text)
    }
}

impl Serialize for JsonPath {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for JsonPath {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        JsonPath::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// A hand-written recursive-descent parser over the characters of the path.
struct Parser<'a> {
    text: &'a str,
    chars: Vec<char>,
    position: usize,
}

impl<'a> Parser<'a> {
    fn new(text: &'a str) -> Self {
        Parser {
            text,
            chars: text.chars().take(MAX_PATH_LEN + 1).collect(),
            position: 0,
        }
    }

    fn parse(mut self) -> Result<JsonPath, PathError> {
        if self.text.len() > MAX_PATH_LEN {
            return Err(self.error(format!("the path is longer than {MAX_PATH_LEN} bytes")));
        }
        let relative = match self.next() {
            Some('$') => false,
            Some('@') => true,
            _ => return Err(self.error_at(0, "a path starts with $ (the body) or @ (the item)")),
        };

        let mut segments = Vec::new();
        while let Some(c) = self.peek() {
            let segment = match c {
                '.' => self.dot_segment()?,
                '[' => self.bracket_segment()?,
                other => return Err(self.error(format!("unexpected {other:?}"))),
            };
            segments.push(segment);
        }
        Ok(JsonPath { relative, segments })
    }

    fn dot_segment(&mut self) -> Result<Segment, PathError> {
        self.position += 1;
        match self.peek() {
            Some('.') => Err(self.error("descendant segments (..) are not supported in maps")),
            Some('*') => {
                self.position += 1;
                Ok(Segment::Wildcard)
            }
            Some(c) if c.is_alphabetic() || c == '_' || !c.is_ascii() => Ok(self.shorthand()),
            Some(other) => Err(self.error(format!(
                "{other:?} cannot start a name after '.'; quote it as ['name']"
            ))),
            None => Err(self.error("a name must follow '.'")),
        }
    }

    fn shorthand(&mut self) -> Segment {
        let start = self.position;
        while let Some(c) = self.peek() {
            if c.is_alphanumeric() || c == '_' || !c.is_ascii() {
                self.position += 1;
            } else {
                break;
            }
        }
        Segment::Name(self.chars[start..self.position].iter().collect())
    }

    fn bracket_segment(&mut self) -> Result<Segment, PathError> {
        self.position += 1;
        self.skip_blanks();
        let segment = match self.peek() {
            Some('*') => {
                self.position += 1;
                Segment::Wildcard
            }
            Some(quote @ ('\'' | '"')) => Segment::Name(self.quoted(quote)?),
            Some(c) if c == '-' || c.is_ascii_digit() => Segment::Index(self.index()?),
            Some('?') => return Err(self.error("filter selectors ([?...]) are not supported")),
            Some(other) => return Err(self.error(format!("unexpected {other:?} after '['"))),
            None => return Err(self.error("the path ends inside '['")),
        };
        self.skip_blanks();
        match self.next() {
            Some(']') => Ok(segment),
            Some(':') => Err(self.error_at(self.position - 1, "array slices are not supported")),
            Some(',') => {
                Err(self.error_at(self.position - 1, "lists of selectors are not supported"))
            }
            _ => Err(self.error("expected ']'")),
        }
    }

    fn quoted(&mut self, quote: char) -> Result<String, PathError> {
        self.position += 1;
        let mut name = String::new();
        loop {
            match self.next() {
                None => return Err(self.error("the quoted name has no closing quote")),
                Some(c) if c == quote => return Ok(name),
                Some('\\') => name.push(self.escape()?),
                Some(c) => name.push(c),
            }
        }
    }

    fn escape(&mut self) -> Result<char, PathError> {
        let escaped = match self.next() {
            Some('b') => '\u{8}',
            Some('f') => '\u{c}',
            Some('n') => '\n',
            Some('r') => '\r',
            Some('t') => '\t',
            Some('u') => return self.unicode_escape(),
            Some(c @ ('\'' | '"' | '\\' | '/')) => c,
            _ => return Err(self.error("unknown escape in a quoted name")),
        };
        Ok(escaped)
    }

    fn unicode_escape(&mut self) -> Result<char, PathError> {
        let end = self.position + 4;
        let digits: String = self
            .chars
            .get(self.position..end)
            .unwrap_or(&[])
            .iter()
            .collect();
        let code = u32::from_str_radix(&digits, 16)
            .map_err(|_| self.error("\\u must be followed by four hex digits"))?;
        self.position = end;
        char::from_u32(code).ok_or_else(|| self.error("\\u escapes a surrogate; use the character"))
    }

    fn index(&mut self) -> Result<i64, PathError> {
        let start = self.position;
        if self.peek() == Some('-') {
            self.position += 1;
        }
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.position += 1;
        }
        let digits: String = self.chars[start..self.position].iter().collect();
        digits
            .parse()
            .map_err(|_| self.error_at(start, format!("{digits:?} is not an array index")))
    }

    fn skip_blanks(&mut self) {
        while self.peek().is_some_and(|c| c == ' ') {
            self.position += 1;
        }
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.position).copied()
    }

    fn next(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.position += 1;
        Some(c)
    }

    fn error(&self, reason: impl Into<String>) -> PathError {
        self.error_at(self.position, reason)
    }

    fn error_at(&self, position: usize, reason: impl Into<String>) -> PathError {
        PathError {
            path: self.text.to_owned(),
            position: position + 1,
            reason: reason.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn path(text: &str) -> JsonPath {
        JsonPath::parse(text).unwrap()
    }

    #[test]
    fn parse_round_trips_the_subset() {
        for text in [
            "$",
            "$.a.b",
            "$.line_items[*].sku",
            "$['odd key'][0]",
            "@.sku",
            "$[-1]",
        ] {
            assert_eq!(path(text).to_string(), text);
        }
    }

    #[test]
    fn double_quotes_and_escapes_are_read() {
        assert_eq!(path("$[\"a b\"]").to_string(), "$['a b']");
        assert_eq!(
            path(r"$['it\'s']").segments(),
            &[Segment::Name("it's".into())]
        );
        assert_eq!(
            path(r"$['\u00e9']").segments(),
            &[Segment::Name("é".into())]
        );
    }

    #[test]
    fn errors_name_the_position_and_reason() {
        let error = JsonPath::parse("$..sku").unwrap_err();
        assert_eq!(error.position, 3);
        assert!(error.reason.contains("descendant"));
        let error = JsonPath::parse("line_items").unwrap_err();
        assert!(error.to_string().contains("starts with $"));
        assert!(JsonPath::parse("$.a[").is_err());
        assert!(
            JsonPath::parse("$.a[1:2]")
                .unwrap_err()
                .reason
                .contains("slices")
        );
        assert!(
            JsonPath::parse("$.a[?@.b]")
                .unwrap_err()
                .reason
                .contains("filter")
        );
        assert!(
            JsonPath::parse("$['open")
                .unwrap_err()
                .reason
                .contains("closing quote")
        );
        assert!(JsonPath::parse("$.1abc").is_err());
    }

    #[test]
    fn first_and_select_follow_the_segments() {
        let body = json!({"a": [{"b": 1}, {"b": 2}, {"c": 3}], "odd key": "x"});
        assert_eq!(path("$.a[1].b").first(&body, &body), Some(&json!(2)));
        assert_eq!(path("$.a[-1].c").first(&body, &body), Some(&json!(3)));
        assert_eq!(path("$['odd key']").first(&body, &body), Some(&json!("x")));
        assert_eq!(path("$.a[*].c").first(&body, &body), Some(&json!(3)));
        assert_eq!(path("$.a[9]").first(&body, &body), None);
        assert_eq!(path("$.a[-9]").first(&body, &body), None);

        let mut out = Vec::new();
        path("$.a[*].b").select(&body, &body, &mut out);
        assert_eq!(out, vec![&json!(1), &json!(2)]);
    }

    #[test]
    fn relative_paths_start_at_the_item() {
        let body = json!({"items": [{"sku": "A"}]});
        let item = &body["items"][0];
        assert_eq!(path("@.sku").first(&body, item), Some(&json!("A")));
        let joined = path("@.sku").resolve_against(&path("$.items[*]"));
        assert_eq!(joined.to_string(), "$.items[*].sku");
    }

    #[test]
    fn collapsed_writes_indexes_as_wildcards() {
        assert_eq!(path("$.a[3].b").collapsed(), "$.a[*].b");
    }
}
