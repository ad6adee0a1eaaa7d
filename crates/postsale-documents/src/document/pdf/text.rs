//! Text measurement and glyph selection: picks, for each character, the first face that has a
//! glyph for it, measures widths, and records characters that no face has.
//!
//! Text in scripts that need shaping, such as Arabic and Hebrew, is put in visual order with
//! the Unicode Bidirectional Algorithm (`unicode-bidi`) and shaped with rustybuzz. So
//! right-to-left runs print right to left, and Arabic letters take their joined forms. Other
//! text maps each character to its glyph directly, without kerning.

use std::ops::Range;

use krilla::text::{Font, GlyphId, KrillaGlyph};
use rustybuzz::{Direction, UnicodeBuffer};
use ttf_parser::Face;
use unicode_bidi::BidiInfo;

use super::fonts::{FontFace, Fonts};

/// The weight a text is set in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Style {
    Regular,
    Bold,
}

/// A character that none of the configured fonts has a glyph for. It prints as the regular
/// font's placeholder glyph (usually an empty box).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingGlyph {
    pub character: char,
    /// The place the text is printed at, such as "line 3 name" or "ship to".
    pub place: String,
    /// The whole text the character is in.
    pub text: String,
}

struct LoadedFace<'a> {
    face: Face<'a>,
    shaper: rustybuzz::Face<'a>,
    font: Font,
    units_per_em: f32,
}

/// A stretch of text set in one face, with its glyphs.
pub(crate) struct Run<'s> {
    pub font: Font,
    pub text: &'s str,
    pub glyphs: Vec<KrillaGlyph>,
    /// Width in ems; multiply by the font size for points.
    pub width_em: f32,
}

/// The parsed faces of a [`Fonts`], in lookup order: regular, bold, then the fallbacks.
pub(crate) struct FaceSet<'a> {
    faces: Vec<LoadedFace<'a>>,
}

const REGULAR: usize = 0;
const BOLD: usize = 1;

impl<'a> FaceSet<'a> {
    pub fn new(fonts: &'a Fonts) -> FaceSet<'a> {
        let all = [&fonts.regular, &fonts.bold]
            .into_iter()
            .chain(&fonts.fallbacks);
        FaceSet {
            faces: all.map(load).collect(),
        }
    }

    /// Width of `text` in points, as [`FaceSet::runs`] sets it.
    pub fn width(&self, text: &str, style: Style, size: f32) -> f32 {
        if needs_shaping(text) {
            let runs = self.runs(text, style);
            return runs.iter().map(|run| run.width_em).sum::<f32>() * size;
        }
        text.chars()
            .map(|character| self.advance_em(character, style))
            .sum::<f32>()
            * size
    }

    /// Characters of `text` that no face has a glyph for, each once, in order.
    pub fn missing_characters(&self, text: &str) -> Vec<char> {
        let mut missing: Vec<char> = Vec::new();
        for character in text.chars() {
            let absent = self.pick(character, Style::Regular).is_none();
            if absent && !character.is_whitespace() && !missing.contains(&character) {
                missing.push(character);
            }
        }
        missing
    }

    /// Splits one line of `text` into runs of one face each, in visual order from left to
    /// right, with glyph ids and advances for krilla.
    pub fn runs<'s>(&self, text: &'s str, style: Style) -> Vec<Run<'s>> {
        if !needs_shaping(text) {
            return self
                .face_ranges(text, style)
                .into_iter()
                .map(|(range, face)| self.run(&text[range], face))
                .collect();
        }

        let bidi = BidiInfo::new(text, None);
        let mut runs = Vec::new();
        for paragraph in &bidi.paragraphs {
            let (levels, visual_ranges) = bidi.visual_runs(paragraph, paragraph.range.clone());
            for visual in visual_ranges {
                let right_to_left = levels[visual.start].is_rtl();
                let mut pieces = self.face_ranges(&text[visual.clone()], style);
                // Within a right-to-left run, the logically first piece is the rightmost.
                if right_to_left {
                    pieces.reverse();
                }
                for (range, face) in pieces {
                    let piece = &text[visual.start + range.start..visual.start + range.end];
                    runs.push(self.shaped_run(piece, face, right_to_left));
                }
            }
        }
        runs
    }

    /// Splits `text` into byte ranges that one face prints, each with that face's index.
    fn face_ranges(&self, text: &str, style: Style) -> Vec<(Range<usize>, usize)> {
        let mut ranges: Vec<(Range<usize>, usize)> = Vec::new();
        let mut current: Option<(usize, usize)> = None;

        for (offset, character) in text.char_indices() {
            let face = self
                .pick(character, style)
                .map_or(primary(style), |(face, _)| face);
            if let Some((start, run_face)) = current
                && run_face != face
            {
                ranges.push((start..offset, run_face));
                current = None;
            }
            current.get_or_insert((offset, face));
        }
        if let Some((start, face)) = current {
            ranges.push((start..text.len(), face));
        }
        ranges
    }

    /// Shapes `text` in one face with rustybuzz. The glyphs come back in visual order, and
    /// each carries the byte range of the characters it stands for, so that text extraction
    /// maps joined forms and ligatures back to the characters.
    fn shaped_run<'s>(&self, text: &'s str, face_index: usize, right_to_left: bool) -> Run<'s> {
        let loaded = &self.faces[face_index];
        let mut buffer = UnicodeBuffer::new();
        buffer.push_str(text);
        buffer.set_direction(if right_to_left {
            Direction::RightToLeft
        } else {
            Direction::LeftToRight
        });
        buffer.guess_segment_properties();
        let shaped = rustybuzz::shape(&loaded.shaper, &[], buffer);

        // A cluster runs from its first byte to the first byte of the next cluster in logical
        // order, whichever direction the glyphs are in.
        let mut cluster_starts: Vec<usize> = shaped
            .glyph_infos()
            .iter()
            .map(|info| info.cluster as usize)
            .collect();
        cluster_starts.sort_unstable();
        cluster_starts.dedup();

        let units = loaded.units_per_em;
        let mut glyphs = Vec::with_capacity(shaped.len());
        let mut width_em = 0.0;
        for (info, position) in shaped.glyph_infos().iter().zip(shaped.glyph_positions()) {
            let start = info.cluster as usize;
            let next = cluster_starts.partition_point(|&cluster| cluster <= start);
            let end = cluster_starts.get(next).copied().unwrap_or(text.len());
            let advance_em = position.x_advance as f32 / units;
            width_em += advance_em;
            glyphs.push(KrillaGlyph::new(
                GlyphId::new(info.glyph_id),
                advance_em,
                position.x_offset as f32 / units,
                position.y_offset as f32 / units,
                position.y_advance as f32 / units,
                start..end,
                None,
            ));
        }
        Run {
            font: loaded.font.clone(),
            text,
            glyphs,
            width_em,
        }
    }

    fn run<'s>(&self, text: &'s str, face_index: usize) -> Run<'s> {
        let loaded = &self.faces[face_index];
        let mut glyphs = Vec::with_capacity(text.len());
        let mut width_em = 0.0;

        for (offset, character) in text.char_indices() {
            let glyph = glyph_of(loaded, character);
            let advance = loaded.face.glyph_hor_advance(glyph).unwrap_or(0);
            let advance_em = f32::from(advance) / loaded.units_per_em;
            width_em += advance_em;

            let range: Range<usize> = offset..offset + character.len_utf8();
            let id = GlyphId::new(u32::from(glyph.0));
            glyphs.push(KrillaGlyph::new(id, advance_em, 0.0, 0.0, 0.0, range, None));
        }
        Run {
            font: loaded.font.clone(),
            text,
            glyphs,
            width_em,
        }
    }

    fn advance_em(&self, character: char, style: Style) -> f32 {
        let (index, glyph) = self
            .pick(character, style)
            .unwrap_or((primary(style), ttf_parser::GlyphId(0)));
        let loaded = &self.faces[index];
        f32::from(loaded.face.glyph_hor_advance(glyph).unwrap_or(0)) / loaded.units_per_em
    }

    /// Finds the first face, in lookup order for `style`, that has a glyph for `character`.
    fn pick(&self, character: char, style: Style) -> Option<(usize, ttf_parser::GlyphId)> {
        let first = [primary(style), REGULAR];
        let order = first.into_iter().chain(2..self.faces.len());
        order
            .filter_map(|index| Some((index, self.faces[index].face.glyph_index(character)?)))
            .next()
    }
}

fn primary(style: Style) -> usize {
    match style {
        Style::Regular => REGULAR,
        Style::Bold => BOLD,
    }
}

/// Looks up the glyph for `character` in `loaded`, falling back to the placeholder glyph 0
/// when the face lacks it. Whitespace without a glyph becomes the face's space.
fn glyph_of(loaded: &LoadedFace<'_>, character: char) -> ttf_parser::GlyphId {
    let glyph = loaded.face.glyph_index(character);
    match glyph {
        Some(glyph) => glyph,
        None if character.is_whitespace() => loaded
            .face
            .glyph_index(' ')
            .unwrap_or(ttf_parser::GlyphId(0)),
        None => ttf_parser::GlyphId(0),
    }
}

fn load(face: &FontFace) -> LoadedFace<'_> {
    let parsed = Face::parse(face.data.as_ref(), face.index)
        .expect("faces are checked to parse when a Fonts value is built");
    let font = krilla::text::Font::new(face.data.clone(), face.index)
        .expect("faces are checked to load in krilla when a Fonts value is built");
    let units_per_em = f32::from(parsed.units_per_em());
    LoadedFace {
        shaper: rustybuzz::Face::from_face(parsed.clone()),
        face: parsed,
        font,
        units_per_em,
    }
}

/// Returns whether `text` has a character of a script that is written right to left or whose
/// letters change form with their neighbours. These are the blocks from U+0590 to U+08FF
/// (Hebrew, Arabic, Syriac, Thaana, N'Ko and others), the Indic and Southeast Asian blocks
/// from U+0900 to U+109F, Khmer, the Hebrew and Arabic presentation forms, the right-to-left
/// mark, and the historic right-to-left scripts from U+10800.
fn needs_shaping(text: &str) -> bool {
    text.chars().any(|character| {
        matches!(
            u32::from(character),
            0x0590..=0x08FF
                | 0x0900..=0x109F
                | 0x1780..=0x17FF
                | 0x200F
                | 0xFB1D..=0xFDFF
                | 0xFE70..=0xFEFF
                | 0x10800..=0x10FFF
                | 0x1E800..=0x1EFFF
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Lists the glyphs of a text as (glyph id, the characters it stands for), left to right.
    fn glyphs(faces: &FaceSet<'_>, text: &str) -> Vec<(u32, String)> {
        faces
            .runs(text, Style::Regular)
            .iter()
            .flat_map(|run| {
                run.glyphs.iter().map(|glyph| {
                    (
                        glyph.glyph_id.to_u32(),
                        run.text[glyph.text_range.clone()].to_owned(),
                    )
                })
            })
            .collect()
    }

    fn nominal_glyph(faces: &FaceSet<'_>, character: char) -> u32 {
        u32::from(faces.faces[REGULAR].face.glyph_index(character).unwrap().0)
    }

    #[test]
    fn arabic_runs_right_to_left_in_joined_forms() {
        let fonts = Fonts::embedded();
        let faces = FaceSet::new(&fonts);
        // "Muhammad": meem, hah, meem, dal; the first three join to the following letter.
        let name = "\u{645}\u{62D}\u{645}\u{62F}";

        let shaped = glyphs(&faces, name);

        let order: String = shaped.iter().map(|(_, text)| text.as_str()).collect();
        let reversed: String = name.chars().rev().collect();
        assert_eq!(order, reversed, "glyphs are not in visual order");
        let first_meem = shaped.last().unwrap();
        assert_eq!(first_meem.1, "\u{645}");
        assert_ne!(
            first_meem.0,
            nominal_glyph(&faces, '\u{645}'),
            "the initial meem kept its isolated form"
        );
        let hah = &shaped[shaped.len() - 2];
        assert_ne!(
            hah.0,
            nominal_glyph(&faces, '\u{62D}'),
            "hah kept its isolated form"
        );
    }

    #[test]
    fn hebrew_runs_right_to_left() {
        let fonts = Fonts::embedded();
        let faces = FaceSet::new(&fonts);
        let name = "\u{5D3}\u{5D5}\u{5D3} \u{5DB}\u{5D4}\u{5DF}";

        let order: String = glyphs(&faces, name)
            .into_iter()
            .map(|(_, text)| text)
            .collect();

        assert_eq!(order, name.chars().rev().collect::<String>());
    }

    #[test]
    fn mixed_line_keeps_latin_left_to_right() {
        let fonts = Fonts::embedded();
        let faces = FaceSet::new(&fonts);
        // "Dani", between Latin words: only the Hebrew word turns around.
        let text = "Ship to \u{5D3}\u{5E0}\u{5D9}, Tel Aviv";

        let order: String = glyphs(&faces, text)
            .into_iter()
            .map(|(_, text)| text)
            .collect();

        assert_eq!(order, "Ship to \u{5D9}\u{5E0}\u{5D3}, Tel Aviv");
    }

    #[test]
    fn shaped_width_matches_runs() {
        let fonts = Fonts::embedded();
        let faces = FaceSet::new(&fonts);
        let name = "\u{645}\u{62D}\u{645}\u{62F}";

        let width = faces.width(name, Style::Regular, 10.0);
        let runs: f32 = faces
            .runs(name, Style::Regular)
            .iter()
            .map(|run| run.width_em)
            .sum();

        assert!(width > 0.0);
        assert!((width - runs * 10.0).abs() < 0.001, "{width} vs {runs}");
    }

    #[test]
    fn latin_text_needs_no_shaping() {
        assert!(!needs_shaping("Jane Example, 12 Main St"));
        assert!(!needs_shaping("\u{6E2C}\u{8A66}"));
        assert!(needs_shaping("Jane \u{5D3}"));
        assert!(needs_shaping("\u{645}"));
    }
}
