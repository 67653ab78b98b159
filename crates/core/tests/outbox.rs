//! The outbox against the real server: sends are idempotent across a crash, and sends queued
//! while the server is down arrive once each, in order, when it is back.

mod common;

use common::*;
use switchboard_core::cache::outbox as outbox_table;
use switchboard_protocol::MessageKind;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resent_message_is_stored_once() -> anyhow::Result<()> {
    let server = Server::demo()?;
    let data = tempfile::tempdir()?;
    let session = login(&server, DEMO_ADMIN).await?;
    let (desk, _events) = start_desk(&server, DEMO_ADMIN, data.path()).await?;
    wait_online(&desk, 120).await;
    let id = my_conversation(&server, &desk, &session.token, "idem-1").await?;

    let pending = desk.send(id, "exactly once".into(), false).await?;
    wait_for(20, "the send to be acknowledged", async || {
        (outbox_len(&desk) == 0).then_some(())
    })
    .await;
    desk.shutdown().await;

    // A crash between the server's answer and deleting the item leaves it queued: put it
    // back as it was and start the app again.
    {
        let desk_cache = switchboard_core::cache::Cache::open(
            &switchboard_core::cache::account_dir(data.path(), &server.url, session.me.operator.id)
                .join(switchboard_core::cache::CACHE_FILE),
        )?;
        outbox_table::push(
            &desk_cache.writer(),
            &pending.key,
            id,
            &outbox_table::Payload::Send {
                text: "exactly once".into(),
                kind: MessageKind::Operator,
            },
            pending.created_at,
        )?;
    }
    let (desk, _events) = start_desk(&server, DEMO_ADMIN, data.path()).await?;
    wait_for(30, "the resend to be acknowledged", async || {
        (outbox_len(&desk) == 0).then_some(())
    })
    .await;

    let detail = admin_api(&server, &session.token)?.conversation(id).await?;
    let copies = detail
        .messages
        .iter()
        .filter(|m| m.client_msg_id.as_deref() == Some(pending.key.as_str()))
        .count();
    assert_eq!(copies, 1, "{:?}", detail.messages);
    // And straight at the API: a repeat of the same client_msg_id is the same message.
    let api = admin_api(&server, &session.token)?;
    let req = switchboard_protocol::SendMessageRequest {
        client_msg_id: pending.key.clone(),
        text: "exactly once".into(),
        kind: MessageKind::Operator,
    };
    let again = api.send_message(id, &req).await?;
    let first = detail
        .messages
        .iter()
        .find(|m| m.client_msg_id.as_deref() == Some(pending.key.as_str()))
        .map(|m| m.id);
    assert_eq!(Some(again.id), first);
    let view = desk.open(id).await?;
    assert_eq!(
        view.messages
            .iter()
            .filter(|m| m.text == "exactly once")
            .count(),
        1
    );
    desk.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sends_queued_while_the_server_is_down_arrive_in_order_once() -> anyhow::Result<()> {
    let mut server = Server::demo()?;
    let data = tempfile::tempdir()?;
    let session = login(&server, DEMO_ADMIN).await?;
    let (desk, _events) = start_desk(&server, DEMO_ADMIN, data.path()).await?;
    wait_online(&desk, 120).await;
    let id = my_conversation(&server, &desk, &session.token, "queue-1").await?;

    server.kill();
    wait_offline(&desk, 30).await;
    let texts: Vec<String> = (1..=5).map(|i| format!("queued message {i}")).collect();
    for t in &texts {
        desk.send(id, t.clone(), false).await?;
    }
    desk.send(id, "a note while down".into(), true).await?;
    let view = desk.open(id).await?;
    assert_eq!(
        view.messages.iter().filter(|m| m.outbox.is_some()).count(),
        6
    );

    server.restart()?;
    wait_for(60, "the queue to drain", async || {
        (outbox_len(&desk) == 0).then_some(())
    })
    .await;

    let detail = admin_api(&server, &session.token)?.conversation(id).await?;
    let sent: Vec<&str> = detail
        .messages
        .iter()
        .filter(|m| m.text.starts_with("queued message") || m.text == "a note while down")
        .map(|m| m.text.as_str())
        .collect();
    let mut expected: Vec<&str> = texts.iter().map(String::as_str).collect();
    expected.push("a note while down");
    assert_eq!(sent, expected, "once each, in order");
    let note = detail
        .messages
        .iter()
        .find(|m| m.text == "a note while down")
        .expect("note");
    assert_eq!(note.kind, MessageKind::Note);

    // The cache shows the stored messages, none pending any more.
    wait_for(20, "the cache to show them stored", async || {
        let v = desk.open(id).await.ok()?;
        let stored = v
            .messages
            .iter()
            .filter(|m| m.outbox.is_none() && m.text.starts_with("queued message"))
            .count();
        (stored == 5 && v.messages.iter().all(|m| m.outbox.is_none())).then_some(())
    })
    .await;
    desk.shutdown().await;
    Ok(())
}
