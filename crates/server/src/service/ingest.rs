//! Client messages arriving from a channel: find or create the client and its conversation,
//! store the message, and route the conversation (Unassigned of the channel's group, or the
//! inbox of the operator the client is pinned to).

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use crate::storage::sql::Conn;
use switchboard_protocol::{
    Client, ClientContact, Conversation, ConversationStatus, Delivery, Id, InboundAccepted,
    InboundFile, InboundMessage, LogAction, LogDetails, LogSource, Message, MessageKind,
};

use super::attachments::StoredFile;
use super::conversations::{emit_conversation, emit_message, log_conversation, validate_text};
use super::{now_ms, preview};
use crate::auth::secrets_equal;
use crate::channels::net::{parse_http_url, MAX_URL_LEN};
use crate::error::{ApiError, ApiResult};
use crate::files::{kind, sanitize_name, FileStore};
use crate::policy::Scope;
use crate::storage::attachments::{self, NewAttachment};
use crate::storage::channels::ChannelRecord;
use crate::storage::{channels, clients, conversations, messages, operators, Db, WriteCtx};
use crate::throttle::{self, AttemptLimiter, Blocked};

/// Where a new or reopened conversation goes: the pinned operator's inbox if that operator is
/// still active, else Unassigned of the channel's group.
fn route(
    ctx: &WriteCtx<'_>,
    company_id: Id,
    client: &Client,
) -> ApiResult<(ConversationStatus, Option<Id>)> {
    if let Some(op) = client.pinned_operator_id {
        if operators::get(ctx.tx, company_id, op)?.is_some_and(|o| o.operator.active) {
            return Ok((ConversationStatus::Inbox, Some(op)));
        }
    }
    Ok((ConversationStatus::Unassigned, None))
}

/// The channel if `secret` is its secret: 404 for an unknown channel, 401 for a wrong secret.
fn opened_channel(
    conn: &Conn<'_>,
    channel_id: Id,
    secret: Option<&str>,
) -> ApiResult<ChannelRecord> {
    let channel = channels::get_any(conn, channel_id)?
        .ok_or_else(|| ApiError::not_found(format!("Channel {channel_id} not found.")))?;
    let authorized = match (&channel.secret, secret) {
        (Some(expected), Some(given)) => secrets_equal(expected, given),
        _ => false,
    };
    if !authorized {
        return Err(ApiError::Unauthorized(
            "Missing or wrong X-Channel-Secret for this channel.".into(),
        ));
    }
    Ok(channel)
}

/// How long a secret the database confirmed opens its channel without another look.
const OPENED_FOR: Duration = Duration::from_secs(2);
/// Channels remembered at most; only confirmed secrets are, so strangers cannot fill it.
const MAX_OPENED: usize = 10_000;

/// The secrets that opened their channel in the last [`OPENED_FOR`], so a stream of inbound
/// messages is let in without a database read per request: that read was about a tenth of the
/// HTTP side's CPU under ingest (docs/BENCHMARKS.md, budget 4). It is only the door: the write
/// transaction checks the channel again ([`ingest_with_file_in`]), so a secret changed or a
/// channel removed meanwhile, on this instance or another, is still refused there.
#[derive(Default)]
pub struct OpenedChannels {
    opened: Mutex<HashMap<Id, (String, Instant)>>,
}

impl OpenedChannels {
    fn lets_in(&self, channel_id: Id, secret: &str, now: Instant) -> bool {
        let opened = self.opened.lock().unwrap_or_else(PoisonError::into_inner);
        opened.get(&channel_id).is_some_and(|(known, at)| {
            now.saturating_duration_since(*at) < OPENED_FOR && secrets_equal(known, secret)
        })
    }

    fn remember(&self, channel_id: Id, secret: &str, now: Instant) {
        let mut opened = self.opened.lock().unwrap_or_else(PoisonError::into_inner);
        if opened.len() >= MAX_OPENED {
            opened.retain(|_, (_, at)| now.saturating_duration_since(*at) < OPENED_FOR);
            if opened.len() >= MAX_OPENED {
                opened.clear();
            }
        }
        opened.insert(channel_id, (secret.to_string(), now));
    }
}

/// Lets a request through to a channel before anything of its body is read or stored: the
/// secret must open the channel, and a caller (IP) that failed too often on this channel
/// within the window gets 429 without a look at the database.
pub fn admit(
    db: &Db,
    failures: &AttemptLimiter,
    opened: &OpenedChannels,
    channel_id: Id,
    secret: Option<&str>,
    ip: &str,
) -> ApiResult<()> {
    let key = throttle::key(&[&channel_id.to_string(), ip]);
    let limited = |blocked: Blocked| {
        ApiError::RateLimited {
        message: "Too many requests with a wrong channel or secret; wait a minute and check the channel id and X-Channel-Secret.".into(),
        retry_after: blocked.retry_after,
    }
    };
    failures.check(&key).map_err(limited)?;
    let now = Instant::now();
    if secret.is_some_and(|s| opened.lets_in(channel_id, s, now)) {
        return Ok(());
    }
    // On this task, not the blocking pool: one indexed read on a pooled WAL reader (which no
    // writer blocks) takes microseconds, less than the hop to a blocking thread and back that
    // every inbound request paid.
    let checked = db.read_blocking(|conn| opened_channel(conn, channel_id, secret).map(|_| ()));
    match (&checked, secret) {
        (Ok(()), Some(secret)) => opened.remember(channel_id, secret, now),
        (Err(ApiError::Unauthorized(_) | ApiError::NotFound(_)), _) => {
            failures.attempt(&key).map_err(limited)?;
        }
        _ => {}
    }
    checked
}

/// Stores one inbound message inside the caller's transaction.
pub fn ingest_in(
    ctx: &mut WriteCtx<'_>,
    channel_id: Id,
    secret: Option<&str>,
    msg: &InboundMessage,
) -> ApiResult<InboundAccepted> {
    ingest_with_file_in(ctx, channel_id, secret, msg, None)
}

/// [`ingest_in`] with the message's file, already in the file store.
pub fn ingest_with_file_in(
    ctx: &mut WriteCtx<'_>,
    channel_id: Id,
    secret: Option<&str>,
    msg: &InboundMessage,
    file: Option<&StoredFile>,
) -> ApiResult<InboundAccepted> {
    let channel = opened_channel(ctx.tx, channel_id, secret)?;
    store_client_message_in(ctx, &channel, msg, file)
}

/// 403 when an admin disabled the channel. Every stored client message passes here
/// ([`store_client_message_in`]); the Telegram webhook asks before reading an update, so
/// Telegram hears the refusal instead of the reader skipping the message.
pub fn refuse_if_disabled(channel: &ChannelRecord) -> ApiResult<()> {
    if channel.account.disabled {
        return Err(ApiError::Forbidden(format!(
            "This channel is disabled: an admin turned off {:?}, so it takes no client messages until it is enabled again.",
            channel.account.name
        )));
    }
    Ok(())
}

/// Stores a message from a client of `channel` (already admitted: by its secret, or read by
/// the server's own listener) with its file, if any, already in the file store.
///
/// Every inbound path ends here (Custom inbound route, Telegram webhook and listener,
/// mailboxes, the LiveChat widget), so this is where a disabled channel refuses.
pub fn store_client_message_in(
    ctx: &mut WriteCtx<'_>,
    channel: &ChannelRecord,
    msg: &InboundMessage,
    file: Option<&StoredFile>,
) -> ApiResult<InboundAccepted> {
    refuse_if_disabled(channel)?;
    let channel_id = channel.account.id;
    let external_id = msg.external_id.trim();
    if external_id.is_empty() || external_id.len() > 256 {
        return Err(ApiError::bad_request(
            "`external_id` must be 1 to 256 characters.",
        ));
    }
    let text = match file {
        Some(f) if msg.text.trim().is_empty() => f.name.clone(),
        _ => msg.text.clone(),
    };
    validate_text(&text, "text")?;
    let name = match msg.name.trim() {
        "" => external_id.to_string(),
        n => n.chars().take(200).collect(),
    };
    let contact = msg.contact.as_ref().map(checked_contact).transpose()?;
    let company_id = channel.company_id;
    let now = now_ms();
    let mut client = match clients::find_by_external_id(ctx.tx, channel_id, external_id)? {
        Some(c) => c,
        None => {
            let id = clients::insert(ctx.tx, company_id, channel_id, external_id, &name, now)?;
            clients::get(ctx.tx, company_id, id)?
                .ok_or_else(|| ApiError::Internal("client vanished after insert".into()))?
        }
    };
    if let Some(new) = contact {
        // The conversation record below carries the client: whoever sees it hears the change.
        let merged = client.contact.merged(&new);
        if merged != client.contact {
            clients::set_contact(ctx.tx, client.id, &merged)?;
            client.contact = merged;
        }
    }
    let existing = conversations::get_by_client(ctx.tx, client.id)?;
    let (mut conv, before, moved) = match existing {
        Some(conv) => {
            let before = Scope::of(&conv);
            // A blacklisted client's conversation does not move: it stays in the Blacklist tab.
            let reopen = conv.status == ConversationStatus::Closed && !client.blacklisted;
            let mut conv = conv;
            if reopen {
                let (status, op) = route(ctx, company_id, &client)?;
                conv.status = status;
                if op.is_some() {
                    conv.operator_id = op;
                }
                conv.group_id = channel.account.group_id.or(conv.group_id);
                conv.status_changed_at = now;
            }
            (conv, Some(before), reopen.then_some(LogAction::Reopened))
        }
        None => {
            let (status, op) = route(ctx, company_id, &client)?;
            let mut conv = Conversation {
                id: 0,
                channel_account_id: channel_id,
                client: client.clone(),
                status,
                operator_id: op,
                group_id: channel.account.group_id,
                status_changed_at: now,
                closed_by: None,
                last_message_at: now,
                last_message_from_operator: false,
                last_message_preview: String::new(),
                last_client_message_id: None,
                created_at: now,
                updated_at: now,
            };
            conv.id = conversations::insert(ctx.tx, company_id, &conv)?;
            (conv, None, Some(LogAction::Created))
        }
    };
    let attachment = match file {
        Some(f) => Some(attachments::insert(
            ctx.tx,
            &NewAttachment {
                company_id,
                conversation_id: conv.id,
                sha256: &f.sha256,
                size: f.size as i64,
                content_type: &f.content_type,
                file_name: &f.name,
                created_by: None,
                created_at: now,
            },
        )?),
        None => None,
    };
    let stored = messages::insert(
        ctx.tx,
        &Message {
            id: 0,
            conversation_id: conv.id,
            kind: MessageKind::Client,
            text: text.clone(),
            operator_id: None,
            created_at: now,
            delivery: Delivery::Delivered,
            client_msg_id: None,
            attachment,
            delivery_error: None,
        },
        None,
    )?;
    conv.last_message_at = now;
    conv.last_message_from_operator = false;
    conv.last_message_preview = preview(&text);
    conv.last_client_message_id = Some(stored.id);
    conv.updated_at = now;
    if moved == Some(LogAction::Reopened) {
        conversations::update(ctx.tx, &conv)?;
    } else {
        // Created just now, or where it was: only what the message changes is written.
        conversations::set_last_message(ctx.tx, &conv)?;
    }
    if let Some(action) = moved {
        let details = LogDetails {
            source: Some(LogSource::InboundMessage),
            // A pinned client's conversation goes straight to the pinner's inbox.
            operator_id: match (conv.status, conv.operator_id) {
                (ConversationStatus::Inbox, Some(op)) => Some(op),
                _ => None,
            },
            ..LogDetails::default()
        };
        log_conversation(ctx.tx, None, company_id, conv.id, action, &details, now)?;
    }
    super::webhooks::message_created(ctx.tx, company_id, &stored, false, now)?;
    emit_conversation(ctx, company_id, before, &conv, now)?;
    emit_message(ctx, company_id, &conv, &stored, now)?;
    Ok(InboundAccepted {
        client_id: client.id,
        conversation_id: conv.id,
        message_id: stored.id,
    })
}

pub async fn ingest(
    db: &Db,
    files: &FileStore,
    channel_id: Id,
    secret: Option<String>,
    msg: InboundMessage,
) -> ApiResult<InboundAccepted> {
    let file = match &msg.attachment {
        Some(f) => Some(store_inbound_file(files, f).await?),
        None => None,
    };
    // Group commit: concurrent inbound messages share one transaction (storage::group_commit).
    db.write_grouped(move |ctx| {
        ingest_with_file_in(ctx, channel_id, secret.as_deref(), &msg, file.as_ref())
    })
    .await
}

/// Decodes and stores a client's inline file (same limits as uploads). The caller checked the
/// secret first ([`admit`]); the transaction checks it again, and a message refused there
/// leaves only an unreferenced blob.
async fn store_inbound_file(files: &FileStore, f: &InboundFile) -> ApiResult<StoredFile> {
    use base64::Engine as _;
    // base64 is 4/3 of the bytes: refuse what cannot fit before decoding it.
    if (f.data_base64.len() as u64) / 4 * 3 > files.max_bytes + 3 {
        return Err(files.too_large());
    }
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(f.data_base64.trim())
        .map_err(|_| ApiError::bad_request("`attachment.data_base64` is not valid base64."))?;
    store_file(files, &f.name, &bytes).await
}

/// A channel's contact fields, trimmed (blank ones dropped), within their lengths, and links
/// that are web addresses (the app shows them as links).
fn checked_contact(c: &ClientContact) -> ApiResult<ClientContact> {
    fn field(v: Option<&str>, what: &str, max: usize) -> ApiResult<Option<String>> {
        let Some(v) = v.map(str::trim).filter(|v| !v.is_empty()) else {
            return Ok(None);
        };
        if v.chars().count() > max || v.chars().any(char::is_control) {
            return Err(ApiError::bad_request(format!(
                "`contact.{what}` must be at most {max} characters, without control characters."
            )));
        }
        Ok(Some(v.to_string()))
    }
    fn link(v: Option<&str>, what: &str) -> ApiResult<Option<String>> {
        let v = field(v, what, MAX_URL_LEN)?;
        if let Some(url) = &v {
            parse_http_url(url, &format!("`contact.{what}`")).map_err(ApiError::bad_request)?;
        }
        Ok(v)
    }
    Ok(ClientContact {
        phone: field(c.phone.as_deref(), "phone", 200)?,
        email: field(c.email.as_deref(), "email", 200)?,
        username: field(c.username.as_deref(), "username", 200)?,
        profile_url: link(c.profile_url.as_deref(), "profile_url")?,
        avatar_url: link(c.avatar_url.as_deref(), "avatar_url")?,
    })
}

/// Stores a client's file under its (sanitized) name, within the store's size and type
/// limits.
pub async fn store_file(files: &FileStore, name: &str, bytes: &[u8]) -> ApiResult<StoredFile> {
    let name = sanitize_name(name);
    kind::check_name(&name)?;
    if bytes.len() as u64 > files.max_bytes {
        return Err(files.too_large());
    }
    let mut writer = files.writer().await?;
    writer.write(bytes).await?;
    let content_type = kind::classify(&name, writer.head())?;
    let size = writer.size();
    let sha256 = writer.commit().await?;
    Ok(StoredFile {
        name,
        content_type: content_type.to_string(),
        sha256,
        size,
    })
}

/// The client changed message `message_id` (an edit on their platform): its text becomes
/// `text` (a file's message without words keeps the file's name, as when it came), the
/// conversation's preview follows when it is the last message, and whoever sees the
/// conversation is told. An empty edit of a message without a file, or an operator's message,
/// changes nothing.
pub fn edit_client_message_in(
    ctx: &mut WriteCtx<'_>,
    company_id: Id,
    message_id: Id,
    text: &str,
) -> ApiResult<()> {
    let Some(msg) = messages::get_in_company(ctx.tx, company_id, message_id)? else {
        return Ok(());
    };
    let text = match &msg.attachment {
        Some(f) if text.trim().is_empty() => f.name.clone(),
        _ => text.to_string(),
    };
    if msg.kind != MessageKind::Client || text.trim().is_empty() || msg.text == text {
        return Ok(());
    }
    validate_text(&text, "text")?;
    let Some(mut conv) = conversations::get(ctx.tx, company_id, msg.conversation_id)? else {
        return Ok(());
    };
    let now = now_ms();
    messages::set_text(ctx.tx, message_id, &text)?;
    if conv.last_client_message_id == Some(message_id) && !conv.last_message_from_operator {
        let before = Scope::of(&conv);
        conv.last_message_preview = preview(&text);
        conv.updated_at = now;
        conversations::update(ctx.tx, &conv)?;
        emit_conversation(ctx, company_id, Some(before), &conv, now)?;
    }
    emit_message(ctx, company_id, &conv, &Message { text, ..msg }, now)
}

#[cfg(test)]
mod tests {
    use super::{OpenedChannels, MAX_OPENED, OPENED_FOR};
    use std::time::{Duration, Instant};

    #[test]
    fn a_confirmed_secret_opens_its_channel_for_a_while_and_only_that_secret() {
        let opened = OpenedChannels::default();
        let now = Instant::now();
        assert!(!opened.lets_in(7, "s3cret", now), "nothing confirmed yet");
        opened.remember(7, "s3cret", now);
        assert!(opened.lets_in(7, "s3cret", now + Duration::from_millis(500)));
        assert!(
            !opened.lets_in(7, "wrong", now),
            "another secret is looked up"
        );
        assert!(
            !opened.lets_in(8, "s3cret", now),
            "another channel is looked up"
        );
        assert!(
            !opened.lets_in(7, "s3cret", now + OPENED_FOR),
            "looked up again once the while is over"
        );
    }

    #[test]
    fn the_memory_is_bounded() {
        let opened = OpenedChannels::default();
        let now = Instant::now();
        for id in 0..(MAX_OPENED as i64 + 5) {
            opened.remember(id, "s", now);
        }
        let held = opened.opened.lock().unwrap().len();
        assert!(held <= MAX_OPENED, "{held} channels held");
        assert!(
            opened.lets_in(MAX_OPENED as i64 + 4, "s", now),
            "the newest is kept"
        );
    }
}
