//! Changes to a client (rename, blacklist, pin to an operator). The client is embedded in its
//! conversation's records, so each change emits a conversation upsert — and, when
//! blacklisting takes it out of someone's view, a `remove` for them.

use switchboard_protocol::{Conversation, Id};

use super::actor::{resolve_actor, Actor, Principal};
use super::conversations::emit_conversation;
use super::now_ms;
use crate::error::{ApiError, ApiResult};
use crate::policy::{self, Scope};
use crate::storage::{action_log, clients, conversations, operators, Db, WriteCtx};

/// One change to a client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientChange {
    Rename(String),
    Blacklist(bool),
    /// `Some`: pin to that operator; `None`: detach.
    Pin(Option<Id>),
}

fn forbidden(msg: &str) -> ApiError {
    ApiError::Forbidden(msg.to_string())
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
    let full = actor.facts.full_rights;
    let (action, note) = match change {
        ClientChange::Rename(name) => {
            let name = name.trim();
            if name.is_empty() || name.chars().count() > 200 {
                return Err(ApiError::bad_request(
                    "`display_name` must be 1 to 200 characters.",
                ));
            }
            clients::set_display_name(conn, client.id, name)?;
            ("rename", Some(format!("display_name={name}")))
        }
        ClientChange::Blacklist(true) => {
            clients::set_blacklisted(conn, client.id, true)?;
            ("blacklist", None)
        }
        ClientChange::Blacklist(false) => {
            // Seed: unlocking is done from the Blacklist tab (super-admin or advanced roles).
            if !(full || actor.viewer.sees_all_tabs) {
                return Err(forbidden(
                    "Only a super-admin or an operator with the Blacklist tab can unlock a client.",
                ));
            }
            clients::set_blacklisted(conn, client.id, false)?;
            ("unblacklist", None)
        }
        ClientChange::Pin(Some(target)) => {
            let target_op = operators::get(conn, actor.company_id, *target)?
                .ok_or_else(|| ApiError::not_found(format!("Operator {target} not found.")))?;
            if *target != me && !full {
                return Err(forbidden("An operator can pin a client only to themself."));
            }
            match client.pinned_operator_id {
                Some(current) if current == *target => {}
                Some(current) if !full => {
                    let name = operators::name_of(conn, current)?
                        .unwrap_or_else(|| format!("operator {current}"));
                    return Err(ApiError::Conflict(format!(
                        "The client is pinned to {name}; they must detach the client first."
                    )));
                }
                _ => {}
            }
            clients::set_pinned_operator(conn, client.id, Some(*target))?;
            (
                "pin",
                Some(format!("operator_id={}", target_op.operator.id)),
            )
        }
        ClientChange::Pin(None) => {
            if let Some(current) = client.pinned_operator_id {
                if current != me && !full {
                    return Err(forbidden(
                        "Only the operator the client is pinned to, or a super-admin, can detach it.",
                    ));
                }
            }
            clients::set_pinned_operator(conn, client.id, None)?;
            ("unpin", None)
        }
    };
    let now = now_ms();
    action_log::insert(
        conn,
        &action_log::Entry {
            company_id: actor.company_id,
            actor_operator_id: Some(me),
            actor_token_id: actor.token_id,
            target_type: "client",
            target_id: client.id,
            action,
            ip: actor.ip.as_deref(),
            note: note.as_deref(),
            created_at: now,
        },
    )?;
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
    db.write(move |ctx| {
        let actor = resolve_actor(ctx.tx, &principal, None, ip)?;
        update_in(ctx, &actor, client_id, &change)
    })
    .await
}
