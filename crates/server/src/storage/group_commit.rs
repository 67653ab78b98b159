//! Group commit for the hot write paths (channel ingest, sends): one writer thread takes every
//! write queued while it was busy and runs them in ONE transaction, so a failing write must
//! not take the others down with it. A caller gets its answer only after the batch committed
//! (durability is that of a plain write), and the batch's change records are published in
//! `seq` order before the writer lock is released, exactly like [`Db::write_blocking`].
//!
//! A batch first runs its writes one after the other, without savepoints: nearly every write
//! succeeds, and a savepoint per write is not free (SQLite copies each page a savepoint
//! changes into a sub-journal, and FTS5 writes its pending terms out as a new index segment
//! at every savepoint: one tiny segment per message, merged again and again). If one write
//! fails or panics, the whole transaction is rolled back and the batch runs again with each
//! write inside its own savepoint, so the failing one rolls back alone while the others still
//! commit together. That is why a write here is `Fn`: it may run twice, and only the run that
//! commits counts. A failure costs at most one extra run of its batch.
//!
//! Batches form by themselves: while one commits, the next requests queue up, so under load
//! the per-transaction cost (locking, WAL frames, page writes) is shared by many writes and
//! with a single request in flight nothing waits.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::{Arc, Weak};

use tokio::sync::oneshot;

use super::sql::{self, Conn};
use super::{Db, Inner, StoredChange, WriteCtx, Writer};
use crate::error::{ApiError, ApiResult};

/// Writes in one transaction at most; a longer queue is split so no answer waits too long.
const MAX_BATCH: usize = 512;

/// The writer thread's queue.
pub(super) type Queue = Sender<Box<dyn Job>>;

/// One queued write with its reply, type-erased so writes of any result type share a batch.
pub(super) trait Job: Send {
    /// Runs the write on the batch's transaction; its change records if it succeeded. May run
    /// again after the batch was rolled back: the last run is the one that counts.
    fn run(&mut self, tx: &Conn<'_>) -> Option<Vec<StoredChange>>;
    /// Answers the caller once the batch's fate is known (`Err`: the commit failed).
    fn finish(self: Box<Self>, committed: Result<(), &ApiError>);
}

struct Typed<T, F> {
    work: F,
    result: Option<ApiResult<T>>,
    reply: oneshot::Sender<ApiResult<T>>,
}

impl<T, F> Job for Typed<T, F>
where
    T: Send,
    F: Fn(&mut WriteCtx<'_>) -> ApiResult<T> + Send,
{
    fn run(&mut self, tx: &Conn<'_>) -> Option<Vec<StoredChange>> {
        let mut ctx = WriteCtx {
            tx,
            changes: Vec::new(),
        };
        match (self.work)(&mut ctx) {
            Ok(v) => {
                self.result = Some(Ok(v));
                Some(ctx.changes)
            }
            Err(e) => {
                self.result = Some(Err(e));
                None
            }
        }
    }

    fn finish(self: Box<Self>, committed: Result<(), &ApiError>) {
        let reply = match (committed, self.result) {
            // Its own refusal (rolled back to its savepoint) stands whatever the batch did.
            (_, Some(Err(e))) => Err(e),
            (Ok(()), Some(Ok(v))) => Ok(v),
            (Err(e), _) => Err(ApiError::Internal(format!("the write was not saved: {e}"))),
            (Ok(()), None) => Err(ApiError::Internal("the write failed unexpectedly".into())),
        };
        // The caller may have gone away (request cancelled); the write stands either way.
        let _ = self.reply.send(reply);
    }
}

impl Db {
    /// [`Db::write`] through the group-commit writer: same transaction semantics for `f`
    /// (all or nothing, answered after commit), shared with whatever else is queued. `f` may
    /// run twice (see the module doc): it must do nothing but its writes on `ctx`.
    pub async fn write_grouped<T: Send + 'static>(
        &self,
        f: impl Fn(&mut WriteCtx<'_>) -> ApiResult<T> + Send + 'static,
    ) -> ApiResult<T> {
        let Some(queue) = self.inner.group.get_or_init(|| start(&self.inner)) else {
            // No thread could be started: write alone.
            return self.write(f).await;
        };
        let (reply, answer) = oneshot::channel();
        let job: Box<dyn Job> = Box::new(Typed {
            work: f,
            result: None,
            reply,
        });
        queue
            .send(job)
            .map_err(|_| ApiError::Internal("the database writer has stopped".into()))?;
        answer
            .await
            .map_err(|_| ApiError::Internal("the database writer has stopped".into()))?
    }
}

/// Starts the writer thread. It holds the database weakly and ends when the last handle
/// (which owns the queue's sender) is dropped.
fn start(inner: &Arc<Inner>) -> Option<Queue> {
    let (queue, jobs) = channel();
    let weak = Arc::downgrade(inner);
    match std::thread::Builder::new()
        .name("db-group-commit".into())
        .spawn(move || writer(weak, jobs))
    {
        Ok(_) => Some(queue),
        Err(e) => {
            tracing::warn!(error = %e, "cannot start the group-commit writer; writing one by one");
            None
        }
    }
}

fn writer(inner: Weak<Inner>, jobs: Receiver<Box<dyn Job>>) {
    while let Ok(first) = jobs.recv() {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match jobs.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        // Gone: dropping the jobs drops their replies, and the callers see the writer stopped.
        let Some(inner) = inner.upgrade() else { return };
        commit(&inner, batch);
    }
}

/// Runs one of the savepoint statements (prepared once: they run for every write).
fn savepoint(tx: &Conn<'_>, sql: &str) -> sql::Result<()> {
    tx.prepare_cached(sql)?.execute(())?;
    Ok(())
}

/// Runs `job`; a panicking write is a failed write, not a dead writer thread.
fn run(job: &mut Box<dyn Job>, tx: &Conn<'_>) -> Option<Vec<StoredChange>> {
    catch_unwind(AssertUnwindSafe(|| job.run(tx))).unwrap_or(None)
}

/// Every write of the batch in one transaction without savepoints. `Ok(None)`: a write
/// failed, and everything was rolled back.
fn all_at_once(
    writer: &mut Writer<'_>,
    batch: &mut [Box<dyn Job>],
) -> ApiResult<Option<Vec<StoredChange>>> {
    let open = writer.begin()?;
    let tx = open.conn();
    let mut changes = Vec::new();
    for job in batch.iter_mut() {
        match run(job, &tx) {
            Some(c) => changes.extend(c),
            // Dropping the transaction rolls it back.
            None => return Ok(None),
        }
    }
    open.commit()?;
    Ok(Some(changes))
}

/// Every write of the batch in one transaction, each in its own savepoint: the failing ones
/// roll back alone.
fn one_by_one(writer: &mut Writer<'_>, batch: &mut [Box<dyn Job>]) -> ApiResult<Vec<StoredChange>> {
    let open = writer.begin()?;
    let tx = open.conn();
    let mut changes = Vec::new();
    for job in batch.iter_mut() {
        savepoint(&tx, "SAVEPOINT grouped_write")?;
        match run(job, &tx) {
            Some(c) => {
                savepoint(&tx, "RELEASE grouped_write")?;
                changes.extend(c);
            }
            None => {
                savepoint(&tx, "ROLLBACK TO grouped_write")?;
                savepoint(&tx, "RELEASE grouped_write")?;
            }
        }
    }
    open.commit()?;
    Ok(changes)
}

fn commit(inner: &Inner, mut batch: Vec<Box<dyn Job>>) {
    let started = std::time::Instant::now();
    let outcome = inner.writer().and_then(|mut writer| {
        let outcome = match all_at_once(&mut writer, &mut batch) {
            Ok(Some(changes)) => Ok(changes),
            Ok(None) => one_by_one(&mut writer, &mut batch),
            Err(e) => Err(e),
        };
        // Published while the writer is held (SQLite: that keeps the records in seq order).
        outcome.map(|changes| inner.committed(changes))
    });
    tracing::debug!(
        writes = batch.len(),
        micros = started.elapsed().as_micros(),
        "group commit"
    );
    for job in batch {
        job.finish(outcome.as_ref().copied());
    }
}

#[cfg(test)]
mod tests {
    use futures_util::future::join_all;

    use super::*;

    /// Writes that fail or panic in a batch roll back alone: the others commit, each caller
    /// hears its own outcome, and a write that ran twice (once in the batch that was rolled
    /// back) is stored once.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_failing_write_does_not_spoil_its_batch() {
        let db = Db::open_in_memory().expect("db");
        let writes = (1..=200_i64).map(|id| {
            db.write_grouped(move |ctx| {
                ctx.tx.execute(
                    "INSERT INTO companies (id, name, created_at) VALUES (?1, 'c', 0)",
                    [id],
                )?;
                match id % 10 {
                    3 => Err(ApiError::bad_request("refused")),
                    7 => panic!("a write that panics"),
                    _ => Ok(id),
                }
            })
        });
        let answers = join_all(writes).await;
        for (id, answer) in (1..=200_i64).zip(&answers) {
            match id % 10 {
                3 => assert!(matches!(answer, Err(ApiError::BadRequest(_))), "{answer:?}"),
                7 => assert!(matches!(answer, Err(ApiError::Internal(_))), "{answer:?}"),
                _ => assert_eq!(answer.as_ref().ok(), Some(&id)),
            }
        }
        let stored: Vec<i64> = db
            .read_blocking(|conn| {
                let mut stmt = conn.prepare("SELECT id FROM companies ORDER BY id")?;
                let ids = stmt.query_map((), |r| r.get(0))?;
                Ok(ids.collect::<sql::Result<_>>()?)
            })
            .expect("read");
        let expected: Vec<i64> = (1..=200)
            .filter(|id| id % 10 != 3 && id % 10 != 7)
            .collect();
        assert_eq!(stored, expected);
    }
}
