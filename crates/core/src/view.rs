//! What the UI reads: rows, threads and states computed from the cache. These types cross the
//! IPC boundary and are exported to TypeScript.

use serde::{Deserialize, Serialize};
use switchboard_protocol::{
    ChannelKind, Client, ConversationStatus, Delivery, Id, Me, MessageKind, Millis,
};

pub use switchboard_protocol::Tab;

/// A list query: a tab, an optional search (≥ 3 characters, word-prefix) and filters.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct ListQuery {
    pub tab: Option<Tab>,
    pub search: Option<String>,
    pub group_id: Option<Id>,
    pub status: Option<ConversationStatus>,
    pub operator_id: Option<Id>,
}

/// One row of a conversation list, elements #1–#8 of the seed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct ConversationRow {
    pub id: Id,
    /// #1: the client's display name.
    pub client_name: String,
    /// #2: channel logo.
    pub channel_kind: ChannelKind,
    pub channel_name: String,
    /// #3: the last message was left by an operator.
    pub last_message_from_operator: bool,
    /// #4: responsible operator.
    pub operator_name: Option<String>,
    /// #5: a client message nobody (this operator) has read yet.
    pub unread: bool,
    /// #6: the operator group.
    pub group_name: Option<String>,
    pub group_color: Option<String>,
    /// #7: processing status.
    pub status: ConversationStatus,
    /// #8: time by the tab's rule (Unassigned/Closed: when the status was set; else last
    /// message).
    pub time: Millis,
    pub preview: String,
    /// Outbox items of this conversation not yet acknowledged by the server.
    pub pending: i64,
    pub blacklisted: bool,
}

/// A list's first rows and how many rows the whole list holds (what the scrollbar covers
/// while the rest is read).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct ListPage {
    pub rows: Vec<ConversationRow>,
    pub total: i64,
    /// How many conversations match: more than `total` when a tab stops at its cap (its newest
    /// 10,000). `None`: a search that matches more than its cap (200), which it does not
    /// count (counting every match of a common word would cost what the cap saves).
    pub matching: Option<i64>,
}

/// Counters for the tab bar: #9 (My inbox count) and #10 (unread anywhere).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct TabCounts {
    pub unassigned: i64,
    pub inbox: i64,
    pub inbox_unread: i64,
    pub closed: i64,
    /// Unread conversations over every tab the operator has (#10, tray badge).
    pub unread_total: i64,
}

/// Where an outgoing item stands in the outbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum OutboxState {
    /// Waiting for the server (offline, or in flight).
    Queued,
    /// The server refused it; it will not be retried by itself. `error` is the server's
    /// sentence; `code` and `detail` are what the UI words its own sentence from.
    Failed {
        error: String,
        code: String,
        detail: Option<switchboard_protocol::ErrorFacts>,
    },
}

/// One message of a thread as the UI shows it: stored messages and the outbox's pending sends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct ThreadMessage {
    /// Stable key for rendering: `m{id}` for stored messages, the client_msg_id for pending.
    pub key: String,
    pub id: Option<Id>,
    pub kind: MessageKind,
    pub text: String,
    /// Operator name for operator messages and notes; the client's name for client messages.
    pub author_name: Option<String>,
    pub created_at: Millis,
    pub delivery: Delivery,
    /// The channel's reason, in plain words, when `delivery` is failed.
    pub delivery_error: Option<String>,
    /// Present while the message is still in the outbox.
    pub outbox: Option<OutboxState>,
    /// The file the message carries.
    pub attachment: Option<switchboard_protocol::AttachmentRef>,
}

/// What the operator may do with the open conversation right now (the server decides in the
/// end; this only chooses which buttons to show).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct Capabilities {
    pub start: bool,
    pub close: bool,
    pub unassign: bool,
    pub send: bool,
    pub note: bool,
}

/// An open conversation: header data, the newest page of the thread and the allowed actions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct ConversationView {
    pub row: ConversationRow,
    /// The tab of this operator that lists it (a conversation opened from a notification is
    /// shown there); `None` when none does.
    pub tab: Option<Tab>,
    pub client: Client,
    pub operator_id: Option<Id>,
    pub group_id: Option<Id>,
    /// Oldest first.
    pub messages: Vec<ThreadMessage>,
    /// More messages are in the cache before the first one.
    pub has_older: bool,
    pub can: Capabilities,
    /// Conversation actions queued in the outbox, described for the operator.
    pub pending_actions: Vec<PendingAction>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct PendingAction {
    pub id: String,
    pub description: String,
    pub outbox: OutboxState,
}

/// Connection to the server, for the status bar.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum ConnState {
    Connecting,
    /// Pulling a snapshot or a long delta; `total` is 0 when unknown.
    Syncing {
        done: i64,
        total: i64,
    },
    Online,
    Offline {
        since: Millis,
        reason: String,
    },
}

/// The signed-in session as the UI sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct SessionInfo {
    pub server_url: String,
    pub me: Me,
    /// The token is in the OS keychain (false: session-only sign-in, forgotten on quit).
    pub remembered: bool,
    /// The tabs this operator has, in tab-bar order (the protocol's rule; the UI shows these).
    pub tabs: Vec<Tab>,
}

impl SessionInfo {
    pub fn new(server_url: String, me: Me, remembered: bool) -> Self {
        let tabs = switchboard_protocol::tabs::Viewer::of(&me).tabs();
        Self {
            server_url,
            me,
            remembered,
            tabs,
        }
    }
}

/// What a start shows first: the tab the operator used last, its first rows and the tab
/// counters beside them, read by the shell while the window opens (`Desk::first_screen`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct FirstScreen {
    pub tab: Tab,
    pub page: ListPage,
    pub counts: TabCounts,
}

/// A session opened (restored at start or signed in), with what its desk shows first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct Opened {
    pub session: SessionInfo,
    /// `None`: no tab remembered for this account (the desk lands where work waits).
    pub first_screen: Option<FirstScreen>,
}

/// A client message that just arrived through sync, for a native notification (the shell
/// groups them per conversation and applies mute / do-not-disturb).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct IncomingMessage {
    pub conversation_id: Id,
    pub message_id: Id,
    pub client_name: String,
    pub channel_kind: ChannelKind,
    pub channel_name: String,
    /// The conversation's last message preview (empty when the server hides it).
    pub preview: String,
    pub status: ConversationStatus,
    /// The conversation is in this operator's inbox.
    pub mine: bool,
}

/// Something the operator should be told once, as a banner (not an error of an action).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Notice {
    /// The local cache failed its integrity check at start; it was moved aside and is being
    /// rebuilt from the server.
    CacheRebuilt { message: String },
}

/// Where an attachment upload is; sent to the UI as it moves on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
pub struct UploadProgress {
    pub upload_id: String,
    pub conversation_id: Id,
    pub file_name: String,
    /// Bytes sent so far and in all (`f64`-safe: files are far below 2^53 bytes).
    pub sent: i64,
    pub total: i64,
    pub state: UploadState,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, specta::Type)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum UploadState {
    Uploading,
    /// Stored on the server as message `message_id`.
    Done {
        message_id: Id,
    },
    /// Refused or broken off, with the reason to show (413, 415, 403 … in the server's words).
    Failed {
        error: String,
    },
    Cancelled,
}
