//! Webhooks (Settings › Advanced "Manage Webhooks", super-admin only): the subscriptions, and
//! the events the desk's writes raise for them.
//!
//! Events come from the places the action log is written, inside the same transaction, so an
//! event is queued exactly when its change commits: a conversation's movements and tags from
//! `conversations::log_conversation`, a client's changes from `clients::update_in`, new
//! messages from [`message_created`] (called where a message is stored). A seed call with
//! `disable_webhook=1` queues none (its log row says `webhook_disabled`). The queue and its
//! worker are `webhook_delivery`.
//!
//! Managing them is an admin action like any other: adding, changing, deleting a webhook and
//! issuing a new secret each write an action-log row (target `webhook`) whose details say what
//! changed; never the secret, and the URL without user, password and query (a receiver's own
//! token often rides there), since the log is also read by roles with "view action log".

use std::net::IpAddr;

use crate::storage::sql::Conn;
use serde_json::json;
use switchboard_protocol::{
    Id, LogAction, LogDetails, LogTarget, Message, NewWebhook, Webhook, WebhookAttemptsPage,
    WebhookEventName, WebhookPatch, WebhookTestQueued, WebhookWithSecret, WEBHOOK_TEST_EVENT,
};

use super::actor::{resolve_actor, Actor, Principal};
use super::now_ms;
use crate::auth::new_token;
use crate::channels::net::parse_http_url;
use crate::error::{ApiError, ApiResult};
use crate::files::fetch::is_public;
use crate::storage::webhooks::{self as store, NewEvent};
use crate::storage::{clients, conversations, Db};

/// Most webhooks a company may have.
const MAX_WEBHOOKS: usize = 20;
/// Largest page of the delivery log.
const MAX_PAGE: u32 = 200;

/// Queues `event` with its data for every active webhook of the company subscribed to it.
/// `order_key`: events with the same key reach each receiver in the order they were raised.
/// `data` is built only when someone is subscribed (every stored message raises an event,
/// and most companies have no webhook); `None`: the entity is gone, nothing to send.
fn raise(
    conn: &Conn<'_>,
    company_id: Id,
    event: WebhookEventName,
    order_key: &str,
    data: impl FnOnce() -> ApiResult<Option<serde_json::Value>>,
    now: i64,
) -> ApiResult<()> {
    let hooks: Vec<_> = store::list(conn, company_id)?
        .into_iter()
        .filter(|h| h.webhook.active && h.webhook.events.iter().any(|e| e == event.as_str()))
        .collect();
    if hooks.is_empty() {
        return Ok(());
    }
    let Some(data) = data()? else {
        return Ok(());
    };
    let event_id = new_event_id();
    let body = envelope(event.as_str(), &event_id, company_id, &data, now);
    for h in hooks {
        store::enqueue(
            conn,
            h.webhook.id,
            &NewEvent {
                event_id: &event_id,
                event: event.as_str(),
                order_key,
                body: &body,
            },
            now,
        )?;
    }
    Ok(())
}

fn new_event_id() -> String {
    format!("evt_{}", uuid::Uuid::new_v4().simple())
}

/// The JSON POSTed (`switchboard_protocol::webhooks`: one schema per event).
fn envelope(
    event: &str,
    event_id: &str,
    company_id: Id,
    data: &serde_json::Value,
    now: i64,
) -> String {
    json!({
        "event": event,
        "id": event_id,
        "created_at": now,
        "company_id": company_id,
        "data": data,
    })
    .to_string()
}

fn conversation_key(id: Id) -> String {
    format!("conversation:{id}")
}

/// The event of a conversation's action log row, if it raises one: the conversation's
/// movements and a message's tag. Called by `conversations::log_conversation` after the
/// change is stored.
pub(crate) fn conversation_logged(
    conn: &Conn<'_>,
    company_id: Id,
    conversation_id: Id,
    action: LogAction,
    details: &LogDetails,
    now: i64,
) -> ApiResult<()> {
    if details.webhook_disabled {
        return Ok(());
    }
    let event = match action {
        LogAction::Created | LogAction::Start => WebhookEventName::ConversationStarted,
        LogAction::Close => WebhookEventName::ConversationClosed,
        LogAction::Unassign => WebhookEventName::ConversationUnassigned,
        LogAction::AssignOperator => WebhookEventName::ConversationAssignedOperator,
        LogAction::AssignGroup => WebhookEventName::ConversationAssignedGroup,
        LogAction::MessageTagged => {
            let (Some(message_id), Some(tag)) = (details.message_id, &details.tag) else {
                return Ok(());
            };
            return raise(
                conn,
                company_id,
                WebhookEventName::TagAdded,
                &conversation_key(conversation_id),
                || {
                    Ok(Some(json!({
                        "conversation_id": conversation_id,
                        "message_id": message_id,
                        "tag": tag,
                    })))
                },
                now,
            );
        }
        _ => return Ok(()),
    };
    raise(
        conn,
        company_id,
        event,
        &conversation_key(conversation_id),
        || {
            let conv = conversations::get(conn, company_id, conversation_id)?;
            Ok(conv.map(|conv| json!({ "conversation": conv })))
        },
        now,
    )
}

/// `message.created` for a message just stored (a client's, an operator's, a note).
pub(crate) fn message_created(
    conn: &Conn<'_>,
    company_id: Id,
    msg: &Message,
    disable_webhook: bool,
    now: i64,
) -> ApiResult<()> {
    if disable_webhook {
        return Ok(());
    }
    raise(
        conn,
        company_id,
        WebhookEventName::MessageCreated,
        &conversation_key(msg.conversation_id),
        || Ok(Some(json!({ "message": msg }))),
        now,
    )
}

/// `client.updated` for a client's action log row (rename, blacklist, pin …), with the client
/// as it is now.
pub(crate) fn client_logged(
    conn: &Conn<'_>,
    company_id: Id,
    client_id: Id,
    action: LogAction,
    now: i64,
) -> ApiResult<()> {
    raise(
        conn,
        company_id,
        WebhookEventName::ClientUpdated,
        &format!("client:{client_id}"),
        || {
            let client = clients::get(conn, company_id, client_id)?;
            Ok(client.map(|client| json!({ "client": client, "change": action.as_str() })))
        },
        now,
    )
}

/// Checks a receiver URL: http(s) with a host, and (unless `allow_private`) not a literal
/// loopback or private address (names are checked again on each call, `channels::net`).
fn check_url(raw: &str, allow_private: bool) -> ApiResult<String> {
    let url = parse_http_url(raw, "webhook URL").map_err(|e| ApiError::bad_request(capital(&e)))?;
    let host = url.host_str().unwrap_or_default();
    let literal = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .parse::<IpAddr>()
        .ok();
    if !allow_private && (literal.is_some_and(|ip| !is_public(ip)) || host == "localhost") {
        return Err(ApiError::bad_request(format!(
            "The webhook URL points to a local or private address ({host}); the server only calls public addresses unless it runs with --allow-private-callbacks."
        )));
    }
    Ok(url.to_string())
}

fn capital(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// Checks a list of event names: known, at least one; repeats are dropped.
fn check_events(events: &[String]) -> ApiResult<Vec<String>> {
    let names = || {
        WebhookEventName::ALL
            .iter()
            .map(|e| e.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut out: Vec<String> = Vec::new();
    for e in events {
        let known = WebhookEventName::parse(e.trim()).ok_or_else(|| {
            ApiError::bad_request(format!(
                "Unknown webhook event {e:?}; subscribe to some of: {}.",
                names()
            ))
        })?;
        if !out.iter().any(|o| o == known.as_str()) {
            out.push(known.as_str().to_string());
        }
    }
    if out.is_empty() {
        return Err(ApiError::bad_request(format!(
            "`events` must name at least one of: {}.",
            names()
        )));
    }
    Ok(out)
}

fn new_secret() -> String {
    new_token("whsec_")
}

fn not_found(id: Id) -> ApiError {
    ApiError::not_found(format!("Webhook {id} not found."))
}

/// The caller, once they are known to be a super-admin (`ip`: for the action log).
fn admin(conn: &Conn<'_>, principal: &Principal, ip: Option<String>) -> ApiResult<Actor> {
    let actor = resolve_actor(conn, principal, None, ip)?;
    actor.require_super_admin()?;
    Ok(actor)
}

/// The caller's company, once they are known to be a super-admin.
fn admin_company(conn: &Conn<'_>, principal: &Principal) -> ApiResult<Id> {
    Ok(admin(conn, principal, None)?.company_id)
}

/// A receiver URL as the action log shows it: without user, password, query and fragment.
pub(crate) fn logged_url(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(mut u) => {
            // Only fails for URLs that cannot have a user (none here: they are http(s)).
            let _ = u.set_username("");
            let _ = u.set_password(None);
            u.set_query(None);
            u.set_fragment(None);
            u.to_string()
        }
        Err(_) => String::new(),
    }
}

/// What differs between two states of a webhook (all of it when `before` is `None`).
fn change(before: Option<&Webhook>, after: &Webhook) -> LogDetails {
    let differs = |same: bool| before.is_none() || !same;
    LogDetails {
        webhook_url: differs(before.is_some_and(|b| b.url == after.url))
            .then(|| logged_url(&after.url)),
        webhook_events: differs(before.is_some_and(|b| b.events == after.events))
            .then(|| after.events.clone()),
        webhook_active: differs(before.is_some_and(|b| b.active == after.active))
            .then_some(after.active),
        ..LogDetails::default()
    }
}

/// The company's webhooks (never their secrets).
pub fn list_of(conn: &Conn<'_>, company_id: Id) -> ApiResult<Vec<Webhook>> {
    Ok(store::list(conn, company_id)?
        .into_iter()
        .map(|h| h.webhook)
        .collect())
}

pub async fn list(db: &Db, principal: Principal) -> ApiResult<Vec<Webhook>> {
    db.read(move |conn| list_of(conn, admin_company(conn, &principal)?))
        .await
}

pub async fn get(db: &Db, principal: Principal, id: Id) -> ApiResult<Webhook> {
    db.read(move |conn| {
        let company_id = admin_company(conn, &principal)?;
        store::get(conn, company_id, id)?
            .map(|h| h.webhook)
            .ok_or_else(|| not_found(id))
    })
    .await
}

pub async fn create(
    db: &Db,
    principal: Principal,
    ip: Option<String>,
    allow_private: bool,
    req: NewWebhook,
) -> ApiResult<WebhookWithSecret> {
    db.write(move |ctx| {
        let actor = admin(ctx.tx, &principal, ip)?;
        let company_id = actor.company_id;
        let url = check_url(&req.url, allow_private)?;
        let events = check_events(&req.events)?;
        if store::list(ctx.tx, company_id)?.len() >= MAX_WEBHOOKS {
            return Err(ApiError::InvalidState(format!(
                "A company can have at most {MAX_WEBHOOKS} webhooks; delete one first."
            )));
        }
        let secret = new_secret();
        let id = store::insert(
            ctx.tx,
            company_id,
            &url,
            &events,
            req.active,
            &secret,
            now_ms(),
        )?;
        let webhook = store::get(ctx.tx, company_id, id)?
            .ok_or_else(|| ApiError::Internal("webhook vanished after insert".into()))?
            .webhook;
        actor.log(
            ctx,
            (LogTarget::Webhook, id),
            LogAction::WebhookCreated,
            &change(None, &webhook),
        )?;
        Ok(WebhookWithSecret { webhook, secret })
    })
    .await
}

pub async fn update(
    db: &Db,
    principal: Principal,
    ip: Option<String>,
    allow_private: bool,
    id: Id,
    patch: WebhookPatch,
) -> ApiResult<Webhook> {
    db.write(move |ctx| {
        let actor = admin(ctx.tx, &principal, ip)?;
        let before = store::get(ctx.tx, actor.company_id, id)?
            .ok_or_else(|| not_found(id))?
            .webhook;
        let mut w = before.clone();
        if let Some(url) = &patch.url {
            w.url = check_url(url, allow_private)?;
        }
        if let Some(events) = &patch.events {
            w.events = check_events(events)?;
        }
        if let Some(active) = patch.active {
            w.active = active;
        }
        let now = now_ms();
        store::update(ctx.tx, &w, now)?;
        w.updated_at = now;
        actor.log(
            ctx,
            (LogTarget::Webhook, id),
            LogAction::WebhookUpdated,
            &change(Some(&before), &w),
        )?;
        Ok(w)
    })
    .await
}

/// Deletes the webhook; what was still queued for it is dropped with it.
pub async fn delete(db: &Db, principal: Principal, ip: Option<String>, id: Id) -> ApiResult<()> {
    db.write(move |ctx| {
        let actor = admin(ctx.tx, &principal, ip)?;
        let gone = store::get(ctx.tx, actor.company_id, id)?
            .ok_or_else(|| not_found(id))?
            .webhook;
        store::delete(ctx.tx, id)?;
        // The row outlives the webhook: its URL says which one it was.
        let details = LogDetails {
            webhook_url: Some(logged_url(&gone.url)),
            ..LogDetails::default()
        };
        actor.log(
            ctx,
            (LogTarget::Webhook, id),
            LogAction::WebhookDeleted,
            &details,
        )
    })
    .await
}

/// A new signing secret, shown once; the old one stops signing at once (events still queued
/// are signed with the new one when they are sent).
pub async fn rotate_secret(
    db: &Db,
    principal: Principal,
    ip: Option<String>,
    id: Id,
) -> ApiResult<WebhookWithSecret> {
    db.write(move |ctx| {
        let actor = admin(ctx.tx, &principal, ip)?;
        let mut w = store::get(ctx.tx, actor.company_id, id)?
            .ok_or_else(|| not_found(id))?
            .webhook;
        let secret = new_secret();
        let now = now_ms();
        store::set_secret(ctx.tx, id, &secret, now)?;
        w.updated_at = now;
        actor.log(
            ctx,
            (LogTarget::Webhook, id),
            LogAction::WebhookSecretRotated,
            &LogDetails::default(),
        )?;
        Ok(WebhookWithSecret { webhook: w, secret })
    })
    .await
}

pub async fn deliveries(
    db: &Db,
    principal: Principal,
    id: Id,
    before: Option<Id>,
    limit: Option<u32>,
) -> ApiResult<WebhookAttemptsPage> {
    let limit = limit.unwrap_or(50).clamp(1, MAX_PAGE);
    db.read(move |conn| {
        let company_id = admin_company(conn, &principal)?;
        store::get(conn, company_id, id)?.ok_or_else(|| not_found(id))?;
        let items = store::attempts(conn, id, before, limit)?;
        let next_before = (items.len() == limit as usize)
            .then(|| items.last().map(|a| a.id))
            .flatten();
        Ok(WebhookAttemptsPage { items, next_before })
    })
    .await
}

/// "Send test event": a `webhook.test` queued for this webhook alone (active or not); its
/// attempts show in the delivery log.
pub async fn send_test(db: &Db, principal: Principal, id: Id) -> ApiResult<WebhookTestQueued> {
    db.write(move |ctx| {
        let company_id = admin_company(ctx.tx, &principal)?;
        store::get(ctx.tx, company_id, id)?.ok_or_else(|| not_found(id))?;
        let event = WEBHOOK_TEST_EVENT;
        let event_id = new_event_id();
        let now = now_ms();
        let body = envelope(
            event,
            &event_id,
            company_id,
            &json!({ "webhook_id": id }),
            now,
        );
        store::enqueue(
            ctx.tx,
            id,
            &NewEvent {
                event_id: &event_id,
                event,
                order_key: "test",
                body: &body,
            },
            now,
        )?;
        Ok(WebhookTestQueued { event_id })
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::{check_events, check_url, logged_url};

    #[test]
    fn the_log_shows_a_url_without_what_may_be_a_secret() {
        assert_eq!(
            logged_url("https://bot:pw@crm.example.com:8443/hook?token=abc#x"),
            "https://crm.example.com:8443/hook"
        );
        assert_eq!(
            logged_url("https://crm.example.com/hook"),
            "https://crm.example.com/hook"
        );
    }

    #[test]
    fn urls_and_events_are_checked() {
        assert!(check_url("https://crm.example.com/hook", false).is_ok());
        assert!(check_url("ftp://crm.example.com/hook", false).is_err());
        assert!(check_url("not a url", false).is_err());
        assert!(check_url("http://127.0.0.1:9/hook", false).is_err());
        assert!(check_url("http://10.1.2.3/hook", false).is_err());
        assert!(check_url("http://[::1]:8/hook", false).is_err());
        assert!(check_url("http://127.0.0.1:9/hook", true).is_ok());
        assert_eq!(
            check_events(&["tag.added".into(), "tag.added".into()]).ok(),
            Some(vec!["tag.added".to_string()])
        );
        assert!(check_events(&[]).is_err());
        assert!(check_events(&["webhook.test".into()]).is_err());
        assert!(check_events(&["message.deleted".into()]).is_err());
    }
}
