//! Money amounts: exact decimal parsing of amount text in the forms that sales channels send.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// The most decimal places an amount keeps; longer amounts are rounded half to even.
pub const MAX_AMOUNT_SCALE: u32 = 4;

/// An amount as an order stores it, with what rounding did to it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StoredAmount {
    /// The amount with at most [`MAX_AMOUNT_SCALE`] and at least two decimal places.
    pub value: Decimal,
    /// Whether rounding changed the amount: it had digits other than zero past
    /// [`MAX_AMOUNT_SCALE`] places. Zeros past them are dropped without changing it.
    pub rounded: bool,
}

/// How an amount is written in the request.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MoneyFormat {
    /// A dot as decimal separator and no grouping: `1000.00`.
    #[default]
    Plain,
    /// Commas group thousands and a dot separates decimals: `1,000.00`.
    CommaThousands,
    /// Dots group thousands and a comma separates decimals: `1.000,00`.
    DotThousands,
}

/// The reason an amount text could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum AmountError {
    #[error("{0:?} is not a decimal amount")]
    NotANumber(String),
    #[error("{0:?} is too large for an amount")]
    TooLarge(String),
    #[error("{0:?} has more digits than an amount can contain (28 or 29 in all)")]
    TooPrecise(String),
    #[error("{0:?} has a fraction, but the rule's minor_units reads whole numbers of minor units")]
    FractionOfMinorUnit(String),
}

/// Parses amount text written in `format`, without ever going through a float, and rounds it
/// as an order stores it (see [`store_amount`]).
///
/// `minor_units` is the number of decimal places the integer is scaled by when the channel sends
/// amounts in minor units, for example `2` for cents (`1999` becomes `19.99`).
pub fn parse_amount(
    text: &str,
    format: MoneyFormat,
    minor_units: Option<u32>,
) -> Result<Decimal, AmountError> {
    parse_exact_amount(text, format, minor_units).map(|amount| store_amount(amount).value)
}

/// Parses amount text like [`parse_amount`], but keeps every decimal place it has.
pub fn parse_exact_amount(
    text: &str,
    format: MoneyFormat,
    minor_units: Option<u32>,
) -> Result<Decimal, AmountError> {
    let trimmed = text.trim();
    let normalized = normalize_separators(trimmed, format)
        .ok_or_else(|| AmountError::NotANumber(trimmed.to_owned()))?;
    let mut amount = parse_plain(&normalized, trimmed)?;

    if let Some(places) = minor_units {
        if !amount.fract().is_zero() {
            return Err(AmountError::FractionOfMinorUnit(trimmed.to_owned()));
        }
        let divisor = Decimal::from_i128_with_scale(10_i128.pow(places.min(18)), 0);
        amount = amount
            .checked_div(divisor)
            .ok_or_else(|| AmountError::TooLarge(trimmed.to_owned()))?;
    }
    Ok(amount)
}

/// Rounds an amount half to even to at most [`MAX_AMOUNT_SCALE`] places, writes it with at
/// least two, and reports whether that changed its value.
pub fn store_amount(amount: Decimal) -> StoredAmount {
    let mut value = amount;
    if value.scale() > MAX_AMOUNT_SCALE {
        value = value.round_dp(MAX_AMOUNT_SCALE);
    }
    if value.scale() < 2 {
        value.rescale(2);
    }
    StoredAmount {
        value,
        rounded: value != amount,
    }
}

fn normalize_separators(text: &str, format: MoneyFormat) -> Option<String> {
    let (group, decimal) = match format {
        MoneyFormat::Plain => return Some(text.to_owned()),
        MoneyFormat::CommaThousands => (',', '.'),
        MoneyFormat::DotThousands => ('.', ','),
    };
    let (whole, fraction) = match text.rsplit_once(decimal) {
        Some((whole, fraction)) => (whole, Some(fraction)),
        None => (text, None),
    };
    if fraction.is_some_and(|digits| digits.contains(group)) {
        return None;
    }

    if !grouped_by_thousands(whole, group) {
        return None;
    }
    let mut out: String = whole.chars().filter(|c| *c != group).collect();
    if let Some(digits) = fraction {
        out.push('.');
        out.push_str(digits);
    }
    Some(out)
}

/// Checks that the group separators of the whole part, if any, split it into groups of three
/// digits after a first group of one to three. Any other grouping means the text is written
/// in another format: with dots as thousands separators, `12.50` would read as 1250.
fn grouped_by_thousands(whole: &str, group: char) -> bool {
    if !whole.contains(group) {
        return true;
    }
    let unsigned = whole.strip_prefix(['+', '-']).unwrap_or(whole);
    let digits = |part: &str| part.bytes().all(|byte| byte.is_ascii_digit());
    unsigned
        .split(group)
        .enumerate()
        .all(|(index, part)| match index {
            0 => (1..=3).contains(&part.len()) && digits(part),
            _ => part.len() == 3 && digits(part),
        })
}

fn parse_plain(normalized: &str, original: &str) -> Result<Decimal, AmountError> {
    parse_exact_decimal(normalized).map_err(|error| {
        let original = original.to_owned();
        match error {
            DecimalError::NotANumber => AmountError::NotANumber(original),
            DecimalError::TooLarge => AmountError::TooLarge(original),
            DecimalError::TooPrecise => AmountError::TooPrecise(original),
        }
    })
}

/// The reason number text has no exact `Decimal` value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum DecimalError {
    /// It is not digits with an optional sign, point and exponent.
    NotANumber,
    /// Its value is beyond a `Decimal`'s range, such as `1e999`.
    TooLarge,
    /// It has more digits or decimal places than a `Decimal` has (29 digits in all, 28 after
    /// the point), such as `1e-999` or `2.99999999999999999999999999999`.
    TooPrecise,
}

/// Reads number text exactly: digits with an optional sign, point and exponent, as JSON and
/// serializers write numbers (`12.5`, `-3`, `1e-05`, `2.5E+1`).
///
/// Not `Decimal`'s `parse` or `from_scientific`: both round away the digits a `Decimal`
/// cannot contain and report nothing, so `2.99999999999999999999999999999` read as 3.
pub(crate) fn parse_exact_decimal(text: &str) -> Result<Decimal, DecimalError> {
    let digits_only = |part: &str| part.bytes().all(|byte| byte.is_ascii_digit());
    let (negative, unsigned) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    let (mantissa, exponent) = match unsigned.split_once(['e', 'E']) {
        Some((mantissa, exponent)) => (mantissa, Some(exponent)),
        None => (unsigned, None),
    };
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    if (whole.is_empty() && fraction.is_empty()) || !digits_only(whole) || !digits_only(fraction) {
        return Err(DecimalError::NotANumber);
    }
    let digits = format!("{whole}{fraction}");
    let digits = digits.trim_start_matches('0');

    let exponent = match exponent {
        None => 0,
        Some(exponent) => {
            let magnitude = exponent.strip_prefix(['+', '-']).unwrap_or(exponent);
            if magnitude.is_empty() || !digits_only(magnitude) {
                return Err(DecimalError::NotANumber);
            }
            let beyond = if exponent.starts_with('-') {
                DecimalError::TooPrecise
            } else {
                DecimalError::TooLarge
            };
            match magnitude.parse::<i64>() {
                Ok(magnitude) if exponent.starts_with('-') => -magnitude,
                Ok(magnitude) => magnitude,
                Err(_) if digits.is_empty() => 0,
                Err(_) => return Err(beyond),
            }
        }
    };
    // The value is `digits` × 10^-scale.
    let scale = i64::try_from(fraction.len())
        .ok()
        .and_then(|places| places.checked_sub(exponent))
        .ok_or(DecimalError::TooPrecise)?;
    if digits.is_empty() {
        let scale = u32::try_from(scale.clamp(0, i64::from(Decimal::MAX_SCALE))).unwrap_or(0);
        return Ok(Decimal::new(0, scale));
    }
    // The scale stays as written (`12.50` stays 12.50) when it fits. Otherwise the zeros at
    // the end are dropped, which keeps the value.
    let value = decimal_from_digits(digits, scale).or_else(|error| {
        let significant = digits.trim_end_matches('0');
        let dropped = i64::try_from(digits.len() - significant.len()).unwrap_or(0);
        let dropped = dropped.min(scale.max(0));
        let shortened = &digits[..digits.len() - usize::try_from(dropped).unwrap_or(0)];
        decimal_from_digits(shortened, scale - dropped).map_err(|_| error)
    })?;
    Ok(if negative { -value } else { value })
}

/// Builds the `Decimal` of `digits` (no sign, no leading zeros) × 10^-scale, when it has one.
fn decimal_from_digits(digits: &str, scale: i64) -> Result<Decimal, DecimalError> {
    let beyond = if scale > 0 {
        DecimalError::TooPrecise
    } else {
        DecimalError::TooLarge
    };
    if scale > i64::from(Decimal::MAX_SCALE) {
        return Err(DecimalError::TooPrecise);
    }
    // 29 digits fit in an i128, and no Decimal has more.
    if digits.len() > 29 {
        return Err(beyond);
    }
    let mut mantissa: i128 = digits.parse().map_err(|_| beyond)?;
    if scale < 0 {
        let shift = u32::try_from(-scale).map_err(|_| DecimalError::TooLarge)?;
        mantissa = 10_i128
            .checked_pow(shift)
            .and_then(|factor| mantissa.checked_mul(factor))
            .ok_or(DecimalError::TooLarge)?;
    }
    let scale = u32::try_from(scale.max(0)).map_err(|_| beyond)?;
    Decimal::try_from_i128_with_scale(mantissa, scale).map_err(|_| beyond)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_must_be_thousands() {
        let dots = |text: &str| parse_exact_amount(text, MoneyFormat::DotThousands, None);
        let commas = |text: &str| parse_exact_amount(text, MoneyFormat::CommaThousands, None);
        assert_eq!(dots("1.234.567,89").unwrap().to_string(), "1234567.89");
        assert_eq!(commas("-1,000.5").unwrap().to_string(), "-1000.5");
        assert_eq!(commas("999").unwrap().to_string(), "999");
        for text in ["12.50", "1.5", "1.5e3", "1234.567", ".500"] {
            assert_eq!(
                dots(text),
                Err(AmountError::NotANumber(text.into())),
                "{text}"
            );
        }
        for text in ["12,50", "1,5", ",5", "1,0000"] {
            assert_eq!(
                commas(text),
                Err(AmountError::NotANumber(text.into())),
                "{text}"
            );
        }
    }

    #[test]
    fn minor_units_must_be_whole() {
        let cents = |text: &str| parse_exact_amount(text, MoneyFormat::Plain, Some(2));
        assert_eq!(cents("1999").unwrap().to_string(), "19.99");
        assert_eq!(cents("1999.00").unwrap().to_string(), "19.99");
        assert_eq!(
            cents("19.99"),
            Err(AmountError::FractionOfMinorUnit("19.99".into()))
        );
        assert_eq!(
            cents("1e-28"),
            Err(AmountError::FractionOfMinorUnit("1e-28".into()))
        );
    }

    #[test]
    fn exact_decimals_keep_every_digit() {
        let exact = |text: &str| parse_exact_decimal(text).map(|value| value.to_string());
        assert_eq!(exact("12.5"), Ok("12.5".into()));
        assert_eq!(exact("1e-05"), Ok("0.00001".into()));
        assert_eq!(exact("2.5E+1"), Ok("25".into()));
        assert_eq!(exact("-1.5e2"), Ok("-150".into()));
        assert_eq!(exact("0e999"), Ok("0".into()));
        assert_eq!(exact("12.34565e0"), Ok("12.34565".into()));
    }

    #[test]
    fn exact_decimals_move_the_point_first() {
        let exact = |text: &str| parse_exact_decimal(text).map(|value| value.to_string());
        assert_eq!(
            exact("100e-30"),
            Ok("0.0000000000000000000000000001".into())
        );
        assert_eq!(
            exact("0.00000000000000000000000000001e5"),
            Ok("0.000000000000000000000001".into())
        );
        assert_eq!(
            exact("100000000000000000000000000000e-2"),
            Ok("1000000000000000000000000000".into())
        );
        assert_eq!(exact("12.500000"), Ok("12.500000".into()));
        assert_eq!(exact("-0.00"), Ok("0.00".into()));
        assert_eq!(exact("007.5"), Ok("7.5".into()));
    }

    #[test]
    fn exact_decimals_reject_rounding() {
        use DecimalError::*;
        assert_eq!(
            parse_exact_decimal("2.99999999999999999999999999999"),
            Err(TooPrecise)
        );
        assert_eq!(
            parse_exact_decimal("12.34565000000000000000000000001e0"),
            Err(TooPrecise)
        );
        assert_eq!(parse_exact_decimal("1e-999"), Err(TooPrecise));
        assert_eq!(parse_exact_decimal("1e-29"), Err(TooPrecise));
        assert_eq!(parse_exact_decimal("1e999"), Err(TooLarge));
        assert_eq!(parse_exact_decimal("-1e999"), Err(TooLarge));
        assert_eq!(parse_exact_decimal("1e99999999999999999999"), Err(TooLarge));
        assert_eq!(
            parse_exact_decimal("1.5e-9223372036854775807"),
            Err(TooPrecise)
        );
        assert_eq!(parse_exact_decimal("1e9223372036854775807"), Err(TooLarge));
        assert_eq!(
            parse_exact_decimal("99999999999999999999999999999999"),
            Err(TooLarge)
        );
    }

    #[test]
    fn exact_decimals_reject_other_text() {
        use DecimalError::*;
        for text in [
            "", "two", "1e", "e5", "1.2.3", ".", "1e+", "1_000", "0x10", "NaN",
        ] {
            assert_eq!(parse_exact_decimal(text), Err(NotANumber), "{text:?}");
        }
    }

    #[test]
    fn exponents_beyond_decimal_name_the_reason() {
        let read = |text: &str| parse_exact_amount(text, MoneyFormat::Plain, None);
        assert_eq!(read("1e999"), Err(AmountError::TooLarge("1e999".into())));
        assert_eq!(read("1e+999"), Err(AmountError::TooLarge("1e+999".into())));
        assert_eq!(
            read("1e-999"),
            Err(AmountError::TooPrecise("1e-999".into()))
        );
        assert_eq!(read("1e5x"), Err(AmountError::NotANumber("1e5x".into())));
        assert_eq!(read("1.5e2").unwrap().to_string(), "150");
    }

    fn plain(text: &str) -> Decimal {
        parse_amount(text, MoneyFormat::Plain, None).unwrap()
    }

    #[test]
    fn plain_amounts_keep_their_digits() {
        assert_eq!(plain("79.0000").to_string(), "79.0000");
        assert_eq!(plain("14.99").to_string(), "14.99");
        assert_eq!(plain("3").to_string(), "3.00");
        assert_eq!(plain(" 0.1 ").to_string(), "0.10");
    }

    #[test]
    fn long_fractions_round_to_four_places() {
        assert_eq!(plain("1.234567").to_string(), "1.2346");
    }

    #[test]
    fn rounding_reports_lost_digits_only() {
        let exact = |text: &str| parse_exact_amount(text, MoneyFormat::Plain, None).unwrap();
        let lost = store_amount(exact("12.345678"));
        assert_eq!(lost.value.to_string(), "12.3457");
        assert!(lost.rounded);
        let zeros = store_amount(exact("12.500000"));
        assert_eq!(zeros.value.to_string(), "12.5000");
        assert!(!zeros.rounded, "trailing zeros");
        let short = store_amount(exact("3"));
        assert_eq!(short.value.to_string(), "3.00");
        assert!(!short.rounded);
        let micros = parse_exact_amount("12345", MoneyFormat::Plain, Some(6)).unwrap();
        assert_eq!(micros.to_string(), "0.012345");
        assert!(store_amount(micros).rounded);
        assert_eq!(
            parse_exact_amount("1.00000000000000000000000000001", MoneyFormat::Plain, None),
            Err(AmountError::TooPrecise(
                "1.00000000000000000000000000001".into()
            ))
        );
    }

    #[test]
    fn grouped_formats_need_declaring() {
        assert!(parse_amount("1,000.00", MoneyFormat::Plain, None).is_err());
        let comma = parse_amount("1,000.00", MoneyFormat::CommaThousands, None).unwrap();
        assert_eq!(comma.to_string(), "1000.00");
        let dot = parse_amount("1.000,50", MoneyFormat::DotThousands, None).unwrap();
        assert_eq!(dot.to_string(), "1000.50");
    }

    #[test]
    fn minor_units_divide_by_the_scale() {
        let cents = parse_amount("1999", MoneyFormat::Plain, Some(2)).unwrap();
        assert_eq!(cents.to_string(), "19.99");
        let yen = parse_amount("1999", MoneyFormat::Plain, Some(0)).unwrap();
        assert_eq!(yen.to_string(), "1999.00");
    }

    #[test]
    fn exponent_tokens_are_exact() {
        assert_eq!(plain("1.5e2").to_string(), "150.00");
    }

    #[test]
    fn words_are_rejected() {
        assert_eq!(
            parse_amount("free", MoneyFormat::Plain, None),
            Err(AmountError::NotANumber("free".into()))
        );
        assert!(parse_amount("1.000,00", MoneyFormat::CommaThousands, None).is_err());
    }

    /// Writes `whole.fraction` × 10^exponent with the point moved and no exponent, without
    /// leading zeros in the whole part or trailing zeros in the fraction.
    fn moved_point(whole: &str, fraction: &str, exponent: i64) -> String {
        let digits = format!("{whole}{fraction}");
        let point = i64::try_from(whole.len()).unwrap() + exponent;
        let (int, frac) = if point <= 0 {
            let zeros = "0".repeat(usize::try_from(-point).unwrap());
            ("0".to_owned(), format!("{zeros}{digits}"))
        } else if point >= i64::try_from(digits.len()).unwrap() {
            let zeros = "0".repeat(usize::try_from(point).unwrap() - digits.len());
            (format!("{digits}{zeros}"), String::new())
        } else {
            let (int, frac) = digits.split_at(usize::try_from(point).unwrap());
            (int.to_owned(), frac.to_owned())
        };
        let int = int.trim_start_matches('0');
        let frac = frac.trim_end_matches('0');
        let int = if int.is_empty() { "0" } else { int };
        if frac.is_empty() {
            int.to_owned()
        } else {
            format!("{int}.{frac}")
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(4_000))]

        /// Reading a number with an exponent gives exactly the number with the point moved, or
        /// an error only when that number has more than 28 digits or decimal places.
        #[test]
        fn exponent_moves_the_point_exactly(
            whole in "[0-9]{1,6}",
            fraction in "[0-9]{0,30}",
            exponent in -40_i64..=40,
        ) {
            let text = format!("{whole}.{fraction}e{exponent}");
            let expected = moved_point(&whole, &fraction, exponent);
            match parse_exact_decimal(&text) {
                Ok(value) => {
                    let written = value.to_string();
                    let (int, frac) = written.split_once('.').unwrap_or((&written, ""));
                    let read = moved_point(int, frac, 0);
                    proptest::prop_assert_eq!(read, expected, "{}", text);
                }
                Err(_) => {
                    let (int, frac) = expected.split_once('.').unwrap_or((&expected, ""));
                    let needed = if int == "0" {
                        frac.trim_start_matches('0').len()
                    } else {
                        int.len() + frac.len()
                    };
                    proptest::prop_assert!(needed > 28 || frac.len() > 28, "{} is {}", text, expected);
                }
            }
        }
    }
}
