//! Wire types shared by `switchboard-server` and the app: the JSON that crosses HTTP and the
//! WebSocket. Everything here is plain data; behaviour lives in the server and in the core.
//!
//! Ids are `i64` row ids. Times are Unix milliseconds (UTC) so TypeScript gets plain numbers.
//! With the `specta` feature the types also describe themselves for the generated UI bindings,
//! with `openapi` for the server's OpenAPI document.

use serde::{Deserialize, Serialize};

pub mod action_log;
pub mod admin;
pub mod advanced;
pub mod api;
pub mod outgoing;
pub mod sync;
pub mod webhooks;

pub use action_log::{
    ActionLogFilter, ActionLogPage, ActionLogRow, LogAction, LogDetails, LogEntry, LogSource,
    LogTarget,
};
pub mod ip_whitelist;
pub use admin::*;
pub use advanced::*;
pub use api::*;
pub use ip_whitelist::{IpWhitelistSettings, IpWhitelistUpdate};
pub use outgoing::*;
pub mod canned;
pub mod change;
pub mod profile;

pub use canned::*;
pub use profile::*;
pub mod attachments;
pub mod message_tags;
pub use message_tags::*;

pub use attachments::*;
pub mod email;
pub mod personal_data;
pub mod search;
pub mod tabs;
pub mod typing;

pub use email::*;
pub use personal_data::{ClientContact, HiddenClientData, PersonalDataSettings, Redact};
pub use search::{SearchHit, SearchResults};
pub use sync::*;
pub use tabs::Tab;
pub use typing::{ClientTyping, TypingRequest};
pub use webhooks::*;

pub type Id = i64;
/// Unix time in milliseconds, UTC.
pub type Millis = i64;

/// Where a conversation is in its processing (seed: "Processing status").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ConversationStatus {
    Unassigned,
    Inbox,
    Closed,
}

impl ConversationStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Unassigned => "unassigned",
            Self::Inbox => "inbox",
            Self::Closed => "closed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "unassigned" => Some(Self::Unassigned),
            "inbox" => Some(Self::Inbox),
            "closed" => Some(Self::Closed),
            _ => None,
        }
    }
}

/// Who wrote a message. Notes are internal and never reach the client.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum MessageKind {
    Client,
    Operator,
    Note,
    System,
}

impl MessageKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Client => "client",
            Self::Operator => "operator",
            Self::Note => "note",
            Self::System => "system",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "client" => Some(Self::Client),
            "operator" => Some(Self::Operator),
            "note" => Some(Self::Note),
            "system" => Some(Self::System),
            _ => None,
        }
    }
}

/// Delivery state of an operator message towards the client's channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Delivery {
    Pending,
    Sent,
    Delivered,
    Failed,
}

impl Delivery {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Sent => "sent",
            Self::Delivered => "delivered",
            Self::Failed => "failed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "pending" => Some(Self::Pending),
            "sent" => Some(Self::Sent),
            "delivered" => Some(Self::Delivered),
            "failed" => Some(Self::Failed),
            _ => None,
        }
    }
}

/// The messenger, mail or chat product a channel account belongs to (drives the list logo).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ChannelKind {
    Telegram,
    Whatsapp,
    Email,
    Livechat,
    Facebook,
    Viber,
    Custom,
}

impl ChannelKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Telegram => "telegram",
            Self::Whatsapp => "whatsapp",
            Self::Email => "email",
            Self::Livechat => "livechat",
            Self::Facebook => "facebook",
            Self::Viber => "viber",
            Self::Custom => "custom",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "telegram" => Some(Self::Telegram),
            "whatsapp" => Some(Self::Whatsapp),
            "email" => Some(Self::Email),
            "livechat" => Some(Self::Livechat),
            "facebook" => Some(Self::Facebook),
            "viber" => Some(Self::Viber),
            "custom" => Some(Self::Custom),
            _ => None,
        }
    }
}

/// Role flags (seed: Manage roles). A super-admin has all of them implicitly.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Permissions {
    /// Blacklist and All tabs, assign to anyone.
    pub conversations_management: bool,
    /// Show tab "All" in conversations (also Blacklist, as the seed says).
    pub show_all_tab: bool,
    pub manage_operators: bool,
    pub manage_settings: bool,
    pub view_analytics: bool,
    /// Paid "Outgoing messages" by phone number; hidden by default.
    pub outgoing_whatsapp: bool,
    /// Read Settings › Advanced "Action log" (changing any Advanced function stays the
    /// super-admin's).
    // Absent (off) in what an older server sends or an older app remembered: the app keeps
    // opening with the `me` it saved before this flag existed.
    #[serde(default)]
    pub view_action_log: bool,
    /// "Send to Email": export a conversation by mail (within the company's email whitelist).
    #[serde(default)]
    pub download_conversations: bool,
}

impl Permissions {
    pub fn all() -> Self {
        Self {
            conversations_management: true,
            show_all_tab: true,
            manage_operators: true,
            manage_settings: true,
            view_analytics: true,
            outgoing_whatsapp: true,
            view_action_log: true,
            download_conversations: true,
        }
    }

    /// All and Blacklist tabs are shown for either flag (seed: Conversations tab).
    pub fn sees_all_tabs(&self) -> bool {
        self.conversations_management || self.show_all_tab
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Company {
    pub id: Id,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Operator {
    pub id: Id,
    pub name: String,
    pub email: String,
    pub super_admin: bool,
    pub role_id: Option<Id>,
    /// Empty: the operator is in no group and sees every group's Unassigned.
    pub group_ids: Vec<Id>,
    pub active: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Group {
    pub id: Id,
    pub name: String,
    /// CSS colour of the group's button in the conversation header, e.g. `#3b82f6`.
    pub color: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Role {
    pub id: Id,
    pub name: String,
    pub permissions: Permissions,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChannelAccount {
    pub id: Id,
    pub kind: ChannelKind,
    pub name: String,
    /// New conversations of this account land in this group's Unassigned.
    pub group_id: Option<Id>,
    /// A disabled channel refuses inbound messages (403); its conversations stay readable.
    #[serde(default)]
    pub disabled: bool,
    /// The admin's labels ("EU", "VIP line"; Tab: Apps › Tagging accounts).
    #[serde(default)]
    pub tags: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Client {
    pub id: Id,
    pub channel_account_id: Id,
    /// The client's id in the channel (phone, chat id, email address …).
    pub external_id: String,
    /// Name as the channel transmitted it; kept when an operator renames the client.
    pub original_name: String,
    pub display_name: String,
    pub blacklisted: bool,
    pub pinned_operator_id: Option<Id>,
    pub created_at: Millis,
    /// What the channel told about the client (Settings › Advanced › Hide personal data may
    /// remove it before it reaches an operator).
    #[serde(default)]
    pub contact: ClientContact,
    /// `true`: the company hides this client's contact from the reader, and the server removed
    /// it (and `external_id`) from this record.
    #[serde(default)]
    pub contact_hidden: bool,
}

/// A conversation with its client embedded, so that one record carries everything a list row
/// needs and visibility is decided per conversation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Conversation {
    pub id: Id,
    pub channel_account_id: Id,
    pub client: Client,
    pub status: ConversationStatus,
    /// Responsible operator (seed element #4): who works or worked with the conversation.
    pub operator_id: Option<Id>,
    pub group_id: Option<Id>,
    /// When the current status was set (Unassigned and Closed tabs show this time).
    pub status_changed_at: Millis,
    /// The last operator who closed it (Closed tab shows it only to them).
    pub closed_by: Option<Id>,
    pub last_message_at: Millis,
    pub last_message_from_operator: bool,
    pub last_message_preview: String,
    /// Newest client message; the app compares it with its [`ReadState`] for the unread mark.
    pub last_client_message_id: Option<Id>,
    pub created_at: Millis,
    pub updated_at: Millis,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Message {
    pub id: Id,
    pub conversation_id: Id,
    pub kind: MessageKind,
    pub text: String,
    /// Author for operator messages and notes.
    pub operator_id: Option<Id>,
    pub created_at: Millis,
    pub delivery: Delivery,
    /// The app's idempotency key for this message, when the app sent it.
    pub client_msg_id: Option<String>,
    /// The file this message carries (its `text` is then the file name).
    #[serde(default)]
    pub attachment: Option<AttachmentRef>,
    /// The channel's reason, in plain words, when `delivery` is failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery_error: Option<String>,
}

/// One operator's read position in one conversation; only that operator receives it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReadState {
    pub conversation_id: Id,
    pub operator_id: Id,
    pub last_read_message_id: Id,
}
