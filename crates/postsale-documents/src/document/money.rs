//! Formatting of decimal amounts for printing: digit grouping and at least two decimals.

use rust_decimal::Decimal;

/// Formats an amount with comma digit grouping and at least two decimals, keeping any further
/// decimals the channel sent that are not zero: `1500` gives "1,500.00", `-2.5` gives "-2.50",
/// `0.1250` gives "0.125".
pub fn format_amount(amount: Decimal) -> String {
    let mut normalized = amount.normalize();
    if normalized.scale() < 2 {
        normalized.rescale(2);
    }
    let text = normalized.abs().to_string();
    let (whole, fraction) = text.split_once('.').unwrap_or((&text, ""));

    let mut grouped = String::new();
    for (index, digit) in whole.chars().enumerate() {
        if index > 0 && (whole.len() - index) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(digit);
    }

    let sign = if normalized.is_sign_negative() && !normalized.is_zero() {
        "-"
    } else {
        ""
    };
    format!("{sign}{grouped}.{fraction}")
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use super::*;

    #[test]
    fn amounts_are_grouped_with_two_decimals() {
        let cases = [
            ("1500", "1,500.00"),
            ("50.00", "50.00"),
            ("1234567.5", "1,234,567.50"),
            ("-2.5", "-2.50"),
            ("0.1250", "0.125"),
            ("100.0000", "100.00"),
            ("-0.00", "0.00"),
            ("999", "999.00"),
        ];
        for (input, expected) in cases {
            let amount = Decimal::from_str(input).unwrap();
            assert_eq!(format_amount(amount), expected, "{input}");
        }
    }
}
