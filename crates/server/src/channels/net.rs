//! Calls from the server to a channel's platform (a Custom app's callback, a Bot API server):
//! the host is resolved on each call and every address must be public unless `serve
//! --allow-private-callbacks` (the rule is `files::fetch::is_public`); the client is pinned
//! to the checked address (no DNS rebinding), uses no proxy from the environment and follows
//! no redirect.

use std::net::SocketAddr;

use reqwest::Url;

use super::{AdapterSettings, DeliveryError};
use crate::files::fetch::is_public;

/// Longest accepted platform URL (a callback, a Bot API base).
pub const MAX_URL_LEN: usize = 2048;

/// Checks a platform URL given by an admin: http(s) with a host; `what` names it in the
/// error ("callback URL").
pub fn parse_http_url(raw: &str, what: &str) -> Result<Url, String> {
    let raw = raw.trim();
    let invalid = || {
        format!("the {what} must be an http:// or https:// URL with a host (at most {MAX_URL_LEN} characters); got {raw:?}")
    };
    if raw.len() > MAX_URL_LEN || raw.chars().any(char::is_whitespace) {
        return Err(invalid());
    }
    let url = Url::parse(raw).map_err(|_| invalid())?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none_or(str::is_empty) {
        return Err(invalid());
    }
    Ok(url)
}

/// Why a platform's host cannot be called.
#[derive(Debug, Clone, thiserror::Error)]
pub enum AddressError {
    /// DNS trouble: may pass.
    #[error("{0}")]
    Unreachable(String),
    /// The host is on a local or private network and the server was not told to allow that.
    #[error("{0}")]
    NotPublic(String),
}

impl From<AddressError> for DeliveryError {
    fn from(e: AddressError) -> Self {
        match e {
            AddressError::Unreachable(reason) => DeliveryError::Retry {
                reason,
                after: None,
            },
            AddressError::NotPublic(reason) => DeliveryError::Refused(reason),
        }
    }
}

/// An HTTP client for `url`'s host, pinned to its checked address. `what` names the platform
/// in the reasons ("callback", "Bot API"). Connect timeout: `settings.timeout`; each request
/// sets its own total timeout.
pub async fn pinned_client(
    url: &Url,
    settings: &AdapterSettings,
    what: &str,
) -> Result<reqwest::Client, AddressError> {
    let host = url
        .host_str()
        .unwrap_or_default()
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_string();
    let port = url.port_or_known_default().unwrap_or(80);
    let addrs: Vec<SocketAddr> = tokio::time::timeout(
        settings.timeout,
        tokio::net::lookup_host((host.as_str(), port)),
    )
    .await
    .map_err(|_| AddressError::Unreachable(format!("Resolving the {what} host {host} timed out")))?
    .map_err(|e| AddressError::Unreachable(format!("Cannot resolve the {what} host {host}: {e}")))?
    .collect();
    let addr = *addrs.first().ok_or_else(|| {
        AddressError::Unreachable(format!("The {what} host {host} has no address"))
    })?;
    if !settings.allow_private {
        if let Some(bad) = addrs.iter().find(|a| !is_public(a.ip())) {
            return Err(AddressError::NotPublic(format!(
                "The channel's {what} URL points to a local or private address ({}); the server only calls public addresses",
                bad.ip()
            )));
        }
    }
    reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(settings.timeout)
        .resolve(&host, addr)
        .build()
        .map_err(|e| AddressError::Unreachable(format!("Cannot start an HTTP client: {e}")))
}

/// The start of an answer's body, at most `limit` bytes (the platform is not trusted to keep
/// it small); what cannot be read is left out.
pub async fn read_head(mut resp: reqwest::Response, limit: usize) -> Vec<u8> {
    let mut head = Vec::new();
    while let Ok(Some(chunk)) = resp.chunk().await {
        head.extend_from_slice(&chunk);
        if head.len() >= limit {
            head.truncate(limit);
            break;
        }
    }
    head
}
