//! HTTP plumbing shared by every route: errors as problem details, API-key authentication,
//! JSON bodies and path parameters read with problem details on failure, the body read
//! timeout, the per-request span, and the rejection of text with NUL characters.

pub mod auth;
pub mod json;
pub mod nul;
pub mod path;
pub mod problem;
pub mod query;
pub mod span;
pub mod timeout;

pub use auth::ApiCaller;
pub use json::{JsonBody, JsonDocument, SampleJson, SensitiveJson};
pub use path::Path;
pub use problem::ApiError;
pub use query::Query;
