//! Webhooks (Settings › Advanced "Manage Webhooks", super-admin only): the subscriptions
//! (`/api/v1/webhooks`), their delivery log, and the JSON the server POSTs to a receiver.
//!
//! Every POST is one [`WebhookEnvelope`]-shaped object: `event` (a [`WebhookEventName`]), `id`
//! (unique per event: the receiver drops repeats by it, delivery is at least once),
//! `created_at`, `company_id` and `data`, whose shape depends on the event (one schema per
//! event in the OpenAPI document: `MessageCreatedEvent` …).

use serde::{Deserialize, Serialize};

use crate::{Client, Conversation, Id, Message, Millis};

/// What a webhook can subscribe to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum WebhookEventName {
    /// A message, note or file was stored (client, operator or note).
    #[serde(rename = "message.created")]
    MessageCreated,
    /// A new conversation, or "Start conversation" into an operator's inbox.
    #[serde(rename = "conversation.started")]
    ConversationStarted,
    #[serde(rename = "conversation.closed")]
    ConversationClosed,
    #[serde(rename = "conversation.unassigned")]
    ConversationUnassigned,
    #[serde(rename = "conversation.assigned_operator")]
    ConversationAssignedOperator,
    #[serde(rename = "conversation.assigned_group")]
    ConversationAssignedGroup,
    /// Renamed, (un)blacklisted, pinned or detached.
    #[serde(rename = "client.updated")]
    ClientUpdated,
    /// A tag was put on a message.
    #[serde(rename = "tag.added")]
    TagAdded,
}

/// The event "Send test event" POSTs to one webhook (nobody subscribes to it).
pub const WEBHOOK_TEST_EVENT: &str = "webhook.test";

impl WebhookEventName {
    pub const ALL: [Self; 8] = [
        Self::MessageCreated,
        Self::ConversationStarted,
        Self::ConversationClosed,
        Self::ConversationUnassigned,
        Self::ConversationAssignedOperator,
        Self::ConversationAssignedGroup,
        Self::ClientUpdated,
        Self::TagAdded,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::MessageCreated => "message.created",
            Self::ConversationStarted => "conversation.started",
            Self::ConversationClosed => "conversation.closed",
            Self::ConversationUnassigned => "conversation.unassigned",
            Self::ConversationAssignedOperator => "conversation.assigned_operator",
            Self::ConversationAssignedGroup => "conversation.assigned_group",
            Self::ClientUpdated => "client.updated",
            Self::TagAdded => "tag.added",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|e| e.as_str() == s)
    }
}

/// A subscription. The signing secret is never shown again after create or rotate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Webhook {
    pub id: Id,
    pub url: String,
    /// Names of [`WebhookEventName`] (as strings: a newer server's names stay readable).
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<WebhookEventName>))]
    pub events: Vec<String>,
    pub active: bool,
    pub created_at: Millis,
    pub updated_at: Millis,
}

/// `POST /api/v1/webhooks`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewWebhook {
    /// http:// or https:// with a host; loopback and private addresses only with `serve
    /// --allow-private-callbacks`.
    #[cfg_attr(
        feature = "openapi",
        schema(max_length = 2048, pattern = "^https?://[^\\s/?#@]+")
    )]
    pub url: String,
    /// At least one event; an unknown name is refused (400) with the list of names.
    #[cfg_attr(
        feature = "openapi",
        schema(value_type = Vec<WebhookEventName>, min_items = 1, max_items = 8)
    )]
    pub events: Vec<String>,
    #[serde(default = "yes")]
    pub active: bool,
}

fn yes() -> bool {
    true
}

/// `PATCH /api/v1/webhooks/{id}`: only the fields given change.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookPatch {
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        schema(max_length = 2048, pattern = "^https?://[^\\s/?#@]+")
    )]
    pub url: Option<String>,
    #[serde(default)]
    #[cfg_attr(
        feature = "openapi",
        schema(value_type = Option<Vec<WebhookEventName>>, min_items = 1, max_items = 8)
    )]
    pub events: Option<Vec<String>>,
    #[serde(default)]
    pub active: Option<bool>,
}

/// A new webhook or a rotated secret: the secret is shown here once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookWithSecret {
    pub webhook: Webhook,
    /// The HMAC-SHA256 key of `X-Switchboard-Signature`.
    pub secret: String,
}

/// One attempt to deliver one event (the delivery log).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookAttempt {
    pub id: Id,
    pub event: String,
    pub event_id: String,
    /// 1 for the first try of the event.
    pub attempt: u32,
    /// The receiver's HTTP status, when it answered.
    pub status_code: Option<u16>,
    /// Why the attempt failed (no answer, a refused address …), in plain words.
    pub error: Option<String>,
    /// Whether the event is done: delivered, or given up after this attempt.
    pub outcome: WebhookOutcome,
    pub created_at: Millis,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum WebhookOutcome {
    Delivered,
    /// Tried again later (exponential backoff).
    Retry,
    /// Given up: no more attempts.
    Failed,
}

/// `GET /api/v1/webhooks/{id}/deliveries`: newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookAttemptsPage {
    pub items: Vec<WebhookAttempt>,
    /// Pass as `before` for the next (older) page; absent on the last page.
    pub next_before: Option<Id>,
}

/// `GET /api/v1/webhooks/{id}/deliveries?before=&limit=`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
pub struct WebhookDeliveriesQuery {
    /// `next_before` of the previous page.
    #[serde(default)]
    pub before: Option<Id>,
    /// 1 to 200 (default 50).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", param(minimum = 1, maximum = 200))]
    pub limit: Option<u32>,
}

/// `POST /api/v1/webhooks/{id}/test`: the event queued; its attempts show in the log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookTestQueued {
    pub event_id: String,
}

/// `data` of the `conversation.*` events: the conversation as it is after the change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConversationEventData {
    pub conversation: Conversation,
}

/// `data` of `message.created`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MessageEventData {
    pub message: Message,
}

/// `data` of `client.updated`: the client as it is after the change, and the log's action
/// (`rename`, `blacklist`, `unblacklist`, `pin`, `unpin`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ClientEventData {
    pub client: Client,
    pub change: String,
}

/// `data` of `tag.added`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TagEventData {
    pub conversation_id: Id,
    pub message_id: Id,
    pub tag: String,
}

/// `data` of `webhook.test`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TestEventData {
    pub webhook_id: Id,
}

/// One schema per event for the OpenAPI document: the envelope with its `data`.
macro_rules! envelopes {
    ($( $(#[$m:meta])* $name:ident($data:ty) = $event:literal; )*) => {$(
        $(#[$m])*
        #[doc = concat!("\n\nThe body POSTed for `", $event, "` (`X-Switchboard-Event: ", $event, "`).")]
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        pub struct $name {
            #[doc = concat!("Always `", $event, "`.")]
            #[cfg_attr(feature = "openapi", schema(example = $event))]
            pub event: String,
            /// Unique per event, also in `X-Switchboard-Event-Id`: drop repeats by it.
            pub id: String,
            pub created_at: Millis,
            pub company_id: Id,
            pub data: $data,
        }
    )*};
}

envelopes! {
    /// A message was stored.
    MessageCreatedEvent(MessageEventData) = "message.created";
    /// A conversation was created or started.
    ConversationStartedEvent(ConversationEventData) = "conversation.started";
    /// A conversation was closed.
    ConversationClosedEvent(ConversationEventData) = "conversation.closed";
    /// A conversation went to Unassigned.
    ConversationUnassignedEvent(ConversationEventData) = "conversation.unassigned";
    /// A conversation was assigned to an operator (`data.conversation.operator_id`).
    ConversationAssignedOperatorEvent(ConversationEventData) = "conversation.assigned_operator";
    /// A conversation was assigned to a group (`data.conversation.group_id`).
    ConversationAssignedGroupEvent(ConversationEventData) = "conversation.assigned_group";
    /// A client changed.
    ClientUpdatedEvent(ClientEventData) = "client.updated";
    /// A message was tagged.
    TagAddedEvent(TagEventData) = "tag.added";
    /// "Send test event".
    WebhookTestEvent(TestEventData) = "webhook.test";
}

#[cfg(test)]
mod tests {
    use super::WebhookEventName;

    #[test]
    fn names_round_trip_through_serde_and_parse() {
        for e in WebhookEventName::ALL {
            let json = serde_json::to_string(&e).expect("json");
            assert_eq!(json, format!("\"{}\"", e.as_str()));
            assert_eq!(WebhookEventName::parse(e.as_str()), Some(e));
        }
        assert_eq!(WebhookEventName::parse("message.deleted"), None);
    }
}
