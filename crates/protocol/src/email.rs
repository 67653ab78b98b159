//! "Send to Email": a conversation, or some of its messages, mailed by the server over SMTP,
//! and the company's email whitelist (Settings › Advanced "Email whitelist for downloading
//! conversations").

use serde::{Deserialize, Serialize};

use crate::Id;

/// `POST /api/v1/conversations/{id}/email`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EmailConversationRequest {
    /// One recipient address.
    pub to: String,
    pub subject: String,
    /// The selected messages (they must belong to the conversation). Absent: the whole
    /// conversation without internal notes; selected notes are included, labelled as such.
    #[serde(default)]
    pub message_ids: Option<Vec<Id>>,
}

/// What the server mailed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EmailSent {
    /// The recipient, normalized.
    pub to: String,
    /// Messages in the mail.
    pub message_count: u32,
}

/// `GET/PUT /api/v1/settings/email-whitelist`: when `restrict` is on, conversations may be
/// mailed only to `addresses` (super-admins are not restricted).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EmailWhitelist {
    pub restrict: bool,
    /// Lowercase addresses, sorted.
    #[serde(default)]
    pub addresses: Vec<String>,
}
