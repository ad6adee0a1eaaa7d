//! Text extraction: trimming, null words, exact number tokens, and HTML entity decoding.

use std::borrow::Cow;

use serde_json::Value;

/// Texts that mean "no value" when a channel sends them as strings.
const NULL_WORDS: [&str; 2] = ["null", "NULL"];

/// The text form of a scalar.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Scalar<'a> {
    /// No value: null, blank text or a null word.
    Empty,
    /// Text, trimmed.
    Text(Cow<'a, str>),
    /// A JSON number, as its exact token.
    Number(String),
    Bool(bool),
    /// An object or array where a single value was expected.
    Container(&'static str),
}

/// Reads a JSON value as a scalar without losing digits.
pub fn scalar(value: &Value) -> Scalar<'_> {
    match value {
        Value::Null => Scalar::Empty,
        Value::String(text) => text_scalar(text),
        Value::Number(number) => Scalar::Number(number.to_string()),
        Value::Bool(flag) => Scalar::Bool(*flag),
        Value::Array(_) => Scalar::Container("an array"),
        Value::Object(_) => Scalar::Container("an object"),
    }
}

/// Returns whether `c` prints as nothing: zero-width spaces and joiners, direction marks, the
/// soft hyphen, the combining grapheme joiner, the byte order mark, tag characters, and the
/// blank Braille and Hangul fillers. Mapped text and addresses drop them at the ends, so that
/// text made only of them counts as blank.
pub fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{034F}'
            | '\u{115F}'
            | '\u{1160}'
            | '\u{180E}'
            | '\u{200B}'..='\u{200F}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2800}'
            | '\u{3164}'
            | '\u{FEFF}'
            | '\u{FFA0}'
            | '\u{E0000}'..='\u{E007F}'
    )
}

/// Returns whether `c` embeds, overrides or isolates a direction of text (U+202A to U+202E,
/// U+2066 to U+2069). Mapped text drops them, because one in a customer's name reverses the
/// rest of its line on an invoice or label. The marks U+200E and U+200F stay.
pub fn is_direction_override(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Reads text as a scalar: trimmed of white space and invisible characters, with blank and null
/// words as no value. NUL characters
/// (U+0000) are removed, because PostgreSQL cannot store them in text columns and an order must
/// import the same way on SQLite and PostgreSQL. Direction overrides are removed as well.
pub fn text_scalar(text: &str) -> Scalar<'_> {
    if text.contains(|c: char| c == '\0' || is_direction_override(c)) {
        let cleaned: String = text
            .chars()
            .filter(|&c| c != '\0' && !is_direction_override(c))
            .collect();
        return match text_scalar(&cleaned) {
            Scalar::Text(kept) => Scalar::Text(Cow::Owned(kept.into_owned())),
            _ => Scalar::Empty,
        };
    }
    let trimmed = text.trim_matches(|c: char| c.is_whitespace() || is_invisible(c));
    if trimmed.is_empty() || NULL_WORDS.contains(&trimmed) {
        Scalar::Empty
    } else {
        Scalar::Text(Cow::Borrowed(trimmed))
    }
}

impl Scalar<'_> {
    /// Returns the text of a scalar, or `None` for no value and for containers.
    pub fn as_text(&self) -> Option<Cow<'_, str>> {
        match self {
            Scalar::Empty | Scalar::Container(_) => None,
            Scalar::Text(text) => Some(Cow::Borrowed(text.as_ref())),
            Scalar::Number(token) => Some(Cow::Borrowed(token.as_str())),
            Scalar::Bool(flag) => Some(Cow::Borrowed(if *flag { "true" } else { "false" })),
        }
    }

    /// Returns whether the scalar is no value.
    pub fn is_empty(&self) -> bool {
        matches!(self, Scalar::Empty)
    }
}

/// Named entities that order bodies carry in product names; others stay as written.
static ENTITIES: &[(&str, &str)] = &[
    ("amp", "&"),
    ("lt", "<"),
    ("gt", ">"),
    ("quot", "\""),
    ("apos", "'"),
    ("nbsp", "\u{a0}"),
    ("ndash", "–"),
    ("mdash", "—"),
    ("times", "×"),
    ("hellip", "…"),
    ("lsquo", "‘"),
    ("rsquo", "’"),
    ("ldquo", "“"),
    ("rdquo", "”"),
    ("copy", "©"),
    ("reg", "®"),
    ("trade", "™"),
    ("euro", "€"),
    ("pound", "£"),
    ("deg", "°"),
];

/// Decodes HTML entities: the named ones above and numeric ones such as `&#8211;`.
pub fn decode_html(text: &str) -> Cow<'_, str> {
    if !text.contains('&') {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find('&') {
        out.push_str(&rest[..start]);
        let after = &rest[start + 1..];
        match after.find(';').filter(|end| *end <= 10).and_then(|end| {
            let decoded = decode_entity(&after[..end])?;
            Some((decoded, end))
        }) {
            Some((decoded, end)) => {
                out.push_str(&decoded);
                rest = &after[end + 1..];
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}

fn decode_entity(name: &str) -> Option<String> {
    if let Some(number) = name.strip_prefix('#') {
        let code = match number.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => number.parse().ok()?,
        };
        // `&#0;` stays as written: a NUL character cannot be stored in text. A direction
        // override decodes to nothing, as mapped text drops the character itself.
        return match char::from_u32(code)? {
            '\0' => None,
            decoded if is_direction_override(decoded) => Some(String::new()),
            decoded => Some(String::from(decoded)),
        };
    }
    ENTITIES
        .iter()
        .find(|(entity, _)| *entity == name)
        .map(|(_, text)| (*text).to_owned())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn blanks_and_null_words_are_empty() {
        assert!(scalar(&json!("  ")).is_empty());
        assert!(scalar(&json!("NULL")).is_empty());
        assert!(scalar(&json!("null")).is_empty());
        assert!(scalar(&json!(null)).is_empty());
        assert!(!scalar(&json!("Null Island")).is_empty());
    }

    #[test]
    fn invisible_characters_at_the_ends_are_dropped() {
        assert!(scalar(&json!("\u{200B}\u{FEFF} \u{200E}")).is_empty());
        assert_eq!(
            scalar(&json!("\u{FEFF}#1001\u{200B}")).as_text().as_deref(),
            Some("#1001")
        );
        assert_eq!(
            scalar(&json!("Zo\u{00AD}e")).as_text().as_deref(),
            Some("Zo\u{00AD}e"),
            "a soft hyphen inside a word stays"
        );
    }

    #[test]
    fn nul_characters_are_removed() {
        assert_eq!(scalar(&json!("Ja\u{0}ne\u{0}")).as_text().unwrap(), "Jane");
        assert!(scalar(&json!("\u{0} \u{0}")).is_empty());
        assert!(scalar(&json!("nu\u{0}ll")).is_empty());
        assert_eq!(decode_html("a&#0;b"), "a&#0;b");
    }

    #[test]
    fn direction_overrides_are_removed() {
        assert_eq!(
            scalar(&json!("Jane \u{202E}evil\u{202C}"))
                .as_text()
                .unwrap(),
            "Jane evil"
        );
        assert_eq!(
            scalar(&json!("\u{2067}שלום\u{2069} 5")).as_text().unwrap(),
            "שלום 5"
        );
        assert_eq!(
            scalar(&json!("a\u{200F}b")).as_text().unwrap(),
            "a\u{200F}b",
            "a direction mark inside text stays"
        );
        assert!(scalar(&json!("\u{202E}\u{202C}")).is_empty());
    }

    #[test]
    fn numbers_keep_their_token() {
        let body: Value = serde_json::from_str(r#"[976318377106520349, 1.50]"#).unwrap();
        assert_eq!(scalar(&body[0]).as_text().unwrap(), "976318377106520349");
        assert_eq!(scalar(&body[1]).as_text().unwrap(), "1.50");
    }

    #[test]
    fn text_is_trimmed() {
        assert_eq!(scalar(&json!("  Jane ")).as_text().unwrap(), "Jane");
    }

    #[test]
    fn entities_decode() {
        assert_eq!(
            decode_html("Ship Your Idea &ndash; Black"),
            "Ship Your Idea – Black"
        );
        assert_eq!(decode_html("Book &times; 1"), "Book × 1");
        assert_eq!(decode_html("&#8211;&#x2014;"), "–—");
        assert_eq!(decode_html("Mug &#8238;gpj.exe&#x2069;"), "Mug gpj.exe");
        assert_eq!(
            decode_html("Tom & Jerry &unknown;"),
            "Tom & Jerry &unknown;"
        );
    }
}
