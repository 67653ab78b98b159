//! Custom app channel. Inbound: the app POSTs to `/api/v1/channels/{id}/inbound` with the
//! channel secret (`service::ingest`). Outbound: each operator message is POSTed as JSON to
//! the channel's callback URL, signed with `X-Switchboard-Signature: sha256=<hex HMAC-SHA256
//! of the raw body keyed by the channel secret>` and carrying `Idempotency-Key`, the same on
//! every attempt at one message. 2xx: delivered (a JSON `id` in the answer is kept as the
//! platform's id); 408, 429, 5xx and network trouble: try again later (`Retry-After` is
//! honoured); any other answer: refused. An operator's file travels inline, base64 in
//! `attachment.data_base64`.
//!
//! The callback host is resolved on each attempt and must be a public address unless `serve
//! --allow-private-callbacks` (`channels::net`).

use std::time::Duration;

use crate::auth::hmac_sha256_hex;
use futures_util::future::BoxFuture;
use reqwest::{StatusCode, Url};

use super::net::{parse_http_url, pinned_client, read_head};
use super::{
    AdapterSettings, ChannelAdapter, ChannelOptions, Configured, Delivered, DeliveryError, Outbound,
};

/// Most of the receiver's answer read (to find its `id`).
const MAX_ANSWER_BYTES: usize = 64 * 1024;

pub struct Custom {
    url: String,
    secret: String,
    settings: AdapterSettings,
}

/// Checks a callback URL given by an admin: http(s) with a host.
pub fn parse_callback_url(raw: &str) -> Result<Url, String> {
    parse_http_url(raw, "callback URL")
}

/// `channel add --kind custom [--callback-url URL]`.
pub fn configure(options: &ChannelOptions) -> Result<Configured, String> {
    options.only(
        switchboard_protocol::ChannelKind::Custom,
        &["--callback-url"],
    )?;
    Ok(Configured {
        config: serde_json::json!({}),
        callback_url: match &options.callback_url {
            Some(raw) => Some(parse_callback_url(raw)?.to_string()),
            None => None,
        },
    })
}

/// `sha256=<hex>` of `body` keyed by `secret`.
pub fn signature(secret: &str, body: &[u8]) -> String {
    format!("sha256={}", hmac_sha256_hex(secret, &[body]))
}

impl Custom {
    pub fn new(url: &str, secret: &str, settings: AdapterSettings) -> Self {
        Self {
            url: url.to_string(),
            secret: secret.to_string(),
            settings,
        }
    }

    fn retry(reason: String) -> DeliveryError {
        DeliveryError::Retry {
            reason,
            after: None,
        }
    }

    async fn post(&self, msg: &Outbound) -> Result<Delivered, DeliveryError> {
        let url = parse_callback_url(&self.url).map_err(DeliveryError::Refused)?;
        let client = pinned_client(&url, &self.settings, "callback").await?;
        let body = body(msg)?;
        let resp = client
            .post(url)
            .timeout(self.settings.timeout)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header("X-Switchboard-Signature", signature(&self.secret, &body))
            .header("Idempotency-Key", &msg.idempotency_key)
            .body(body)
            .send()
            .await
            .map_err(|e| Self::retry(describe(e)))?;
        let status = resp.status();
        if status.is_success() {
            return Ok(Delivered {
                platform_id: answer_id(&read_head(resp, MAX_ANSWER_BYTES).await),
            });
        }
        let reason = format!("The channel's callback answered {}", status_words(status));
        if status == StatusCode::REQUEST_TIMEOUT
            || status == StatusCode::TOO_MANY_REQUESTS
            || status.is_server_error()
        {
            let after = resp
                .headers()
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<u64>().ok())
                .map(Duration::from_secs);
            return Err(DeliveryError::Retry { reason, after });
        }
        Err(DeliveryError::Refused(reason))
    }
}

impl ChannelAdapter for Custom {
    fn deliver<'a>(&'a self, msg: &'a Outbound) -> BoxFuture<'a, Result<Delivered, DeliveryError>> {
        Box::pin(self.post(msg))
    }
}

/// The JSON POSTed for `msg`: the message, and an operator's file inline in
/// `attachment.data_base64` (as clients send theirs to the inbound endpoint).
fn body(msg: &Outbound) -> Result<Vec<u8>, DeliveryError> {
    use base64::Engine as _;
    let encode =
        |e: serde_json::Error| DeliveryError::Refused(format!("Cannot encode the message: {e}"));
    let mut value = serde_json::to_value(msg).map_err(encode)?;
    if let (Some((_, bytes)), Some(attachment)) = (msg.file()?, value.get_mut("attachment")) {
        attachment["data_base64"] = base64::engine::general_purpose::STANDARD
            .encode(bytes)
            .into();
    }
    serde_json::to_vec(&value).map_err(encode)
}

/// `404 Not Found`.
fn status_words(status: StatusCode) -> String {
    match status.canonical_reason() {
        Some(words) => format!("{} {words}", status.as_u16()),
        None => status.as_u16().to_string(),
    }
}

/// The `id` of a JSON answer (a string or a number), if any.
fn answer_id(body: &[u8]) -> Option<String> {
    let v: serde_json::Value = serde_json::from_slice(body).ok()?;
    match v.get("id")? {
        serde_json::Value::String(s) if !s.is_empty() => Some(s.chars().take(200).collect()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Without the URL: it may carry a token of the receiver's.
fn describe(e: reqwest::Error) -> String {
    if e.is_timeout() {
        "The channel's callback did not answer in time".into()
    } else if e.is_connect() {
        "Cannot connect to the channel's callback".into()
    } else {
        format!(
            "The call to the channel's callback failed: {}",
            e.without_url()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::{answer_id, parse_callback_url, signature};

    #[test]
    fn signs_like_rfc_4231_case_2() {
        assert_eq!(
            signature("Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn callback_urls_and_answers() {
        assert!(parse_callback_url("https://example.com/hook").is_ok());
        for bad in ["", "ftp://x/", "http://", "https:// x", "example.com"] {
            assert!(parse_callback_url(bad).is_err(), "{bad}");
        }
        assert_eq!(answer_id(br#"{"id":"m-1"}"#).as_deref(), Some("m-1"));
        assert_eq!(answer_id(br#"{"id":7}"#).as_deref(), Some("7"));
        assert_eq!(answer_id(b"ok"), None);
    }
}
