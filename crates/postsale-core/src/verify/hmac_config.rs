//! The settings of an HMAC check: which header, algorithm, digest encoding, signed content and
//! secrets. Missing settings are filled in from the check's preset when the JSON is read.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::preset::Preset;
use super::secret::Secret;

/// The default allowed difference between a signed timestamp and the server clock, in seconds.
pub const DEFAULT_TOLERANCE_SECS: u64 = 300;

/// The hash function inside the HMAC.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Algorithm {
    #[default]
    Sha256,
    Sha1,
    Sha512,
}

/// The text encoding of the digest in the signature header.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DigestEncoding {
    Hex,
    Base64,
    /// Hex when the value is hex of the digest's exact length, base64 otherwise.
    HexOrBase64,
}

/// The encoding that turns the configured secret text into the HMAC key bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeyEncoding {
    /// The UTF-8 bytes of the text, whatever it starts with.
    Text,
    /// The text decoded as hex.
    Hex,
    /// The text decoded as base64, after an optional `whsec_` prefix.
    Base64,
}

/// The bytes the sender signs, which also decide where the signature and timestamp are read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignedContent {
    /// The body alone. The signature header contains one digest, after the optional prefix.
    Body,
    /// `{t}.{body}`, with a signature header such as `t=1700000000,v1=<hex>,v1=<hex>`.
    TimestampBody,
    /// `{id}.{timestamp}.{body}` as in Standard Webhooks: the id and timestamp come from
    /// their own headers, and the signature header lists `v1,<digest>` entries separated
    /// by spaces.
    IdTimestampBody,
}

/// The form of a body with a `Content-Encoding` that the sender signs: decoded or as sent.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignedContentEncoding {
    /// The sender signs the body before compressing it.
    #[default]
    Decoded,
    /// The sender signs the compressed bytes as they arrive.
    Raw,
}

/// One secret of an HMAC check, with an optional validity window for rotating secrets.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SigningSecret {
    pub value: Secret,
    /// The first instant at which the secret is accepted. `None`: since always.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub valid_from: Option<OffsetDateTime>,
    /// The instant from which the secret is no longer accepted. `None`: for ever.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub valid_until: Option<OffsetDateTime>,
}

impl SigningSecret {
    /// Creates a secret valid at every instant.
    pub fn new(value: impl Into<Secret>) -> Self {
        Self {
            value: value.into(),
            valid_from: None,
            valid_until: None,
        }
    }

    /// Returns whether `now` falls in `[valid_from, valid_until)`.
    pub fn is_active_at(&self, now: OffsetDateTime) -> bool {
        let started = self.valid_from.is_none_or(|from| from <= now);
        let ended = self.valid_until.is_some_and(|until| until <= now);
        started && !ended
    }
}

/// The settings of an HMAC check.
///
/// When read from JSON, every setting but `secrets` may be left out, and the check's
/// `preset` (default `custom`) fills it in. A `prefix` of `null` or `""` means no prefix.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "HmacSpec")]
pub struct HmacConfig {
    pub preset: Preset,
    /// The header that carries the signature, matched ignoring case.
    pub header: String,
    pub algorithm: Algorithm,
    pub encoding: DigestEncoding,
    /// Text before the digest, such as `sha256=`. Used only when the body alone is signed.
    /// Written as `null` when absent, so that reading it back does not restore the preset's.
    pub prefix: Option<String>,
    pub signed_content: SignedContent,
    /// The header with the delivery id, for [`SignedContent::IdTimestampBody`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id_header: Option<String>,
    /// The header with the Unix timestamp, for [`SignedContent::IdTimestampBody`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timestamp_header: Option<String>,
    pub key_encoding: KeyEncoding,
    /// The allowed difference, in seconds and in either direction, between a signed
    /// timestamp and the server clock. Used only where a timestamp is signed.
    pub tolerance_secs: u64,
    pub signed_content_encoding: SignedContentEncoding,
    /// One secret, or two while a secret is rotated. Any active one may match.
    pub secrets: Vec<SigningSecret>,
}

/// The JSON form of [`HmacConfig`], in which the preset fills in what is left out.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HmacSpec {
    #[serde(default = "custom_preset")]
    preset: Preset,
    header: Option<String>,
    algorithm: Option<Algorithm>,
    encoding: Option<DigestEncoding>,
    /// Absent: the preset's prefix. `null` or `""`: no prefix.
    #[serde(default, deserialize_with = "present_or_null")]
    prefix: Option<Option<String>>,
    signed_content: Option<SignedContent>,
    id_header: Option<String>,
    timestamp_header: Option<String>,
    key_encoding: Option<KeyEncoding>,
    tolerance_secs: Option<u64>,
    signed_content_encoding: Option<SignedContentEncoding>,
    secrets: Vec<SigningSecret>,
}

fn custom_preset() -> Preset {
    Preset::Custom
}

/// Reads a field that is present, possibly as `null`, into `Some`, so that an absent field
/// (left as `None` by `#[serde(default)]`) differs from an explicit `null`.
fn present_or_null<'de, D>(deserializer: D) -> Result<Option<Option<String>>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    Option::<String>::deserialize(deserializer).map(Some)
}

impl From<HmacSpec> for HmacConfig {
    fn from(spec: HmacSpec) -> Self {
        let base = spec.preset.hmac_config(spec.secrets);
        Self {
            header: spec.header.unwrap_or(base.header),
            algorithm: spec.algorithm.unwrap_or(base.algorithm),
            encoding: spec.encoding.unwrap_or(base.encoding),
            prefix: spec
                .prefix
                .unwrap_or(base.prefix)
                .filter(|prefix| !prefix.is_empty()),
            signed_content: spec.signed_content.unwrap_or(base.signed_content),
            id_header: spec.id_header.or(base.id_header),
            timestamp_header: spec.timestamp_header.or(base.timestamp_header),
            key_encoding: spec.key_encoding.unwrap_or(base.key_encoding),
            tolerance_secs: spec.tolerance_secs.unwrap_or(base.tolerance_secs),
            signed_content_encoding: spec
                .signed_content_encoding
                .unwrap_or(base.signed_content_encoding),
            ..base
        }
    }
}

impl HmacConfig {
    /// Creates the settings of `preset` with a single secret valid at every instant.
    pub fn preset(preset: Preset, secret: impl Into<Secret>) -> Self {
        preset.hmac_config(vec![SigningSecret::new(secret)])
    }

    /// Returns whether the sender signs a timestamp, so that old timestamps are rejected.
    pub fn signs_timestamp(&self) -> bool {
        self.signed_content != SignedContent::Body
    }
}
