//! The "Invoice with Logo" and the packing slip, rendered as HTML and as PDF from a
//! [`DocumentOrder`].

mod html;
mod model;
mod money;
mod paper;
mod pdf;

pub use html::{html_content_security_policy, render_invoice_html, render_packing_slip_html};
pub use model::{Address, DocumentOrder, Line, LogoImage, StoreHeader, format_order_date};
pub use money::format_amount;
pub use paper::Paper;
pub use pdf::{
    FontError, Fonts, KNOWN_CJK_FONT_PATHS, MissingGlyph, PdfDocument, PdfError,
    render_invoice_pdf, render_packing_slip_pdf,
};

/// The kind of document to render. The packing slip leaves out prices and totals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DocumentKind {
    Invoice,
    PackingSlip,
}

impl DocumentKind {
    pub(crate) fn title(self) -> &'static str {
        match self {
            DocumentKind::Invoice => "Invoice",
            DocumentKind::PackingSlip => "Packing Slip",
        }
    }
}

/// One row of the totals block of an invoice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TotalRow {
    pub label: String,
    pub amount: String,
    pub is_total: bool,
}

/// Lists the totals rows that the order has values for, in printing order. The total carries the
/// currency code. Nothing is computed: each amount is printed as the channel sent it.
pub(crate) fn totals(order: &DocumentOrder) -> Vec<TotalRow> {
    let rows = [
        ("Subtotal", order.subtotal, false),
        ("Shipping", order.shipping, false),
        ("Tax", order.tax, false),
        ("Discount", order.discount, false),
        ("Total", order.total, true),
    ];
    let currency = order
        .currency
        .as_deref()
        .map(str::trim)
        .filter(|code| !code.is_empty());

    rows.into_iter()
        .filter_map(|(label, amount, is_total)| {
            let mut amount = format_amount(amount?);
            if let (true, Some(code)) = (is_total, currency) {
                amount = format!("{amount} {code}");
            }
            Some(TotalRow {
                label: label.to_owned(),
                amount,
                is_total,
            })
        })
        .collect()
}
