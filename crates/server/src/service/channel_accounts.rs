//! Channel accounts as an admin manages them in the app (`/api/v1/channels`): list, add a
//! channel of any kind the server connects (custom, telegram, email, livechat), rename, move
//! to a group, tag, disable or enable, change its kind's settings, rotate a Custom app's
//! secret, delete one that has no conversations.
//!
//! Who: the super-admin, or an operator whose role has "manage settings" ([`require`]): a
//! channel account is company configuration, like the rest of the Settings tab, and the seed
//! keeps only Settings › Advanced for the super-admin alone. A kind's settings are checked by
//! the same code as `channel add` (`channels::configure`). Secrets are returned once (on
//! creation and rotation); a kind's settings (`config`, with its bot token or mailbox
//! passwords) are never returned.

use crate::storage::sql::Conn;
use switchboard_protocol::{
    ChannelAccount, ChannelKind, ChannelPatch, ChannelSecretShown, ChannelSettings, Id, LogAction,
    LogDetails, LogTarget, NewChannelRequest,
};

use super::actor::{resolve_actor, Actor, Principal};
use super::admin::emit_channel;
use super::directory::{checked_name, group_of};
use super::now_ms;
use crate::auth::{new_token, CHANNEL_PREFIX};
use crate::channels::{self, Configured};
use crate::error::{ApiError, ApiResult};
use crate::storage::changes::{self, Audience};
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

/// Most tags per channel, and most characters per tag.
const MAX_TAGS: usize = 20;
const MAX_TAG_CHARS: usize = 50;

/// The admin's tags as stored: trimmed, repeats (in any case) dropped, the first spelling
/// kept; 422 for an empty or too long one, or too many.
fn checked_tags(raw: &[String]) -> ApiResult<Vec<String>> {
    let mut tags: Vec<String> = Vec::new();
    for (i, t) in raw.iter().enumerate() {
        let tag = t.trim();
        let n = i + 1;
        // The tag itself is not repeated: it may be a page of text.
        let refusal = match tag.chars().count() {
            0 => Some(format!("Tag {n} is empty")),
            chars if chars > MAX_TAG_CHARS => Some(format!("Tag {n} is {chars} characters long")),
            _ if tag.chars().any(char::is_control) => Some(format!(
                "Tag {n} holds a line break or another control character"
            )),
            _ => None,
        };
        if let Some(why) = refusal {
            return Err(ApiError::InvalidState(format!(
                "{why}; a tag is one line of 1 to {MAX_TAG_CHARS} characters."
            )));
        }
        let lower = tag.to_lowercase();
        if !tags.iter().any(|t| t.to_lowercase() == lower) {
            tags.push(tag.to_string());
        }
        // Checked while reading, so a huge list of repeats costs at most this much per entry.
        if tags.len() > MAX_TAGS {
            return Err(ApiError::InvalidState(format!(
                "A channel has at most {MAX_TAGS} tags."
            )));
        }
    }
    Ok(tags)
}

/// A kind's settings checked by `channel add`'s rules; 422 with the refusal in the API's
/// words (the body is well-formed, the settings are not ones the server can use).
fn checked_settings(
    settings: ChannelSettings,
    check: impl FnOnce(&channels::ChannelOptions) -> Result<Configured, String>,
) -> ApiResult<Configured> {
    check(&settings.into())
        .map_err(|e| ApiError::InvalidState(format!("{}.", channels::api_wording(&e))))
}

fn channel_of(conn: &Conn<'_>, company_id: Id, id: Id) -> ApiResult<ChannelAccount> {
    store::get(conn, company_id, id)?
        .map(|c| c.account)
        .ok_or_else(|| ApiError::not_found(format!("Channel {id} not found.")))
}

/// Details that name the channel: the log outlives a deleted one.
fn named(c: &ChannelAccount) -> LogDetails {
    LogDetails {
        display_name: Some(c.name.clone()),
        ..LogDetails::default()
    }
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

/// One channel account of the company (404 for another company's, as for none).
pub async fn get(db: &Db, principal: Principal, id: Id) -> ApiResult<ChannelAccount> {
    db.read(move |conn| {
        let actor = resolve_actor(conn, &principal, None, None)?;
        require(&actor)?;
        channel_of(conn, actor.company_id, id)
    })
    .await
}

/// Adds a channel of the kind asked for, with a fresh inbound secret, shown once.
pub async fn create(
    db: &Db,
    principal: Principal,
    ip: Option<String>,
    req: NewChannelRequest,
) -> ApiResult<ChannelSecretShown> {
    as_admin(db, principal, ip, move |ctx, actor| {
        let name = checked_name(&req.name, "channel")?;
        let configured = checked_settings(req.settings, |o| channels::configure(req.kind, o))?;
        let tags = checked_tags(&req.tags)?;
        if let Some(g) = req.group_id {
            group_of(ctx.tx, actor.company_id, g)?;
        }
        let secret = new_token(CHANNEL_PREFIX);
        let now = now_ms();
        let id = store::insert(
            ctx.tx,
            actor.company_id,
            req.kind,
            &name,
            req.group_id,
            Some(&secret),
            now,
        )?;
        store::set_callback_url(ctx.tx, id, configured.callback_url.as_deref())?;
        store::set_config(ctx.tx, id, &configured.config)?;
        let mut channel = channel_of(ctx.tx, actor.company_id, id)?;
        if !tags.is_empty() {
            channel.tags = tags;
            store::update(ctx.tx, &channel)?;
        }
        emit_channel(ctx, actor.company_id, &channel, now)?;
        actor.log(
            ctx,
            (LogTarget::Channel, id),
            LogAction::ChannelCreated,
            &named(&channel),
        )?;
        Ok(ChannelSecretShown { channel, secret })
    })
    .await
}

/// Renames, moves to a group, tags, disables or enables, replaces the kind's settings; only
/// the fields given change, and nothing does when one of them is refused.
pub async fn update(
    db: &Db,
    principal: Principal,
    ip: Option<String>,
    id: Id,
    patch: ChannelPatch,
) -> ApiResult<ChannelAccount> {
    as_admin(db, principal, ip, move |ctx, actor| {
        let record = store::get(ctx.tx, actor.company_id, id)?
            .ok_or_else(|| ApiError::not_found(format!("Channel {id} not found.")))?;
        let mut channel = record.account;
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
        if let Some(tags) = &patch.tags {
            channel.tags = checked_tags(tags)?;
        }
        if let Some(settings) = patch.settings {
            let configured = checked_settings(settings, |o| {
                channels::reconfigure(channel.kind, &record.config, o)
            })?;
            // The listener restarts on the new settings (service::listeners sees the change).
            store::set_callback_url(ctx.tx, id, configured.callback_url.as_deref())?;
            store::set_config(ctx.tx, id, &configured.config)?;
        }
        store::update(ctx.tx, &channel)?;
        emit_channel(ctx, actor.company_id, &channel, now_ms())?;
        actor.log(
            ctx,
            (LogTarget::Channel, id),
            LogAction::ChannelUpdated,
            &LogDetails::default(),
        )?;
        Ok(channel)
    })
    .await
}

/// Deletes a channel that never had a conversation (its secret stops working and its
/// listener stops); one that has conversations is refused (409): disabling it keeps them
/// readable, deleting would lose them.
pub async fn delete(db: &Db, principal: Principal, ip: Option<String>, id: Id) -> ApiResult<()> {
    as_admin(db, principal, ip, move |ctx, actor| {
        let channel = channel_of(ctx.tx, actor.company_id, id)?;
        let n = store::conversation_count(ctx.tx, id)?;
        if n > 0 {
            let s = if n == 1 { "" } else { "s" };
            return Err(ApiError::Conflict(format!(
                "{:?} has {n} conversation{s}; disable it instead so they stay readable.",
                channel.name
            )));
        }
        store::delete(ctx.tx, id)?;
        changes::append(
            ctx,
            actor.company_id,
            id,
            switchboard_protocol::Change::Removed(switchboard_protocol::Entity::ChannelAccount),
            Audience::Company,
            now_ms(),
        )?;
        actor.log(
            ctx,
            (LogTarget::Channel, id),
            LogAction::ChannelDeleted,
            &named(&channel),
        )?;
        Ok(())
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
        let channel = channel_of(ctx.tx, actor.company_id, id)?;
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
        actor.log(
            ctx,
            (LogTarget::Channel, id),
            LogAction::ChannelSecretRotated,
            &LogDetails::default(),
        )?;
        Ok(ChannelSecretShown { channel, secret })
    })
    .await
}
