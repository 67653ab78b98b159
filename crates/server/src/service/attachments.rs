//! Attachments: operator uploads, `send-file-message` fetches, downloads, and the per-group
//! "Block send/receive files" policy (Settings › Advanced).
//!
//! Decisions:
//! - A file message's `text` is the sanitized file name, so previews, search and clients that
//!   ignore `attachment` still show something meaningful.
//! - Every check that can fail without the bytes (visibility, inbox, group policy, extension,
//!   idempotency) runs before the body is read, and again in the write transaction.
//! - The policy follows the operator's own groups, as the seed says ("This function allows you
//!   to prohibit receiving and sending files to specific groups of operators"), not the
//!   conversation's group: an operator is blocked when any of their groups blocks that
//!   direction, and an operator in no group is never blocked. Like the other Settings ›
//!   Advanced restrictions, it does not apply to super-admins (nor to API tokens, which act as
//!   one, whichever operator they act as).
//! - "Sending" is uploading a file into a conversation (multipart or `send-file-message`).
//!   "Receiving" is getting a file a client sent: such files are still stored and listed (the
//!   thread shows the name and size), but their download is refused with 403, saying why.
//!   Files operators sent are not "received" and stay downloadable.

use crate::storage::sql::Conn;
use switchboard_protocol::{
    AttachmentRef, Conversation, GroupFilePolicy, GroupFiles, GroupFilesUpdate, Id, LogAction,
    LogDetails, LogTarget, Message, MessageKind,
};

use super::actor::{resolve_actor, Actor, Principal};
use super::conversations::{denied, load_visible, send_in, SendRequest};
use super::now_ms;
use crate::error::{ApiError, ApiResult};
use crate::files::kind;
use crate::policy::{self, Scope};
use crate::storage::attachments::{self as store, NewAttachment};
use crate::storage::{groups, messages, Db, WriteCtx};

/// A file to attach, already in the file store.
#[derive(Debug, Clone)]
pub struct StoredFile {
    pub name: String,
    pub content_type: String,
    pub sha256: String,
    pub size: u64,
}

/// Everything needed to send a file message except the bytes.
#[derive(Debug, Clone)]
pub struct FileSend {
    pub conversation_id: Id,
    pub client_msg_id: Option<String>,
    pub acting_operator_id: Option<Id>,
    pub attachment_url: Option<String>,
    pub disable_webhook: bool,
}

fn group_name(conn: &Conn<'_>, company_id: Id, group_id: Id) -> String {
    groups::get(conn, company_id, group_id)
        .ok()
        .flatten()
        .map_or_else(|| format!("group {group_id}"), |g| g.name)
}

/// Which way a file moves for the operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Direction {
    Send,
    Receive,
}

/// 403 when one of the acting operator's groups blocks files moving in `direction`.
fn check_group_policy(conn: &Conn<'_>, actor: &Actor, direction: Direction) -> ApiResult<()> {
    if actor.facts.full_rights {
        return Ok(());
    }
    for &g in &actor.facts.group_ids {
        let p = store::policy(conn, g)?;
        let name = || group_name(conn, actor.company_id, g);
        match direction {
            Direction::Send if p.block_send => {
                return Err(ApiError::Forbidden(format!(
                    "Sending files is blocked for your group \"{}\" (Settings › Advanced); send text, or ask an administrator.",
                    name()
                )));
            }
            Direction::Receive if p.block_receive => {
                return Err(ApiError::Forbidden(format!(
                    "Receiving files is blocked for your group \"{}\" (Settings › Advanced); ask an administrator for this file.",
                    name()
                )));
            }
            _ => {}
        }
    }
    Ok(())
}

/// 403 unless the actor may send in `conv` and their groups let them send files.
fn check_send_allowed(conn: &Conn<'_>, actor: &Actor, conv: &Conversation) -> ApiResult<()> {
    policy::send_message(&actor.facts, &Scope::of(conv)).map_err(|d| denied(conn, d))?;
    check_group_policy(conn, actor, Direction::Send)
}

/// Checks before any byte is read. `Some(message)` when `client_msg_id` was already sent.
pub async fn precheck(
    db: &Db,
    principal: Principal,
    req: FileSend,
    file_name: String,
) -> ApiResult<Option<Message>> {
    db.read(move |conn| {
        let actor = resolve_actor(conn, &principal, req.acting_operator_id, None)?;
        let conv = load_visible(conn, &actor, req.conversation_id)?;
        if let Some(cm) = &req.client_msg_id {
            if let Some(existing) = messages::by_client_msg_id(conn, conv.id, cm)? {
                return Ok(Some(existing));
            }
        }
        check_send_allowed(conn, &actor, &conv)?;
        kind::check_name(&file_name)?;
        Ok(None)
    })
    .await
}

/// Records `file` as an attachment of a new operator message. Returns the message and
/// whether it is new (false: a repeat of `client_msg_id`).
pub async fn send_file(
    db: &Db,
    principal: Principal,
    ip: Option<String>,
    req: FileSend,
    file: StoredFile,
) -> ApiResult<(Message, bool)> {
    db.write(move |ctx| {
        let actor = resolve_actor(ctx.tx, &principal, req.acting_operator_id, ip)?;
        let conv = load_visible(ctx.tx, &actor, req.conversation_id)?;
        if let Some(cm) = &req.client_msg_id {
            if let Some(existing) = messages::by_client_msg_id(ctx.tx, conv.id, cm)? {
                return Ok((existing, false));
            }
        }
        check_send_allowed(ctx.tx, &actor, &conv)?;
        let attachment = store::insert(
            ctx.tx,
            &NewAttachment {
                company_id: actor.company_id,
                conversation_id: conv.id,
                sha256: &file.sha256,
                size: file.size as i64,
                content_type: &file.content_type,
                file_name: &file.name,
                created_by: Some(actor.id()),
                created_at: now_ms(),
            },
        )?;
        send_in(
            ctx,
            &actor,
            &SendRequest {
                conversation_id: conv.id,
                kind: MessageKind::Operator,
                text: file.name.clone(),
                client_msg_id: req.client_msg_id.clone(),
                attachment_url: req.attachment_url.clone(),
                attachment: Some(attachment),
                acting_operator_id: req.acting_operator_id,
                disable_webhook: req.disable_webhook,
            },
        )
    })
    .await
}

/// The attachment `id`, if the caller may download it: 404 for unknown ids and
/// conversations the caller cannot see, 403 when a client's file is blocked by one of the
/// caller's groups.
pub async fn open(db: &Db, principal: Principal, id: Id) -> ApiResult<AttachmentRef> {
    db.read(move |conn| {
        let actor = resolve_actor(conn, &principal, None, None)?;
        let not_found = || ApiError::not_found(format!("Attachment {id} not found."));
        let rec = store::get(conn, actor.company_id, id)?.ok_or_else(not_found)?;
        load_visible(conn, &actor, rec.conversation_id).map_err(|e| match e {
            ApiError::NotFound(_) => not_found(),
            other => other,
        })?;
        if rec.created_by.is_none() {
            check_group_policy(conn, &actor, Direction::Receive)?;
        }
        Ok(rec.reference)
    })
    .await
}

/// Every group of the company with its file policy, by name.
pub fn group_policies_of(conn: &Conn<'_>, company_id: Id) -> ApiResult<Vec<GroupFiles>> {
    groups::list(conn, company_id)?
        .into_iter()
        .map(|g| {
            Ok(GroupFiles {
                group_id: g.id,
                policy: store::policy(conn, g.id)?,
                name: g.name,
            })
        })
        .collect()
}

/// Super-admin: every group with its file policy, by name.
pub async fn group_policies(db: &Db, principal: Principal) -> ApiResult<Vec<GroupFiles>> {
    db.read(move |conn| {
        let actor = resolve_actor(conn, &principal, None, None)?;
        actor.require_super_admin()?;
        group_policies_of(conn, actor.company_id)
    })
    .await
}

/// Checks a list of group policies saved together: each group at most once.
pub fn check_group_policies(list: Vec<GroupFilesUpdate>) -> ApiResult<Vec<GroupFilesUpdate>> {
    let mut seen = std::collections::BTreeSet::new();
    for u in &list {
        if !seen.insert(u.group_id) {
            return Err(ApiError::bad_request(format!(
                "Group {} is listed twice; give each group one policy.",
                u.group_id
            )));
        }
    }
    Ok(list)
}

/// Stores one group's policy (404 for a group not of the actor's company), with its
/// action-log row (the super-admin's rights are checked by the caller).
pub fn set_group_policy_in(
    ctx: &mut WriteCtx<'_>,
    actor: &Actor,
    GroupFilesUpdate { group_id, policy }: GroupFilesUpdate,
) -> ApiResult<GroupFilePolicy> {
    groups::get(ctx.tx, actor.company_id, group_id)?
        .ok_or_else(|| ApiError::not_found(format!("Group {group_id} not found.")))?;
    store::set_policy(ctx.tx, group_id, policy)?;
    let details = LogDetails {
        file_policy: Some(policy),
        ..LogDetails::default()
    };
    actor.log(
        ctx,
        (LogTarget::Group, group_id),
        LogAction::FilePolicyChanged,
        &details,
    )?;
    Ok(policy)
}

/// Super-admin: sets what a group's operators may not do with files.
pub async fn set_group_policy(
    db: &Db,
    principal: Principal,
    ip: Option<String>,
    group_id: Id,
    policy: GroupFilePolicy,
) -> ApiResult<GroupFilePolicy> {
    db.write(move |ctx| {
        let actor = resolve_actor(ctx.tx, &principal, None, ip)?;
        actor.require_super_admin()?;
        set_group_policy_in(ctx, &actor, GroupFilesUpdate { group_id, policy })
    })
    .await
}
