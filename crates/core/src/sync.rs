//! The sync task: keeps the cache in step with the server. On every (re)connect it fetches the
//! directory, takes a snapshot if the cache has none (first run, or after `reset`), pulls
//! `/sync` from the last applied `seq` until caught up, then follows the events WebSocket,
//! applying live records as they come. Push makes it fast; the pull on every reconnect and
//! on `resync` makes it correct. A dropped connection retries with backoff (0.5 s → 10 s).

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use futures_util::FutureExt;
use switchboard_protocol::{Change, ChangeRecord, EventFrame, Id, Millis};
use tokio::sync::watch;

use crate::api::Incoming;
use crate::cache::{apply, canned, conversations, messages, meta, profile};
use crate::error::{CoreError, ErrorKind, Result};
use crate::shared::Shared;
use crate::time::{now_millis, Backoff};
use crate::view::ConnState;

/// Conversations per snapshot page (each comes with all its messages). Large pages mean few
/// transactions and round trips; the first still arrives quickly.
pub const SNAPSHOT_LIMIT: u32 = 2000;
/// The first page is smaller so the newest conversations show up at once.
const SNAPSHOT_FIRST_LIMIT: u32 = 200;
/// Change records per `/sync` page.
pub const SYNC_LIMIT: u32 = 1000;
/// Messages per history page when backfilling a conversation.
pub const BACKFILL_LIMIT: u32 = 200;
/// A history longer than this many pages is not fetched further on upsert.
const BACKFILL_MAX_PAGES: usize = 50;
/// Live frames applied in one transaction when they arrive in a burst.
const EVENT_BATCH: usize = 500;
/// Silence on the socket after which a ping is sent; a second silence drops the connection.
const IDLE: Duration = Duration::from_secs(30);

pub(crate) async fn run(shared: Arc<Shared>, mut shutdown: watch::Receiver<bool>) {
    let mut backoff = Backoff::new(Duration::from_millis(500), Duration::from_secs(10));
    let mut offline_since: Option<Millis> = None;
    loop {
        if *shutdown.borrow() || shared.signed_out.load(Ordering::SeqCst) {
            return;
        }
        let result = tokio::select! {
            r = session(&shared, &mut backoff, &mut offline_since) => r,
            _ = shutdown.changed() => return,
        };
        let Err(e) = result;
        if e.ends_session() {
            shared.session_ended(&e.session_end_reason());
            return;
        }
        let since = *offline_since.get_or_insert_with(now_millis);
        tracing::info!(error = %e, "sync interrupted; retrying");
        shared.set_state(ConnState::Offline {
            since,
            reason: e.to_string(),
        });
        let delay = backoff.next_delay();
        tokio::select! {
            _ = tokio::time::sleep(delay) => {}
            _ = shutdown.changed() => return,
        }
    }
}

/// One connection's life: catch up, then follow live events until something fails.
async fn session(
    shared: &Arc<Shared>,
    backoff: &mut Backoff,
    offline_since: &mut Option<Millis>,
) -> Result<std::convert::Infallible> {
    // Who we are may have changed while the app was closed or offline (the desk starts with
    // the `me` remembered at sign-in): asked on every connect.
    if shared.refresh_me().await? {
        shared
            .write(|c| meta::begin_snapshot(c).map(|_| ()))
            .await?;
    }
    let dir = shared.api.directory().await?;
    shared
        .write(move |c| apply::apply_directory(c, &dir))
        .await?;
    shared.events.conversations_changed(&[]);
    // Like the directory: the whole list on every connect (snapshots do not carry it), then
    // change records keep it current.
    let list = shared.api.canned_responses().await?;
    shared.write(move |c| canned::replace(c, &list)).await?;
    let tags = shared.api.tags().await?;
    shared
        .write(move |c| profile::replace_tags(c, &tags))
        .await?;

    tracing::debug!("directory, canned responses and tags fetched");
    catch_up(shared).await?;
    tracing::debug!("caught up");

    let after = shared.write(|c| meta::last_seq(c)).await?;
    let mut ws = shared.api.events(after).await?;
    *offline_since = None;
    backoff.reset();
    shared.set_state(ConnState::Online);
    shared.outbox_wake.notify_one();

    // History lost to an earlier disconnect, fetched now that we are connected.
    let behind = shared
        .write(|c| conversations::all_needing_backfill(c, 200))
        .await?;
    backfill(shared, &behind).await?;

    let mut awaiting_pong = false;
    loop {
        let incoming = match tokio::time::timeout(IDLE, ws.next()).await {
            Err(_) if awaiting_pong => {
                return Err(CoreError::Offline {
                    url: shared.api.server_url().to_owned(),
                    detail: "the events connection stopped answering".into(),
                })
            }
            Err(_) => {
                ws.ping().await?;
                awaiting_pong = true;
                continue;
            }
            Ok(r) => r?,
        };
        awaiting_pong = false;
        let frame = match incoming {
            Incoming::Idle => continue,
            Incoming::Frame(f) => f,
        };
        match frame {
            EventFrame::Hello { seq } => tracing::debug!(seq, "events connected"),
            EventFrame::Typing(t) => shared.events.client_typing(&t),
            EventFrame::Resync => {
                tracing::info!("server asked for a resync");
                catch_up(shared).await?;
                shared.set_state(ConnState::Online);
            }
            EventFrame::Change(first) => {
                let mut batch = vec![*first];
                // Drain whatever else is already here (a replay burst) into one transaction.
                let mut resync = false;
                while batch.len() < EVENT_BATCH {
                    match ws.next().now_or_never() {
                        Some(Ok(Incoming::Frame(EventFrame::Change(r)))) => batch.push(*r),
                        Some(Ok(Incoming::Frame(EventFrame::Resync))) => {
                            resync = true;
                            break;
                        }
                        Some(Ok(Incoming::Frame(EventFrame::Typing(t)))) => {
                            shared.events.client_typing(&t);
                        }
                        Some(Ok(_)) => {}
                        Some(Err(e)) => {
                            apply_live(shared, batch).await?;
                            return Err(e);
                        }
                        None => break,
                    }
                }
                apply_live(shared, batch).await?;
                if resync {
                    catch_up(shared).await?;
                    shared.set_state(ConnState::Online);
                }
            }
        }
    }
}

/// Brings the cache up to the server's present: snapshot when needed, then `/sync` until
/// caught up (again from a snapshot if the server answers `reset`).
async fn catch_up(shared: &Arc<Shared>) -> Result<()> {
    let mut fresh_snapshot = false;
    loop {
        let done = shared.write(|c| meta::snapshot_done(c)).await?;
        if !done {
            snapshot(shared).await?;
            fresh_snapshot = true;
        }
        crate::message_tags::after_snapshot(shared).await?;
        match pull(shared).await? {
            Pulled::CaughtUp => return Ok(()),
            Pulled::Rebuild => {
                // Who we are changed what we may see: a fresh snapshot sweeps what we no
                // longer see and brings what we now do (the outbox stays).
                shared
                    .write(|c| meta::begin_snapshot(c).map(|_| ()))
                    .await?;
                continue;
            }
            Pulled::Reset => {}
        }
        if fresh_snapshot {
            // `reset` right after a snapshot: position 0 means the company had no changes
            // yet (after=0 always answers reset), so there is nothing to pull. Anything else
            // would loop snapshot after snapshot; back off instead.
            if shared.write(|c| meta::last_seq(c)).await? == 0 {
                return Ok(());
            }
            return Err(CoreError::Protocol(
                "the server asked for a rebuild right after one; will try again".into(),
            ));
        }
        tracing::warn!(
            "the server no longer has our position; rebuilding the cache from a snapshot"
        );
        shared
            .write(|c| meta::begin_snapshot(c).map(|_| ()))
            .await?;
    }
}

/// Pages the snapshot in, newest activity first so the list fills from the top (resuming one
/// that was interrupted). The outbox is never touched. Written with fewer checkpoints, and
/// checkpointed whole at the end (see `cache::snapshot_writes`).
async fn snapshot(shared: &Arc<Shared>) -> Result<()> {
    shared
        .write(|c| crate::cache::snapshot_writes(c, true))
        .await?;
    let result = snapshot_pages(shared).await;
    shared
        .write(|c| crate::cache::snapshot_writes(c, false))
        .await?;
    result
}

async fn snapshot_pages(shared: &Arc<Shared>) -> Result<()> {
    let (mut cursor, done) = shared
        .write(|c| {
            if meta::get_i64(c, meta::SNAPSHOT_SEQ)?.is_none() {
                meta::begin_snapshot(c)?;
            }
            Ok((
                meta::get_text(c, meta::SNAPSHOT_CURSOR)?,
                meta::get_i64(c, meta::SNAPSHOT_COUNT)?.unwrap_or(0),
            ))
        })
        .await?;
    shared.set_state(ConnState::Syncing { done, total: 0 });
    let first_limit = match cursor {
        None => SNAPSHOT_FIRST_LIMIT,
        Some(_) => SNAPSHOT_LIMIT,
    };
    let mut page = shared
        .api
        .snapshot_recent(cursor.as_deref(), first_limit)
        .await?;
    loop {
        let next = page.next_cursor.clone();
        if next.is_some() && next == cursor {
            return Err(CoreError::Protocol(
                "the snapshot did not advance (the same cursor came back)".into(),
            ));
        }
        // Fetch the next page while this one is written: network and SQLite overlap.
        let apply = shared.write(move |c| apply::apply_snapshot_page(c, &page));
        let (progress, following) = match next.as_deref() {
            Some(n) => {
                let (applied, fetched) =
                    tokio::join!(apply, shared.api.snapshot_recent(Some(n), SNAPSHOT_LIMIT));
                (applied?, Some(fetched?))
            }
            None => (apply.await?, None),
        };
        tracing::debug!(
            done = progress.done,
            total = progress.total,
            "snapshot page applied"
        );
        // Snapshot pages touch many rows: tell the UI to reload rather than list ids.
        shared.events.conversations_changed(&[]);
        shared.set_state(ConnState::Syncing {
            done: progress.done,
            total: progress.total,
        });
        match following {
            _ if progress.finished => return Ok(()),
            Some(p) => {
                cursor = next;
                page = p;
            }
            None => {
                return Err(CoreError::Protocol(
                    "the snapshot ended without its last page".into(),
                ))
            }
        }
    }
}

/// How a pull ended.
enum Pulled {
    CaughtUp,
    /// The server no longer has our position.
    Reset,
    /// The operator's own record came with a change of what they may see.
    Rebuild,
}

/// Pulls `/sync` from the last applied seq until `has_more` is false, fetching each next page
/// while the current one is written.
async fn pull(shared: &Arc<Shared>) -> Result<Pulled> {
    let mut after = shared.write(|c| meta::last_seq(c)).await?;
    let mut received: i64 = 0;
    let mut page = shared.api.sync(after, SYNC_LIMIT).await?;
    loop {
        if page.reset {
            return Ok(Pulled::Reset);
        }
        let has_more = page.has_more;
        let next = page.next;
        if has_more && next <= after {
            return Err(CoreError::Protocol(
                "sync did not advance (next is not after the position asked for)".into(),
            ));
        }
        received += page.changes.len() as i64;
        let changes = page.changes;
        let about_me = names_me(shared, &changes);
        let apply = shared.write(move |c| apply::apply_changes(c, &changes, next));
        let (applied, following) = if has_more {
            let (applied, fetched) = tokio::join!(apply, shared.api.sync(next, SYNC_LIMIT));
            (applied?, Some(fetched?))
        } else {
            (apply.await?, None)
        };
        shared.changed(&applied);
        shared.notify_incoming(&applied).await;
        backfill(shared, &applied.backfill).await?;
        if about_me && shared.refresh_me().await? {
            return Ok(Pulled::Rebuild);
        }
        let Some(following) = following else {
            return Ok(Pulled::CaughtUp);
        };
        after = next;
        page = following;
        shared.set_state(ConnState::Syncing {
            done: received,
            total: 0,
        });
    }
}

/// Whether `changes` hold the signed-in operator's own record: the server sends it when their
/// role, groups or active flag changed, and `me` is then fetched again.
fn names_me(shared: &Shared, changes: &[ChangeRecord]) -> bool {
    let id = shared.me().operator.id;
    changes
        .iter()
        .any(|r| matches!(&r.change, Change::Operator(o) if o.id == id))
}

async fn apply_live(shared: &Arc<Shared>, batch: Vec<ChangeRecord>) -> Result<()> {
    let top = batch.iter().map(|r| r.seq).max().unwrap_or(0);
    let about_me = names_me(shared, &batch);
    let applied = shared
        .write(move |c| apply::apply_changes(c, &batch, top))
        .await?;
    shared.changed(&applied);
    shared.notify_incoming(&applied).await;
    if applied.outbox_acked {
        shared.outbox_wake.notify_one();
    }
    backfill(shared, &applied.backfill).await?;
    if about_me && shared.refresh_me().await? {
        tracing::info!("what this operator may see changed; rebuilding the cache");
        shared
            .write(|c| meta::begin_snapshot(c).map(|_| ()))
            .await?;
        catch_up(shared).await?;
        shared.set_state(ConnState::Online);
    }
    Ok(())
}

/// Fetches the history of conversations that arrived without it (newly visible to this
/// operator), newest page first, until it meets what the cache already has.
async fn backfill(shared: &Arc<Shared>, ids: &[Id]) -> Result<()> {
    for &id in ids {
        match backfill_one(shared, id).await {
            Ok(()) => shared.events.conversations_changed(&[id]),
            // Gone from view meanwhile: the stream's `remove` follows.
            Err(e) if matches!(e.kind(), ErrorKind::NotFound | ErrorKind::Forbidden) => {
                tracing::debug!(error = %e, id, "history not available")
            }
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

async fn backfill_one(shared: &Arc<Shared>, id: Id) -> Result<()> {
    let newest_cached = shared.write(move |c| messages::newest_id(c, id)).await?;
    let mut before = None;
    for _ in 0..BACKFILL_MAX_PAGES {
        let page = shared.api.messages(id, before, BACKFILL_LIMIT).await?;
        let oldest = page.messages.iter().map(|m| m.id).min();
        let reached = matches!((oldest, newest_cached), (Some(o), Some(n)) if o <= n);
        let msgs = page.messages;
        shared
            .write(move |c| apply::apply_messages(c, &msgs))
            .await?;
        match oldest {
            Some(o) if page.has_more && !reached && before.is_none_or(|b| o < b) => {
                before = Some(o)
            }
            _ => break,
        }
    }
    Ok(())
}
