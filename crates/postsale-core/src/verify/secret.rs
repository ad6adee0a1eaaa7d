//! `Secret`: a credential kept in configuration that prints masked and never reaches a log.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The mask shown for secrets too short to show any of their characters.
const FULL_MASK: &str = "********";

/// Secrets shorter than this many characters are masked completely, because showing even a
/// few of their characters would give away too large a share of them.
const MIN_LEN_FOR_HINT: usize = 24;

/// The number of trailing characters a masked secret shows.
const HINT_CHARS: usize = 4;

/// A password, header value or signing key.
///
/// `Debug` prints the masked form, so a `Secret` inside a logged struct does not leak.
/// Serde writes the value itself, because configuration is stored as JSON (the store
/// encrypts it at rest). For API responses, use [`Secret::masked`].
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// Returns the value itself, for computing a signature or a comparison.
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Returns a form that lets a merchant recognise the secret without revealing it: its
    /// last 4 characters and its length, such as `"…9abc (32 chars)"`, or `"********"` for
    /// secrets shorter than 24 characters.
    pub fn masked(&self) -> String {
        let len = self.char_count();
        if len < MIN_LEN_FOR_HINT {
            return FULL_MASK.to_owned();
        }

        let tail: String = self.0.chars().skip(len - HINT_CHARS).collect();
        format!("…{tail} ({len} chars)")
    }

    /// Returns the length in characters.
    pub fn char_count(&self) -> usize {
        self.0.chars().count()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Secret({:?})", self.masked())
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Self::new(value)
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Self(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masked_long_secret_shows_last_four_and_length() {
        let secret = Secret::new("shpss_0123456789abcdef0123456789e");
        assert_eq!(secret.masked(), "…789e (33 chars)");
        assert_eq!(Secret::new("a".repeat(24)).masked(), "…aaaa (24 chars)");
    }

    #[test]
    fn masked_short_secret_hides_everything() {
        assert_eq!(Secret::new("hunter2").masked(), FULL_MASK);
        assert_eq!(Secret::new("x".repeat(23)).masked(), FULL_MASK);
        assert_eq!(Secret::new("").masked(), FULL_MASK);
    }

    #[test]
    fn masked_counts_characters_not_bytes() {
        let secret = Secret::new("ü".repeat(30));
        assert_eq!(secret.masked(), "…üüüü (30 chars)");
    }

    #[test]
    fn debug_never_prints_value() {
        let secret = Secret::new("a-very-private-signing-key");
        let printed = format!("{secret:?}");
        assert!(!printed.contains("private"), "{printed}");
        assert!(printed.contains("(26 chars)"), "{printed}");
    }
}
