//! Canned responses, client notes and message tags in the core against the real server: the
//! cache learns them from the server (list on connect, live change records, the replies of the
//! desk's own writes) and serves them offline.

mod common;

use common::*;
use switchboard_core::{ErrorKind, ListQuery, Tab};
use switchboard_protocol::CannedResponseInput;

fn input(title: &str, text: &str) -> CannedResponseInput {
    CannedResponseInput {
        title: title.into(),
        text: text.into(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn canned_notes_and_tags_reach_the_cache_and_stay_offline() -> anyhow::Result<()> {
    let mut server = Server::demo()?;
    let data = tempfile::tempdir()?;
    let session = login(&server, DEMO_ADMIN).await?;
    let api = admin_api(&server, &session.token)?;
    // Made before the desk starts: it arrives with the list fetched on connect.
    let early = api.create_canned(&input("Greeting", "Hello!")).await?;
    let (desk, _events) = start_desk(&server, DEMO_ADMIN, data.path()).await?;
    wait_online(&desk, 120).await;
    wait_for(10, "the early answer in the cache", async || {
        desk.canned_responses()
            .await
            .ok()?
            .iter()
            .any(|c| c.id == early.id)
            .then_some(())
    })
    .await;

    // Made elsewhere while the desk is online: it arrives as a live change record.
    let live = api.create_canned(&input("Closing", "Bye!")).await?;
    wait_for(10, "the live answer in the cache", async || {
        desk.canned_responses()
            .await
            .ok()?
            .iter()
            .any(|c| c.id == live.id)
            .then_some(())
    })
    .await;
    // The desk's own write is in the cache when the call returns; so is a delete.
    let own = desk
        .add_canned(input("Refund", "Your refund is on its way."))
        .await?;
    assert!(own.global, "a super-admin's answer is global");
    assert!(desk.canned_responses().await?.contains(&own));
    desk.delete_canned(live.id).await?;
    let titles: Vec<String> = desk
        .canned_responses()
        .await?
        .into_iter()
        .map(|c| c.title)
        .collect();
    assert_eq!(titles, ["Greeting", "Refund"]);

    // Notes and tags on a conversation the admin sees.
    let row = desk
        .list(&ListQuery {
            tab: Some(Tab::Unassigned),
            ..Default::default()
        })
        .await?
        .into_iter()
        .next()
        .expect("the demo has unassigned conversations");
    let view = desk.open(row.id).await?;
    let message_id = view
        .messages
        .iter()
        .find_map(|m| m.id)
        .expect("a stored message");
    let client_id = view.client.id;
    // Notes and tags go through the outbox (listed at once, stored when the server has them).
    let pending = desk
        .add_client_note(client_id, "Prefers email".into())
        .await?;
    assert!(pending.id < 0, "listed as pending: {pending:?}");
    desk.tag_messages(vec![message_id], "Complaint".into())
        .await?;
    wait_for(20, "the note and the tag to reach the server", async || {
        (outbox_len(&desk) == 0).then_some(())
    })
    .await;
    let note = desk
        .client_notes(client_id)
        .await?
        .pop()
        .expect("the stored note");
    assert!(note.id > 0 && note.text == "Prefers email", "{note:?}");
    assert_eq!(
        desk.client_notes(client_id).await?,
        std::slice::from_ref(&note)
    );
    assert_eq!(desk.refresh_client_notes(client_id).await?, [note]);
    let tagged = desk.message_tags(row.id).await?;
    assert_eq!(tagged.len(), 1);
    assert_eq!(tagged[0].tags, ["Complaint"]);
    assert!(desk.tags().await?.iter().any(|t| t.name == "Complaint"));
    desk.rename_client(client_id, "Renamed Client".into())
        .await?;
    assert_eq!(
        desk.open(row.id).await?.client.display_name,
        "Renamed Client"
    );

    // Offline: the picker, notes and tags still read from the cache; writes say "offline".
    server.kill();
    wait_offline(&desk, 30).await;
    assert_eq!(desk.canned_responses().await?.len(), 2);
    assert_eq!(desk.client_notes(client_id).await?.len(), 1);
    assert_eq!(desk.message_tags(row.id).await?.len(), 1);
    let err = desk
        .add_canned(input("Later", "x"))
        .await
        .expect_err("no server");
    assert_eq!(err.kind(), ErrorKind::Offline);
    desk.shutdown().await;
    Ok(())
}
