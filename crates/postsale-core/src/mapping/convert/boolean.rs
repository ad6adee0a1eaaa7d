//! Booleans from JSON booleans, numbers 1 and 0, and words such as yes and no.

use super::text::Scalar;

const TRUE_WORDS: [&str; 5] = ["true", "yes", "y", "1", "on"];
const FALSE_WORDS: [&str; 5] = ["false", "no", "n", "0", "off"];

/// Reads a boolean, also accepting the map's own words. `None` means the value is not one.
pub fn parse_bool(
    scalar: &Scalar<'_>,
    true_words: Option<&[String]>,
    false_words: Option<&[String]>,
) -> Option<bool> {
    if let Scalar::Bool(flag) = scalar {
        return Some(*flag);
    }
    let text = scalar.as_text()?;
    let matches = |builtin: &[&str], extra: Option<&[String]>| {
        builtin.iter().any(|word| word.eq_ignore_ascii_case(&text))
            || extra.is_some_and(|words| words.iter().any(|word| word.eq_ignore_ascii_case(&text)))
    };
    if matches(&TRUE_WORDS, true_words) {
        Some(true)
    } else if matches(&FALSE_WORDS, false_words) {
        Some(false)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::text::scalar;
    use super::*;

    #[test]
    fn builtin_words() {
        assert_eq!(parse_bool(&scalar(&json!(true)), None, None), Some(true));
        assert_eq!(parse_bool(&scalar(&json!("Yes")), None, None), Some(true));
        assert_eq!(parse_bool(&scalar(&json!(0)), None, None), Some(false));
        assert_eq!(parse_bool(&scalar(&json!("off")), None, None), Some(false));
        assert_eq!(parse_bool(&scalar(&json!("maybe")), None, None), None);
    }

    #[test]
    fn map_words() {
        let truthy = vec!["PHYSICAL_PRODUCT".to_owned()];
        let text = json!("physical_product");
        assert_eq!(parse_bool(&scalar(&text), Some(&truthy), None), Some(true));
    }
}
