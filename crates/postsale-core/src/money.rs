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

    let mut out: String = whole.chars().filter(|c| *c != group).collect();
    if let Some(digits) = fraction {
        out.push('.');
        out.push_str(digits);
    }
    Some(out)
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
    let allowed = |c: char| c.is_ascii_digit() || matches!(c, '.' | '-' | '+' | 'e' | 'E');
    if text.is_empty() || !text.chars().all(allowed) {
        return Err(DecimalError::NotANumber);
    }
    let (mantissa, exponent) = match text.split_once(['e', 'E']) {
        Some((mantissa, exponent)) => (mantissa, Some(exponent)),
        None => (text, None),
    };
    let value = Decimal::from_str_exact(mantissa).map_err(|error| match error {
        rust_decimal::Error::Underflow => DecimalError::TooPrecise,
        _ if error.to_string().contains("too") => DecimalError::TooLarge,
        _ => DecimalError::NotANumber,
    })?;
    let Some(exponent) = exponent else {
        return Ok(value);
    };
    let magnitude = exponent.strip_prefix(['+', '-']).unwrap_or(exponent);
    if magnitude.is_empty() || !magnitude.bytes().all(|byte| byte.is_ascii_digit()) {
        return Err(DecimalError::NotANumber);
    }
    if value.is_zero() {
        return Ok(Decimal::ZERO);
    }
    let negative_exponent = exponent.starts_with('-');
    let beyond = if negative_exponent {
        DecimalError::TooPrecise
    } else {
        DecimalError::TooLarge
    };
    let exponent = magnitude.parse::<i64>().map_err(|_| beyond)?;
    let exponent = if negative_exponent {
        -exponent
    } else {
        exponent
    };

    // The value is digits × 10^-scale; the exponent moves the point.
    let value = value.normalize();
    let scale = i64::from(value.scale()) - exponent;
    if scale > i64::from(Decimal::MAX_SCALE) {
        return Err(DecimalError::TooPrecise);
    }
    if let Ok(scale) = u32::try_from(scale) {
        return Decimal::try_from_i128_with_scale(value.mantissa(), scale)
            .map_err(|_| DecimalError::TooLarge);
    }
    let shift = u32::try_from(-scale).map_err(|_| DecimalError::TooLarge)?;
    let digits = 10_i128
        .checked_pow(shift)
        .and_then(|factor| value.mantissa().checked_mul(factor))
        .ok_or(DecimalError::TooLarge)?;
    Decimal::try_from_i128_with_scale(digits, 0).map_err(|_| DecimalError::TooLarge)
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn exact_decimals_refuse_to_round() {
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
            parse_exact_decimal("99999999999999999999999999999999"),
            Err(TooLarge)
        );
    }

    #[test]
    fn exact_decimals_refuse_other_text() {
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
}
