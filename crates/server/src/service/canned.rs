//! Canned responses: create, edit, delete with their permission rules, the action log and the
//! change records that let the app cache them (the picker works offline).
//!
//! Rules (seed, "Add answer"): what a super-admin (or an API token, which acts as the admin)
//! creates is global; what an operator creates is private. A private response is invisible to
//! everyone but its author — others get 404, as for another company's ids. A global one is
//! edited or deleted only by a super-admin (403 for operators, who can see it).

use switchboard_protocol::{
    CannedResponse, CannedResponseInput, Change, Entity, Id, LogAction, LogDetails, LogTarget,
};

use super::actor::{resolve_actor, Actor, Principal};
use super::now_ms;
use crate::error::{ApiError, ApiResult};
use crate::storage::changes::{self, Audience};
use crate::storage::{canned, Db, WriteCtx};

const MAX_TITLE_CHARS: usize = 100;
const MAX_TEXT_CHARS: usize = 5_000;

/// Who receives a response's change records.
fn audience(c: &CannedResponse) -> Audience {
    if c.global {
        Audience::Company
    } else {
        Audience::Operator(c.operator_id)
    }
}

/// Trimmed title and text, or a 400 saying which is wrong.
fn validate(input: &CannedResponseInput) -> ApiResult<(String, String)> {
    let title = input.title.trim();
    if title.is_empty() || title.chars().count() > MAX_TITLE_CHARS {
        return Err(ApiError::bad_request(format!(
            "`title` must be 1 to {MAX_TITLE_CHARS} characters."
        )));
    }
    // The text is inserted as typed: keep inner whitespace, refuse only an empty one.
    if input.text.trim().is_empty() || input.text.chars().count() > MAX_TEXT_CHARS {
        return Err(ApiError::bad_request(format!(
            "`text` must be 1 to {MAX_TEXT_CHARS} characters."
        )));
    }
    Ok((title.to_string(), input.text.clone()))
}

/// The response `id` if `actor` may change it: 404 when it is not theirs to see, 403 when it
/// is a global one and they are not a super-admin.
fn editable(ctx: &WriteCtx<'_>, actor: &Actor, id: Id) -> ApiResult<CannedResponse> {
    let found = canned::get(ctx.tx, actor.company_id, id)?
        .filter(|c| c.global || c.operator_id == actor.id())
        .ok_or_else(|| ApiError::not_found(format!("Canned response {id} not found.")))?;
    if found.global && !actor.facts.full_rights {
        return Err(ApiError::Forbidden(
            "Only a super-admin can edit or delete a global canned response.".into(),
        ));
    }
    Ok(found)
}

pub async fn list(db: &Db, principal: Principal) -> ApiResult<Vec<CannedResponse>> {
    db.read(move |conn| {
        Ok(canned::list_for(
            conn,
            principal.company_id(),
            principal.operator().operator.id,
        )?)
    })
    .await
}

pub async fn create(
    db: &Db,
    principal: Principal,
    ip: Option<String>,
    input: CannedResponseInput,
) -> ApiResult<CannedResponse> {
    let (title, text) = validate(&input)?;
    db.write(move |ctx| {
        let actor = resolve_actor(ctx.tx, &principal, None, ip)?;
        let now = now_ms();
        let global = actor.facts.full_rights;
        let id = canned::insert(
            ctx.tx,
            actor.company_id,
            actor.id(),
            global,
            &title,
            &text,
            now,
        )?;
        let created = canned::get(ctx.tx, actor.company_id, id)?
            .ok_or_else(|| ApiError::Internal(format!("canned response {id} vanished")))?;
        actor.log(
            ctx,
            (LogTarget::CannedResponse, id),
            LogAction::CannedCreate,
            &LogDetails::default(),
        )?;
        let aud = audience(&created);
        changes::append(
            ctx,
            actor.company_id,
            id,
            Change::CannedResponse(created.clone()),
            aud,
            now,
        )?;
        Ok(created)
    })
    .await
}

pub async fn update(
    db: &Db,
    principal: Principal,
    ip: Option<String>,
    id: Id,
    input: CannedResponseInput,
) -> ApiResult<CannedResponse> {
    let (title, text) = validate(&input)?;
    db.write(move |ctx| {
        let actor = resolve_actor(ctx.tx, &principal, None, ip)?;
        editable(ctx, &actor, id)?;
        let now = now_ms();
        canned::update(ctx.tx, id, &title, &text, now)?;
        let updated = canned::get(ctx.tx, actor.company_id, id)?
            .ok_or_else(|| ApiError::Internal(format!("canned response {id} vanished")))?;
        actor.log(
            ctx,
            (LogTarget::CannedResponse, id),
            LogAction::CannedUpdate,
            &LogDetails::default(),
        )?;
        let aud = audience(&updated);
        changes::append(
            ctx,
            actor.company_id,
            id,
            Change::CannedResponse(updated.clone()),
            aud,
            now,
        )?;
        Ok(updated)
    })
    .await
}

pub async fn delete(db: &Db, principal: Principal, ip: Option<String>, id: Id) -> ApiResult<()> {
    db.write(move |ctx| {
        let actor = resolve_actor(ctx.tx, &principal, None, ip)?;
        let found = editable(ctx, &actor, id)?;
        let now = now_ms();
        canned::delete(ctx.tx, id)?;
        actor.log(
            ctx,
            (LogTarget::CannedResponse, id),
            LogAction::CannedDelete,
            &LogDetails::default(),
        )?;
        changes::append(
            ctx,
            actor.company_id,
            id,
            Change::Removed(Entity::CannedResponse),
            audience(&found),
            now,
        )?;
        Ok(())
    })
    .await
}
