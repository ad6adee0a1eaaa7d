//! `classify_body`: what kind of body a request carries, so that only JSON goes on to import,
//! and `is_unsigned_ping` for the test request WooCommerce sends when a webhook is saved.

use http::HeaderMap;
use http::header::CONTENT_TYPE;
use serde::de::IgnoredAny;

use super::json::{strip_utf8_bom, validate_json_body};

/// The header every WooCommerce delivery carries and its save-time ping lacks.
const WOOCOMMERCE_TOPIC: &str = "x-wc-webhook-topic";

/// The form field of a WooCommerce ping, followed by the webhook's number.
const PING_FIELD: &[u8] = b"webhook_id=";

/// The kind of a request body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BodyKind {
    /// A body that the importer reads as JSON ([`super::parse_json_body`]): an object or array under
    /// any content type, or any JSON value under a JSON content type, after an optional UTF-8
    /// byte order mark.
    Json,
    /// A body that the importer cannot read as JSON although it was sent as JSON, or has the
    /// syntax of JSON but invalid UTF-8, a lone surrogate escape or too deep a nesting. The
    /// error names the problem and its byte offset.
    MalformedJson { error: String },
    /// WooCommerce's ping `webhook_id=<digits>`, sent form-encoded or without content type.
    Ping { webhook_id: u64 },
    /// No bytes, or only whitespace.
    Empty,
    /// `application/x-www-form-urlencoded` other than a ping.
    Form,
    /// A `text/*` body that is not JSON.
    Text,
    /// Anything else, such as XML or binary data.
    Other,
}

/// Classifies a body by its `Content-Type` (ignoring parameters and case) and its bytes.
pub fn classify_body(content_type: Option<&str>, bytes: &[u8]) -> BodyKind {
    let document = strip_utf8_bom(bytes);
    if document.trim_ascii().is_empty() {
        return BodyKind::Empty;
    }

    let media_type = content_type.map(media_type);
    let media_type = media_type.as_deref();
    if let Some(webhook_id) = ping_webhook_id(bytes)
        && media_type.is_none_or(is_form)
    {
        return BodyKind::Ping { webhook_id };
    }

    let declared_json = media_type.is_some_and(is_json);
    let looks_structured = matches!(document.trim_ascii_start().first(), Some(b'{' | b'['));
    if declared_json || looks_structured {
        match validate_json_body(bytes) {
            Ok(_) => return BodyKind::Json,
            Err(error) if declared_json || has_json_syntax(document) => {
                return BodyKind::MalformedJson {
                    error: error.to_string(),
                };
            }
            Err(_) => {}
        }
    }

    match media_type {
        Some(media) if is_form(media) => BodyKind::Form,
        Some(media) if media.starts_with("text/") => BodyKind::Text,
        _ => BodyKind::Other,
    }
}

/// Whether a request is WooCommerce's unsigned ping: no `X-WC-Webhook-Topic` header, a
/// form-encoded or untyped body that is exactly `webhook_id=<digits>`.
///
/// The server returns 200 for such a request before any security check, because WooCommerce
/// saves a webhook only when its ping gets a 200, and it does not sign the ping. This is
/// safe because a ping carries no order: the caller keeps it as a request but never imports
/// it and never shows it as the mapping sample, so a forged ping changes no order.
pub fn is_unsigned_ping(headers: &HeaderMap, body: &[u8]) -> bool {
    if headers.contains_key(WOOCOMMERCE_TOPIC) {
        return false;
    }

    let content_type = headers.get(CONTENT_TYPE).map(|value| value.to_str());
    let typed_as_form = match content_type {
        None => true,
        Some(Ok(text)) => is_form(&media_type(text)),
        Some(Err(_)) => false,
    };
    typed_as_form && ping_webhook_id(body).is_some()
}

/// Returns whether a document has the syntax of JSON when strings are not checked for UTF-8 or
/// lone surrogates and nesting is not limited, the checks that `serde_json` skips for
/// [`IgnoredAny`]. Such a document that [`validate_json_body`] rejects was meant as JSON.
fn has_json_syntax(document: &[u8]) -> bool {
    serde_json::from_slice::<IgnoredAny>(document).is_ok()
}

/// Returns the number of a body that is exactly `webhook_id=<digits>`.
fn ping_webhook_id(bytes: &[u8]) -> Option<u64> {
    let digits = bytes.strip_prefix(PING_FIELD)?;
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(digits).ok()?.parse().ok()
}

/// Returns the media type without parameters, lowercased: `Application/JSON; charset=utf-8` gives
/// `application/json`.
fn media_type(content_type: &str) -> String {
    let essence = content_type.split(';').next().unwrap_or_default();
    essence.trim().to_ascii_lowercase()
}

fn is_json(media_type: &str) -> bool {
    media_type == "application/json" || media_type.ends_with("+json") || media_type == "text/json"
}

fn is_form(media_type: &str) -> bool {
    media_type == "application/x-www-form-urlencoded"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_by_content_type_with_parameters() {
        let kind = classify_body(Some("Application/JSON; charset=UTF-8"), b"42");
        assert_eq!(kind, BodyKind::Json);
    }

    #[test]
    fn json_object_without_content_type() {
        assert_eq!(classify_body(None, b" {\"id\":1}"), BodyKind::Json);
        assert_eq!(classify_body(Some("text/plain"), b"[1,2]"), BodyKind::Json);
    }

    #[test]
    fn declared_json_that_fails_to_parse() {
        let kind = classify_body(Some("application/json"), b"{\"id\":");
        assert!(matches!(kind, BodyKind::MalformedJson { .. }), "{kind:?}");
    }

    #[test]
    fn byte_order_mark_before_json() {
        let body = b"\xEF\xBB\xBF{\"id\": 1}";
        assert_eq!(
            classify_body(Some("application/json"), body),
            BodyKind::Json
        );
        assert_eq!(classify_body(None, body), BodyKind::Json);
        assert_eq!(
            classify_body(Some("application/json"), b"\xEF\xBB\xBF "),
            BodyKind::Empty
        );
    }

    #[test]
    fn json_the_importer_cannot_read_is_malformed() {
        let deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
        let bodies: [&[u8]; 3] = [
            b"{\"name\": \"\xFF\"}",
            br#"{"name": "\ud800"}"#,
            deep.as_bytes(),
        ];
        for body in bodies {
            for content_type in [Some("application/json"), Some("text/plain"), None] {
                let kind = classify_body(content_type, body);
                let BodyKind::MalformedJson { error } = &kind else {
                    panic!("{content_type:?}: {kind:?}");
                };
                assert!(error.contains("byte offset"), "{error}");
            }
        }
    }

    #[test]
    fn text_in_brackets_stays_text() {
        let kind = classify_body(Some("text/plain"), b"[INFO] order saved");
        assert_eq!(kind, BodyKind::Text);
    }

    #[test]
    fn ping_is_recognised() {
        let form = Some("application/x-www-form-urlencoded");
        assert_eq!(
            classify_body(form, b"webhook_id=2"),
            BodyKind::Ping { webhook_id: 2 }
        );
        assert_eq!(classify_body(form, b"webhook_id=2&x=1"), BodyKind::Form);
        assert_eq!(classify_body(form, b"webhook_id="), BodyKind::Form);
    }

    #[test]
    fn empty_text_and_other() {
        assert_eq!(
            classify_body(Some("application/json"), b"  \n"),
            BodyKind::Empty
        );
        assert_eq!(classify_body(Some("text/plain"), b"hello"), BodyKind::Text);
        assert_eq!(
            classify_body(Some("application/xml"), b"<order/>"),
            BodyKind::Other
        );
        assert_eq!(classify_body(None, b"42"), BodyKind::Other);
    }
}
