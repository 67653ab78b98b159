//! `GET /api/v1/events?after=SEQ` (WebSocket): hello, replay of what the caller missed, then
//! live change records filtered for the caller, and typing signals of the conversations the
//! caller sees (ephemeral: `crate::typing`). Subscribes to the live feed *before* reading
//! the backlog and drops repeats by seq, so nothing falls between replay and live.

use std::time::Duration;

use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::{CloseFrame, Message as WsMessage, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::response::Response;
use futures_util::{SinkExt, StreamExt};
use serde::Deserialize;
use switchboard_protocol::{Entity, ErrorBody, EventFrame};
use tokio::sync::broadcast::error::RecvError;
use utoipa::IntoParams;

use super::auth::Auth;
use super::extract::{ClientIp, Query};
use super::AppState;
use crate::error::{ApiError, ApiResult};
use crate::policy::Viewer;
use crate::service::actor::still_alive;
use crate::service::ip_whitelist;
use crate::service::sync::{for_viewer, position_usable, read_after};
use crate::service::{now_ms, Principal};
use crate::storage::{changes, operators};

const PING_EVERY: Duration = Duration::from_secs(20);
/// How often an open socket re-checks its token: a logout, a revocation (`token revoke`), an
/// expiry or a deactivated operator closes it within this.
const RECHECK_EVERY: Duration = Duration::from_secs(5);
/// The app sends nothing but pongs and a close; anything large is not from it.
const MAX_INCOMING: usize = 64 * 1024;
/// Close code for a token that died (the 4000-4999 range is the application's).
const CLOSE_TOKEN_DEAD: u16 = 4401;
/// Close code for an operator whose address the company's IP whitelist no longer admits.
const CLOSE_ADDRESS_REFUSED: u16 = 4403;
/// Records per backlog read during replay.
const REPLAY_PAGE: usize = 500;

#[derive(Debug, Deserialize, IntoParams)]
pub struct EventsQuery {
    /// Last seq the app applied; the socket replays what came after it.
    pub after: Option<i64>,
}

/// Live change records (WebSocket). Frames: `hello`, `change`, `resync`, and `typing` (a
/// client of a conversation the caller sees is typing; ephemeral, never replayed). The socket closes
/// with code 4401 within seconds of its token's logout, revocation or expiry (or its
/// operator's deactivation), with 4403 when the company's IP whitelist stops admitting the
/// caller's address, and with 1009 on an incoming message over 64 KiB.
#[utoipa::path(get, path = "/api/v1/events", tag = "sync", params(EventsQuery),
    security(("token" = [])),
    responses(
        (status = 101, description = "WebSocket of EventFrame text frames", body = EventFrame),
        (status = 400, description = "Not a WebSocket request", body = ErrorBody),
        (status = 401, body = ErrorBody),
        (status = 403, description = "The caller's address is outside the company's IP whitelist", body = ErrorBody),
    ))]
pub async fn events(
    State(st): State<AppState>,
    Auth(p): Auth,
    ClientIp(ip): ClientIp,
    Query(q): Query<EventsQuery>,
    ws: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> ApiResult<Response> {
    let ws = ws.map_err(|e| {
        ApiError::bad_request(format!("This endpoint is a WebSocket: {}", e.body_text()))
    })?;
    let after = q.after.unwrap_or(0);
    Ok(
        super::ws::accept(ws, MAX_INCOMING).on_upgrade(move |socket| async move {
            if let Err(e) = run(socket, st, p, ip, after).await {
                tracing::debug!(error = %e, "events socket ended");
            }
        }),
    )
}

#[derive(Debug, thiserror::Error)]
enum StreamEnd {
    #[error("client went away: {0}")]
    Socket(#[from] axum::Error),
    #[error("{0}")]
    Api(#[from] ApiError),
}

fn frame(f: &EventFrame) -> Result<WsMessage, StreamEnd> {
    let text = serde_json::to_string(f).map_err(ApiError::from)?;
    Ok(WsMessage::Text(text.into()))
}

async fn run(
    socket: WebSocket,
    st: AppState,
    principal: Principal,
    ip: Option<String>,
    after: i64,
) -> Result<(), StreamEnd> {
    let company_id = principal.company_id();
    let mut viewer = principal.viewer();
    let me = principal.operator().operator.id;
    // The chat widget shows "online" while an operator's app is connected.
    let _present = st.hub.present(company_id);
    // Subscribe first: anything committed from now on is in `live`.
    let mut live = st.hub.subscribe();
    let mut typing = st.hub.subscribe_typing();
    let (mut tx, mut rx) = socket.split();

    let (hello, usable) = st
        .db
        .read(move |conn| {
            let current = changes::current_seq(conn, company_id)?;
            Ok((current, position_usable(conn, company_id, after, current)?))
        })
        .await?;
    tx.send(frame(&EventFrame::Hello { seq: hello })?).await?;

    let mut last = after;
    if !usable {
        // No usable position: the app must rebuild through /sync (which answers `reset`).
        tx.send(frame(&EventFrame::Resync)?).await?;
        last = hello;
    } else {
        loop {
            let v = viewer.clone();
            let from = last;
            let (records, examined, more) = st
                .db
                .read(move |conn| read_after(conn, company_id, &v, from, REPLAY_PAGE))
                .await?;
            for rec in &records {
                tx.send(frame(&EventFrame::Change(Box::new(rec.clone())))?)
                    .await?;
            }
            last = examined;
            if !more {
                break;
            }
        }
    }

    let mut ping = tokio::time::interval(PING_EVERY);
    ping.tick().await;
    let mut recheck = tokio::time::interval(RECHECK_EVERY);
    recheck.tick().await;
    loop {
        tokio::select! {
            incoming = rx.next() => match incoming {
                None | Some(Err(_)) | Some(Ok(WsMessage::Close(_))) => return Ok(()),
                Some(Ok(_)) => {}
            },
            _ = ping.tick() => {
                tx.send(WsMessage::Ping(Default::default())).await?;
            }
            _ = recheck.tick() => {
                if closed_when_dead(&st, &principal, ip.as_deref(), &mut tx).await? {
                    return Ok(());
                }
            }
            received = live.recv() => match received {
                Ok(change) => {
                    if change.company_id != company_id || change.seq <= last {
                        continue;
                    }
                    last = change.seq;
                    if change.change.entity() == Some(Entity::Operator) && change.entity_id == me {
                        // Deactivated (or signed out by an admin): the app hears it at once,
                        // not at the next periodic check.
                        if closed_when_dead(&st, &principal, ip.as_deref(), &mut tx).await? {
                            return Ok(());
                        }
                        // Groups or role may have changed: later records use the new view.
                        viewer = refresh_viewer(&st, &principal, viewer).await;
                    }
                    if let Some(rec) = for_viewer(&change, &viewer) {
                        tx.send(frame(&EventFrame::Change(Box::new(rec)))?).await?;
                        crate::metrics::get().frame_sent();
                    }
                }
                Err(RecvError::Lagged(skipped)) => {
                    tracing::debug!(skipped, "events socket lagged; asking the app to resync");
                    crate::metrics::get().resync();
                    tx.send(frame(&EventFrame::Resync)?).await?;
                }
                Err(RecvError::Closed) => return Ok(()),
            },
            signal = typing.recv() => match signal {
                Ok(signal) if signal.company_id == company_id => {
                    if let Some(t) = signal.for_desk(&viewer) {
                        tx.send(frame(&EventFrame::Typing(t))?).await?;
                    }
                }
                // Ephemeral: a signal skipped is replaced by the next within seconds.
                Ok(_) | Err(RecvError::Lagged(_)) => {}
                Err(RecvError::Closed) => return Ok(()),
            }
        }
    }
}

/// Closes the socket with [`CLOSE_TOKEN_DEAD`] when the caller's token no longer works (revoked,
/// expired, or its operator deactivated), or with [`CLOSE_ADDRESS_REFUSED`] when the IP
/// whitelist changed to shut the caller's address out; `true` when it did.
async fn closed_when_dead<S>(
    st: &AppState,
    principal: &Principal,
    ip: Option<&str>,
    tx: &mut S,
) -> Result<bool, S::Error>
where
    S: futures_util::Sink<WsMessage> + Unpin,
{
    let (p, lifetime, ip) = (principal.clone(), st.sessions, ip.map(str::to_owned));
    let alive = st
        .db
        .read(move |conn| {
            still_alive(conn, &p, &lifetime, now_ms())?;
            ip_whitelist::admit(conn, &p, ip.as_deref())
        })
        .await;
    let refusal = match alive {
        Err(ApiError::Unauthorized(reason)) => Some((CLOSE_TOKEN_DEAD, reason)),
        Err(ApiError::AddressRefused(reason)) => Some((CLOSE_ADDRESS_REFUSED, reason)),
        _ => None,
    };
    if let Some((code, reason)) = refusal {
        let close = CloseFrame {
            code,
            reason: reason.into(),
        };
        tx.send(WsMessage::Close(Some(close))).await?;
        return Ok(true);
    }
    Ok(false)
}

async fn refresh_viewer(st: &AppState, principal: &Principal, current: Viewer) -> Viewer {
    if principal.full_rights() {
        return current;
    }
    let company_id = principal.company_id();
    let id = current.operator_id;
    match st
        .db
        .read(move |conn| Ok(operators::get(conn, company_id, id)?))
        .await
    {
        Ok(Some(rec)) => rec.viewer(),
        _ => current,
    }
}
