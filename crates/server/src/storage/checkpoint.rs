//! WAL checkpoints mostly off the writer thread (SQLite only).
//!
//! SQLite's automatic checkpoint runs on the connection whose commit pushed the WAL past its
//! threshold, here the one writer that every write waits for: copying the log's pages back
//! into the database file and the `fsync`s of both files held up every queued write.
//!
//! Only a checkpoint that has copied the log to its end lets the next write start the log
//! again from the beginning, and a checkpoint running beside the writer never gets there: the
//! writer appends while it copies. So the work is split. Past [`THREAD_PAGES`] the writer
//! wakes a checkpoint thread with its own connection, which copies the log as it is and syncs
//! (the bulk of the pages, and the `fsync`s that have real data to flush). At its next commit
//! after that, the writer runs the checkpoint itself, as SQLite would have: what is left is
//! the frames of the commits since and syncs with little to flush, and the log restarts. The
//! same PASSIVE checkpoints with the same syncs as before, so durability is unchanged.
//!
//! Bound: past [`WRITER_PAGES`] (the thread fell behind: a slow disk, a starved core) the
//! writer waits for the thread's checkpoint to end and checkpoints itself at every commit, as
//! SQLite's automatic checkpoint does past its threshold, so the log cannot run away.

use std::ffi::c_int;
use std::path::Path;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::mpsc::{sync_channel, Receiver};
use std::sync::{Arc, Mutex, PoisonError};

use rusqlite::hooks::Wal;
use rusqlite::wal::CheckpointMode;
use rusqlite::{Connection, MAIN_DB};

/// Frames in the log that start a checkpoint (SQLite's own automatic threshold).
pub(super) const THREAD_PAGES: c_int = 1000;
/// Frames in the log past which the writer checkpoints at every commit (~16 MiB of 4 KiB
/// pages).
pub(super) const WRITER_PAGES: c_int = 4 * THREAD_PAGES;

/// What the writer's hook and the thread share.
#[derive(Default)]
struct Shared {
    /// [`IDLE`], [`COPYING`] or [`COPIED`].
    state: AtomicU8,
    /// Held while either checkpoints: the writer's waits for the thread's.
    running: Mutex<()>,
}

impl Shared {
    fn checkpoint(&self, run: impl FnOnce() -> rusqlite::Result<(c_int, c_int)>, by: &str) -> bool {
        let _running = self.running.lock().unwrap_or_else(PoisonError::into_inner);
        checkpointed(run(), by)
    }
}

/// Where the split checkpoint is: nothing asked.
const IDLE: u8 = 0;
/// The thread was woken and copies.
const COPYING: u8 = 1;
/// The thread copied: the writer finishes at its next commit.
const COPIED: u8 = 2;

/// Replaces the automatic checkpoint of `writer` (a WAL database at `path`) with the split
/// one. If the thread cannot start, SQLite's automatic checkpoint stays.
pub(super) fn start(writer: &mut Connection, path: &Path) -> rusqlite::Result<()> {
    let conn = super::open_conn(path)?;
    let shared = Arc::new(Shared::default());
    let (wake, woken) = sync_channel::<()>(1);
    let thread_shared = shared.clone();
    if let Err(e) = std::thread::Builder::new()
        .name("db-checkpoint".into())
        .spawn(move || run(&conn, &woken, &thread_shared))
    {
        tracing::warn!(error = %e, "cannot start the checkpoint thread; the writer checkpoints");
        return Ok(());
    }
    // The hook owns `wake`: the thread ends when the writer connection closes.
    writer.wal_hook(Some(move |wal: &mut Wal, pages: c_int| {
        if pages < THREAD_PAGES {
            return Ok(());
        }
        let state = &shared.state;
        let copied = state
            .compare_exchange(COPIED, IDLE, Ordering::AcqRel, Ordering::Acquire)
            .is_ok();
        if copied || pages >= WRITER_PAGES {
            shared.checkpoint(|| wal.checkpoint_v2(CheckpointMode::PASSIVE), "writer");
        } else if state
            .compare_exchange(IDLE, COPYING, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
            && wake.try_send(()).is_err()
        {
            // Cannot happen while the thread runs (one wake-up per IDLE → COPYING); if it
            // has gone, the writer checkpoints past the bound.
            state.store(IDLE, Ordering::Release);
        }
        // The commit stands whatever the checkpoint did: an error returned here would fail
        // the statement that committed.
        Ok(())
    }))
}

fn run(conn: &Connection, woken: &Receiver<()>, shared: &Shared) {
    while woken.recv().is_ok() {
        let ok = shared.checkpoint(
            || conn.wal_checkpoint_v2(Some(MAIN_DB), CheckpointMode::PASSIVE),
            "thread",
        );
        // Failed: the writer's next commit past the threshold asks again.
        let next = if ok { COPIED } else { IDLE };
        shared.state.store(next, Ordering::Release);
    }
}

/// Logs a checkpoint's outcome; whether it ran. One that could not run (`SQLITE_BUSY`: the
/// other checkpointer is at work) is asked for again at a later commit.
fn checkpointed(outcome: rusqlite::Result<(c_int, c_int)>, by: &str) -> bool {
    match outcome {
        Ok((log, copied)) => {
            tracing::debug!(by, log, copied, "checkpoint");
            true
        }
        Err(rusqlite::Error::SqliteFailure(e, _))
            if e.code == rusqlite::ErrorCode::DatabaseBusy =>
        {
            tracing::debug!(by, "checkpoint busy");
            false
        }
        Err(e) => {
            tracing::warn!(by, error = %e, "checkpoint failed");
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use futures_util::future::join_all;

    use super::*;
    use crate::storage::sql::params;
    use crate::storage::Db;

    /// Bytes of a log holding `frames` frames of 4 KiB pages (header + frame headers).
    fn log_bytes(frames: c_int) -> u64 {
        32 + u64::try_from(frames).expect("frames") * (4096 + 24)
    }

    /// A steady stream of group-committed writes, several times the bound in log frames: the
    /// log is copied back and starts again, so its file (which keeps the size of the longest
    /// log it held) stays within the bound, and every write is in the database after it is
    /// closed and opened again.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_log_restarts_under_a_stream_of_writes() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("server.db");
        let wal = dir.path().join("server.db-wal");
        let db = Db::open(&path).expect("open");
        let name = "n".repeat(3000);
        let (rounds, per_round) = (600_i64, 50_i64);
        for round in 0..rounds {
            let writes = (0..per_round).map(|i| {
                let name = name.clone();
                db.write_grouped(move |ctx| {
                    ctx.tx.execute(
                        "INSERT INTO companies (id, name, created_at) VALUES (?1, ?2, 0)",
                        params![round * per_round + i + 1, name],
                    )?;
                    Ok(())
                })
            });
            for answer in join_all(writes).await {
                answer.expect("write");
            }
        }
        let written = u64::try_from(rounds * per_round).expect("count") * 3000;
        let size = std::fs::metadata(&wal).expect("log").len();
        // The commits of one batch may come on top of the bound before the writer's checkpoint.
        let bound = log_bytes(WRITER_PAGES + 1000);
        assert!(written > 2 * bound, "the test writes more than the bound");
        assert!(size <= bound, "log of {size} B after {written} B written");
        drop(db);
        let conn = Connection::open(&path).expect("reopen");
        let count: i64 = conn
            .query_row(
                "SELECT COUNT(*) FROM companies WHERE length(name) = 3000",
                [],
                |r| r.get(0),
            )
            .expect("count");
        assert_eq!(count, rounds * per_round);
        let check: String = conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .expect("check");
        assert_eq!(check, "ok");
    }
}
