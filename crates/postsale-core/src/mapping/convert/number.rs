//! Quantities, amounts, weights and lengths from number tokens or text, without floats.

use rust_decimal::Decimal;

use super::text::Scalar;
use crate::money::{
    AmountError, DecimalError, MoneyFormat, parse_exact_amount, parse_exact_decimal,
};
use crate::units::{LengthUnit, WeightUnit};

/// Reads a whole quantity of at least 1; `2.0` is accepted as 2.
pub fn parse_quantity(scalar: &Scalar<'_>) -> Result<u32, String> {
    let text = scalar.as_text().unwrap_or_default();
    let value = parse_exact_decimal(text.trim()).map_err(|error| match error {
        DecimalError::NotANumber => format!("{text:?} is not a number"),
        DecimalError::TooLarge => format!("{text:?} is not between 1 and {}", u32::MAX),
        DecimalError::TooPrecise => format!("{text:?} is not a whole number"),
    })?;
    if !value.fract().is_zero() {
        return Err(format!("{text:?} is not a whole number"));
    }
    let whole = u32::try_from(value.trunc().mantissa() / 10_i128.pow(value.trunc().scale()))
        .map_err(|_| format!("{text:?} is not between 1 and {}", u32::MAX))?;
    if whole == 0 {
        return Err(format!("{text:?} is less than 1"));
    }
    Ok(whole)
}

/// Reads an amount with every decimal place it has: number tokens always use a dot, text
/// follows `format`. The conversion to a field rounds it as the order stores it.
pub fn parse_money(
    scalar: &Scalar<'_>,
    format: MoneyFormat,
    minor_units: Option<u32>,
) -> Result<Decimal, AmountError> {
    match scalar {
        Scalar::Number(token) => parse_exact_amount(token, MoneyFormat::Plain, minor_units),
        other => {
            let text = other.as_text().unwrap_or_default();
            parse_exact_amount(&text, format, minor_units)
        }
    }
}

/// Splits `1.5 kg` into its number and unit text; a bare number has no unit. An exponent
/// (`1e-3 kg`, as serializers write small numbers) belongs to the number.
fn split_unit(text: &str) -> (&str, Option<&str>) {
    let bytes = text.as_bytes();
    let is_exponent = |index: usize| {
        let after = bytes.get(index + 1).copied();
        let after_sign = bytes.get(index + 2).copied();
        matches!(bytes[index], b'e' | b'E')
            && index > 0
            && matches!(bytes[index - 1], b'0'..=b'9' | b'.')
            && match after {
                Some(b'0'..=b'9') => true,
                Some(b'+' | b'-') => after_sign.is_some_and(|byte| byte.is_ascii_digit()),
                _ => false,
            }
    };
    let position = text
        .char_indices()
        .find(|&(index, c)| (c.is_alphabetic() || c == '"') && !is_exponent(index))
        .map(|(index, _)| index);
    match position {
        Some(index) => (text[..index].trim(), Some(text[index..].trim())),
        None => (text.trim(), None),
    }
}

/// Splits a weight or length into its number and unit text, and refuses text that is no
/// number. No unit has a digit in it, so text such as `0x10` or `1 e5` is a number written in
/// a way that is not read, not a number followed by the unit `x10` or `e5`.
fn measure_parts(text: &str) -> Result<(&str, Option<&str>), String> {
    let (number, unit_text) = split_unit(text);
    let unit_has_digit =
        unit_text.is_some_and(|unit| unit.bytes().any(|byte| byte.is_ascii_digit()));
    if number.is_empty() || unit_has_digit {
        return Err(format!("{text:?} is not a number"));
    }
    Ok((number, unit_text))
}

/// Reads a weight, with its unit from the text (`1.5 kg`) or else from the rule.
pub fn parse_weight(
    scalar: &Scalar<'_>,
    rule_unit: Option<&str>,
) -> Result<(Decimal, WeightUnit), String> {
    let text = scalar.as_text().unwrap_or_default();
    let (number, unit_text) = measure_parts(&text)?;
    let unit_text = unit_text.or(rule_unit).ok_or_else(|| {
        format!("{text:?} has no unit; set \"unit\" in the rule to g, kg, oz or lb")
    })?;
    let unit = unit_text
        .parse::<WeightUnit>()
        .map_err(|error| error.to_string())?;
    Ok((parse_measure(number, &text)?, unit))
}

/// Reads a length, with its unit from the text (`10 in`) or else from the rule.
pub fn parse_length(
    scalar: &Scalar<'_>,
    rule_unit: Option<&str>,
) -> Result<(Decimal, LengthUnit), String> {
    let text = scalar.as_text().unwrap_or_default();
    let (number, unit_text) = measure_parts(&text)?;
    let unit_text = unit_text
        .or(rule_unit)
        .ok_or_else(|| format!("{text:?} has no unit; set \"unit\" in the rule to cm or in"))?;
    let unit = unit_text
        .parse::<LengthUnit>()
        .map_err(|error| error.to_string())?;
    Ok((parse_measure(number, &text)?, unit))
}

fn parse_measure(number: &str, original: &str) -> Result<Decimal, String> {
    let value = parse_exact_decimal(number).map_err(|error| match error {
        DecimalError::NotANumber => format!("{original:?} is not a number"),
        DecimalError::TooLarge => format!("{original:?} is too large to store"),
        DecimalError::TooPrecise => {
            format!("{original:?} has more digits than can be stored (28 after the point)")
        }
    })?;
    if value.is_sign_negative() && !value.is_zero() {
        return Err(format!("{original:?} is negative"));
    }
    Ok(value.normalize())
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::super::text::scalar;
    use super::*;

    #[test]
    fn quantities_must_be_whole_and_positive() {
        assert_eq!(parse_quantity(&scalar(&json!(30))), Ok(30));
        assert_eq!(parse_quantity(&scalar(&json!("2"))), Ok(2));
        let exact: Value = serde_json::from_str("2.0").unwrap();
        assert_eq!(parse_quantity(&scalar(&exact)), Ok(2));
        assert!(
            parse_quantity(&scalar(&json!("2.5")))
                .unwrap_err()
                .contains("whole")
        );
        assert!(
            parse_quantity(&scalar(&json!(0)))
                .unwrap_err()
                .contains("less than 1")
        );
        assert!(parse_quantity(&scalar(&json!(-3))).is_err());
        assert!(parse_quantity(&scalar(&json!("two"))).is_err());
    }

    #[test]
    fn money_from_numbers_ignores_the_text_format() {
        let token: Value = serde_json::from_str("1000.5").unwrap();
        let amount = parse_money(&scalar(&token), MoneyFormat::DotThousands, None).unwrap();
        assert_eq!(
            amount.to_string(),
            "1000.5",
            "exact, not yet rounded for the order"
        );
        let text = parse_money(&scalar(&json!("1.000,50")), MoneyFormat::DotThousands, None);
        assert_eq!(text.unwrap().to_string(), "1000.50");
    }

    #[test]
    fn weights_take_units_from_text_or_rule() {
        let (value, unit) = parse_weight(&scalar(&json!("1.5 kg")), None).unwrap();
        assert_eq!((value.to_string().as_str(), unit), ("1.5", WeightUnit::Kg));
        let (value, unit) = parse_weight(&scalar(&json!(567)), Some("g")).unwrap();
        assert_eq!((value.to_string().as_str(), unit), ("567", WeightUnit::G));
        assert!(
            parse_weight(&scalar(&json!(1)), None)
                .unwrap_err()
                .contains("no unit")
        );
    }

    #[test]
    fn exponents_stay_with_the_number() {
        let small: Value = serde_json::from_str("1e-5").unwrap();
        let (value, unit) = parse_weight(&scalar(&small), Some("kg")).unwrap();
        assert_eq!(
            (value.to_string().as_str(), unit),
            ("0.00001", WeightUnit::Kg)
        );
        let (value, unit) = parse_length(&scalar(&json!("2.5E+1 cm")), None).unwrap();
        assert_eq!((value.to_string().as_str(), unit), ("25", LengthUnit::Cm));
        let unit = parse_weight(&scalar(&json!("3 each")), None).unwrap_err();
        assert!(unit.contains("unknown unit \"each\""), "{unit}");
    }

    #[test]
    fn numbers_in_other_notations_are_not_numbers() {
        for text in ["0x10", "1 e5", "1,5e3", "2 x 3", "1.5kg2"] {
            let weight = parse_weight(&scalar(&json!(text)), Some("kg")).unwrap_err();
            assert_eq!(weight, format!("{text:?} is not a number"));
            let length = parse_length(&scalar(&json!(text)), Some("cm")).unwrap_err();
            assert_eq!(length, format!("{text:?} is not a number"));
        }
    }

    #[test]
    fn out_of_range_numbers_say_so() {
        let huge: Value = serde_json::from_str("1e999").unwrap();
        let tiny: Value = serde_json::from_str("1e-999").unwrap();
        let quantity = parse_quantity(&scalar(&huge)).unwrap_err();
        assert!(
            quantity.ends_with("is not between 1 and 4294967295"),
            "{quantity}"
        );
        let quantity = parse_quantity(&scalar(&tiny)).unwrap_err();
        assert!(quantity.ends_with("is not a whole number"), "{quantity}");
        let weight = parse_weight(&scalar(&huge), Some("kg")).unwrap_err();
        assert!(weight.ends_with("is too large to store"), "{weight}");
        let length = parse_length(&scalar(&tiny), Some("cm")).unwrap_err();
        assert!(
            length.contains("more digits than can be stored"),
            "{length}"
        );
        let money = parse_money(&scalar(&huge), MoneyFormat::Plain, None).unwrap_err();
        assert_eq!(money, AmountError::TooLarge("1e+999".into()));
        let text = parse_quantity(&scalar(&json!("many"))).unwrap_err();
        assert_eq!(text, "\"many\" is not a number");
    }

    #[test]
    fn long_fractions_are_not_rounded() {
        let almost: Value = serde_json::from_str("2.99999999999999999999999999999").unwrap();
        let quantity = parse_quantity(&scalar(&almost)).unwrap_err();
        assert!(quantity.ends_with("is not a whole number"), "{quantity}");
        let weight = parse_weight(&scalar(&almost), Some("kg")).unwrap_err();
        assert!(
            weight.contains("more digits than can be stored"),
            "{weight}"
        );
        let underscores = parse_quantity(&scalar(&json!("1_0"))).unwrap_err();
        assert!(underscores.ends_with("is not a number"), "{underscores}");
        let word = parse_weight(&scalar(&json!("heavy")), Some("kg")).unwrap_err();
        assert_eq!(word, "\"heavy\" is not a number");
    }

    #[test]
    fn lengths_take_units() {
        let (value, unit) = parse_length(&scalar(&json!("9.5 in")), None).unwrap();
        assert_eq!((value.to_string().as_str(), unit), ("9.5", LengthUnit::In));
        assert!(parse_length(&scalar(&json!("-2 cm")), None).is_err());
    }
}
