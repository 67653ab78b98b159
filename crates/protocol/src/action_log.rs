//! The action log (seed Settings › Advanced: "Information on each committed action of a
//! super-admin or operator is recorded and displayed in the Action log") and a conversation's
//! log as `GET /api/v1/conversations/{id}/log` returns it (seed: the assignment "is displayed
//! in the conversation log").
//!
//! Actions and targets are enums whose wire names are the strings the server has always
//! stored; what a row is about (the operator assigned, the message sent…) is [`LogDetails`],
//! named fields instead of a free-text note.

use serde::{Deserialize, Serialize};

use crate::{GroupFilePolicy, Id, Millis};

/// An enum stored and sent as a fixed string, with `as_str` and `parse` for SQL columns.
macro_rules! named_enum {
    ($(#[$m:meta])* pub enum $name:ident { $($(#[$vm:meta])* $variant:ident = $s:literal,)* }) => {
        $(#[$m])*
        // The same names spelled for schema generators: utoipa does not read a `rename` whose
        // string comes through a macro fragment, and the names are the variants in snake case.
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$vm])* #[serde(rename = $s)] $variant,)*
        }

        impl $name {
            /// Every name this version knows.
            pub const ALL: &[Self] = &[$(Self::$variant,)*];

            pub fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $s,)*
                }
            }

            /// `None` for a name this version does not know.
            pub fn parse(s: &str) -> Option<Self> {
                match s {
                    $($s => Some(Self::$variant),)*
                    _ => None,
                }
            }
        }
    };
}

named_enum! {
    /// What was done.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
    #[cfg_attr(feature = "specta", derive(specta::Type))]
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub enum LogAction {
        /// A client's first message (or an outgoing message) made the conversation.
        Created = "created",
        /// A client wrote into a closed conversation.
        Reopened = "reopened",
        /// "Start conversation": into the operator's My inbox.
        Start = "start",
        /// "To closed".
        Close = "close",
        /// "To Unassigned".
        Unassign = "unassign",
        /// "Assign to" an operator ([`LogDetails::operator_id`]).
        AssignOperator = "assign_operator",
        /// "Assign to group" ([`LogDetails::group_id`]).
        AssignGroup = "assign_group",
        MessageSent = "message_sent",
        FileSent = "file_sent",
        /// An internal note in the thread.
        NoteAdded = "note_added",
        /// A note in the client's profile.
        ClientNoteAdded = "client_note_added",
        MessageTagged = "message_tagged",
        DeliveryRetried = "delivery_retried",
        ConversationEmailed = "conversation_emailed",
        /// The client was renamed ([`LogDetails::display_name`]).
        Rename = "rename",
        Blacklist = "blacklist",
        Unblacklist = "unblacklist",
        /// "Fix (name)" ([`LogDetails::operator_id`]).
        Pin = "pin",
        /// "Detach".
        Unpin = "unpin",
        CannedCreate = "canned_create",
        CannedUpdate = "canned_update",
        CannedDelete = "canned_delete",
        EmailWhitelistChanged = "email_whitelist_changed",
        FilePolicyChanged = "file_policy_changed",
        OperatorCreated = "operator_created",
        /// Name, role or groups changed.
        OperatorUpdated = "operator_updated",
        OperatorDeactivated = "operator_deactivated",
        OperatorReactivated = "operator_reactivated",
        PasswordReset = "password_reset",
        PasswordChanged = "password_changed",
        GroupCreated = "group_created",
        GroupUpdated = "group_updated",
        GroupDeleted = "group_deleted",
        RoleCreated = "role_created",
        RoleUpdated = "role_updated",
        RoleDeleted = "role_deleted",
        IframeSettingsChanged = "iframe_settings_changed",
        /// Settings › Advanced "IP address whitelist" saved
        /// ([`LogDetails::ip_whitelist_enabled`], [`LogDetails::ip_whitelist_entries`]).
        IpWhitelistChanged = "ip_whitelist_changed",
        /// Settings › Advanced "Hide personal data" saved ([`LogDetails::personal_data`]).
        PersonalDataChanged = "personal_data_changed",
        ChannelCreated = "channel_created",
        /// Renamed, moved to another group, tagged, disabled or enabled, or its settings
        /// changed.
        ChannelUpdated = "channel_updated",
        ChannelSecretRotated = "channel_secret_rotated",
        /// A channel without conversations was deleted.
        ChannelDeleted = "channel_deleted",
        /// Settings › Advanced "Webhooks": added ([`LogDetails::webhook_url`], `webhook_events`,
        /// `webhook_active`), changed (only what changed), deleted, a new secret issued (never
        /// the secret).
        WebhookCreated = "webhook_created",
        WebhookUpdated = "webhook_updated",
        WebhookDeleted = "webhook_deleted",
        WebhookSecretRotated = "webhook_secret_rotated",
        /// An action this version does not know (a row of a newer server): an app reading a
        /// newer server's log still gets the other rows.
        #[serde(other)]
        Unknown = "unknown",
    }
}

named_enum! {
    /// What an action was done to (the account the seed's log names as "for which the action
    /// was committed").
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
    #[cfg_attr(feature = "specta", derive(specta::Type))]
    #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
    pub enum LogTarget {
        Conversation = "conversation",
        Client = "client",
        CannedResponse = "canned_response",
        Company = "company",
        Group = "group",
        Operator = "operator",
        Role = "role",
        Channel = "channel",
        Webhook = "webhook",
    }
}

/// Where an action without an operator came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum LogSource {
    /// A client's message through a channel.
    InboundMessage,
    /// "Outgoing message" by phone number.
    OutgoingWhatsapp,
    /// A source this version does not know (a newer server).
    #[serde(other)]
    Other,
}

/// What a row is about; only the fields its action uses are set.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LogDetails {
    /// The operator assigned or pinned to; for an inbound message, the operator whose inbox
    /// a pinned client's conversation went to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operator_id: Option<Id>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_id: Option<Id>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_id: Option<Id>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_note_id: Option<Id>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag: Option<String>,
    /// A rename's new name; the name of a channel account added or deleted (the log outlives it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// "Send to Email": the recipient and how many messages the mail held.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_to: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_count: Option<u32>,
    /// The API caller asked for no webhook (`disable_webhook`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub webhook_disabled: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<LogSource>,
    /// The email whitelist as saved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub whitelist_restrict: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub whitelist_addresses: Option<Vec<String>>,
    /// A group's file policy as saved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_policy: Option<GroupFilePolicy>,
    /// The IP address whitelist as saved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip_whitelist_enabled: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip_whitelist_entries: Option<Vec<String>>,
    /// "Hide personal data" as saved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub personal_data: Option<crate::PersonalDataSettings>,
    /// A webhook's receiver (without user, password and query, which may carry the receiver's
    /// own token), events and on/off: all of them when it was added, only the changed ones
    /// when it was changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webhook_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webhook_events: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webhook_active: Option<bool>,
}

/// One row of `GET /api/v1/conversations/{id}/log`, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LogEntry {
    pub id: Id,
    pub action: LogAction,
    /// The operator who did it (`None`: the client's channel).
    pub operator_id: Option<Id>,
    /// Their name when the log was read.
    pub operator_name: Option<String>,
    /// Whether it came through an API token.
    pub via_api: bool,
    pub details: LogDetails,
    /// The name of the operator or group in `details` when the log was read.
    pub subject_name: Option<String>,
    /// Free text of rows written before the log was typed.
    pub note: Option<String>,
    /// Shown to super-admins and integrations only.
    pub ip: Option<String>,
    pub created_at: Millis,
}

/// One row of the company's action log (`GET /api/v1/action-log`), in the seed's six columns:
/// who did it, to which account, what, from which address, when, and a note.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ActionLogRow {
    pub id: Id,
    /// The operator who did it (`None`: a client through a channel).
    pub actor_operator_id: Option<Id>,
    /// Their name when the log was read; "Client" or the API token's name when no operator.
    pub actor_name: String,
    /// Whether it came through an API token (the operator is the one it acted as).
    pub via_api: bool,
    pub target_type: LogTarget,
    pub target_id: Id,
    /// The target's name when the log was read (`None`: it no longer exists).
    pub target_name: Option<String>,
    pub action: LogAction,
    pub ip: Option<String>,
    pub created_at: Millis,
    /// What happened, in plain words.
    pub note: String,
    pub details: LogDetails,
}

/// The filters of `GET /api/v1/action-log` (each optional), as the app sends them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ActionLogFilter {
    /// Only actions of this operator.
    pub actor: Option<Id>,
    pub target_type: Option<LogTarget>,
    pub target_id: Option<Id>,
    pub action: Option<LogAction>,
    /// Inclusive bounds, Unix ms.
    pub from: Option<Millis>,
    pub to: Option<Millis>,
}

impl ActionLogFilter {
    /// The query string pairs of the set filters (names and numbers: nothing to escape).
    pub fn query_pairs(&self) -> Vec<(&'static str, String)> {
        let mut q = Vec::new();
        if let Some(v) = self.actor {
            q.push(("actor", v.to_string()));
        }
        if let Some(v) = self.target_type {
            q.push(("target_type", v.as_str().to_owned()));
        }
        if let Some(v) = self.target_id {
            q.push(("target_id", v.to_string()));
        }
        if let Some(v) = self.action {
            q.push(("action", v.as_str().to_owned()));
        }
        if let Some(v) = self.from {
            q.push(("from", v.to_string()));
        }
        if let Some(v) = self.to {
            q.push(("to", v.to_string()));
        }
        q
    }
}

/// A page of the action log, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ActionLogPage {
    pub rows: Vec<ActionLogRow>,
    /// Pass as `cursor` for the next (older) page; `None` when this was the last.
    pub next_cursor: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_match_serde() {
        for a in [
            LogAction::AssignOperator,
            LogAction::CannedDelete,
            LogAction::Unknown,
        ] {
            assert_eq!(LogAction::parse(a.as_str()), Some(a));
            assert_eq!(
                serde_json::to_value(a).expect("json"),
                serde_json::Value::String(a.as_str().into())
            );
        }
        assert_eq!(
            LogTarget::parse("canned_response"),
            Some(LogTarget::CannedResponse)
        );
        assert_eq!(LogAction::parse("fly"), None);
        assert_eq!(
            serde_json::from_str::<LogAction>(r#""webhook_sent""#).expect("other"),
            LogAction::Unknown
        );
    }

    #[test]
    fn details_store_only_what_is_set() {
        let d = LogDetails {
            operator_id: Some(5),
            webhook_disabled: true,
            ..LogDetails::default()
        };
        let json = serde_json::to_string(&d).expect("json");
        assert_eq!(json, r#"{"operator_id":5,"webhook_disabled":true}"#);
        assert_eq!(serde_json::from_str::<LogDetails>(&json).expect("back"), d);
        assert_eq!(
            serde_json::from_str::<LogDetails>("{}").expect("empty"),
            LogDetails::default()
        );
    }
}

#[cfg(all(test, feature = "openapi"))]
mod schema_tests {
    use super::*;
    use utoipa::PartialSchema;

    fn schema_names<T: PartialSchema>() -> Vec<String> {
        let schema = serde_json::to_value(T::schema()).expect("schema");
        let values = schema["enum"].as_array().cloned().unwrap_or_default();
        values
            .iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect()
    }

    /// The OpenAPI document names actions and targets as the wire does (schemathesis found the
    /// document listing "Created" while the server sent "created").
    #[test]
    fn the_schema_spells_names_as_the_wire() {
        let actions: Vec<String> = LogAction::ALL
            .iter()
            .map(|a| a.as_str().to_owned())
            .collect();
        assert_eq!(schema_names::<LogAction>(), actions);
        let targets: Vec<String> = LogTarget::ALL
            .iter()
            .map(|t| t.as_str().to_owned())
            .collect();
        assert_eq!(schema_names::<LogTarget>(), targets);
        for a in LogAction::ALL {
            assert_eq!(
                serde_json::to_value(a).expect("json"),
                serde_json::json!(a.as_str())
            );
        }
    }
}
