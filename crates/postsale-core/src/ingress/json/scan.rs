//! A single pass over a JSON document that reports only whether it is well formed.
//!
//! Ingress checks every kept body, and reading it through `serde_json` took a tenth of the
//! server's time per request in the ingest benchmark. This pass keeps nothing and allocates
//! nothing. It accepts only what `serde_json` accepts: the grammar of RFC 8259, strings without
//! control characters or lone surrogate escapes, and nesting up to [`MAX_LEVELS`], which is below
//! `serde_json`'s limit. A document it rejects is read by `serde_json`, which gives the reason,
//! so a rejection here never decides the result by itself.

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
    let mut scanner = Scanner {
        bytes: text.as_bytes(),
        at: 0,
    };
    scanner.skip_space();
    if !scanner.value(0) {
        return false;
    }
    scanner.skip_space();
    scanner.at == scanner.bytes.len()
}

struct Scanner<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Scanner<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn skip_space(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.at += 1;
        }
    }

    /// Reads one value that starts at the current byte, inside `levels` arrays and objects.
    fn value(&mut self, levels: usize) -> bool {
        match self.peek() {
            Some(b'{') => self.object(levels + 1),
            Some(b'[') => self.array(levels + 1),
            Some(b'"') => self.string(),
            Some(b't') => self.word(b"true"),
            Some(b'f') => self.word(b"false"),
            Some(b'n') => self.word(b"null"),
            Some(b'-' | b'0'..=b'9') => self.number(),
            _ => false,
        }
    }

    fn object(&mut self, levels: usize) -> bool {
        self.sequence(levels, b'}', |scanner| scanner.member(levels))
    }

    fn array(&mut self, levels: usize) -> bool {
        self.sequence(levels, b']', |scanner| scanner.value(levels))
    }

    /// Reads an object's or array's elements, separated by commas, from its opening bracket
    /// to `close`.
    fn sequence(
        &mut self,
        levels: usize,
        close: u8,
        mut element: impl FnMut(&mut Self) -> bool,
    ) -> bool {
        if levels > MAX_LEVELS {
            return false;
        }
        self.at += 1;
        self.skip_space();
        if self.peek() == Some(close) {
            self.at += 1;
            return true;
        }
        loop {
            if !element(self) {
                return false;
            }
            self.skip_space();
            match self.peek() {
                Some(b',') => {
                    self.at += 1;
                    self.skip_space();
                }
                Some(byte) if byte == close => {
                    self.at += 1;
                    return true;
                }
                _ => return false,
            }
        }
    }

    /// Reads an object member: a string key, a colon and a value.
    fn member(&mut self, levels: usize) -> bool {
        if self.peek() != Some(b'"') || !self.string() {
            return false;
        }
        self.skip_space();
        if self.peek() != Some(b':') {
            return false;
        }
        self.at += 1;
        self.skip_space();
        self.value(levels)
    }

    /// Reads a string from its opening quote to its closing one.
    fn string(&mut self) -> bool {
        self.at += 1;
        loop {
            self.skip_plain_words();
            while self
                .peek()
                .is_some_and(|byte| !STRING_STOP[usize::from(byte)])
            {
                self.at += 1;
            }
            match self.peek() {
                Some(b'"') => {
                    self.at += 1;
                    return true;
                }
                Some(b'\\') => {
                    if !self.escape() {
                        return false;
                    }
                }
                // A control character, or the end of the document.
                _ => return false,
            }
        }
    }

    /// Skips eight bytes at a time while none of them is a quote, a backslash or a control
    /// character. Each test below leaves a high bit set only if the word contains such a byte,
    /// because `x - 1` borrows only through a zero byte and `x - 0x20` only through a byte
    /// below 0x20. Bytes of 0x80 and above are masked out by `!x`.
    fn skip_plain_words(&mut self) {
        const ONES: u64 = u64::from_le_bytes([1; 8]);
        const HIGH_BITS: u64 = u64::from_le_bytes([0x80; 8]);
        let zero_byte = |word: u64| word.wrapping_sub(ONES) & !word;
        while let Some(chunk) = self.bytes.get(self.at..self.at + 8) {
            let Ok(chunk) = <[u8; 8]>::try_from(chunk) else {
                return;
            };
            let word = u64::from_le_bytes(chunk);
            let stops = zero_byte(word ^ (ONES * u64::from(b'"')))
                | zero_byte(word ^ (ONES * u64::from(b'\\')))
                | (word.wrapping_sub(ONES * 0x20) & !word);
            if stops & HIGH_BITS != 0 {
                return;
            }
            self.at += 8;
        }
    }

    /// Reads an escape from its backslash. A `\u` escape of a surrogate must be the leading
    /// half of a pair, followed at once by the escape of the trailing half.
    fn escape(&mut self) -> bool {
        self.at += 1;
        match self.peek() {
            Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => {
                self.at += 1;
                true
            }
            Some(b'u') => match self.code_unit() {
                Some(0xD800..=0xDBFF) => {
                    if self.bytes.get(self.at..self.at + 2) != Some(b"\\u") {
                        return false;
                    }
                    self.at += 1;
                    matches!(self.code_unit(), Some(0xDC00..=0xDFFF))
                }
                Some(0xDC00..=0xDFFF) | None => false,
                Some(_) => true,
            },
            _ => false,
        }
    }

    /// Reads `u` and four hex digits, and returns the code unit they spell.
    fn code_unit(&mut self) -> Option<u16> {
        let digits = self.bytes.get(self.at + 1..self.at + 5)?;
        let mut unit = 0u16;
        for &digit in digits {
            let value = char::from(digit).to_digit(16)?;
            unit = unit * 16 + u16::try_from(value).ok()?;
        }
        self.at += 5;
        Some(unit)
    }

    fn word(&mut self, word: &[u8]) -> bool {
        if self.bytes.get(self.at..self.at + word.len()) == Some(word) {
            self.at += word.len();
            true
        } else {
            false
        }
    }

    /// Reads `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
    fn number(&mut self) -> bool {
        if self.peek() == Some(b'-') {
            self.at += 1;
        }
        match self.peek() {
            Some(b'0') => self.at += 1,
            Some(b'1'..=b'9') => self.digits(),
            _ => return false,
        }
        if self.peek() == Some(b'.') {
            self.at += 1;
            if !self.peek().is_some_and(|byte| byte.is_ascii_digit()) {
                return false;
            }
            self.digits();
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.at += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.at += 1;
            }
            if !self.peek().is_some_and(|byte| byte.is_ascii_digit()) {
                return false;
            }
            self.digits();
        }
        true
    }

    fn digits(&mut self) {
        while self.peek().is_some_and(|byte| byte.is_ascii_digit()) {
            self.at += 1;
        }
    }
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
