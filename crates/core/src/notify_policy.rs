//! When and what to notify natively, without Tauri or D-Bus: the shell feeds it the core's
//! [`IncomingMessage`]s plus what only it knows (which conversation is open, whether the window
//! has focus) and shows what comes back.
//!
//! Decisions: the settings live in a small JSON file per (server, operator) next to the cache
//! (not in the cache DB) so a cache rebuild never loses them and no cache migration is needed.
//! Own messages and blacklisted clients never reach here: the core reports a conversation only
//! when its *client* message id grows and never for a blacklisted client (`cache::apply`, test
//! `newer_client_messages_are_reported_once_per_conversation`; `cache::list::incoming`). A burst in one conversation is one notification updated in place: the
//! policy counts the messages since the conversation was last opened and the shell replaces the
//! conversation's previous notification.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use switchboard_protocol::Id;

use crate::error::{CoreError, Result};
use crate::view::IncomingMessage;

/// The operator's notification settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(default)]
pub struct NotifySettings {
    pub do_not_disturb: bool,
    /// Ask the daemon to play the "new instant message" sound.
    pub sound: bool,
    /// Show the message text in the notification (off: client and channel only).
    pub preview: bool,
    pub muted: BTreeSet<Id>,
}

impl Default for NotifySettings {
    fn default() -> Self {
        Self {
            do_not_disturb: false,
            sound: true,
            preview: true,
            muted: BTreeSet::new(),
        }
    }
}

/// A notification to show (or to update, for a conversation that already has one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub conversation_id: Id,
    /// The client's name.
    pub summary: String,
    /// Channel name, the burst size when more than one, and the text preview when allowed.
    pub body: String,
    /// Sound hint to send, if any.
    pub sound: Option<&'static str>,
}

/// Why a message raises no notification (logged at debug level, asserted by tests).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Skip {
    DoNotDisturb,
    Muted,
    OpenAndFocused,
}

/// The freedesktop sound name for an incoming instant message.
pub const SOUND_NAME: &str = "message-new-instant";

/// Longest text preview in a notification body, in characters.
const PREVIEW_CHARS: usize = 140;

/// The settings file of one account directory (see `cache::account_dir`).
pub fn settings_path(account_dir: &Path) -> PathBuf {
    account_dir.join("notify.json")
}

/// Reads the settings; a missing file gives the defaults, a damaged one too (with a warning),
/// because notification settings are never worth failing a sign-in over.
pub fn load_settings(path: &Path) -> NotifySettings {
    match std::fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes).unwrap_or_else(|e| {
            tracing::warn!(path = %path.display(), error = %e, "notification settings unreadable; using defaults");
            NotifySettings::default()
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => NotifySettings::default(),
        Err(e) => {
            tracing::warn!(path = %path.display(), error = %e, "cannot read notification settings; using defaults");
            NotifySettings::default()
        }
    }
}

/// Writes the settings atomically (temp file + rename), so a crash never leaves half a file.
pub fn save_settings(path: &Path, settings: &NotifySettings) -> Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let json =
        serde_json::to_vec_pretty(settings).map_err(|e| CoreError::Io(std::io::Error::other(e)))?;
    let tmp = path.with_extension("json.tmp");
    std::fs::write(&tmp, json)?;
    std::fs::rename(&tmp, path)?;
    Ok(())
}

/// The per-session notification state: settings plus burst counters.
#[derive(Debug, Default)]
pub struct NotifyPolicy {
    pub settings: NotifySettings,
    /// Messages notified per conversation since it was last opened (burst size).
    burst: HashMap<Id, u32>,
}

/// What only the shell knows at the time a message arrives.
#[derive(Debug, Clone, Copy, Default)]
pub struct WindowContext {
    /// The conversation the UI shows, if any.
    pub open_conversation: Option<Id>,
    pub focused: bool,
}

impl NotifyPolicy {
    pub fn new(settings: NotifySettings) -> Self {
        Self {
            settings,
            burst: HashMap::new(),
        }
    }

    /// Decides for one new client message.
    pub fn decide(
        &mut self,
        msg: &IncomingMessage,
        window: WindowContext,
    ) -> std::result::Result<Notice, Skip> {
        if self.settings.do_not_disturb {
            return Err(Skip::DoNotDisturb);
        }
        if self.settings.muted.contains(&msg.conversation_id) {
            return Err(Skip::Muted);
        }
        if window.focused && window.open_conversation == Some(msg.conversation_id) {
            return Err(Skip::OpenAndFocused);
        }
        let count = self.burst.entry(msg.conversation_id).or_insert(0);
        *count += 1;
        let mut body = msg.channel_name.clone();
        if *count > 1 {
            body.push_str(&format!(" · {count} new messages"));
        }
        if self.settings.preview && !msg.preview.trim().is_empty() {
            body.push('\n');
            body.push_str(&truncate(msg.preview.trim(), PREVIEW_CHARS));
        }
        Ok(Notice {
            conversation_id: msg.conversation_id,
            summary: msg.client_name.clone(),
            body,
            sound: self.settings.sound.then_some(SOUND_NAME),
        })
    }

    /// The operator opened the conversation: the next message starts a new burst.
    pub fn opened(&mut self, conversation_id: Id) {
        self.burst.remove(&conversation_id);
    }
}

/// How long a conversation's popup stands for its burst where popups cannot be replaced.
pub const BURST_QUIET: Duration = Duration::from_secs(15);

/// Where a popup cannot be updated in place (notify-rust on Windows and macOS has no replace
/// id), a burst would be one popup per message. The gate lets a conversation's first message
/// through and then at most one popup per [`BURST_QUIET`], each carrying the burst count.
#[derive(Debug, Default)]
pub struct BurstGate {
    last: HashMap<Id, Instant>,
}

impl BurstGate {
    /// Whether a popup for `conversation_id` may show at `now`; records it when it may.
    pub fn admit(&mut self, conversation_id: Id, now: Instant) -> bool {
        match self.last.get(&conversation_id) {
            Some(shown) if now.saturating_duration_since(*shown) < BURST_QUIET => false,
            _ => {
                self.last.insert(conversation_id, now);
                true
            }
        }
    }
}

fn truncate(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use switchboard_protocol::{ChannelKind, ConversationStatus};

    fn msg(conv: Id, text: &str) -> IncomingMessage {
        IncomingMessage {
            conversation_id: conv,
            message_id: 100 + conv,
            client_name: "Zoe Client".into(),
            channel_kind: ChannelKind::Custom,
            channel_name: "Web chat".into(),
            preview: text.into(),
            status: ConversationStatus::Unassigned,
            mine: false,
        }
    }

    const AWAY: WindowContext = WindowContext {
        open_conversation: None,
        focused: false,
    };

    #[test]
    fn a_new_message_gives_client_channel_and_preview_with_sound() {
        let mut p = NotifyPolicy::default();
        let n = p.decide(&msg(1, "Where is my order?"), AWAY);
        assert_eq!(
            n,
            Ok(Notice {
                conversation_id: 1,
                summary: "Zoe Client".into(),
                body: "Web chat\nWhere is my order?".into(),
                sound: Some(SOUND_NAME),
            })
        );
    }

    #[test]
    fn the_burst_gate_lets_one_popup_through_per_quiet_period() {
        let mut gate = BurstGate::default();
        let t0 = Instant::now();
        assert!(gate.admit(1, t0), "the first message shows");
        assert!(
            !gate.admit(1, t0 + Duration::from_secs(3)),
            "the burst is held"
        );
        assert!(
            gate.admit(2, t0 + Duration::from_secs(3)),
            "gates are per conversation"
        );
        assert!(
            gate.admit(1, t0 + BURST_QUIET),
            "after the quiet period it shows again"
        );
        assert!(!gate.admit(1, t0 + BURST_QUIET + Duration::from_secs(1)));
    }

    #[test]
    fn a_burst_counts_until_the_conversation_is_opened() {
        let mut p = NotifyPolicy::default();
        p.decide(&msg(1, "a"), AWAY).expect("first");
        let n = p.decide(&msg(1, "b"), AWAY).expect("second");
        assert_eq!(n.body, "Web chat · 2 new messages\nb");
        let other = p.decide(&msg(2, "c"), AWAY).expect("other");
        assert_eq!(other.body, "Web chat\nc", "bursts are per conversation");
        p.opened(1);
        let n = p.decide(&msg(1, "d"), AWAY).expect("after open");
        assert_eq!(n.body, "Web chat\nd");
    }

    #[test]
    fn preview_and_sound_off() {
        let mut p = NotifyPolicy::new(NotifySettings {
            preview: false,
            sound: false,
            ..Default::default()
        });
        let n = p.decide(&msg(1, "secret"), AWAY).expect("shown");
        assert_eq!(n.body, "Web chat");
        assert_eq!(n.sound, None);
    }

    #[test]
    fn long_previews_are_cut() {
        let mut p = NotifyPolicy::default();
        let n = p.decide(&msg(1, &"é".repeat(500)), AWAY).expect("shown");
        assert_eq!(
            n.body.chars().count(),
            "Web chat\n".len() + PREVIEW_CHARS + 1
        );
        assert!(n.body.ends_with('…'));
    }

    #[test]
    fn each_rule_that_silences() {
        let mut p = NotifyPolicy::default();
        p.settings.muted.insert(1);
        assert_eq!(p.decide(&msg(1, "x"), AWAY), Err(Skip::Muted));
        assert!(p.decide(&msg(2, "x"), AWAY).is_ok());
        p.settings.do_not_disturb = true;
        assert_eq!(p.decide(&msg(2, "x"), AWAY), Err(Skip::DoNotDisturb));
    }

    #[test]
    fn open_conversation_is_silent_only_while_the_window_is_focused() {
        let mut p = NotifyPolicy::default();
        let open = WindowContext {
            open_conversation: Some(1),
            focused: true,
        };
        assert_eq!(p.decide(&msg(1, "x"), open), Err(Skip::OpenAndFocused));
        assert!(p.decide(&msg(2, "x"), open).is_ok());
        let unfocused = WindowContext {
            focused: false,
            ..open
        };
        assert!(p.decide(&msg(1, "x"), unfocused).is_ok());
    }

    #[test]
    fn settings_round_trip_and_survive_damage() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = settings_path(&dir.path().join("acct"));
        assert_eq!(load_settings(&path), NotifySettings::default());
        let s = NotifySettings {
            do_not_disturb: true,
            muted: [42].into(),
            ..Default::default()
        };
        save_settings(&path, &s).expect("save");
        assert_eq!(load_settings(&path), s);
        std::fs::write(&path, b"{not json").expect("damage");
        assert_eq!(load_settings(&path), NotifySettings::default());
    }
}
