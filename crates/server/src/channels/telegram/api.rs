//! The Bot API over HTTP: `POST <api>/bot<token>/<method>` answering `{"ok":true,"result":…}`
//! or `{"ok":false,"error_code":…,"description":…,"parameters":{"retry_after":N}}`, and file
//! downloads from `<api>/file/bot<token>/<file_path>`. The token is part of every URL, so no
//! error or log line carries a URL (reqwest's `without_url`).

use std::time::Duration;

use reqwest::Url;
use serde::de::DeserializeOwned;
use serde::Deserialize;

use super::Settings;
use crate::channels::net::{pinned_client, read_head, AddressError};
use crate::channels::AdapterSettings;

/// Most of a method's answer read (a page of 100 updates fits many times over).
const MAX_ANSWER_BYTES: usize = 8 * 1024 * 1024;

/// Why a call did not give a result.
#[derive(Debug, thiserror::Error)]
pub enum CallError {
    #[error(transparent)]
    Address(#[from] AddressError),
    /// No connection: nothing reached Telegram.
    #[error("Cannot connect to the Telegram Bot API")]
    Connect,
    /// The request went out but no (readable) answer came back: Telegram may have acted on it.
    #[error("The Telegram Bot API did not answer: {0}")]
    NoAnswer(String),
    /// Telegram answered `ok: false`.
    #[error("Telegram answered {code}: {description}")]
    Refused {
        code: u16,
        description: String,
        retry_after: Option<Duration>,
    },
}

#[derive(Deserialize)]
struct Envelope<T> {
    ok: bool,
    result: Option<T>,
    error_code: Option<u16>,
    description: Option<String>,
    parameters: Option<Parameters>,
}

#[derive(Deserialize)]
struct Parameters {
    retry_after: Option<u64>,
}

/// One bot on one Bot API server.
#[derive(Clone)]
pub struct Api {
    base: Url,
    token: String,
    pub net: AdapterSettings,
}

/// What a file download found.
pub enum Download {
    Bytes(Vec<u8>),
    /// Larger than the limit; nothing more was read.
    TooLarge,
}

impl Api {
    pub fn new(settings: &Settings, net: AdapterSettings) -> Result<Self, String> {
        Ok(Self {
            base: super::parse_api_url(&settings.api_url)?,
            token: settings.bot_token.clone(),
            net,
        })
    }

    /// `<api>/<prefix><token>/<rest>`; the base's own path (a Bot API behind a path) is kept.
    fn url(&self, prefix: &str, rest: &str) -> Url {
        let mut url = self.base.clone();
        let path = format!(
            "{}/{prefix}{}/{rest}",
            self.base.path().trim_end_matches('/'),
            self.token
        );
        url.set_path(&path);
        url
    }

    /// A client pinned to the Bot API host (`channels::net`).
    pub async fn client(&self) -> Result<reqwest::Client, AddressError> {
        pinned_client(&self.base, &self.net, "Bot API").await
    }

    /// Calls `method` with a JSON body; `wait`: how long Telegram may take on top of the
    /// usual timeout (a long poll).
    pub async fn call<T: DeserializeOwned>(
        &self,
        client: &reqwest::Client,
        method: &str,
        body: &serde_json::Value,
        wait: Duration,
    ) -> Result<T, CallError> {
        let req = client
            .post(self.url("bot", method))
            .timeout(self.net.timeout + wait)
            .json(body);
        self.answer(req).await
    }

    /// Calls `method` with a multipart form (a file upload).
    pub async fn call_multipart<T: DeserializeOwned>(
        &self,
        client: &reqwest::Client,
        method: &str,
        form: reqwest::multipart::Form,
        wait: Duration,
    ) -> Result<T, CallError> {
        let req = client
            .post(self.url("bot", method))
            .timeout(self.net.timeout + wait)
            .multipart(form);
        self.answer(req).await
    }

    async fn answer<T: DeserializeOwned>(
        &self,
        req: reqwest::RequestBuilder,
    ) -> Result<T, CallError> {
        let resp = req.send().await.map_err(lost)?;
        let status = resp.status().as_u16();
        let body = read_head(resp, MAX_ANSWER_BYTES).await;
        let envelope: Envelope<T> = serde_json::from_slice(&body).map_err(|_| {
            if status >= 500 {
                // A proxy's error page: Telegram's servers are down, nothing was done.
                CallError::Refused {
                    code: status,
                    description: "the Bot API server is unavailable".into(),
                    retry_after: None,
                }
            } else {
                CallError::NoAnswer(format!(
                    "an answer that is not the Bot API's JSON (HTTP {status})"
                ))
            }
        })?;
        match (envelope.ok, envelope.result) {
            (true, Some(result)) => Ok(result),
            (true, None) => Err(CallError::NoAnswer("an answer without a result".into())),
            (false, _) => Err(CallError::Refused {
                code: envelope.error_code.unwrap_or(status),
                description: envelope
                    .description
                    .unwrap_or_else(|| "no description".into())
                    .chars()
                    .take(300)
                    .collect(),
                retry_after: envelope
                    .parameters
                    .and_then(|p| p.retry_after)
                    .map(Duration::from_secs),
            }),
        }
    }

    /// Downloads the file at `file_path` (from `getFile`), at most `max` bytes.
    pub async fn download(
        &self,
        client: &reqwest::Client,
        file_path: &str,
        max: u64,
    ) -> Result<Download, CallError> {
        let mut resp = client
            .get(self.url("file/bot", file_path.trim_start_matches('/')))
            // A large file on a slow link: the usual timeout per MiB of the limit, at most an hour.
            .timeout(
                self.net
                    .timeout
                    .saturating_mul(u32::try_from(max / (1024 * 1024) + 1).unwrap_or(u32::MAX))
                    .min(Duration::from_secs(3600)),
            )
            .send()
            .await
            .map_err(lost)?;
        if !resp.status().is_success() {
            return Err(CallError::Refused {
                code: resp.status().as_u16(),
                description: "the file cannot be downloaded".into(),
                retry_after: None,
            });
        }
        if resp.content_length().is_some_and(|n| n > max) {
            return Ok(Download::TooLarge);
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = resp.chunk().await.map_err(lost)? {
            if (bytes.len() + chunk.len()) as u64 > max {
                return Ok(Download::TooLarge);
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok(Download::Bytes(bytes))
    }
}

/// A request that failed on the way: before the connection (nothing sent) or after.
fn lost(e: reqwest::Error) -> CallError {
    if e.is_connect() {
        CallError::Connect
    } else if e.is_timeout() {
        CallError::NoAnswer("no answer in time".into())
    } else {
        CallError::NoAnswer(e.without_url().to_string())
    }
}
