//! Pure helpers of webhook ingress that the HTTP handler calls before a request is kept.
//! They undo `Content-Encoding` within a size limit, tell JSON from pings and other bodies,
//! find the delivery id, mask credentials before headers are stored or shown, and resolve
//! the client address behind trusted proxies.
//!
//! The handler is expected to call them in this order, because each step needs the previous
//! one's output:
//!
//! 1. Reject a raw body over the size limit (413) before reading further.
//! 2. [`decode_body`] with `Content-Encoding` and the decoded size limit (413, 415 or 400).
//! 3. [`is_unsigned_ping`]: keep the request, return 200, skip the steps below.
//! 4. [`crate::verify::verify_request`] with the raw and decoded bytes (401 or 403).
//! 5. [`mask_headers`] and [`delivery_id`] to keep the request, then 2xx once it is committed.
//! 6. [`classify_body`] decides whether the worker imports it: only [`BodyKind::Json`] is.
//!    It reads JSON with [`parse_json_body`], the function the importer reads bodies with.

mod classify;
mod client_address;
mod decode;
mod headers;
mod json;

pub use classify::{BodyKind, classify_body, is_unsigned_ping};
pub use client_address::client_address;
pub use decode::{DecodeError, decode_body, decode_kept_body};
pub use headers::{
    ALWAYS_MASKED, DELIVERY_ID_HEADERS, MASK, content_encoding, delivery_id, mask_headers,
    stored_content_encoding,
};
pub use json::{
    JsonBodyError, MAX_JSON_DEPTH, UTF8_BOM, parse_json_body, strip_utf8_bom, validate_json_body,
};
