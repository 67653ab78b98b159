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
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = "^\\+?[ .()-]*([0-9][ .()-]*){7,15}$")
    )]
    pub phone: String,
    /// The client's name as the operator writes it (empty: the number).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(max_length = 200))]
    pub client_name: String,
    /// The first operator message.
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 1,
            max_length = 20000,
            pattern = "[^\\t-\\r \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]"
        )
    )]
    pub text: String,
    /// The group the conversation belongs to (one of the caller's groups when they are in
    /// groups); default: the WhatsApp account's group.
    #[serde(default)]
    pub group_id: Option<Id>,
    /// Idempotency key of the message (a UUID the app makes); a repeat returns the same
    /// conversation and stores nothing.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 100))]
    pub client_msg_id: Option<String>,
}
