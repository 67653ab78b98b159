//! Files attached to messages: the reference a [`crate::Message`] carries and the per-group
//! file policy of Settings › Advanced ("Block send/receive files").

use serde::{Deserialize, Serialize};

use crate::Id;

/// A stored file as a message refers to it. The bytes are at `GET /api/v1/attachments/{id}`;
/// `sha256` (hex) names them, so the app can cache and verify them by content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AttachmentRef {
    pub id: Id,
    /// Sanitized file name (no folders, no control characters), with its extension.
    pub name: String,
    /// Bytes. `f64`-safe: files are limited to far below 2^53.
    pub size: i64,
    pub content_type: String,
    pub sha256: String,
}

/// `PUT /api/v1/settings/groups/{id}/files`: what operators of a group may not do with files.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GroupFilePolicy {
    /// Operators may not send files in conversations of this group.
    #[serde(default)]
    pub block_send: bool,
    /// Files clients send in conversations of this group are kept but not given to operators.
    #[serde(default)]
    pub block_receive: bool,
}

/// `GET /api/v1/settings/groups/files`: one group and what its operators may not do with files.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GroupFiles {
    pub group_id: Id,
    pub name: String,
    pub policy: GroupFilePolicy,
}

/// A file a client sent, inline in [`crate::InboundMessage`] (channel adapters send small files;
/// the server's size and type limits apply).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InboundFile {
    pub name: String,
    /// The bytes, standard base64.
    pub data_base64: String,
}
