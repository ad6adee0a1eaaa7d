//! The client address of a request: the TCP peer, or the `X-Forwarded-For` hop that trusted
//! proxies vouch for.

use std::net::{IpAddr, SocketAddr};

use http::HeaderMap;

use crate::verify::IpRange;

/// Resolves the address a request came from.
///
/// When the TCP peer is not inside `trusted_proxies`, the peer is the client and no header
/// is read, because anyone can write `X-Forwarded-For`. When it is, the entries of
/// `X-Forwarded-For` are walked from the right, each appended by the hop before it: the
/// first entry outside `trusted_proxies` is the client. `X-Real-IP` and `Forwarded` are
/// never read, so that two headers cannot disagree.
///
/// When an entry is not an IP address, or every entry is a trusted proxy, the last trusted
/// hop reached is returned: it is the furthest address that trusted proxies vouch for.
pub fn client_address(peer: IpAddr, headers: &HeaderMap, trusted_proxies: &[IpRange]) -> IpAddr {
    let mut current = peer.to_canonical();
    if !is_trusted(trusted_proxies, current) {
        return current;
    }

    for entry in forwarded_entries(headers).into_iter().rev() {
        let Some(address) = parse_entry(entry) else {
            return current;
        };

        current = address.to_canonical();
        if !is_trusted(trusted_proxies, current) {
            return current;
        }
    }
    current
}

fn is_trusted(trusted_proxies: &[IpRange], address: IpAddr) -> bool {
    trusted_proxies.iter().any(|range| range.contains(address))
}

/// Lists the comma-separated entries of every `X-Forwarded-For` header, in order. A header that is
/// not ASCII gives one entry that fails to parse, which ends the walk there.
fn forwarded_entries(headers: &HeaderMap) -> Vec<&str> {
    headers
        .get_all("x-forwarded-for")
        .iter()
        .flat_map(|value| value.to_str().unwrap_or("not ascii").split(','))
        .map(str::trim)
        .collect()
}

/// Parses `198.51.100.10`, `198.51.100.10:4711`, `2001:db8::1` or `[2001:db8::1]:4711`.
fn parse_entry(entry: &str) -> Option<IpAddr> {
    if let Ok(address) = entry.parse::<IpAddr>() {
        return Some(address);
    }
    if let Ok(socket) = entry.parse::<SocketAddr>() {
        return Some(socket.ip());
    }
    let bracketed = entry.strip_prefix('[')?.strip_suffix(']')?;
    bracketed.parse().ok()
}

#[cfg(test)]
mod tests {
    use http::HeaderValue;

    use super::*;

    fn resolve(peer: &str, forwarded: &[&str], trusted: &[&str]) -> IpAddr {
        let mut headers = HeaderMap::new();
        for value in forwarded {
            headers.append("x-forwarded-for", HeaderValue::from_str(value).unwrap());
        }
        let trusted: Vec<IpRange> = trusted.iter().map(|text| text.parse().unwrap()).collect();
        client_address(peer.parse().unwrap(), &headers, &trusted)
    }

    fn addr(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn untrusted_peer_ignores_header() {
        let client = resolve("203.0.113.99", &["198.51.100.10"], &["10.0.0.0/8"]);
        assert_eq!(client, addr("203.0.113.99"));
    }

    #[test]
    fn walks_past_every_trusted_hop() {
        let client = resolve(
            "10.0.0.2",
            &["1.1.1.1, 198.51.100.10, 10.0.0.7"],
            &["10.0.0.0/8"],
        );
        assert_eq!(client, addr("198.51.100.10"));
    }

    #[test]
    fn joins_repeated_headers_in_order() {
        let client = resolve("10.0.0.2", &["198.51.100.10", "10.0.0.9"], &["10.0.0.0/8"]);
        assert_eq!(client, addr("198.51.100.10"));
    }

    #[test]
    fn garbage_entry_stops_at_last_trusted_hop() {
        let client = resolve(
            "10.0.0.2",
            &["198.51.100.10, unknown, 10.0.0.3"],
            &["10.0.0.0/8"],
        );
        assert_eq!(client, addr("10.0.0.3"));
    }

    #[test]
    fn entries_with_ports_and_brackets_parse() {
        let client = resolve("10.0.0.2", &["[2001:db8::5]:443"], &["10.0.0.0/8"]);
        assert_eq!(client, addr("2001:db8::5"));
        let client = resolve("10.0.0.2", &["198.51.100.10:4711"], &["10.0.0.0/8"]);
        assert_eq!(client, addr("198.51.100.10"));
    }

    #[test]
    fn mapped_peer_is_canonical() {
        let client = resolve("::ffff:198.51.100.10", &[], &[]);
        assert_eq!(client, addr("198.51.100.10"));
    }
}
