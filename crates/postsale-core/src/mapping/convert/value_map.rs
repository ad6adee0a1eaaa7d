//! Value maps: replacing a channel's value (a status, a shipping method) with postsale's.

use std::collections::BTreeMap;

/// The key that catches every value no other key matched.
pub const CATCH_ALL: &str = "*";

/// Looks a value up: exactly, then without regard to case, then by the longest key ending in
/// `*` that is a prefix of the value (`refunded*`), then by the `*` key.
pub fn lookup<'a>(map: &'a BTreeMap<String, String>, text: &str) -> Option<&'a str> {
    if let Some(found) = map.get(text) {
        return Some(found);
    }
    let lowered = text.trim().to_lowercase();
    let folded = map
        .iter()
        .find(|(key, _)| key.trim().to_lowercase() == lowered);
    if let Some((_, value)) = folded {
        return Some(value);
    }

    let prefixed = map
        .iter()
        .filter_map(|(key, value)| {
            let prefix = key.strip_suffix('*')?.trim().to_lowercase();
            (!prefix.is_empty() && lowered.starts_with(&prefix)).then_some((prefix.len(), value))
        })
        .max_by_key(|(length, _)| *length);
    match prefixed {
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
    fn longest_prefix_key_wins() {
        let map = BTreeMap::from([
            ("paid*".to_owned(), "awaiting_shipment".to_owned()),
            ("paid fulfilled*".to_owned(), "shipped".to_owned()),
            ("*".to_owned(), "on_hold".to_owned()),
        ]);
        assert_eq!(lookup(&map, "paid"), Some("awaiting_shipment"));
        assert_eq!(lookup(&map, "Paid partial"), Some("awaiting_shipment"));
        assert_eq!(lookup(&map, "paid fulfilled"), Some("shipped"));
        assert_eq!(lookup(&map, "pending"), Some("on_hold"));
    }

    #[test]
    fn catch_all_applies_last() {
        let mut map = statuses();
        map.insert("*".into(), "on_hold".into());
        assert_eq!(lookup(&map, "refunded"), Some("on_hold"));
        assert_eq!(lookup(&map, "processing"), Some("awaiting_shipment"));
    }
}
