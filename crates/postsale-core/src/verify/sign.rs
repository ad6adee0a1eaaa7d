//! `sign_request`: the signature headers a sales channel would send with a body, for the
//! `postsale send-test` command and for tests.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::digest::{KeyError, compute, decode_key, encode_digest};
use super::hmac_config::{HmacConfig, SignedContent};
use super::preset::Preset;
use super::secret::Secret;

/// The shop domain sent in `X-Shopify-Shop-Domain`. Shop domains have one label before
/// `myshopify.com`, so this two-label name cannot be a real shop's.
pub const SHOPIFY_TEST_SHOP_DOMAIN: &str = "send-test.example.myshopify.com";

/// Computes the headers that the sender described by `config` sends with `body` at `now`:
/// the signature headers, and the delivery id and event headers of the preset's channel
/// (Shopify and WooCommerce, which also name the event, and GitHub).
///
/// `body` is signed as given, so with `signed_content_encoding: raw` pass the compressed
/// bytes. Headers such as `Content-Type` are left to the caller.
pub fn sign_request(
    config: &HmacConfig,
    secret: &Secret,
    body: &[u8],
    now: OffsetDateTime,
    delivery_id: &str,
) -> Result<Vec<(String, String)>, KeyError> {
    let key = decode_key(config.key_encoding, secret)?;
    let timestamp = now.unix_timestamp().to_string();

    let mut headers = match config.signed_content {
        SignedContent::Body => {
            let digest = compute(config.algorithm, &key, &[body]);
            let prefix = config.prefix.as_deref().unwrap_or_default();
            let value = format!("{prefix}{}", encode_digest(config.encoding, &digest));
            vec![(config.header.clone(), value)]
        }
        SignedContent::TimestampBody => {
            let preamble = format!("{timestamp}.");
            let digest = compute(config.algorithm, &key, &[preamble.as_bytes(), body]);
            let value = format!(
                "t={timestamp},v1={}",
                encode_digest(config.encoding, &digest)
            );
            vec![(config.header.clone(), value)]
        }
        SignedContent::IdTimestampBody => {
            let preamble = format!("{delivery_id}.{timestamp}.");
            let digest = compute(config.algorithm, &key, &[preamble.as_bytes(), body]);
            let id_header = config.id_header.as_deref().unwrap_or("webhook-id");
            let timestamp_header = config
                .timestamp_header
                .as_deref()
                .unwrap_or("webhook-timestamp");
            vec![
                (id_header.to_owned(), delivery_id.to_owned()),
                (timestamp_header.to_owned(), timestamp.clone()),
                (
                    config.header.clone(),
                    format!("v1,{}", STANDARD.encode(digest)),
                ),
            ]
        }
    };

    headers.extend(channel_headers(config.preset, now, delivery_id));
    Ok(headers)
}

/// Lists the delivery id and event headers a channel sends beside its signature.
fn channel_headers(
    preset: Preset,
    now: OffsetDateTime,
    delivery_id: &str,
) -> Vec<(String, String)> {
    let pairs: Vec<(&str, String)> = match preset {
        Preset::Shopify => vec![
            ("X-Shopify-Topic", "orders/create".to_owned()),
            ("X-Shopify-Shop-Domain", SHOPIFY_TEST_SHOP_DOMAIN.to_owned()),
            ("X-Shopify-Webhook-Id", delivery_id.to_owned()),
            (
                "X-Shopify-Triggered-At",
                now.format(&Rfc3339).unwrap_or_default(),
            ),
        ],
        Preset::WooCommerce => vec![
            ("X-WC-Webhook-Topic", "order.created".to_owned()),
            ("X-WC-Webhook-Resource", "order".to_owned()),
            ("X-WC-Webhook-Event", "created".to_owned()),
            ("X-WC-Webhook-Delivery-ID", delivery_id.to_owned()),
        ],
        Preset::GitHub => vec![("X-GitHub-Delivery", delivery_id.to_owned())],
        Preset::StandardWebhooks | Preset::Stripe | Preset::Squarespace | Preset::Custom => {
            Vec::new()
        }
    };
    pairs
        .into_iter()
        .map(|(name, value)| (name.to_owned(), value))
        .collect()
}
