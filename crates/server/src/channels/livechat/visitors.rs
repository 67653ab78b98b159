//! What a visitor may do, once the widget's gate (`http::widget`) admitted the page's origin:
//! get a token, read their own conversation, write, send and fetch files. Each function takes
//! the [`Visitor`] a valid token names, so no path leads to another visitor's conversation.

use serde::Serialize;
use switchboard_protocol::{
    AttachmentRef, ClientContact, Delivery, Id, InboundAccepted, InboundMessage, Message,
    MessageKind,
};

use super::config::{LiveChatConfig, WidgetSettings};
use super::token::{self, Visitor};
use crate::channels::{Inbox, Received};
use crate::error::{ApiError, ApiResult};
use crate::files::FileStore;
use crate::service::attachments::StoredFile;
use crate::service::delivery::set_delivery;
use crate::service::ingest::store_client_message_in;
use crate::storage::channels::ChannelRecord;
use crate::storage::{attachments, clients, conversations, messages, Db};

/// Most messages of the history the widget gets (the newest).
pub const HISTORY_LIMIT: i64 = 200;
/// Largest file a visitor may send (the server's own limit applies too, if lower).
pub const MAX_VISITOR_FILE: u64 = 10 * 1024 * 1024;
/// Longest id the widget gives a message (it makes resends idempotent).
const MAX_CLIENT_ID: usize = 64;

/// A LiveChat channel with its settings.
#[derive(Debug, Clone)]
pub struct WidgetChannel {
    pub record: ChannelRecord,
    pub config: LiveChatConfig,
}

impl WidgetChannel {
    pub fn id(&self) -> Id {
        self.record.account.id
    }

    /// The visitor `token` names; 401 for a missing, forged or foreign token.
    pub fn visitor(&self, token: Option<&str>) -> ApiResult<Visitor> {
        token
            .and_then(|t| token::verify(&self.config.token_key, self.id(), t.trim()))
            .ok_or_else(|| {
                ApiError::Unauthorized(
                    "Missing or invalid visitor token; reload the page to start the chat again."
                        .into(),
                )
            })
    }
}

/// The LiveChat channel `id`; 404 for an unknown id or a channel of another kind.
pub async fn channel(db: &Db, id: Id) -> ApiResult<WidgetChannel> {
    let record = db
        .read(move |conn| Ok(crate::storage::channels::get_any(conn, id)?))
        .await?;
    record
        .and_then(|record| {
            (record.account.kind == switchboard_protocol::ChannelKind::Livechat)
                .then(|| LiveChatConfig::from_value(&record.config))
                .flatten()
                .map(|config| WidgetChannel { record, config })
        })
        .ok_or_else(|| ApiError::not_found(format!("No chat {id} on this server.")))
}

/// One message as the widget shows it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct WidgetMessage {
    pub id: Id,
    /// `visitor` or `operator`.
    pub from: &'static str,
    pub text: String,
    pub created_at: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<WidgetFile>,
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct WidgetFile {
    pub id: Id,
    pub name: String,
    pub size: i64,
    pub content_type: String,
}

impl WidgetMessage {
    /// What a visitor may see of `m`: client messages and operator answers; notes and system
    /// lines stay on the desk.
    pub fn of(m: &Message) -> Option<Self> {
        let from = match m.kind {
            MessageKind::Client => "visitor",
            MessageKind::Operator => "operator",
            MessageKind::Note | MessageKind::System => return None,
        };
        Some(Self {
            id: m.id,
            from,
            text: m.text.clone(),
            created_at: m.created_at,
            file: m.attachment.as_ref().map(|a: &AttachmentRef| WidgetFile {
                id: a.id,
                name: a.name.clone(),
                size: a.size,
                content_type: a.content_type.clone(),
            }),
        })
    }
}

/// `init`'s answer.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Welcome {
    /// The visitor's token: the one given if valid, else a new visitor's.
    pub token: String,
    pub settings: WidgetSettings,
    pub max_file_bytes: u64,
}

/// Keeps a valid token, or makes a new visitor (counted by `new_visitor`, the caller's
/// per-address limit).
pub fn welcome(
    channel: &WidgetChannel,
    token: Option<&str>,
    files: &FileStore,
    new_visitor: impl FnOnce() -> ApiResult<()>,
) -> ApiResult<Welcome> {
    let token = match token.filter(|t| channel.visitor(Some(t)).is_ok()) {
        Some(t) => t.trim().to_string(),
        None => {
            new_visitor()?;
            token::mint(&channel.config.token_key, channel.id()).1
        }
    };
    Ok(Welcome {
        token,
        settings: channel.config.widget.clone(),
        max_file_bytes: max_file(files),
    })
}

/// The visitor's conversation, if they ever wrote.
pub fn conversation_of(
    conn: &crate::storage::sql::Conn<'_>,
    channel_id: Id,
    visitor: &Visitor,
) -> ApiResult<Option<Id>> {
    let Some(client) = clients::find_by_external_id(conn, channel_id, &visitor.external_id())?
    else {
        return Ok(None);
    };
    Ok(conversations::get_by_client(conn, client.id)?.map(|c| c.id))
}

/// The visitor's conversation id and its newest [`HISTORY_LIMIT`] visible messages, oldest
/// first; the operator answers in it now count as delivered (the visitor's browser has them).
pub async fn history(
    db: &Db,
    channel_id: Id,
    visitor: &Visitor,
) -> ApiResult<(Option<Id>, Vec<WidgetMessage>)> {
    let visitor = visitor.clone();
    let (conv, msgs) = db
        .read(move |conn| {
            let Some(conv) = conversation_of(conn, channel_id, &visitor)? else {
                return Ok((None, Vec::new()));
            };
            let (msgs, _) = messages::page(conn, conv, None, HISTORY_LIMIT)?;
            Ok((Some(conv), msgs))
        })
        .await?;
    mark_delivered(db, &msgs).await?;
    Ok((conv, msgs.iter().filter_map(WidgetMessage::of).collect()))
}

/// Marks the operator answers among `msgs` delivered (those not already).
pub async fn mark_delivered(db: &Db, msgs: &[Message]) -> ApiResult<()> {
    let due: Vec<(Id, Id)> = msgs
        .iter()
        .filter(|m| m.kind == MessageKind::Operator && m.delivery == Delivery::Sent)
        .map(|m| (m.conversation_id, m.id))
        .collect();
    if due.is_empty() {
        return Ok(());
    }
    db.write(move |ctx| {
        for (conv, id) in due {
            set_delivery(ctx, conv, id, (Delivery::Delivered, None))?;
        }
        Ok(())
    })
    .await
}

/// Stores the visitor's text. `client_id`: the widget's id of the message; a resend of it
/// (after a reconnect) stores nothing and answers `None`.
pub async fn receive_text(
    db: &Db,
    files: &FileStore,
    channel: &WidgetChannel,
    visitor: &Visitor,
    client_id: &str,
    text: String,
) -> ApiResult<Option<InboundAccepted>> {
    let client_id = client_id.trim();
    if client_id.is_empty() || client_id.len() > MAX_CLIENT_ID {
        return Err(ApiError::bad_request(format!(
            "Each message needs an `id` of 1 to {MAX_CLIENT_ID} characters."
        )));
    }
    crate::service::conversations::validate_text(&text, "text")?;
    let inbox = Inbox::new(db.clone(), files.clone(), channel.id());
    let stored = inbox
        .receive(Received {
            platform_id: Some(format!("lc:{}:{client_id}", visitor.id)),
            external_id: visitor.external_id(),
            name: visitor.display_name(),
            contact: ClientContact::default(),
            text,
            files: Vec::new(),
        })
        .await?;
    Ok(stored.and_then(|v| v.into_iter().next()))
}

/// Stores a message carrying the file the visitor sent (already in the file store).
pub async fn receive_file(
    db: &Db,
    channel: &WidgetChannel,
    visitor: &Visitor,
    file: StoredFile,
) -> ApiResult<InboundAccepted> {
    let record = channel.record.clone();
    let msg = InboundMessage {
        external_id: visitor.external_id(),
        name: visitor.display_name(),
        text: String::new(),
        attachment: None,
        contact: None,
    };
    db.write_grouped(move |ctx| store_client_message_in(ctx, &record, &msg, Some(&file)))
        .await
}

/// The largest file a visitor may send here.
pub fn max_file(files: &FileStore) -> u64 {
    files.max_bytes.min(MAX_VISITOR_FILE)
}

/// A file of the visitor's own conversation (theirs or an operator's); 404 for any other.
pub async fn open_file(
    db: &Db,
    channel: &WidgetChannel,
    visitor: &Visitor,
    id: Id,
) -> ApiResult<AttachmentRef> {
    let (channel_id, company_id, visitor) =
        (channel.id(), channel.record.company_id, visitor.clone());
    db.read(move |conn| {
        let not_found = || ApiError::not_found(format!("File {id} not found."));
        let conv = conversation_of(conn, channel_id, &visitor)?.ok_or_else(not_found)?;
        let rec = attachments::get(conn, company_id, id)?.ok_or_else(not_found)?;
        if rec.conversation_id != conv {
            return Err(not_found());
        }
        // A file attached to a note stays on the desk like the note.
        if !messages::client_sees_attachment(conn, conv, id)? {
            return Err(not_found());
        }
        Ok(rec.reference)
    })
    .await
}
