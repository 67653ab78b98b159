//! Settings › Advanced "Hide personal data from operators" (super-admin): reading and saving
//! the setting. What it hides is `switchboard_protocol::personal_data`; each reader's share is
//! on their [`Viewer`](crate::policy::Viewer) and every answer passes [`super::seen`] or
//! `sync::for_viewer`.

use std::collections::BTreeSet;

use switchboard_protocol::{
    HiddenClientData, LogAction, LogDetails, LogTarget, PersonalDataSettings,
};

use super::actor::{resolve_actor, Principal};
use super::admin::emit_operator;
use super::now_ms;
use crate::error::{ApiError, ApiResult};
use crate::storage::{action_log, groups, operators, personal_data as store, Db};

pub async fn get(db: &Db, principal: Principal) -> ApiResult<PersonalDataSettings> {
    db.read(move |conn| {
        let actor = resolve_actor(conn, &principal, None, None)?;
        actor.require_super_admin()?;
        Ok(store::get(conn, actor.company_id)?)
    })
    .await
}

/// Saves the setting. Every operator whose share changes is sent their own record again: their
/// app asks `me` and rebuilds its cache without the hidden data (or with it back), and their
/// open event stream reads with the new share from the next record on.
pub async fn set(
    db: &Db,
    principal: Principal,
    ip: Option<String>,
    mut update: PersonalDataSettings,
) -> ApiResult<PersonalDataSettings> {
    let exempt: BTreeSet<_> = update.exempt_group_ids.iter().copied().collect();
    update.exempt_group_ids = exempt.into_iter().collect();
    db.write(move |ctx| {
        let actor = resolve_actor(ctx.tx, &principal, None, ip)?;
        actor.require_super_admin()?;
        let company_id = actor.company_id;
        for g in &update.exempt_group_ids {
            if groups::get(ctx.tx, company_id, *g)?.is_none() {
                return Err(ApiError::InvalidState(format!(
                    "Group {g} does not exist; choose exempt groups among the company's groups."
                )));
            }
        }
        let before = store::get(ctx.tx, company_id)?;
        store::set(ctx.tx, company_id, &update)?;
        let now = now_ms();
        for op in operators::list(ctx.tx, company_id)? {
            let share = |s: &PersonalDataSettings| {
                HiddenClientData::for_operator(s, op.super_admin, &op.group_ids)
            };
            if share(&before) != share(&update) {
                emit_operator(ctx, company_id, &op, now)?;
            }
        }
        let details = LogDetails {
            personal_data: Some(update.clone()),
            ..LogDetails::default()
        };
        action_log::insert(
            ctx.tx,
            &action_log::Entry {
                company_id,
                actor_operator_id: Some(actor.id()),
                actor_token_id: actor.token_id,
                target: LogTarget::Company,
                target_id: company_id,
                action: LogAction::PersonalDataChanged,
                ip: actor.ip.as_deref(),
                details: &details,
                created_at: now,
            },
        )?;
        Ok(update)
    })
    .await
}
