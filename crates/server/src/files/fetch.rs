//! `send-file-message`: fetching `file_url` without becoming a proxy into the server's own
//! network. Only http(s); the host is resolved first and every address must be public
//! (loopback, private, link-local, CGNAT, multicast and unspecified addresses are refused
//! unless `serve --allow-private-fetch`), and the request is pinned to the address that was
//! checked, so a second DNS answer cannot swap it (DNS rebinding). No redirects (each hop would
//! need the same check). Connect and read timeouts; the size limit applies while streaming.

use std::net::{IpAddr, SocketAddr};

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

/// Whether `ip` is an address on the public internet.
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
                || (o[0] == 100 && (o[1] & 0xC0) == 64))
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public(IpAddr::V4(v4));
            }
            let s = v6.segments();
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (s[0] & 0xFE00) == 0xFC00 // unique local
                || (s[0] & 0xFFC0) == 0xFE80) // link-local
        }
    }
}

fn unreachable(url: &Url, why: impl std::fmt::Display) -> ApiError {
    ApiError::InvalidState(format!("Cannot fetch file_url {url}: {why}."))
}

/// Fetches `raw_url` into `store`.
pub async fn fetch(store: &FileStore, raw_url: &str) -> ApiResult<Fetched> {
    let url = Url::parse(raw_url)
        .map_err(|e| ApiError::bad_request(format!("`file_url` is not a valid URL: {e}.")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(ApiError::bad_request(
            "`file_url` must be an http:// or https:// URL.",
        ));
    }
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
    use super::is_public;

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
            "::1",
            "fe80::1",
            "fd00::1",
            "::ffff:127.0.0.1",
        ] {
            assert!(!is_public(a.parse().expect("ip")), "{a}");
        }
        assert!(is_public("93.184.216.34".parse().expect("ip")));
        assert!(is_public("2606:4700::1111".parse().expect("ip")));
    }
}
