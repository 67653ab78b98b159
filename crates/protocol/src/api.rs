//! Request and reply bodies of the extended API under `/api/v1/` and the seed API's
//! conversation detail.

use serde::{Deserialize, Serialize};

use crate::{Company, Conversation, Id, Message, MessageKind, Operator, Permissions};

/// Error body of every failed call: `{"error":{"code":"…","message":"…"}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorDetail {
    /// Stable machine code: `bad_request`, `unauthorized`, `forbidden`, `not_found`,
    /// `conflict`, `too_large`, `unsupported_type`, `invalid_state`, `rate_limited`, `internal`.
    pub code: String,
    /// A sentence for a person, saying what to do.
    pub message: String,
    /// The facts behind a refusal, for programs: the app words its own sentence from these
    /// fields, so rewording `message` never breaks it. Absent for most errors.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<ErrorFacts>,
}

/// What a refusal is about, beyond its code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ErrorFacts {
    /// 409: another operator has the conversation in their inbox.
    TakenBy {
        operator_id: crate::Id,
        operator_name: String,
    },
    /// 409: the client is pinned to another operator, who must detach them first.
    PinnedTo {
        operator_id: crate::Id,
        operator_name: String,
    },
}

/// `POST /api/v1/auth/login`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LoginResponse {
    pub token: String,
    pub me: Me,
}

/// `GET /api/v1/me`: who the token belongs to and what they may do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Me {
    pub operator: Operator,
    pub company: Company,
    /// Effective permissions (all of them for a super-admin).
    pub permissions: Permissions,
    /// What of clients the company hides from this operator (Hide personal data).
    #[serde(default)]
    pub hidden_client_data: crate::HiddenClientData,
}

/// `POST /api/v1/conversations/{id}/messages`: an operator message or a note. Idempotent on
/// `client_msg_id`: a repeat returns the message stored the first time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SendMessageRequest {
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 100))]
    pub client_msg_id: String,
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 1,
            max_length = 20000,
            pattern = "[^\\t-\\r \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]"
        )
    )]
    pub text: String,
    /// `operator` (default) or `note`.
    #[serde(default = "default_send_kind")]
    #[cfg_attr(
        feature = "openapi",
        schema(value_type = String, pattern = "^(operator|note)$")
    )]
    pub kind: MessageKind,
}

fn default_send_kind() -> MessageKind {
    MessageKind::Operator
}

/// A movement of a conversation, as the app's outbox queues it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum ConversationAction {
    /// "Start conversation": Unassigned or Closed → My inbox of the caller.
    Start,
    /// "To closed".
    Close,
    /// "To Unassigned".
    Unassign,
    AssignOperator {
        operator_id: Id,
    },
    AssignGroup {
        group_id: Id,
    },
}

/// `POST /api/v1/conversations/{id}/actions`. Idempotent on `action_id`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ActionRequest {
    #[cfg_attr(feature = "openapi", schema(min_length = 1, max_length = 100))]
    pub action_id: String,
    #[serde(flatten)]
    pub action: ConversationAction,
}

/// `POST /api/v1/conversations/{id}/read`: the caller has seen up to this message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReadRequest {
    pub last_read_message_id: Id,
}

/// `GET /api/v1/conversations/{id}/messages?before_id=&limit=`: newest first page of history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MessagesPage {
    /// Oldest first.
    pub messages: Vec<Message>,
    pub has_more: bool,
}

/// `POST /api/v1/channels/{channel_id}/inbound` (Custom app channel), authenticated by the
/// channel's secret in `X-Channel-Secret`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InboundMessage {
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 1,
            max_length = 256,
            pattern = "[^\\t-\\r \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]"
        )
    )]
    pub external_id: String,
    pub name: String,
    /// May be empty when `attachment` is given (the file name is then the text).
    pub text: String,
    #[serde(default)]
    pub attachment: Option<crate::InboundFile>,
    /// What the app knows of the client's contact; fields given replace the stored ones.
    #[serde(default)]
    pub contact: Option<crate::ClientContact>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InboundAccepted {
    pub client_id: Id,
    pub conversation_id: Id,
    pub message_id: Id,
}

/// Seed `GET /api/conversations/get` and `/api/v1/conversations/{id}`: the conversation with
/// its messages, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConversationDetail {
    #[serde(flatten)]
    pub conversation: Conversation,
    pub messages: Vec<Message>,
}
