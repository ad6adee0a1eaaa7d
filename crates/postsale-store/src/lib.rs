//! The database layer of postsale.
