//! The desk follows who its operator is: an admin's change of their role reaches `me()` and the
//! shell at once, and deactivating them signs the open desk out within 2 s with the server's
//! sentence, its outbox kept on disk. Against the real server binary.

mod common;

use std::time::{Duration, Instant};

use common::{admin_api, login, start_desk_at, wait_for, wait_online, Server};
use switchboard_protocol::{ConversationStatus, NewRoleRequest, OperatorPatch, Permissions};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_role_change_reaches_the_open_desk_and_deactivation_signs_it_out() -> anyhow::Result<()> {
    let server = Server::demo()?;
    let data = tempfile::tempdir()?;
    let admin = login(&server, "admin@demo.test").await?;
    let admin = admin_api(&server, &admin.token)?;
    let boris = login(&server, "boris@demo.test").await?;
    let id = boris.me.operator.id;
    let (desk, events) = start_desk_at(&server.url, &boris, data.path()).await?;
    wait_online(&desk, 120).await;
    assert!(!desk.me().permissions.show_all_tab);

    // The admin gives Boris a role with the All tab: the desk knows without a restart.
    let role = admin
        .create_role(&NewRoleRequest {
            name: "All tab".into(),
            permissions: Permissions {
                show_all_tab: true,
                ..Permissions::default()
            },
        })
        .await?;
    admin
        .update_operator(
            id,
            &OperatorPatch {
                role_id: Some(Some(role.id)),
                ..OperatorPatch::default()
            },
        )
        .await?;
    wait_for(30, "me() with the new role", async || {
        desk.me().permissions.show_all_tab.then_some(())
    })
    .await;
    let told = events
        .me_changes
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .last()
        .cloned();
    assert_eq!(
        told.map(|m| m.permissions.show_all_tab),
        Some(true),
        "the shell was told"
    );

    // Moved to the 2nd line: the cache is rebuilt to what the server now shows him.
    let groups = admin.directory().await?.groups;
    let second = groups
        .iter()
        .find(|g| g.name == "2nd line")
        .map(|g| g.id)
        .ok_or_else(|| anyhow::anyhow!("no 2nd line"))?;
    admin
        .update_operator(
            id,
            &OperatorPatch {
                group_ids: Some(vec![second]),
                ..OperatorPatch::default()
            },
        )
        .await?;
    let as_boris = admin_api(&server, &boris.token)?;
    wait_for(60, "his Unassigned to be the 2nd line's", async || {
        if desk.me().operator.group_ids != vec![second] {
            return None;
        }
        let page = as_boris.snapshot(None, 5000).await.ok()?;
        let theirs = page
            .conversations
            .iter()
            // The Unassigned tab leaves blacklisted clients to the Blacklist tab.
            .filter(|c| c.status == ConversationStatus::Unassigned && !c.client.blacklisted)
            .count();
        let cached = desk.counts().await.ok()?.unassigned;
        (usize::try_from(cached).ok()? == theirs && theirs > 0).then_some(())
    })
    .await;

    // Deactivated: signed out within 2 s, saying why.
    let started = Instant::now();
    admin
        .update_operator(
            id,
            &OperatorPatch {
                active: Some(false),
                ..OperatorPatch::default()
            },
        )
        .await?;
    wait_for(10, "the signed-out event", async || {
        (*events.signed_out.lock().unwrap_or_else(|e| e.into_inner())).then_some(())
    })
    .await;
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "signed out after {:?}",
        started.elapsed()
    );
    let reason = events
        .signed_out_reason
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clone();
    assert_eq!(
        reason.as_deref(),
        Some("Your account was deactivated by an admin.")
    );
    // The cache still answers (the outbox and cache stay for the next sign-in).
    assert!(desk.counts().await.is_ok());
    desk.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_desk_started_with_a_stale_me_takes_the_servers_on_connect() -> anyhow::Result<()> {
    let server = Server::demo()?;
    let data = tempfile::tempdir()?;
    // What the app remembered at sign-in, before an admin took the All tab away meanwhile.
    let mut remembered = login(&server, "boris@demo.test").await?;
    remembered.me.permissions.show_all_tab = true;
    let (desk, events) = start_desk_at(&server.url, &remembered, data.path()).await?;
    wait_for(30, "me() as the server says", async || {
        (!desk.me().permissions.show_all_tab).then_some(())
    })
    .await;
    assert!(!events
        .me_changes
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .is_empty());
    desk.shutdown().await;
    Ok(())
}
