//! The visitor's WebSocket. On open: `hello` with the history and whether an operator is
//! online. Then every new message of the visitor's conversation (theirs from another tab, an
//! operator's answer) is pushed as `message`; an answer pushed counts as delivered. The widget
//! sends `{"type":"message","id","text"}` and gets `ack` or `error` for it.
//!
//! Typing (`crate::typing`, ephemeral): the widget sends `{"type":"typing","typing":bool}`
//! (rate limited per visitor), heard by the operators who see the conversation; a stored
//! message ends it. An operator typing an answer reaches the widget as
//! `{"type":"typing","typing":bool}`.
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
use crate::storage::conversations;
use crate::typing::{TypingSignal, Typist};

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
    Typing {
        typing: bool,
    },
}

/// What the widget sends.
#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
enum In {
    Message { id: String, text: String },
    Typing { typing: bool },
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
    let mut typing = st.hub.subscribe_typing();
    let (mut tx, mut rx) = socket.split();
    let mut conv = hello(&mut tx, s).await?;
    let mut ping = tokio::time::interval(PING_EVERY);
    ping.tick().await;
    loop {
        tokio::select! {
            incoming = rx.next() => match incoming {
                None | Some(Err(_) | Ok(WsMessage::Close(_))) => return Ok(()),
                Some(Ok(WsMessage::Text(t))) => {
                    if let Some(id) = receive(&mut tx, s, conv, t.as_str()).await? {
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
            signal = typing.recv() => match signal {
                Ok(signal) if Some(signal.conversation_id) == conv
                    && signal.company_id == company_id
                    && signal.typist == Typist::Operator =>
                {
                    tx.send(text(&Out::Typing { typing: signal.typing })?).await?;
                }
                // Ephemeral: a signal skipped is replaced by the next within seconds.
                Ok(_) | Err(RecvError::Lagged(_)) => {}
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

/// Handles one frame of the widget (`conv`: the visitor's conversation so far); returns the
/// conversation a stored message went to.
async fn receive(
    tx: &mut Sink,
    s: &Session,
    conv: Option<Id>,
    frame: &str,
) -> Result<Option<Id>, End> {
    match serde_json::from_str::<In>(frame) {
        Ok(In::Message { id, text: body }) => message(tx, s, id, body).await,
        Ok(In::Typing { typing }) => {
            if let Err(e) = s.st.widget.typing(s.channel.id(), &s.visitor.id) {
                tx.send(text(&Out::Error {
                    id: None,
                    code: e.code(),
                    message: e.body().error.message,
                })?)
                .await?;
            } else if let Some(conv) = conv {
                // Before the first message there is no conversation anyone could see.
                client_typing(s, conv, typing).await;
            }
            Ok(None)
        }
        Err(e) => {
            tx.send(text(&Out::Error {
                id: None,
                code: "bad_request",
                message: format!("Not a message or typing frame: {e}"),
            })?)
            .await?;
            Ok(None)
        }
    }
}

/// Tells the desk the visitor is (or stopped) typing in `conv`, with the conversation's
/// audience as it is now. Ephemeral: a signal that cannot be sent is dropped, the socket stays.
async fn client_typing(s: &Session, conv: Id, typing: bool) {
    let company_id = s.channel.record.company_id;
    let found =
        s.st.db
            .read(move |conn| Ok(conversations::get(conn, company_id, conv)?))
            .await;
    match found {
        Ok(Some(c)) => {
            let name = c.client.display_name.clone();
            s.st.hub.typing(TypingSignal::new(
                company_id,
                &c,
                Typist::Client { name },
                typing,
            ));
        }
        Ok(None) => {}
        Err(e) => tracing::debug!(conversation_id = conv, error = %e, "typing signal dropped"),
    }
}

/// Stores a message of the visitor; answers `ack` or `error`.
async fn message(tx: &mut Sink, s: &Session, id: String, body: String) -> Result<Option<Id>, End> {
    let st = &s.st;
    let stored = match st.widget.message(s.channel.id(), &s.visitor.id, &s.ip) {
        Ok(()) => {
            visitors::receive_text(&st.db, &st.files, &s.channel, &s.visitor, &id, body).await
        }
        Err(e) => Err(e),
    };
    match stored {
        Ok(accepted) => {
            if let Some(a) = &accepted {
                // The message is here: the operators' "is typing…" ends with it.
                client_typing(s, a.conversation_id, false).await;
            }
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
