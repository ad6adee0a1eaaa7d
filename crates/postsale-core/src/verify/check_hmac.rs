//! The HMAC check: recomputes the digest with each active secret and compares it, in
//! constant time, with every digest the request carries.

use http::HeaderMap;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::digest::{
    compute, decode_digest, decode_key, describe_shape, digest_len, digests_equal, encoded_len,
    mac_name,
};
use super::hmac_config::{
    DigestEncoding, HmacConfig, SignedContent, SignedContentEncoding, SigningSecret,
};
use super::rejection::{CheckKind, Reason, Rejection};
use super::signature::read_signature;

/// The request parts an HMAC check reads.
#[derive(Debug, Clone, Copy)]
pub(crate) struct HmacInput<'a> {
    pub headers: &'a HeaderMap,
    pub raw_body: &'a [u8],
    pub decoded_body: &'a [u8],
    pub now: OffsetDateTime,
}

/// Runs one HMAC check and returns the index of the secret that matched.
pub(crate) fn check_hmac(config: &HmacConfig, input: HmacInput<'_>) -> Result<usize, Rejection> {
    let claimed = read_signature(config, input.headers, input.now)?;
    let received = decode_received(config, &claimed.digests)?;

    let body = match config.signed_content_encoding {
        SignedContentEncoding::Decoded => input.decoded_body,
        SignedContentEncoding::Raw => input.raw_body,
    };
    let parts: [&[u8]; 2] = [claimed.preamble.as_bytes(), body];

    let active: Vec<usize> = (0..config.secrets.len())
        .filter(|&index| config.secrets[index].is_active_at(input.now))
        .collect();
    if let Some(index) = find_match(config, &active, &parts, &received) {
        return Ok(index);
    }

    let usable = active
        .iter()
        .filter(|&&index| decode_key(config.key_encoding, &config.secrets[index].value).is_ok())
        .count();
    if usable == 0 {
        return Err(no_active_secret(config, input.now));
    }

    let inactive: Vec<usize> = (0..config.secrets.len())
        .filter(|i| !active.contains(i))
        .collect();
    if let Some(index) = find_match(config, &inactive, &parts, &received) {
        return Err(signed_with_inactive_secret(config, index, input.now));
    }
    Err(bad_signature(
        config,
        &parts,
        &claimed.digests,
        &received,
        usable,
    ))
}

/// Decodes every received digest, rejecting the request when none is readable.
fn decode_received(config: &HmacConfig, digests: &[&str]) -> Result<Vec<Vec<u8>>, Rejection> {
    let expected_len = digest_len(config.algorithm);
    let decoded: Vec<Vec<u8>> = digests
        .iter()
        .filter(|text| !text.is_empty())
        .filter_map(|text| decode_digest(config.encoding, text, expected_len))
        .collect();
    if !decoded.is_empty() {
        return Ok(decoded);
    }

    let first = digests.first().copied().unwrap_or_default();
    let hex_len = encoded_len(DigestEncoding::Hex, expected_len);
    let base64_len = encoded_len(DigestEncoding::Base64, expected_len);
    let form = match config.encoding {
        DigestEncoding::Hex => format!("{hex_len} characters of hex"),
        DigestEncoding::Base64 => format!("{base64_len} characters of base64"),
        DigestEncoding::HexOrBase64 => {
            format!("{hex_len} characters of hex or {base64_len} of base64")
        }
    };
    let expected = format!("a {} digest is {form}", mac_name(config.algorithm));
    let diagnosis = if first.is_empty() {
        format!(
            "the digest in header {} is empty; {expected}",
            config.header
        )
    } else {
        format!(
            "the digest in header {} ({} characters) looks like {}; {expected}",
            config.header,
            first.len(),
            describe_shape(first)
        )
    };
    Err(Rejection::new(
        CheckKind::Hmac,
        Reason::MalformedSignature,
        diagnosis,
    ))
}

fn find_match(
    config: &HmacConfig,
    indexes: &[usize],
    parts: &[&[u8]],
    received: &[Vec<u8>],
) -> Option<usize> {
    indexes.iter().copied().find(|&index| {
        let Ok(key) = decode_key(config.key_encoding, &config.secrets[index].value) else {
            return false;
        };
        let expected = compute(config.algorithm, &key, parts);

        // Every candidate is compared, so the time taken does not tell which one matched.
        received.iter().fold(false, |matched, digest| {
            matched | digests_equal(&expected, digest)
        })
    })
}

fn bad_signature(
    config: &HmacConfig,
    parts: &[&[u8]],
    received_texts: &[&str],
    received: &[Vec<u8>],
    usable: usize,
) -> Rejection {
    let signed_len: usize = parts.iter().map(|part| part.len()).sum();
    let mut diagnosis = format!(
        "{} of the {signed_len} signed bytes ({}) with {usable} active secret(s) matches none \
         of the {} digest(s) in header {}; ",
        mac_name(config.algorithm),
        describe_signed_content(config),
        received.len(),
        config.header,
    );

    diagnosis.push_str(&describe_received(config, received_texts, received));
    Rejection::new(CheckKind::Hmac, Reason::BadSignature, diagnosis)
}

/// Explains why readable digests may not match: a digest in the other encoding, a digest of
/// another length, or else a different secret or body.
fn describe_received(config: &HmacConfig, texts: &[&str], received: &[Vec<u8>]) -> String {
    let expected_len = digest_len(config.algorithm);
    let hex_len = encoded_len(DigestEncoding::Hex, expected_len);
    let hex_on_base64 = config.encoding == DigestEncoding::Base64
        && texts
            .iter()
            .any(|text| text.len() == hex_len && describe_shape(text) == "hex");
    if hex_on_base64 {
        return format!(
            "the received digest looks like hex ({hex_len} characters), but this check reads \
             base64: set the encoding to hex if the sender writes hex"
        );
    }

    if let Some(digest) = received.iter().find(|digest| digest.len() != expected_len) {
        return format!(
            "a received digest decodes to {} bytes but {} gives {expected_len}: check the \
             algorithm and encoding settings",
            digest.len(),
            mac_name(config.algorithm)
        );
    }
    format!(
        "the digest has the expected length ({expected_len} bytes of {}), so the secret or the \
         signed bytes differ: check the secret, and that the body is sent exactly as signed",
        encoding_name(config)
    )
}

fn signed_with_inactive_secret(
    config: &HmacConfig,
    index: usize,
    now: OffsetDateTime,
) -> Rejection {
    let diagnosis = format!(
        "the request is signed with secret #{index}, which is not valid at {} ({}); \
         the sender must sign with the current secret",
        format_instant(now),
        describe_window(&config.secrets[index])
    );
    Rejection::new(CheckKind::Hmac, Reason::BadSignature, diagnosis)
}

fn no_active_secret(config: &HmacConfig, now: OffsetDateTime) -> Rejection {
    let windows: Vec<String> = config
        .secrets
        .iter()
        .enumerate()
        .map(
            |(index, secret)| match decode_key(config.key_encoding, &secret.value) {
                Ok(_) => format!("secret #{index} {}", describe_window(secret)),
                Err(error) => format!("secret #{index} cannot be used: {error}"),
            },
        )
        .collect();
    let diagnosis = format!(
        "no secret of this webhook can be used at {}: {}; update the secrets in the webhook's \
         security settings",
        format_instant(now),
        windows.join(", ")
    );
    Rejection::new(CheckKind::Hmac, Reason::NoActiveSecret, diagnosis)
}

fn describe_signed_content(config: &HmacConfig) -> String {
    let body = match config.signed_content_encoding {
        SignedContentEncoding::Decoded => "decoded body",
        SignedContentEncoding::Raw => "body as received",
    };
    match config.signed_content {
        SignedContent::Body => format!("the {body}"),
        SignedContent::TimestampBody => format!("{{t}}.{{{body}}}"),
        SignedContent::IdTimestampBody => format!("{{id}}.{{timestamp}}.{{{body}}}"),
    }
}

fn describe_window(secret: &SigningSecret) -> String {
    match (secret.valid_from, secret.valid_until) {
        (None, None) => "valid at every instant".to_owned(),
        (Some(from), None) => format!("valid from {}", format_instant(from)),
        (None, Some(until)) => format!("valid until {}", format_instant(until)),
        (Some(from), Some(until)) => {
            format!(
                "valid from {} until {}",
                format_instant(from),
                format_instant(until)
            )
        }
    }
}

fn encoding_name(config: &HmacConfig) -> &'static str {
    match config.encoding {
        DigestEncoding::Hex => "hex",
        DigestEncoding::Base64 => "base64",
        DigestEncoding::HexOrBase64 => "hex or base64",
    }
}

fn format_instant(instant: OffsetDateTime) -> String {
    instant
        .format(&Rfc3339)
        .unwrap_or_else(|_| instant.unix_timestamp().to_string())
}
