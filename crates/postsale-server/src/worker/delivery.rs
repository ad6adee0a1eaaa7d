//! What an import reads from a request's headers besides its body: the headers that map rules
//! read (such as Shopify's `X-Shopify-Shop-Domain`), and the time of the change that the
//! channel reports, which is used as the order's `updated at` when the map fills none.

use postsale_core::mapping::convert::datetime::parse_datetime;
use postsale_core::mapping::{ApplyContext, Map, MappedOrder, MappingError, Zone, apply_map};
use postsale_core::order::Timestamp;
use serde_json::Value;

/// Headers that carry the time of the change a delivery reports. The first one present wins.
/// They keep their value when the channel retries a delivery, so they order changes, unlike
/// the time of the attempt that signature timestamps such as `webhook-timestamp` or
/// `Stripe-Signature`'s `t=` carry.
pub const MODIFIED_AT_HEADERS: [&str; 1] = ["X-Shopify-Triggered-At"];

/// Applies `map` to a request's body, with the request's headers when the map reads any. When
/// the map fills no `updated at`, the order takes it from a [`MODIFIED_AT_HEADERS`] header, so
/// that the stale check still skips an older delivery that arrives late.
pub fn apply_to_request(
    map: &Map,
    body: &Value,
    store: &ApplyContext,
    headers_json: &str,
) -> Result<MappedOrder, MappingError> {
    let with_headers = map
        .reads_headers()
        .then(|| store.clone().with_headers(parse_headers(headers_json)));
    let mut mapped = apply_map(map, body, with_headers.as_ref().unwrap_or(store))?;
    if mapped.order.updated_at.is_none() {
        mapped.order.updated_at = match &with_headers {
            Some(context) => modified_at(&context.headers),
            None => modified_at(&parse_headers(headers_json)),
        };
    }
    Ok(mapped)
}

/// Reads headers as stored on a kept request: a JSON array of `[name, value]` pairs. Stored
/// headers that cannot be read count as none.
pub fn parse_headers(headers_json: &str) -> Vec<(String, String)> {
    serde_json::from_str(headers_json).unwrap_or_default()
}

/// Reads the time of the change from the first [`MODIFIED_AT_HEADERS`] header present, as an
/// RFC 3339 instant. A value that does not parse is ignored.
pub fn modified_at(headers: &[(String, String)]) -> Option<Timestamp> {
    MODIFIED_AT_HEADERS.iter().find_map(|wanted| {
        let (_, value) = headers
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(wanted))?;
        parse_datetime(value, false, None, &Zone::utc()).ok()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
            .collect()
    }

    #[test]
    fn triggered_at_is_read_in_any_case() {
        let found = modified_at(&headers(&[(
            "x-shopify-triggered-at",
            "2024-01-26T04:29:40.877041743Z",
        )]))
        .unwrap();
        assert_eq!(found.utc.unix_timestamp(), 1_706_243_380);
        assert_eq!(found.original, "2024-01-26T04:29:40.877041743Z");
    }

    #[test]
    fn attempt_times_and_bad_values_are_not_read() {
        assert_eq!(
            modified_at(&headers(&[("webhook-timestamp", "1706243380")])),
            None
        );
        assert_eq!(
            modified_at(&headers(&[("X-Shopify-Triggered-At", "yesterday")])),
            None
        );
        assert_eq!(parse_headers("not json"), Vec::new());
    }
}
