//! HTTP plumbing shared by every route: errors as problem details, API-key authentication and
//! the per-request span.

pub mod auth;
pub mod problem;
pub mod span;

pub use auth::ApiCaller;
pub use problem::ApiError;
