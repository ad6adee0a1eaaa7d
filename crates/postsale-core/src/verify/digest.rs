//! HMAC arithmetic: turning a secret into key bytes, computing a digest over the signed parts,
//! and reading a digest written as hex or base64.

use base64::Engine;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::{DecodePaddingMode, general_purpose};
use hmac::{Hmac, Mac};
use sha1::Sha1;
use sha2::{Sha256, Sha512};
use subtle::ConstantTimeEq;

use super::hmac_config::{Algorithm, DigestEncoding, KeyEncoding};
use super::secret::Secret;

/// Base64 decoders that accept a digest with or without its `=` padding.
const STANDARD_ANY_PADDING: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);
const URL_SAFE_ANY_PADDING: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::URL_SAFE,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// The prefix of Standard Webhooks secrets, before their base64 key.
pub const WHSEC_PREFIX: &str = "whsec_";

/// The error for a secret whose text does not decode as its key encoding requires.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("the secret is not valid hex: enter the key as an even number of 0-9 and a-f")]
    NotHex,
    #[error("the secret is not valid base64 after an optional whsec_ prefix: copy it again")]
    NotBase64,
    #[error("the secret decodes to zero bytes: enter a non-empty key")]
    Empty,
}

/// Decodes the HMAC key bytes from a configured secret.
pub fn decode_key(encoding: KeyEncoding, secret: &Secret) -> Result<Vec<u8>, KeyError> {
    let text = secret.expose();
    let key = match encoding {
        KeyEncoding::Text => text.as_bytes().to_vec(),
        KeyEncoding::Hex => hex::decode(text.trim()).map_err(|_| KeyError::NotHex)?,
        KeyEncoding::Base64 => {
            let encoded = text.trim();
            let encoded = encoded.strip_prefix(WHSEC_PREFIX).unwrap_or(encoded);
            decode_base64(encoded).ok_or(KeyError::NotBase64)?
        }
    };

    if key.is_empty() {
        return Err(KeyError::Empty);
    }
    Ok(key)
}

/// Computes the HMAC of the concatenated `parts`.
pub fn compute(algorithm: Algorithm, key: &[u8], parts: &[&[u8]]) -> Vec<u8> {
    match algorithm {
        Algorithm::Sha256 => compute_with::<Hmac<Sha256>>(key, parts),
        Algorithm::Sha1 => compute_with::<Hmac<Sha1>>(key, parts),
        Algorithm::Sha512 => compute_with::<Hmac<Sha512>>(key, parts),
    }
}

fn compute_with<M: Mac + hmac::digest::KeyInit>(key: &[u8], parts: &[&[u8]]) -> Vec<u8> {
    // HMAC pads or hashes keys of any length (RFC 2104), so `new_from_slice` cannot fail.
    let mut mac = <M as Mac>::new_from_slice(key).expect("HMAC accepts keys of any length");
    for part in parts {
        mac.update(part);
    }
    mac.finalize().into_bytes().to_vec()
}

/// Returns the digest length in bytes of `algorithm`.
pub fn digest_len(algorithm: Algorithm) -> usize {
    match algorithm {
        Algorithm::Sha256 => 32,
        Algorithm::Sha1 => 20,
        Algorithm::Sha512 => 64,
    }
}

/// Returns the name of the MAC, such as `HMAC-SHA256`, for diagnoses.
pub fn mac_name(algorithm: Algorithm) -> &'static str {
    match algorithm {
        Algorithm::Sha256 => "HMAC-SHA256",
        Algorithm::Sha1 => "HMAC-SHA1",
        Algorithm::Sha512 => "HMAC-SHA512",
    }
}

/// Compares two digests in time that does not depend on where they differ.
pub fn digests_equal(expected: &[u8], received: &[u8]) -> bool {
    expected.ct_eq(received).into()
}

/// Writes a digest as the sender would.
pub fn encode_digest(encoding: DigestEncoding, digest: &[u8]) -> String {
    match encoding {
        DigestEncoding::Hex | DigestEncoding::HexOrBase64 => hex::encode(digest),
        DigestEncoding::Base64 => general_purpose::STANDARD.encode(digest),
    }
}

/// Reads a digest written as `encoding`, or `None` when the text is not in that encoding.
/// `expected_len` decides between hex and base64 for [`DigestEncoding::HexOrBase64`].
pub fn decode_digest(encoding: DigestEncoding, text: &str, expected_len: usize) -> Option<Vec<u8>> {
    match encoding {
        DigestEncoding::Hex => hex::decode(text).ok(),
        DigestEncoding::Base64 => decode_base64(text),
        DigestEncoding::HexOrBase64 => {
            let hex_shaped = text.len() == expected_len * 2 && looks_like_hex(text);
            if hex_shaped {
                hex::decode(text).ok()
            } else {
                decode_base64(text)
            }
        }
    }
}

/// Describes what a received digest looks like, for a diagnosis: `hex`, `base64` or
/// `neither hex nor base64`.
pub fn describe_shape(text: &str) -> &'static str {
    if looks_like_hex(text) {
        "hex"
    } else if decode_base64(text).is_some() {
        "base64"
    } else {
        "neither hex nor base64"
    }
}

/// Returns the text length of a digest of `len` bytes in `encoding`, with base64 padding.
pub fn encoded_len(encoding: DigestEncoding, len: usize) -> usize {
    match encoding {
        DigestEncoding::Hex | DigestEncoding::HexOrBase64 => len * 2,
        DigestEncoding::Base64 => len.div_ceil(3) * 4,
    }
}

fn looks_like_hex(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|byte| byte.is_ascii_hexdigit())
}

fn decode_base64(text: &str) -> Option<Vec<u8>> {
    STANDARD_ANY_PADDING
        .decode(text)
        .or_else(|_| URL_SAFE_ANY_PADDING.decode(text))
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decode_key_strips_whsec_prefix() {
        let secret = Secret::new("whsec_AAEC");
        assert_eq!(
            decode_key(KeyEncoding::Base64, &secret).unwrap(),
            vec![0, 1, 2]
        );
    }

    #[test]
    fn decode_key_text_keeps_whsec_prefix() {
        let secret = Secret::new("whsec_AAEC");
        assert_eq!(
            decode_key(KeyEncoding::Text, &secret).unwrap(),
            b"whsec_AAEC".to_vec()
        );
    }

    #[test]
    fn decode_key_rejects_bad_hex() {
        let secret = Secret::new("zz");
        assert!(matches!(
            decode_key(KeyEncoding::Hex, &secret),
            Err(KeyError::NotHex)
        ));
    }

    #[test]
    fn hex_or_base64_picks_hex_by_length() {
        let digest = [0xab_u8; 20];
        let hex_text = hex::encode(digest);
        let decoded = decode_digest(DigestEncoding::HexOrBase64, &hex_text, 20).unwrap();
        assert_eq!(decoded, digest);

        let base64_text = general_purpose::STANDARD.encode(digest);
        let decoded = decode_digest(DigestEncoding::HexOrBase64, &base64_text, 20).unwrap();
        assert_eq!(decoded, digest);
    }

    #[test]
    fn rfc4231_case_2_sha256() {
        let digest = compute(
            Algorithm::Sha256,
            b"Jefe",
            &[b"what do ya want ", b"for nothing?"],
        );
        assert_eq!(
            hex::encode(digest),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn describe_shape_of_digests() {
        assert_eq!(describe_shape("ab12"), "hex");
        assert_eq!(describe_shape("q83vEjRW"), "base64");
        assert_eq!(describe_shape("not-base64!!"), "neither hex nor base64");
    }
}
