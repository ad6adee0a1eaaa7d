//! Static files (CSS, JavaScript) embedded in the binary and served at `/assets/{name}`.
//!
//! `build.rs` embeds every file of the crate's `assets/` folder. Pages link them through
//! [`asset_url`], which adds `?v=` and a hash of the content, so a browser may keep a file for
//! a year and still fetches a new one after an upgrade.

use std::collections::HashMap;
use std::sync::OnceLock;

use axum::extract::{Path, Query};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::web::error::WebError;

/// Every embedded file as (name, media type, bytes), in name order.
static FILES: &[(&str, &str, &[u8])] = include!(concat!(env!("OUT_DIR"), "/assets.rs"));

/// How long a browser may keep a file fetched with its current version: one year.
const VERSIONED_CACHE: &str = "public, max-age=31536000, immutable";
/// A file fetched without the current version is checked again on every use.
const UNVERSIONED_CACHE: &str = "no-cache";

/// An embedded file with the hash that versions its URL.
#[derive(Debug)]
struct Asset {
    media_type: &'static str,
    bytes: &'static [u8],
    /// The first 16 hex digits of the SHA-256 of `bytes`.
    version: String,
}

/// The `?v=` of an asset URL.
#[derive(Debug, Deserialize)]
pub struct AssetQuery {
    v: Option<String>,
}

fn assets() -> &'static HashMap<&'static str, Asset> {
    static ASSETS: OnceLock<HashMap<&'static str, Asset>> = OnceLock::new();
    ASSETS.get_or_init(|| {
        FILES
            .iter()
            .map(|(name, media_type, bytes)| {
                let digest = hex::encode(Sha256::digest(bytes));
                let asset = Asset {
                    media_type,
                    bytes,
                    version: digest[..16].to_owned(),
                };
                (*name, asset)
            })
            .collect()
    })
}

/// Returns the URL of an embedded file with its content version, such as
/// `/assets/app.css?v=0123456789abcdef`. A name that is not embedded gets its plain URL, which
/// returns 404.
pub fn asset_url(name: &str) -> String {
    match assets().get(name) {
        Some(asset) => format!("/assets/{name}?v={}", asset.version),
        None => {
            tracing::error!(asset = name, "a page links an asset that is not embedded");
            format!("/assets/{name}")
        }
    }
}

/// Serves an embedded file, with a one-year cache lifetime when the URL has its current
/// version, and 304 for a matching `If-None-Match`.
pub async fn serve_asset(
    Path(name): Path<String>,
    Query(query): Query<AssetQuery>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let Some(asset) = assets().get(name.as_str()) else {
        return Err(WebError::new(
            StatusCode::NOT_FOUND,
            format!("There is no file named {name:?} among postsale's assets."),
        ));
    };
    let etag = HeaderValue::from_str(&format!("\"{}\"", asset.version))
        .map_err(|error| WebError::internal(&error))?;
    let cache = if query.v.as_deref() == Some(asset.version.as_str()) {
        VERSIONED_CACHE
    } else {
        UNVERSIONED_CACHE
    };
    let cache = HeaderValue::from_static(cache);

    let matches = headers
        .get(header::IF_NONE_MATCH)
        .is_some_and(|value| value.as_bytes() == etag.as_bytes());
    if matches {
        return Ok((
            StatusCode::NOT_MODIFIED,
            [(header::ETAG, etag), (header::CACHE_CONTROL, cache)],
        )
            .into_response());
    }
    let headers = [
        (
            header::CONTENT_TYPE,
            HeaderValue::from_static(asset.media_type),
        ),
        (header::ETAG, etag),
        (header::CACHE_CONTROL, cache),
        (
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ),
    ];
    Ok((headers, asset.bytes).into_response())
}
