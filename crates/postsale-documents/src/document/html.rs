//! The invoice and packing slip as one self-contained HTML page each, with print CSS, the logo
//! as a `data:` URL and no script. Every value from the order is escaped.

use std::fmt::Write;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use sha2::{Digest, Sha256};

use super::DocumentKind;
use super::model::{Address, DocumentOrder, Line, LogoImage};
use super::money::format_amount;
use super::paper::Paper;
use crate::logo::{DetectedFormat, detect_format};

/// Renders the invoice ("Invoice with Logo") as an HTML page that prints on `paper`.
pub fn render_invoice_html(order: &DocumentOrder, paper: Paper) -> String {
    render_html(order, DocumentKind::Invoice, paper)
}

/// Renders the packing slip as an HTML page that prints on `paper`: the same header and
/// lines, without prices.
pub fn render_packing_slip_html(order: &DocumentOrder, paper: Paper) -> String {
    render_html(order, DocumentKind::PackingSlip, paper)
}

/// Builds the `Content-Security-Policy` header value to serve the documents with. It allows
/// the page's own style sheet, for either paper size (by their SHA-256 hashes), and `data:`
/// images, and nothing else, so no script runs even if escaping were bypassed.
pub fn html_content_security_policy() -> String {
    let hashes: Vec<String> = [Paper::A4, Paper::Letter]
        .into_iter()
        .map(|paper| {
            let digest = Sha256::digest(style_element_text(paper).as_bytes());
            format!("'sha256-{}'", STANDARD.encode(digest))
        })
        .collect();
    format!(
        "default-src 'none'; img-src data:; style-src {}; base-uri 'none'; \
         form-action 'none'; frame-ancestors 'none'",
        hashes.join(" ")
    )
}

const STYLE: &str = "\
* { box-sizing: border-box; }
body { font-family: 'DejaVu Sans', 'Noto Sans', 'Noto Sans CJK SC', sans-serif; font-size: 10pt;
  color: #111; margin: 0; }
header.document { display: flex; justify-content: space-between; gap: 2em; margin-bottom: 1.5em; }
.logo { max-width: 60mm; max-height: 22mm; display: block; margin-bottom: 0.5em; }
.store-name { font-weight: bold; font-size: 12pt; }
.title { text-align: right; }
.title h1 { margin: 0 0 0.3em; font-size: 18pt; }
.title dl { margin: 0; display: grid; grid-template-columns: auto auto; gap: 0.1em 0.8em; }
.title dt { font-weight: bold; }
.title dd { margin: 0; }
.addresses { display: flex; gap: 2em; margin-bottom: 1.5em; }
.address { flex: 1; min-width: 0; overflow-wrap: anywhere; }
h2 { font-size: 10pt; margin: 0 0 0.3em; text-transform: uppercase; color: #444; }
p { margin: 0; }
table { width: 100%; border-collapse: collapse; table-layout: fixed; }
thead { display: table-header-group; }
tr { break-inside: avoid; page-break-inside: avoid; }
th { text-align: left; background: #e8e8e8; border-bottom: 1px solid #888; }
th, td { padding: 0.3em 0.4em; vertical-align: top; overflow-wrap: anywhere; }
table.lines tbody td { border-bottom: 1px solid #ddd; }
.num { text-align: right; white-space: nowrap; font-variant-numeric: tabular-nums; }
col.sku { width: 22%; }
col.qty { width: 9%; }
col.money { width: 15%; }
table.totals { width: auto; margin: 1em 0 0 auto; break-inside: avoid; }
table.totals th { background: none; border: 0; text-align: right; padding-right: 1.5em; }
table.totals tr.total th, table.totals tr.total td { font-weight: bold; border-top: 1px solid #888; }
.notes { margin-top: 1.5em; white-space: pre-line; overflow-wrap: anywhere; }
@media screen { body { max-width: 210mm; margin: 1em auto; padding: 0 1em; } }
";

/// Returns the exact text inside the `<style>` element, which the policy hash covers.
fn style_element_text(paper: Paper) -> String {
    format!(
        "\n@page {{ size: {}; margin: 14mm 12mm; }}\n{STYLE}",
        paper.name()
    )
}

fn render_html(order: &DocumentOrder, kind: DocumentKind, paper: Paper) -> String {
    let mut html = String::with_capacity(8 * 1024 + order.lines.len() * 256);
    let title = format!("{} {}", kind.title(), order.order_number);

    html.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    html.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    let _ = writeln!(html, "<title>{}</title>", escape(&title));
    let _ = writeln!(
        html,
        "<style>{}</style>\n</head>\n<body>",
        style_element_text(paper)
    );

    push_header(&mut html, order, kind);
    push_addresses(&mut html, order, kind);
    push_lines(&mut html, order, kind);
    if kind == DocumentKind::Invoice {
        push_totals(&mut html, order);
    }
    push_notes(&mut html, &order.notes);

    html.push_str("</body>\n</html>\n");
    html
}

fn push_header(html: &mut String, order: &DocumentOrder, kind: DocumentKind) {
    html.push_str("<header class=\"document\">\n<div class=\"store\">\n");
    if let Some(url) = order.store.logo.as_ref().and_then(logo_data_url) {
        let alt = format!("{} logo", order.store.name);
        let _ = writeln!(
            html,
            "<img class=\"logo\" src=\"{url}\" alt=\"{}\">",
            escape(&alt)
        );
    }
    let _ = writeln!(
        html,
        "<div class=\"store-name\">{}</div>",
        escape(&order.store.name)
    );
    push_paragraph(html, &order.store.address_lines);
    html.push_str("</div>\n<div class=\"title\">\n");

    let _ = writeln!(html, "<h1>{}</h1>\n<dl>", kind.title());
    let _ = writeln!(
        html,
        "<dt>Order</dt><dd>{}</dd>",
        escape(&order.order_number)
    );
    if let Some(date) = &order.order_date {
        let _ = writeln!(html, "<dt>Date</dt><dd>{}</dd>", escape(date));
    }
    html.push_str("</dl>\n</div>\n</header>\n");
}

/// Returns a `data:` URL for a PNG or JPEG logo whose bytes match its declared type, and
/// `None` for anything else, so no other content can reach the page.
fn logo_data_url(logo: &LogoImage) -> Option<String> {
    let matches = match logo.content_type.as_str() {
        "image/png" => detect_format(&logo.bytes) == DetectedFormat::Png,
        "image/jpeg" => detect_format(&logo.bytes) == DetectedFormat::Jpeg,
        _ => false,
    };
    if !matches {
        tracing::warn!(
            content_type = %logo.content_type,
            "logo left out of the document because it is not a PNG or JPEG of its declared type"
        );
        return None;
    }
    Some(format!(
        "data:{};base64,{}",
        logo.content_type,
        STANDARD.encode(&logo.bytes)
    ))
}

fn push_addresses(html: &mut String, order: &DocumentOrder, kind: DocumentKind) {
    let blocks = match kind {
        DocumentKind::Invoice => vec![("Bill to", &order.bill_to), ("Ship to", &order.ship_to)],
        DocumentKind::PackingSlip => vec![("Ship to", &order.ship_to), ("Bill to", &order.bill_to)],
    };
    html.push_str("<section class=\"addresses\">\n");
    for (heading, address) in blocks {
        let lines = address.as_ref().map(Address::lines).unwrap_or_default();
        let _ = writeln!(html, "<div class=\"address\">\n<h2>{heading}</h2>");
        push_paragraph(html, &lines);
        html.push_str("</div>\n");
    }
    html.push_str("</section>\n");
}

fn push_lines(html: &mut String, order: &DocumentOrder, kind: DocumentKind) {
    html.push_str("<table class=\"lines\">\n<colgroup><col class=\"sku\"><col class=\"name\">");
    html.push_str("<col class=\"qty\">");
    if kind == DocumentKind::Invoice {
        html.push_str("<col class=\"money\"><col class=\"money\">");
    }
    html.push_str("</colgroup>\n<thead><tr><th>SKU</th><th>Item</th><th class=\"num\">Qty</th>");
    if kind == DocumentKind::Invoice {
        html.push_str("<th class=\"num\">Unit price</th><th class=\"num\">Total</th>");
    }
    html.push_str("</tr></thead>\n<tbody>\n");

    for line in &order.lines {
        push_line(html, line, kind);
    }
    html.push_str("</tbody>\n</table>\n");
}

fn push_line(html: &mut String, line: &Line, kind: DocumentKind) {
    let sku = line.sku.as_deref().unwrap_or("");
    let _ = write!(
        html,
        "<tr><td>{}</td><td>{}</td><td class=\"num\">{}</td>",
        escape(sku),
        escape(&line.name),
        line.quantity
    );
    if kind == DocumentKind::Invoice {
        let _ = write!(
            html,
            "<td class=\"num\">{}</td><td class=\"num\">{}</td>",
            line.unit_price.map(format_amount).unwrap_or_default(),
            line.line_total.map(format_amount).unwrap_or_default()
        );
    }
    html.push_str("</tr>\n");
}

fn push_totals(html: &mut String, order: &DocumentOrder) {
    let rows = super::totals(order);
    if rows.is_empty() {
        return;
    }
    html.push_str("<table class=\"totals\">\n<tbody>\n");
    for row in rows {
        let class = if row.is_total { " class=\"total\"" } else { "" };
        let _ = writeln!(
            html,
            "<tr{class}><th>{}</th><td class=\"num\">{}</td></tr>",
            escape(&row.label),
            escape(&row.amount)
        );
    }
    html.push_str("</tbody>\n</table>\n");
}

fn push_notes(html: &mut String, notes: &[String]) {
    let notes: Vec<&String> = notes
        .iter()
        .filter(|note| !note.trim().is_empty())
        .collect();
    if notes.is_empty() {
        return;
    }
    html.push_str("<section class=\"notes\">\n<h2>Notes</h2>\n");
    for note in notes {
        let _ = writeln!(html, "<p>{}</p>", escape(note));
    }
    html.push_str("</section>\n");
}

/// Writes lines as one paragraph separated by `<br>`, each escaped.
fn push_paragraph(html: &mut String, lines: &[String]) {
    let escaped: Vec<String> = lines.iter().map(|line| escape(line)).collect();
    let _ = writeln!(html, "<p>{}</p>", escaped.join("<br>"));
}

/// Escapes text for HTML element content and quoted attribute values.
pub(crate) fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            other => escaped.push(other),
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_covers_markup_characters() {
        assert_eq!(
            escape(r#"<a href="x" onclick='y'>&</a>"#),
            "&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&lt;/a&gt;"
        );
    }

    #[test]
    fn policy_hash_matches_style_element() {
        let policy = html_content_security_policy();

        for paper in [Paper::A4, Paper::Letter] {
            let html = render_invoice_html(&DocumentOrder::default(), paper);
            let start = html.find("<style>").unwrap() + "<style>".len();
            let end = html.find("</style>").unwrap();
            let digest = STANDARD.encode(Sha256::digest(&html.as_bytes()[start..end]));
            assert!(
                policy.contains(&format!("'sha256-{digest}'")),
                "{paper:?}: {policy}"
            );
            assert!(
                html.contains(&format!("size: {};", paper.name())),
                "{paper:?}"
            );
        }
        assert!(policy.starts_with("default-src 'none';"), "{policy}");
        assert!(!policy.contains("script-src"), "{policy}");
    }

    #[test]
    fn logo_of_wrong_type_is_left_out() {
        let svg = LogoImage {
            content_type: "image/svg+xml".into(),
            bytes: b"<svg/>".to_vec(),
        };
        assert_eq!(logo_data_url(&svg), None);

        let lying = LogoImage {
            content_type: "image/png".into(),
            bytes: b"<svg/>".to_vec(),
        };
        assert_eq!(logo_data_url(&lying), None);
    }
}
