//! Presets: the HMAC settings of the signature schemes that real sales channels use.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::hmac_config::{
    Algorithm, DEFAULT_TOLERANCE_SECS, DigestEncoding, HmacConfig, KeyEncoding, SignedContent,
    SignedContentEncoding, SigningSecret,
};

/// A named signature scheme.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Preset {
    /// `X-Shopify-Hmac-Sha256`: base64 HMAC-SHA256 of the body, key as text.
    Shopify,
    /// `X-WC-Webhook-Signature`: base64 HMAC-SHA256 of the body, key as text.
    #[serde(rename = "woocommerce")]
    WooCommerce,
    /// Standard Webhooks (BigCommerce, Etsy and others): `webhook-id`, `webhook-timestamp`
    /// and `webhook-signature: v1,<base64>`, over `{id}.{timestamp}.{body}`, with a
    /// `whsec_` key that is base64.
    #[serde(alias = "standard")]
    StandardWebhooks,
    /// `Stripe-Signature: t=…,v1=<hex>` over `{t}.{body}`, the whole `whsec_…` key as text.
    Stripe,
    /// `X-Hub-Signature-256: sha256=<hex>` over the body, key as text.
    #[serde(rename = "github")]
    GitHub,
    /// `Squarespace-Signature`: hex HMAC-SHA256 of the body, the key hex-decoded.
    Squarespace,
    /// Nothing filled in but defaults: SHA-256, hex or base64 digest of the body.
    Custom,
}

impl Preset {
    pub const ALL: [Preset; 7] = [
        Preset::Shopify,
        Preset::WooCommerce,
        Preset::StandardWebhooks,
        Preset::Stripe,
        Preset::GitHub,
        Preset::Squarespace,
        Preset::Custom,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Preset::Shopify => "shopify",
            Preset::WooCommerce => "woocommerce",
            Preset::StandardWebhooks => "standard-webhooks",
            Preset::Stripe => "stripe",
            Preset::GitHub => "github",
            Preset::Squarespace => "squarespace",
            Preset::Custom => "custom",
        }
    }

    /// Creates the settings of this preset with the given secrets.
    pub fn hmac_config(self, secrets: Vec<SigningSecret>) -> HmacConfig {
        let (header, encoding, signed_content, key_encoding) = match self {
            Preset::Shopify => (
                "X-Shopify-Hmac-Sha256",
                DigestEncoding::Base64,
                SignedContent::Body,
                KeyEncoding::Text,
            ),
            Preset::WooCommerce => (
                "X-WC-Webhook-Signature",
                DigestEncoding::Base64,
                SignedContent::Body,
                KeyEncoding::Text,
            ),
            Preset::StandardWebhooks => (
                "webhook-signature",
                DigestEncoding::Base64,
                SignedContent::IdTimestampBody,
                KeyEncoding::Base64,
            ),
            Preset::Stripe => (
                "Stripe-Signature",
                DigestEncoding::Hex,
                SignedContent::TimestampBody,
                KeyEncoding::Text,
            ),
            Preset::GitHub => (
                "X-Hub-Signature-256",
                DigestEncoding::Hex,
                SignedContent::Body,
                KeyEncoding::Text,
            ),
            Preset::Squarespace => (
                "Squarespace-Signature",
                DigestEncoding::Hex,
                SignedContent::Body,
                KeyEncoding::Hex,
            ),
            Preset::Custom => (
                "",
                DigestEncoding::HexOrBase64,
                SignedContent::Body,
                KeyEncoding::Text,
            ),
        };

        let standard = self == Preset::StandardWebhooks;
        HmacConfig {
            preset: self,
            header: header.to_owned(),
            algorithm: Algorithm::Sha256,
            encoding,
            prefix: (self == Preset::GitHub).then(|| "sha256=".to_owned()),
            signed_content,
            id_header: standard.then(|| "webhook-id".to_owned()),
            timestamp_header: standard.then(|| "webhook-timestamp".to_owned()),
            key_encoding,
            tolerance_secs: DEFAULT_TOLERANCE_SECS,
            signed_content_encoding: SignedContentEncoding::Decoded,
            secrets,
        }
    }
}

impl fmt::Display for Preset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The error for a preset name that is not one of [`Preset::ALL`].
#[derive(Debug, thiserror::Error)]
#[error(
    "unknown preset {0:?}: use one of shopify, woocommerce, standard-webhooks, stripe, github, \
     squarespace, custom"
)]
pub struct UnknownPreset(pub String);

impl FromStr for Preset {
    type Err = UnknownPreset;

    /// Parses a preset name, ignoring case; `standard` is accepted for `standard-webhooks`.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let name = text.trim();
        if name.eq_ignore_ascii_case("standard") {
            return Ok(Preset::StandardWebhooks);
        }

        Preset::ALL
            .into_iter()
            .find(|preset| preset.as_str().eq_ignore_ascii_case(name))
            .ok_or_else(|| UnknownPreset(text.to_owned()))
    }
}
