//! Changes to a client (rename, blacklist, pin to an operator). The client is embedded in its
//! conversation's records, so each change emits a conversation upsert — and, when
//! blacklisting takes it out of someone's view, a `remove` for them.

use switchboard_protocol::{Conversation, ErrorFacts, Id, LogAction, LogDetails, LogTarget};

use super::actor::{resolve_actor, Actor, Principal};
use super::conversations::{denied, emit_conversation, operator_name};
use super::{now_ms, seen};
use crate::error::{ApiError, ApiResult};
use crate::policy::{self, Denied, Scope};
use crate::storage::{action_log, clients, conversations, operators, Db, WriteCtx};

/// One change to a client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientChange {
    Rename(String),
    Blacklist(bool),
    /// `Some`: pin to that operator; `None`: detach.
    Pin(Option<Id>),
}

/// Applies `change` to client `client_id` as `actor`; returns the client's conversation.
pub fn update_in(
    ctx: &mut WriteCtx<'_>,
    actor: &Actor,
    client_id: Id,
    change: &ClientChange,
) -> ApiResult<Conversation> {
    let conn = ctx.tx;
    let not_found = || ApiError::not_found(format!("Client {client_id} not found."));
    let client = clients::get(conn, actor.company_id, client_id)?.ok_or_else(not_found)?;
    let conv = conversations::get_by_client(conn, client.id)?.ok_or_else(not_found)?;
    let before = Scope::of(&conv);
    if !policy::visible(&actor.viewer, &before) {
        return Err(not_found());
    }
    let me = actor.id();
    let (action, details) = match change {
        ClientChange::Rename(name) => {
            let name = name.trim();
            if name.is_empty() || name.chars().count() > 200 {
                return Err(ApiError::bad_request(
                    "`display_name` must be 1 to 200 characters.",
                ));
            }
            clients::set_display_name(conn, client.id, name)?;
            (
                LogAction::Rename,
                LogDetails {
                    display_name: Some(name.to_string()),
                    ..LogDetails::default()
                },
            )
        }
        ClientChange::Blacklist(on) => {
            policy::blacklist(&actor.viewer).map_err(|d| denied(conn, d))?;
            clients::set_blacklisted(conn, client.id, *on)?;
            (
                if *on {
                    LogAction::Blacklist
                } else {
                    LogAction::Unblacklist
                },
                LogDetails::default(),
            )
        }
        ClientChange::Pin(target) => {
            if let Some(t) = target {
                let op = operators::get(conn, actor.company_id, *t)?
                    .ok_or_else(|| ApiError::not_found(format!("Operator {t} not found.")))?;
                if !op.operator.active {
                    return Err(ApiError::InvalidState(format!(
                        "{} is deactivated; clients cannot be pinned to them.",
                        op.operator.name
                    )));
                }
            }
            policy::pin(&actor.facts, client.pinned_operator_id, *target).map_err(|d| match d {
                Denied::TakenBy(current) => {
                    let name = operator_name(conn, current);
                    ApiError::ConflictWith(
                        format!(
                            "The client is pinned to {name}; they must detach the client first."
                        ),
                        ErrorFacts::PinnedTo {
                            operator_id: current,
                            operator_name: name,
                        },
                    )
                }
                d => denied(conn, d),
            })?;
            clients::set_pinned_operator(conn, client.id, *target)?;
            match target {
                Some(t) => (
                    LogAction::Pin,
                    LogDetails {
                        operator_id: Some(*t),
                        ..LogDetails::default()
                    },
                ),
                None => (LogAction::Unpin, LogDetails::default()),
            }
        }
    };
    let now = now_ms();
    action_log::insert(
        conn,
        &action_log::Entry {
            company_id: actor.company_id,
            actor_operator_id: Some(me),
            actor_token_id: actor.token_id,
            target: LogTarget::Client,
            target_id: client.id,
            action,
            ip: actor.ip.as_deref(),
            details: &details,
            created_at: now,
        },
    )?;
    super::webhooks::client_logged(conn, actor.company_id, client.id, action, now)?;
    let mut conv = conversations::get(conn, actor.company_id, conv.id)?.ok_or_else(not_found)?;
    conv.updated_at = now;
    conversations::update(conn, &conv)?;
    emit_conversation(ctx, actor.company_id, Some(before), &conv, now)?;
    Ok(conv)
}

pub async fn update(
    db: &Db,
    principal: Principal,
    ip: Option<String>,
    client_id: Id,
    change: ClientChange,
) -> ApiResult<Conversation> {
    let hidden = principal.hidden();
    db.write(move |ctx| {
        let actor = resolve_actor(ctx.tx, &principal, None, ip)?;
        update_in(ctx, &actor, client_id, &change)
    })
    .await
    .map(seen(hidden))
}
