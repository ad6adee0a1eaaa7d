//! Page layout of the PDF documents: places the header, addresses, the lines table (its header
//! repeated on every page), totals, notes and page footers as drawing operations, page by page.

use super::super::model::{Address, DocumentOrder, Line};
use super::super::money::format_amount;
use super::super::paper::Paper;
use super::super::{DocumentKind, TotalRow, totals};
use super::text::{FaceSet, MissingGlyph, Style};
use super::wrap::{TextStyle, fit, shrink_to_fit, wrap, wrap_paragraphs};

const MARGIN: f32 = 40.0;
/// Room between the lowest body content and the page margin, for the footer.
const FOOTER_ROOM: f32 = 18.0;
const CELL_PADDING: f32 = 4.0;
const LOGO_MAX: (f32, f32) = (160.0, 60.0);
const NOTE_MAX_LINES: usize = 60;
/// Smallest size that numbers shrink to before they are shortened.
const MIN_NUMBER_SIZE: f32 = 5.5;

const BODY: TextStyle = TextStyle {
    style: Style::Regular,
    size: 9.0,
};
const BODY_BOLD: TextStyle = TextStyle {
    style: Style::Bold,
    size: 9.0,
};
const SMALL: TextStyle = TextStyle {
    style: Style::Regular,
    size: 7.5,
};
const LABEL: TextStyle = TextStyle {
    style: Style::Bold,
    size: 7.5,
};
const STORE_NAME: TextStyle = TextStyle {
    style: Style::Bold,
    size: 12.0,
};
const TITLE: TextStyle = TextStyle {
    style: Style::Bold,
    size: 18.0,
};

/// One drawing operation. Coordinates are points from the top-left corner of the page.
#[derive(Debug, Clone)]
pub(crate) enum Op {
    Text {
        x: f32,
        baseline: f32,
        text: String,
        style: TextStyle,
        gray: u8,
    },
    Rect {
        x: f32,
        y: f32,
        width: f32,
        height: f32,
        gray: u8,
    },
    Logo {
        x: f32,
        y: f32,
        width: f32,
        height: f32,
    },
}

/// The laid-out document.
pub(crate) struct Laid {
    pub pages: Vec<Vec<Op>>,
    pub missing: Vec<MissingGlyph>,
}

/// A column of the lines table.
struct Column {
    heading: &'static str,
    width: f32,
    numeric: bool,
}

/// Lays out `order` as `kind`. `logo_size` is the logo's size in pixels when it is printed.
pub(crate) fn lay_out(
    faces: &FaceSet<'_>,
    order: &DocumentOrder,
    kind: DocumentKind,
    logo_size: Option<(u32, u32)>,
    paper: Paper,
) -> Laid {
    let mut layout = Layout {
        faces,
        order,
        kind,
        paper,
        pages: vec![Vec::new()],
        page: 0,
        y: MARGIN,
        missing: vec![],
    };

    layout.header(logo_size);
    layout.addresses();
    layout.lines_table();
    if kind == DocumentKind::Invoice {
        layout.totals(&totals(order));
    }
    layout.notes();
    layout.footers();

    Laid {
        pages: layout.pages,
        missing: layout.missing,
    }
}

struct Layout<'a, 'f> {
    faces: &'a FaceSet<'f>,
    order: &'a DocumentOrder,
    kind: DocumentKind,
    paper: Paper,
    pages: Vec<Vec<Op>>,
    /// Index of the page that operations go to.
    page: usize,
    /// Top of the free space on the current page.
    y: f32,
    missing: Vec<MissingGlyph>,
}

impl Layout<'_, '_> {
    fn page_height(&self) -> f32 {
        self.paper.size_points().1
    }

    fn content_width(&self) -> f32 {
        self.paper.size_points().0 - 2.0 * MARGIN
    }

    /// Returns the x of the right margin.
    fn right(&self) -> f32 {
        MARGIN + self.content_width()
    }

    /// Returns the lowest y of body content. The footer sits below it.
    fn bottom(&self) -> f32 {
        self.page_height() - MARGIN - FOOTER_ROOM
    }

    fn header(&mut self, logo_size: Option<(u32, u32)>) {
        let left_width = self.content_width() * 0.55;
        let mut left = MARGIN;

        if let Some((width, height)) = logo_size {
            let (width, height) = fit_box(width as f32, height as f32, LOGO_MAX);
            self.push(Op::Logo {
                x: MARGIN,
                y: left,
                width,
                height,
            });
            left += height + 8.0;
        }
        let name = wrap(
            self.faces,
            &self.order.store.name,
            STORE_NAME,
            left_width,
            2,
        );
        left = self.text_lines(MARGIN, left, &name, STORE_NAME, "store name");
        for line in &self.order.store.address_lines {
            let lines = wrap(self.faces, line, BODY, left_width, 2);
            left = self.text_lines(MARGIN, left, &lines, BODY, "store address");
        }

        let right_width = self.content_width() - left_width - 16.0;
        let mut right = self.text_right(self.right(), MARGIN, self.kind.title(), TITLE, 0, "title");
        let number = format!("Order {}", self.order.order_number);
        let number = fit(self.faces, &number, BODY_BOLD, right_width);
        right = self.text_right(
            self.right(),
            right + 4.0,
            &number,
            BODY_BOLD,
            0,
            "order number",
        );
        if let Some(date) = &self.order.order_date {
            let date = fit(self.faces, &format!("Date {date}"), BODY, right_width);
            right = self.text_right(self.right(), right, &date, BODY, 0, "order date");
        }

        self.y = left.max(right) + 18.0;
    }

    fn addresses(&mut self) {
        let gap = 20.0;
        let width = (self.content_width() - gap) / 2.0;
        let blocks = match self.kind {
            DocumentKind::Invoice => [
                ("BILL TO", &self.order.bill_to),
                ("SHIP TO", &self.order.ship_to),
            ],
            DocumentKind::PackingSlip => [
                ("SHIP TO", &self.order.ship_to),
                ("BILL TO", &self.order.bill_to),
            ],
        };

        let top = self.y;
        let mut bottom = top;
        for (column, (heading, address)) in blocks.into_iter().enumerate() {
            let x = MARGIN + column as f32 * (width + gap);
            let place = heading.to_lowercase();
            let mut y = self.text_line(x, top, heading, LABEL, 100, "heading");

            let lines = address.as_ref().map(Address::lines).unwrap_or_default();
            for line in if lines.is_empty() {
                vec!["-".to_owned()]
            } else {
                lines
            } {
                let wrapped = wrap(self.faces, &line, BODY, width, 2);
                y = self.text_lines(x, y, &wrapped, BODY, &place);
            }
            bottom = bottom.max(y);
        }
        self.y = bottom + 16.0;
    }

    fn columns(&self) -> Vec<Column> {
        let column = |heading, width, numeric| Column {
            heading,
            width,
            numeric,
        };
        match self.kind {
            DocumentKind::Invoice => {
                let name = self.content_width() - 105.0 - 40.0 - 80.0 - 85.0;
                vec![
                    column("SKU", 105.0, false),
                    column("Item", name, false),
                    column("Qty", 40.0, true),
                    column("Unit price", 80.0, true),
                    column("Total", 85.0, true),
                ]
            }
            DocumentKind::PackingSlip => vec![
                column("SKU", 140.0, false),
                column("Item", self.content_width() - 140.0 - 55.0, false),
                column("Qty", 55.0, true),
            ],
        }
    }

    fn lines_table(&mut self) {
        let columns = self.columns();
        self.ensure(18.0 + line_height(BODY) * 2.0 + 2.0 * CELL_PADDING);
        self.table_header(&columns);

        if self.order.lines.is_empty() {
            self.y = self.text_line(
                MARGIN + CELL_PADDING,
                self.y + CELL_PADDING,
                "No lines.",
                BODY,
                0,
                "lines",
            );
        }
        for (index, line) in self.order.lines.iter().enumerate() {
            let cells = self.cells(line, &columns);
            let rows = cells
                .iter()
                .map(|(lines, _)| lines.len())
                .max()
                .unwrap_or(1)
                .max(1);
            let height = rows as f32 * line_height(BODY) + 2.0 * CELL_PADDING;

            if self.ensure(height) {
                self.table_header(&columns);
            }
            self.table_row(&columns, &cells, index + 1, height);
        }
        self.y += 4.0;
    }

    fn table_header(&mut self, columns: &[Column]) {
        let height = 18.0;
        self.push(Op::Rect {
            x: MARGIN,
            y: self.y,
            width: self.content_width(),
            height,
            gray: 228,
        });
        self.push(Op::Rect {
            x: MARGIN,
            y: self.y + height - 0.6,
            width: self.content_width(),
            height: 0.6,
            gray: 120,
        });

        let mut x = MARGIN;
        let baseline_top = self.y + (height - line_height(LABEL)) / 2.0;
        for column in columns {
            let label = column.heading;
            if column.numeric {
                self.text_right(
                    x + column.width - CELL_PADDING,
                    baseline_top,
                    label,
                    LABEL,
                    0,
                    "heading",
                );
            } else {
                self.text_line(x + CELL_PADDING, baseline_top, label, LABEL, 0, "heading");
            }
            x += column.width;
        }
        self.y += height;
    }

    /// Fits the values of an order line to the column widths, as text lines and a style per
    /// cell. Text wraps; numbers shrink so that they print whole.
    fn cells(&self, line: &Line, columns: &[Column]) -> Vec<(Vec<String>, TextStyle)> {
        let mut values = vec![
            line.sku.clone().unwrap_or_default(),
            line.name.clone(),
            line.quantity.to_string(),
        ];
        if self.kind == DocumentKind::Invoice {
            values.push(line.unit_price.map(format_amount).unwrap_or_default());
            values.push(line.line_total.map(format_amount).unwrap_or_default());
        }

        let max_lines = [2, 3];
        let mut cells = Vec::with_capacity(values.len());
        for (index, (value, column)) in values.iter().zip(columns).enumerate() {
            let width = column.width - 2.0 * CELL_PADDING;
            let cell = if column.numeric {
                let (text, style) = shrink_to_fit(self.faces, value, BODY, width, MIN_NUMBER_SIZE);
                (vec![text], style)
            } else {
                (
                    wrap(self.faces, value, BODY, width, max_lines[index.min(1)]),
                    BODY,
                )
            };
            cells.push(cell);
        }
        cells
    }

    fn table_row(
        &mut self,
        columns: &[Column],
        cells: &[(Vec<String>, TextStyle)],
        number: usize,
        height: f32,
    ) {
        let top = self.y + CELL_PADDING;
        let mut x = MARGIN;
        for (column, (lines, style)) in columns.iter().zip(cells) {
            let place = format!("line {number} {}", column.heading.to_lowercase());
            let mut y = top;
            for text in lines {
                y = if column.numeric {
                    let right = x + column.width - CELL_PADDING;
                    self.text_right(right, y, text, *style, 0, &place)
                } else {
                    self.text_line(x + CELL_PADDING, y, text, *style, 0, &place)
                };
            }
            x += column.width;
        }
        self.y += height;
        self.push(Op::Rect {
            x: MARGIN,
            y: self.y - 0.4,
            width: self.content_width(),
            height: 0.4,
            gray: 200,
        });
    }

    fn totals(&mut self, rows: &[TotalRow]) {
        if rows.is_empty() {
            return;
        }
        let row_height = line_height(BODY) + 3.0;
        self.ensure(rows.len() as f32 * row_height + 8.0);

        let amount_width = 120.0;
        let label_right = self.right() - amount_width - 12.0;
        self.y += 6.0;
        for row in rows {
            let style = if row.is_total { BODY_BOLD } else { BODY };
            if row.is_total {
                self.push(Op::Rect {
                    x: label_right - 80.0,
                    y: self.y,
                    width: self.right() - label_right + 80.0,
                    height: 0.6,
                    gray: 120,
                });
                self.y += 2.0;
            }
            let (amount, amount_style) = shrink_to_fit(
                self.faces,
                &row.amount,
                style,
                amount_width,
                MIN_NUMBER_SIZE,
            );
            self.text_right(label_right, self.y, &row.label, style, 0, "totals");
            self.text_right(self.right(), self.y, &amount, amount_style, 0, "totals");
            self.y += row_height;
        }
    }

    fn notes(&mut self) {
        let notes: Vec<&String> = self
            .order
            .notes
            .iter()
            .filter(|note| !note.trim().is_empty())
            .collect();
        if notes.is_empty() {
            return;
        }
        self.y += 14.0;
        self.ensure(line_height(LABEL) + line_height(BODY));
        self.y = self.text_line(MARGIN, self.y, "NOTES", LABEL, 100, "heading");

        for note in notes {
            for line in
                wrap_paragraphs(self.faces, note, BODY, self.content_width(), NOTE_MAX_LINES)
            {
                self.ensure(line_height(BODY));
                self.y = self.text_line(MARGIN, self.y, &line, BODY, 0, "notes");
            }
            self.y += 4.0;
        }
    }

    fn footers(&mut self) {
        let count = self.pages.len();
        let label = format!("{} {}", self.kind.title(), self.order.order_number);
        let label = fit(self.faces, &label, SMALL, self.content_width() * 0.7);
        let top = self.page_height() - MARGIN - line_height(SMALL);

        for page in 0..count {
            self.page = page;
            self.text_line(MARGIN, top, &label, SMALL, 90, "footer");
            let number = format!("Page {} of {count}", page + 1);
            self.text_right(self.right(), top, &number, SMALL, 90, "footer");
        }
    }

    /// Starts a new page when `height` does not fit below `self.y`; returns whether it did.
    fn ensure(&mut self, height: f32) -> bool {
        if self.y + height <= self.bottom() {
            return false;
        }
        self.pages.push(Vec::new());
        self.page = self.pages.len() - 1;
        self.y = MARGIN;

        let heading = format!(
            "{} {}, continued",
            self.kind.title(),
            self.order.order_number
        );
        let heading = fit(self.faces, &heading, SMALL, self.content_width());
        self.y = self.text_line(MARGIN, self.y, &heading, SMALL, 90, "heading") + 6.0;
        true
    }

    /// Sets lines one under the other from `top`; returns the y below the last.
    fn text_lines(
        &mut self,
        x: f32,
        top: f32,
        lines: &[String],
        style: TextStyle,
        place: &str,
    ) -> f32 {
        lines
            .iter()
            .fold(top, |y, line| self.text_line(x, y, line, style, 0, place))
    }

    /// Sets one line of text with its left edge at `x` and the top of its line box at `top`.
    /// Returns the y below the line.
    fn text_line(
        &mut self,
        x: f32,
        top: f32,
        text: &str,
        style: TextStyle,
        gray: u8,
        place: &str,
    ) -> f32 {
        self.record_missing(text, place);
        let baseline = top + style.size * 0.95;
        self.push(Op::Text {
            x,
            baseline,
            text: text.to_owned(),
            style,
            gray,
        });
        top + line_height(style)
    }

    /// Like `text_line`, with the right edge at `right`.
    fn text_right(
        &mut self,
        right: f32,
        top: f32,
        text: &str,
        style: TextStyle,
        gray: u8,
        place: &str,
    ) -> f32 {
        let width = self.faces.width(text, style.style, style.size);
        self.text_line(right - width, top, text, style, gray, place)
    }

    fn record_missing(&mut self, text: &str, place: &str) {
        for character in self.faces.missing_characters(text) {
            let known = self
                .missing
                .iter()
                .any(|m| m.character == character && m.place == place);
            if !known {
                self.missing.push(MissingGlyph {
                    character,
                    place: place.to_owned(),
                    text: text.to_owned(),
                });
            }
        }
    }

    fn push(&mut self, op: Op) {
        self.pages[self.page].push(op);
    }
}

fn line_height(style: TextStyle) -> f32 {
    style.size * 1.3
}

/// Scales `width` x `height` down to fit `bounds`, keeping the aspect ratio; never enlarges.
fn fit_box(width: f32, height: f32, bounds: (f32, f32)) -> (f32, f32) {
    let scale = (bounds.0 / width).min(bounds.1 / height).min(1.0);
    (width * scale, height * scale)
}

#[cfg(test)]
mod tests {
    use super::super::fonts::Fonts;
    use super::*;

    fn long_order() -> DocumentOrder {
        let line = Line {
            sku: Some("S".repeat(300)),
            name: "Extremely long product name ".repeat(50),
            quantity: 123_456_789,
            unit_price: Some(rust_decimal::Decimal::new(123_456_789_012_345, 2)),
            line_total: Some(rust_decimal::Decimal::new(987_654_321_098_765, 2)),
        };
        DocumentOrder {
            order_number: "N".repeat(500),
            lines: vec![line; 3],
            notes: vec!["note ".repeat(2000)],
            ..DocumentOrder::default()
        }
    }

    /// Collects each text operation as (left, right) in points.
    fn text_extents(faces: &FaceSet<'_>, laid: &Laid) -> Vec<(f32, f32, String)> {
        let texts = laid.pages.iter().flatten().filter_map(|op| match op {
            Op::Text { x, text, style, .. } => Some((*x, text, *style)),
            _ => None,
        });
        texts
            .map(|(x, text, style)| {
                let width = faces.width(text, style.style, style.size);
                (x, x + width, text.clone())
            })
            .collect()
    }

    #[test]
    fn long_values_stay_inside_page() {
        let fonts = Fonts::embedded();
        let faces = FaceSet::new(&fonts);

        let kinds = [DocumentKind::Invoice, DocumentKind::PackingSlip];
        for (kind, paper) in kinds.into_iter().zip([Paper::A4, Paper::Letter]) {
            let right_margin = paper.size_points().0 - MARGIN;
            let laid = lay_out(&faces, &long_order(), kind, None, paper);
            for (left, right, text) in text_extents(&faces, &laid) {
                assert!(left >= MARGIN - 0.01, "{kind:?} {text:?} starts at {left}");
                assert!(
                    right <= right_margin + 0.01,
                    "{kind:?} {text:?} ends at {right}"
                );
            }
        }
    }

    #[test]
    fn table_cells_stay_inside_columns() {
        let fonts = Fonts::embedded();
        let faces = FaceSet::new(&fonts);
        let laid = lay_out(
            &faces,
            &long_order(),
            DocumentKind::Invoice,
            None,
            Paper::A4,
        );

        let sku_right = MARGIN + 105.0 - CELL_PADDING;
        let sku_cells: Vec<_> = text_extents(&faces, &laid)
            .into_iter()
            .filter(|(left, _, text)| *left == MARGIN + CELL_PADDING && text.starts_with("SS"))
            .collect();
        assert_eq!(sku_cells.len(), 6, "three lines of two SKU rows each");
        for (_, right, text) in sku_cells {
            assert!(right <= sku_right + 0.01, "{text:?} ends at {right}");
        }

        let texts: Vec<String> = text_extents(&faces, &laid)
            .into_iter()
            .map(|t| t.2)
            .collect();
        assert!(
            texts.contains(&"1,234,567,890,123.45".to_owned()),
            "unit price cut"
        );
        assert!(
            texts.contains(&"9,876,543,210,987.65".to_owned()),
            "line total cut"
        );
        assert!(texts.contains(&"123456789".to_owned()), "quantity cut");
    }

    #[test]
    fn long_note_is_capped() {
        let fonts = Fonts::embedded();
        let faces = FaceSet::new(&fonts);
        let laid = lay_out(
            &faces,
            &long_order(),
            DocumentKind::Invoice,
            None,
            Paper::A4,
        );

        let note_lines = text_extents(&faces, &laid)
            .into_iter()
            .filter(|(_, _, text)| text.starts_with("note"))
            .count();
        assert_eq!(note_lines, NOTE_MAX_LINES);
    }
}
