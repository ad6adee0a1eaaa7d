//! `parse_json_body`: reads a request body as JSON after an optional UTF-8 byte order mark,
//! for the importer and for every view of a kept body.

use serde_json::Value;

/// The UTF-8 encoding of U+FEFF, which some senders put before a JSON document.
pub const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// Returns `bytes` without a leading UTF-8 byte order mark.
pub fn strip_utf8_bom(bytes: &[u8]) -> &[u8] {
    bytes.strip_prefix(UTF8_BOM).unwrap_or(bytes)
}

/// Parses a decoded request body into a JSON value, as the importer reads it. A leading UTF-8
/// byte order mark is skipped.
pub fn parse_json_body(bytes: &[u8]) -> Result<Value, serde_json::Error> {
    serde_json::from_slice(strip_utf8_bom(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_order_mark_is_skipped() {
        let value = parse_json_body(b"\xEF\xBB\xBF{\"id\": 1}").unwrap();
        assert_eq!(value["id"], 1);
    }
}
