//! Fitting text into a column: line wrapping at spaces (or anywhere in text without spaces,
//! such as CJK or a long SKU) and shortening with an ellipsis.

use super::text::{FaceSet, Style};

const ELLIPSIS: &str = "\u{2026}";

/// A font style and size, the two things a width depends on.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TextStyle {
    pub style: Style,
    pub size: f32,
}

/// Wraps `text` into at most `max_lines` lines, each at most `max_width` points wide. When
/// text is left over, the last line ends with an ellipsis.
pub(crate) fn wrap(
    faces: &FaceSet<'_>,
    text: &str,
    style: TextStyle,
    max_width: f32,
    max_lines: usize,
) -> Vec<String> {
    let cleaned = clean(text);
    let mut rest = cleaned.trim();
    let mut lines = Vec::new();

    while !rest.is_empty() && lines.len() < max_lines {
        if lines.len() + 1 == max_lines {
            lines.push(fit(faces, rest, style, max_width));
            break;
        }
        let end = break_point(faces, rest, style, max_width);
        lines.push(rest[..end].trim_end().to_owned());
        rest = rest[end..].trim_start();
    }
    lines
}

/// Wraps each line of `text` as its own paragraph, up to `max_lines` lines in all. When
/// paragraphs are left over, the last line ends with an ellipsis.
pub(crate) fn wrap_paragraphs(
    faces: &FaceSet<'_>,
    text: &str,
    style: TextStyle,
    max_width: f32,
    max_lines: usize,
) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for paragraph in text.lines().filter(|line| !line.trim().is_empty()) {
        if lines.len() == max_lines {
            if let Some(last) = lines.pop() {
                lines.push(fit(faces, &format!("{last} {ELLIPSIS}"), style, max_width));
            }
            break;
        }
        lines.extend(wrap(
            faces,
            paragraph,
            style,
            max_width,
            max_lines - lines.len(),
        ));
    }
    lines
}

/// Returns `text` on one line, shortened with an ellipsis if it is wider than `max_width`.
pub(crate) fn fit(faces: &FaceSet<'_>, text: &str, style: TextStyle, max_width: f32) -> String {
    let cleaned = clean(text);
    if faces.width(&cleaned, style.style, style.size) <= max_width {
        return cleaned;
    }

    let room = max_width - faces.width(ELLIPSIS, style.style, style.size);
    let mut used = 0.0;
    let mut end = 0;
    for (offset, character) in cleaned.char_indices() {
        used += faces.width(character.encode_utf8(&mut [0; 4]), style.style, style.size);
        if used > room {
            break;
        }
        end = offset + character.len_utf8();
    }

    if room < 0.0 {
        return String::new();
    }
    format!("{}{ELLIPSIS}", cleaned[..end].trim_end())
}

/// Returns `text` on one line at the largest size, down to `min_size`, that fits `max_width`,
/// so that numbers such as amounts print whole. Text too wide even at `min_size` is shortened
/// with an ellipsis.
pub(crate) fn shrink_to_fit(
    faces: &FaceSet<'_>,
    text: &str,
    style: TextStyle,
    max_width: f32,
    min_size: f32,
) -> (String, TextStyle) {
    let cleaned = clean(text);
    let width = faces.width(&cleaned, style.style, style.size);
    if width <= max_width {
        return (cleaned, style);
    }

    // Widths grow linearly with the size; the factor keeps rounding from overshooting.
    let size = (style.size * max_width / width * 0.999).max(min_size);
    let smaller = TextStyle { size, ..style };
    (fit(faces, &cleaned, smaller, max_width), smaller)
}

/// Finds the byte offset at which the first line of `text` ends: after the last space that keeps the
/// line within `max_width`, or else before the first character that does not fit, but always
/// after at least one character.
// NOTE: widths here add up characters one by one. For shaped text (Arabic joined forms) the
// printed line can be slightly wider or narrower than this sum, so a wrapped Arabic line may
// end a little past or short of `max_width`.
fn break_point(faces: &FaceSet<'_>, text: &str, style: TextStyle, max_width: f32) -> usize {
    let mut used = 0.0;
    let mut last_space = None;

    for (offset, character) in text.char_indices() {
        if character.is_whitespace() {
            last_space = Some(offset);
        }
        used += faces.width(character.encode_utf8(&mut [0; 4]), style.style, style.size);
        if used > max_width {
            return match last_space {
                Some(space) if space > 0 => space,
                _ if offset == 0 => character.len_utf8(),
                _ => offset,
            };
        }
    }
    text.len()
}

/// Replaces control characters, such as line breaks and tabs, with spaces.
fn clean(text: &str) -> String {
    text.chars()
        .map(|character| {
            if character.is_control() {
                ' '
            } else {
                character
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::fonts::Fonts;
    use super::*;

    const BODY: TextStyle = TextStyle {
        style: Style::Regular,
        size: 10.0,
    };

    #[test]
    fn short_text_stays_on_one_line() {
        let fonts = Fonts::embedded();
        let faces = FaceSet::new(&fonts);
        assert_eq!(
            wrap(&faces, "Green Snowboard", BODY, 200.0, 3),
            ["Green Snowboard"]
        );
    }

    #[test]
    fn long_text_wraps_with_ellipsis() {
        let fonts = Fonts::embedded();
        let faces = FaceSet::new(&fonts);
        let text = "word ".repeat(100);

        let lines = wrap(&faces, &text, BODY, 100.0, 3);

        assert_eq!(lines.len(), 3);
        for line in &lines {
            assert!(faces.width(line, Style::Regular, 10.0) <= 100.0, "{line:?}");
        }
        assert!(lines[0].ends_with("word"), "{:?}", lines[0]);
        assert!(lines[2].ends_with(ELLIPSIS), "{:?}", lines[2]);
    }

    #[test]
    fn text_without_spaces_breaks_anywhere() {
        let fonts = Fonts::embedded();
        let faces = FaceSet::new(&fonts);
        let sku = "X".repeat(80);

        let lines = wrap(&faces, &sku, BODY, 60.0, 2);

        assert_eq!(lines.len(), 2);
        assert!(
            lines
                .iter()
                .all(|line| faces.width(line, Style::Regular, 10.0) <= 60.0)
        );
    }

    #[test]
    fn fit_in_tiny_column_gives_nothing() {
        let fonts = Fonts::embedded();
        let faces = FaceSet::new(&fonts);
        assert_eq!(fit(&faces, "Product", BODY, 1.0), "");
    }

    #[test]
    fn paragraphs_keep_line_breaks_and_mark_the_cut() {
        let fonts = Fonts::embedded();
        let faces = FaceSet::new(&fonts);

        let lines = wrap_paragraphs(&faces, "one\n\ntwo\nthree", BODY, 200.0, 5);
        assert_eq!(lines, ["one", "two", "three"]);

        let lines = wrap_paragraphs(&faces, "one\ntwo\nthree", BODY, 200.0, 2);
        assert_eq!(lines, ["one", "two \u{2026}"]);
    }

    #[test]
    fn shrink_keeps_numbers_whole() {
        let fonts = Fonts::embedded();
        let faces = FaceSet::new(&fonts);

        let (text, style) = shrink_to_fit(&faces, "1,234,567,890.12", BODY, 50.0, 4.0);
        assert_eq!(text, "1,234,567,890.12");
        assert!(style.size < 10.0);
        assert!(faces.width(&text, style.style, style.size) <= 50.0);

        let (text, style) = shrink_to_fit(&faces, "1,234,567,890.12", BODY, 20.0, 4.0);
        assert!(text.ends_with(ELLIPSIS), "{text}");
        assert_eq!(style.size, 4.0);
    }

    #[test]
    fn control_characters_become_spaces() {
        let fonts = Fonts::embedded();
        let faces = FaceSet::new(&fonts);
        assert_eq!(wrap(&faces, "a\nb\tc", BODY, 200.0, 1), ["a b c"]);
    }
}
