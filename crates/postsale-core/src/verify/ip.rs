//! IP addresses and CIDR ranges, for the IP allow list and for trusted proxies.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use ipnet::IpNet;
use serde::{Deserialize, Serialize};

/// One address (`198.51.100.10`, `2001:db8::1`) or CIDR range (`198.51.100.0/24`).
///
/// IPv4-mapped IPv6 addresses (`::ffff:198.51.100.10`) are matched as the IPv4 address, on
/// both sides, because dual-stack listeners report IPv4 peers in that form.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct IpRange(IpNet);

impl IpRange {
    /// Returns whether `address` falls inside the range.
    pub fn contains(&self, address: IpAddr) -> bool {
        self.0.contains(&address.to_canonical())
    }

    pub fn net(&self) -> IpNet {
        self.0
    }
}

/// Returns whether any of `ranges` contains `address`.
pub fn any_contains(ranges: &[IpRange], address: IpAddr) -> bool {
    ranges.iter().any(|range| range.contains(address))
}

/// The error for text that is neither an IP address nor a CIDR range.
#[derive(Debug, thiserror::Error)]
#[error(
    "invalid IP address or range {0:?}: write an address such as 198.51.100.10 or 2001:db8::1, \
     or a CIDR range such as 198.51.100.0/24"
)]
pub struct InvalidIpRange(pub String);

impl FromStr for IpRange {
    type Err = InvalidIpRange;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let trimmed = text.trim();
        let net = match trimmed.parse::<IpNet>() {
            Ok(net) => net,
            Err(_) => trimmed
                .parse::<IpAddr>()
                .map(IpNet::from)
                .map_err(|_| InvalidIpRange(text.to_owned()))?,
        };
        Ok(Self(canonical_net(net).trunc()))
    }
}

/// Rewrites an IPv4-mapped IPv6 range with a prefix of at least 96 bits as the IPv4 range.
fn canonical_net(net: IpNet) -> IpNet {
    let IpNet::V6(v6) = net else {
        return net;
    };
    let Some(v4) = v6.addr().to_ipv4_mapped() else {
        return net;
    };
    if v6.prefix_len() < 96 {
        return net;
    }

    IpNet::new(IpAddr::V4(v4), v6.prefix_len() - 96).unwrap_or(net)
}

impl TryFrom<String> for IpRange {
    type Error = InvalidIpRange;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        text.parse()
    }
}

impl From<IpRange> for String {
    fn from(range: IpRange) -> Self {
        range.to_string()
    }
}

impl fmt::Display for IpRange {
    /// Writes a single address without its `/32` or `/128`, as the merchant entered it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.prefix_len() == self.0.max_prefix_len() {
            self.0.addr().fmt(f)
        } else {
            self.0.fmt(f)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(text: &str) -> IpRange {
        text.parse().unwrap()
    }

    fn addr(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn single_address_matches_itself() {
        assert!(range("198.51.100.10").contains(addr("198.51.100.10")));
        assert!(!range("198.51.100.10").contains(addr("198.51.100.11")));
    }

    #[test]
    fn cidr_ranges_match_v4_and_v6() {
        assert!(range("198.51.100.0/24").contains(addr("198.51.100.200")));
        assert!(!range("198.51.100.0/24").contains(addr("198.51.101.1")));
        assert!(range("2001:db8::/32").contains(addr("2001:db8:1::5")));
        assert!(!range("2001:db8::/32").contains(addr("2001:db9::5")));
    }

    #[test]
    fn mapped_v6_matches_as_v4() {
        assert!(range("198.51.100.0/24").contains(addr("::ffff:198.51.100.10")));
        assert!(range("::ffff:198.51.100.10").contains(addr("198.51.100.10")));
        assert!(range("::ffff:198.51.100.0/120").contains(addr("198.51.100.77")));
    }

    #[test]
    fn host_bits_are_cleared() {
        assert_eq!(range("198.51.100.7/24").to_string(), "198.51.100.0/24");
        assert_eq!(range("198.51.100.7").to_string(), "198.51.100.7");
    }

    #[test]
    fn invalid_text_is_rejected() {
        assert!("198.51.100.300".parse::<IpRange>().is_err());
        assert!("example.com".parse::<IpRange>().is_err());
        assert!("10.0.0.0/33".parse::<IpRange>().is_err());
    }
}
