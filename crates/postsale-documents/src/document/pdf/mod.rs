//! The invoice and packing slip as PDF files, set in embedded fonts with fallbacks, with every
//! character that no font has reported to the caller.

mod draw;
mod fonts;
mod layout;
mod text;
mod wrap;

use krilla::image::Image;

pub use fonts::{FontError, Fonts, KNOWN_CJK_FONT_PATHS};
pub use text::MissingGlyph;

use super::DocumentKind;
use super::model::{DocumentOrder, LogoImage};
use super::paper::Paper;
use crate::logo::{DetectedFormat, detect_format};
use text::FaceSet;

/// A rendered PDF file.
#[derive(Clone, PartialEq, Eq)]
pub struct PdfDocument {
    pub bytes: Vec<u8>,
    pub page_count: usize,
    /// Characters that no configured font could print, each with the place it was printed at.
    /// They print as the placeholder glyph. One `warn` line already lists them by code point.
    pub missing_glyphs: Vec<MissingGlyph>,
}

impl std::fmt::Debug for PdfDocument {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PdfDocument")
            .field("bytes", &self.bytes.len())
            .field("page_count", &self.page_count)
            .field("missing_glyphs", &self.missing_glyphs)
            .finish()
    }
}

/// An error writing a PDF.
#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    #[error("writing the PDF failed: {message}; report this with the order that caused it")]
    Write { message: String },
}

/// Renders the invoice ("Invoice with Logo") as a PDF on pages of `paper`.
pub fn render_invoice_pdf(
    order: &DocumentOrder,
    fonts: &Fonts,
    paper: Paper,
) -> Result<PdfDocument, PdfError> {
    render_pdf(order, fonts, DocumentKind::Invoice, paper)
}

/// Renders the packing slip as a PDF on pages of `paper`: SKU, name and quantity of each
/// line, no prices.
pub fn render_packing_slip_pdf(
    order: &DocumentOrder,
    fonts: &Fonts,
    paper: Paper,
) -> Result<PdfDocument, PdfError> {
    render_pdf(order, fonts, DocumentKind::PackingSlip, paper)
}

fn render_pdf(
    order: &DocumentOrder,
    fonts: &Fonts,
    kind: DocumentKind,
    paper: Paper,
) -> Result<PdfDocument, PdfError> {
    let faces = FaceSet::new(fonts);
    let logo = order.store.logo.as_ref().and_then(load_logo);
    let logo_size = logo.as_ref().map(Image::size);

    let laid = layout::lay_out(&faces, order, kind, logo_size, paper);
    let title = format!("{} {}", kind.title(), order.order_number);
    let bytes = draw::draw(&laid.pages, &faces, logo.as_ref(), &title, paper)?;

    log_missing_glyphs(&order.order_number, &laid.missing);
    Ok(PdfDocument {
        bytes,
        page_count: laid.pages.len(),
        missing_glyphs: laid.missing,
    })
}

/// Logs one line for all missing glyphs of a document, with each character once, so that a
/// long order in an uncovered script does not flood the log.
fn log_missing_glyphs(order_number: &str, missing: &[MissingGlyph]) {
    if missing.is_empty() {
        return;
    }
    let mut characters: Vec<char> = missing.iter().map(|glyph| glyph.character).collect();
    characters.sort_unstable();
    characters.dedup();

    let codes: Vec<String> = characters
        .iter()
        .map(|c| format!("U+{:04X}", u32::from(*c)))
        .collect();
    tracing::warn!(
        order.number = %order_number,
        characters = %codes.join(" "),
        places = missing.len(),
        "no configured font has glyphs for these characters; they print as placeholder boxes"
    );
}

/// Loads the logo for krilla when it is a PNG or JPEG of its declared type. A logo that fails
/// is left out and logged, so the document still prints.
fn load_logo(logo: &LogoImage) -> Option<Image> {
    let data = krilla::Data::from(logo.bytes.clone());
    let loaded = match (logo.content_type.as_str(), detect_format(&logo.bytes)) {
        ("image/png", DetectedFormat::Png) => Image::from_png(data, true),
        ("image/jpeg", DetectedFormat::Jpeg) => Image::from_jpeg(data, true),
        (content_type, detected) => Err(format!(
            "declared as {content_type} but the bytes are {detected}"
        )),
    };
    match loaded {
        Ok(image) => Some(image),
        Err(error) => {
            tracing::warn!(%error, "logo left out of the PDF");
            None
        }
    }
}
