//! Domain operations shared by the seed API and `/api/v1`: the one place that moves
//! conversations, stores messages, writes the action log and appends change records.

pub mod action_log;
pub mod actor;
pub mod admin;
pub mod advanced;
pub mod attachments;
pub mod canned;
pub mod channel_accounts;
pub mod clients;
pub mod conversations;
pub mod delivery;
pub mod directory;
pub mod edit_ids;
pub mod email;
pub mod embed;
pub mod ingest;
pub mod ip_whitelist;
pub mod listeners;
pub mod message_tags;
pub mod outgoing;
pub mod personal_data;
pub mod profile;
pub mod retention;
pub mod search;
pub mod snapshot;
pub mod sync;
pub mod typing;
pub mod updates;
pub mod webhook_delivery;
pub mod webhooks;

pub use actor::{Actor, Principal};

use switchboard_protocol::{HiddenClientData, Redact};

/// A service's answer as its reader may see it (Settings › Advanced › Hide personal data):
/// `.map(seen(principal.hidden()))` on every answer that carries a client. Change records
/// pass `sync::for_viewer` instead.
pub fn seen<T: Redact>(hidden: HiddenClientData) -> impl FnOnce(T) -> T {
    move |mut value| {
        value.redact(hidden);
        value
    }
}

/// Now as Unix milliseconds.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// Longest accepted message, note or client text, in characters.
pub const MAX_TEXT_CHARS: usize = 20_000;

/// The list preview of a conversation: the first line of the text, shortened.
pub fn preview(text: &str) -> String {
    let line = text
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .trim();
    let mut out: String = line.chars().take(120).collect();
    if line.chars().count() > 120 {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn preview_is_first_line_shortened() {
        assert_eq!(super::preview("\n  hello\nworld"), "hello");
        let long = "x".repeat(200);
        assert_eq!(super::preview(&long).chars().count(), 121);
    }
}
