//! Typing indicators through the desk against the real server: a LiveChat visitor's typing
//! reaches the desk's events (`DeskEvents::client_typing`), the operator's `set_typing`
//! reaches the visitor's widget socket, and offline the signal is dropped, never queued.

mod common;

use std::time::Duration;

use common::*;
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use switchboard_core::{ListQuery, Tab};
use switchboard_protocol::{ConversationAction, ConversationStatus, Id};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message as WsMessage;

const SITE: &str = "http://shop.test";

type Widget =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// The next widget frame of `kind`.
async fn frame_of(ws: &mut Widget, kind: &str) -> Value {
    loop {
        let msg = tokio::time::timeout(Duration::from_secs(20), ws.next())
            .await
            .expect("a frame within 20 s")
            .expect("socket open")
            .expect("frame");
        if let WsMessage::Text(t) = msg {
            let f: Value = serde_json::from_str(t.as_str()).expect("JSON");
            if f["type"] == kind {
                return f;
            }
        }
    }
}

async fn send(ws: &mut Widget, frame: Value) {
    ws.send(WsMessage::Text(frame.to_string().into()))
        .await
        .expect("send");
}

/// A visitor of a new livechat channel on the demo server, connected, after its first message.
async fn visitor(server: &Server) -> anyhow::Result<Widget> {
    let out = run_cli(
        &server.db,
        &[
            "channel",
            "add",
            "--kind",
            "livechat",
            "--name",
            "Site",
            "--origin",
            SITE,
            "--public-url",
            &server.url,
        ],
    )?;
    let chat: Id = out.lines().next().unwrap_or_default().parse()?;
    let welcome: Value = reqwest::Client::new()
        .post(format!("{}/api/v1/widget/{chat}/init", server.url))
        .header("Origin", SITE)
        .json(&json!({}))
        .send()
        .await?
        .json()
        .await?;
    let token = welcome["token"].as_str().unwrap_or_default();
    let url = format!(
        "{}/api/v1/widget/{chat}/ws?token={token}",
        server.url.replace("http://", "ws://")
    );
    let mut req = url.into_client_request()?;
    req.headers_mut().insert("Origin", SITE.parse()?);
    let (mut ws, _) = tokio_tungstenite::connect_async(req).await?;
    frame_of(&mut ws, "hello").await;
    send(
        &mut ws,
        json!({"type": "message", "id": "m1", "text": "Hello?"}),
    )
    .await;
    let ack = frame_of(&mut ws, "ack").await;
    assert!(ack["message_id"].is_i64(), "{ack}");
    Ok(ws)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn typing_goes_both_ways_and_is_dropped_offline() -> anyhow::Result<()> {
    let mut server = Server::demo()?;
    let data = tempfile::tempdir()?;
    let (desk, events) = start_desk(&server, DEMO_ADMIN, data.path()).await?;
    wait_online(&desk, 120).await;
    let mut ws = visitor(&server).await?;
    let id = wait_for(20, "the visitor's conversation in the cache", async || {
        let rows = desk
            .list(&ListQuery {
                tab: Some(Tab::Unassigned),
                ..Default::default()
            })
            .await
            .ok()?;
        rows.into_iter()
            .find(|r| r.client_name.starts_with("Visitor "))
            .map(|r| r.id)
    })
    .await;

    // The visitor types: the desk hears it with the client's name.
    send(&mut ws, json!({"type": "typing", "typing": true})).await;
    let heard = wait_for(20, "the desk hears the visitor typing", async || {
        let typing = events.typing.lock().unwrap_or_else(|e| e.into_inner());
        // (The first message's own stop came before.)
        typing
            .iter()
            .find(|t| t.conversation_id == id && t.typing)
            .cloned()
    })
    .await;
    assert!(heard.name.starts_with("Visitor "), "{heard:?}");

    // The operator takes it and types: the widget hears it.
    desk.act(id, ConversationAction::Start).await?;
    wait_for(
        20,
        "the conversation in my inbox on the server",
        async || {
            let v = desk.open(id).await.ok()?;
            (v.row.status == ConversationStatus::Inbox && v.pending_actions.is_empty())
                .then_some(())
        },
    )
    .await;
    desk.set_typing(id, true).await?;
    let f = frame_of(&mut ws, "typing").await;
    assert_eq!(f["typing"], true, "{f}");

    // Offline: nothing fails, nothing waits in the outbox.
    server.kill();
    wait_offline(&desk, 30).await;
    desk.set_typing(id, true).await?;
    assert_eq!(outbox_len(&desk), 0, "a typing signal is never queued");
    Ok(())
}
