//! Settings › Advanced as one document (`GET/PUT /api/v1/settings/advanced`, super-admin): the
//! seven functions in the seed's order. No rule lives here: each section is read and saved by
//! its own module's two steps (a pure check that cleans the input, then `…_in`, which stores
//! it with its action-log row and change records), the same steps its single route takes; this
//! module only runs them in one read, or in one write transaction.
//!
//! Decisions:
//! - A PUT is atomic: every section given is checked and stored in one write transaction, and
//!   the first refusal rolls all of them back. The refusal keeps its section's status (400,
//!   404, 409, 422) and its sentence starts with the section's field name ("iframe: …").
//! - Only the sections given change; within `file_blocks`, only the groups listed.
//! - The action log and webhooks are shown, not set: the log is always on, and a webhook has
//!   its own routes (its secret, deliveries and test event).

use crate::storage::sql::Conn;
use switchboard_protocol::{ActionLogFacts, AdvancedSettings, AdvancedSettingsUpdate, Id};

use super::actor::{resolve_actor, Principal};
use super::{attachments, email, embed, ip_whitelist, personal_data, webhooks};
use crate::error::ApiResult;
use crate::storage::{action_log, email as email_store, personal_data as personal_data_store, Db};

/// Where the action log is read (filters, cursor, CSV).
pub const ACTION_LOG_PATH: &str = "/api/v1/action-log";

/// The document as `conn` sees it; `ip` is the caller's address (`ip_whitelist.your_address`).
fn document(conn: &Conn<'_>, company_id: Id, ip: Option<String>) -> ApiResult<AdvancedSettings> {
    Ok(AdvancedSettings {
        action_log: ActionLogFacts {
            always_on: true,
            rows: action_log::count(conn, company_id)?,
            path: ACTION_LOG_PATH.into(),
        },
        file_blocks: attachments::group_policies_of(conn, company_id)?,
        email_whitelist: email_store::get(conn, company_id)?,
        personal_data: personal_data_store::get(conn, company_id)?,
        ip_whitelist: ip_whitelist::settings_of(conn, company_id, ip)?,
        iframe: embed::settings_of(conn, company_id)?,
        webhooks: webhooks::list_of(conn, company_id)?,
    })
}

/// Runs one section's steps; a refusal names the section.
fn section<T>(name: &str, steps: impl FnOnce() -> ApiResult<T>) -> ApiResult<T> {
    steps().map_err(|e| e.in_section(name))
}

pub async fn get(db: &Db, principal: Principal, ip: Option<String>) -> ApiResult<AdvancedSettings> {
    db.read(move |conn| {
        let actor = resolve_actor(conn, &principal, None, None)?;
        actor.require_super_admin()?;
        document(conn, actor.company_id, ip)
    })
    .await
}

/// Saves the sections given, all or none, and answers the whole document after the save.
pub async fn set(
    db: &Db,
    principal: Principal,
    ip: Option<String>,
    update: AdvancedSettingsUpdate,
) -> ApiResult<AdvancedSettings> {
    let AdvancedSettingsUpdate {
        file_blocks,
        email_whitelist,
        personal_data,
        ip_whitelist,
        iframe,
    } = update;
    db.write(move |ctx| {
        let actor = resolve_actor(ctx.tx, &principal, None, ip.clone())?;
        actor.require_super_admin()?;
        if let Some(list) = file_blocks {
            section("file_blocks", || {
                for group in attachments::check_group_policies(list)? {
                    attachments::set_group_policy_in(ctx, &actor, group)?;
                }
                Ok(())
            })?;
        }
        if let Some(w) = email_whitelist {
            section("email_whitelist", || {
                email::set_whitelist_in(ctx, &actor, email::check_whitelist(w)?)
            })?;
        }
        if let Some(p) = personal_data {
            section("personal_data", || {
                personal_data::set_in(ctx, &actor, personal_data::check(p))
            })?;
        }
        if let Some(l) = ip_whitelist {
            section("ip_whitelist", || {
                ip_whitelist::set_in(ctx, &actor, ip_whitelist::check(l)?)
            })?;
        }
        if let Some(s) = iframe {
            section("iframe", || {
                embed::set_settings_in(ctx, &actor, embed::check_settings(s)?)
            })?;
        }
        document(ctx.tx, actor.company_id, ip)
    })
    .await
}
