//! State and province names to codes for the countries whose labels use codes.

use super::state_table::{STATE_ALIASES, STATES};

/// The result of reading a state or province.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StateValue {
    /// A known code of the country.
    Code(&'static str),
    /// The text as sent, for a country without a code list or an unknown name.
    Raw(String),
}

/// Returns whether postsale has a code list for the country.
pub fn has_codes(country: &str) -> bool {
    STATES
        .iter()
        .any(|(code_country, _, _)| *code_country == country)
}

/// Reads a state or province of `country` (ISO alpha-2) as a code where the country has codes.
pub fn state_code(country: Option<&str>, text: &str) -> StateValue {
    let text = text.trim();
    let Some(country) = country.filter(|country| has_codes(country)) else {
        return StateValue::Raw(text.to_owned());
    };
    let normalized = normalize(text);
    let stripped = normalized
        .strip_prefix(&format!("{}-", country.to_lowercase()))
        .unwrap_or(&normalized);

    let by_row = STATES.iter().find(|(row_country, code, name)| {
        *row_country == country
            && (code.eq_ignore_ascii_case(stripped) || normalize(name) == stripped)
    });
    if let Some((_, code, _)) = by_row {
        return StateValue::Code(code);
    }
    let by_alias = STATE_ALIASES
        .iter()
        .find(|(row_country, alias, _)| *row_country == country && *alias == stripped);
    match by_alias {
        Some((_, _, code)) => StateValue::Code(code),
        None => StateValue::Raw(text.to_owned()),
    }
}

fn normalize(text: &str) -> String {
    let lowered = text.trim().to_lowercase().replace('.', "");
    lowered.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_codes_map_to_codes() {
        assert_eq!(state_code(Some("US"), "Texas"), StateValue::Code("TX"));
        assert_eq!(state_code(Some("US"), "tx"), StateValue::Code("TX"));
        assert_eq!(state_code(Some("CA"), "Ontario"), StateValue::Code("ON"));
        assert_eq!(
            state_code(Some("AU"), "New South Wales"),
            StateValue::Code("NSW")
        );
        assert_eq!(
            state_code(Some("MX"), "Nuevo León"),
            StateValue::Code("NLE")
        );
        assert_eq!(state_code(Some("MX"), "CDMX"), StateValue::Code("CMX"));
        assert_eq!(state_code(Some("US"), "US-KY"), StateValue::Code("KY"));
    }

    #[test]
    fn unknown_names_stay_raw() {
        assert_eq!(
            state_code(Some("US"), "Atlantis"),
            StateValue::Raw("Atlantis".into())
        );
        assert_eq!(
            state_code(Some("TT"), "West Indies"),
            StateValue::Raw("West Indies".into())
        );
        assert_eq!(
            state_code(None, " Gujarat "),
            StateValue::Raw("Gujarat".into())
        );
    }

    #[test]
    fn same_code_means_different_states_by_country() {
        assert_eq!(state_code(Some("AU"), "WA"), StateValue::Code("WA"));
        assert_eq!(
            state_code(Some("AU"), "Western Australia"),
            StateValue::Code("WA")
        );
        assert_eq!(state_code(Some("US"), "Washington"), StateValue::Code("WA"));
    }
}
