//! An order's documents: `GET /api/v1/orders/{id}/invoice` and `/orders/{id}/packing-slip`, as
//! HTML or PDF.

mod content;

use std::sync::OnceLock;

use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use postsale_core::OrderId;
use postsale_documents::document::{
    DocumentOrder, Fonts, Paper, PdfDocument, PdfError, html_content_security_policy,
    render_invoice_html, render_invoice_pdf, render_packing_slip_html, render_packing_slip_pdf,
};
use postsale_store::{logos, orders, stores};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::app::AppState;
use crate::http::problem::Problem;
use crate::http::{ApiCaller, ApiError, Path, Query};

/// The fonts of every PDF: DejaVu Sans compiled in, then the CJK fonts installed on the host.
/// They are loaded on the first PDF, because the CJK fonts are read from disk.
static FONTS: OnceLock<Fonts> = OnceLock::new();

/// The output format of a document.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct DocumentQuery {
    /// `html` (default) or `pdf`.
    pub format: Option<String>,
    /// Paper size: `a4` or `letter`. Default: `letter` when the store address is in the US,
    /// Canada, Mexico, Puerto Rico, Chile, Colombia, Costa Rica, the Dominican Republic,
    /// Guatemala, Panama, the Philippines, El Salvador or Venezuela, otherwise `a4`.
    pub paper: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Invoice,
    PackingSlip,
}

impl Kind {
    fn file_prefix(self) -> &'static str {
        match self {
            Kind::Invoice => "invoice",
            Kind::PackingSlip => "packing-slip",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Html,
    Pdf,
}

/// Renders the order's invoice with the store's name, address and logo.
#[utoipa::path(get, path = "/api/v1/orders/{id}/invoice", tag = "documents",
    security(("api_key" = [])),
    params(("id" = i64, Path, description = "Order id"), DocumentQuery),
    responses(
        (status = 200, description = "The invoice as `text/html`, or `application/pdf`"),
        (status = 400, description = "Unknown format or paper", body = Problem),
        (status = 404, body = Problem),
    ))]
pub async fn get_invoice(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<i64>,
    Query(query): Query<DocumentQuery>,
) -> Result<Response, ApiError> {
    render(&state, &caller, OrderId(id), query, Kind::Invoice).await
}

/// Renders the order's packing slip: SKU, name and quantity of each line, without prices.
#[utoipa::path(get, path = "/api/v1/orders/{id}/packing-slip", tag = "documents",
    security(("api_key" = [])),
    params(("id" = i64, Path, description = "Order id"), DocumentQuery),
    responses(
        (status = 200, description = "The packing slip as `text/html`, or `application/pdf`"),
        (status = 400, description = "Unknown format or paper", body = Problem),
        (status = 404, body = Problem),
    ))]
pub async fn get_packing_slip(
    State(state): State<AppState>,
    caller: ApiCaller,
    Path(id): Path<i64>,
    Query(query): Query<DocumentQuery>,
) -> Result<Response, ApiError> {
    render(&state, &caller, OrderId(id), query, Kind::PackingSlip).await
}

async fn render(
    state: &AppState,
    caller: &ApiCaller,
    id: OrderId,
    query: DocumentQuery,
    kind: Kind,
) -> Result<Response, ApiError> {
    let format = parse_format(query.format.as_deref())?;
    let paper = query.paper.as_deref().map(parse_paper).transpose()?;
    let (document, store_country) = load_document(state, caller, id).await?;
    let paper = paper.unwrap_or_else(|| Paper::for_country(store_country.as_deref()));

    match format {
        Format::Html => Ok(html_response(&document, kind, paper)),
        Format::Pdf => pdf_response(id, document, kind, paper).await,
    }
}

fn parse_paper(paper: &str) -> Result<Paper, ApiError> {
    Paper::parse(paper).ok_or_else(|| {
        ApiError::bad_request(format!(
            "invalid paper {paper:?}: use a4 or letter, or leave it out for the usual size of \
             the store address's country"
        ))
    })
}

/// Reads `format` ignoring case, as `paper` is read.
fn parse_format(format: Option<&str>) -> Result<Format, ApiError> {
    match format.map(str::to_ascii_lowercase).as_deref() {
        None | Some("html") => Ok(Format::Html),
        Some("pdf") => Ok(Format::Pdf),
        Some(_) => Err(ApiError::bad_request(format!(
            "invalid format {:?}: use html (the default) or pdf",
            format.unwrap_or_default()
        ))),
    }
}

/// Reads the order, its store and the store's logo, all within the caller's account. Returns
/// the document and the country code of the store address, when it has one.
async fn load_document(
    state: &AppState,
    caller: &ApiCaller,
    id: OrderId,
) -> Result<(DocumentOrder, Option<String>), ApiError> {
    let account = caller.account.id;
    let stored = orders::get(state.db(), account, id)
        .await?
        .ok_or_else(|| ApiError::not_found("order", id))?;

    let (store, logo) = match stored.store_id {
        Some(store_id) => (
            stores::get(state.db(), account, store_id).await?,
            logos::get(state.db(), account, store_id).await?,
        ),
        None => (None, None),
    };
    let country = store
        .as_ref()
        .and_then(|store| store.address.as_deref())
        .and_then(|address| serde_json::from_str::<serde_json::Value>(address).ok())
        .and_then(|address| address["country"].as_str().map(str::to_owned));
    let document =
        content::document_order(&stored.order, store.as_ref(), logo, &caller.account.name);
    Ok((document, country))
}

fn html_response(document: &DocumentOrder, kind: Kind, paper: Paper) -> Response {
    let html = match kind {
        Kind::Invoice => render_invoice_html(document, paper),
        Kind::PackingSlip => render_packing_slip_html(document, paper),
    };
    let policy = HeaderValue::from_str(&html_content_security_policy())
        .expect("the content security policy is ASCII");
    let headers = [
        (
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        ),
        (header::CONTENT_SECURITY_POLICY, policy),
        (
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ),
    ];
    (headers, html).into_response()
}

/// Renders the PDF on a blocking thread, because laying out and compressing a long order takes
/// CPU time that would stall the runtime.
async fn pdf_response(
    id: OrderId,
    document: DocumentOrder,
    kind: Kind,
    paper: Paper,
) -> Result<Response, ApiError> {
    let file_name = pdf_file_name(kind, &document.order_number, id);
    let rendered = tokio::task::spawn_blocking(move || render_pdf(&document, kind, paper))
        .await
        .map_err(|error| ApiError::internal(&error))?
        .map_err(|error| ApiError::internal(&error))?;

    if !rendered.missing_glyphs.is_empty() {
        let characters: String = rendered
            .missing_glyphs
            .iter()
            .map(|missing| missing.character)
            .collect();
        tracing::warn!(
            order.id = id.get(),
            missing = rendered.missing_glyphs.len(),
            characters = %characters,
            "the PDF prints characters that no installed font has as placeholder glyphs"
        );
    }

    let disposition = HeaderValue::from_str(&format!("inline; filename=\"{file_name}\""))
        .map_err(|error| ApiError::internal(&error))?;
    let headers = [
        (
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/pdf"),
        ),
        (header::CONTENT_DISPOSITION, disposition),
        (
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ),
    ];
    Ok((headers, rendered.bytes).into_response())
}

fn render_pdf(document: &DocumentOrder, kind: Kind, paper: Paper) -> Result<PdfDocument, PdfError> {
    let fonts = FONTS.get_or_init(|| Fonts::embedded().with_installed_cjk());
    match kind {
        Kind::Invoice => render_invoice_pdf(document, fonts, paper),
        Kind::PackingSlip => render_packing_slip_pdf(document, fonts, paper),
    }
}

/// Builds `invoice-<number>.pdf`, keeping only letters, digits, `-`, `_` and `.` of the order
/// number so the header needs no quoting. An order number with none of them uses the order id.
fn pdf_file_name(kind: Kind, number: &str, id: OrderId) -> String {
    let safe: String = number
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        .collect();
    let safe = safe.trim_matches('.');
    let stem = if safe.is_empty() {
        format!("order-{}", id.get())
    } else {
        safe.to_owned()
    };
    format!("{}-{stem}.pdf", kind.file_prefix())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_name_drops_unsafe_characters() {
        let name = pdf_file_name(Kind::Invoice, "#1024 \"A\"", OrderId(7));
        assert_eq!(name, "invoice-1024A.pdf");
    }

    #[test]
    fn file_name_falls_back_to_order_id() {
        let name = pdf_file_name(Kind::PackingSlip, "№", OrderId(7));
        assert_eq!(name, "packing-slip-order-7.pdf");
    }

    #[test]
    fn unknown_format_is_rejected() {
        let error = parse_format(Some("docx")).unwrap_err();
        assert_eq!(error.status(), 400);
    }
}
