//! The postsale service: command line, configuration, HTTP routes, the web UI and background
//! work.
//!
//! `main.rs` only parses flags and calls [`cli::execute`]. Tests boot the real service with
//! [`app::serve`] on a listener bound to `127.0.0.1:0`.

pub mod api;
pub mod app;
pub mod cli;
pub mod config;
pub mod http;
pub mod ingress;
pub mod metrics;
pub mod rate_limit;
pub mod replay_cli;
pub mod sealing;
pub mod security_cache;
pub mod send_test;
pub mod telemetry;
pub mod user_cli;
pub mod web;
pub mod worker;
