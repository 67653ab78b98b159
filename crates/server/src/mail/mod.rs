//! Outgoing mail for "Send to Email": the SMTP transport configured by `serve --smtp-url` and
//! `--mail-from`, and the transcript a mail carries ([`transcript`]).
//!
//! Decisions:
//! - One connection per mail (no pool): exports are rare, and a pooled connection the SMTP
//!   server dropped would fail the next export.
//! - Every send is bounded by `timeout` (socket operations) and the whole exchange by twice
//!   that, so an SMTP server that accepts and then says nothing cannot hold a request.
//! - Errors name the SMTP host, never the URL (it may carry a password).

pub mod transcript;

use std::time::Duration;

use lettre::message::{Mailbox, MultiPart};
use lettre::{Address, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::error::ApiError;

/// Why the mail settings given on the command line are unusable.
#[derive(Debug, thiserror::Error)]
pub enum MailConfigError {
    #[error("--smtp-url is not a usable SMTP URL (smtp://host:port, smtps://user:pass@host): {0}")]
    Url(String),
    #[error("--mail-from {0:?} is not an email address (e.g. \"Switchboard <desk@example.com>\")")]
    From(String),
}

/// An SMTP server to send through (the `--smtp-url` of "Send to Email", an Email channel's
/// `--smtp-url`).
#[derive(Clone)]
pub struct Smtp {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    host: String,
    timeout: Duration,
}

/// Why the SMTP server did not take a mail.
#[derive(Debug, thiserror::Error)]
pub enum SmtpError {
    #[error("The mail server {0} did not answer in time")]
    Silent(String),
    /// A 5xx answer: the same mail will be refused again.
    #[error("The mail server {host} refused the mail: {words}")]
    Permanent { host: String, words: String },
    /// A 4xx answer: worth another try later.
    #[error("The mail server {host} cannot take the mail now: {words}")]
    Transient { host: String, words: String },
    #[error("Cannot reach the mail server {host} ({words})")]
    Unreachable { host: String, words: String },
}

impl Smtp {
    pub fn new(url: &str, timeout: Duration) -> Result<Self, MailConfigError> {
        let host = reqwest::Url::parse(url)
            .ok()
            .and_then(|u| {
                // lettre's defaults: 465 for smtps (TLS from the start), 25 otherwise.
                let port = u
                    .port()
                    .unwrap_or(if u.scheme() == "smtps" { 465 } else { 25 });
                u.host_str().map(|h| format!("{h}:{port}"))
            })
            .ok_or_else(|| MailConfigError::Url("no host in the URL".into()))?;
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| MailConfigError::Url(e.to_string()))?
            .timeout(Some(timeout))
            .build();
        Ok(Self {
            transport,
            host,
            timeout,
        })
    }

    /// `host:port`, what errors and logs name instead of the URL.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// Sends `message`, bounded by twice the timeout.
    pub async fn send(&self, message: Message) -> Result<(), SmtpError> {
        let host = self.host.clone();
        match tokio::time::timeout(self.timeout * 2, self.transport.send(message)).await {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(e)) if e.is_timeout() => Err(SmtpError::Silent(host)),
            Ok(Err(e)) if e.is_permanent() => Err(SmtpError::Permanent {
                host,
                words: e.to_string(),
            }),
            Ok(Err(e)) if e.is_transient() => Err(SmtpError::Transient {
                host,
                words: e.to_string(),
            }),
            Ok(Err(e)) => Err(SmtpError::Unreachable {
                host,
                words: e.to_string(),
            }),
            Err(_) => Err(SmtpError::Silent(host)),
        }
    }
}

/// The configured SMTP server and sender.
#[derive(Clone)]
pub struct Mailer {
    smtp: Smtp,
    from: Mailbox,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer")
            .field("host", &self.smtp.host)
            .field("from", &self.from.to_string())
            .finish()
    }
}

/// One mail to send.
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub to: Address,
    pub reply_to: Option<Mailbox>,
    pub subject: String,
    pub text: String,
    pub html: String,
}

impl Mailer {
    pub fn new(url: &str, from: &str, timeout: Duration) -> Result<Self, MailConfigError> {
        let smtp = Smtp::new(url, timeout)?;
        let from = from
            .parse::<Mailbox>()
            .map_err(|_| MailConfigError::From(from.to_string()))?;
        Ok(Self { smtp, from })
    }

    /// Sends `mail`; a failing or silent SMTP server is a 502 that says what happened.
    pub async fn send(&self, mail: Outgoing) -> Result<(), ApiError> {
        let mut builder = Message::builder()
            .from(self.from.clone())
            .to(Mailbox::new(None, mail.to))
            .subject(mail.subject);
        if let Some(r) = mail.reply_to {
            builder = builder.reply_to(r);
        }
        let message = builder
            .multipart(MultiPart::alternative_plain_html(mail.text, mail.html))
            .map_err(|e| ApiError::Internal(format!("building the mail: {e}")))?;
        let host = self.smtp.host();
        match self.smtp.send(message).await {
            Ok(()) => Ok(()),
            Err(SmtpError::Silent(_)) => {
                tracing::warn!(%host, "SMTP server timed out");
                Err(ApiError::BadGateway(format!(
                    "The mail server {host} did not answer in time. Try again later, or ask the administrator."
                )))
            }
            Err(SmtpError::Permanent { words, .. } | SmtpError::Transient { words, .. }) => {
                tracing::warn!(%host, error = %words, "SMTP server refused a mail");
                Err(ApiError::BadGateway(format!(
                    "The mail server {host} refused the mail ({words}). Check the recipient, or ask the administrator."
                )))
            }
            Err(SmtpError::Unreachable { words, .. }) => {
                tracing::warn!(%host, error = %words, "SMTP send failed");
                Err(ApiError::BadGateway(format!(
                    "Cannot reach the mail server {host} ({words}). Try again later, or ask the administrator."
                )))
            }
        }
    }
}
