//! Message tags come back after a snapshot rebuild: a fresh cache (first run, rebuilt after
//! damage) and a `reset` both get the tags of messages tagged earlier.

mod common;

use common::*;
use switchboard_core::cache::{self, meta};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tags_survive_a_fresh_cache_and_a_reset() -> anyhow::Result<()> {
    let server = Server::demo()?;
    let data = tempfile::tempdir()?;
    let session = login(&server, DEMO_ADMIN).await?;
    let (desk, _events) = start_desk(&server, DEMO_ADMIN, data.path()).await?;
    wait_online(&desk, 120).await;
    let id = my_conversation(&server, &desk, &session.token, "tags-1").await?;
    let message_id = desk
        .open(id)
        .await?
        .messages
        .iter()
        .find_map(|m| m.id)
        .expect("a message");
    desk.tag_messages(vec![message_id], "Kept Tag".into())
        .await?;
    wait_for(20, "the tag to reach the server", async || {
        (outbox_len(&desk) == 0).then_some(())
    })
    .await;
    desk.shutdown().await;
    let tagged = async |desk: &switchboard_core::Desk| {
        desk.message_tags(id)
            .await
            .ok()
            .filter(|t| t.len() == 1 && t[0].message_id == message_id && t[0].tags == ["Kept Tag"])
            .map(|_| ())
    };

    // Another machine (a new data dir): the snapshot brings the conversation, the tags follow.
    let other = tempfile::tempdir()?;
    let (desk, _events) = start_desk(&server, DEMO_ADMIN, other.path()).await?;
    wait_online(&desk, 120).await;
    wait_for(30, "the tags in a fresh cache", async || {
        tagged(&desk).await
    })
    .await;
    desk.shutdown().await;

    // A reset (the server no longer knows our position) rebuilds from a snapshot.
    let path = cache::account_dir(other.path(), &server.url, session.me.operator.id)
        .join(cache::CACHE_FILE);
    {
        let c = cache::Cache::open(&path)?;
        let w = c.writer();
        meta::set_i64(&w, meta::LAST_SEQ, 1_000_000_000)?;
        w.execute("DELETE FROM message_tags", [])?;
    }
    let (desk, _events) = start_desk(&server, DEMO_ADMIN, other.path()).await?;
    wait_online(&desk, 120).await;
    wait_for(30, "the tags after the reset", async || tagged(&desk).await).await;
    desk.shutdown().await;
    Ok(())
}
