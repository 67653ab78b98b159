//! Settings › Advanced › Iframe integration: a conversation view a CRM embeds, reads and answers
//! from, under a signed, expiring, conversation-scoped link.
//!
//! - The super-admin turns it on and lists the origins that may frame it (off by default).
//! - A link is made by a super-admin or an API token (the CRM's integration) for one
//!   conversation it may see; it acts as that operator (an API token: the company's admin).
//! - A link is `{company}-{conversation}-{operator}-{expires ms}-{hex HMAC-SHA256}` keyed by the
//!   company's signing key: nothing is stored per link, and it opens only its conversation,
//!   only while the setting is on and until it expires.

use crate::storage::sql::Conn;
use rand::RngCore;
use switchboard_protocol::{
    ConversationDetail, EmbedLink, Id, IframeSettings, LogAction, LogDetails, LogTarget,
    MessageKind,
};

use super::actor::{resolve_actor, Actor, Principal};
use super::conversations::{self, SendRequest};
use super::now_ms;
use crate::auth::{hmac_sha256_hex, secrets_equal};
use crate::channels::livechat::config::parse_origin;
use crate::error::{ApiError, ApiResult};
use crate::storage::{iframe, operators, Db, WriteCtx};

/// Most origins one company lists.
const MAX_ORIGINS: usize = 20;
/// Longest life of a link: a week.
const MAX_LINK_MINUTES: u32 = 7 * 24 * 60;
/// Messages the view shows (the newest).
pub const VIEW_MESSAGES: u32 = 200;

/// The company's settings (off, no origins, an hour, before the first save).
pub fn settings_of(conn: &Conn<'_>, company_id: Id) -> ApiResult<IframeSettings> {
    Ok(iframe::get(conn, company_id)?.map_or(
        IframeSettings {
            enabled: false,
            origins: Vec::new(),
            link_minutes: 60,
        },
        |(s, _)| s,
    ))
}

/// The company's settings (super-admin).
pub async fn settings(db: &Db, principal: Principal) -> ApiResult<IframeSettings> {
    db.read(move |conn| {
        let actor = resolve_actor(conn, &principal, None, None)?;
        actor.require_super_admin()?;
        settings_of(conn, actor.company_id)
    })
    .await
}

/// Checks and cleans the settings: origins checked and deduplicated; turning it on needs an
/// origin.
pub fn check_settings(s: IframeSettings) -> ApiResult<IframeSettings> {
    let mut origins: Vec<String> = Vec::new();
    for raw in &s.origins {
        let o = parse_origin(raw).map_err(|e| ApiError::bad_request(format!("{e}.")))?;
        if !origins.contains(&o) {
            origins.push(o);
        }
    }
    if origins.len() > MAX_ORIGINS {
        return Err(ApiError::bad_request(format!(
            "At most {MAX_ORIGINS} origins may frame conversations."
        )));
    }
    if s.enabled && origins.is_empty() {
        return Err(ApiError::InvalidState(
            "Name at least one origin allowed to frame conversations (e.g. https://crm.example.com).".into(),
        ));
    }
    if !(1..=MAX_LINK_MINUTES).contains(&s.link_minutes) {
        return Err(ApiError::bad_request(format!(
            "`link_minutes` must be 1 to {MAX_LINK_MINUTES}."
        )));
    }
    Ok(IframeSettings { origins, ..s })
}

/// Stores settings [`check_settings`] cleaned, with its action-log row (the super-admin's
/// rights are checked by the caller). The first save also makes the company's signing key.
pub fn set_settings_in(
    ctx: &mut WriteCtx<'_>,
    actor: &Actor,
    clean: IframeSettings,
) -> ApiResult<IframeSettings> {
    let mut key = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut key);
    iframe::put(ctx.tx, actor.company_id, &clean, &hex::encode(key))?;
    actor.log(
        ctx,
        (LogTarget::Company, actor.company_id),
        LogAction::IframeSettingsChanged,
        &LogDetails::default(),
    )?;
    Ok(clean)
}

/// Saves the settings (super-admin).
pub async fn set_settings(
    db: &Db,
    principal: Principal,
    ip: Option<String>,
    s: IframeSettings,
) -> ApiResult<IframeSettings> {
    let clean = check_settings(s)?;
    db.write(move |ctx| {
        let actor = resolve_actor(ctx.tx, &principal, None, ip)?;
        actor.require_super_admin()?;
        set_settings_in(ctx, &actor, clean)
    })
    .await
}

fn signed(key: &str, company: Id, conversation: Id, operator: Id, expires: i64) -> String {
    hmac_sha256_hex(
        key,
        &[format!("embed:v1:{company}:{conversation}:{operator}:{expires}").as_bytes()],
    )
}

/// A link to conversation `id` for the caller (a super-admin or an API token).
pub async fn make_link(db: &Db, principal: Principal, id: Id) -> ApiResult<EmbedLink> {
    db.read(move |conn| {
        let actor = resolve_actor(conn, &principal, None, None)?;
        if !actor.facts.full_rights {
            return Err(ApiError::Forbidden(
                "Only a super-admin or an API token can make an embed link.".into(),
            ));
        }
        // 404 for another company's or a missing conversation, like every other path.
        conversations::visible_in(conn, &principal, id)?;
        let (settings, key) = iframe::get(conn, actor.company_id)?
            .filter(|(s, _)| s.enabled)
            .ok_or_else(|| {
                ApiError::InvalidState(
                    "The iframe integration is off: a super-admin turns it on in Settings › Advanced."
                        .into(),
                )
            })?;
        let expires = now_ms() + i64::from(settings.link_minutes) * 60_000;
        let (company, operator) = (actor.company_id, actor.id());
        let sig = signed(&key, company, id, operator, expires);
        Ok(EmbedLink {
            path: format!("/embed/{company}-{id}-{operator}-{expires}-{sig}"),
            expires_at: expires,
        })
    })
    .await
}

/// What an embed link opens: the principal to act as, for its conversation, and the origins
/// that may frame it. Every refusal is the same 404, so a link tells nothing once it is dead.
pub async fn open(db: &Db, link: String) -> ApiResult<(Principal, Id, Vec<String>)> {
    let dead = || ApiError::not_found("This embed link is unknown, expired or switched off.");
    let parts: Vec<&str> = link.splitn(5, '-').collect();
    let [company, conversation, operator, expires, sig] = parts.as_slice() else {
        return Err(dead());
    };
    let (Ok(company), Ok(conversation), Ok(operator), Ok(expires)) = (
        company.parse::<Id>(),
        conversation.parse::<Id>(),
        operator.parse::<Id>(),
        expires.parse::<i64>(),
    ) else {
        return Err(dead());
    };
    if expires <= now_ms() {
        return Err(dead());
    }
    let sig = (*sig).to_string();
    db.read(move |conn| {
        let (settings, key) = iframe::get(conn, company)?
            .filter(|(s, _)| s.enabled)
            .ok_or_else(dead)?;
        if !secrets_equal(
            &signed(&key, company, conversation, operator, expires),
            &sig,
        ) {
            return Err(dead());
        }
        let rec = operators::get(conn, company, operator)?
            .filter(|o| o.operator.active)
            .ok_or_else(dead)?;
        let principal = Principal::Embed {
            operator: rec,
            conversation_id: conversation,
        };
        conversations::visible_in(conn, &principal, conversation).map_err(|_| dead())?;
        Ok((principal, conversation, settings.origins))
    })
    .await
}

/// The conversation as the view shows it: the newest messages, without internal notes (a
/// CRM's users are not all the company's operators).
pub async fn view(db: &Db, principal: Principal, id: Id) -> ApiResult<ConversationDetail> {
    let mut detail = conversations::detail(db, principal, id).await?;
    detail.messages.retain(|m| m.kind != MessageKind::Note);
    let keep = detail.messages.len().saturating_sub(VIEW_MESSAGES as usize);
    detail.messages.drain(..keep);
    Ok(detail)
}

/// An answer from the view, through the same path as the app's (queue, delivery, rules).
pub async fn answer(
    db: &Db,
    principal: Principal,
    ip: Option<String>,
    id: Id,
    text: String,
    client_msg_id: String,
) -> ApiResult<switchboard_protocol::Message> {
    let (msg, _) = conversations::send(
        db,
        principal,
        ip,
        SendRequest {
            conversation_id: id,
            kind: MessageKind::Operator,
            text,
            client_msg_id: Some(client_msg_id),
            attachment_url: None,
            attachment: None,
            acting_operator_id: None,
            disable_webhook: false,
        },
    )
    .await?;
    Ok(msg)
}
