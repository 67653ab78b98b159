//! Email channel: a mailbox read over IMAP ([`imap`]) and answered over SMTP ([`smtp`]).
//! A client is their mail address (the sender's display name is their name), so every mail
//! of one sender lands in their conversation; answers carry the threading headers of the
//! client's latest mail ([`thread`]). Mails are read by [`parse`]: HTML as text, quoted
//! history folded, attachments as files, auto-replies skipped, bounces turned into
//! `failed` answers ([`bounce`]). Settings: [`config`].

pub mod bounce;
pub mod config;
pub mod imap;
pub mod parse;
pub mod smtp;
pub mod thread;

pub use config::{configure, EmailConfig};

use crate::storage::channels::ChannelRecord;

/// What `channel list` shows of the channel: its address and URLs without passwords.
pub fn summary(channel: &ChannelRecord) -> String {
    match EmailConfig::from_json(&channel.config) {
        Some(c) => format!(
            "address {} imap {} smtp {}",
            c.address,
            config::redact(&c.imap_url),
            config::redact(&c.smtp_url)
        ),
        None => "(settings unreadable)".into(),
    }
}
