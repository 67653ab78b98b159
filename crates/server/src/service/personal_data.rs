//! Settings › Advanced "Hide personal data from operators" (super-admin): reading and saving
//! the setting. What it hides is `switchboard_protocol::personal_data`; each reader's share is
//! on their [`Viewer`](crate::policy::Viewer) and every answer passes [`super::seen`] or
//! `sync::for_viewer`.

use std::collections::BTreeSet;

use switchboard_protocol::{
    HiddenClientData, LogAction, LogDetails, LogTarget, PersonalDataSettings,
};

use super::actor::{resolve_actor, Actor, Principal};
use super::admin::emit_operator;
use super::now_ms;
use crate::error::{ApiError, ApiResult};
use crate::storage::{groups, operators, personal_data as store, Db, WriteCtx};

pub async fn get(db: &Db, principal: Principal) -> ApiResult<PersonalDataSettings> {
    db.read(move |conn| {
        let actor = resolve_actor(conn, &principal, None, None)?;
        actor.require_super_admin()?;
        Ok(store::get(conn, actor.company_id)?)
    })
    .await
}

/// Checks and cleans the setting: exempt groups sorted and deduplicated.
pub fn check(mut update: PersonalDataSettings) -> PersonalDataSettings {
    let exempt: BTreeSet<_> = update.exempt_group_ids.iter().copied().collect();
    update.exempt_group_ids = exempt.into_iter().collect();
    update
}

/// Saves the setting [`check`] cleaned (422 for an exempt group not of the company), with its
/// action-log row (the super-admin's rights are checked by the caller). Every operator whose
/// share changes is sent their own record again: their app asks `me` and rebuilds its cache
/// without the hidden data (or with it back), and their open event stream reads with the new
/// share from the next record on.
pub fn set_in(
    ctx: &mut WriteCtx<'_>,
    actor: &Actor,
    clean: PersonalDataSettings,
) -> ApiResult<PersonalDataSettings> {
    let company_id = actor.company_id;
    for g in &clean.exempt_group_ids {
        if groups::get(ctx.tx, company_id, *g)?.is_none() {
            return Err(ApiError::InvalidState(format!(
                "Group {g} does not exist; choose exempt groups among the company's groups."
            )));
        }
    }
    let before = store::get(ctx.tx, company_id)?;
    store::set(ctx.tx, company_id, &clean)?;
    let now = now_ms();
    for op in operators::list(ctx.tx, company_id)? {
        let share = |s: &PersonalDataSettings| {
            HiddenClientData::for_operator(s, op.super_admin, &op.group_ids)
        };
        if share(&before) != share(&clean) {
            emit_operator(ctx, company_id, &op, now)?;
        }
    }
    let details = LogDetails {
        personal_data: Some(clean.clone()),
        ..LogDetails::default()
    };
    actor.log(
        ctx,
        (LogTarget::Company, company_id),
        LogAction::PersonalDataChanged,
        &details,
    )?;
    Ok(clean)
}

/// Saves the setting (super-admin).
pub async fn set(
    db: &Db,
    principal: Principal,
    ip: Option<String>,
    update: PersonalDataSettings,
) -> ApiResult<PersonalDataSettings> {
    let clean = check(update);
    db.write(move |ctx| {
        let actor = resolve_actor(ctx.tx, &principal, None, ip)?;
        actor.require_super_admin()?;
        set_in(ctx, &actor, clean)
    })
    .await
}
