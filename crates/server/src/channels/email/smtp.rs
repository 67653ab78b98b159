//! Outbound: each operator message is one mail from the channel's address to the client,
//! sent through the channel's SMTP server (`mail::Smtp`, shared with "Send to Email").
//! The mail's Message-ID is made from the delivery's idempotency key, so a mail sent again
//! after a crash carries the same id and the client's mail program shows it once; it is kept
//! as the platform id, which a later bounce is matched against. SMTP accepted: delivered.
//! 4xx, network trouble, silence: try again later; 5xx: refused with the server's words.

use futures_util::future::BoxFuture;
use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::{Address, Message};

use super::config::EmailConfig;
use super::thread::{self, Thread};
use crate::channels::{AdapterSettings, ChannelAdapter, Delivered, DeliveryError, Outbound};
use crate::mail::{Smtp, SmtpError};
use crate::storage::Db;

pub struct EmailAdapter {
    config: EmailConfig,
    /// The channel's name, the subject of an answer that starts a thread.
    name: String,
    settings: AdapterSettings,
    db: Db,
}

impl EmailAdapter {
    pub fn new(config: EmailConfig, name: String, settings: AdapterSettings, db: Db) -> Self {
        Self {
            config,
            name,
            settings,
            db,
        }
    }

    async fn send(&self, msg: &Outbound) -> Result<Delivered, DeliveryError> {
        let smtp = Smtp::new(&self.config.smtp_url, self.settings.timeout).map_err(|e| {
            DeliveryError::Refused(format!("The channel's SMTP settings are unusable: {e}"))
        })?;
        let from: Address = self.config.address.parse().map_err(|_| {
            DeliveryError::Refused("The channel's address is not an email address".into())
        })?;
        let to: Address = msg.client_external_id.parse().map_err(|_| {
            DeliveryError::Refused(format!(
                "The client's id {:?} is not an email address",
                msg.client_external_id
            ))
        })?;
        let (channel_id, client) = (msg.channel_id, msg.client_external_id.clone());
        let thread = self
            .db
            .read(move |conn| Ok(thread::load(conn, channel_id, &client)?))
            .await
            .map_err(|e| DeliveryError::Retry {
                reason: format!("The server could not read the mail thread: {e}"),
                after: None,
            })?;
        let message_id = format!("{}@{}", msg.idempotency_key, self.config.domain());
        let mail = self.compose(msg, from, to, thread.as_ref(), &message_id)?;
        match smtp.send(mail).await {
            Ok(()) => Ok(Delivered {
                platform_id: Some(message_id),
            }),
            Err(e @ SmtpError::Permanent { .. }) => Err(DeliveryError::Refused(e.to_string())),
            Err(e) => Err(DeliveryError::Retry {
                reason: e.to_string(),
                after: None,
            }),
        }
    }

    fn compose(
        &self,
        msg: &Outbound,
        from: Address,
        to: Address,
        thread: Option<&Thread>,
        message_id: &str,
    ) -> Result<Message, DeliveryError> {
        let refused = |e: &dyn std::fmt::Display| {
            DeliveryError::Refused(format!("The mail could not be put together: {e}"))
        };
        let mut builder = Message::builder()
            .from(Mailbox::new(Some(self.name.clone()), from))
            .to(Mailbox::new(None, to))
            .message_id(Some(format!("<{message_id}>")))
            .subject(thread.map_or_else(|| self.name.clone(), Thread::reply_subject));
        if let Some(t) = thread {
            builder = builder
                .in_reply_to(format!("<{}>", t.message_id))
                .references(
                    t.reply_references()
                        .iter()
                        .map(|r| format!("<{r}>"))
                        .collect::<Vec<_>>()
                        .join(" "),
                );
        }
        let text = SinglePart::plain(msg.text.clone());
        let Some((file, bytes)) = msg.file()? else {
            return builder.singlepart(text).map_err(|e| refused(&e));
        };
        // A type lettre cannot parse goes as plain bytes.
        let ctype = ContentType::parse(&file.content_type)
            .or_else(|_| ContentType::parse("application/octet-stream"))
            .map_err(|e| refused(&e))?;
        builder
            .multipart(
                MultiPart::mixed()
                    .singlepart(text)
                    .singlepart(Attachment::new(file.name.clone()).body(bytes.to_vec(), ctype)),
            )
            .map_err(|e| refused(&e))
    }
}

impl ChannelAdapter for EmailAdapter {
    fn deliver<'a>(&'a self, msg: &'a Outbound) -> BoxFuture<'a, Result<Delivered, DeliveryError>> {
        Box::pin(self.send(msg))
    }
}
