//! Channel adapters: one module per channel kind, each owning how its messages reach the
//! client. Inbound messages of every kind go through `service::ingest`; outbound operator
//! messages are handed to a [`ChannelAdapter`] by the delivery worker (`service::delivery`).
//! Only the Custom app delivers for now; the other kinds come with their adapters.

pub mod custom;

use std::time::Duration;

use futures_util::future::BoxFuture;
use serde::Serialize;
use switchboard_protocol::{AttachmentRef, ChannelKind, Id};

use crate::storage::channels::ChannelRecord;

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
    /// The same on every attempt at this message, so the receiver can drop a repeat.
    #[serde(skip)]
    pub idempotency_key: String,
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

/// The adapter of `channel`, or `None` when it has nowhere to deliver to (its operator
/// messages count as sent at once).
pub fn adapter_for(
    channel: &ChannelRecord,
    settings: &AdapterSettings,
) -> Option<Box<dyn ChannelAdapter>> {
    match (channel.account.kind, &channel.callback_url) {
        (ChannelKind::Custom, Some(url)) => Some(Box::new(custom::Custom::new(
            url,
            channel.secret.as_deref().unwrap_or_default(),
            settings.clone(),
        ))),
        _ => None,
    }
}

/// Whether operator messages of `channel` go through the delivery queue.
pub fn delivers(channel: &ChannelRecord) -> bool {
    matches!(
        (channel.account.kind, &channel.callback_url),
        (ChannelKind::Custom, Some(_))
    )
}
