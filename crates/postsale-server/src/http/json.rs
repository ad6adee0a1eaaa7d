//! JSON request bodies whose every failure is problem details. A missing or wrong
//! `Content-Type` gets 415, a body too large 413, a body too slow 408, a syntax error 400, and
//! a value of the wrong shape 422, naming the member by its path. A string with a NUL
//! character (`\u0000`) gets 422 naming its member too, because PostgreSQL cannot store it;
//! only [`SampleJson`] lets one through.

use std::collections::HashSet;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{FromRequest, OptionalFromRequest, Request};
use axum::http::{HeaderMap, StatusCode, header};
use postsale_core::verify::{BasicAuthConfig, HeaderValueConfig, HmacConfig, IpAllowList};
use serde::de::{DeserializeOwned, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value;
use serde_path_to_error::Segment;

use crate::http::ApiError;
use crate::http::nul::{find_nul_in_json, may_contain_nul};
use crate::http::problem::error_chain;
use crate::http::timeout::body_timeout_error;

/// The largest JSON body the API reads, in bytes.
pub const MAX_JSON_BODY_BYTES: usize = 2 * 1024 * 1024;

/// A JSON request body. A value of the wrong shape gets 422 with serde's message, which
/// names the member and the value found.
#[derive(Debug)]
pub struct JsonBody<T>(pub T);

/// A JSON request body read as `T`, together with the same body as a JSON document, for a
/// handler that compares requests by what they contain. Failures are those of [`JsonBody`].
#[derive(Debug)]
pub struct JsonDocument<T>(pub T, pub Value);

/// A JSON request body that may carry secrets, such as a webhook's security settings. A value
/// of the wrong shape gets 422 naming the member and the expected shape, but never the value
/// that was sent, so a secret in the wrong place is not echoed back.
#[derive(Debug)]
pub struct SensitiveJson<T>(pub T);

/// A JSON request body that carries a sales channel's data to look at, such as the sample of
/// a map preview. Read like [`JsonBody`], except that its strings may contain NUL characters:
/// nothing of it is stored, and an import removes them from mapped text, which the preview
/// shows.
#[derive(Debug)]
pub struct SampleJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, _state: &S) -> Result<Self, ApiError> {
        require_json_content_type(request.headers())?;
        let bytes = read_body(request).await?;
        parse(&bytes, Echo::Values, Content::Stored).map(JsonBody)
    }
}

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for SampleJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, _state: &S) -> Result<Self, ApiError> {
        require_json_content_type(request.headers())?;
        let bytes = read_body(request).await?;
        parse(&bytes, Echo::Values, Content::Sample).map(SampleJson)
    }
}

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for JsonDocument<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, _state: &S) -> Result<Self, ApiError> {
        require_json_content_type(request.headers())?;
        let bytes = read_body(request).await?;
        let value = parse(&bytes, Echo::Values, Content::Stored)?;
        let document = parse(&bytes, Echo::Values, Content::Stored)?;
        Ok(JsonDocument(value, document))
    }
}

/// An absent body (no bytes at all) is `None`; any other body is read as for `JsonBody`.
impl<T: DeserializeOwned, S: Send + Sync> OptionalFromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, _state: &S) -> Result<Option<Self>, ApiError> {
        let headers = request.headers().clone();
        let bytes = read_body(request).await?;
        if bytes.is_empty() {
            return Ok(None);
        }
        require_json_content_type(&headers)?;
        parse(&bytes, Echo::Values, Content::Stored).map(|value| Some(JsonBody(value)))
    }
}

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for SensitiveJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, _state: &S) -> Result<Self, ApiError> {
        require_json_content_type(request.headers())?;
        let bytes = read_body(request).await?;
        parse(&bytes, Echo::ShapesOnly, Content::Stored).map(SensitiveJson)
    }
}

/// Whether a 422 message may quote the value that was sent.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Echo {
    Values,
    ShapesOnly,
}

/// The kind of content of a body. Settings or data that postsale stores may not have a NUL
/// character in a string or a member named twice in an object. A sales channel's data to look
/// at is taken as it is.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Content {
    Stored,
    Sample,
}

/// Accepts `application/json` and any `+json` type, ignoring parameters and case.
fn require_json_content_type(headers: &HeaderMap) -> Result<(), ApiError> {
    let Some(value) = headers.get(header::CONTENT_TYPE) else {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "missing Content-Type header: send the JSON body with `Content-Type: \
             application/json`",
        ));
    };
    let text = value.to_str().unwrap_or("");
    let essence = text
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if essence == "application/json" || essence.ends_with("+json") {
        return Ok(());
    }
    Err(ApiError::new(
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        format!(
            "unsupported Content-Type {:?}: send the JSON body with `Content-Type: \
             application/json`",
            truncate(text, 100)
        ),
    ))
}

async fn read_body(request: Request) -> Result<Bytes, ApiError> {
    axum::body::to_bytes(request.into_body(), MAX_JSON_BODY_BYTES)
        .await
        .map_err(|error| {
            if let Some(timeout) = body_timeout_error(&error) {
                return timeout.problem();
            }
            let chain = error_chain(&error);
            if chain.contains("length limit exceeded") {
                return ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    format!(
                        "the JSON body is larger than the limit of {MAX_JSON_BODY_BYTES} bytes: \
                         send a smaller document"
                    ),
                );
            }
            ApiError::bad_request(format!(
                "the request body could not be read: {chain}; send the request again"
            ))
        })
}

/// Turns a failed read of a raw body (axum's `Bytes` extractor) into problem details: 408
/// when the body read timeout passed, 413 above the size limit, 400 otherwise. `what` names
/// the body, such as "the map document".
pub fn bytes_rejection_error(rejection: &BytesRejection, what: &str) -> ApiError {
    if let Some(timeout) = body_timeout_error(rejection) {
        return timeout.problem();
    }
    if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
        return ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "{what} is larger than the limit of {MAX_JSON_BODY_BYTES} bytes: send a smaller \
                 one"
            ),
        );
    }
    ApiError::new(
        rejection.status(),
        format!(
            "{what} could not be read: {}; send the request again",
            rejection.body_text()
        ),
    )
}

fn parse<T: DeserializeOwned>(bytes: &[u8], echo: Echo, content: Content) -> Result<T, ApiError> {
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let error = match serde_path_to_error::deserialize::<_, T>(&mut deserializer) {
        Ok(value) => {
            // Trailing characters after the document are a syntax error.
            deserializer
                .end()
                .map_err(|error| syntax_error(bytes, &error))?;
            if content == Content::Stored {
                if let Some(path) = nul_member(bytes) {
                    return Err(nul_error(path));
                }
                if let Some(path) = duplicate_member(bytes) {
                    return Err(duplicate_error(path));
                }
            }
            return Ok(value);
        }
        Err(error) => error,
    };

    let path = error.path().to_string();
    let inner = error.into_inner();
    if !inner.is_data() {
        // serde_json reports a value that is not a string where a name (an enum) belongs as
        // a syntax error, "expected value", although the document itself is valid JSON.
        return Err(match serde_json::from_slice::<Value>(bytes) {
            Ok(document) if inner.is_syntax() => {
                let found = value_at(&document, &path).map_or("a value", json_kind);
                ApiError::unprocessable(format!(
                    "invalid JSON body at {path}: expected a name as a string, found {found}; \
                     see /api/openapi.json for the names it takes"
                ))
                .with_extension("field", path.into())
            }
            _ => syntax_error(bytes, &inner),
        });
    }
    let detail = match echo {
        Echo::Values => {
            let message = without_type_names(&inner.to_string());
            match path.as_str() {
                "." => format!("invalid JSON body: {message}"),
                _ => format!("invalid JSON body at {path}: {message}"),
            }
        }
        Echo::ShapesOnly => {
            let document: Value = serde_json::from_slice(bytes).unwrap_or(Value::Null);
            match refine_check_error(&document, &path) {
                Some((check_path, check_error)) => {
                    let detail = shape_only_message(&document, &check_path, &check_error);
                    return Err(
                        ApiError::unprocessable(detail).with_extension("field", check_path.into())
                    );
                }
                None => shape_only_message(&document, &path, &inner),
            }
        }
    };
    Err(ApiError::unprocessable(detail).with_extension("field", path.into()))
}

/// Replaces serde's name of a Rust type, such as `struct StorePatchIn with 5 elements`, with
/// the JSON shape it reads, which is what a client can act on.
fn without_type_names(message: &str) -> String {
    let Some(start) = message.find("struct ") else {
        return message.to_owned();
    };
    let rest = &message[start + "struct ".len()..];
    let name_end = rest
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(rest.len());
    let mut after = &rest[name_end..];
    if let Some(count) = after.strip_prefix(" with ")
        && let Some(end) = count.find(" element")
    {
        let counted = &count[end + " element".len()..];
        after = counted.strip_prefix('s').unwrap_or(counted);
    }
    format!("{}a JSON object{after}", &message[..start])
}

/// Returns the path of the first member whose string contains a NUL character. The document
/// is read a second time, into a `Value`, only when its text contains a `\u0000` escape.
pub(crate) fn nul_member(bytes: &[u8]) -> Option<String> {
    if !may_contain_nul(bytes) {
        return None;
    }
    let document: Value = serde_json::from_slice(bytes).ok()?;
    find_nul_in_json(&document)
}

/// Returns the path of the first member that an object of the document names twice, such as
/// `address.city`. A struct's own members get serde's "duplicate field" error. Where the
/// target is a map or a JSON value, serde keeps the last of the two without a word.
///
/// The walk keeps one stack of path segments and writes a path out only for the duplicate, so
/// its time grows with the size of the document, not with the depth times the size.
pub(crate) fn duplicate_member(bytes: &[u8]) -> Option<String> {
    let mut walk = Walk::default();
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    // The walk stops with an error at the first duplicate; the document is valid JSON already.
    let _ = Duplicates { walk: &mut walk }.deserialize(&mut deserializer);
    walk.found
}

pub(crate) fn duplicate_error(path: String) -> ApiError {
    ApiError::unprocessable(format!(
        "invalid JSON body: the member {path} appears more than once; send each member once"
    ))
    .with_extension("field", path.into())
}

/// The state of the duplicate search: the path to the current value, and the first duplicate.
#[derive(Default)]
struct Walk {
    path: Vec<PathStep>,
    found: Option<String>,
}

enum PathStep {
    Member(String),
    Index(usize),
}

impl Walk {
    /// Writes the current path followed by `member`, as `a.b[2].member`.
    fn path_to(&self, member: &str) -> String {
        let mut text = String::new();
        for step in &self.path {
            match step {
                PathStep::Member(name) => {
                    if !text.is_empty() {
                        text.push('.');
                    }
                    text.push_str(name);
                }
                PathStep::Index(index) => text.push_str(&format!("[{index}]")),
            }
        }
        if !text.is_empty() {
            text.push('.');
        }
        text.push_str(member);
        text
    }
}

/// Walks a JSON value and records the path of the first member named twice in one object.
struct Duplicates<'w> {
    walk: &'w mut Walk,
}

impl<'de> DeserializeSeed<'de> for Duplicates<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Duplicates<'_> {
    type Value = ();

    fn expecting(&self, formatter: &mut std::fmt::Formatter) -> std::fmt::Result {
        formatter.write_str("a JSON value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }

    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }

    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }

    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }

    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }

    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut sequence: A) -> Result<(), A::Error> {
        let mut index = 0;
        loop {
            self.walk.path.push(PathStep::Index(index));
            let next = sequence.next_element_seed(Duplicates {
                walk: &mut *self.walk,
            });
            self.walk.path.pop();
            if next?.is_none() {
                return Ok(());
            }
            index += 1;
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut seen = HashSet::new();
        while let Some(key) = map.next_key::<String>()? {
            if seen.contains(&key) {
                self.walk.found = Some(self.walk.path_to(&key));
                return Err(serde::de::Error::custom("a member appears twice"));
            }
            self.walk.path.push(PathStep::Member(key.clone()));
            let value = map.next_value_seed(Duplicates {
                walk: &mut *self.walk,
            });
            self.walk.path.pop();
            value?;
            seen.insert(key);
        }
        Ok(())
    }
}

pub(crate) fn nul_error(path: String) -> ApiError {
    ApiError::unprocessable(format!(
        "invalid {path}: it contains a NUL character (\\u0000), which cannot be stored; remove \
         it"
    ))
    .with_extension("field", path.into())
}

/// Builds the 400 for a body that is not JSON. serde_json reports a lone UTF-16 surrogate in a
/// `\u` escape as the end of the escape, so such errors take the importer's wording, which
/// names the surrogate.
fn syntax_error(bytes: &[u8], error: &serde_json::Error) -> ApiError {
    let message = error.to_string();
    let detail = if message.contains("hex escape") || message.contains("surrogate") {
        match postsale_core::ingress::validate_json_body(bytes) {
            Err(found) => found.to_string(),
            Ok(()) => message,
        }
    } else {
        message
    };
    ApiError::bad_request(format!(
        "invalid JSON body: {detail}; send one valid JSON document"
    ))
}

/// Finds the member that failed inside a security check. The checks are an internally tagged
/// enum, and serde reads those from a buffer that reports no path below the check itself, so
/// the check's members are read again as the variant's own type to find the failing member.
fn refine_check_error(document: &Value, path: &str) -> Option<(String, serde_json::Error)> {
    let object = value_at(document, path)?.as_object()?;
    let kind = object.get("type")?.as_str()?;
    let mut members = object.clone();
    members.remove("type");
    let members = Value::Object(members);
    let failed = match kind {
        "basic_auth" => probe::<BasicAuthConfig>(members),
        "header_value" => probe::<HeaderValueConfig>(members),
        "hmac" => probe::<HmacConfig>(members),
        "ip_allow_list" => probe::<IpAllowList>(members),
        _ => return None,
    }
    .err()?;

    let inner_path = failed.path().to_string();
    let full_path = if inner_path == "." {
        path.to_owned()
    } else {
        format!("{path}.{inner_path}")
    };
    Some((full_path, failed.into_inner()))
}

fn probe<T: DeserializeOwned>(
    members: Value,
) -> Result<(), serde_path_to_error::Error<serde_json::Error>> {
    serde_path_to_error::deserialize::<_, T>(members).map(|_| ())
}

/// Describes a deserialization error at `path` without quoting any value from `document`.
fn shape_only_message(document: &Value, path: &str, error: &serde_json::Error) -> String {
    // serde's messages have fixed forms; only the parts after "expected" and the names of
    // fields come from the type, while "invalid type: string \"...\"" quotes the input.
    let message = error.to_string();
    let message = strip_position(&message);
    let expected = message
        .rsplit_once(", expected ")
        .map(|(_, expected)| expected);
    let found = value_at(document, path).map_or("a value", json_kind);

    if message.starts_with("invalid type: ") || message.starts_with("invalid value: ") {
        let expected = expected.unwrap_or("a different value");
        return format!("invalid {path}: expected {expected}, found {found}");
    }
    if message.starts_with("unknown variant ") {
        let expected = expected.unwrap_or("a known name");
        return format!("invalid {path}: unknown name, expected {expected}");
    }
    let names_only = [
        "missing field ",
        "unknown field ",
        "duplicate field ",
        "invalid length ",
    ];
    if names_only.iter().any(|start| message.starts_with(start)) {
        return format!("invalid {path}: {message}");
    }
    format!(
        "invalid {path}: {found} is not accepted here; see the security settings in \
         /api/openapi.json for the expected form"
    )
}

/// Removes serde_json's " at line L column C" suffix.
fn strip_position(message: &str) -> &str {
    match message.rfind(" at line ") {
        Some(index) => &message[..index],
        None => message,
    }
}

/// Finds the value at a path that serde_path_to_error printed, such as `security.checks[0]`.
fn value_at<'v>(document: &'v Value, path: &str) -> Option<&'v Value> {
    let mut current = document;
    if path == "." {
        return Some(current);
    }
    for segment in path_segments(path) {
        current = match segment {
            Segment::Seq { index } => current.get(index)?,
            Segment::Map { key } => current.get(key.as_str())?,
            _ => return None,
        };
    }
    Some(current)
}

/// Splits `a.b[2].c` into map and sequence segments.
fn path_segments(path: &str) -> Vec<Segment> {
    let mut segments = Vec::new();
    for part in path.split('.') {
        let (key, indexes) = part.split_once('[').unwrap_or((part, ""));
        if !key.is_empty() {
            segments.push(Segment::Map {
                key: key.to_owned(),
            });
        }
        for index in indexes.split('[') {
            if let Ok(index) = index.trim_end_matches(']').parse() {
                segments.push(Segment::Seq { index });
            }
        }
    }
    segments
}

fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn truncate(text: &str, max_chars: usize) -> String {
    text.chars().take(max_chars).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use postsale_core::verify::SecurityConfig;

    fn sensitive_error(body: &str) -> String {
        let error = parse::<SecurityConfig>(body.as_bytes(), Echo::ShapesOnly, Content::Stored)
            .unwrap_err();
        format!("{error:?}")
    }

    #[derive(Debug, PartialEq, serde::Deserialize)]
    #[serde(rename_all = "snake_case")]
    enum Colour {
        Red,
        Blue,
    }

    #[derive(Debug, serde::Deserialize)]
    struct Paint {
        colour: Colour,
    }

    #[derive(Debug, serde::Deserialize)]
    struct Named {
        #[serde(rename = "name")]
        _name: String,
    }

    #[test]
    fn lone_surrogate_is_named() {
        for (body, offset) in [
            (r#"{"name": "\ud800"}"#, 10),
            (r#"{"name": "a\udc00b"}"#, 11),
        ] {
            let error = parse::<Named>(body.as_bytes(), Echo::Values, Content::Stored).unwrap_err();

            assert_eq!(error.status(), StatusCode::BAD_REQUEST, "{body}");
            let detail = format!("{error:?}");
            assert!(detail.contains("lone UTF-16 surrogate"), "{detail}");
            assert!(
                detail.contains(&format!("byte offset {offset}")),
                "{detail}"
            );
        }
    }

    #[test]
    fn name_of_another_type_is_unprocessable() {
        for body in [
            r#"{"colour": 5}"#,
            r#"{"colour": true}"#,
            r#"{"colour": ["red"]}"#,
        ] {
            let error = parse::<Paint>(body.as_bytes(), Echo::Values, Content::Stored).unwrap_err();
            assert_eq!(error.status(), StatusCode::UNPROCESSABLE_ENTITY, "{body}");
            let detail = format!("{error:?}");
            assert!(
                detail.contains("at colour: expected a name as a string"),
                "{detail}"
            );
        }
        let broken = parse::<Paint>(br#"{"colour": }"#, Echo::Values, Content::Stored).unwrap_err();
        assert_eq!(broken.status(), StatusCode::BAD_REQUEST);
        for (body, colour) in [
            (r#"{"colour": "red"}"#, Colour::Red),
            (r#"{"colour": "blue"}"#, Colour::Blue),
        ] {
            let paint = parse::<Paint>(body.as_bytes(), Echo::Values, Content::Stored).unwrap();
            assert_eq!(paint.colour, colour);
        }
    }

    #[test]
    fn type_names_become_json_shapes() {
        assert_eq!(
            without_type_names("invalid length 0, expected struct StorePatchIn with 5 elements"),
            "invalid length 0, expected a JSON object"
        );
        assert_eq!(
            without_type_names("invalid type: string \"x\", expected struct ShipFrom at line 1"),
            "invalid type: string \"x\", expected a JSON object at line 1"
        );
        assert_eq!(
            without_type_names("missing field `name`"),
            "missing field `name`"
        );
    }

    #[test]
    fn member_named_twice_is_found_at_any_depth() {
        let found = |text: &str| duplicate_member(text.as_bytes());
        assert_eq!(
            found(r#"{"address": {"city": "X", "city": "Y"}}"#).as_deref(),
            Some("address.city")
        );
        assert_eq!(
            found(r#"{"lines": [{"sku": "a"}, {"sku": "b", "qty": 1, "sku": "c"}]}"#).as_deref(),
            Some("lines[1].sku")
        );
        assert_eq!(found(r#"{"a": 1, "a": 2}"#).as_deref(), Some("a"));
        assert_eq!(
            found(r#"{"a": {"b": 1}, "c": {"b": 2}, "d": [1, null, "x", 2.5, true]}"#),
            None
        );
    }

    #[test]
    fn stored_body_with_a_member_twice_is_rejected() {
        let body = br#"{"address": {"city": "X", "city": "Y"}}"#;

        let error = parse::<Value>(body, Echo::Values, Content::Stored).unwrap_err();
        assert_eq!(error.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let detail = format!("{error:?}");
        assert!(
            detail.contains("the member address.city appears more than once"),
            "{detail}"
        );

        let sample = parse::<Value>(body, Echo::Values, Content::Sample).unwrap();
        assert_eq!(
            sample["address"]["city"], "Y",
            "a channel's sample is taken as it is"
        );
    }

    #[test]
    fn path_segments_split_maps_and_sequences() {
        let document = serde_json::json!({"a": {"b": [1, {"c": "x"}]}});
        assert_eq!(value_at(&document, "a.b[1].c"), Some(&Value::from("x")));
        assert_eq!(value_at(&document, "a.b[0]"), Some(&Value::from(1)));
        assert_eq!(value_at(&document, "."), Some(&document));
        assert_eq!(value_at(&document, "a.z"), None);
    }

    #[test]
    fn syntax_error_is_bad_request() {
        let error = parse::<Value>(b"{\"a\": ", Echo::Values, Content::Stored).unwrap_err();
        assert_eq!(error.status(), StatusCode::BAD_REQUEST);
    }

    #[test]
    fn trailing_characters_are_bad_request() {
        let error = parse::<Value>(b"{} {}", Echo::Values, Content::Stored).unwrap_err();
        assert_eq!(error.status(), StatusCode::BAD_REQUEST);
    }

    #[test]
    fn nul_in_string_names_member() {
        let body = br#"{"a": {"b": ["x", "y\u0000"]}}"#;
        let error = parse::<Value>(body, Echo::Values, Content::Stored).unwrap_err();
        assert_eq!(error.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(error.extension("field"), Some(&Value::from("a.b[1]")));
        assert!(error.detail().contains("NUL"), "{}", error.detail());
    }

    #[test]
    fn escaped_backslash_before_u0000_is_text() {
        let body = br#"{"a": "\\u0000"}"#;
        assert!(parse::<Value>(body, Echo::Values, Content::Stored).is_ok());
    }

    #[test]
    fn sample_keeps_nul() {
        let body = br#"{"note": "a\u0000b"}"#;
        let value = parse::<Value>(body, Echo::Values, Content::Sample).unwrap();
        assert_eq!(value["note"], "a\u{0}b");
    }

    #[test]
    fn sensitive_error_hides_string_value() {
        let secret = "whsec_do_not_echo_this_value_123";
        let message = sensitive_error(&format!(
            r#"{{"checks": [{{"type": "header_value", "header": "X-Key", "value": ["{secret}"]}}]}}"#
        ));
        assert!(!message.contains(secret), "{message}");
        assert!(!message.contains("do_not_echo"), "{message}");
    }
}
