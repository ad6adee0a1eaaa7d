//! A single pass over a JSON document that reports only whether it is well formed.
//!
//! Ingress checks every kept body, and reading it through `serde_json` took a tenth of the
//! server's time per request in the ingest benchmark. This pass keeps nothing and allocates
//! nothing. It accepts only what `serde_json` accepts: the grammar of RFC 8259, strings without
//! control characters or lone surrogate escapes, and nesting up to [`MAX_LEVELS`], which is below
//! `serde_json`'s limit. A document it rejects is read by `serde_json`, which gives the reason,
//! so a rejection here never decides the result by itself.
//!
//! The pass is a loop over values that keeps the open arrays and objects as bits. With a
//! recursive descent in its place, the body check ran 1.36 to 1.40 times the instructions on
//! order bodies of 3 to 8 KB.

/// Nesting deeper than this is left to `serde_json`, whose own limit is higher.
const MAX_LEVELS: usize = 100;

/// Bytes that end the plain run of a string: the quote, the backslash and control characters.
const STRING_STOP: [bool; 256] = {
    let mut table = [false; 256];
    let mut byte = 0;
    while byte < 0x20 {
        table[byte] = true;
        byte += 1;
    }
    table[b'"' as usize] = true;
    table[b'\\' as usize] = true;
    table
};

/// Returns whether `text` is one JSON value with optional white space around it.
pub(super) fn is_well_formed(text: &str) -> bool {
    let bytes = text.as_bytes();
    let mut at = skip_space(bytes, 0);
    // Bit 0 is set when the innermost open container is an object, bit 1 for the one around
    // it, and so on. `MAX_LEVELS` containers fit in the 128 bits.
    let mut objects: u128 = 0;
    let mut depth = 0;
    loop {
        // A value starts at `at`.
        match bytes.get(at) {
            Some(b'{') => {
                if depth == MAX_LEVELS {
                    return false;
                }
                depth += 1;
                objects = objects << 1 | 1;
                at = skip_space(bytes, at + 1);
                if bytes.get(at) != Some(&b'}') {
                    match member_value(bytes, at) {
                        Some(value) => at = value,
                        None => return false,
                    }
                    continue;
                }
                at += 1;
                depth -= 1;
                objects >>= 1;
            }
            Some(b'[') => {
                if depth == MAX_LEVELS {
                    return false;
                }
                depth += 1;
                objects <<= 1;
                at = skip_space(bytes, at + 1);
                if bytes.get(at) != Some(&b']') {
                    continue;
                }
                at += 1;
                depth -= 1;
                objects >>= 1;
            }
            Some(b'"') => match string(bytes, at) {
                Some(end) => at = end,
                None => return false,
            },
            Some(b't') => match word(bytes, at, b"true") {
                Some(end) => at = end,
                None => return false,
            },
            Some(b'f') => match word(bytes, at, b"false") {
                Some(end) => at = end,
                None => return false,
            },
            Some(b'n') => match word(bytes, at, b"null") {
                Some(end) => at = end,
                None => return false,
            },
            Some(b'-' | b'0'..=b'9') => match number(bytes, at) {
                Some(end) => at = end,
                None => return false,
            },
            _ => return false,
        }

        // A value ended at `at`: close containers until a comma starts the next value.
        loop {
            at = skip_space(bytes, at);
            if depth == 0 {
                return at == bytes.len();
            }
            let in_object = objects & 1 == 1;
            match bytes.get(at) {
                Some(b',') => {
                    at = skip_space(bytes, at + 1);
                    if in_object {
                        match member_value(bytes, at) {
                            Some(value) => at = value,
                            None => return false,
                        }
                    }
                    break;
                }
                Some(b'}') if in_object => {}
                Some(b']') if !in_object => {}
                _ => return false,
            }
            at += 1;
            depth -= 1;
            objects >>= 1;
        }
    }
}

fn skip_space(bytes: &[u8], mut at: usize) -> usize {
    while let Some(b' ' | b'\t' | b'\n' | b'\r') = bytes.get(at) {
        at += 1;
    }
    at
}

/// Reads an object member's key and colon from `at`, and returns where its value starts.
fn member_value(bytes: &[u8], at: usize) -> Option<usize> {
    if bytes.get(at) != Some(&b'"') {
        return None;
    }
    let at = skip_space(bytes, string(bytes, at)?);
    if bytes.get(at) != Some(&b':') {
        return None;
    }
    Some(skip_space(bytes, at + 1))
}

/// Reads a string from its opening quote at `at`, and returns the position after its closing
/// quote.
fn string(bytes: &[u8], at: usize) -> Option<usize> {
    let mut at = at + 1;
    loop {
        at = skip_plain(bytes, at);
        match bytes.get(at)? {
            b'"' => return Some(at + 1),
            b'\\' => at = escape(bytes, at)?,
            // A control character.
            _ => return None,
        }
    }
}

/// Returns the position of the first quote, backslash or control character from `at`, or the
/// end. It tests eight bytes at a time. A high bit is left set only in such a byte or in a byte
/// after one. That holds because `x - 1` borrows only through a zero byte, `x - 0x20` only
/// through a byte below 0x20, and `!x` masks out bytes of 0x80 and above. So the lowest high
/// bit set marks the first one.
fn skip_plain(bytes: &[u8], mut at: usize) -> usize {
    const ONES: u64 = u64::from_le_bytes([1; 8]);
    const HIGH_BITS: u64 = u64::from_le_bytes([0x80; 8]);
    let zero_byte = |word: u64| word.wrapping_sub(ONES) & !word;
    while let Some(chunk) = bytes.get(at..at + 8) {
        let Ok(chunk) = <[u8; 8]>::try_from(chunk) else {
            break;
        };
        let word = u64::from_le_bytes(chunk);
        let stops = (zero_byte(word ^ (ONES * u64::from(b'"')))
            | zero_byte(word ^ (ONES * u64::from(b'\\')))
            | (word.wrapping_sub(ONES * 0x20) & !word))
            & HIGH_BITS;
        if stops != 0 {
            return at + (stops.trailing_zeros() / 8) as usize;
        }
        at += 8;
    }
    while let Some(&byte) = bytes.get(at) {
        if STRING_STOP[usize::from(byte)] {
            break;
        }
        at += 1;
    }
    at
}

/// Reads an escape from its backslash at `at`, and returns the position after it. A `\u`
/// escape of a surrogate must be the leading half of a pair, followed at once by the escape of
/// the trailing half.
pub(super) fn escape(bytes: &[u8], at: usize) -> Option<usize> {
    match bytes.get(at + 1)? {
        b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => Some(at + 2),
        b'u' => match code_unit(bytes, at + 1)? {
            0xD800..=0xDBFF => {
                if bytes.get(at + 6..at + 8) != Some(b"\\u") {
                    return None;
                }
                match code_unit(bytes, at + 7)? {
                    0xDC00..=0xDFFF => Some(at + 12),
                    _ => None,
                }
            }
            0xDC00..=0xDFFF => None,
            _ => Some(at + 6),
        },
        _ => None,
    }
}

/// Reads the four hex digits after the `u` at `at`, and returns the code unit they spell.
fn code_unit(bytes: &[u8], at: usize) -> Option<u16> {
    let digits = bytes.get(at + 1..at + 5)?;
    let mut unit = 0u16;
    for &digit in digits {
        let value = char::from(digit).to_digit(16)?;
        unit = unit * 16 + u16::try_from(value).ok()?;
    }
    Some(unit)
}

/// Reads `word` at `at`, and returns the position after it.
fn word(bytes: &[u8], at: usize, word: &[u8]) -> Option<usize> {
    (bytes.get(at..at + word.len()) == Some(word)).then_some(at + word.len())
}

/// Reads `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?` from `at`, and returns the
/// position after it.
fn number(bytes: &[u8], mut at: usize) -> Option<usize> {
    if bytes.get(at) == Some(&b'-') {
        at += 1;
    }
    match bytes.get(at)? {
        b'0' => at += 1,
        b'1'..=b'9' => at = digits(bytes, at + 1),
        _ => return None,
    }
    if bytes.get(at) == Some(&b'.') {
        at = required_digits(bytes, at + 1)?;
    }
    if let Some(b'e' | b'E') = bytes.get(at) {
        at += 1;
        if let Some(b'+' | b'-') = bytes.get(at) {
            at += 1;
        }
        at = required_digits(bytes, at)?;
    }
    Some(at)
}

/// Reads one or more digits from `at`, and returns the position after them.
fn required_digits(bytes: &[u8], at: usize) -> Option<usize> {
    bytes
        .get(at)
        .is_some_and(u8::is_ascii_digit)
        .then(|| digits(bytes, at))
}

fn digits(bytes: &[u8], mut at: usize) -> usize {
    while bytes.get(at).is_some_and(u8::is_ascii_digit) {
        at += 1;
    }
    at
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use serde_json::Value;

    use super::*;

    fn serde_accepts(text: &str) -> bool {
        serde_json::from_str::<Value>(text).is_ok()
    }

    #[test]
    fn accepts_well_formed_documents() {
        let documents = [
            "{}",
            " [ ] ",
            "\t{\"a\" : [1, -0, 0.5, -12.5e+3, 1E-7, 1e999999, true, false, null]}\r\n",
            r#"{"s": "plain \" \\ \/ \b \f \n \r \t \u00e9 \ud83d\ude00 é 😀"}"#,
            r#""just a string""#,
            "12345678901234567890123456789.0000001",
            "{\"a\": 1, \"a\": 2}",
        ];
        for document in documents {
            assert!(is_well_formed(document), "{document}");
            assert!(serde_accepts(document), "{document}");
        }
    }

    #[test]
    fn refuses_malformed_documents() {
        let documents = [
            "",
            " ",
            "{",
            "{\"a\" 1}",
            "{\"a\": 1,}",
            "[1,]",
            "[1 2]",
            "{a: 1}",
            "{1: 1}",
            "01",
            "-",
            "1.",
            ".5",
            "1e",
            "1e+",
            "+1",
            "NaN",
            "tru",
            "nulll",
            "\"unterminated",
            "\"tab\there\"",
            "\"\\x\"",
            "\"\\u12\"",
            "\"\\ud800\"",
            "\"\\ud800\\u0041\"",
            "\"\\udc00\"",
            "{} {}",
            "[] x",
        ];
        for document in documents {
            assert!(!is_well_formed(document), "{document:?}");
            assert!(!serde_accepts(document), "{document:?}");
        }
    }

    /// A quote, backslash or control character is found wherever it sits in a word of eight
    /// bytes, between ASCII or multi-byte characters.
    #[test]
    fn word_skip_stops_at_every_position() {
        for filler in [
            "abcdefghijklmnop",
            "éééééééé",
            "\u{7f}\u{80}\u{ff}\u{7ff}\u{800}",
        ] {
            for position in 0..=filler.len() {
                if !filler.is_char_boundary(position) {
                    continue;
                }
                let (before, after) = filler.split_at(position);
                for stop in ["\u{0}", "\u{1f}", "\n", "\\x"] {
                    let document = format!("\"{before}{stop}{after}\"");
                    assert!(!is_well_formed(&document), "{document:?}");
                }
                let early_end = format!("\"{before}\"{after}\"");
                assert!(!is_well_formed(&early_end), "{early_end:?}");
                let escaped = format!("\"{before}\\n{after}\"");
                assert!(is_well_formed(&escaped), "{escaped:?}");
            }
        }
    }

    #[test]
    fn leaves_deep_nesting_to_serde() {
        let deep = |levels: usize| format!("{}{}", "[".repeat(levels), "]".repeat(levels));
        assert!(is_well_formed(&deep(MAX_LEVELS)));
        assert!(!is_well_formed(&deep(MAX_LEVELS + 1)));
        assert!(serde_accepts(&deep(MAX_LEVELS + 1)));
    }

    #[test]
    fn accepts_every_shared_payload_that_serde_accepts() {
        let shared = std::env::var_os("POSTSALE_SHARED_DIR").map_or_else(
            || std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared"),
            std::path::PathBuf::from,
        );
        let folder = shared.join("payloads");
        let mut checked = 0;
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_none_or(|extension| extension != "json") {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            assert_eq!(
                is_well_formed(&text),
                serde_accepts(&text),
                "{}",
                path.display()
            );
            checked += 1;
        }
        assert!(
            checked >= 5,
            "only {checked} payloads in {}",
            folder.display()
        );
    }

    /// Text made mostly of JSON's own characters, so that it is often nearly well formed.
    fn json_like() -> impl Strategy<Value = String> {
        proptest::collection::vec(
            prop_oneof![
                Just("{"),
                Just("}"),
                Just("["),
                Just("]"),
                Just(","),
                Just(":"),
                Just("\""),
                Just("\\"),
                Just("\\u"),
                Just("d800"),
                Just("dc00"),
                Just("00e9"),
                Just("0"),
                Just("1"),
                Just("-"),
                Just("."),
                Just("e"),
                Just("+"),
                Just("true"),
                Just("null"),
                Just(" "),
                Just("\n"),
                Just("\t"),
                Just("a"),
                Just("é"),
                Just("\u{1}"),
                Just("\u{1f}"),
                Just("plain text"),
                Just("ééééé"),
            ],
            0..40,
        )
        .prop_map(|parts| parts.concat())
    }

    fn json_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::from),
            any::<i64>().prop_map(Value::from),
            any::<f64>()
                .prop_filter("finite", |number| number.is_finite())
                .prop_map(Value::from),
            any::<String>().prop_map(Value::from),
        ];
        leaf.prop_recursive(6, 64, 8, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..8).prop_map(Value::from),
                proptest::collection::btree_map(any::<String>(), inner, 0..8)
                    .prop_map(|map| Value::Object(map.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4_000))]

        /// The scan never accepts what serde_json rejects, so it cannot change a result.
        #[test]
        fn accepts_only_what_serde_accepts(text in json_like()) {
            if is_well_formed(&text) {
                prop_assert!(serde_accepts(&text), "{text:?}");
            }
        }

        /// Every document serde_json writes, compact or pretty, passes the scan.
        #[test]
        fn accepts_what_serde_writes(value in json_value()) {
            let compact = serde_json::to_string(&value).unwrap();
            let pretty = serde_json::to_string_pretty(&value).unwrap();
            prop_assert!(is_well_formed(&compact), "{compact}");
            prop_assert!(is_well_formed(&pretty), "{pretty}");
        }
    }
}
