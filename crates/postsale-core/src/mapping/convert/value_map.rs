//! Value maps: replacing a channel's value (a status, a shipping method) with postsale's.

use std::collections::BTreeMap;

/// The key that catches every value no other key matched.
pub const CATCH_ALL: &str = "*";

/// Looks a value up, exactly first and then without regard to case; falls back to `*`.
pub fn lookup<'a>(map: &'a BTreeMap<String, String>, text: &str) -> Option<&'a str> {
    if let Some(found) = map.get(text) {
        return Some(found);
    }
    let folded = map
        .iter()
        .find(|(key, _)| key.trim().to_lowercase() == text.trim().to_lowercase());
    match folded {
        Some((_, value)) => Some(value),
        None => map.get(CATCH_ALL).map(String::as_str),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn statuses() -> BTreeMap<String, String> {
        BTreeMap::from([
            ("processing".to_owned(), "awaiting_shipment".to_owned()),
            (
                "Awaiting Fulfillment".to_owned(),
                "awaiting_shipment".to_owned(),
            ),
        ])
    }

    #[test]
    fn exact_and_folded_matches() {
        assert_eq!(lookup(&statuses(), "processing"), Some("awaiting_shipment"));
        assert_eq!(
            lookup(&statuses(), "AWAITING FULFILLMENT"),
            Some("awaiting_shipment")
        );
        assert_eq!(lookup(&statuses(), "refunded"), None);
    }

    #[test]
    fn catch_all_applies_last() {
        let mut map = statuses();
        map.insert("*".into(), "on_hold".into());
        assert_eq!(lookup(&map, "refunded"), Some("on_hold"));
        assert_eq!(lookup(&map, "processing"), Some("awaiting_shipment"));
    }
}
