//! The outcome of verification: `Verified`, or a `Rejection` with a status, a reason code and
//! a diagnosis that shows an integrator what to fix without revealing a secret.

use std::fmt;
use std::net::IpAddr;

use http::StatusCode;
use serde::Serialize;

/// The `WWW-Authenticate` value to send with a rejection by the Basic Auth check.
pub const BASIC_CHALLENGE: &str = "Basic realm=\"postsale\"";

/// A request that passed every check.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Verified {
    /// The client address the IP allow list was checked against: the TCP peer, or the
    /// `X-Forwarded-For` hop named by trusted proxies.
    pub client_address: IpAddr,
    /// The index in `secrets` of the secret that matched the first HMAC check, for logging.
    pub secret_index: Option<usize>,
}

/// The kind of check that rejected a request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckKind {
    BasicAuth,
    HeaderValue,
    Hmac,
    IpAllowList,
}

impl CheckKind {
    pub fn as_str(self) -> &'static str {
        match self {
            CheckKind::BasicAuth => "basic_auth",
            CheckKind::HeaderValue => "header_value",
            CheckKind::Hmac => "hmac",
            CheckKind::IpAllowList => "ip_allow_list",
        }
    }
}

/// The reason for a rejection, as a stable code for logs, metrics and API responses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// A header the check needs is absent or empty.
    MissingHeader,
    /// A header is present but not in the form the check reads, such as a Basic Auth value
    /// that is not base64 or a timestamp that is not a number.
    MalformedHeader,
    /// The digest is not readable as the configured encoding, or is empty.
    MalformedSignature,
    /// The digest is readable but matches no active secret.
    BadSignature,
    /// The signed timestamp is further from the server clock than the tolerance.
    TimestampOutOfWindow,
    /// No secret of the HMAC check is valid at this instant, or none can be decoded.
    NoActiveSecret,
    /// The Basic Auth username or password, or the header value, does not match.
    BadCredentials,
    /// The client address is outside the IP allow list.
    IpNotAllowed,
}

impl Reason {
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::MissingHeader => "missing_header",
            Reason::MalformedHeader => "malformed_header",
            Reason::MalformedSignature => "malformed_signature",
            Reason::BadSignature => "bad_signature",
            Reason::TimestampOutOfWindow => "timestamp_out_of_window",
            Reason::NoActiveSecret => "no_active_secret",
            Reason::BadCredentials => "bad_credentials",
            Reason::IpNotAllowed => "ip_not_allowed",
        }
    }

    /// 403 for an address outside the allow list, 401 for every other reason.
    pub fn status(self) -> StatusCode {
        match self {
            Reason::IpNotAllowed => StatusCode::FORBIDDEN,
            _ => StatusCode::UNAUTHORIZED,
        }
    }
}

/// A request that failed a check. The diagnosis never contains a secret or a digest
/// computed with one, so it may be shown to the sender and logged.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{} check failed ({}): {diagnosis}", check.as_str(), reason.as_str())]
pub struct Rejection {
    #[serde(serialize_with = "serialize_status")]
    pub status: StatusCode,
    pub reason: Reason,
    pub check: CheckKind,
    /// The problem found and the change the sender should make.
    pub diagnosis: String,
}

impl Rejection {
    pub(crate) fn new(check: CheckKind, reason: Reason, diagnosis: impl Into<String>) -> Self {
        Self {
            status: reason.status(),
            reason,
            check,
            diagnosis: diagnosis.into(),
        }
    }

    /// The `WWW-Authenticate` value the response must carry: set only when the Basic Auth
    /// check rejected the request, so that clients know to send credentials.
    pub fn www_authenticate(&self) -> Option<&'static str> {
        (self.check == CheckKind::BasicAuth).then_some(BASIC_CHALLENGE)
    }
}

fn serialize_status<S: serde::Serializer>(status: &StatusCode, out: S) -> Result<S::Ok, S::Error> {
    out.serialize_u16(status.as_u16())
}

impl fmt::Display for CheckKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}
