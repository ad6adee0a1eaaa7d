//! Header helpers: the delivery id a channel sends, and masking credentials before headers
//! are stored or shown.

use http::HeaderMap;
use http::header::{AUTHORIZATION, CONTENT_ENCODING, PROXY_AUTHORIZATION};

use crate::verify::{Check, SecurityConfig};

/// The text that replaces a masked header value.
pub const MASK: &str = "********";

/// The headers channels put their delivery id in, in the order they are read.
pub const DELIVERY_ID_HEADERS: [&str; 5] = [
    "x-shopify-webhook-id",
    "x-shopify-event-id",
    "webhook-id",
    "x-wc-webhook-delivery-id",
    "x-github-delivery",
];

/// Headers that carry a credential or a signature in every configuration: the standard
/// credential headers, common API key headers, and the signature headers of the presets.
pub const ALWAYS_MASKED: [&str; 13] = [
    "authorization",
    "proxy-authorization",
    "cookie",
    "set-cookie",
    "x-api-key",
    "api-key",
    "x-shopify-hmac-sha256",
    "x-wc-webhook-signature",
    "webhook-signature",
    "stripe-signature",
    "x-hub-signature",
    "x-hub-signature-256",
    "squarespace-signature",
];

/// The maximum length of a delivery id in bytes. A longer value is not an id a channel sends.
const MAX_DELIVERY_ID_LEN: usize = 200;

/// Returns the delivery id of a request: the value of `extra_header` when the store names one,
/// or else of the first of [`DELIVERY_ID_HEADERS`] present. The store's header comes first
/// because a merchant names it on purpose. Values that are empty, not visible ASCII, or
/// longer than 200 bytes are skipped.
pub fn delivery_id(headers: &HeaderMap, extra_header: Option<&str>) -> Option<String> {
    extra_header
        .into_iter()
        .chain(DELIVERY_ID_HEADERS)
        .find_map(|name| {
            let text = headers.get(name)?.to_str().ok()?.trim();
            let usable = !text.is_empty() && text.len() <= MAX_DELIVERY_ID_LEN;
            usable.then(|| text.to_owned())
        })
}

/// Lists the headers with every credential masked, for storing a request and showing it.
///
/// Masked are the headers of [`ALWAYS_MASKED`] and the headers read by `config`'s Header
/// Value and HMAC checks. `Authorization` keeps its scheme (`Basic ********`) so that a
/// reader sees which kind of credential was sent. Names are lowercase; values that are not
/// UTF-8 are shown with replacement characters.
pub fn mask_headers(headers: &HeaderMap, config: &SecurityConfig) -> Vec<(String, String)> {
    let configured = configured_secret_headers(config);
    headers
        .iter()
        .map(|(name, value)| {
            let name = name.as_str();
            let text = String::from_utf8_lossy(value.as_bytes());
            let secret = ALWAYS_MASKED.contains(&name)
                || configured
                    .iter()
                    .any(|header| header.eq_ignore_ascii_case(name));
            let display = if secret {
                mask_value(name, &text)
            } else {
                text.into_owned()
            };
            (name.to_owned(), display)
        })
        .collect()
}

/// Returns a request's `Content-Encoding` for [`crate::ingress::decode_body`], or `None` when
/// it has none. Repeated headers are joined with commas, as HTTP reads them, and each value
/// is read as [`mask_headers`] stores it, so that a kept request decodes the same way later.
pub fn content_encoding(headers: &HeaderMap) -> Option<String> {
    let values: Vec<String> = headers
        .get_all(CONTENT_ENCODING)
        .iter()
        .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned())
        .collect();
    (!values.is_empty()).then(|| values.join(", "))
}

/// Returns the `Content-Encoding` of a kept request from its stored headers, the JSON array
/// of `[name, value]` pairs that [`mask_headers`] made, as [`content_encoding`] read it when
/// the request arrived. Headers that are not such an array count as none.
pub fn stored_content_encoding(headers: &str) -> Option<String> {
    let pairs: Vec<(String, String)> = serde_json::from_str(headers).unwrap_or_default();
    let values: Vec<String> = pairs
        .into_iter()
        .filter(|(name, _)| name.eq_ignore_ascii_case(CONTENT_ENCODING.as_str()))
        .map(|(_, value)| value)
        .collect();
    (!values.is_empty()).then(|| values.join(", "))
}

fn configured_secret_headers(config: &SecurityConfig) -> Vec<&str> {
    config
        .checks
        .iter()
        .flat_map(|check| match check {
            Check::HeaderValue(header) => vec![header.header.as_str()],
            Check::Hmac(hmac) => vec![hmac.header.as_str()],
            Check::BasicAuth(_) | Check::IpAllowList(_) => Vec::new(),
        })
        .collect()
}

fn mask_value(name: &str, text: &str) -> String {
    let is_authorization = name == AUTHORIZATION.as_str() || name == PROXY_AUTHORIZATION.as_str();
    match text.split_once(' ') {
        Some((scheme, _)) if is_authorization => format!("{scheme} {MASK}"),
        _ => MASK.to_owned(),
    }
}
