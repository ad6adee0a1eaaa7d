//! `parse_json_body`: reads a request body as JSON with the rules of the importer, so that
//! ingress classifies a body as JSON only when the importer can read it, and reports why when
//! it cannot.

mod scan;

use std::fmt;

use serde::de::{self, DeserializeOwned, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value;

/// The UTF-8 encoding of U+FEFF, which some senders put before a JSON document.
pub const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// The deepest nesting of arrays and objects that `serde_json` reads. Its recursion limit
/// of 128 counts down before each array or object is entered, so the 128th level fails.
pub const MAX_JSON_DEPTH: usize = 127;

/// The reason a body is not a JSON document that the importer can read, and its place in the
/// body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JsonBodyError {
    /// The problem, such as `byte 0xFF is not valid UTF-8`.
    pub problem: String,
    /// The 0-based offset of the byte where the problem was found, in the body after its
    /// `Content-Encoding` is undone, counting a byte order mark.
    pub offset: usize,
}

impl fmt::Display for JsonBodyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at byte offset {}", self.problem, self.offset)
    }
}

impl std::error::Error for JsonBodyError {}

/// Returns `bytes` without a leading UTF-8 byte order mark.
pub fn strip_utf8_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(UTF8_BOM).unwrap_or(bytes)
}

/// Parses a decoded request body into a JSON value, as the importer reads it.
///
/// A leading UTF-8 byte order mark is skipped. The rest must be UTF-8, hold no lone UTF-16
/// surrogate in a `\u` escape, and nest arrays and objects at most [`MAX_JSON_DEPTH`]
/// levels deep.
pub fn parse_json_body(bytes: &[u8]) -> Result<Value, JsonBodyError> {
    read_json_body(bytes)
}

/// Checks a decoded request body as [`parse_json_body`] reads it, with the same errors, but
/// keeps nothing of it: ingress classifies every kept body, and building the document there
/// cost as much as the importer's own parse.
///
/// A single pass ([`scan`]) runs first. Only a body it does not accept is read by
/// `serde_json`, which then gives the error, or accepts it after all.
pub fn validate_json_body(bytes: &[u8]) -> Result<(), JsonBodyError> {
    let well_formed = std::str::from_utf8(strip_utf8_bom(bytes)).is_ok_and(scan::is_well_formed);
    if well_formed {
        return Ok(());
    }
    read_json_body::<Validated>(bytes).map(|_| ())
}

/// Reads a body as `T` with the rules of [`parse_json_body`].
fn read_json_body<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, JsonBodyError> {
    let document = strip_utf8_bom(bytes);
    let skipped = bytes.len() - document.len();

    let text = std::str::from_utf8(document).map_err(|error| {
        let offset = error.valid_up_to();
        let problem = match error.error_len() {
            Some(_) => format!("byte 0x{:02X} is not valid UTF-8", document[offset]),
            None => "the body ends inside a UTF-8 character".to_owned(),
        };
        JsonBodyError {
            problem,
            offset: skipped + offset,
        }
    })?;

    serde_json::from_str(text).map_err(|error| {
        let problem = describe(&error);
        let reported = offset_of(text, error.line(), error.column());
        // serde_json reports a bad escape where it noticed it, after the escape, often at the
        // closing quote. The escape itself is what the sender must fix.
        let offset = if ESCAPE_PROBLEMS
            .iter()
            .any(|start| problem.starts_with(start))
        {
            let end = (reported + 1).min(text.len());
            first_bad_escape(&text.as_bytes()[..end]).unwrap_or(reported)
        } else {
            reported
        };
        JsonBodyError {
            problem,
            offset: skipped + offset,
        }
    })
}

/// The start of the problem text for a lone UTF-16 surrogate in a `\u` escape.
const LONE_SURROGATE: &str = "a \\u escape is a lone UTF-16 surrogate";

/// The problems, as [`describe`] words them, that a bad escape causes.
const ESCAPE_PROBLEMS: [&str; 3] = [
    LONE_SURROGATE,
    "invalid escape",
    "invalid unicode code point",
];

/// Finds the backslash of the first bad escape in `bytes`: an unknown letter after the
/// backslash, a `\u` without four hex digits, or a lone UTF-16 surrogate. A document that
/// `serde_json` read up to an error has backslashes only inside strings, so every backslash
/// starts an escape.
fn first_bad_escape(bytes: &[u8]) -> Option<usize> {
    let mut at = 0;
    while at < bytes.len() {
        if bytes[at] != b'\\' {
            at += 1;
            continue;
        }
        // An escape cut off by the end of `bytes` is bad too: serde_json stopped inside it.
        match scan::escape(bytes, at) {
            Some(end) => at = end,
            None => return Some(at),
        }
    }
    None
}

/// Describes a `serde_json` error without its position, in words that name the cause where
/// serde's own message does not.
fn describe(error: &serde_json::Error) -> String {
    let message = error.to_string();
    let message = match message.rfind(" at line ") {
        Some(index) => &message[..index],
        None => &message,
    };
    match message {
        "recursion limit exceeded" => format!(
            "arrays and objects nest more than {MAX_JSON_DEPTH} levels deep, deeper than the \
             importer reads"
        ),
        // serde_json reports a trailing surrogate without a leading one as a "lone leading
        // surrogate", and a leading one without a trailing one as the end of the escape.
        "lone leading surrogate in hex escape" | "unexpected end of hex escape" => {
            format!(
                "{LONE_SURROGATE} (U+D800 to U+DFFF), which is not a character; a character \
                 above U+FFFF is written as a pair of escapes"
            )
        }
        other => other.to_owned(),
    }
}

/// Turns serde_json's 1-based line and its column (bytes up to and including the byte where
/// the error was found) into a 0-based byte offset of that byte. Column 0 means the error is
/// the line feed that ends the line before, such as one inside a string.
fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let start_of_line = text
        .bytes()
        .enumerate()
        .filter(|(_, byte)| *byte == b'\n')
        .nth(line.saturating_sub(2))
        .map_or(0, |(index, _)| index + 1);
    let start_of_line = if line <= 1 { 0 } else { start_of_line };
    let offset = match column {
        0 => start_of_line.saturating_sub(1),
        column => start_of_line + column - 1,
    };
    offset.min(text.len().saturating_sub(1))
}

/// A JSON value that has been read and thrown away. Unlike [`de::IgnoredAny`], for which
/// `serde_json` skips strings without checking their escapes, it requests every string, so
/// that a lone surrogate fails as it does when the importer reads the document; arrays and
/// objects go through `serde_json`'s nesting limit the same way.
struct Validated;

impl<'de> de::Deserialize<'de> for Validated {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ValidatedVisitor)
    }
}

struct ValidatedVisitor;

impl<'de> Visitor<'de> for ValidatedVisitor {
    type Value = Validated;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("any JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<Validated, E> {
        Ok(Validated)
    }

    fn visit_i64<E>(self, _: i64) -> Result<Validated, E> {
        Ok(Validated)
    }

    fn visit_u64<E>(self, _: u64) -> Result<Validated, E> {
        Ok(Validated)
    }

    fn visit_f64<E>(self, _: f64) -> Result<Validated, E> {
        Ok(Validated)
    }

    fn visit_str<E>(self, _: &str) -> Result<Validated, E> {
        Ok(Validated)
    }

    fn visit_unit<E>(self) -> Result<Validated, E> {
        Ok(Validated)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Validated, A::Error> {
        while seq.next_element::<Validated>()?.is_some() {}
        Ok(Validated)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Validated, A::Error> {
        while map.next_key::<Validated>()?.is_some() {
            map.next_value::<Validated>()?;
        }
        Ok(Validated)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_order_mark_is_skipped() {
        let value = parse_json_body(b"\xEF\xBB\xBF{\"id\": 1}").unwrap();
        assert_eq!(value["id"], 1);
    }

    #[test]
    fn invalid_utf8_names_byte_and_offset() {
        let error = parse_json_body(b"{\"name\": \"\xFF\"}").unwrap_err();
        assert_eq!(error.offset, 10);
        assert!(error.problem.contains("0xFF"), "{error}");
        assert!(error.to_string().contains("UTF-8"), "{error}");
    }

    #[test]
    fn offset_counts_the_byte_order_mark() {
        let error = parse_json_body(b"\xEF\xBB\xBF{\"name\": \"\xFF\"}").unwrap_err();
        assert_eq!(error.offset, 13);
    }

    #[test]
    fn truncated_character_at_end() {
        let error = parse_json_body(b"{\"name\": \"\xC3").unwrap_err();
        assert_eq!(error.offset, 10);
        assert!(error.problem.contains("ends inside"), "{error}");
    }

    #[test]
    fn lone_surrogates_are_named() {
        for body in [
            br#"{"name": "\ud800"}"#.as_slice(),
            br#"{"name": "\udc00"}"#,
            br#"{"name": "\ud800\u0041"}"#,
            br#"{"name": "\ud800x"}"#,
        ] {
            let error = parse_json_body(body).unwrap_err();
            assert!(error.problem.contains("surrogate"), "{error}");
            assert_eq!(error.offset, 10, "the backslash of the escape: {error}");
        }
    }

    #[test]
    fn surrogate_before_another_leading_one_is_found() {
        for body in [
            br#"{"name": "\ud800\ud800\udc00"}"#.as_slice(),
            br#"{"name": "\ud800\udbff"}"#,
        ] {
            let error = parse_json_body(body).unwrap_err();
            assert_eq!(error.offset, 10, "{error}");
        }
    }

    #[test]
    fn bad_hex_escape_points_at_backslash() {
        let error = parse_json_body(br#"{"a": "\u12G4"}"#).unwrap_err();
        assert_eq!(error.offset, 7, "{error}");
        let error = parse_json_body(br#"{"a": "ok \q"}"#).unwrap_err();
        assert_eq!(error.offset, 10, "{error}");
    }

    #[test]
    fn line_feed_in_string_is_the_offset() {
        let error = parse_json_body(b"{\"a\": \"x\ny\"}").unwrap_err();
        assert_eq!(error.offset, 8, "{error}");
        let error = parse_json_body(b"{\"a\": \"x\ty\"}").unwrap_err();
        assert_eq!(error.offset, 8, "{error}");
    }

    #[test]
    fn escape_offset_counts_multibyte_bytes() {
        let error = parse_json_body("{\"a\": \"é\\ud800é\"}".as_bytes()).unwrap_err();
        assert_eq!(error.offset, 9, "{error}");
    }

    #[test]
    fn surrogate_offset_skips_escaped_backslashes() {
        let body = br#"["\\ud800", "a\udfff"]"#;
        let error = parse_json_body(body).unwrap_err();
        assert_eq!(error.offset, 14, "{error}");
        let with_bom = [UTF8_BOM, br#"["\ud800"]"#.as_slice()].concat();
        assert_eq!(parse_json_body(&with_bom).unwrap_err().offset, 5);
    }

    #[test]
    fn surrogate_pair_is_a_character() {
        let value = parse_json_body(br#"{"name": "\ud83d\ude00"}"#).unwrap();
        assert_eq!(value["name"], "\u{1F600}");
    }

    #[test]
    fn nesting_beyond_limit_is_named() {
        let within = format!(
            "{}{}",
            "[".repeat(MAX_JSON_DEPTH),
            "]".repeat(MAX_JSON_DEPTH)
        );
        assert!(parse_json_body(within.as_bytes()).is_ok());

        let deeper = format!(
            "{}{}",
            "[".repeat(MAX_JSON_DEPTH + 1),
            "]".repeat(MAX_JSON_DEPTH + 1)
        );
        let error = parse_json_body(deeper.as_bytes()).unwrap_err();
        assert!(error.problem.contains("nest"), "{error}");
        assert_eq!(error.offset, MAX_JSON_DEPTH);
    }

    #[test]
    fn syntax_error_offset_on_later_line() {
        let error = parse_json_body(b"{\n  \"a\": 1,\n  \"b\": x\n}").unwrap_err();
        assert_eq!(error.offset, 19, "{error}");
        assert!(error.problem.contains("expected value"), "{error}");
    }

    #[test]
    fn validation_agrees_with_parsing() {
        let deep = |levels: usize| format!("{}{}", "[".repeat(levels), "]".repeat(levels));
        let bodies: Vec<Vec<u8>> = vec![
            b"\xEF\xBB\xBF{\"id\": 1}".to_vec(),
            b"{\"name\": \"\xFF\"}".to_vec(),
            b"{\"name\": \"\xC3".to_vec(),
            br#"{"name": "\ud800"}"#.to_vec(),
            br#"{"\udc00": 1}"#.to_vec(),
            br#"{"name": "\ud83d\ude00"}"#.to_vec(),
            br#"{"total": 12345678901234567890123456789.0000001, "n": -0.5e-300}"#.to_vec(),
            br#"[true, false, null, {"a": [1, "b", {"c": {}}]}]"#.to_vec(),
            deep(MAX_JSON_DEPTH).into_bytes(),
            deep(MAX_JSON_DEPTH + 1).into_bytes(),
            b"{\n  \"a\": 1,\n  \"b\": x\n}".to_vec(),
            b"{\"a\": 1} trailing".to_vec(),
        ];
        for body in &bodies {
            let parsed = parse_json_body(body).map(|_| ());
            assert_eq!(
                validate_json_body(body),
                parsed,
                "{}",
                String::from_utf8_lossy(body)
            );
        }
    }
}
