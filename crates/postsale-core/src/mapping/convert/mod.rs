//! Conversions from element values to field values, chosen by the field's kind.

pub mod boolean;
pub mod country;
mod country_table;
pub mod currency;
pub mod datetime;
pub mod number;
pub mod state;
mod state_table;
pub mod text;
pub mod value_map;

use std::borrow::Cow;

use rust_decimal::Decimal;
use serde_json::Value;

use self::datetime::Zone;
use self::text::{Scalar, scalar, text_scalar};
use super::catalogue::FieldKind;
use super::codes::{self, PACKAGES, SERVICES};
use super::error::ErrorCode;
use super::map::Rule;
use crate::money::{AmountError, MAX_AMOUNT_SCALE, MoneyFormat, store_amount};
use crate::order::Timestamp;
use crate::status::OrderStatus;
use crate::units::{LengthUnit, WeightUnit};

/// A value before conversion: an element, text built by a template, or a summed amount.
#[derive(Clone, Debug, PartialEq)]
pub enum Raw<'a> {
    Json(&'a Value),
    Text(String),
    Amount(Decimal),
}

/// A converted field value.
#[derive(Clone, Debug, PartialEq)]
pub enum Converted {
    Text(String),
    Amount(Decimal),
    Quantity(u32),
    Bool(bool),
    Time(Timestamp),
    Weight(Decimal, WeightUnit),
    Length(Decimal, LengthUnit),
    List(Vec<String>),
    Status(OrderStatus),
}

/// The reason a value could not be converted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    pub code: ErrorCode,
    pub message: String,
    pub fix: String,
}

/// The result of a conversion: a value or none, and a remark when the value was kept as sent.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Outcome {
    pub value: Option<Converted>,
    pub warning: Option<String>,
}

/// The settings a conversion reads besides the rule.
#[derive(Clone, Copy, Debug)]
pub struct Settings<'a> {
    pub money_format: MoneyFormat,
    pub zone: &'a Zone,
}

impl Failure {
    fn invalid(message: String, fix: &str) -> Failure {
        Failure {
            code: ErrorCode::Invalid,
            message,
            fix: fix.to_owned(),
        }
    }
}

impl Outcome {
    fn value(value: Converted) -> Outcome {
        Outcome {
            value: Some(value),
            warning: None,
        }
    }

    fn none() -> Outcome {
        Outcome::default()
    }
}

/// Converts one raw value for a field of `kind`, applying the rule's value map first.
pub fn convert(
    kind: FieldKind,
    raw: &Raw<'_>,
    rule: &Rule,
    settings: Settings<'_>,
) -> Result<Outcome, Failure> {
    if let Raw::Amount(amount) = raw {
        return convert_amount(kind, *amount);
    }
    if kind == FieldKind::List
        && let Raw::Json(Value::Array(entries)) = raw
    {
        return Ok(list_from_array(entries));
    }
    let value = match raw {
        Raw::Json(value) => scalar(value),
        Raw::Text(text) => text_scalar(text),
        Raw::Amount(_) => unreachable!("amounts returned above"),
    };
    if let Scalar::Container(what) = value {
        return Err(Failure::invalid(
            format!("found {what} where one value was expected"),
            "map an element inside it, such as its name or value",
        ));
    }

    if let Some(text) = value.as_text()
        && rule.empty_values.iter().any(|empty| empty.trim() == text)
    {
        return Ok(Outcome::none());
    }

    let mut warning = None;
    let value = match (&rule.value_map, value.as_text()) {
        (Some(map), Some(text)) => match value_map::lookup(map, &text) {
            Some(mapped) => text_scalar(mapped).into_owned(),
            None => {
                if needs_mapping(kind) {
                    return Err(unmapped(kind, &text));
                }
                warning = Some(format!("no value_map entry for {text:?}; kept as sent"));
                value.clone().into_owned()
            }
        },
        _ => value.into_owned(),
    };
    if value.is_empty() {
        return Ok(Outcome::none());
    }

    let mut outcome = convert_scalar(kind, &value, rule, settings)?;
    if outcome.warning.is_none() {
        outcome.warning = warning;
    }
    Ok(outcome)
}

fn needs_mapping(kind: FieldKind) -> bool {
    matches!(
        kind,
        FieldKind::Status
            | FieldKind::Carrier
            | FieldKind::Service
            | FieldKind::Package
            | FieldKind::Code(_)
    )
}

fn unmapped(kind: FieldKind, text: &str) -> Failure {
    Failure {
        code: if kind == FieldKind::Status {
            ErrorCode::Invalid
        } else {
            ErrorCode::UnknownCode
        },
        message: format!("the value map has no entry for {text:?}"),
        fix: format!(
            "add {text:?} to the rule's value_map, or a \"*\" entry for every other value"
        ),
    }
}

fn convert_amount(kind: FieldKind, amount: Decimal) -> Result<Outcome, Failure> {
    match kind {
        FieldKind::Money | FieldKind::SignedMoney => money_outcome(kind, amount),
        _ => Err(Failure::invalid(
            format!("a sum ({amount}) cannot fill this field"),
            "use sum only for amount fields",
        )),
    }
}

/// The maximum number of digits before the point of an amount that an order keeps. With them,
/// the two decimal places that every stored amount has still fit in a `Decimal` (28 digits).
const MAX_AMOUNT_WHOLE_DIGITS: u32 = 26;

/// Rounds an amount as the order stores it, with a warning that names the stored value when
/// rounding changed it, and rejects a negative amount where the field allows none.
fn money_outcome(kind: FieldKind, amount: Decimal) -> Result<Outcome, Failure> {
    if amount.abs() >= Decimal::from_i128_with_scale(10_i128.pow(MAX_AMOUNT_WHOLE_DIGITS), 0) {
        return Err(Failure::invalid(
            format!(
                "the amount {amount} is too large for an order, which keeps at most \
                 {MAX_AMOUNT_WHOLE_DIGITS} digits before the point"
            ),
            "map the element that holds the amount",
        ));
    }
    let stored = store_amount(amount);
    let value = stored.value;
    if kind == FieldKind::Money && value.is_sign_negative() && !value.is_zero() {
        return Err(Failure {
            code: ErrorCode::Negative,
            message: format!("the amount {amount} is negative, which this field does not allow"),
            fix: "map an element that holds a positive amount".to_owned(),
        });
    }
    let warning = stored.rounded.then(|| {
        format!(
            "the amount {amount} has more than {MAX_AMOUNT_SCALE} decimal places, which an \
             order does not keep; stored as {value}"
        )
    });
    Ok(Outcome {
        value: Some(Converted::Amount(value)),
        warning,
    })
}

fn list_from_array(entries: &[Value]) -> Outcome {
    let items: Vec<String> = entries
        .iter()
        .filter_map(|entry| scalar(entry).as_text().map(Cow::into_owned))
        .collect();
    if items.is_empty() {
        Outcome::none()
    } else {
        Outcome::value(Converted::List(items))
    }
}

fn convert_scalar(
    kind: FieldKind,
    value: &Scalar<'_>,
    rule: &Rule,
    settings: Settings<'_>,
) -> Result<Outcome, Failure> {
    let text = value.as_text().unwrap_or_default();
    let converted = match kind {
        FieldKind::Text | FieldKind::Id | FieldKind::State => {
            let text = if rule.decode_html {
                text::decode_html(&text)
            } else {
                text
            };
            Converted::Text(text.into_owned())
        }
        FieldKind::Money | FieldKind::SignedMoney => {
            let format = rule.money_format.unwrap_or(settings.money_format);
            let amount = number::parse_money(value, format, rule.minor_units).map_err(|error| {
                let fix = match error {
                    AmountError::NotANumber(_) => {
                        "map an amount, or set money_format to how it is written"
                    }
                    AmountError::FractionOfMinorUnit(_) => {
                        "remove minor_units from the rule when the channel sends amounts with a \
                         decimal point"
                    }
                    AmountError::TooLarge(_) | AmountError::TooPrecise(_) => {
                        "map the element that holds the amount; an amount has at most 29 digits, \
                         28 of them after the point"
                    }
                };
                Failure::invalid(error.to_string(), fix)
            })?;
            return money_outcome(kind, amount);
        }
        FieldKind::Quantity => {
            Converted::Quantity(number::parse_quantity(value).map_err(|message| Failure {
                code: ErrorCode::NotWhole,
                message: format!("{message}; a quantity must be a whole number of at least 1"),
                fix: "map the element that holds the ordered quantity".to_owned(),
            })?)
        }
        FieldKind::Boolean => {
            let flag = boolean::parse_bool(
                value,
                rule.true_words.as_deref(),
                rule.false_words.as_deref(),
            )
            .ok_or_else(|| {
                Failure::invalid(
                    format!("{text:?} is not true or false"),
                    "add the word to true_words or false_words in the rule",
                )
            })?;
            Converted::Bool(flag)
        }
        FieldKind::DateTime if is_zero_date(&text) => return Ok(Outcome::none()),
        FieldKind::DateTime => convert_datetime(value, &text, rule, settings)?,
        FieldKind::Currency => convert_currency(&text)?,
        FieldKind::Country => return Ok(convert_country(&text)),
        FieldKind::Status => Converted::Status(text.parse::<OrderStatus>().map_err(|error| {
            Failure::invalid(
                error.to_string(),
                "add a value_map that turns the channel's status into one of these",
            )
        })?),
        FieldKind::Carrier => Converted::Text(convert_code(&text, codes::lookup_carrier(&text))?),
        FieldKind::Service => Converted::Text(convert_code(&text, codes::lookup(SERVICES, &text))?),
        FieldKind::Package => Converted::Text(convert_code(&text, codes::lookup(PACKAGES, &text))?),
        FieldKind::Code(list) => Converted::Text(convert_fixed_code(&text, list)?),
        FieldKind::Weight => {
            let (amount, unit) = number::parse_weight(value, rule.unit.as_deref())
                .map_err(|error| Failure::invalid(error, "map a weight, and set its unit"))?;
            Converted::Weight(amount, unit)
        }
        FieldKind::Length => {
            let (amount, unit) = number::parse_length(value, rule.unit.as_deref())
                .map_err(|error| Failure::invalid(error, "map a length, and set its unit"))?;
            Converted::Length(amount, unit)
        }
        FieldKind::List => Converted::List(split_list(&text, rule.split.as_deref())),
    };
    Ok(Outcome::value(converted))
}

fn convert_datetime(
    value: &Scalar<'_>,
    text: &str,
    rule: &Rule,
    settings: Settings<'_>,
) -> Result<Converted, Failure> {
    let rule_zone;
    let zone = match &rule.time_zone {
        Some(name) => {
            rule_zone = datetime::parse_zone(name)
                .map_err(|error| Failure::invalid(error, "fix the rule's time_zone"))?;
            &rule_zone
        }
        None => settings.zone,
    };
    let is_number = matches!(value, Scalar::Number(_));
    datetime::parse_datetime(text, is_number, rule.datetime_format.as_deref(), zone)
        .map(Converted::Time)
        .map_err(|error| Failure::invalid(error, "map a date-time element"))
}

/// Returns whether the text is a zero date such as `0000-00-00 00:00:00`, which databases write for
/// "no date".
fn is_zero_date(text: &str) -> bool {
    text.contains('-')
        && text
            .chars()
            .filter(char::is_ascii_digit)
            .all(|digit| digit == '0')
}

fn convert_currency(text: &str) -> Result<Converted, Failure> {
    let upper = text.trim().to_ascii_uppercase();
    if currency::is_currency(&upper) {
        return Ok(Converted::Text(upper));
    }
    Err(Failure::invalid(
        format!("{text:?} is not an ISO 4217 currency code"),
        "map an element with a code such as USD, add a value_map entry that turns this value \
         into its ISO 4217 code (such as RMB into CNY), or set a fixed value",
    ))
}

fn convert_country(text: &str) -> Outcome {
    match country::country_code(text) {
        Some(code) => Outcome::value(Converted::Text(code.to_owned())),
        None => Outcome {
            value: Some(Converted::Text(text.to_owned())),
            warning: Some(format!(
                "{text:?} is not a known country name or ISO 3166-1 code; kept as sent"
            )),
        },
    }
}

fn convert_code(text: &str, found: Option<&'static codes::Code>) -> Result<String, Failure> {
    found
        .map(|entry| entry.code.to_owned())
        .ok_or_else(|| Failure {
            code: ErrorCode::UnknownCode,
            message: format!("{text:?} is not a code in postsale's catalogue"),
            fix: "add a value_map from the channel's text to a catalogue code".to_owned(),
        })
}

fn convert_fixed_code(text: &str, list: &[&str]) -> Result<String, Failure> {
    let lowered = text.trim().to_lowercase();
    if list.contains(&lowered.as_str()) {
        return Ok(lowered);
    }
    Err(Failure {
        code: ErrorCode::UnknownCode,
        message: format!("{text:?} is not one of {}", list.join(", ")),
        fix: "add a value_map from the channel's text to one of these codes".to_owned(),
    })
}

fn split_list(text: &str, separator: Option<&str>) -> Vec<String> {
    match separator {
        Some(separator) if !separator.is_empty() => text
            .split(separator)
            .map(str::trim)
            .filter(|item| !item.is_empty())
            .map(str::to_owned)
            .collect(),
        _ => vec![text.to_owned()],
    }
}

impl Scalar<'_> {
    /// Copies borrowed text so the scalar outlives the value it was read from.
    pub fn into_owned(self) -> Scalar<'static> {
        match self {
            Scalar::Empty => Scalar::Empty,
            Scalar::Text(text) => Scalar::Text(Cow::Owned(text.into_owned())),
            Scalar::Number(token) => Scalar::Number(token),
            Scalar::Bool(flag) => Scalar::Bool(flag),
            Scalar::Container(what) => Scalar::Container(what),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn convert_amount(value: Value) -> Result<Outcome, Failure> {
        let rule: Rule = serde_json::from_value(json!({"path": "$.total"})).unwrap();
        let zone = Zone::utc();
        let settings = Settings {
            money_format: MoneyFormat::Plain,
            zone: &zone,
        };
        convert_scalar(FieldKind::Money, &scalar(&value), &rule, settings)
    }

    #[test]
    fn currency_must_be_a_known_code() {
        let read = convert_currency(" gbp ");

        assert!(
            matches!(&read, Ok(Converted::Text(code)) if code == "GBP"),
            "{read:?}"
        );
        for wrong in ["ZZZ", "ABC", "RMB", "XXX", "US$"] {
            let failure = convert_currency(wrong).unwrap_err();
            assert!(
                failure.message.contains(&format!("{wrong:?}")),
                "{failure:?}"
            );
            assert!(failure.message.contains("ISO 4217"), "{failure:?}");
        }
        let rule: Rule =
            serde_json::from_value(json!({"path": "$.c", "value_map": {"RMB": "CNY"}})).unwrap();
        let zone = Zone::utc();
        let settings = Settings {
            money_format: MoneyFormat::Plain,
            zone: &zone,
        };
        let rmb = json!("RMB");
        let mapped = convert(FieldKind::Currency, &Raw::Json(&rmb), &rule, settings);
        assert!(
            matches!(&mapped, Ok(outcome) if outcome.value == Some(Converted::Text("CNY".into()))),
            "{mapped:?}"
        );
    }

    #[test]
    fn amount_hints_fit_the_failure() {
        let words = convert_amount(json!("twelve")).unwrap_err();
        assert!(words.fix.contains("money_format"), "{}", words.fix);
        let huge: Value = serde_json::from_str("1e999").unwrap();
        let huge = convert_amount(huge).unwrap_err();
        assert!(huge.message.contains("too large"), "{}", huge.message);
        assert!(huge.fix.contains("at most 29 digits"), "{}", huge.fix);
    }

    /// Every stored amount has two decimal places, which an amount of 27 whole digits or more
    /// has no room for in a `Decimal`.
    #[test]
    fn amounts_keep_two_decimal_places_or_fail() {
        let largest = convert_amount(json!("99999999999999999999999999.99")).unwrap();
        assert_eq!(
            largest.value,
            Some(Converted::Amount(
                "99999999999999999999999999.99".parse().unwrap()
            ))
        );
        let whole = convert_amount(json!("12345678901234567890123456")).unwrap();
        let Some(Converted::Amount(value)) = whole.value else {
            panic!("no amount: {whole:?}");
        };
        assert_eq!(value.to_string(), "12345678901234567890123456.00");
        for text in ["100000000000000000000000000", "-1e26", "1e28"] {
            let failure = convert_amount(json!(text)).unwrap_err();
            assert_eq!(failure.code, ErrorCode::Invalid);
            assert!(
                failure
                    .message
                    .ends_with("keeps at most 26 digits before the point"),
                "{text}: {}",
                failure.message
            );
        }
    }
}
