//! The sync protocol of DESIGN.md: change records, the `/api/v1/sync` pull, the snapshot used
//! after `reset`, and the frames of the `/api/v1/events` WebSocket.

use serde::{Deserialize, Serialize};

pub use crate::change::{Change, ChangeRecord};
use crate::{ChannelAccount, Company, Conversation, Group, Id, Message, Operator, ReadState, Role};

/// What a change record is about ([`Change`] holds the matching type of this crate).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Entity {
    /// `data`: [`Conversation`]; `id` is the conversation id.
    Conversation,
    /// `data`: [`Message`]; `id` is the message id.
    Message,
    /// `data`: [`ReadState`]; `id` is the conversation id (records reach only that operator).
    ReadState,
    /// `data`: [`Operator`].
    Operator,
    /// `data`: [`Group`].
    Group,
    /// `data`: [`ChannelAccount`].
    ChannelAccount,
    /// `data`: [`crate::CannedResponse`]; global ones reach everyone, private ones their owner.
    CannedResponse,
    /// `data`: [`crate::ClientNote`]; `id` is the note id. Reaches whoever sees the client's
    /// conversation.
    ClientNote,
    /// `data`: [`crate::Tag`]; everyone in the company (the "Add Tag" list).
    Tag,
    /// `data`: [`crate::MessageTags`]; `id` is the message id. Reaches whoever sees the
    /// message's conversation.
    MessageTags,
}

impl Entity {
    const ALL: [Entity; 10] = [
        Entity::Conversation,
        Entity::Message,
        Entity::ReadState,
        Entity::Operator,
        Entity::Group,
        Entity::ChannelAccount,
        Entity::CannedResponse,
        Entity::ClientNote,
        Entity::Tag,
        Entity::MessageTags,
    ];

    /// The name on the wire and in the server's change table.
    pub fn as_str(self) -> &'static str {
        match self {
            Entity::Conversation => "conversation",
            Entity::Message => "message",
            Entity::ReadState => "read_state",
            Entity::Operator => "operator",
            Entity::Group => "group",
            Entity::ChannelAccount => "channel_account",
            Entity::CannedResponse => "canned_response",
            Entity::ClientNote => "client_note",
            Entity::Tag => "tag",
            Entity::MessageTags => "message_tags",
        }
    }

    pub fn parse(s: &str) -> Option<Entity> {
        Entity::ALL.into_iter().find(|e| e.as_str() == s)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ChangeOp {
    Upsert,
    /// The row left the caller's view (or was deleted): drop it from the cache. A removed
    /// conversation takes its messages with it.
    Remove,
}

/// Reply of `GET /api/v1/sync?after=SEQ&limit=N`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SyncPage {
    pub changes: Vec<ChangeRecord>,
    /// Pass as `after` in the next call (the last seq examined, not only the last returned).
    pub next: i64,
    pub has_more: bool,
    /// `after` is 0 or older than what the server keeps: rebuild from `/api/v1/snapshot`.
    pub reset: bool,
}

/// Reply of `GET /api/v1/snapshot?after_id=ID&limit=N`: the caller's visible conversations in
/// id order, with all their messages and the caller's read states. Paged by conversation id.
/// With `order=recent` (and then `cursor=` from `next_cursor`) the pages go newest activity
/// first, so an app filling an empty cache shows the conversations that matter first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SnapshotPage {
    /// Company seq when this page was read; after the last page resume `/sync` from the seq
    /// of the first page (records in between are replayed and are idempotent upserts).
    pub seq: i64,
    /// Total visible conversations, for the progress bar.
    pub total: i64,
    pub conversations: Vec<Conversation>,
    pub messages: Vec<Message>,
    pub read_states: Vec<ReadState>,
    /// `after_id` for the next page; `None` on the last page (and always with `order=recent`).
    pub next_after_id: Option<Id>,
    /// With `order=recent`: `cursor` for the next page (opaque); `None` on the last page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// Reply of `GET /api/v1/directory`: names the app shows beside ids. Everyone in the company
/// may see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Directory {
    pub company: Company,
    pub operators: Vec<Operator>,
    pub groups: Vec<Group>,
    pub channel_accounts: Vec<ChannelAccount>,
    pub roles: Vec<Role>,
}

/// Text frames the server sends on `GET /api/v1/events?after=SEQ` (WebSocket).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EventFrame {
    /// First frame: the company seq at subscription time.
    Hello { seq: i64 },
    /// One change record, replayed or live (boxed: a record carrying a whole message is far
    /// larger than the other frames).
    Change(Box<ChangeRecord>),
    /// The server could not keep up with this connection: pull from `/sync`.
    Resync,
    /// Ephemeral: a client is typing (not a change record, has no seq, never replayed). Apps
    /// that predate it skip frames they cannot read.
    Typing(crate::ClientTyping),
}
