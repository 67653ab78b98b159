//! Operator messages to the client's chat: `sendMessage` for text, `sendDocument` (multipart,
//! streamed from the file store) for a file. The platform id is Telegram's `message_id`.
//!
//! Answers: 429 waits for `parameters.retry_after`; 5xx and no connection are tried again;
//! "Forbidden: bot was blocked by the user" and every other refusal fail with Telegram's
//! words; a call whose answer was lost fails too (at most once: see the module above).

use std::time::Duration;

use futures_util::future::BoxFuture;
use serde::Deserialize;

use super::api::{Api, CallError};
use crate::channels::{ChannelAdapter, Delivered, DeliveryError, Outbound};

/// Telegram's limit on a message's text, in UTF-16 code units.
const MAX_TEXT_UNITS: usize = 4096;
/// Extra time an upload may take on top of the usual timeout.
const UPLOAD_WAIT: Duration = Duration::from_secs(120);

/// What the operator reads when an attempt's answer was lost.
pub const MAY_HAVE_ARRIVED: &str = "The Telegram Bot API did not answer, so the message may or may not have reached the client; it is not sent again by itself: check the chat and resend if needed";

pub struct Sender {
    api: Api,
}

/// The part of a sent `Message` kept.
#[derive(Deserialize)]
struct Sent {
    message_id: i64,
}

impl Sender {
    pub fn new(api: Api) -> Self {
        Self { api }
    }

    async fn send(&self, msg: &Outbound) -> Result<Delivered, DeliveryError> {
        let chat_id: i64 = msg.client_external_id.trim().parse().map_err(|_| {
            DeliveryError::Refused(format!(
                "The client's Telegram chat id {:?} is not a number",
                msg.client_external_id
            ))
        })?;
        let client = self.api.client().await?;
        let sent: Sent = match msg.file()? {
            Some((file, bytes)) => {
                // The message's text is the file's name: Telegram shows that already.
                let part =
                    reqwest::multipart::Part::stream(reqwest::Body::from(bytes.clone()))
                        .file_name(file.name.clone());
                let form = reqwest::multipart::Form::new()
                    .text("chat_id", chat_id.to_string())
                    .part("document", part);
                self.api
                    .call_multipart(&client, "sendDocument", form, UPLOAD_WAIT)
                    .await
            }
            _ => {
                if msg.text.encode_utf16().count() > MAX_TEXT_UNITS {
                    return Err(DeliveryError::Refused(format!(
                        "Telegram takes at most {MAX_TEXT_UNITS} characters in one message; send the answer in shorter parts"
                    )));
                }
                self.api
                    .call(
                        &client,
                        "sendMessage",
                        &serde_json::json!({"chat_id": chat_id, "text": msg.text}),
                        Duration::ZERO,
                    )
                    .await
            }
        }
        .map_err(delivery_error)?;
        Ok(Delivered {
            platform_id: Some(sent.message_id.to_string()),
        })
    }
}

impl ChannelAdapter for Sender {
    fn deliver<'a>(&'a self, msg: &'a Outbound) -> BoxFuture<'a, Result<Delivered, DeliveryError>> {
        Box::pin(self.send(msg))
    }
}

/// What the operator reads, and whether the queue tries again.
fn delivery_error(e: CallError) -> DeliveryError {
    let retry = |reason: String, after: Option<Duration>| DeliveryError::Retry { reason, after };
    match e {
        CallError::Address(e) => e.into(),
        CallError::Connect => retry(CallError::Connect.to_string(), None),
        CallError::NoAnswer(_) => DeliveryError::Refused(MAY_HAVE_ARRIVED.into()),
        CallError::Refused {
            code: 429,
            description,
            retry_after,
        } => retry(
            format!("Telegram asks to send more slowly ({description})"),
            retry_after,
        ),
        CallError::Refused {
            code: 403,
            description,
            ..
        } if description.contains("bot was blocked by the user") => DeliveryError::Refused(
            format!("The client blocked the bot (Telegram: {description})"),
        ),
        CallError::Refused {
            code, description, ..
        } if code >= 500 => retry(
            format!("Telegram is unavailable ({code}: {description})"),
            None,
        ),
        CallError::Refused { description, .. } => {
            DeliveryError::Refused(format!("Telegram refused the message: {description}"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{delivery_error, CallError, DeliveryError, MAY_HAVE_ARRIVED};
    use std::time::Duration;

    fn refused(code: u16, description: &str, retry_after: Option<u64>) -> DeliveryError {
        delivery_error(CallError::Refused {
            code,
            description: description.into(),
            retry_after: retry_after.map(Duration::from_secs),
        })
    }

    #[test]
    fn answers_map_to_retry_or_refusal() {
        assert!(matches!(
            refused(429, "Too Many Requests: retry after 7", Some(7)),
            DeliveryError::Retry { after: Some(a), .. } if a == Duration::from_secs(7)
        ));
        assert_eq!(
            refused(403, "Forbidden: bot was blocked by the user", None).to_string(),
            "The client blocked the bot (Telegram: Forbidden: bot was blocked by the user)"
        );
        assert!(matches!(
            refused(502, "Bad Gateway", None),
            DeliveryError::Retry { after: None, .. }
        ));
        assert_eq!(
            refused(400, "Bad Request: chat not found", None).to_string(),
            "Telegram refused the message: Bad Request: chat not found"
        );
        assert!(matches!(
            delivery_error(CallError::Connect),
            DeliveryError::Retry { .. }
        ));
        assert_eq!(
            delivery_error(CallError::NoAnswer("no answer in time".into())).to_string(),
            MAY_HAVE_ARRIVED
        );
    }
}
