//! Conversions between `OffsetDateTime` and the Unix milliseconds the schema stores.

use time::OffsetDateTime;

/// Converts an instant to Unix milliseconds in UTC, the form every time column uses.
pub fn to_millis(instant: OffsetDateTime) -> i64 {
    let millis = instant.unix_timestamp_nanos() / 1_000_000;
    i64::try_from(millis).unwrap_or(i64::MAX)
}

/// Converts Unix milliseconds back to a UTC instant, clamping values outside `time`'s range.
pub fn from_millis(millis: i64) -> OffsetDateTime {
    let nanos = i128::from(millis) * 1_000_000;
    OffsetDateTime::from_unix_timestamp_nanos(nanos).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn millis_round_trip() {
        let instant = time::macros::datetime!(2025-01-24 04:10:16.123 UTC);
        assert_eq!(from_millis(to_millis(instant)), instant);
    }
}
