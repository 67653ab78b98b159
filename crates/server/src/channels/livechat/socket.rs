//! The visitor's WebSocket. On open: `hello` with the history and whether an operator is
//! online. Then every new message of the visitor's conversation (theirs from another tab, an
//! operator's answer) is pushed as `message`; an answer pushed counts as delivered. The widget
//! sends `{"type":"message","id","text"}` and gets `ack` or `error` for it.
//!
//! Subscribes to the live feed before reading the history, and the widget keeps messages by
//! id, so nothing falls between the two and a repeat is harmless. A socket that falls behind
//! the feed gets a fresh `hello`.

use std::time::Duration;

use axum::extract::ws::{Message as WsMessage, WebSocket};
use futures_util::{SinkExt, StreamExt};
use serde::{Deserialize, Serialize};
use switchboard_protocol::{Change, Id, MessageKind};
use tokio::sync::broadcast::error::RecvError;

use super::limits::SocketSlot;
use super::token::Visitor;
use super::visitors::{self, WidgetChannel, WidgetMessage};
use crate::error::ApiError;
use crate::http::AppState;

const PING_EVERY: Duration = Duration::from_secs(25);
/// Largest frame a widget sends (a message of the longest allowed text fits).
pub const MAX_FRAME: usize = 64 * 1024;

/// What the server sends.
#[derive(Debug, Serialize)]
#[serde(tag = "type", rename_all = "lowercase")]
enum Out<'a> {
    Hello {
        online: bool,
        messages: &'a [WidgetMessage],
    },
    Message {
        message: &'a WidgetMessage,
    },
    Ack {
        id: &'a str,
        message_id: Option<Id>,
    },
    Error {
        #[serde(skip_serializing_if = "Option::is_none")]
        id: Option<&'a str>,
        code: &'static str,
        message: String,
    },
}

/// What the widget sends.
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
enum In {
    Message { id: String, text: String },
}

/// Everything a visitor's socket needs.
pub struct Session {
    pub st: AppState,
    pub channel: WidgetChannel,
    pub visitor: Visitor,
    pub ip: String,
    /// Held while the socket is open.
    pub slot: SocketSlot,
}

#[derive(Debug, thiserror::Error)]
enum End {
    #[error("visitor went away: {0}")]
    Socket(#[from] axum::Error),
    #[error("{0}")]
    Api(#[from] ApiError),
}

fn text(out: &Out<'_>) -> Result<WsMessage, End> {
    let s = serde_json::to_string(out).map_err(ApiError::from)?;
    Ok(WsMessage::Text(s.into()))
}

pub async fn run(socket: WebSocket, session: Session) {
    if let Err(e) = serve(socket, &session).await {
        tracing::debug!(channel_id = session.channel.id(), error = %e, "widget socket ended");
    }
    drop(session.slot);
}

async fn serve(socket: WebSocket, s: &Session) -> Result<(), End> {
    let (st, channel_id, company_id) = (&s.st, s.channel.id(), s.channel.record.company_id);
    let mut live = st.hub.subscribe();
    let (mut tx, mut rx) = socket.split();
    let mut conv = hello(&mut tx, s).await?;
    let mut ping = tokio::time::interval(PING_EVERY);
    ping.tick().await;
    loop {
        tokio::select! {
            incoming = rx.next() => match incoming {
                None | Some(Err(_) | Ok(WsMessage::Close(_))) => return Ok(()),
                Some(Ok(WsMessage::Text(t))) => {
                    if let Some(id) = receive(&mut tx, s, t.as_str()).await? {
                        conv = conv.or(Some(id));
                    }
                }
                Some(Ok(WsMessage::Binary(_))) => {
                    tx.send(text(&Out::Error { id: None, code: "bad_request", message: "Send JSON text frames.".into() })?).await?;
                }
                Some(Ok(_)) => {}
            },
            _ = ping.tick() => tx.send(WsMessage::Ping(Default::default())).await?,
            received = live.recv() => match received {
                Ok(change) if change.company_id == company_id => match &change.change {
                    // Another tab of the visitor started the conversation.
                    Change::Conversation(c) if conv.is_none()
                        && c.channel_account_id == channel_id
                        && c.client.external_id == s.visitor.external_id() => conv = Some(c.id),
                    Change::Message(m) if Some(m.conversation_id) == conv => {
                        if let Some(wm) = WidgetMessage::of(m) {
                            tx.send(text(&Out::Message { message: &wm })?).await?;
                            if m.kind == MessageKind::Operator {
                                visitors::mark_delivered(&st.db, std::slice::from_ref(m)).await?;
                            }
                        }
                    }
                    _ => {}
                },
                Ok(_) => {}
                Err(RecvError::Lagged(_)) => conv = hello(&mut tx, s).await?,
                Err(RecvError::Closed) => return Ok(()),
            },
        }
    }
}

type Sink = futures_util::stream::SplitSink<WebSocket, WsMessage>;

/// Sends the history; returns the visitor's conversation, if any.
async fn hello(tx: &mut Sink, s: &Session) -> Result<Option<Id>, End> {
    let (conv, messages) = visitors::history(&s.st.db, s.channel.id(), &s.visitor).await?;
    let online = s.st.hub.online(s.channel.record.company_id);
    tx.send(text(&Out::Hello {
        online,
        messages: &messages,
    })?)
    .await?;
    Ok(conv)
}

/// Handles one frame of the widget; returns the conversation a stored message went to.
async fn receive(tx: &mut Sink, s: &Session, frame: &str) -> Result<Option<Id>, End> {
    let In::Message { id, text: body } = match serde_json::from_str::<In>(frame) {
        Ok(m) => m,
        Err(e) => {
            tx.send(text(&Out::Error {
                id: None,
                code: "bad_request",
                message: format!("Not a message frame: {e}"),
            })?)
            .await?;
            return Ok(None);
        }
    };
    let st = &s.st;
    let stored = match st.widget.message(s.channel.id(), &s.visitor.id, &s.ip) {
        Ok(()) => {
            visitors::receive_text(&st.db, &st.files, &s.channel, &s.visitor, &id, body).await
        }
        Err(e) => Err(e),
    };
    match stored {
        Ok(accepted) => {
            tx.send(text(&Out::Ack {
                id: &id,
                message_id: accepted.as_ref().map(|a| a.message_id),
            })?)
            .await?;
            Ok(accepted.map(|a| a.conversation_id))
        }
        Err(e) => {
            if let ApiError::Internal(detail) = &e {
                tracing::error!(%detail, "cannot store a visitor's message");
            }
            tx.send(text(&Out::Error {
                id: Some(&id),
                code: e.code(),
                message: e.body().error.message,
            })?)
            .await?;
            Ok(None)
        }
    }
}
