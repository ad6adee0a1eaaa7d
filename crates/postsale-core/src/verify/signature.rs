//! Reading a signature from the request headers: the digests the sender wrote, the bytes
//! signed before the body, and the signed timestamp checked against the server clock.

use http::HeaderMap;
use time::OffsetDateTime;

use super::hmac_config::{HmacConfig, SignedContent};
use super::rejection::{CheckKind, Reason, Rejection};

/// Timestamps above this many seconds (the year 5138) are almost surely milliseconds.
const MILLISECONDS_HINT_ABOVE: i64 = 100_000_000_000;

/// The signature a request claims: the signed bytes before the body and the digests.
#[derive(Debug)]
pub(crate) struct ClaimedSignature<'a> {
    /// The bytes signed before the body: `""`, `"{t}."` or `"{id}.{timestamp}."`.
    pub preamble: String,
    /// The digest texts as received, without prefixes. A request may carry several.
    pub digests: Vec<&'a str>,
}

/// Reads the signature headers of `config` and checks the signed timestamp, if any.
pub(crate) fn read_signature<'a>(
    config: &HmacConfig,
    headers: &'a HeaderMap,
    now: OffsetDateTime,
) -> Result<ClaimedSignature<'a>, Rejection> {
    match config.signed_content {
        SignedContent::Body => read_body_signature(config, headers),
        SignedContent::TimestampBody => read_timestamp_signature(config, headers, now),
        SignedContent::IdTimestampBody => read_standard_signature(config, headers, now),
    }
}

/// Returns the trimmed text of a header the check needs, rejecting it when it is absent,
/// empty or not visible ASCII.
pub(crate) fn required_header<'a>(
    check: CheckKind,
    headers: &'a HeaderMap,
    name: &str,
) -> Result<&'a str, Rejection> {
    let Some(value) = headers.get(name) else {
        let diagnosis = format!("header {name} is missing; the sender must send it");
        return Err(Rejection::new(check, Reason::MissingHeader, diagnosis));
    };

    let Ok(text) = value.to_str() else {
        let diagnosis = format!(
            "header {name} contains bytes outside visible ASCII ({} bytes); \
             a signature or credential is sent as ASCII text",
            value.len()
        );
        return Err(Rejection::new(check, Reason::MalformedHeader, diagnosis));
    };

    let text = text.trim();
    if text.is_empty() {
        let diagnosis = format!("header {name} is empty; the sender must put a value in it");
        return Err(Rejection::new(check, Reason::MissingHeader, diagnosis));
    }
    Ok(text)
}

fn read_body_signature<'a>(
    config: &HmacConfig,
    headers: &'a HeaderMap,
) -> Result<ClaimedSignature<'a>, Rejection> {
    let text = required_header(CheckKind::Hmac, headers, &config.header)?;
    let digest = match config.prefix.as_deref() {
        None => text,
        Some(prefix) => strip_prefix_ignoring_case(text, prefix).ok_or_else(|| {
            let diagnosis = format!(
                "header {} should start with {prefix:?} followed by the digest",
                config.header
            );
            malformed_signature(diagnosis)
        })?,
    };

    Ok(ClaimedSignature {
        preamble: String::new(),
        digests: vec![digest],
    })
}

fn read_timestamp_signature<'a>(
    config: &HmacConfig,
    headers: &'a HeaderMap,
    now: OffsetDateTime,
) -> Result<ClaimedSignature<'a>, Rejection> {
    let header = config.header.as_str();
    let text = required_header(CheckKind::Hmac, headers, header)?;

    let mut timestamps = Vec::new();
    let mut digests = Vec::new();
    for element in text.split(',') {
        match element.trim().split_once('=') {
            Some(("t", value)) => timestamps.push(value.trim()),
            Some(("v1", value)) => digests.push(value.trim()),
            _ => {}
        }
    }

    let [timestamp] = timestamps[..] else {
        let diagnosis = format!(
            "header {header} has {} t=<timestamp> elements, expected exactly one, as in \
             t=1700000000,v1=<hex digest>",
            timestamps.len()
        );
        return Err(Rejection::new(
            CheckKind::Hmac,
            Reason::MalformedHeader,
            diagnosis,
        ));
    };
    check_timestamp(config, header, timestamp, now)?;

    if digests.is_empty() {
        let diagnosis = format!("header {header} has no v1=<digest> element");
        return Err(malformed_signature(diagnosis));
    }
    Ok(ClaimedSignature {
        preamble: format!("{timestamp}."),
        digests,
    })
}

fn read_standard_signature<'a>(
    config: &HmacConfig,
    headers: &'a HeaderMap,
    now: OffsetDateTime,
) -> Result<ClaimedSignature<'a>, Rejection> {
    let id_header = config.id_header.as_deref().unwrap_or("webhook-id");
    let timestamp_header = config
        .timestamp_header
        .as_deref()
        .unwrap_or("webhook-timestamp");
    let id = required_header(CheckKind::Hmac, headers, id_header)?;
    let timestamp = required_header(CheckKind::Hmac, headers, timestamp_header)?;
    let text = required_header(CheckKind::Hmac, headers, &config.header)?;

    check_timestamp(config, timestamp_header, timestamp, now)?;

    // Entries of other versions (such as asymmetric `v1a`) are skipped: only `v1` is HMAC.
    let digests: Vec<&str> = text
        .split_ascii_whitespace()
        .filter_map(|entry| entry.split_once(','))
        .filter(|(version, _)| *version == "v1")
        .map(|(_, digest)| digest)
        .collect();
    if digests.is_empty() {
        let diagnosis = format!(
            "header {} has no v1,<base64 digest> entry; entries are separated by spaces",
            config.header
        );
        return Err(malformed_signature(diagnosis));
    }

    Ok(ClaimedSignature {
        preamble: format!("{id}.{timestamp}."),
        digests,
    })
}

/// Rejects a timestamp that is not whole Unix seconds or lies outside the tolerance.
fn check_timestamp(
    config: &HmacConfig,
    header: &str,
    text: &str,
    now: OffsetDateTime,
) -> Result<(), Rejection> {
    let Ok(timestamp) = text.parse::<i64>() else {
        let diagnosis = format!("timestamp {text:?} in {header} is not whole Unix seconds");
        return Err(Rejection::new(
            CheckKind::Hmac,
            Reason::MalformedHeader,
            diagnosis,
        ));
    };

    let age = i128::from(now.unix_timestamp()) - i128::from(timestamp);
    let tolerance = i128::from(config.tolerance_secs);
    if age.abs() <= tolerance {
        return Ok(());
    }

    let direction = if age > 0 { "older than" } else { "ahead of" };
    let mut diagnosis = format!(
        "timestamp {timestamp} in {header} is {} s {direction} the server clock ({}), \
         {} s outside the allowed window of ±{tolerance} s; check the sender's clock, \
         or send a new delivery instead of replaying an old one",
        age.abs(),
        now.unix_timestamp(),
        age.abs() - tolerance,
    );
    if timestamp > MILLISECONDS_HINT_ABOVE {
        diagnosis.push_str("; the value looks like milliseconds, but seconds are expected");
    }
    Err(Rejection::new(
        CheckKind::Hmac,
        Reason::TimestampOutOfWindow,
        diagnosis,
    ))
}

fn strip_prefix_ignoring_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &text[prefix.len()..])
}

fn malformed_signature(diagnosis: String) -> Rejection {
    Rejection::new(CheckKind::Hmac, Reason::MalformedSignature, diagnosis)
}
