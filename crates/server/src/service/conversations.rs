//! Moving conversations (start, close, unassign, assign), sending messages and notes, read
//! positions, and reading conversations as a caller may see them. Each write also appends the
//! action log row and the change records, in the same transaction.

use std::collections::HashMap;

use crate::storage::sql::{self, Conn};
use switchboard_protocol::{
    AttachmentRef, Change, Conversation, ConversationAction, ConversationDetail,
    ConversationStatus, Delivery, ErrorFacts, Id, LogAction, LogDetails, LogEntry, LogTarget,
    Message, MessageKind, MessagesPage, ReadState,
};

use super::actor::{resolve_actor, Actor, Principal};
use super::{now_ms, preview, seen, MAX_TEXT_CHARS};
use crate::error::{ApiError, ApiResult};
use crate::policy::{self, Denied, Scope};
use crate::storage::changes::{self, Audience};
use crate::storage::{
    action_log, conversations, groups, messages, operators, read_states, Db, WriteCtx,
};

/// Appends the conversation's upsert record, its audience decided by `before` and now.
pub(crate) fn emit_conversation(
    ctx: &mut WriteCtx<'_>,
    company_id: Id,
    before: Option<Scope>,
    conv: &Conversation,
    now: i64,
) -> ApiResult<()> {
    changes::append(
        ctx,
        company_id,
        conv.id,
        Change::Conversation(Box::new(conv.clone())),
        Audience::Conversation {
            conversation_id: conv.id,
            before,
            after: Scope::of(conv),
        },
        now,
    )?;
    Ok(())
}

/// Appends a message's upsert record; whoever sees the conversation sees the message.
pub(crate) fn emit_message(
    ctx: &mut WriteCtx<'_>,
    company_id: Id,
    conv: &Conversation,
    msg: &Message,
    now: i64,
) -> ApiResult<()> {
    changes::append(
        ctx,
        company_id,
        msg.id,
        Change::Message(msg.clone()),
        Audience::Conversation {
            conversation_id: conv.id,
            before: None,
            after: Scope::of(conv),
        },
        now,
    )?;
    Ok(())
}

/// Writes one action log row about a conversation, and queues the webhook event it raises
/// (`service::webhooks`); call it after the change is stored.
pub(crate) fn log_conversation(
    conn: &Conn<'_>,
    actor: Option<&Actor>,
    company_id: Id,
    conversation_id: Id,
    action: LogAction,
    details: &LogDetails,
    now: i64,
) -> ApiResult<()> {
    action_log::insert(
        conn,
        &action_log::Entry {
            company_id,
            actor_operator_id: actor.map(Actor::id),
            actor_token_id: actor.and_then(|a| a.token_id),
            target: LogTarget::Conversation,
            target_id: conversation_id,
            action,
            ip: actor.and_then(|a| a.ip.as_deref()),
            details,
            created_at: now,
        },
    )?;
    // The conversation's webhook events come from its log rows, and only from here.
    super::webhooks::conversation_logged(conn, company_id, conversation_id, action, details, now)
}

/// The conversation if it exists in the actor's company and the actor may see it.
pub(crate) fn load_visible(conn: &Conn<'_>, actor: &Actor, id: Id) -> ApiResult<Conversation> {
    let conv = conversations::get(conn, actor.company_id, id)?
        .ok_or_else(|| ApiError::conversation_not_found(id))?;
    if !policy::visible(&actor.viewer, &Scope::of(&conv)) {
        return Err(ApiError::conversation_not_found(id));
    }
    Ok(conv)
}

pub(crate) fn denied(conn: &Conn<'_>, d: Denied) -> ApiError {
    match d {
        Denied::TakenBy(op) => {
            let name = operator_name(conn, op);
            ApiError::ConflictWith(
                format!(
                    "The conversation is already taken by {name}. Ask them or a supervisor to assign it to you."
                ),
                ErrorFacts::TakenBy {
                    operator_id: op,
                    operator_name: name,
                },
            )
        }
        Denied::InvalidState(msg) => ApiError::InvalidState(msg.to_string()),
        Denied::Forbidden(msg) => ApiError::Forbidden(msg.to_string()),
    }
}

/// An operator's name for a refusal ("operator 5" when it cannot be read).
pub(crate) fn operator_name(conn: &Conn<'_>, op: Id) -> String {
    operators::name_of(conn, op)
        .ok()
        .flatten()
        .unwrap_or_else(|| format!("operator {op}"))
}

/// Options that travel with a movement.
#[derive(Debug, Clone, Default)]
pub struct MoveOptions {
    /// Idempotency key (`/api/v1` actions): a repeat returns the current state.
    pub action_id: Option<String>,
    /// Seed `disable_webhook=1`: no webhook event for this call (recorded in the log as
    /// `LogDetails::webhook_disabled`, which `service::webhooks` reads).
    pub disable_webhook: bool,
}

/// Applies `action` to conversation `id` as `actor`, inside the caller's transaction.
pub fn perform(
    ctx: &mut WriteCtx<'_>,
    actor: &Actor,
    id: Id,
    action: &ConversationAction,
    opts: &MoveOptions,
) -> ApiResult<Conversation> {
    let conn = ctx.tx;
    if let Some(action_id) = &opts.action_id {
        if let Some(done_on) = action_log::processed(conn, actor.company_id, action_id)?
            .map(|done| done.conversation_id)
        {
            if done_on != id {
                return Err(ApiError::Conflict(format!(
                    "action_id {action_id} was already used for conversation {done_on}; make a new one for each action."
                )));
            }
            // Already applied: answer with the state now, do nothing again — to someone who
            // can still see the conversation (as edit keys do).
            return load_visible(conn, actor, id);
        }
    }
    let mut conv = load_visible(conn, actor, id)?;
    let before = Scope::of(&conv);
    let now = now_ms();
    let me = actor.id();
    let (changed, log_action) = match action {
        ConversationAction::Start => {
            let changed = policy::start(&actor.facts, &before).map_err(|d| denied(conn, d))?;
            if changed {
                conv.status = ConversationStatus::Inbox;
                conv.operator_id = Some(me);
            }
            (changed, LogAction::Start)
        }
        ConversationAction::Close => {
            let changed = policy::close(&actor.facts, &before).map_err(|d| denied(conn, d))?;
            conv.status = ConversationStatus::Closed;
            conv.closed_by = Some(me);
            (changed, LogAction::Close)
        }
        ConversationAction::Unassign => {
            let changed = policy::unassign(&actor.facts, &before).map_err(|d| denied(conn, d))?;
            // operator_id stays: it names who worked with the conversation last.
            conv.status = ConversationStatus::Unassigned;
            (changed, LogAction::Unassign)
        }
        ConversationAction::AssignOperator { operator_id } => {
            let target = operators::get(conn, actor.company_id, *operator_id)?
                .ok_or_else(|| ApiError::not_found(format!("Operator {operator_id} not found.")))?;
            if !target.operator.active {
                return Err(ApiError::InvalidState(format!(
                    "{} is deactivated and cannot receive conversations.",
                    target.operator.name
                )));
            }
            let changed = policy::assign_operator(
                &actor.facts,
                &target.operator.group_ids,
                &before,
                *operator_id,
            )
            .map_err(|d| denied(conn, d))?;
            conv.status = ConversationStatus::Inbox;
            conv.operator_id = Some(*operator_id);
            (changed, LogAction::AssignOperator)
        }
        ConversationAction::AssignGroup { group_id } => {
            groups::get(conn, actor.company_id, *group_id)?
                .ok_or_else(|| ApiError::not_found(format!("Group {group_id} not found.")))?;
            let changed = policy::assign_group(&actor.facts, &before, *group_id)
                .map_err(|d| denied(conn, d))?;
            conv.status = ConversationStatus::Unassigned;
            conv.group_id = Some(*group_id);
            (changed, LogAction::AssignGroup)
        }
    };
    let conv = if changed {
        conv.status_changed_at = now;
        conv.updated_at = now;
        conversations::update(conn, &conv)?;
        let mut details = LogDetails {
            webhook_disabled: opts.disable_webhook,
            ..LogDetails::default()
        };
        match action {
            ConversationAction::AssignOperator { operator_id } => {
                details.operator_id = Some(*operator_id);
            }
            ConversationAction::AssignGroup { group_id } => details.group_id = Some(*group_id),
            _ => {}
        }
        log_conversation(
            conn,
            Some(actor),
            actor.company_id,
            id,
            log_action,
            &details,
            now,
        )?;
        emit_conversation(ctx, actor.company_id, Some(before), &conv, now)?;
        conv
    } else {
        // Nothing moved (e.g. start on one's own inbox): report the stored state unchanged.
        conversations::get(conn, actor.company_id, id)?
            .ok_or_else(|| ApiError::conversation_not_found(id))?
    };
    if let Some(action_id) = &opts.action_id {
        let done = action_log::Processed {
            conversation_id: id,
            result_id: None,
        };
        action_log::mark_processed(ctx.tx, actor.company_id, action_id, done, now)?;
    }
    Ok(conv)
}

/// A request to move a conversation, from either API.
#[derive(Debug, Clone)]
pub struct ActRequest {
    pub conversation_id: Id,
    pub action: ConversationAction,
    /// Seed `operator_id` of the acting operator (`None`: the caller / the admin).
    pub acting_operator_id: Option<Id>,
    pub opts: MoveOptions,
}

pub async fn act(
    db: &Db,
    principal: Principal,
    ip: Option<String>,
    req: ActRequest,
) -> ApiResult<Conversation> {
    let hidden = principal.hidden();
    db.write(move |ctx| {
        let actor = resolve_actor(ctx.tx, &principal, req.acting_operator_id, ip)?;
        perform(ctx, &actor, req.conversation_id, &req.action, &req.opts)
    })
    .await
    .map(seen(hidden))
}

/// A message or note to store, from either API.
#[derive(Debug, Clone)]
pub struct SendRequest {
    pub conversation_id: Id,
    pub kind: MessageKind,
    pub text: String,
    pub client_msg_id: Option<String>,
    /// `send-file-message`: the http(s) URL the file was fetched from, kept for the record.
    pub attachment_url: Option<String>,
    /// The stored file this message carries (see `service::attachments`).
    pub attachment: Option<AttachmentRef>,
    pub acting_operator_id: Option<Id>,
    pub disable_webhook: bool,
}

/// Checks a text the caller wants to store; `field` names it in the error.
pub fn validate_text(text: &str, field: &str) -> ApiResult<()> {
    if text.trim().is_empty() {
        return Err(ApiError::bad_request(format!(
            "`{field}` must not be empty."
        )));
    }
    if text.chars().count() > MAX_TEXT_CHARS {
        return Err(ApiError::bad_request(format!(
            "`{field}` is longer than {MAX_TEXT_CHARS} characters; split it into several messages."
        )));
    }
    Ok(())
}

/// Stores an operator message or a note. Returns the message and whether it is new (false:
/// a repeat of `client_msg_id`, nothing was stored).
pub fn send_in(
    ctx: &mut WriteCtx<'_>,
    actor: &Actor,
    req: &SendRequest,
) -> ApiResult<(Message, bool)> {
    let conn = ctx.tx;
    let id = req.conversation_id;
    if let Some(cm) = &req.client_msg_id {
        super::edit_ids::check_key(cm, "client_msg_id")?;
    }
    // Visibility first: a repeat must not hand back a message of a conversation the caller
    // can no longer see (nor reveal that one exists in another company).
    let mut conv = load_visible(conn, actor, id)?;
    if let Some(cm) = &req.client_msg_id {
        if let Some(existing) = messages::by_client_msg_id(conn, id, cm)? {
            return Ok((existing, false));
        }
    }
    validate_text(&req.text, "text")?;
    match req.kind {
        MessageKind::Operator => {
            policy::send_message(&actor.facts, &Scope::of(&conv)).map_err(|d| denied(conn, d))?;
        }
        MessageKind::Note => {}
        MessageKind::Client | MessageKind::System => {
            return Err(ApiError::bad_request(
                "`kind` must be `operator` or `note`.",
            ));
        }
    }
    let now = now_ms();
    let delivery = match req.kind {
        MessageKind::Operator => super::delivery::initial_state(conn, &conv)?,
        // Notes stay inside the desk.
        _ => Delivery::Sent,
    };
    let msg = messages::insert(
        conn,
        &Message {
            id: 0,
            conversation_id: id,
            kind: req.kind,
            text: req.text.clone(),
            operator_id: Some(actor.id()),
            created_at: now,
            delivery,
            client_msg_id: req.client_msg_id.clone(),
            attachment: req.attachment.clone(),
            delivery_error: None,
        },
        req.attachment_url.as_deref(),
    )?;
    if msg.delivery == Delivery::Pending {
        super::delivery::enqueue_in(conn, &msg, &conv, now)?;
    }
    if req.kind == MessageKind::Operator {
        conv.last_message_at = now;
        conv.last_message_from_operator = true;
        conv.last_message_preview = preview(&msg.text);
    }
    // Notes are internal: they touch the conversation but are not its "last message".
    conv.updated_at = now;
    conversations::update(conn, &conv)?;
    let action = match (req.kind, req.attachment.is_some()) {
        (MessageKind::Note, _) => LogAction::NoteAdded,
        (_, true) => LogAction::FileSent,
        _ => LogAction::MessageSent,
    };
    let details = LogDetails {
        message_id: Some(msg.id),
        webhook_disabled: req.disable_webhook,
        ..LogDetails::default()
    };
    log_conversation(
        conn,
        Some(actor),
        actor.company_id,
        id,
        action,
        &details,
        now,
    )?;
    super::webhooks::message_created(conn, actor.company_id, &msg, req.disable_webhook, now)?;
    emit_message(ctx, actor.company_id, &conv, &msg, now)?;
    let scope = Scope::of(&conv);
    emit_conversation(ctx, actor.company_id, Some(scope), &conv, now)?;
    Ok((msg, true))
}

pub async fn send(
    db: &Db,
    principal: Principal,
    ip: Option<String>,
    req: SendRequest,
) -> ApiResult<(Message, bool)> {
    // Group commit: concurrent sends share one transaction (storage::group_commit).
    db.write_grouped(move |ctx| {
        let actor = resolve_actor(ctx.tx, &principal, req.acting_operator_id, ip.clone())?;
        send_in(ctx, &actor, &req)
    })
    .await
}

/// Moves the caller's read position forward (never back) and tells only them.
pub async fn mark_read(
    db: &Db,
    principal: Principal,
    conversation_id: Id,
    last_read_message_id: Id,
) -> ApiResult<()> {
    db.write(move |ctx| {
        let actor = resolve_actor(ctx.tx, &principal, None, None)?;
        let conn = ctx.tx;
        load_visible(conn, &actor, conversation_id)?;
        if messages::get(conn, conversation_id, last_read_message_id)?.is_none() {
            return Err(ApiError::not_found(format!(
                "Message {last_read_message_id} is not in conversation {conversation_id}."
            )));
        }
        let current = read_states::get(conn, actor.id(), conversation_id)?;
        if current.is_some_and(|c| c >= last_read_message_id) {
            return Ok(());
        }
        let state = ReadState {
            conversation_id,
            operator_id: actor.id(),
            last_read_message_id,
        };
        read_states::upsert(conn, &state)?;
        changes::append(
            ctx,
            actor.company_id,
            conversation_id,
            Change::ReadState(state.clone()),
            Audience::Operator(actor.id()),
            now_ms(),
        )?;
        Ok(())
    })
    .await
}

/// A conversation with all its messages, if the caller may see it.
/// Conversation `id` if the caller sees it; 404 otherwise (another company's, another group's,
/// or none: the same answer).
pub fn visible_in(conn: &Conn<'_>, principal: &Principal, id: Id) -> ApiResult<Conversation> {
    conversations::get(conn, principal.company_id(), id)?
        .filter(|c| policy::visible(&principal.viewer(), &Scope::of(c)))
        .ok_or_else(|| ApiError::conversation_not_found(id))
}

pub async fn detail(db: &Db, principal: Principal, id: Id) -> ApiResult<ConversationDetail> {
    let hidden = principal.hidden();
    db.read(move |conn| {
        let conversation = visible_in(conn, &principal, id)?;
        let messages = messages::list_all(conn, id)?;
        Ok(ConversationDetail {
            conversation,
            messages,
        })
    })
    .await
    .map(seen(hidden))
}

/// One page of history, newest first page; `limit` 1..=500.
pub async fn messages_page(
    db: &Db,
    principal: Principal,
    id: Id,
    before_id: Option<Id>,
    limit: i64,
) -> ApiResult<MessagesPage> {
    db.read(move |conn| {
        conversations::get(conn, principal.company_id(), id)?
            .filter(|c| policy::visible(&principal.viewer(), &Scope::of(c)))
            .ok_or_else(|| ApiError::conversation_not_found(id))?;
        let (messages, has_more) = messages::page(conn, id, before_id, limit)?;
        Ok(MessagesPage { messages, has_more })
    })
    .await
}

/// The seed API's list endpoints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeedList {
    Unassigned,
    Unread,
    NotAnswered,
}

/// Seed lists: visible conversations, most recently updated first, at most 1000.
pub async fn list(
    db: &Db,
    principal: Principal,
    which: SeedList,
    operator_id: Option<Id>,
    group_id: Option<Id>,
) -> ApiResult<Vec<Conversation>> {
    let hidden = principal.hidden();
    db.read(move |conn| {
        let company_id = principal.company_id();
        if let Some(op) = operator_id {
            operators::get(conn, company_id, op)?
                .ok_or_else(|| ApiError::not_found(format!("Operator {op} not found.")))?;
        }
        if let Some(g) = group_id {
            groups::get(conn, company_id, g)?
                .ok_or_else(|| ApiError::not_found(format!("Group {g} not found.")))?;
        }
        let mut filter = conversations::ListFilter {
            group_id,
            blacklisted: Some(false),
            ..Default::default()
        };
        match which {
            SeedList::Unassigned => filter.status = Some(ConversationStatus::Unassigned),
            SeedList::Unread => {
                filter.status = Some(ConversationStatus::Inbox);
                filter.operator_id = operator_id;
                filter.unread = true;
            }
            SeedList::NotAnswered => {
                filter.status = Some(ConversationStatus::Inbox);
                filter.operator_id = operator_id;
                filter.not_answered = true;
            }
        }
        Ok(conversations::list(
            conn,
            company_id,
            &principal.viewer(),
            &filter,
            1000,
        )?)
    })
    .await
    .map(seen(hidden))
}

/// The movements of a visible conversation, oldest first, with the names of the operators
/// and groups they name as they are now.
pub async fn log(db: &Db, principal: Principal, id: Id) -> ApiResult<Vec<LogEntry>> {
    db.read(move |conn| {
        let company_id = principal.company_id();
        conversations::get(conn, company_id, id)?
            .filter(|c| policy::visible(&principal.viewer(), &Scope::of(c)))
            .ok_or_else(|| ApiError::conversation_not_found(id))?;
        let show_ip = principal.full_rights();
        let mut operator_names: HashMap<Id, Option<String>> = HashMap::new();
        let mut operator_name = |id: Id| -> sql::Result<Option<String>> {
            if let Some(n) = operator_names.get(&id) {
                return Ok(n.clone());
            }
            let n = operators::name_of(conn, id)?;
            operator_names.insert(id, n.clone());
            Ok(n)
        };
        let mut out = Vec::new();
        for e in action_log::list_for_target(conn, company_id, LogTarget::Conversation, id)? {
            let subject_name = match (e.details.operator_id, e.details.group_id) {
                (Some(op), _) => operator_name(op)?,
                (None, Some(g)) => groups::get(conn, company_id, g)?.map(|g| g.name),
                (None, None) => None,
            };
            out.push(LogEntry {
                id: e.id,
                action: e.action,
                operator_name: e
                    .actor_operator_id
                    .map(&mut operator_name)
                    .transpose()?
                    .flatten(),
                operator_id: e.actor_operator_id,
                via_api: e.actor_token_id.is_some(),
                details: e.details,
                subject_name,
                note: e.note,
                ip: if show_ip { e.ip } else { None },
                created_at: e.created_at,
            });
        }
        Ok(out)
    })
    .await
}
