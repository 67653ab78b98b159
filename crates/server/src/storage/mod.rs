//! All SQL of the server: the SQLite connections (one writer, a few readers), embedded
//! migrations, and one query module per entity. Nothing outside this module writes SQL, so a
//! PostgreSQL backend can replace it later.
//!
//! Writes run inside one IMMEDIATE transaction on the single writer connection; the change
//! records a write appends are published to the live feed *before* the writer lock is released,
//! so the feed carries them in `seq` order.

pub mod action_log;
pub mod attachments;
pub mod canned;
pub mod changes;
pub mod channel_cursors;
pub mod channels;
pub mod clients;
pub mod companies;
pub mod conversations;
pub mod deliveries;
pub mod email;
mod group_commit;
pub mod groups;
pub mod iframe;
pub mod inbound_refs;
pub mod ip_whitelist;
pub mod message_tags;
pub mod messages;
pub mod operators;
pub mod personal_data;
pub mod profile;
pub mod read_states;
pub mod retention;
pub mod roles;
pub mod search;
pub mod sql;
pub mod tokens;
pub mod webhooks;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::Duration;

use rusqlite::config::DbConfig;
use rusqlite::{Connection, OptionalExtension, TransactionBehavior};
use tokio::sync::broadcast;

use crate::error::{ApiError, ApiResult};
pub use changes::StoredChange;

/// Embedded migrations, applied in order; `PRAGMA user_version` counts the applied ones.
const MIGRATIONS: &[&str] = &[
    include_str!("../../migrations/0001_init.sql"),
    include_str!("../../migrations/0002_change_retention.sql"),
    include_str!("../../migrations/0003_canned.sql"),
    include_str!("../../migrations/0004_attachments.sql"),
    include_str!("../../migrations/0005_email.sql"),
    include_str!("../../migrations/0006_edit_ids.sql"),
    include_str!("../../migrations/0007_perf.sql"),
    include_str!("../../migrations/0008_search.sql"),
    include_str!("../../migrations/0009_drop_download_permission.sql"),
    include_str!("../../migrations/0010_action_log_details.sql"),
    include_str!("../../migrations/0011_session_expiry.sql"),
    include_str!("../../migrations/0012_delivery.sql"),
    include_str!("../../migrations/0013_delivery_error.sql"),
    include_str!("../../migrations/0014_channel_kinds.sql"),
    include_str!("../../migrations/0015_iframe.sql"),
    include_str!("../../migrations/0016_ip_whitelist.sql"),
    include_str!("../../migrations/0017_webhooks.sql"),
    include_str!("../../migrations/0018_channel_disabled.sql"),
    include_str!("../../migrations/0019_personal_data.sql"),
    include_str!("../../migrations/0020_channel_tags.sql"),
    include_str!("../../migrations/0021_role_permissions.sql"),
];

/// Readers kept open for reuse; more may be opened under load and are then dropped.
const MAX_IDLE_READERS: usize = 8;
/// Page cache of the writer connection.
const WRITER_CACHE_KIB: i64 = 32 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error("cannot create the folder {path} for the database: {source}")]
    CreateDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot open the database {path}: {source}")]
    Open {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error("cannot migrate the database: {0}")]
    Migrate(rusqlite::Error),
    #[error("the database was written by a newer switchboard-server (schema {found}, this one knows {known}); upgrade the server")]
    TooNew { found: i64, known: i64 },
}

/// Handle to the database; cheap to clone.
#[derive(Clone)]
pub struct Db {
    inner: Arc<Inner>,
}

struct Inner {
    /// `None` for an in-memory database: reads then go through the writer.
    path: Option<PathBuf>,
    writer: Mutex<Connection>,
    readers: Mutex<Vec<Connection>>,
    publisher: Option<broadcast::Sender<Arc<StoredChange>>>,
    /// The group-commit writer's queue, started on first use (`None`: it could not start).
    group: OnceLock<Option<group_commit::Queue>>,
}

impl Inner {
    /// Sends committed change records to the live feed; call while holding the writer lock.
    fn publish(&self, changes: Vec<StoredChange>) {
        let metrics = crate::metrics::get();
        for change in &changes {
            metrics.change(&change.change);
        }
        if let Some(publisher) = &self.publisher {
            for change in changes {
                // No subscriber is fine: nobody is connected.
                let _ = publisher.send(Arc::new(change));
            }
        }
    }
}

/// What a write closure gets: the open transaction and the change records it appended.
pub struct WriteCtx<'a> {
    pub tx: &'a rusqlite::Transaction<'a>,
    changes: Vec<StoredChange>,
}

impl WriteCtx<'_> {
    pub(crate) fn push_change(&mut self, change: StoredChange) {
        self.changes.push(change);
    }
}

impl Db {
    /// Opens (creating if needed) the database file and applies the migrations.
    pub fn open(path: &Path) -> Result<Self, StorageError> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|source| StorageError::CreateDir {
                path: parent.to_path_buf(),
                source,
            })?;
        }
        let conn = open_conn(path).map_err(|source| StorageError::Open {
            path: path.to_path_buf(),
            source,
        })?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(StorageError::Migrate)?;
        tune_writer(&conn).map_err(StorageError::Migrate)?;
        migrate(&conn)?;
        Ok(Self::from_writer(conn, Some(path.to_path_buf())))
    }

    /// A private in-memory database (unit tests).
    pub fn open_in_memory() -> Result<Self, StorageError> {
        let conn = Connection::open_in_memory().map_err(|source| StorageError::Open {
            path: PathBuf::from(":memory:"),
            source,
        })?;
        conn.pragma_update(None, "foreign_keys", true)
            .map_err(StorageError::Migrate)?;
        migrate(&conn)?;
        Ok(Self::from_writer(conn, None))
    }

    fn from_writer(conn: Connection, path: Option<PathBuf>) -> Self {
        Self {
            inner: Arc::new(Inner {
                path,
                writer: Mutex::new(conn),
                readers: Mutex::new(Vec::new()),
                publisher: None,
                group: OnceLock::new(),
            }),
        }
    }

    /// Sends every committed change record to `publisher` (the live feed of the events socket).
    /// Call once, before the handle is cloned.
    pub fn with_publisher(self, publisher: broadcast::Sender<Arc<StoredChange>>) -> Self {
        match Arc::try_unwrap(self.inner) {
            Ok(mut inner) => {
                inner.publisher = Some(publisher);
                Self {
                    inner: Arc::new(inner),
                }
            }
            // Already shared: keep it unpublished rather than panic.
            Err(inner) => Self { inner },
        }
    }

    /// Runs `f` in one write transaction (blocking). An `Err` rolls everything back.
    pub fn write_blocking<T>(
        &self,
        f: impl FnOnce(&mut WriteCtx<'_>) -> ApiResult<T>,
    ) -> ApiResult<T> {
        let mut conn = self
            .inner
            .writer
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let (out, changes) = {
            let mut ctx = WriteCtx {
                tx: &tx,
                changes: Vec::new(),
            };
            let out = f(&mut ctx)?;
            (out, ctx.changes)
        };
        tx.commit()?;
        self.inner.publish(changes);
        Ok(out)
    }

    /// Runs `f` on a reader connection (blocking), inside one read transaction so that
    /// everything it reads is one consistent snapshot.
    pub fn read_blocking<T>(&self, f: impl FnOnce(&Connection) -> ApiResult<T>) -> ApiResult<T> {
        let Some(path) = &self.inner.path else {
            let conn = self
                .inner
                .writer
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            return f(&conn);
        };
        let pooled = self
            .inner
            .readers
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop();
        let conn = match pooled {
            Some(c) => c,
            None => {
                let c = open_conn(path)?;
                c.pragma_update(None, "query_only", true)?;
                c
            }
        };
        let result = {
            let tx = conn.unchecked_transaction()?;
            let out = f(&tx);
            // A read transaction has nothing to commit; ending it releases the WAL snapshot.
            tx.finish()?;
            out
        };
        let mut readers = self
            .inner
            .readers
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if readers.len() < MAX_IDLE_READERS {
            readers.push(conn);
        }
        result
    }

    /// Reader connections idle in the pool (the metrics' view of it).
    pub fn idle_readers(&self) -> usize {
        self.inner
            .readers
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    /// [`Self::write_blocking`] on the blocking thread pool.
    pub async fn write<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut WriteCtx<'_>) -> ApiResult<T> + Send + 'static,
    ) -> ApiResult<T> {
        let db = self.clone();
        tokio::task::spawn_blocking(move || db.write_blocking(f)).await?
    }

    /// [`Self::read_blocking`] on the blocking thread pool.
    pub async fn read<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> ApiResult<T> + Send + 'static,
    ) -> ApiResult<T> {
        let db = self.clone();
        tokio::task::spawn_blocking(move || db.read_blocking(f)).await?
    }
}

fn open_conn(path: &Path) -> rusqlite::Result<Connection> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(Duration::from_secs(10))?;
    conn.pragma_update(None, "foreign_keys", true)?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    // Hot write paths reuse their prepared statements (the default cache holds 16).
    conn.set_prepared_statement_cache_capacity(128);
    // Plans that do not depend on the values bound. Without this SQLite marks a statement
    // whose planner peeked at a bound value (`x = ?` left as a filter, `LIMIT ?`) to be
    // prepared again whenever its bindings are cleared, which the statement cache does on
    // every return: the cached inbound lookups were parsed and planned anew for every message.
    conn.set_db_config(DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG, true)?;
    Ok(conn)
}

/// Settings of the one writer connection, which every write goes through.
fn tune_writer(conn: &Connection) -> rusqlite::Result<()> {
    // Group commit runs each write in its own savepoint, and SQLite copies every page a
    // savepoint changes into a sub-journal first; on disk (the default beyond 64 KiB) that was
    // a temp file created, written page by page and deleted for every batch, most of the
    // writer's system time under load. In memory it is a copy.
    conn.pragma_update(None, "temp_store", "MEMORY")?;
    // The pages a stream of inbound messages keeps touching (right edges of messages, changes
    // and FTS segments, the conversation indexes) stay cached between batches instead of
    // being read back from the OS (the default cache is 2 MiB). Negative: KiB.
    conn.pragma_update(None, "cache_size", -WRITER_CACHE_KIB)?;
    Ok(())
}

fn migrate(conn: &Connection) -> Result<(), StorageError> {
    let version: i64 = conn
        .query_row("PRAGMA user_version", [], |r| r.get(0))
        .map_err(StorageError::Migrate)?;
    let known = MIGRATIONS.len() as i64;
    if version > known {
        return Err(StorageError::TooNew {
            found: version,
            known,
        });
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(version as usize) {
        let batch = format!(
            "BEGIN IMMEDIATE; {sql}\n; PRAGMA user_version = {}; COMMIT;",
            i + 1
        );
        if let Err(e) = conn.execute_batch(&batch) {
            let _ = conn.execute_batch("ROLLBACK");
            return Err(StorageError::Migrate(e));
        }
    }
    Ok(())
}

/// Maps a text column that must hold one of a fixed set of values.
pub(crate) fn parse_enum<T>(
    idx: usize,
    value: String,
    parse: impl Fn(&str) -> Option<T>,
) -> rusqlite::Result<T> {
    parse(&value).ok_or_else(|| {
        rusqlite::Error::FromSqlConversionFailure(
            idx,
            rusqlite::types::Type::Text,
            format!("unexpected value {value:?}").into(),
        )
    })
}

/// `query_row` that maps "no row" to `None`.
pub(crate) fn optional<T>(r: rusqlite::Result<T>) -> rusqlite::Result<Option<T>> {
    r.optional()
}

/// Comma-separated ids for an `IN (…)` list; ids are integers so this cannot inject SQL.
pub(crate) fn id_list(ids: &[i64]) -> String {
    ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
}

impl From<StorageError> for ApiError {
    fn from(e: StorageError) -> Self {
        ApiError::Internal(e.to_string())
    }
}
