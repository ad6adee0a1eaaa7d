//! The `Idempotency-Key` header of `POST /api/v1/orders/{id}/shipments`: reading the key, the
//! fingerprint that distinguishes a repeated request from a different one, and the repeated
//! response.
//!
//! The IETF draft "The Idempotency-Key HTTP Header Field"
//! (draft-ietf-httpapi-idempotency-key-header) has the server respond with 409 to a request
//! that arrives while the first one with its key is still running. Here the second request
//! waits on the key's unique index for the first to commit, which takes one short
//! transaction, and then gets the first response.

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use postsale_core::OrderId;
use postsale_store::shipments::StoredResponse;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::http::ApiError;

/// The request header that carries the key.
pub const KEY_HEADER: &str = "idempotency-key";

/// The response header, set to `true`, of a response that repeats the stored one.
pub const REPLAYED_HEADER: &str = "idempotent-replayed";

/// The maximum length of a key, in characters.
pub const MAX_KEY_CHARS: usize = 255;

/// Characters of an invalid key that an error message repeats.
const MAX_ECHO_CHARS: usize = 60;

/// Reads the key, or `None` when the request has no such header. A key is 1 to
/// [`MAX_KEY_CHARS`] visible ASCII characters. A key in double quotes, the structured-field
/// string that the IETF draft specifies, is read without the quotes.
pub fn read_key(headers: &HeaderMap) -> Result<Option<String>, ApiError> {
    let mut values = headers.get_all(KEY_HEADER).iter();
    let Some(value) = values.next() else {
        return Ok(None);
    };
    if values.next().is_some() {
        return Err(invalid_key(
            "more than one Idempotency-Key header: send one key per request".to_owned(),
        ));
    }

    let text = String::from_utf8_lossy(value.as_bytes());
    let key = text
        .strip_prefix('"')
        .and_then(|inner| inner.strip_suffix('"'))
        .unwrap_or(&text);
    let valid = !key.is_empty()
        && key.len() <= MAX_KEY_CHARS
        && key.bytes().all(|byte| byte.is_ascii_graphic());
    if !valid {
        return Err(invalid_key(format!(
            "invalid Idempotency-Key header {:?}: use 1 to {MAX_KEY_CHARS} visible ASCII \
             characters without spaces, such as a UUID",
            shorten(&text)
        )));
    }
    Ok(Some(key.to_owned()))
}

/// Returns the SHA-256 (hex) of what a request contains: the order id of its path and its body
/// with the members of every object sorted by name, so that member order and white space do
/// not make a different request.
pub fn fingerprint(order_id: OrderId, body: &Value) -> String {
    let mut hasher = Sha256::new();
    hasher.update(order_id.get().to_string().as_bytes());
    hasher.update(b"\n");
    hasher.update(sorted_members(body).to_string().as_bytes());
    hex::encode(hasher.finalize())
}

/// Responds to a request whose key the account used before: with the stored response when
/// the request is the same, or with 422 naming the key when it is a different one.
pub fn repeat(key: &str, fingerprint: &str, stored: StoredResponse) -> Result<Response, ApiError> {
    if stored.fingerprint != fingerprint {
        return Err(ApiError::unprocessable(format!(
            "the Idempotency-Key {key:?} was used for a different request in the last 24 \
             hours: send the same order and body again to get its response, or a new key for \
             another shipment"
        ))
        .with_extension("field", "Idempotency-Key".into()));
    }
    let mut response = stored_response(stored)?;
    response
        .headers_mut()
        .insert(REPLAYED_HEADER, HeaderValue::from_static("true"));
    Ok(response)
}

/// Builds the HTTP response of a stored response: its status code and JSON body.
pub fn stored_response(stored: StoredResponse) -> Result<Response, ApiError> {
    let status =
        StatusCode::from_u16(stored.status_code).map_err(|error| ApiError::internal(&error))?;
    let content_type = [(header::CONTENT_TYPE, "application/json")];
    Ok((status, content_type, stored.body).into_response())
}

fn invalid_key(detail: String) -> ApiError {
    ApiError::bad_request(detail).with_extension("field", "Idempotency-Key".into())
}

fn shorten(text: &str) -> String {
    match text.char_indices().nth(MAX_ECHO_CHARS) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_owned(),
    }
}

/// Copies a JSON value with the members of every object in name order.
fn sorted_members(value: &Value) -> Value {
    match value {
        Value::Object(members) => {
            let mut sorted: Vec<(&String, &Value)> = members.iter().collect();
            sorted.sort_by(|a, b| a.0.cmp(b.0));
            let members = sorted
                .into_iter()
                .map(|(name, member)| (name.clone(), sorted_members(member)))
                .collect();
            Value::Object(members)
        }
        Value::Array(entries) => Value::Array(entries.iter().map(sorted_members).collect()),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn headers(values: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append(KEY_HEADER, HeaderValue::from_str(value).unwrap());
        }
        headers
    }

    #[test]
    fn keys_are_read_with_or_without_quotes() {
        assert_eq!(read_key(&headers(&[])).unwrap(), None);
        let plain = read_key(&headers(&["8e03978e-40d5"])).unwrap();
        assert_eq!(plain.as_deref(), Some("8e03978e-40d5"));
        let quoted = read_key(&headers(&["\"8e03978e-40d5\""])).unwrap();
        assert_eq!(quoted.as_deref(), Some("8e03978e-40d5"));
    }

    #[test]
    fn invalid_keys_are_rejected() {
        let too_long = "k".repeat(MAX_KEY_CHARS + 1);
        for values in [
            vec![""],
            vec!["\"\""],
            vec!["a b"],
            vec![too_long.as_str()],
            vec!["a", "b"],
        ] {
            let error = read_key(&headers(&values)).unwrap_err();
            assert_eq!(error.status(), StatusCode::BAD_REQUEST, "{values:?}");
            assert!(
                error.detail().contains("Idempotency-Key"),
                "{}",
                error.detail()
            );
        }
        let longest = "k".repeat(MAX_KEY_CHARS);
        assert!(read_key(&headers(&[longest.as_str()])).is_ok());
    }

    #[test]
    fn fingerprint_ignores_member_order_only() {
        let first = json!({"carrier": "usps", "weight": {"unit": "oz", "value": "1"}});
        let reordered = json!({"weight": {"value": "1", "unit": "oz"}, "carrier": "usps"});
        let other = json!({"carrier": "ups", "weight": {"unit": "oz", "value": "1"}});
        let order = OrderId(7);
        assert_eq!(fingerprint(order, &first), fingerprint(order, &reordered));
        assert_ne!(fingerprint(order, &first), fingerprint(order, &other));
        assert_ne!(fingerprint(order, &first), fingerprint(OrderId(8), &first));
    }
}
