//! Webhook mode (`channel add … --webhook-url https://desk.example.com`): the channel's
//! listener registers `<URL>/api/v1/channels/{id}/telegram` with `setWebhook`, its
//! `secret_token` the channel's secret, and Telegram POSTs each update there with that secret
//! in `X-Telegram-Bot-Api-Secret-Token` (checked by the route like the inbound secret, wrong
//! ones rate-limited). An update is stored before the route answers 200, so one Telegram sends
//! again after an error is stored once (`chat_id:message_id`).

use std::time::Duration;

use futures_util::future::BoxFuture;
use serde_json::Value;

use super::inbound::{ReadError, Reader};
use super::Settings;
use crate::channels::{AdapterSettings, ChannelListener, Inbox};
use crate::error::{ApiError, ApiResult};
use crate::files::FileStore;
use crate::storage::channels::ChannelRecord;
use crate::storage::Db;

/// Pauses after a failed `setWebhook`: doubling from the first up to the second.
const PAUSES: (Duration, Duration) = (Duration::from_secs(1), Duration::from_secs(300));

/// Where Telegram POSTs the updates of channel `id`.
pub fn route_url(base: &str, id: i64) -> String {
    format!("{base}/api/v1/channels/{id}/telegram")
}

/// Registers the webhook, then has nothing more to do until the channel changes.
pub struct Hook {
    reader: Reader,
    url: String,
    secret: String,
}

impl Hook {
    pub fn new(reader: Reader, url: String, secret: String) -> Self {
        Self {
            reader,
            url,
            secret,
        }
    }

    async fn run(self: Box<Self>, inbox: Inbox) {
        let mut pause = PAUSES.0;
        loop {
            match self.register().await {
                Ok(()) => {
                    tracing::info!(
                        channel_id = inbox.channel_id(),
                        "the Telegram webhook is set"
                    );
                    return std::future::pending().await;
                }
                Err(e) => {
                    tracing::warn!(channel_id = inbox.channel_id(), error = %e, "setting the Telegram webhook failed; trying again");
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(PAUSES.1);
                }
            }
        }
    }

    async fn register(&self) -> Result<(), super::api::CallError> {
        let api = self.reader.api();
        let client = api.client().await?;
        let _: bool = api
            .call(
                &client,
                "setWebhook",
                &serde_json::json!({
                    "url": self.url,
                    "secret_token": self.secret,
                    "allowed_updates": ["message", "edited_message"],
                }),
                Duration::ZERO,
            )
            .await?;
        Ok(())
    }
}

impl ChannelListener for Hook {
    fn listen(self: Box<Self>, inbox: Inbox) -> BoxFuture<'static, ()> {
        Box::pin(self.run(inbox))
    }
}

/// An update POSTed to `channel`'s webhook route (its secret already checked). 404: the
/// channel takes no webhook; 502: Telegram could not be asked for a file (Telegram sends the
/// update again later).
pub async fn take_update(
    db: Db,
    files: FileStore,
    channel: &ChannelRecord,
    net: AdapterSettings,
    update: Value,
) -> ApiResult<()> {
    let id = channel.account.id;
    let settings = Settings::of(channel)
        .filter(|s| s.webhook_url.is_some())
        .ok_or_else(|| ApiError::not_found(format!("Channel {id} takes no Telegram webhook.")))?;
    if update.get("update_id").and_then(Value::as_i64).is_none() {
        return Err(ApiError::bad_request(
            "The body is not a Telegram update (no `update_id`).",
        ));
    }
    let reader = Reader::new(super::api::Api::new(&settings, net).map_err(ApiError::InvalidState)?);
    let client = reader
        .api()
        .client()
        .await
        .map_err(|e| ApiError::BadGateway(format!("{e}.")))?;
    let inbox = Inbox::new(db, files, id);
    reader
        .take(&client, &inbox, update)
        .await
        .map_err(|e| match e {
            ReadError::Store(e) => e,
            ReadError::Call(e) => ApiError::BadGateway(format!("{e}.")),
        })
}
