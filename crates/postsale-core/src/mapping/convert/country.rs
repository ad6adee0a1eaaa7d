//! Country names, aliases and codes to ISO 3166-1 alpha-2.

use std::collections::HashMap;
use std::sync::LazyLock;

use super::country_table::{ALIASES, COUNTRIES};

/// Normalized names and aliases to alpha-2 codes, built once.
static NAMES: LazyLock<HashMap<String, &'static str>> = LazyLock::new(|| {
    let mut names = HashMap::new();
    for (alpha2, _, name) in COUNTRIES {
        names.insert(normalize(name), *alpha2);
    }
    for (alias, alpha2) in ALIASES {
        names.insert(normalize(alias), *alpha2);
    }
    names
});

/// Reads a country as an alpha-2 code: an alpha-2 or alpha-3 code in any case, an English
/// name, or a common alias such as "USA", "UK", "Great Britain" or "Deutschland".
pub fn country_code(text: &str) -> Option<&'static str> {
    let text = text.trim();
    if text.len() == 2 && text.chars().all(|c| c.is_ascii_alphabetic()) {
        let upper = text.to_ascii_uppercase();
        if let Some((alpha2, _, _)) = COUNTRIES.iter().find(|(alpha2, _, _)| *alpha2 == upper) {
            return Some(alpha2);
        }
    }
    if text.len() == 3 && text.chars().all(|c| c.is_ascii_alphabetic()) {
        let upper = text.to_ascii_uppercase();
        if let Some((alpha2, _, _)) = COUNTRIES.iter().find(|(_, alpha3, _)| *alpha3 == upper) {
            return Some(alpha2);
        }
    }
    NAMES.get(&normalize(text)).copied()
}

/// Returns whether `code` is an ISO 3166-1 alpha-2 code, in upper case.
pub fn is_alpha2(code: &str) -> bool {
    COUNTRIES.iter().any(|(alpha2, _, _)| *alpha2 == code)
}

/// Returns the English short name of an alpha-2 code.
pub fn country_name(code: &str) -> Option<&'static str> {
    COUNTRIES
        .iter()
        .find(|(alpha2, _, _)| *alpha2 == code)
        .map(|(_, _, name)| *name)
}

fn normalize(text: &str) -> String {
    let lowered = text
        .trim()
        .to_lowercase()
        .replace('.', "")
        .replace('&', "and");
    let words: Vec<&str> = lowered.split_whitespace().collect();
    let joined = words.join(" ");
    match joined.strip_prefix("the ") {
        Some(rest) => rest.to_owned(),
        None => joined,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_the_full_iso_list() {
        assert_eq!(COUNTRIES.len(), 249);
        assert!(is_alpha2("TT"));
        assert!(!is_alpha2("XX"));
    }

    #[test]
    fn codes_in_any_case() {
        assert_eq!(country_code("us"), Some("US"));
        assert_eq!(country_code(" GB "), Some("GB"));
        assert_eq!(country_code("deu"), Some("DE"));
    }

    #[test]
    fn names_and_aliases() {
        for (text, code) in [
            ("United States", "US"),
            ("USA", "US"),
            ("U.S.A.", "US"),
            ("United States of America", "US"),
            ("UK", "GB"),
            ("Great Britain", "GB"),
            ("United Kingdom", "GB"),
            ("Deutschland", "DE"),
            ("the Netherlands", "NL"),
            ("Hong Kong", "HK"),
            ("India", "IN"),
            ("Trinidad & Tobago", "TT"),
            ("Côte d'Ivoire", "CI"),
            ("Viet Nam", "VN"),
            ("Vietnam", "VN"),
        ] {
            assert_eq!(country_code(text), Some(code), "{text}");
        }
    }

    #[test]
    fn unknown_names_are_none() {
        assert_eq!(country_code("Narnia"), None);
        assert_eq!(country_code("XX"), None);
        assert_eq!(country_code(""), None);
    }
}
