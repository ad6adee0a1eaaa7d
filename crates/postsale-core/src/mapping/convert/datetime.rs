//! Date-times in the forms channels send: RFC 3339 and ISO-like text with or without seconds or
//! offset, RFC 2822, Unix seconds or milliseconds, and strftime-like patterns.

use jiff::tz::{Offset, TimeZone};
use time::format_description::well_known::Rfc2822;
use time::{Date, OffsetDateTime, PrimitiveDateTime, UtcOffset};

use crate::order::Timestamp;

/// Unix times at or above this magnitude are read as milliseconds (it is March 1973 in ms and
/// year 5138 in seconds).
const MILLIS_THRESHOLD: i128 = 100_000_000_000;

/// A time zone for values that carry no offset: an IANA zone or a fixed offset.
#[derive(Clone, Debug)]
pub struct Zone {
    time_zone: TimeZone,
    name: String,
}

impl Zone {
    /// Coordinated Universal Time, the default when a store names no zone.
    pub fn utc() -> Zone {
        Zone {
            time_zone: TimeZone::UTC,
            name: "UTC".into(),
        }
    }

    /// Returns the IANA name, `UTC`, or the fixed offset written `+05:30`.
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl PartialEq for Zone {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

/// Reads a zone: `UTC`, an offset such as `+05:30`, `-0500` or `UTC+2`, or an IANA name.
pub fn parse_zone(text: &str) -> Result<Zone, String> {
    let trimmed = text.trim();
    let upper = trimmed.to_ascii_uppercase();
    if matches!(upper.as_str(), "UTC" | "Z" | "GMT" | "ETC/UTC" | "ETC/GMT") {
        return Ok(Zone::utc());
    }
    let offset_text = upper
        .strip_prefix("UTC")
        .or_else(|| upper.strip_prefix("GMT"))
        .unwrap_or(&upper);
    if offset_text.starts_with(['+', '-']) {
        let seconds = parse_offset(offset_text).ok_or_else(|| zone_error(trimmed))?;
        let offset = Offset::from_seconds(seconds).map_err(|_| zone_error(trimmed))?;
        return Ok(Zone {
            time_zone: TimeZone::fixed(offset),
            name: format_offset(seconds),
        });
    }
    let time_zone = TimeZone::get(trimmed).map_err(|_| zone_error(trimmed))?;
    Ok(Zone {
        time_zone,
        name: trimmed.to_owned(),
    })
}

fn zone_error(text: &str) -> String {
    format!(
        "unknown time zone {text:?}; use an IANA name such as America/New_York or an offset \
         such as +05:30"
    )
}

/// Checks a `datetime_format` setting.
pub fn check_format(format: &str) -> Result<(), String> {
    if matches!(format, "unix_seconds" | "unix_millis") {
        return Ok(());
    }
    time::format_description::parse_strftime_borrowed(format)
        .map(|_| ())
        .map_err(|error| {
            format!(
                "invalid datetime_format {format:?} ({error}); write a pattern such as \
                 %Y-%m-%d %H:%M:%S, or unix_seconds or unix_millis"
            )
        })
}

/// Reads a date-time. `is_number` is true when `text` is a JSON number token.
pub fn parse_datetime(
    text: &str,
    is_number: bool,
    format: Option<&str>,
    zone: &Zone,
) -> Result<Timestamp, String> {
    let trimmed = text.trim();
    match format {
        Some("unix_seconds") => return unix(trimmed, Some(false)),
        Some("unix_millis") => return unix(trimmed, Some(true)),
        Some(pattern) => return with_pattern(trimmed, pattern, zone),
        None => {}
    }
    if is_number || looks_like_unix(trimmed) {
        return unix(trimmed, None);
    }
    if let Some(parsed) = parse_iso_like(trimmed) {
        return parsed.into_timestamp(trimmed, zone);
    }
    if let Ok(parsed) = OffsetDateTime::parse(trimmed, &Rfc2822) {
        return Ok(with_offset(parsed, trimmed));
    }
    Err(format!(
        "{trimmed:?} is not a date-time postsale can read; set datetime_format to its pattern, \
         such as %d/%m/%Y %H:%M"
    ))
}

fn looks_like_unix(text: &str) -> bool {
    let digits = text.strip_prefix('-').unwrap_or(text);
    (9..=14).contains(&digits.len()) && digits.chars().all(|c| c.is_ascii_digit())
}

fn unix(text: &str, millis: Option<bool>) -> Result<Timestamp, String> {
    let value: rust_decimal::Decimal = text
        .parse()
        .or_else(|_| rust_decimal::Decimal::from_scientific(text))
        .map_err(|_| format!("{text:?} is not a Unix time in seconds or milliseconds"))?;
    let whole = value.trunc().mantissa() / 10_i128.pow(value.trunc().scale());
    let is_millis = millis.unwrap_or(whole.abs() >= MILLIS_THRESHOLD);
    let per_unit = if is_millis { 1_000_000 } else { 1_000_000_000 };
    let out_of_range = || format!("{text:?} is out of range for a Unix time");
    let nanos = value
        .checked_mul(rust_decimal::Decimal::from(per_unit))
        .ok_or_else(out_of_range)?
        .trunc();
    let nanos = nanos.mantissa() / 10_i128.pow(nanos.scale());
    let instant = OffsetDateTime::from_unix_timestamp_nanos(nanos).map_err(|_| out_of_range())?;
    Ok(Timestamp {
        utc: instant,
        offset: format_offset(0),
        original: text.to_owned(),
        assumed_zone: None,
    })
}

fn with_pattern(text: &str, pattern: &str, zone: &Zone) -> Result<Timestamp, String> {
    let items = time::format_description::parse_strftime_borrowed(pattern)
        .map_err(|error| format!("invalid datetime_format {pattern:?}: {error}"))?;
    if let Ok(parsed) = OffsetDateTime::parse(text, &items) {
        return Ok(with_offset(parsed, text));
    }
    let civil = PrimitiveDateTime::parse(text, &items)
        .or_else(|_| Date::parse(text, &items).map(|date| date.midnight()))
        .map_err(|error| {
            format!("{text:?} does not match datetime_format {pattern:?} ({error})")
        })?;
    in_zone(civil, text, zone)
}

fn with_offset(parsed: OffsetDateTime, original: &str) -> Timestamp {
    Timestamp {
        utc: parsed.to_offset(UtcOffset::UTC),
        offset: format_offset(parsed.offset().whole_seconds()),
        original: original.to_owned(),
        assumed_zone: None,
    }
}

fn in_zone(civil: PrimitiveDateTime, original: &str, zone: &Zone) -> Result<Timestamp, String> {
    let out_of_range = || format!("{original:?} is out of range for a date-time");
    let local = jiff::civil::DateTime::new(
        i16::try_from(civil.year()).map_err(|_| out_of_range())?,
        civil.month() as i8,
        civil.day() as i8,
        civil.hour() as i8,
        civil.minute() as i8,
        civil.second() as i8,
        civil.nanosecond() as i32,
    )
    .map_err(|_| out_of_range())?;
    let zoned = local
        .to_zoned_datetime(zone.time_zone.clone())
        .map_err(|_| out_of_range())?;
    let instant = OffsetDateTime::from_unix_timestamp_nanos(zoned.timestamp().as_nanosecond())
        .map_err(|_| out_of_range())?;
    Ok(Timestamp {
        utc: instant,
        offset: format_offset(zoned.offset().seconds()),
        original: original.to_owned(),
        assumed_zone: Some(zone.name.clone()),
    })
}

/// Writes an offset in seconds as `+HH:MM`.
pub fn format_offset(seconds: i32) -> String {
    let sign = if seconds < 0 { '-' } else { '+' };
    let minutes = seconds.unsigned_abs() / 60;
    format!("{sign}{:02}:{:02}", minutes / 60, minutes % 60)
}

/// Reads `+HH:MM`, `+HHMM` or `+HH` as seconds.
fn parse_offset(text: &str) -> Option<i32> {
    let (sign, rest) = match text.as_bytes().first()? {
        b'+' => (1, &text[1..]),
        b'-' => (-1, &text[1..]),
        _ => return None,
    };
    let digits: String = rest.chars().filter(|c| *c != ':').collect();
    if !digits.chars().all(|c| c.is_ascii_digit()) || rest.len() > 5 {
        return None;
    }
    let (hours, minutes) = match digits.len() {
        1 | 2 => (digits.parse::<i32>().ok()?, 0),
        4 => (
            digits[..2].parse::<i32>().ok()?,
            digits[2..].parse::<i32>().ok()?,
        ),
        _ => return None,
    };
    (hours <= 18 && minutes < 60).then_some(sign * (hours * 3600 + minutes * 60))
}

/// The parts of an ISO-like date-time: `2020-04-22T22:18+00:00`, `2022-07-28 14:13:40`.
struct IsoParts {
    civil: PrimitiveDateTime,
    offset_seconds: Option<i32>,
}

impl IsoParts {
    fn into_timestamp(self, original: &str, zone: &Zone) -> Result<Timestamp, String> {
        let Some(seconds) = self.offset_seconds else {
            return in_zone(self.civil, original, zone);
        };
        let offset = UtcOffset::from_whole_seconds(seconds)
            .map_err(|_| format!("{original:?} has an offset out of range"))?;
        Ok(with_offset(self.civil.assume_offset(offset), original))
    }
}

fn parse_iso_like(text: &str) -> Option<IsoParts> {
    let bytes = text.as_bytes();
    if bytes.len() < 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return None;
    }
    let date = Date::from_calendar_date(
        number(&text[0..4])?,
        time::Month::try_from(number::<u8>(&text[5..7])?).ok()?,
        number(&text[8..10])?,
    )
    .ok()?;
    let rest = &text[10..];
    if rest.is_empty() {
        return Some(IsoParts {
            civil: date.midnight(),
            offset_seconds: None,
        });
    }
    let rest = rest.strip_prefix(['T', 't', ' '])?;
    let (clock, zone_text) = split_zone(rest);
    let time = parse_clock(clock)?;
    let offset_seconds = match zone_text {
        "" => None,
        "Z" | "z" | " UTC" | " GMT" => Some(0),
        other => Some(parse_offset(other.trim())?),
    };
    Some(IsoParts {
        civil: PrimitiveDateTime::new(date, time),
        offset_seconds,
    })
}

fn split_zone(rest: &str) -> (&str, &str) {
    let position = rest
        .char_indices()
        .find(|(_, c)| matches!(c, 'Z' | 'z' | '+' | '-' | ' '))
        .map(|(index, _)| index);
    match position {
        Some(index) => rest.split_at(index),
        None => (rest, ""),
    }
}

fn parse_clock(clock: &str) -> Option<time::Time> {
    let (main, fraction) = match clock.split_once(['.', ',']) {
        Some((main, fraction)) => (main, Some(fraction)),
        None => (clock, None),
    };
    let mut parts = main.split(':');
    let hour = number(parts.next()?)?;
    let minute = number(parts.next()?)?;
    let second = parts.next().map(number).unwrap_or(Some(0))?;
    if parts.next().is_some() {
        return None;
    }
    let nanos = match fraction {
        Some(digits) if !digits.is_empty() && digits.len() <= 9 => {
            let padded = format!("{digits:0<9}");
            number::<u32>(&padded)?
        }
        Some(_) => return None,
        None => 0,
    };
    time::Time::from_hms_nano(hour, minute, second, nanos).ok()
}

fn number<T: std::str::FromStr>(text: &str) -> Option<T> {
    if text.is_empty() || !text.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    fn read(text: &str) -> Timestamp {
        parse_datetime(text, false, None, &Zone::utc()).unwrap()
    }

    #[test]
    fn rfc3339_keeps_the_offset() {
        let stamp = read("2025-01-23T23:10:15-05:00");
        assert_eq!(stamp.utc, datetime!(2025-01-24 04:10:15 UTC));
        assert_eq!(stamp.offset, "-05:00");
        assert_eq!(stamp.original, "2025-01-23T23:10:15-05:00");
        assert_eq!(stamp.assumed_zone, None);
    }

    #[test]
    fn fractions_and_z() {
        let stamp = read("2021-01-25T21:26:26.134Z");
        assert_eq!(stamp.utc, datetime!(2021-01-25 21:26:26.134 UTC));
        assert_eq!(stamp.offset, "+00:00");
    }

    #[test]
    fn no_seconds() {
        assert_eq!(
            read("2020-04-22T22:18+00:00").utc,
            datetime!(2020-04-22 22:18 UTC)
        );
    }

    #[test]
    fn naive_values_use_the_given_zone() {
        let zone = parse_zone("America/New_York").unwrap();
        let stamp = parse_datetime("2023-08-16T07:45:56", false, None, &zone).unwrap();
        assert_eq!(stamp.utc, datetime!(2023-08-16 11:45:56 UTC));
        assert_eq!(stamp.offset, "-04:00");
        assert_eq!(stamp.assumed_zone.as_deref(), Some("America/New_York"));

        let stamp = read("2022-07-28 14:13:40");
        assert_eq!(stamp.utc, datetime!(2022-07-28 14:13:40 UTC));
        assert_eq!(stamp.assumed_zone.as_deref(), Some("UTC"));
    }

    #[test]
    fn rfc2822() {
        let stamp = read("Wed, 14 Nov 2012 19:26:23 +0000");
        assert_eq!(stamp.utc, datetime!(2012-11-14 19:26:23 UTC));
        assert_eq!(stamp.offset, "+00:00");
    }

    #[test]
    fn unix_seconds_and_millis() {
        let zone = Zone::utc();
        let seconds = parse_datetime("1561479335", true, None, &zone).unwrap();
        assert_eq!(seconds.utc, datetime!(2019-06-25 16:15:35 UTC));
        let millis = parse_datetime("1561479335123", true, None, &zone).unwrap();
        assert_eq!(millis.utc, datetime!(2019-06-25 16:15:35.123 UTC));
        let forced = parse_datetime("1561479335", true, Some("unix_millis"), &zone).unwrap();
        assert_eq!(forced.utc, datetime!(1970-01-19 01:44:39.335 UTC));
        let huge = parse_datetime("79228162514264337593543950335", true, None, &zone);
        assert!(huge.unwrap_err().contains("out of range"));
    }

    #[test]
    fn patterns_read_in_the_zone() {
        let zone = parse_zone("+05:30").unwrap();
        let stamp =
            parse_datetime("16/08/2023 07:45", false, Some("%d/%m/%Y %H:%M"), &zone).unwrap();
        assert_eq!(stamp.utc, datetime!(2023-08-16 02:15 UTC));
        assert_eq!(stamp.offset, "+05:30");
    }

    #[test]
    fn invalid_text_says_what_to_do() {
        let error = parse_datetime("next tuesday", false, None, &Zone::utc()).unwrap_err();
        assert!(error.contains("\"next tuesday\""));
        assert!(error.contains("datetime_format"));
        assert!(parse_datetime("2023-02-30", false, None, &Zone::utc()).is_err());
    }

    #[test]
    fn zones_parse_or_explain() {
        assert_eq!(parse_zone("utc").unwrap().name(), "UTC");
        assert_eq!(parse_zone("-0500").unwrap().name(), "-05:00");
        assert_eq!(parse_zone("UTC+2").unwrap().name(), "+02:00");
        assert!(parse_zone("Mars/Olympus").unwrap_err().contains("IANA"));
    }

    #[test]
    fn formats_check() {
        assert!(check_format("%Y-%m-%d %H:%M:%S").is_ok());
        assert!(check_format("unix_millis").is_ok());
        assert!(check_format("%Q").is_err());
    }
}
