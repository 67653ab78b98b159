//! Channel accounts as an admin manages them in the app (`/api/v1/channels`): list, add a
//! Custom app channel, rename, move to a group, disable or enable, rotate the secret.
//!
//! Who: the super-admin, or an operator whose role has "manage settings" ([`require`]): a
//! channel account is company configuration, like the rest of the Settings tab, and the seed
//! keeps only Settings › Advanced for the super-admin alone. Secrets are returned once (on
//! creation and rotation); a kind's settings (`config`) are never returned.

use switchboard_protocol::{
    ChannelAccount, ChannelKind, ChannelPatch, ChannelSecretShown, Id, LogAction, LogDetails,
    LogTarget, NewChannelRequest,
};

use super::actor::{resolve_actor, Actor, Principal};
use super::admin::emit_channel;
use super::directory::{checked_name, group_of, By};
use super::now_ms;
use crate::auth::{new_token, CHANNEL_PREFIX};
use crate::channels::{self, ChannelOptions};
use crate::error::{ApiError, ApiResult};
use crate::storage::channels as store;
use crate::storage::{Db, WriteCtx};

/// 403 unless the caller may manage channel accounts.
fn require(actor: &Actor) -> ApiResult<()> {
    if actor.facts.full_rights || actor.operator.permissions.manage_settings {
        Ok(())
    } else {
        Err(ApiError::Forbidden(
            "Managing channel accounts needs the super-admin or a role with \"manage settings\"."
                .into(),
        ))
    }
}

fn channel_of(ctx: &WriteCtx<'_>, company_id: Id, id: Id) -> ApiResult<ChannelAccount> {
    store::get(ctx.tx, company_id, id)?
        .map(|c| c.account)
        .ok_or_else(|| ApiError::not_found(format!("Channel {id} not found.")))
}

fn log(ctx: &WriteCtx<'_>, actor: &Actor, id: Id, action: LogAction) -> ApiResult<()> {
    By::Actor(actor).log(
        ctx,
        actor.company_id,
        (LogTarget::Channel, id),
        action,
        &LogDetails::default(),
    )
}

/// Runs `f` in a write transaction as the caller, once they may manage channels.
async fn as_admin<T: Send + 'static>(
    db: &Db,
    principal: Principal,
    ip: Option<String>,
    f: impl FnOnce(&mut WriteCtx<'_>, &Actor) -> ApiResult<T> + Send + 'static,
) -> ApiResult<T> {
    db.write(move |ctx| {
        let actor = resolve_actor(ctx.tx, &principal, None, ip)?;
        require(&actor)?;
        f(ctx, &actor)
    })
    .await
}

/// Every channel account of the caller's company (disabled ones too), without secrets.
pub async fn list(db: &Db, principal: Principal) -> ApiResult<Vec<ChannelAccount>> {
    db.read(move |conn| {
        let actor = resolve_actor(conn, &principal, None, None)?;
        require(&actor)?;
        Ok(store::list(conn, actor.company_id)?)
    })
    .await
}

/// Adds a Custom app channel with a fresh secret, shown once.
pub async fn create(
    db: &Db,
    principal: Principal,
    ip: Option<String>,
    req: NewChannelRequest,
) -> ApiResult<ChannelSecretShown> {
    let options = ChannelOptions {
        callback_url: req.callback_url.clone(),
        ..ChannelOptions::default()
    };
    // The same checks as `channel add --kind custom`. 422: the body is well-formed, the address
    // is not one the server can deliver to.
    let configured = channels::configure(ChannelKind::Custom, &options)
        .map_err(|e| ApiError::InvalidState(format!("{e}.")))?;
    as_admin(db, principal, ip, move |ctx, actor| {
        let name = checked_name(&req.name, "channel")?;
        if let Some(g) = req.group_id {
            group_of(ctx.tx, actor.company_id, g)?;
        }
        let secret = new_token(CHANNEL_PREFIX);
        let now = now_ms();
        let id = store::insert(
            ctx.tx,
            actor.company_id,
            ChannelKind::Custom,
            &name,
            req.group_id,
            Some(&secret),
            now,
        )?;
        store::set_callback_url(ctx.tx, id, configured.callback_url.as_deref())?;
        store::set_config(ctx.tx, id, &configured.config)?;
        let channel = channel_of(ctx, actor.company_id, id)?;
        emit_channel(ctx, actor.company_id, &channel, now)?;
        log(ctx, actor, id, LogAction::ChannelCreated)?;
        Ok(ChannelSecretShown { channel, secret })
    })
    .await
}

/// Renames, moves to a group, disables or enables; only the fields given change.
pub async fn update(
    db: &Db,
    principal: Principal,
    ip: Option<String>,
    id: Id,
    patch: ChannelPatch,
) -> ApiResult<ChannelAccount> {
    as_admin(db, principal, ip, move |ctx, actor| {
        let mut channel = channel_of(ctx, actor.company_id, id)?;
        if let Some(name) = &patch.name {
            channel.name = checked_name(name, "channel")?;
        }
        if let Some(group) = patch.group_id {
            if let Some(g) = group {
                group_of(ctx.tx, actor.company_id, g)?;
            }
            channel.group_id = group;
        }
        if let Some(disabled) = patch.disabled {
            channel.disabled = disabled;
        }
        store::update(ctx.tx, &channel)?;
        emit_channel(ctx, actor.company_id, &channel, now_ms())?;
        log(ctx, actor, id, LogAction::ChannelUpdated)?;
        Ok(channel)
    })
    .await
}

/// A new secret for the channel, shown once; the old one stops working at once.
pub async fn rotate_secret(
    db: &Db,
    principal: Principal,
    ip: Option<String>,
    id: Id,
) -> ApiResult<ChannelSecretShown> {
    as_admin(db, principal, ip, move |ctx, actor| {
        let channel = channel_of(ctx, actor.company_id, id)?;
        if channel.kind != ChannelKind::Custom {
            // A Telegram bot's webhook holds the secret too: changing it here would cut it off.
            return Err(ApiError::InvalidState(format!(
                "Only a Custom app channel's secret is rotated here; {:?} is a {} channel.",
                channel.name,
                channel.kind.as_str()
            )));
        }
        let secret = new_token(CHANNEL_PREFIX);
        store::set_secret(ctx.tx, id, &secret)?;
        log(ctx, actor, id, LogAction::ChannelSecretRotated)?;
        Ok(ChannelSecretShown { channel, secret })
    })
    .await
}
