//! Store logos and the order documents that show them: logo processing, and the invoice and
//! packing slip as HTML and PDF. The crate does no network or database I/O. It takes bytes
//! and plain structs and returns bytes and strings.

pub mod document;
pub mod logo;
