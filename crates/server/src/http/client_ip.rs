//! Whose address a request comes from, for the action log and the login limiter: the TCP
//! peer, or — only when that peer is a reverse proxy given with `serve --trusted-proxy CIDR` —
//! the address that proxy reports in `X-Forwarded-For`.
//!
//! Decisions:
//! - `X-Forwarded-For` is read from the right: each trusted proxy appends the address it got
//!   the request from, so the rightmost address that is not a trusted proxy is the client.
//!   Anything left of it was written by the client itself and is ignored.
//! - An unparsable entry ends the walk at the nearest proxy that was verified: the log then
//!   names that proxy rather than a string the client chose.
//! - Addresses are canonical (`::ffff:10.0.0.1` is `10.0.0.1`), so IPv4 proxies match their
//!   CIDR when the server listens on an IPv6 socket.

use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::HeaderMap;
use ipnet::IpNet;

/// `serve --trusted-proxy`: the networks of the reverse proxies in front of the server. Put in
/// the request extensions by the router's `Extension` layer; without it no proxy is trusted.
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(Arc<Vec<IpNet>>);

impl TrustedProxies {
    pub fn new(nets: Vec<IpNet>) -> Self {
        Self(Arc::new(nets))
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|n| n.contains(&ip))
    }

    /// The client's address for a request from `peer` with these headers.
    pub fn client_ip(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let mut ip = peer.to_canonical();
        if !self.trusts(ip) {
            return ip;
        }
        let hops: Vec<&str> = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .collect();
        for hop in hops.into_iter().rev() {
            let Ok(next) = hop.parse::<IpAddr>().map(|a| a.to_canonical()) else {
                break;
            };
            ip = next;
            if !self.trusts(ip) {
                break;
            }
        }
        ip
    }
}

/// Parses `--trusted-proxy`: a CIDR (`10.0.0.0/8`, `fd00::/8`) or one address.
pub fn parse_trusted_proxy(s: &str) -> Result<IpNet, String> {
    s.parse::<IpNet>()
        .or_else(|_| s.parse::<IpAddr>().map(IpNet::from))
        .map_err(|_| format!("\"{s}\" is not a CIDR like 10.0.0.0/8 or an IP address"))
}

/// The caller's IP address (see the module docs): the one extractor that decides it.
#[derive(Debug, Clone)]
pub struct ClientIp(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        let Some(ConnectInfo(peer)) = parts.extensions.get::<ConnectInfo<SocketAddr>>() else {
            return Ok(ClientIp(None));
        };
        let ip = parts
            .extensions
            .get::<TrustedProxies>()
            .map_or(peer.ip(), |t| t.client_ip(peer.ip(), &parts.headers));
        Ok(ClientIp(Some(ip.to_string())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(values: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append("x-forwarded-for", v.parse().expect("header"));
        }
        h
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("ip")
    }

    fn trusted(nets: &[&str]) -> TrustedProxies {
        TrustedProxies::new(
            nets.iter()
                .map(|n| parse_trusted_proxy(n).expect("net"))
                .collect(),
        )
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_forwards() {
        let t = trusted(&["10.0.0.0/8"]);
        let h = headers(&["203.0.113.9"]);
        assert_eq!(t.client_ip(ip("198.51.100.1"), &h), ip("198.51.100.1"));
        assert_eq!(
            TrustedProxies::default().client_ip(ip("10.0.0.1"), &h),
            ip("10.0.0.1")
        );
    }

    #[test]
    fn the_rightmost_untrusted_hop_is_the_client() {
        let t = trusted(&["10.0.0.0/8", "192.0.2.7"]);
        let peer = ip("10.0.0.1");
        // The client wrote "1.1.1.1" itself; the proxy appended what it saw.
        let h = headers(&["1.1.1.1, 203.0.113.9, 192.0.2.7"]);
        assert_eq!(t.client_ip(peer, &h), ip("203.0.113.9"));
        // Several headers are one list, in order.
        let h = headers(&["1.1.1.1", "203.0.113.9"]);
        assert_eq!(t.client_ip(peer, &h), ip("203.0.113.9"));
        // Only proxies: the leftmost one.
        let h = headers(&["10.1.1.1, 10.2.2.2"]);
        assert_eq!(t.client_ip(peer, &h), ip("10.1.1.1"));
        // No header: the proxy itself.
        assert_eq!(t.client_ip(peer, &HeaderMap::new()), peer);
    }

    #[test]
    fn garbage_stops_at_the_nearest_verified_proxy() {
        let t = trusted(&["10.0.0.0/8"]);
        let h = headers(&["203.0.113.9, not-an-ip, 10.0.0.2"]);
        assert_eq!(t.client_ip(ip("10.0.0.1"), &h), ip("10.0.0.2"));
    }

    #[test]
    fn mapped_ipv6_peers_match_ipv4_networks() {
        let t = trusted(&["127.0.0.0/8"]);
        let h = headers(&["2001:db8::5"]);
        assert_eq!(t.client_ip(ip("::ffff:127.0.0.1"), &h), ip("2001:db8::5"));
    }

    #[test]
    fn trusted_proxy_values_are_cidrs_or_addresses() {
        assert!(parse_trusted_proxy("fd00::/8").is_ok());
        assert_eq!(
            parse_trusted_proxy("10.0.0.1").expect("ip").to_string(),
            "10.0.0.1/32"
        );
        let e = parse_trusted_proxy("10.0.0.0/33").expect_err("bad");
        assert!(e.contains("not a CIDR"), "{e}");
    }
}
