//! Request verification: the security checks a webhook applies to each request (Basic Auth,
//! Header Value, HMAC signatures, IP allow list), and signing for tests and `send-test`.
//!
//! Everything here is pure: headers, body bytes, the peer address and the current time are
//! arguments. HMAC digests are computed over the body bytes as received (or as decoded from
//! their `Content-Encoding`), never over re-serialised JSON, and every comparison of a
//! digest or credential is constant-time.

mod check_hmac;
mod config;
mod credentials;
mod digest;
mod hmac_config;
mod ip;
mod preset;
mod rejection;
mod request;
mod secret;
mod sign;
mod signature;
mod validate;

pub use config::{BasicAuthConfig, Check, HeaderValueConfig, IpAllowList, SecurityConfig};
pub use digest::KeyError;
pub use hmac_config::{
    Algorithm, DEFAULT_TOLERANCE_SECS, DigestEncoding, HmacConfig, KeyEncoding, SignedContent,
    SignedContentEncoding, SigningSecret,
};
pub use ip::{InvalidIpRange, IpRange};
pub use preset::{Preset, UnknownPreset};
pub use rejection::{BASIC_CHALLENGE, CheckKind, Reason, Rejection, Verified};
pub use request::{VerifyInput, verify_request};
pub use secret::Secret;
pub use sign::{SHOPIFY_TEST_SHOP_DOMAIN, sign_request};
pub use validate::{
    ConfigError, MAX_SECRETS, MAX_TOLERANCE_SECS, MIN_CREDENTIAL_CHARS, MIN_HMAC_KEY_BYTES,
};
