//! The core's sync against the real server: snapshot, live events, reconnect after a server
//! crash, removal when a conversation leaves the operator's view, corrupt cache rebuild.

mod common;

use std::collections::BTreeSet;

use common::*;
use switchboard_core::cache::{self, conversations, messages};
use switchboard_core::{ListQuery, Tab};
use switchboard_protocol::{ActionRequest, ConversationAction, ConversationStatus, Id, Operator};

fn tab(t: Tab) -> ListQuery {
    ListQuery {
        tab: Some(t),
        ..Default::default()
    }
}

async fn ids(desk: &switchboard_core::Desk, t: Tab) -> BTreeSet<Id> {
    desk.list(&tab(t))
        .await
        .expect("list")
        .into_iter()
        .map(|r| r.id)
        .collect()
}

/// Every conversation the server lets this token see, through the snapshot endpoint.
async fn server_view(
    api: &switchboard_core::ApiClient,
) -> anyhow::Result<Vec<switchboard_protocol::Conversation>> {
    let mut out = Vec::new();
    let mut after = None;
    loop {
        let page = api.snapshot(after, 500).await?;
        out.extend(page.conversations);
        match page.next_after_id {
            Some(a) => after = Some(a),
            None => return Ok(out),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn initial_sync_fills_the_cache_and_tabs_match_the_server() -> anyhow::Result<()> {
    let server = Server::demo()?;
    let data = tempfile::tempdir()?;
    let session = login(&server, DEMO_ADMIN).await?;
    let started = std::time::Instant::now();
    let (desk, events) = start_desk(&server, DEMO_ADMIN, data.path()).await?;
    wait_online(&desk, 120).await;
    eprintln!("initial sync took {:?}", started.elapsed());

    let api = admin_api(&server, &session.token)?;
    let t = std::time::Instant::now();
    let visible = server_view(&api).await?;
    eprintln!("reading the snapshot alone took {:?}", t.elapsed());
    assert!(!visible.is_empty(), "the demo has conversations");
    let me = session.me.operator.id;
    let expect_unassigned: BTreeSet<Id> = visible
        .iter()
        .filter(|c| c.status == ConversationStatus::Unassigned && !c.client.blacklisted)
        .map(|c| c.id)
        .collect();
    let expect_inbox: BTreeSet<Id> = visible
        .iter()
        .filter(|c| {
            c.status == ConversationStatus::Inbox
                && c.operator_id == Some(me)
                && !c.client.blacklisted
        })
        .map(|c| c.id)
        .collect();
    assert_eq!(ids(&desk, Tab::Unassigned).await, expect_unassigned);
    assert_eq!(ids(&desk, Tab::Inbox).await, expect_inbox);
    let counts = desk.counts().await?;
    assert_eq!(counts.unassigned as usize, expect_unassigned.len());

    // Threads came with the snapshot: a conversation's cached messages are the server's.
    let sample = visible
        .iter()
        .max_by_key(|c| c.last_message_at)
        .expect("one");
    let detail = api.conversation(sample.id).await?;
    let cached = messages::count(&desk.cache().reader(), sample.id)?;
    assert_eq!(cached as usize, detail.messages.len());

    // The snapshot's histories are complete: nothing is left to backfill.
    let behind = conversations::all_needing_backfill(&desk.cache().reader(), 10_000)?;
    assert!(
        behind.is_empty(),
        "conversations behind after a snapshot: {behind:?}"
    );

    // Progress was reported while syncing.
    let states = events
        .states
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clone();
    assert!(
        states
            .iter()
            .any(|s| matches!(s, switchboard_core::ConnState::Syncing { .. })),
        "{states:?}"
    );
    desk.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_live_client_message_reaches_the_cache() -> anyhow::Result<()> {
    let server = Server::demo()?;
    let data = tempfile::tempdir()?;
    let session = login(&server, DEMO_ADMIN).await?;
    let (desk, events) = start_desk(&server, DEMO_ADMIN, data.path()).await?;
    wait_online(&desk, 120).await;
    let channel = custom_channel(&admin_api(&server, &session.token)?).await?;

    let first = ingest(
        &server,
        channel,
        "live-1",
        "Livia Newcomer",
        "Hello from the live test",
    )
    .await?;
    wait_for(20, "the new conversation in Unassigned", async || {
        ids(&desk, Tab::Unassigned)
            .await
            .contains(&first.conversation_id)
            .then_some(())
    })
    .await;
    wait_for(20, "its message in the cache", async || {
        let n = messages::count(&desk.cache().reader(), first.conversation_id).ok()?;
        (n >= 1).then_some(())
    })
    .await;
    wait_for(20, "a notification for the new message", async || {
        events
            .incoming
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .any(|m| {
                m.conversation_id == first.conversation_id && m.client_name == "Livia Newcomer"
            })
            .then_some(())
    })
    .await;
    let row = desk
        .list(&ListQuery {
            search: Some("livia".into()),
            ..tab(Tab::Unassigned)
        })
        .await?
        .into_iter()
        .find(|r| r.id == first.conversation_id)
        .expect("found by name");
    assert!(row.unread);

    // A second message in the same conversation arrives live too.
    let second = ingest(
        &server,
        channel,
        "live-1",
        "Livia Newcomer",
        "Are you there?",
    )
    .await?;
    assert_eq!(second.conversation_id, first.conversation_id);
    wait_for(20, "the second message", async || {
        let view = desk.open(first.conversation_id).await.ok()?;
        view.messages
            .iter()
            .any(|m| m.id == Some(second.message_id))
            .then_some(())
    })
    .await;
    assert!(events
        .changed
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .iter()
        .any(|ids| ids.contains(&first.conversation_id)));
    desk.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_app_converges_after_the_server_restarts() -> anyhow::Result<()> {
    let mut server = Server::demo()?;
    let data = tempfile::tempdir()?;
    let session = login(&server, DEMO_ADMIN).await?;
    let (desk, _events) = start_desk(&server, DEMO_ADMIN, data.path()).await?;
    wait_online(&desk, 120).await;
    let channel = custom_channel(&admin_api(&server, &session.token)?).await?;

    server.kill();
    wait_offline(&desk, 30).await;
    // Let the app's reconnect backoff grow, so the changes below most likely land while it
    // is still disconnected and must come through /sync.
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    server.restart()?;
    let mut accepted = Vec::new();
    for i in 0..3 {
        accepted.push(
            ingest(
                &server,
                channel,
                &format!("down-{i}"),
                &format!("Offline Client {i}"),
                "written while you were away",
            )
            .await?,
        );
    }
    wait_online(&desk, 60).await;
    for a in &accepted {
        wait_for(30, "a change made while disconnected", async || {
            let c = desk.cache().reader();
            let has = conversations::exists(&c, a.conversation_id).ok()?
                && messages::count(&c, a.conversation_id).ok()? >= 1;
            has.then_some(())
        })
        .await;
    }
    desk.shutdown().await;
    Ok(())
}

/// An operator in groups, and a group they are not in.
fn grouped_operator(ops: &[Operator], group_ids: &[Id]) -> Option<(Operator, Id)> {
    ops.iter()
        .filter(|o| !o.super_admin && o.active && !o.group_ids.is_empty())
        .find_map(|o| {
            let other = group_ids.iter().find(|g| !o.group_ids.contains(g))?;
            Some((o.clone(), *other))
        })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_conversation_moved_to_another_group_leaves_the_cache() -> anyhow::Result<()> {
    let server = Server::demo()?;
    let session = login(&server, DEMO_ADMIN).await?;
    let admin = admin_api(&server, &session.token)?;
    let dir = admin.directory().await?;
    let groups: Vec<Id> = dir.groups.iter().map(|g| g.id).collect();
    let (op, other_group) =
        grouped_operator(&dir.operators, &groups).expect("the demo has an operator in a group");

    // A fresh conversation in one of the operator's groups: the Custom channel's group if it
    // is theirs, else moved there by the admin.
    let channel = custom_channel(&admin).await?;
    let accepted = ingest(
        &server,
        channel,
        "mover-1",
        "Moving Client",
        "please route me",
    )
    .await?;
    let target = op.group_ids[0];
    admin
        .act(
            accepted.conversation_id,
            &ActionRequest {
                action_id: uuid::Uuid::new_v4().to_string(),
                action: ConversationAction::AssignGroup { group_id: target },
            },
        )
        .await?;

    let data = tempfile::tempdir()?;
    let (desk, _events) = start_desk(&server, &op.email, data.path()).await?;
    wait_online(&desk, 120).await;
    wait_for(
        20,
        "the conversation in the operator's Unassigned",
        async || {
            ids(&desk, Tab::Unassigned)
                .await
                .contains(&accepted.conversation_id)
                .then_some(())
        },
    )
    .await;
    assert!(messages::count(&desk.cache().reader(), accepted.conversation_id)? >= 1);

    admin
        .act(
            accepted.conversation_id,
            &ActionRequest {
                action_id: uuid::Uuid::new_v4().to_string(),
                action: ConversationAction::AssignGroup {
                    group_id: other_group,
                },
            },
        )
        .await?;
    wait_for(20, "the conversation to leave the cache", async || {
        let c = desk.cache().reader();
        let gone = !conversations::exists(&c, accepted.conversation_id).ok()?
            && messages::count(&c, accepted.conversation_id).ok()? == 0;
        gone.then_some(())
    })
    .await;
    assert!(!ids(&desk, Tab::Unassigned)
        .await
        .contains(&accepted.conversation_id));
    desk.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_corrupt_cache_is_rebuilt_from_the_server() -> anyhow::Result<()> {
    let server = Server::demo()?;
    let data = tempfile::tempdir()?;
    let session = login(&server, DEMO_ADMIN).await?;
    let (desk, _events) = start_desk(&server, DEMO_ADMIN, data.path()).await?;
    wait_online(&desk, 120).await;
    let before = ids(&desk, Tab::Unassigned).await;
    assert!(!before.is_empty());
    desk.shutdown().await;

    let path = cache::account_dir(data.path(), &server.url, session.me.operator.id)
        .join(cache::CACHE_FILE);
    assert!(path.is_file(), "{} exists", path.display());
    std::fs::write(&path, vec![0x5Au8; 64 * 1024])?;
    for side in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{side}", path.display()));
    }

    let (desk, events) = start_desk(&server, DEMO_ADMIN, data.path()).await?;
    assert_eq!(
        *events.notices.lock().unwrap_or_else(|e| e.into_inner()),
        vec![switchboard_core::Notice::CacheRebuilt {
            // Garbage, not a database: not even its outbox could be listed.
            message: "The local cache was damaged and has been rebuilt; its queued messages \
                      could not be read."
                .into()
        }],
        "the operator is told"
    );
    assert_eq!(
        desk.notices().len(),
        1,
        "and the UI can ask for it once it is up"
    );
    wait_online(&desk, 120).await;
    assert_eq!(ids(&desk, Tab::Unassigned).await, before);
    let aside = std::fs::read_dir(path.parent().expect("dir"))?
        .filter_map(|e| e.ok())
        .any(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with("cache.sqlite3.corrupt-")
        });
    assert!(aside, "the damaged file was kept aside");
    desk.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoked_token_signs_the_desk_out() -> anyhow::Result<()> {
    let server = Server::demo()?;
    let data = tempfile::tempdir()?;
    let session = login(&server, "olga@demo.test").await?;
    let (desk, events) = start_desk_at(&server.url, &session, data.path()).await?;
    wait_online(&desk, 120).await;

    switchboard_core::logout(&server.url, &session.token).await?;
    let err = switchboard_core::whoami(&server.url, &session.token)
        .await
        .expect_err("revoked");
    assert_eq!(err.kind(), switchboard_core::ErrorKind::Unauthorized);
    // The server closes the live events socket of a dead token (code 4401) by itself; the
    // desk's reconnect is then refused and it must stop.
    wait_for(60, "the signed-out event", async || {
        (*events.signed_out.lock().unwrap_or_else(|e| e.into_inner())).then_some(())
    })
    .await;
    match desk.conn_state() {
        switchboard_core::ConnState::Offline { reason, .. } => {
            assert!(reason.contains("signed out"), "{reason}")
        }
        other => panic!("{other:?}"),
    }
    // The cache still answers offline.
    assert!(desk.counts().await.is_ok());
    desk.shutdown().await;
    Ok(())
}

/// Settings › Advanced "IP address whitelist": when the admin saves a list that leaves an
/// operator's address out, their open desk signs out by itself with the server's sentence
/// (which the sign-in screen shows), instead of retrying as if offline.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_address_outside_the_ip_whitelist_signs_the_desk_out_with_the_reason(
) -> anyhow::Result<()> {
    let server = Server::demo()?;
    let data = tempfile::tempdir()?;
    let session = login(&server, "olga@demo.test").await?;
    let (desk, events) = start_desk_at(&server.url, &session, data.path()).await?;
    wait_online(&desk, 120).await;

    let admin = login(&server, "admin@demo.test").await?;
    let saved = admin_api(&server, &admin.token)?
        .set_ip_whitelist(&switchboard_protocol::IpWhitelistUpdate {
            enabled: true,
            entries: vec!["10.0.0.0/8".into()],
            confirm_lockout: true,
        })
        .await?;
    assert_eq!(saved.entries, ["10.0.0.0/8"]);
    // The server closes the open events socket (4403) within its recheck; the reconnect is
    // refused with 403 `address_not_allowed`, which ends the session.
    wait_for(60, "the signed-out event", async || {
        (*events.signed_out.lock().unwrap_or_else(|e| e.into_inner())).then_some(())
    })
    .await;
    let reason = events
        .signed_out_reason
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clone()
        .unwrap_or_default();
    assert_eq!(
        reason,
        "Your address 127.0.0.1 is not allowed by your company's IP whitelist; ask your admin."
    );
    desk.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reset_rebuilds_from_a_snapshot_and_keeps_the_outbox() -> anyhow::Result<()> {
    use switchboard_core::cache::{meta, outbox};
    let server = Server::demo()?;
    let data = tempfile::tempdir()?;
    let session = login(&server, DEMO_ADMIN).await?;
    let (desk, _events) = start_desk(&server, DEMO_ADMIN, data.path()).await?;
    wait_online(&desk, 120).await;
    let before = ids(&desk, Tab::Unassigned).await;
    let some = *before.iter().next().expect("a conversation");
    desk.shutdown().await;

    // A position the server cannot know (as if the cache came from another database), a
    // row the server never sent, and a refused outbox item waiting for the operator.
    let path = cache::account_dir(data.path(), &server.url, session.me.operator.id)
        .join(cache::CACHE_FILE);
    {
        let c = cache::Cache::open(&path)?;
        let w = c.writer();
        meta::set_i64(&w, meta::LAST_SEQ, 1_000_000_000)?;
        let mut ghost = conversations::get(&w, some)?.expect("cached");
        ghost.id = 999_999_999;
        conversations::upsert(&w, &ghost, 0)?;
        outbox::push(
            &w,
            "kept-item",
            some,
            &outbox::Payload::Send {
                text: "kept".into(),
                kind: switchboard_protocol::MessageKind::Operator,
            },
            1,
        )?;
        // As an older app stored a refusal: the sentence alone.
        w.execute(
            "UPDATE outbox SET failed = 'refused earlier' WHERE id = 'kept-item'",
            [],
        )?;
    }

    let (desk, _events) = start_desk(&server, DEMO_ADMIN, data.path()).await?;
    wait_online(&desk, 120).await;
    wait_for(30, "the unknown row to be swept", async || {
        (!conversations::exists(&desk.cache().reader(), 999_999_999).ok()?).then_some(())
    })
    .await;
    assert_eq!(ids(&desk, Tab::Unassigned).await, before);
    let items = outbox::all(&desk.cache().reader())?;
    assert_eq!(items.len(), 1);
    let refusal = items[0].failed.as_ref().expect("still failed");
    assert_eq!(refusal.message, "refused earlier");
    assert!(meta::last_seq(&desk.cache().reader())? < 1_000_000_000);
    desk.shutdown().await;
    Ok(())
}
