//! The postsale service.
