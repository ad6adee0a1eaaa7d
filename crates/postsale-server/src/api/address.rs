//! Validation of the postal addresses that merchants enter: the store address and the account's
//! default Ship From address.

use postsale_core::mapping::convert::country::country_code;
use postsale_core::mapping::convert::state::{StateValue, has_codes, state_code};
use postsale_core::mapping::convert::text::{is_direction_override, is_invisible};
use serde_json::{Map, Value};

use crate::http::ApiError;

/// The members an address may have, in the order they are printed.
pub const ADDRESS_FIELDS: [&str; 11] = [
    "name",
    "company",
    "street1",
    "street2",
    "street3",
    "city",
    "state",
    "postal_code",
    "country",
    "phone",
    "email",
];

/// The maximum length of one member's value, in characters.
const MAX_MEMBER_CHARS: usize = 200;

/// Validates an address and returns it as a JSON document ready to store.
///
/// Unknown members are rejected by name. Values are trimmed, and blank or `null` members are
/// left out; an address with no member left is rejected. The country becomes its ISO 3166-1
/// alpha-2 code, and the state becomes its code where postsale has a code list for the
/// country (US, CA, AU, MX).
pub fn validated_address(address: &Value) -> Result<String, ApiError> {
    let normalized = normalize_address(address)?;
    if normalized.is_empty() {
        return Err(invalid(
            "address",
            None,
            "invalid address: it is empty or every member is blank; send the address's lines, \
             or null to remove the address"
                .to_owned(),
        ));
    }
    serde_json::to_string(&normalized).map_err(|error| ApiError::internal(&error))
}

/// Validates an address as [`validated_address`] does and returns the normalized JSON object.
pub fn normalize_address(address: &Value) -> Result<Map<String, Value>, ApiError> {
    normalize_address_as(address, "address")
}

/// Validates an address sent as the member `name` of a request, such as a shipment's
/// `ship_from`: error messages and their `field` name it.
pub fn normalize_address_as(address: &Value, name: &str) -> Result<Map<String, Value>, ApiError> {
    let Some(members) = address.as_object() else {
        return Err(invalid(
            name,
            None,
            format!(
                "invalid {name} {address}: send a JSON object with members among {}",
                ADDRESS_FIELDS.join(", ")
            ),
        ));
    };

    let mut texts = Map::new();
    for (key, value) in members {
        if let Some(text) = member_text(name, key, value)? {
            texts.insert(key.clone(), Value::String(text));
        }
    }

    let country = match texts.get("country").and_then(Value::as_str) {
        Some(text) => Some(valid_country(name, text)?),
        None => None,
    };
    if let Some(state) = texts.get("state").and_then(Value::as_str) {
        let state = valid_state(name, country, state)?;
        texts.insert("state".to_owned(), Value::String(state));
    }
    if let Some(country) = country {
        texts.insert("country".to_owned(), Value::from(country));
    }
    if let Some(email) = texts.get("email").and_then(Value::as_str) {
        valid_email(name, email)?;
    }

    let mut ordered = Map::new();
    for field in ADDRESS_FIELDS {
        if let Some(value) = texts.remove(field) {
            ordered.insert(field.to_owned(), value);
        }
    }
    Ok(ordered)
}

/// Checks one member's name and type, and returns its trimmed text, or `None` when it is blank.
fn member_text(name: &str, key: &str, value: &Value) -> Result<Option<String>, ApiError> {
    if !ADDRESS_FIELDS.contains(&key) {
        return Err(invalid(
            name,
            Some(key),
            format!(
                "unknown {name} member {key:?}: use only {}",
                ADDRESS_FIELDS.join(", ")
            ),
        ));
    }

    let text = match value {
        Value::Null => return Ok(None),
        // Text made only of characters that print as nothing counts as blank.
        Value::String(text) => text.trim_matches(|c: char| c.is_whitespace() || is_invisible(c)),
        other => {
            return Err(invalid(
                name,
                Some(key),
                format!("invalid {name}.{key} {other}: send a string or null"),
            ));
        }
    };
    if text.chars().count() > MAX_MEMBER_CHARS {
        return Err(invalid(
            name,
            Some(key),
            format!(
                "invalid {name}.{key}: it has {} characters; shorten it to at most \
                 {MAX_MEMBER_CHARS}",
                text.chars().count()
            ),
        ));
    }
    if let Some(control) = text
        .chars()
        .find(|c| c.is_control() || breaks_or_reorders_lines(*c))
    {
        return Err(invalid(
            name,
            Some(key),
            format!(
                "invalid {name}.{key}: it contains the character U+{:04X}, which \
                 prints as nothing or breaks the line of a label; remove it, and put a second \
                 street line in street2",
                u32::from(control)
            ),
        ));
    }
    Ok((!text.is_empty()).then(|| text.to_owned()))
}

fn valid_country(name: &str, text: &str) -> Result<&'static str, ApiError> {
    country_code(text).ok_or_else(|| {
        invalid(
            name,
            Some("country"),
            format!(
                "invalid {name}.country {text:?}: it is not a known country; use an ISO \
                 3166-1 alpha-2 code such as US or DE, or the country's English name"
            ),
        )
    })
}

/// Reads the state as a code where the country has a code list; otherwise keeps the text.
fn valid_state(name: &str, country: Option<&str>, text: &str) -> Result<String, ApiError> {
    let Some(country) = country.filter(|country| has_codes(country)) else {
        return Ok(text.to_owned());
    };
    match state_code(Some(country), text) {
        StateValue::Code(code) => Ok(code.to_owned()),
        StateValue::Raw(_) => Err(invalid(
            name,
            Some("state"),
            format!(
                "invalid {name}.state {text:?}: it is not a state or province of {country}; \
                 use its code (such as TX for Texas) or its full name"
            ),
        )),
    }
}

fn valid_email(name: &str, email: &str) -> Result<(), ApiError> {
    let looks_valid = email
        .split_once('@')
        .is_some_and(|(local, domain)| !local.is_empty() && !domain.is_empty());
    if !looks_valid {
        return Err(invalid(
            name,
            Some("email"),
            format!("invalid {name}.email {email:?}: use an address such as ops@example.com"),
        ));
    }
    Ok(())
}

/// Returns whether `c` breaks a line or reorders the text around it without being a control
/// character: the line and paragraph separators and the bidirectional text controls.
pub(crate) fn breaks_or_reorders_lines(c: char) -> bool {
    matches!(c, '\u{2028}' | '\u{2029}') || is_direction_override(c)
}

/// Builds a 422 whose `field` names the address (`name`) or one of its members.
fn invalid(name: &str, member: Option<&str>, detail: String) -> ApiError {
    let field = match member {
        Some(member) => format!("{name}.{member}"),
        None => name.to_owned(),
    };
    ApiError::unprocessable(detail).with_extension("field", field.into())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn names_become_codes() {
        let address = json!({"city": " Austin ", "state": "Texas", "country": "United States"});
        let normalized = normalize_address(&address).unwrap();
        assert_eq!(normalized["country"], "US");
        assert_eq!(normalized["state"], "TX");
        assert_eq!(normalized["city"], "Austin");
    }

    #[test]
    fn control_characters_are_rejected() {
        for (text, code) in [
            ("Bob\u{7}Red", "U+0007"),
            ("Bob\u{1b}[31m", "U+001B"),
            ("1 Main St\r\nInjected", "U+000D"),
            ("A\tB", "U+0009"),
            ("1 Main St\u{2028}Injected", "U+2028"),
            ("Bob\u{202E}deR", "U+202E"),
        ] {
            let error = normalize_address(&json!({ "name": text })).unwrap_err();
            assert_eq!(error.status(), 422);
            let detail = format!("{error:?}");
            assert!(
                detail.contains(&format!("the character {code}")),
                "{detail}"
            );
        }
        let invisible = normalize_address(
            &json!({"name": "\u{200E}\u{200F}\u{00AD}\u{3164}", "city": "Austin"}),
        );
        assert_eq!(
            invisible.unwrap().get("name"),
            None,
            "zero-width text is blank"
        );
        let trimmed = normalize_address(&json!({"city": "Austin\t"})).unwrap();
        assert_eq!(
            trimmed["city"], "Austin",
            "white space at the ends is trimmed first"
        );
    }

    #[test]
    fn unknown_country_is_rejected() {
        let error = normalize_address(&json!({"country": "Atlantis"})).unwrap_err();
        assert_eq!(error.status(), 422);
    }

    #[test]
    fn unknown_state_of_coded_country_is_rejected() {
        let error = normalize_address(&json!({"state": "Gondor", "country": "CA"})).unwrap_err();
        assert_eq!(error.status(), 422);
    }

    #[test]
    fn state_of_uncoded_country_is_kept() {
        let address = json!({"state": "Bavaria", "country": "Germany"});
        let normalized = normalize_address(&address).unwrap();
        assert_eq!(normalized["state"], "Bavaria");
        assert_eq!(normalized["country"], "DE");
    }

    #[test]
    fn unknown_member_is_rejected() {
        let error = normalize_address(&json!({"zip": "78701"})).unwrap_err();
        assert_eq!(error.status(), 422);
    }

    #[test]
    fn blank_and_null_members_are_dropped() {
        let address = json!({"name": "  ", "company": null, "city": "Austin"});
        let normalized = normalize_address(&address).unwrap();
        assert_eq!(normalized.len(), 1);
    }

    #[test]
    fn non_string_member_is_rejected() {
        let error = normalize_address(&json!({"postal_code": 78701})).unwrap_err();
        assert_eq!(error.status(), 422);
    }
}
