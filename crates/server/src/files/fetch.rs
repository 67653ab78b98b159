//! `send-file-message`: fetching `file_url` without becoming a proxy into the server's own
//! network. Only http(s); the host is resolved first and every address must be public
//! (loopback, private, link-local, CGNAT, multicast and unspecified addresses, and IPv6
//! addresses that embed such an IPv4 address, are refused unless `serve
//! --allow-private-fetch`), and the request is pinned to the address that was checked, so a
//! second DNS answer cannot swap it (DNS rebinding) and no proxy from the environment can
//! stand in for it. No redirects (each hop would need the same check). Connect and read
//! timeouts; the size limit applies while streaming.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use reqwest::Url;

use super::{kind, sanitize_name, FileStore};
use crate::error::{ApiError, ApiResult};

/// A fetched file, stored in the file store.
#[derive(Debug, Clone)]
pub struct Fetched {
    pub name: String,
    pub content_type: &'static str,
    pub sha256: String,
    pub size: u64,
}

/// Whether `ip` is an address on the public internet. IPv6 addresses that carry an IPv4
/// address (mapped, IPv4-compatible, NAT64, 6to4) are judged by that IPv4 address, since that
/// is where a packet to them may end up.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || v4.is_documentation()
                || o[0] == 0
                // 100.64.0.0/10, carrier-grade NAT
                || (o[0] == 100 && (o[1] & 0xC0) == 64)
                // 192.0.0.0/24, IETF protocol assignments; 198.18.0.0/15, benchmarking;
                // 240.0.0.0/4, reserved
                || (o[0] == 192 && o[1] == 0 && o[2] == 0)
                || (o[0] == 198 && (o[1] & 0xFE) == 18)
                || o[0] >= 240)
        }
        IpAddr::V6(v6) => {
            let s = v6.segments();
            let embedded = |hi: u16, lo: u16| {
                let [a, b] = hi.to_be_bytes();
                let [c, d] = lo.to_be_bytes();
                Ipv4Addr::new(a, b, c, d)
            };
            // ::ffff:a.b.c.d (mapped) and ::a.b.c.d (IPv4-compatible; `::1` and `::` too).
            if let Some(v4) = v6.to_ipv4() {
                return is_public(IpAddr::V4(v4));
            }
            // 64:ff9b::/96, the well-known NAT64 prefix.
            if s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
                return is_public(IpAddr::V4(embedded(s[6], s[7])));
            }
            // 2002::/16, 6to4: the IPv4 address follows the prefix.
            if s[0] == 0x2002 {
                return is_public(IpAddr::V4(embedded(s[1], s[2])));
            }
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (s[0] & 0xFE00) == 0xFC00 // unique local
                || (s[0] & 0xFFC0) == 0xFE80 // link-local
                || (s[0] & 0xFFC0) == 0xFEC0 // site-local (deprecated)
                || (s[0] == 0x64 && s[1] == 0xff9b) // 64:ff9b:1::/48, local-use NAT64
                || (s[0] == 0x2001 && s[1] == 0) // 2001::/32, Teredo (hides an IPv4 address)
                || (s[0] == 0x2001 && s[1] == 0x0db8) // documentation
                || s[..4] == [0x100, 0, 0, 0]) // 100::/64, discard-only
        }
    }
}

/// The longest `file_url` accepted.
pub const MAX_URL_LEN: usize = 2048;

/// Checks a `file_url` before anything is fetched: an absolute http(s) URL with a host, at
/// most [`MAX_URL_LEN`] characters, without whitespace. The scheme is case-insensitive
/// (`HTTP://` is `http://`).
pub fn parse_file_url(raw: &str) -> ApiResult<Url> {
    let raw = raw.trim();
    let invalid = || {
        ApiError::bad_request(format!(
            "Parameter `file_url` must be an http:// or https:// URL (at most {MAX_URL_LEN} characters)."
        ))
    };
    if raw.len() > MAX_URL_LEN || raw.chars().any(char::is_whitespace) {
        return Err(invalid());
    }
    // The host must follow `scheme://` itself: a URL parser reads `https:///path` as the host
    // `path`, which is not what the caller wrote.
    let after_scheme = ["http://", "https://"].iter().find_map(|p| {
        raw.get(..p.len())
            .filter(|head| head.eq_ignore_ascii_case(p))
            .map(|_| &raw[p.len()..])
    });
    if !after_scheme
        .is_some_and(|rest| !rest.is_empty() && !rest.starts_with(['/', '\\', '?', '#']))
    {
        return Err(invalid());
    }
    let url = Url::parse(raw).map_err(|_| invalid())?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none_or(str::is_empty) {
        return Err(invalid());
    }
    Ok(url)
}

fn unreachable(url: &Url, why: impl std::fmt::Display) -> ApiError {
    ApiError::InvalidState(format!("Cannot fetch file_url {url}: {why}."))
}

/// Fetches `url` (from [`parse_file_url`]) into `store`.
pub async fn fetch(store: &FileStore, url: &Url) -> ApiResult<Fetched> {
    let url = url.clone();
    let host = url
        .host_str()
        .ok_or_else(|| ApiError::bad_request("`file_url` has no host."))?
        .to_string();
    let port = url.port_or_known_default().unwrap_or(80);
    let lookup_host = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_string();
    let addrs: Vec<SocketAddr> = tokio::time::timeout(
        store.fetch_timeout,
        tokio::net::lookup_host((lookup_host.as_str(), port)),
    )
    .await
    .map_err(|_| unreachable(&url, "resolving the host timed out"))?
    .map_err(|e| unreachable(&url, format!("cannot resolve {host}: {e}")))?
    .collect();
    let addr = *addrs
        .first()
        .ok_or_else(|| unreachable(&url, format!("{host} has no address")))?;
    if !store.allow_private_fetch {
        if let Some(bad) = addrs.iter().find(|a| !is_public(a.ip())) {
            return Err(ApiError::bad_request(format!(
                "`file_url` points to a local or private address ({}); the server only fetches from public addresses.",
                bad.ip()
            )));
        }
    }
    let client = reqwest::Client::builder()
        // A proxy from the environment (HTTP_PROXY, ALL_PROXY, …) would connect instead of
        // the checked address, and fetch whatever it is asked to.
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(store.fetch_timeout)
        .read_timeout(store.fetch_timeout)
        .resolve(&lookup_host, addr)
        .build()
        .map_err(|e| ApiError::Internal(format!("http client: {e}")))?;
    let mut resp = client
        .get(url.clone())
        .send()
        .await
        .map_err(|e| unreachable(&url, describe(&e)))?;
    let status = resp.status();
    if status.is_redirection() {
        return Err(unreachable(
            &url,
            "it redirects; give the final address of the file",
        ));
    }
    if !status.is_success() {
        return Err(unreachable(&url, format!("the server answered {status}")));
    }
    if resp.content_length().is_some_and(|n| n > store.max_bytes) {
        return Err(store.too_large());
    }
    let header_type = resp
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let mut name = sanitize_name(
        url.path_segments()
            .and_then(|mut s| s.next_back())
            .unwrap_or_default(),
    );
    if kind::check_name(&name).is_err() {
        if let Some(ext) = kind::extension_for(&header_type) {
            name = format!("{name}.{ext}");
        }
    }
    kind::check_name(&name)?;
    let mut writer = store.writer().await?;
    while let Some(chunk) = resp
        .chunk()
        .await
        .map_err(|e| unreachable(&url, describe(&e)))?
    {
        writer.write(&chunk).await?;
    }
    let content_type = kind::classify(&name, writer.head())?;
    let size = writer.size();
    let sha256 = writer.commit().await?;
    Ok(Fetched {
        name,
        content_type,
        sha256,
        size,
    })
}

fn describe(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "the server did not answer in time".into()
    } else if e.is_connect() {
        "cannot connect to the server".into()
    } else {
        "the transfer failed".into()
    }
}

#[cfg(test)]
mod tests {
    use super::{is_public, parse_file_url};

    #[test]
    fn private_addresses_are_not_public() {
        for a in [
            "127.0.0.1",
            "10.1.2.3",
            "192.168.0.1",
            "172.16.5.5",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "198.18.0.1",
            "240.0.0.1",
            "::1",
            "::",
            "fe80::1",
            "fd00::1",
            "fec0::1",
            "::ffff:127.0.0.1",
            // IPv4-compatible: `http://[::127.0.0.1]/`
            "::127.0.0.1",
            "::10.0.0.1",
            // NAT64 of loopback and of the cloud metadata address
            "64:ff9b::7f00:1",
            "64:ff9b::a9fe:a9fe",
            "64:ff9b:1::1",
            // 6to4 of 127.0.0.1 and 10.0.0.1
            "2002:7f00:1::1",
            "2002:a00:1::",
            "2001:0:4136:e378::1",
            "2001:db8::1",
        ] {
            assert!(!is_public(a.parse().expect("ip")), "{a}");
        }
        for a in [
            "93.184.216.34",
            "2606:4700::1111",
            "::ffff:93.184.216.34",
            "64:ff9b::5db8:d822",
            "2002:5db8:d822::1",
        ] {
            assert!(is_public(a.parse().expect("ip")), "{a}");
        }
    }

    #[test]
    fn file_urls() {
        for ok in [
            "https://example.com/a.png",
            "http://x",
            "HTTP://example.com/a.png",
            "Https://example.com/a.png",
            "  http://x/y  ",
        ] {
            assert!(parse_file_url(ok).is_ok(), "{ok}");
        }
        assert_eq!(
            parse_file_url("HTTP://Example.com/a.png")
                .expect("url")
                .as_str(),
            "http://example.com/a.png"
        );
        for bad in [
            "ftp://x/y",
            "https:///path",
            "file:///etc/passwd",
            "https://a b",
            "http://x/a b",
            "x",
            "",
            "data:text/plain,hi",
        ] {
            assert!(parse_file_url(bad).is_err(), "{bad}");
        }
        let long = format!("https://x/{}", "a".repeat(2048));
        assert!(parse_file_url(&long).is_err());
    }
}
