//! The mail thread an answer continues: per client, the Message-ID, subject and References of
//! their latest mail, kept under the channel's listener state (`channel_cursors`, name
//! `thread:<address>`; one row per client, replaced by each new mail). Answers carry them as
//! `In-Reply-To`, `References` and `Subject: Re: …`, so the client's mail program threads
//! them.

use crate::storage::sql::{self, Conn};
use serde::{Deserialize, Serialize};
use switchboard_protocol::Id;

use super::parse::MAX_REFERENCES;
use crate::storage::channel_cursors;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Thread {
    /// Without angle brackets.
    pub message_id: String,
    pub subject: String,
    /// Oldest first, without the mail's own id.
    pub references: Vec<String>,
}

impl Thread {
    /// `Re: <their subject>` (one `Re:`, however long the thread).
    pub fn reply_subject(&self) -> String {
        let mut s = self.subject.trim();
        while let Some(rest) = s
            .get(..3)
            .filter(|p| p.eq_ignore_ascii_case("re:"))
            .and_then(|_| s.get(3..))
        {
            s = rest.trim_start();
        }
        format!("Re: {s}")
    }

    /// The `References` of an answer: theirs, then their mail's id, bounded.
    pub fn reply_references(&self) -> Vec<String> {
        let mut refs = self.references.clone();
        refs.push(self.message_id.clone());
        let skip = refs.len().saturating_sub(MAX_REFERENCES);
        refs.split_off(skip)
    }
}

fn key(address: &str) -> String {
    format!("thread:{}", address.to_lowercase())
}

pub fn load(conn: &Conn<'_>, channel_id: Id, address: &str) -> sql::Result<Option<Thread>> {
    Ok(channel_cursors::get(conn, channel_id, &key(address))?
        .and_then(|v| serde_json::from_str(&v).ok()))
}

pub fn save(conn: &Conn<'_>, channel_id: Id, address: &str, thread: &Thread) -> sql::Result<()> {
    let value = serde_json::to_string(thread)
        .unwrap_or_else(|_| unreachable!("a Thread always serializes"));
    channel_cursors::set(conn, channel_id, &key(address), &value)
}

#[cfg(test)]
mod tests {
    use super::Thread;

    #[test]
    fn reply_headers() {
        let t = Thread {
            message_id: "3@c".into(),
            subject: "RE: re: Order 42".into(),
            references: (0..12).map(|i| format!("{i}@c")).collect(),
        };
        assert_eq!(t.reply_subject(), "Re: Order 42");
        let refs = t.reply_references();
        assert_eq!(refs.len(), 10);
        assert_eq!(refs.last().map(String::as_str), Some("3@c"));
    }
}
