//! `verify_request`: runs every check of a `SecurityConfig` against one request.

use std::net::IpAddr;

use http::HeaderMap;
use time::OffsetDateTime;

use super::check_hmac::{HmacInput, check_hmac};
use super::config::{Check, IpAllowList, SecurityConfig};
use super::credentials::{check_basic_auth, check_header_value};
use super::ip::{IpRange, any_contains};
use super::rejection::{CheckKind, Reason, Rejection, Verified};
use crate::ingress::client_address;

/// Everything verification reads from one request. Nothing is read from elsewhere.
#[derive(Debug, Clone, Copy)]
pub struct VerifyInput<'a> {
    pub headers: &'a HeaderMap,
    /// The body bytes as received, before any `Content-Encoding` is undone.
    pub raw_body: &'a [u8],
    /// The body after `Content-Encoding` is undone; the same bytes as `raw_body` when the
    /// request has no encoding.
    pub decoded_body: &'a [u8],
    /// The TCP peer address.
    pub peer: IpAddr,
    /// The proxies whose `X-Forwarded-For` entries are believed, a server-wide setting.
    pub trusted_proxies: &'a [IpRange],
    pub now: OffsetDateTime,
}

/// Runs every check of `config` and returns the first failure.
///
/// The IP allow list runs first, so that a sender outside it learns nothing about the other
/// checks. A configuration without checks lets every request pass; [`SecurityConfig::validate`]
/// rejects such a configuration when it is saved.
pub fn verify_request(
    config: &SecurityConfig,
    input: &VerifyInput<'_>,
) -> Result<Verified, Rejection> {
    let client = client_address(input.peer, input.headers, input.trusted_proxies);
    for check in &config.checks {
        if let Check::IpAllowList(list) = check {
            check_ip(list, client, input.peer)?;
        }
    }

    let mut secret_index = None;
    for check in &config.checks {
        match check {
            Check::BasicAuth(basic) => check_basic_auth(basic, input.headers)?,
            Check::HeaderValue(header) => check_header_value(header, input.headers)?,
            Check::Hmac(hmac) => {
                let index = check_hmac(hmac, hmac_input(input))?;
                secret_index.get_or_insert(index);
            }
            Check::IpAllowList(_) => {}
        }
    }

    Ok(Verified {
        client_address: client,
        secret_index,
    })
}

fn hmac_input<'a>(input: &VerifyInput<'a>) -> HmacInput<'a> {
    HmacInput {
        headers: input.headers,
        raw_body: input.raw_body,
        decoded_body: input.decoded_body,
        now: input.now,
    }
}

fn check_ip(list: &IpAllowList, client: IpAddr, peer: IpAddr) -> Result<(), Rejection> {
    if any_contains(&list.allow, client) {
        return Ok(());
    }

    let source = if client == peer.to_canonical() {
        "the TCP peer".to_owned()
    } else {
        format!("from X-Forwarded-For, sent by the trusted proxy {peer}")
    };
    let diagnosis = format!(
        "client address {client} ({source}) is outside the webhook's IP allow list of {} \
         entries; add it to the list if this sender is expected",
        list.allow.len()
    );
    Err(Rejection::new(
        CheckKind::IpAllowList,
        Reason::IpNotAllowed,
        diagnosis,
    ))
}
