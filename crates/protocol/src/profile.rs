//! The client profile's notes and the message tags (seed: "Notes", "Add Tag"), and the retry
//! of a failed delivery.

use serde::{Deserialize, Serialize};

use crate::{Id, Millis};

/// A note about a client, seen by every operator who sees the client's conversation and never
/// by the client.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ClientNote {
    pub id: Id,
    pub client_id: Id,
    pub conversation_id: Id,
    /// Author.
    pub operator_id: Id,
    /// The author's name when the note was read, shown beside it.
    pub operator_name: String,
    pub text: String,
    pub created_at: Millis,
}

/// Body of `POST /api/v1/clients/{id}/notes`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AddNoteRequest {
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 1,
            max_length = 20000,
            pattern = "[^\\t-\\r \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]"
        )
    )]
    pub text: String,
}

/// A tag of the company (created on first use; never edited or deleted).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Tag {
    pub id: Id,
    pub name: String,
}

/// Body of `POST /api/v1/messages/tags`: tag these messages with `tag` (an existing tag's
/// name, any case, or a new one).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TagMessagesRequest {
    #[cfg_attr(feature = "openapi", schema(min_items = 1, max_items = 500))]
    pub message_ids: Vec<Id>,
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 1,
            max_length = 50,
            pattern = "[^\\t-\\r \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]"
        )
    )]
    pub tag: String,
}

/// All tags of one message (change record entity `message_tags`, `id` = the message id).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MessageTags {
    pub message_id: Id,
    pub conversation_id: Id,
    /// Tag names, alphabetical.
    pub tags: Vec<String>,
}

/// One row of `GET /api/v1/analytics/tags`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TagCount {
    pub tag: String,
    /// Tagged messages.
    pub count: i64,
}
