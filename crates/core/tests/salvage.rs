//! A damaged cache keeps its outbox: the file fails `PRAGMA quick_check`, is moved aside and
//! rebuilt from the server, and the queued items that are still readable go out exactly once,
//! in their original order; the operator is told how many were kept and lost.

mod common;

use std::path::{Path, PathBuf};

use common::*;
use switchboard_core::cache::{self, outbox};
use switchboard_core::Notice;
use switchboard_protocol::{Id, MessageKind};

fn send(text: &str) -> outbox::Payload {
    outbox::Payload::Send {
        text: text.into(),
        kind: MessageKind::Operator,
    }
}

/// Overwrites the root page of each named table or index with junk, leaving the file header
/// and the schema page intact (so the file still opens and the damage is found by the check).
fn damage(path: &Path, names: &[&str]) -> anyhow::Result<()> {
    let (page_size, roots) = {
        let c = cache::Cache::open(path)?;
        let w = c.writer();
        w.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
        let page_size: i64 = w.query_row("PRAGMA page_size", [], |r| r.get(0))?;
        let mut roots = Vec::new();
        for name in names {
            let root: i64 = w.query_row(
                "SELECT rootpage FROM sqlite_master WHERE name = ?1",
                [name],
                |r| r.get(0),
            )?;
            roots.push(root);
        }
        (page_size, roots)
    };
    let mut bytes = std::fs::read(path)?;
    for root in roots {
        anyhow::ensure!(root > 1, "never the schema page");
        let start = ((root - 1) * page_size) as usize;
        for b in &mut bytes[start..start + page_size as usize] {
            *b = 0xA5;
        }
    }
    std::fs::write(path, bytes)?;
    Ok(())
}

fn cache_path(server: &Server, data: &Path, operator: Id) -> PathBuf {
    cache::account_dir(data, &server.url, operator).join(cache::CACHE_FILE)
}

fn notices(events: &Recorder) -> Vec<Notice> {
    events
        .notices
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queued_items_survive_a_damaged_cache_and_are_sent_once_in_order() -> anyhow::Result<()> {
    let server = Server::demo()?;
    let data = tempfile::tempdir()?;
    let session = login(&server, DEMO_ADMIN).await?;
    let (desk, _events) = start_desk(&server, DEMO_ADMIN, data.path()).await?;
    wait_online(&desk, 120).await;
    let id = my_conversation(&server, &desk, &session.token, "salvage-1").await?;
    let delivered = desk
        .send(id, "salvage: delivered before".into(), false)
        .await?;
    wait_for(20, "the first send to be acknowledged", async || {
        (outbox_len(&desk) == 0).then_some(())
    })
    .await;
    desk.shutdown().await;

    // Queued while the app was away: one the server already has (a crash between its
    // answer and deleting the item) and two it does not.
    let path = cache_path(&server, data.path(), session.me.operator.id);
    {
        let c = cache::Cache::open(&path)?;
        let w = c.writer();
        outbox::push(
            &w,
            &delivered.key,
            id,
            &send("salvage: delivered before"),
            delivered.created_at,
        )?;
        outbox::push(&w, "salvage-two", id, &send("salvage: two"), 2)?;
        outbox::push(&w, "salvage-three", id, &send("salvage: three"), 3)?;
    }
    damage(&path, &["messages", "conversations"])?;

    let (desk, events) = start_desk(&server, DEMO_ADMIN, data.path()).await?;
    assert_eq!(
        notices(&events),
        vec![Notice::CacheRebuilt {
            message: "The local cache was damaged and has been rebuilt; 3 queued messages were \
                      kept."
                .into()
        }]
    );
    wait_for(60, "the kept items to be sent", async || {
        (outbox_len(&desk) == 0).then_some(())
    })
    .await;
    let detail = admin_api(&server, &session.token)?.conversation(id).await?;
    let sent: Vec<&str> = detail
        .messages
        .iter()
        .filter(|m| m.text.starts_with("salvage:"))
        .map(|m| m.text.as_str())
        .collect();
    assert_eq!(
        sent,
        vec![
            "salvage: delivered before",
            "salvage: two",
            "salvage: three"
        ],
        "each once, in order"
    );
    wait_for(60, "the rebuilt cache to show them", async || {
        let view = desk.open(id).await.ok()?;
        (view
            .messages
            .iter()
            .filter(|m| m.text.starts_with("salvage:") && m.outbox.is_none())
            .count()
            == 3)
            .then_some(())
    })
    .await;
    desk.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreadable_outbox_is_reported_with_its_count() -> anyhow::Result<()> {
    let server = Server::demo()?;
    let data = tempfile::tempdir()?;
    let session = login(&server, DEMO_ADMIN).await?;
    let (desk, _events) = start_desk(&server, DEMO_ADMIN, data.path()).await?;
    wait_online(&desk, 120).await;
    let some = desk
        .list(&switchboard_core::ListQuery {
            tab: Some(switchboard_core::Tab::Unassigned),
            ..Default::default()
        })
        .await?
        .first()
        .map(|r| r.id)
        .expect("a conversation");
    desk.shutdown().await;

    let path = cache_path(&server, data.path(), session.me.operator.id);
    {
        let c = cache::Cache::open(&path)?;
        let w = c.writer();
        for n in 1..=3 {
            outbox::push(&w, &format!("lost-{n}"), some, &send("never sent"), n)?;
        }
    }
    // The outbox table's page is gone; its index still lists the three items.
    damage(&path, &["outbox"])?;

    let (desk, events) = start_desk(&server, DEMO_ADMIN, data.path()).await?;
    assert_eq!(
        notices(&events),
        vec![Notice::CacheRebuilt {
            message: "The local cache was damaged and has been rebuilt; 3 queued messages could \
                      not be recovered."
                .into()
        }]
    );
    wait_online(&desk, 120).await;
    assert_eq!(outbox_len(&desk), 0);
    let detail = admin_api(&server, &session.token)?
        .conversation(some)
        .await?;
    assert!(detail.messages.iter().all(|m| m.text != "never sent"));
    desk.shutdown().await;
    Ok(())
}
