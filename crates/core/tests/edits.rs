//! Edits made offline (client rename, client note, message tags) and an offline Start: shown
//! at once in the cache, pending, replayed once in order when the server is back; a Start the
//! server refuses moves back and is shown as a conflict.

mod common;

use common::proxy::Proxy;
use common::*;
use switchboard_core::cache::outbox as outbox_table;
use switchboard_core::{Desk, OutboxState, Tab};
use switchboard_protocol::{ActionRequest, ConversationAction, ConversationStatus, ErrorFacts};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offline_edits_show_at_once_and_reach_the_server_once() -> anyhow::Result<()> {
    let mut server = Server::demo()?;
    let data = tempfile::tempdir()?;
    let session = login(&server, DEMO_ADMIN).await?;
    let (desk, _events) = start_desk(&server, DEMO_ADMIN, data.path()).await?;
    wait_online(&desk, 120).await;
    let id = my_conversation(&server, &desk, &session.token, "edits-1").await?;
    let view = desk.open(id).await?;
    let client_id = view.client.id;
    let message_id = view.messages.iter().find_map(|m| m.id).expect("a message");

    server.kill();
    wait_offline(&desk, 30).await;
    desk.rename_client(client_id, "Renamed Offline".into())
        .await?;
    let pending = desk
        .add_client_note(client_id, "Called back while offline".into())
        .await?;
    desk.tag_messages(vec![message_id], "Offline tag".into())
        .await?;

    // Shown at once, and pending.
    let view = desk.open(id).await?;
    assert_eq!(view.client.display_name, "Renamed Offline");
    assert!(pending.id < 0);
    assert_eq!(desk.client_notes(client_id).await?.last(), Some(&pending));
    assert_eq!(desk.message_tags(id).await?[0].tags, ["Offline tag"]);
    let described: Vec<&str> = view
        .pending_actions
        .iter()
        .map(|p| p.description.as_str())
        .collect();
    assert_eq!(
        described,
        [
            "Rename the client to “Renamed Offline”",
            "Add the note “Called back while offline”",
            "Tag 1 message “Offline tag”"
        ]
    );
    assert!(view
        .pending_actions
        .iter()
        .all(|p| p.outbox == OutboxState::Queued));
    let keys: Vec<String> = outbox_table::all(&desk.cache().reader())?
        .into_iter()
        .map(|i| i.id)
        .collect();
    assert!(desk.rename_client(client_id, "  ".into()).await.is_err());

    server.restart()?;
    wait_for(60, "the edits to drain", async || {
        (outbox_len(&desk) == 0).then_some(())
    })
    .await;
    let api = admin_api(&server, &session.token)?;
    let detail = api.conversation(id).await?;
    assert_eq!(detail.conversation.client.display_name, "Renamed Offline");
    let notes = api.client_notes(client_id).await?;
    let ours: Vec<_> = notes
        .iter()
        .filter(|n| n.text == "Called back while offline")
        .collect();
    assert_eq!(ours.len(), 1, "{notes:?}");
    assert!(desk.tags().await?.iter().any(|t| t.name == "Offline tag"));
    assert_eq!(desk.message_tags(id).await?[0].tags, ["Offline tag"]);
    assert_eq!(desk.client_notes(client_id).await?.last(), Some(ours[0]));

    // A replay of the same keys (a crash before the items were dropped) changes nothing.
    let again = api
        .add_client_note(client_id, "Called back while offline", Some(&keys[1]))
        .await?;
    assert_eq!(again.id, ours[0].id);
    let conv = api
        .rename_client(client_id, "Another Name", Some(&keys[0]))
        .await?;
    assert_eq!(conv.client.display_name, "Renamed Offline");
    let err = api
        .add_client_note(client_id, "x", Some(&"k".repeat(101)))
        .await
        .expect_err("an oversized key");
    assert_eq!(err.kind(), switchboard_core::ErrorKind::BadInput);
    assert_eq!(
        api.client_notes(client_id)
            .await?
            .iter()
            .filter(|n| n.text == "Called back while offline")
            .count(),
        1
    );
    desk.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_offline_start_moves_to_my_inbox_and_back_when_refused() -> anyhow::Result<()> {
    let server = Server::demo()?;
    let proxy = Proxy::start(server.addr()).await?;
    let data = tempfile::tempdir()?;
    let session = login(&server, DEMO_ADMIN).await?;
    let (desk, _events) = start_desk_at(&proxy.url, &session, data.path()).await?;
    wait_online(&desk, 120).await;
    let admin = admin_api(&server, &session.token)?;
    let channel = custom_channel(&admin).await?;
    let other = ingest(&server, channel, "start-1", "Start Offline", "hello?")
        .await?
        .conversation_id;
    wait_for(20, "the conversation in the cache", async || {
        desk.open(other).await.ok().map(|_| ())
    })
    .await;
    let me = session.me.operator.id;
    let in_my_inbox = async |desk: &Desk| {
        let v = desk.open(other).await.expect("open");
        v.row.status == ConversationStatus::Inbox && v.operator_id == Some(me)
    };

    proxy.set_down(true);
    wait_offline(&desk, 30).await;
    desk.act(other, ConversationAction::Start).await?;
    assert!(in_my_inbox(&desk).await, "moved to My inbox at once");
    let ids = async |tab| {
        desk.list(&switchboard_core::ListQuery {
            tab: Some(tab),
            ..Default::default()
        })
        .await
        .expect("list")
        .into_iter()
        .map(|r| (r.id, r.pending))
        .collect::<Vec<_>>()
    };
    assert!(
        ids(Tab::Inbox).await.contains(&(other, 1)),
        "listed there, pending"
    );
    assert!(!ids(Tab::Unassigned)
        .await
        .iter()
        .any(|(id, _)| *id == other));

    // Meanwhile another operator takes it.
    let olga = login(&server, "olga@demo.test").await?;
    admin_api(&server, &olga.token)?
        .act(
            other,
            &ActionRequest {
                action_id: format!("olga-takes-{}", rand::random::<u64>()),
                action: ConversationAction::Start,
            },
        )
        .await?;
    proxy.set_down(false);
    wait_for(60, "the start to be refused", async || {
        let items = outbox_table::all(&desk.cache().reader()).ok()?;
        (items.len() == 1 && items[0].failed.is_some()).then_some(())
    })
    .await;
    wait_for(30, "the conversation to go back to Olga", async || {
        let v = desk.open(other).await.ok()?;
        (v.operator_id == Some(olga.me.operator.id)).then_some(())
    })
    .await;
    let view = desk.open(other).await?;
    assert!(matches!(
        &view.pending_actions[0].outbox,
        OutboxState::Failed { detail: Some(ErrorFacts::TakenBy { operator_id, .. }), .. }
            if *operator_id == olga.me.operator.id
    ));
    assert!(!ids(Tab::Inbox).await.iter().any(|(id, _)| *id == other));
    desk.shutdown().await;
    Ok(())
}
