//! Drawing of laid-out pages with krilla: text as embedded, subset fonts, rectangles and the
//! logo image.

use krilla::color::luma;
use krilla::geom::{PathBuilder, Point, Rect, Size, Transform};
use krilla::image::Image;
use krilla::metadata::Metadata;
use krilla::num::NormalizedF32;
use krilla::page::PageSettings;
use krilla::paint::{Fill, FillRule};
use krilla::surface::Surface;
use krilla::{Document, SerializeSettings};

use super::super::paper::Paper;
use super::PdfError;
use super::layout::Op;
use super::text::FaceSet;

/// Writes the pages as a PDF file titled `title`, on pages of `paper`.
pub(crate) fn draw(
    pages: &[Vec<Op>],
    faces: &FaceSet<'_>,
    logo: Option<&Image>,
    title: &str,
    paper: Paper,
) -> Result<Vec<u8>, PdfError> {
    let mut document = Document::new_with(SerializeSettings::default());
    document.set_metadata(
        Metadata::new()
            .title(title.to_owned())
            .creator("postsale".to_owned()),
    );

    let (width, height) = paper.size_points();
    let settings = PageSettings::from_wh(width, height).expect("A4 and Letter are valid sizes");
    for ops in pages {
        let mut page = document.start_page_with(settings.clone());
        let mut surface = page.surface();
        for op in ops {
            draw_op(&mut surface, op, faces, logo);
        }
        surface.finish();
        page.finish();
    }

    document.finish().map_err(|error| PdfError::Write {
        message: format!("{error:?}"),
    })
}

fn draw_op(surface: &mut Surface<'_>, op: &Op, faces: &FaceSet<'_>, logo: Option<&Image>) {
    match op {
        Op::Text {
            x,
            baseline,
            text,
            style,
            gray,
        } => {
            surface.set_fill(Some(gray_fill(*gray)));
            let mut x = *x;
            for run in faces.runs(text, style.style) {
                let start = Point::from_xy(x, *baseline);
                surface.draw_glyphs(start, &run.glyphs, run.font, run.text, style.size, false);
                x += run.width_em * style.size;
            }
        }
        Op::Rect {
            x,
            y,
            width,
            height,
            gray,
        } => {
            let Some(rect) = Rect::from_xywh(*x, *y, *width, *height) else {
                return;
            };
            let mut builder = PathBuilder::new();
            builder.push_rect(rect);
            if let Some(path) = builder.finish() {
                surface.set_fill(Some(gray_fill(*gray)));
                surface.draw_path(&path);
            }
        }
        Op::Logo {
            x,
            y,
            width,
            height,
        } => {
            let (Some(image), Some(size)) = (logo, Size::from_wh(*width, *height)) else {
                return;
            };
            surface.push_transform(&Transform::from_translate(*x, *y));
            surface.draw_image(image.clone(), size);
            surface.pop();
        }
    }
}

fn gray_fill(gray: u8) -> Fill {
    Fill {
        paint: luma::Color::new(gray).into(),
        opacity: NormalizedF32::ONE,
        rule: FillRule::NonZero,
    }
}
