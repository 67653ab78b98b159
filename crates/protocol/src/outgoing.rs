//! "Outgoing message" by phone number over WhatsApp (seed: a paid function behind the
//! `outgoing_whatsapp` permission).

use serde::{Deserialize, Serialize};

use crate::Id;

/// `POST /api/v1/outgoing/whatsapp`: start a conversation with a phone number.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OutgoingWhatsappRequest {
    /// International number, digits with an optional leading `+` (spaces, dashes, dots and
    /// brackets are ignored), 7 to 15 digits.
    pub phone: String,
    /// The client's name as the operator writes it (empty: the number).
    #[serde(default)]
    pub client_name: String,
    /// The first operator message.
    pub text: String,
    /// The group the conversation belongs to (one of the caller's groups when they are in
    /// groups); default: the WhatsApp account's group.
    #[serde(default)]
    pub group_id: Option<Id>,
    /// Idempotency key of the message (a UUID the app makes); a repeat returns the same
    /// conversation and stores nothing.
    #[serde(default)]
    pub client_msg_id: Option<String>,
}
