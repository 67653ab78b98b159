//! The client profile's notes, message tags (and their analytics counts) and the retry of a
//! failed delivery. Each needs the conversation to be visible to the caller (404 otherwise,
//! like an id of another company); each writes the action log and appends change records
//! for whoever sees the conversation.

use crate::storage::sql::Conn;
use switchboard_protocol::{
    Change, ClientNote, Delivery, Id, LogAction, LogDetails, Message, MessageKind, MessageTags,
    Tag, TagCount,
};

use super::actor::{resolve_actor, Actor, Principal};
use super::conversations::{denied, emit_message, load_visible, log_conversation};
use super::now_ms;
use crate::error::{ApiError, ApiResult};
use crate::policy::{self, Scope};
use crate::storage::changes::{self, Audience};
use crate::storage::{clients, conversations, messages, profile, Db};

/// Most messages one "Add Tag" may tag at once.
pub const MAX_TAGGED: usize = 500;
const MAX_TAG_CHARS: usize = 50;

fn conversation_audience(conv: &switchboard_protocol::Conversation) -> Audience {
    Audience::Conversation {
        conversation_id: conv.id,
        before: None,
        after: Scope::of(conv),
    }
}

/// The client's conversation if the caller may see it; 404 otherwise.
pub(super) fn client_conversation(
    conn: &Conn<'_>,
    actor: &Actor,
    client_id: Id,
) -> ApiResult<switchboard_protocol::Conversation> {
    let not_found = || ApiError::not_found(format!("Client {client_id} not found."));
    let client = clients::get(conn, actor.company_id, client_id)?.ok_or_else(not_found)?;
    let conv = conversations::get_by_client(conn, client.id)?.ok_or_else(not_found)?;
    load_visible(conn, actor, conv.id).map_err(|_| not_found())
}

pub async fn notes(db: &Db, principal: Principal, client_id: Id) -> ApiResult<Vec<ClientNote>> {
    db.read(move |conn| {
        let actor = resolve_actor(conn, &principal, None, None)?;
        client_conversation(conn, &actor, client_id)?;
        Ok(profile::notes_of(conn, client_id)?)
    })
    .await
}

/// Adds a note as `actor` to the client of `conv` (visible to the actor), with its action
/// log entry and change record.
pub(super) fn add_note_in(
    ctx: &mut crate::storage::WriteCtx<'_>,
    actor: &Actor,
    conv: &switchboard_protocol::Conversation,
    text: &str,
) -> ApiResult<ClientNote> {
    let now = now_ms();
    let note = profile::insert_note(
        ctx.tx,
        actor.company_id,
        conv.client.id,
        actor.id(),
        text,
        now,
    )?
    .ok_or_else(|| ApiError::Internal("the new note vanished".into()))?;
    let details = LogDetails {
        client_note_id: Some(note.id),
        ..LogDetails::default()
    };
    log_conversation(
        ctx.tx,
        Some(actor),
        actor.company_id,
        conv.id,
        LogAction::ClientNoteAdded,
        &details,
        now,
    )?;
    changes::append(
        ctx,
        actor.company_id,
        note.id,
        Change::ClientNote(note.clone()),
        conversation_audience(conv),
        now,
    )?;
    Ok(note)
}

pub async fn tags(db: &Db, principal: Principal) -> ApiResult<Vec<Tag>> {
    db.read(move |conn| Ok(profile::tags(conn, principal.company_id())?))
        .await
}

/// Tags `message_ids` with `tag` (created on first use). All or nothing: one message the
/// caller may not see refuses the whole request.
pub async fn tag_messages(
    db: &Db,
    principal: Principal,
    ip: Option<String>,
    message_ids: Vec<Id>,
    tag: String,
) -> ApiResult<Vec<MessageTags>> {
    let name = tag.trim().to_string();
    if name.is_empty() || name.chars().count() > MAX_TAG_CHARS {
        return Err(ApiError::bad_request(format!(
            "`tag` must be 1 to {MAX_TAG_CHARS} characters."
        )));
    }
    if message_ids.is_empty() || message_ids.len() > MAX_TAGGED {
        return Err(ApiError::bad_request(format!(
            "`message_ids` must list 1 to {MAX_TAGGED} messages."
        )));
    }
    // Tagging twice is tagging once: one change record per message, however often it is listed.
    let mut seen = std::collections::HashSet::new();
    let message_ids: Vec<Id> = message_ids
        .into_iter()
        .filter(|id| seen.insert(*id))
        .collect();
    db.write(move |ctx| {
        let actor = resolve_actor(ctx.tx, &principal, None, ip)?;
        let mut found = Vec::with_capacity(message_ids.len());
        for &id in &message_ids {
            let not_found = || ApiError::not_found(format!("Message {id} not found."));
            let msg =
                messages::get_in_company(ctx.tx, actor.company_id, id)?.ok_or_else(not_found)?;
            let conv =
                load_visible(ctx.tx, &actor, msg.conversation_id).map_err(|_| not_found())?;
            found.push((msg, conv));
        }
        let now = now_ms();
        let (tag, created) =
            profile::tag_by_name_or_insert(ctx.tx, actor.company_id, &name, actor.id(), now)?;
        if created {
            changes::append(
                ctx,
                actor.company_id,
                tag.id,
                Change::Tag(tag.clone()),
                Audience::Company,
                now,
            )?;
        }
        let mut out = Vec::with_capacity(found.len());
        for (msg, conv) in found {
            if profile::tag_message(ctx.tx, msg.id, tag.id, actor.id(), now)? {
                let details = LogDetails {
                    message_id: Some(msg.id),
                    tag: Some(tag.name.clone()),
                    ..LogDetails::default()
                };
                log_conversation(
                    ctx.tx,
                    Some(&actor),
                    actor.company_id,
                    conv.id,
                    LogAction::MessageTagged,
                    &details,
                    now,
                )?;
            }
            let tags = MessageTags {
                message_id: msg.id,
                conversation_id: conv.id,
                tags: profile::tags_of_message(ctx.tx, msg.id)?,
            };
            changes::append(
                ctx,
                actor.company_id,
                msg.id,
                Change::MessageTags(tags.clone()),
                conversation_audience(&conv),
                now,
            )?;
            out.push(tags);
        }
        Ok(out)
    })
    .await
}

/// Tag analytics: `view_analytics` or super-admin.
pub async fn tag_counts(db: &Db, principal: Principal) -> ApiResult<Vec<TagCount>> {
    if !(principal.full_rights() || principal.operator().permissions.view_analytics) {
        return Err(ApiError::Forbidden(
            "Tag analytics need the \"View analytics\" permission; ask a super-admin.".into(),
        ));
    }
    db.read(move |conn| Ok(profile::tag_counts(conn, principal.company_id())?))
        .await
}

/// Sends a failed operator message again: queued for real when its channel delivers, else
/// marked sent like a first send.
pub async fn retry_delivery(
    db: &Db,
    principal: Principal,
    ip: Option<String>,
    message_id: Id,
) -> ApiResult<Message> {
    db.write(move |ctx| {
        let actor = resolve_actor(ctx.tx, &principal, None, ip)?;
        let not_found = || ApiError::not_found(format!("Message {message_id} not found."));
        let msg = messages::get_in_company(ctx.tx, actor.company_id, message_id)?
            .ok_or_else(not_found)?;
        let conv = load_visible(ctx.tx, &actor, msg.conversation_id).map_err(|_| not_found())?;
        if msg.kind != MessageKind::Operator {
            return Err(ApiError::InvalidState(
                "Only operator messages are delivered to the client; notes and client messages cannot be retried.".into(),
            ));
        }
        if msg.delivery != Delivery::Failed {
            return Err(ApiError::InvalidState(format!(
                "Only a failed delivery can be retried; this message is {}.",
                msg.delivery.as_str()
            )));
        }
        policy::send_message(&actor.facts, &Scope::of(&conv)).map_err(|d| denied(ctx.tx, d))?;
        let now = now_ms();
        let delivery = super::delivery::retry_in(ctx.tx, &conv, &msg, now)?;
        let msg = Message {
            delivery,
            delivery_error: None,
            ..msg
        };
        let details = LogDetails {
            message_id: Some(msg.id),
            ..LogDetails::default()
        };
        log_conversation(
            ctx.tx,
            Some(&actor),
            actor.company_id,
            conv.id,
            LogAction::DeliveryRetried,
            &details,
            now,
        )?;
        emit_message(ctx, actor.company_id, &conv, &msg, now)?;
        Ok(msg)
    })
    .await
}
