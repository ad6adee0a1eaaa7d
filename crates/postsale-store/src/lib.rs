//! postsale's database layer: one repository API over SQLite and PostgreSQL.
//!
//! Queries go through sqlx's `Any` driver, so SQL that both dialects accept is written once.
//! Where the dialects differ, the function contains both versions side by side and picks one by
//! [`Dialect`]. Every repository function that reads or writes tenant data takes the account id
//! right after the database handle, so no caller can forget the tenant filter.

pub mod accounts;
pub mod api_keys;
pub mod body;
mod clock;
mod database;
mod error;
pub mod imports;
pub mod ingest;
pub mod key_check;
pub mod logos;
pub mod maps;
pub mod orders;
pub mod requests;
pub mod sessions;
pub mod shipments;
pub mod sign_in_failures;
pub mod stores;
#[cfg(feature = "test-support")]
pub mod testing;
pub mod token_lookup;
pub mod users;
pub mod webhooks;

pub use clock::{from_millis, to_millis};
pub use database::{Database, Dialect};
pub use error::StoreError;

/// The result type of every repository function.
pub type Result<T, E = StoreError> = std::result::Result<T, E>;
