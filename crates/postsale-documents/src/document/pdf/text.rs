//! Text measurement and glyph selection: picks, for each character, the first face that has a
//! glyph for it, measures widths, wraps and shortens text to a width, and records characters
//! that no face has.

use std::ops::Range;

use krilla::text::{Font, GlyphId, KrillaGlyph};
use ttf_parser::Face;

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

    /// Width of `text` in points.
    pub fn width(&self, text: &str, style: Style, size: f32) -> f32 {
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

    /// Splits `text` into runs of one face each, with glyph ids and advances for krilla.
    // NOTE: each character maps to one glyph without shaping (no kerning, ligatures or
    // contextual forms), so Arabic prints in isolated forms and right-to-left text prints left
    // to right.
    pub fn runs<'s>(&self, text: &'s str, style: Style) -> Vec<Run<'s>> {
        let mut runs: Vec<Run<'s>> = Vec::new();
        let mut current: Option<(usize, usize)> = None;

        for (offset, character) in text.char_indices() {
            let face = self
                .pick(character, style)
                .map_or(primary(style), |(face, _)| face);
            if let Some((start, run_face)) = current
                && run_face != face
            {
                runs.push(self.run(&text[start..offset], run_face));
                current = None;
            }
            current.get_or_insert((offset, face));
        }
        if let Some((start, face)) = current {
            runs.push(self.run(&text[start..], face));
        }
        runs
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
        face: parsed,
        font,
        units_per_em,
    }
}
