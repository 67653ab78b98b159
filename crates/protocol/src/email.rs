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
    #[cfg_attr(feature = "openapi", schema(format = Email, max_length = 254))]
    pub to: String,
    /// One line, at most 200 characters.
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 1,
            max_length = 200,
            pattern = "^[^\\x00-\\x1f\\x7f-\\x9f]*[^\\x00-\\x20\\x7f-\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000][^\\x00-\\x1f\\x7f-\\x9f]*$"
        )
    )]
    pub subject: String,
    /// The selected messages (they must belong to the conversation). Absent: the whole
    /// conversation without internal notes; selected notes are included, labelled as such.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(min_items = 1, max_items = 5000))]
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
    #[cfg_attr(feature = "openapi", schema(schema_with = email_list))]
    pub addresses: Vec<String>,
}

/// The whitelist's addresses in the OpenAPI document: at most 500 email addresses.
#[cfg(feature = "openapi")]
fn email_list() -> utoipa::openapi::Array {
    use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
    utoipa::openapi::ArrayBuilder::new()
        .items(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .format(Some(SchemaFormat::KnownFormat(KnownFormat::Email)))
                .max_length(Some(254)),
        )
        .max_items(Some(500))
        .build()
}
