//! Pure helpers of webhook ingress that the HTTP handler calls before a request is kept.
//! They undo `Content-Encoding` within a size limit, tell JSON from pings and other bodies,
//! find the delivery id, mask credentials before headers are stored or shown, and resolve
//! the client address behind trusted proxies.

mod classify;
mod client_address;
mod decode;
mod headers;

pub use classify::{BodyKind, classify_body, is_unsigned_ping};
pub use client_address::client_address;
pub use decode::{DecodeError, decode_body};
pub use headers::{DELIVERY_ID_HEADERS, MASK, delivery_id, mask_headers};
