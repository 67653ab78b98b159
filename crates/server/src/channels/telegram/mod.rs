//! Telegram bot channel, over the Bot API at a base URL set per channel (the public
//! `https://api.telegram.org` or a self-hosted Bot API server).
//!
//! - Settings (`channel add --kind telegram --bot-token T [--api-url URL] [--webhook-url URL]`):
//!   stored in `channel_accounts.config`; the token is never printed, returned or logged, and
//!   since it is part of every Bot API URL no error or log line carries a URL.
//! - Inbound ([`inbound`]): `getUpdates` long polling; the offset is the listener's cursor,
//!   saved after each update is stored, and each message is stored once per
//!   `chat_id:message_id`, so a restart neither loses nor repeats an update. With
//!   `--webhook-url` ([`webhook`]) Telegram POSTs the updates to the server instead.
//! - Outbound ([`outbound`]): `sendMessage`, or `sendDocument` for an operator's file.
//!
//! Telegram has no idempotency key, so a message is sent at most once: an attempt whose
//! answer was lost (no answer in time, or the server stopped mid-call — see
//! `channels::resends_safely`) fails with a reason that tells the operator to check the chat,
//! instead of being sent again.

mod api;
mod inbound;
mod outbound;
mod webhook;

pub use webhook::take_update;

use serde::{Deserialize, Serialize};
use switchboard_protocol::ChannelKind;

use super::net::parse_http_url;
use super::{AdapterSettings, ChannelAdapter, ChannelListener, ChannelOptions, Configured};
use crate::storage::channels::ChannelRecord;

/// The public Bot API.
pub const DEFAULT_API_URL: &str = "https://api.telegram.org";
/// Longest accepted bot token (BotFather's are about 46 characters).
const MAX_TOKEN_LEN: usize = 200;

/// A Telegram channel's `config`.
#[derive(Clone, Serialize, Deserialize)]
pub struct Settings {
    pub bot_token: String,
    pub api_url: String,
    /// This server's public base URL when updates come by webhook.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webhook_url: Option<String>,
}

impl std::fmt::Debug for Settings {
    // The token stays out of every log line, even a debug one.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Settings")
            .field("api_url", &self.api_url)
            .finish_non_exhaustive()
    }
}

impl Settings {
    /// The settings of `channel`; `None` when it is no Telegram channel with a bot (one made
    /// before channels had settings delivers nowhere).
    pub fn of(channel: &ChannelRecord) -> Option<Self> {
        if channel.account.kind != ChannelKind::Telegram {
            return None;
        }
        serde_json::from_value(channel.config.clone()).ok()
    }
}

/// Checks a bot token's shape: `<bot id>:<secret>`, the secret of letters, digits, `_`, `-`.
fn check_token(raw: &str) -> Result<String, String> {
    let token = raw.trim();
    let valid = token.len() <= MAX_TOKEN_LEN
        && token.split_once(':').is_some_and(|(id, secret)| {
            !id.is_empty()
                && id.bytes().all(|b| b.is_ascii_digit())
                && !secret.is_empty()
                && secret
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        });
    if valid {
        Ok(token.to_string())
    } else {
        // The rejected value is not repeated: it may be a real token with a typo.
        Err("the bot token must look like 123456789:AAH… (the bot's id, a colon, then letters, digits, _ or -), as @BotFather gives it".into())
    }
}

/// Checks a base URL that paths are appended to (no query or fragment); `what` names it.
fn parse_base_url(raw: &str, what: &str) -> Result<reqwest::Url, String> {
    let url = parse_http_url(raw, what)?;
    if url.query().is_some() || url.fragment().is_some() {
        return Err(format!(
            "the {what} must not have a query or fragment; got {:?}",
            raw.trim()
        ));
    }
    Ok(url)
}

fn parse_api_url(raw: &str) -> Result<reqwest::Url, String> {
    parse_base_url(raw, "Bot API URL")
}

/// Checks the server's public base URL for webhook mode. The public Bot API calls only https
/// webhooks (a self-hosted one may call anything it reaches).
fn parse_webhook_url(raw: &str, api_url: &reqwest::Url) -> Result<String, String> {
    let url = parse_base_url(raw, "webhook URL")?;
    if url.scheme() != "https" && api_url.as_str().trim_end_matches('/') == DEFAULT_API_URL {
        return Err(format!(
            "Telegram calls only https:// webhooks; got {:?}",
            raw.trim()
        ));
    }
    Ok(url.as_str().trim_end_matches('/').to_string())
}

/// `channel add --kind telegram --bot-token T [--api-url URL] [--webhook-url URL]`.
pub fn configure(options: &ChannelOptions) -> Result<Configured, String> {
    options.only(
        ChannelKind::Telegram,
        &["--bot-token", "--api-url", "--webhook-url"],
    )?;
    let token = options
        .bot_token
        .as_deref()
        .ok_or("a telegram channel needs --bot-token (from @BotFather)")?;
    let api_url = parse_api_url(options.api_url.as_deref().unwrap_or(DEFAULT_API_URL))?;
    let settings = Settings {
        bot_token: check_token(token)?,
        api_url: api_url.as_str().trim_end_matches('/').to_string(),
        webhook_url: match options.webhook_url.as_deref() {
            Some(raw) => Some(parse_webhook_url(raw, &api_url)?),
            None => None,
        },
    };
    Ok(Configured {
        config: serde_json::to_value(settings).map_err(|e| e.to_string())?,
        callback_url: None,
    })
}

/// New settings for an existing bot, checked as [`configure`] checks them. A bot in webhook
/// mode stays in it: the poller does not call `deleteWebhook`, and Telegram refuses
/// `getUpdates` while a webhook is set, so a switch to polling would silently stop its messages.
pub fn reconfigure(
    stored: &serde_json::Value,
    options: &ChannelOptions,
) -> Result<Configured, String> {
    let by_webhook = |config: &serde_json::Value| {
        serde_json::from_value::<Settings>(config.clone()).is_ok_and(|s| s.webhook_url.is_some())
    };
    let next = configure(options)?;
    if by_webhook(stored) && !by_webhook(&next.config) {
        return Err("this bot gets its updates by webhook; give --webhook-url again (switching to polling needs a new channel)".into());
    }
    Ok(next)
}

/// The listener of `channel`, if it is a Telegram channel with a bot: the `getUpdates`
/// poller, or in webhook mode the one that registers the webhook.
pub fn listener(
    channel: &ChannelRecord,
    settings: &AdapterSettings,
) -> Option<Box<dyn ChannelListener>> {
    let api = api_of(channel, settings)?;
    let reader = inbound::Reader::new(api);
    Some(match Settings::of(channel)?.webhook_url {
        Some(base) => Box::new(webhook::Hook::new(
            reader,
            webhook::route_url(&base, channel.account.id),
            channel.secret.clone().unwrap_or_default(),
        )),
        None => Box::new(reader),
    })
}

/// The adapter of `channel`, if it is a Telegram channel with a bot.
pub fn adapter(
    channel: &ChannelRecord,
    settings: &AdapterSettings,
) -> Option<Box<dyn ChannelAdapter>> {
    let api = api_of(channel, settings)?;
    Some(Box::new(outbound::Sender::new(api)))
}

fn api_of(channel: &ChannelRecord, settings: &AdapterSettings) -> Option<api::Api> {
    let stored = Settings::of(channel)?;
    match api::Api::new(&stored, settings.clone()) {
        Ok(api) => Some(api),
        Err(e) => {
            tracing::error!(channel_id = channel.account.id, error = %e, "a Telegram channel's settings are unusable");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{check_token, configure, ChannelOptions, DEFAULT_API_URL};

    #[test]
    fn tokens_and_urls_are_checked() {
        assert!(check_token("123456:AAH-x_y9").is_ok());
        for bad in [
            "", "123456", ":abc", "12a:abc", "123:", "123:a b", "123:a/b",
        ] {
            assert!(check_token(bad).is_err(), "{bad}");
        }
        let made = |token: &str, api: Option<&str>| {
            configure(&ChannelOptions {
                bot_token: Some(token.into()),
                api_url: api.map(Into::into),
                ..ChannelOptions::default()
            })
        };
        let c = made("1:a", None).expect("default API");
        assert_eq!(c.config["api_url"], DEFAULT_API_URL);
        let c = made("1:a", Some("http://127.0.0.1:8081/tg/")).expect("own API");
        assert_eq!(c.config["api_url"], "http://127.0.0.1:8081/tg");
        assert!(made("1:a", Some("ftp://x")).is_err());
        assert!(made("1:a", Some("https://x/?a=1")).is_err());
        let hooked = |api: Option<&str>, hook: &str| {
            configure(&ChannelOptions {
                bot_token: Some("1:a".into()),
                api_url: api.map(Into::into),
                webhook_url: Some(hook.into()),
                ..ChannelOptions::default()
            })
        };
        let c = hooked(None, "https://desk.example.com/").expect("https webhook");
        assert_eq!(c.config["webhook_url"], "https://desk.example.com");
        let err = hooked(None, "http://desk.example.com").expect_err("http webhook");
        assert!(err.contains("only https://"), "{err}");
        assert!(hooked(Some("http://127.0.0.1:8081"), "http://127.0.0.1:9").is_ok());
        assert!(made("1:a", None)
            .expect("polling")
            .config
            .get("webhook_url")
            .is_none());
        let err = made("1:secret with space", None).expect_err("bad token");
        assert!(!err.contains("secret with space"), "{err}");
        assert!(configure(&ChannelOptions::default()).is_err());
    }
}
