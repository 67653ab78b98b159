//! Channel adapters: one module per channel kind, each owning its settings (`configure`),
//! how client messages come in and how operator messages reach the client.
//!
//! - Inbound: a kind that pushes to us has an HTTP route; a kind we must poll or watch (a
//!   mailbox, Telegram's `getUpdates`) has a [`ChannelListener`], run by
//!   `service::listeners`, which hands what it reads to an [`Inbox`]. Either way the message
//!   is stored by `service::ingest`.
//! - Outbound: the delivery worker (`service::delivery`) hands each queued operator message
//!   to the channel's [`ChannelAdapter`].

pub mod custom;
pub mod email;
pub mod livechat;
pub mod net;
pub mod telegram;

use std::time::Duration;

use futures_util::future::BoxFuture;
use serde::Serialize;
use switchboard_protocol::{AttachmentRef, ChannelKind, ChannelSettings, Id};

use crate::storage::channels::ChannelRecord;
use crate::storage::Db;

/// One operator message on its way to the client.
#[derive(Debug, Clone, Serialize)]
pub struct Outbound {
    pub message_id: Id,
    pub conversation_id: Id,
    pub channel_id: Id,
    /// The client's id in the channel.
    pub client_external_id: String,
    pub text: String,
    pub created_at: i64,
    pub attachment: Option<AttachmentRef>,
    /// The attachment's bytes, read from the file store (`None` also when the store lost them:
    /// see [`Outbound::file`]).
    #[serde(skip)]
    pub attachment_bytes: Option<axum::body::Bytes>,
    /// The same on every attempt at this message, so the receiver can drop a repeat.
    #[serde(skip)]
    pub idempotency_key: String,
}

impl Outbound {
    /// The operator's file with its bytes, if the message has one; refused when the file
    /// store no longer has them (a restored database, a cleaned disk or bucket), which no
    /// retry mends.
    pub fn file(&self) -> Result<Option<(&AttachmentRef, &axum::body::Bytes)>, DeliveryError> {
        match (&self.attachment, &self.attachment_bytes) {
            (None, _) => Ok(None),
            (Some(file), Some(bytes)) => Ok(Some((file, bytes))),
            (Some(file), None) => Err(DeliveryError::Refused(format!(
                "The file {:?} is no longer on the server",
                file.name
            ))),
        }
    }
}

/// The channel took the message.
#[derive(Debug, Clone, Default)]
pub struct Delivered {
    /// The platform's id for the message, when it tells one.
    pub platform_id: Option<String>,
}

/// Why a delivery did not happen, in words an operator can act on.
#[derive(Debug, Clone, thiserror::Error)]
pub enum DeliveryError {
    /// Worth trying again (network trouble, the platform is busy or down); `after`: the
    /// platform asked for this pause.
    #[error("{reason}")]
    Retry {
        reason: String,
        after: Option<Duration>,
    },
    /// The platform refused the message; trying again will not help until someone fixes it.
    #[error("{0}")]
    Refused(String),
}

/// How one channel kind delivers.
pub trait ChannelAdapter: Send + Sync {
    fn deliver<'a>(&'a self, msg: &'a Outbound) -> BoxFuture<'a, Result<Delivered, DeliveryError>>;
}

/// Settings every adapter shares (from `serve`).
#[derive(Debug, Clone)]
pub struct AdapterSettings {
    /// Let callbacks reach loopback and private addresses (tests, intranets).
    pub allow_private: bool,
    /// Connect and answer timeout of one delivery attempt.
    pub timeout: Duration,
}

/// How a channel kind watches for client messages that are not pushed to us; runs until the
/// task is aborted (the channel changed or is gone) and retries its own connection trouble.
pub trait ChannelListener: Send + Sync {
    fn listen(self: Box<Self>, inbox: Inbox) -> BoxFuture<'static, ()>;
}

pub use crate::service::listeners::{file_not_received, Inbox, Received, ReceivedFile};

/// The listener of `channel`, if its kind has one.
pub fn listener_for(
    channel: &ChannelRecord,
    settings: &AdapterSettings,
) -> Option<Box<dyn ChannelListener>> {
    // Each kind that watches for client messages gets its arm here.
    match channel.account.kind {
        ChannelKind::Email => email::EmailConfig::from_json(&channel.config).map(|c| {
            Box::new(email::imap::ImapListener::new(c, settings.clone()))
                as Box<dyn ChannelListener>
        }),
        ChannelKind::Telegram => telegram::listener(channel, settings),
        _ => None,
    }
}

/// What `channel add` was given; each kind takes the options it needs and refuses the rest.
#[derive(Debug, Clone, Default)]
pub struct ChannelOptions {
    /// Custom app: where operator answers are POSTed.
    pub callback_url: Option<String>,
    /// Telegram: the bot's token.
    pub bot_token: Option<String>,
    /// Telegram: the Bot API's base URL.
    pub api_url: Option<String>,
    /// Telegram: this server's public base URL; updates then come by webhook instead of
    /// long polling.
    pub webhook_url: Option<String>,
    /// Email: the mailbox's address.
    pub address: Option<String>,
    /// Email: `imaps://user:pass@host[:port]` (or `imap://` with STARTTLS).
    pub imap_url: Option<String>,
    /// Email: `smtps://…` or `smtp://…`.
    pub smtp_url: Option<String>,
    /// LiveChat: origins of the pages that may embed the widget.
    pub origins: Vec<String>,
}

/// Each `channel add` flag and the field of [`ChannelSettings`] (REST, the app) that carries
/// the same setting.
const NAMES: [(&str, &str); 8] = [
    ("--callback-url", "callback_url"),
    ("--bot-token", "bot_token"),
    ("--api-url", "api_url"),
    ("--webhook-url", "webhook_url"),
    ("--address", "address"),
    ("--imap-url", "imap_url"),
    ("--smtp-url", "smtp_url"),
    ("--origin", "origins"),
];

/// The REST API's settings are the CLI's options under their field names: one set of checks.
impl From<ChannelSettings> for ChannelOptions {
    fn from(s: ChannelSettings) -> Self {
        Self {
            callback_url: s.callback_url,
            bot_token: s.bot_token,
            api_url: s.api_url,
            webhook_url: s.webhook_url,
            address: s.address,
            imap_url: s.imap_url,
            smtp_url: s.smtp_url,
            origins: s.origins,
        }
    }
}

/// A [`configure`] refusal as a caller of the REST API (and the app) reads it: a sentence, with
/// the settings' field names instead of the CLI's flags.
pub fn api_wording(refusal: &str) -> String {
    let text = NAMES
        .iter()
        .fold(refusal.to_string(), |text, (flag, field)| {
            text.replace(flag, field)
        });
    // A field name opening the sentence keeps its spelling ("imap_url must be …").
    if NAMES.iter().any(|(_, field)| text.starts_with(field)) {
        return text;
    }
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

impl ChannelOptions {
    /// The options that were given, by their flag names.
    fn given(&self) -> Vec<&'static str> {
        let mut given = Vec::new();
        for ((flag, _), set) in NAMES.iter().zip([
            self.callback_url.is_some(),
            self.bot_token.is_some(),
            self.api_url.is_some(),
            self.webhook_url.is_some(),
            self.address.is_some(),
            self.imap_url.is_some(),
            self.smtp_url.is_some(),
            !self.origins.is_empty(),
        ]) {
            if set {
                given.push(*flag);
            }
        }
        given
    }

    /// Refuses options that `kind` does not take (a `--bot-token` on a mailbox is a mistake
    /// the admin wants to hear about, not a setting silently dropped).
    pub fn only(&self, kind: ChannelKind, allowed: &[&str]) -> Result<(), String> {
        let foreign: Vec<&str> = self
            .given()
            .into_iter()
            .filter(|f| !allowed.contains(f))
            .collect();
        if foreign.is_empty() {
            Ok(())
        } else {
            let article = if kind.as_str().starts_with(['a', 'e', 'i', 'o', 'u']) {
                "An"
            } else {
                "A"
            };
            Err(format!(
                "{article} {} channel does not take {}",
                kind.as_str(),
                foreign.join(", ")
            ))
        }
    }
}

/// A kind's checked settings, as stored.
#[derive(Debug, Clone, Default)]
pub struct Configured {
    /// `channel_accounts.config`.
    pub config: serde_json::Value,
    /// `channel_accounts.callback_url` (Custom app).
    pub callback_url: Option<String>,
}

/// Checks `channel add`'s options for `kind`.
pub fn configure(kind: ChannelKind, options: &ChannelOptions) -> Result<Configured, String> {
    match kind {
        ChannelKind::Custom => custom::configure(options),
        ChannelKind::Email => email::configure(options),
        ChannelKind::Livechat => livechat::configure(options),
        ChannelKind::Telegram => telegram::configure(options),
        _ => Err(format!(
            "Channels of kind {} cannot be added yet; use custom, telegram, email or livechat",
            kind.as_str()
        )),
    }
}

/// Checks new settings for an existing channel of `kind`, as [`configure`] does, keeping what
/// the admin does not give again (a LiveChat widget's look and its visitors' token key) and
/// refusing what the kind cannot switch to (a Telegram bot from webhook to polling).
pub fn reconfigure(
    kind: ChannelKind,
    stored: &serde_json::Value,
    options: &ChannelOptions,
) -> Result<Configured, String> {
    match kind {
        ChannelKind::Livechat => {
            let mut configured = configure(kind, options)?;
            livechat::keep_widget(stored, &mut configured.config);
            Ok(configured)
        }
        ChannelKind::Telegram => telegram::reconfigure(stored, options),
        _ => configure(kind, options),
    }
}

/// The adapter of `channel`, or `None` when it has nowhere to deliver to (its operator
/// messages count as sent at once). `db`: for adapters that keep per-client state (the mail
/// thread an answer continues).
pub fn adapter_for(
    channel: &ChannelRecord,
    settings: &AdapterSettings,
    db: &Db,
) -> Option<Box<dyn ChannelAdapter>> {
    match (channel.account.kind, &channel.callback_url) {
        (ChannelKind::Email, _) => email::EmailConfig::from_json(&channel.config).map(|c| {
            Box::new(email::smtp::EmailAdapter::new(
                c,
                channel.account.name.clone(),
                settings.clone(),
                db.clone(),
            )) as Box<dyn ChannelAdapter>
        }),
        (ChannelKind::Custom, Some(url)) => Some(Box::new(custom::Custom::new(
            url,
            channel.secret.as_deref().unwrap_or_default(),
            settings.clone(),
        ))),
        (ChannelKind::Telegram, _) => telegram::adapter(channel, settings),
        _ => None,
    }
}

/// Whether operator messages of `channel` go through the delivery queue.
pub fn delivers(channel: &ChannelRecord) -> bool {
    // Only channels connected with `channel add` (the demo's and the fixtures' Telegram and
    // email channels are not: their answers count as sent at once). LiveChat answers skip the
    // queue: they are pushed to the visitor's open socket (`channels::livechat`).
    match channel.account.kind {
        ChannelKind::Custom => channel.callback_url.is_some(),
        ChannelKind::Email => email::EmailConfig::from_json(&channel.config).is_some(),
        ChannelKind::Telegram => telegram::Settings::of(channel).is_some(),
        _ => false,
    }
}

/// What `channel list` shows of a channel's settings (never a secret).
pub fn summary(channel: &ChannelRecord) -> String {
    match channel.account.kind {
        ChannelKind::Email => email::summary(channel),
        _ => format!(
            "callback {}",
            channel.callback_url.as_deref().unwrap_or("-")
        ),
    }
}

/// Whether a message whose attempt was cut off (the server stopped before it stored the
/// channel's answer) may be handed to `channel` again: yes where a repeat is recognised by
/// the idempotency key (the Custom app's receiver drops it; a mail sent again carries the same
/// Message-ID, made from the key, which mail programs show once). Telegram has no such key, so
/// there the message is sent at most once: it fails with a reason that tells the operator to
/// check the chat.
pub fn resends_safely(channel: &ChannelRecord) -> bool {
    channel.account.kind != ChannelKind::Telegram
}

#[cfg(test)]
mod tests {
    use super::api_wording;

    #[test]
    fn refusals_read_as_sentences_in_the_api_s_words() {
        assert_eq!(
            api_wording("a telegram channel needs --bot-token (from @BotFather)"),
            "A telegram channel needs bot_token (from @BotFather)"
        );
        assert_eq!(
            api_wording("--imap-url must be imaps://…"),
            "imap_url must be imaps://…"
        );
        assert_eq!(
            api_wording("An email channel does not take --origin, --api-url"),
            "An email channel does not take origins, api_url"
        );
        assert_eq!(api_wording(""), "");
    }
}
