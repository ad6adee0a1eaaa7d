//! Rejects text that contains a NUL character (U+0000) before it reaches the database.
//!
//! PostgreSQL's `TEXT` cannot store U+0000, so a value with one fails there with an error (and
//! a 500), while SQLite stores it. Text reaches the handlers in four ways, and each is checked in
//! one place: the path and the query string by [`reject_nul_in_url`], JSON bodies by
//! [`crate::http::json`], URL-encoded forms by [`crate::web::form::Form`], and the one
//! multipart form by [`crate::web::store_form::read`]. Webhook bodies are not checked here:
//! they are kept as bytes, and the importer removes NUL characters from mapped text.

use std::borrow::Cow;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use percent_encoding::percent_decode;
use serde_json::Value;

use crate::app::AppState;
use crate::http::ApiError;
use crate::http::problem::BareResponse;
use crate::web::error::WebError;

/// The path prefix of webhook URLs, whose token is looked up in the database.
const HOOKS_PREFIX: &str = "/hooks/";

/// Middleware that rejects a request whose percent-decoded path or query string contains a
/// NUL character (`%00`). A webhook URL gets the bare 404 of an unknown token, because no
/// token contains NUL; its query string is kept as received, still encoded, so it is not
/// checked. Other paths get 400 and query parameters 422, as problem details or, for a page
/// of the web UI, as an HTML page.
pub async fn reject_nul_in_url(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    let uri = request.uri();
    let path_has_nul = decode(uri.path().as_bytes()).contains(&0);
    if uri.path().starts_with(HOOKS_PREFIX) {
        if path_has_nul {
            state.metrics().observe_webhook("unknown_token");
            let mut response = StatusCode::NOT_FOUND.into_response();
            response.extensions_mut().insert(BareResponse);
            return response;
        }
        return next.run(request).await;
    }

    let html = wants_html(request.headers(), uri.path());
    if path_has_nul {
        let message = NulMessage {
            api: "invalid path: it contains a NUL character (%00), which no resource has; remove \
                  it from the URL"
                .to_owned(),
            page: "The address contains a NUL character (%00), so there is no page at it. Check \
                   the link."
                .to_owned(),
        };
        return message.into_response(StatusCode::BAD_REQUEST, html, None);
    }
    if let Some(name) = uri
        .query()
        .and_then(|query| find_nul_in_urlencoded(query.as_bytes()))
    {
        let message = NulMessage {
            api: format!(
                "invalid query parameter {name}: it contains a NUL character (%00), which cannot \
                 be stored; remove it"
            ),
            page: format!(
                "The query parameter {name} contains a NUL character (%00), which cannot be \
                 stored. Remove it and try again."
            ),
        };
        return message.into_response(
            StatusCode::UNPROCESSABLE_ENTITY,
            html,
            Some(("parameter", name)),
        );
    }
    next.run(request).await
}

/// The two wordings of a rejection: problem details for the API, a sentence for a page.
struct NulMessage {
    api: String,
    page: String,
}

impl NulMessage {
    fn into_response(
        self,
        status: StatusCode,
        html: bool,
        extension: Option<(&str, String)>,
    ) -> Response {
        if html {
            return WebError::new(status, self.page).into_response();
        }
        let mut error = ApiError::new(status, self.api);
        if let Some((key, value)) = extension {
            error = error.with_extension(key, Value::from(value));
        }
        error.into_response()
    }
}

/// Returns whether the client is a browser that requests a page of the web UI, not the API.
fn wants_html(headers: &HeaderMap, path: &str) -> bool {
    let accepts_html = headers
        .get(header::ACCEPT)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"));
    accepts_html && !path.starts_with("/api/")
}

/// Returns the name of the first pair of a URL-encoded query string or form body whose name
/// or value contains a NUL character once decoded, with any NUL in the name shown as `\0`.
pub fn find_nul_in_urlencoded(text: &[u8]) -> Option<String> {
    text.split(|&byte| byte == b'&').find_map(|pair| {
        let (name, value) = match pair.iter().position(|&byte| byte == b'=') {
            Some(index) => (&pair[..index], &pair[index + 1..]),
            None => (pair, &[][..]),
        };
        let name = decode(name);
        let has_nul = name.contains(&0) || decode(value).contains(&0);
        has_nul.then(|| String::from_utf8_lossy(&name).escape_debug().to_string())
    })
}

/// Percent-decodes URL-encoded text; `+` is left as it is, since it never decodes to NUL.
fn decode(text: &[u8]) -> Cow<'_, [u8]> {
    percent_decode(text).into()
}

/// Returns the path of the first string of a JSON document, key or value, that contains a
/// NUL character, written as serde paths are: `address.street1`, `lines[2].name`. The document
/// itself is `.`.
pub fn find_nul_in_json(value: &Value) -> Option<String> {
    let mut path = String::new();
    if find_in(value, &mut path) {
        Some(if path.is_empty() {
            ".".to_owned()
        } else {
            path
        })
    } else {
        None
    }
}

fn find_in(value: &Value, path: &mut String) -> bool {
    match value {
        Value::String(text) => text.contains('\0'),
        Value::Array(entries) => entries.iter().enumerate().any(|(index, entry)| {
            let length = path.len();
            path.push_str(&format!("[{index}]"));
            let found = find_in(entry, path);
            if !found {
                path.truncate(length);
            }
            found
        }),
        Value::Object(members) => members.iter().any(|(key, member)| {
            let length = path.len();
            if !path.is_empty() {
                path.push('.');
            }
            path.push_str(&key.escape_debug().to_string());
            let found = key.contains('\0') || find_in(member, path);
            if !found {
                path.truncate(length);
            }
            found
        }),
        Value::Null | Value::Bool(_) | Value::Number(_) => false,
    }
}

/// Returns whether a JSON text may contain a NUL character. Only the escape `\u0000` writes
/// one, because JSON does not allow control characters in strings. A match inside an escaped
/// backslash, as in `"\\u0000"`, is a false alarm that [`find_nul_in_json`] then clears.
pub fn may_contain_nul(json: &[u8]) -> bool {
    json.windows(6).any(|window| window == br"\u0000")
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn json_path_names_nested_member() {
        let document = json!({"name": "ok", "address": {"street1": "1 Main\u{0}"}});
        assert_eq!(
            find_nul_in_json(&document).as_deref(),
            Some("address.street1")
        );
    }

    #[test]
    fn json_path_names_array_entry() {
        let document = json!({"lines": [{"name": "a"}, {"name": "b\u{0}"}]});
        assert_eq!(
            find_nul_in_json(&document).as_deref(),
            Some("lines[1].name")
        );
    }

    #[test]
    fn json_path_names_key_with_nul() {
        let document = json!({"a": {"k\u{0}": 1}});
        assert_eq!(find_nul_in_json(&document).as_deref(), Some("a.k\\0"));
    }

    #[test]
    fn json_without_nul_passes() {
        let document = json!({"a": ["x", 1, null, {"b": "\\u0000"}]});
        assert_eq!(find_nul_in_json(&document), None);
        assert_eq!(find_nul_in_json(&json!("\u{0}")).as_deref(), Some("."));
    }

    #[test]
    fn escape_scan_finds_candidates() {
        assert!(may_contain_nul(br#"{"a": "x\u0000"}"#));
        assert!(may_contain_nul(br#"{"a": "\\u0000"}"#));
        assert!(!may_contain_nul(br#"{"a": "\u0001"}"#));
    }

    #[test]
    fn urlencoded_names_pair() {
        assert_eq!(
            find_nul_in_urlencoded(b"a=1&email=ops%00%40x&c=3").as_deref(),
            Some("email")
        );
        assert_eq!(
            find_nul_in_urlencoded(b"na%00me=1").as_deref(),
            Some("na\\0me")
        );
        assert_eq!(
            find_nul_in_urlencoded(b"flag%00").as_deref(),
            Some("flag\\0")
        );
        assert_eq!(find_nul_in_urlencoded(b"a=%2500&b=%0A"), None);
    }
}
