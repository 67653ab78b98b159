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
mod checkpoint;
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
pub mod login_attempts;
pub mod message_tags;
pub mod messages;
pub mod operators;
pub mod personal_data;
pub(crate) mod postgres;
pub mod profile;
pub mod read_states;
pub mod retention;
pub mod roles;
pub mod search;
pub mod sql;
pub mod tokens;
pub mod transfer;
pub mod webhooks;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::Duration;

use rusqlite::config::DbConfig;
use rusqlite::{Connection, TransactionBehavior};
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
    include_str!("../../migrations/0022_delivery_claims.sql"),
    include_str!("../../migrations/0023_login_attempts.sql"),
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
    #[error("the PostgreSQL address is not valid: {0}")]
    Url(String),
    #[error("cannot connect to PostgreSQL: {0}")]
    Connect(String),
    #[error("cannot migrate the PostgreSQL database: {0}")]
    MigratePg(String),
}

/// Where the data lives: `--db FILE` or `--db postgres://…`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    Sqlite(PathBuf),
    Postgres(String),
}

impl std::fmt::Display for Location {
    /// For logs: the file, or the server and database without the password.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Location::Sqlite(path) => write!(f, "{}", path.display()),
            Location::Postgres(url) => match postgres::config(url) {
                Ok(c) => {
                    let hosts: Vec<String> = c
                        .get_hosts()
                        .iter()
                        .map(|h| match h {
                            ::postgres::config::Host::Tcp(name) => name.clone(),
                            ::postgres::config::Host::Unix(path) => path.display().to_string(),
                        })
                        .collect();
                    write!(
                        f,
                        "postgres://{}/{}",
                        hosts.join(","),
                        c.get_dbname().unwrap_or_default()
                    )
                }
                Err(_) => f.write_str("postgres://…"),
            },
        }
    }
}

/// This instance does not hold its lock now, so it must not claim queued rows (`Db::claimant`).
#[derive(Debug, Clone, Copy)]
pub struct NotClaiming;

/// Handle to the database; cheap to clone.
#[derive(Clone)]
pub struct Db {
    inner: Arc<Inner>,
}

struct Inner {
    store: Store,
    publisher: Option<broadcast::Sender<Arc<StoredChange>>>,
    /// The group-commit writer's queue, started on first use (`None`: it could not start).
    group: OnceLock<Option<group_commit::Queue>>,
}

enum Store {
    Sqlite {
        /// `None` for an in-memory database: reads then go through the writer.
        path: Option<PathBuf>,
        writer: Mutex<Connection>,
        readers: Mutex<Vec<Connection>>,
    },
    Postgres {
        /// Taken only when the handle is dropped (see `Drop for Inner`).
        pool: Option<postgres::Pool>,
        connector: postgres::Connector,
        instance: Arc<postgres::Instance>,
    },
}

impl Drop for Inner {
    fn drop(&mut self) {
        // The `postgres` driver runs a small runtime per connection, which must not be dropped
        // on a thread that drives async tasks (a test's, a handler's): close them elsewhere.
        if let Store::Postgres { pool, .. } = &mut self.store {
            if let Some(pool) = pool.take() {
                let _ = std::thread::Builder::new()
                    .name("pg-pool-close".into())
                    .spawn(move || drop(pool));
            }
        }
    }
}

/// Runs `work` where the `postgres` driver may block: here, unless this thread drives async
/// tasks (a blocking call made from async code, as tests and the CLI's helpers do), in which
/// case on a thread of its own. SQLite blocks anywhere.
fn blocking<T: Send>(postgres: bool, work: impl FnOnce() -> T + Send) -> T {
    if !postgres || tokio::runtime::Handle::try_current().is_err() {
        return work();
    }
    std::thread::scope(|s| match s.spawn(work).join() {
        Ok(v) => v,
        Err(panic) => std::panic::resume_unwind(panic),
    })
}

fn the_pool(pool: Option<&postgres::Pool>) -> ApiResult<&postgres::Pool> {
    pool.ok_or_else(|| ApiError::Internal("the database is closing".into()))
}

/// A connection that writes: SQLite's one writer (held for the whole write), or one of the
/// pool's PostgreSQL connections.
enum Writer<'a> {
    Sqlite(std::sync::MutexGuard<'a, Connection>),
    Postgres(Box<r2d2::PooledConnection<postgres::Manager>>),
}

/// A write transaction on a [`Writer`].
enum WriteTx<'a> {
    Sqlite(rusqlite::Transaction<'a>),
    Postgres(sql::PgTx<'a>),
}

impl Writer<'_> {
    fn begin(&mut self) -> sql::Result<WriteTx<'_>> {
        Ok(match self {
            Writer::Sqlite(c) => {
                WriteTx::Sqlite(c.transaction_with_behavior(TransactionBehavior::Immediate)?)
            }
            Writer::Postgres(c) => {
                let tx = c.transaction()?;
                tx.conn()
                    .execute("SELECT pg_advisory_xact_lock(?1)", [postgres::WRITE_LOCK])?;
                WriteTx::Postgres(tx)
            }
        })
    }
}

impl WriteTx<'_> {
    fn conn(&self) -> sql::Conn<'_> {
        match self {
            WriteTx::Sqlite(tx) => sql::Conn::Sqlite(tx),
            WriteTx::Postgres(tx) => tx.conn(),
        }
    }

    fn commit(self) -> sql::Result<()> {
        match self {
            WriteTx::Sqlite(tx) => Ok(tx.commit()?),
            WriteTx::Postgres(tx) => tx.commit(),
        }
    }
}

impl Inner {
    fn writer(&self) -> ApiResult<Writer<'_>> {
        Ok(match &self.store {
            Store::Sqlite { writer, .. } => {
                Writer::Sqlite(writer.lock().unwrap_or_else(PoisonError::into_inner))
            }
            Store::Postgres { pool, .. } => Writer::Postgres(Box::new(
                the_pool(pool.as_ref())?.get().map_err(pool_error)?,
            )),
        })
    }

    /// Publishes what a committed write appended, where the writer is the publisher (SQLite:
    /// call it while holding the writer lock, which keeps the records in `seq` order); on
    /// PostgreSQL the feed reads the records back from the table in commit order.
    fn committed(&self, changes: Vec<StoredChange>) {
        if matches!(self.store, Store::Sqlite { .. }) {
            publish_to(self.publisher.as_ref(), changes);
        }
    }
}

/// Sends committed change records to the live feed (and counts them).
fn publish_to(
    publisher: Option<&broadcast::Sender<Arc<StoredChange>>>,
    changes: Vec<StoredChange>,
) {
    let metrics = crate::metrics::get();
    for change in &changes {
        metrics.change(&change.change);
    }
    if let Some(publisher) = publisher {
        for change in changes {
            // No subscriber is fine: nobody is connected.
            let _ = publisher.send(Arc::new(change));
        }
    }
}

fn pool_error(e: r2d2::Error) -> ApiError {
    ApiError::Internal(format!("no database connection: {e}"))
}

/// What a write closure gets: the open transaction and the change records it appended.
pub struct WriteCtx<'a> {
    pub tx: &'a sql::Conn<'a>,
    changes: Vec<StoredChange>,
}

impl WriteCtx<'_> {
    pub(crate) fn push_change(&mut self, change: StoredChange) {
        self.changes.push(change);
    }
}

impl Db {
    /// Opens the database at `location`, creating and migrating it as needed.
    pub fn open_at(location: &Location) -> Result<Self, StorageError> {
        match location {
            Location::Sqlite(path) => Self::open(path),
            Location::Postgres(url) => Self::connect(url),
        }
    }

    /// Connects to PostgreSQL and applies its migrations.
    pub fn connect(url: &str) -> Result<Self, StorageError> {
        let (pool, connector) = blocking(true, || postgres::open(url))?;
        Ok(Self::from_store(Store::Postgres {
            pool: Some(pool),
            connector,
            instance: Arc::new(postgres::Instance::new()),
        }))
    }

    /// Opens (creating if needed) the database file and applies the migrations.
    pub fn open(path: &Path) -> Result<Self, StorageError> {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|source| StorageError::CreateDir {
                path: parent.to_path_buf(),
                source,
            })?;
        }
        let mut conn = open_conn(path).map_err(|source| StorageError::Open {
            path: path.to_path_buf(),
            source,
        })?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(StorageError::Migrate)?;
        tune_writer(&conn).map_err(StorageError::Migrate)?;
        checkpoint::start(&mut conn, path).map_err(StorageError::Migrate)?;
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
        Self::from_store(Store::Sqlite {
            path,
            writer: Mutex::new(conn),
            readers: Mutex::new(Vec::new()),
        })
    }

    fn from_store(store: Store) -> Self {
        Self {
            inner: Arc::new(Inner {
                store,
                publisher: None,
                group: OnceLock::new(),
            }),
        }
    }

    /// Which SQL dialect the database speaks.
    pub fn backend(&self) -> sql::Backend {
        match self.inner.store {
            Store::Sqlite { .. } => sql::Backend::Sqlite,
            Store::Postgres { .. } => sql::Backend::Postgres,
        }
    }

    /// Whom the rows this server hands to channels belong to: `Ok(None)` on SQLite (one
    /// server), this instance's id on PostgreSQL, `Err` while this instance does not hold its
    /// lock (not yet, or its connection dropped): it must not claim rows then, since the
    /// others would take them for a dead instance's.
    pub fn claimant(&self) -> Result<Option<i64>, NotClaiming> {
        match &self.inner.store {
            Store::Sqlite { .. } => Ok(None),
            Store::Postgres { instance, .. } => {
                if instance.held.load(std::sync::atomic::Ordering::SeqCst) {
                    Ok(Some(i64::from(instance.id)))
                } else {
                    Err(NotClaiming)
                }
            }
        }
    }

    /// Sends every committed change record to `publisher` (the live feed of the events socket).
    /// Call once, before the handle is cloned. On PostgreSQL that includes the records other
    /// server instances commit.
    pub fn with_publisher(self, publisher: broadcast::Sender<Arc<StoredChange>>) -> Self {
        match Arc::try_unwrap(self.inner) {
            Ok(mut inner) => {
                if let Store::Postgres {
                    connector,
                    instance,
                    ..
                } = &inner.store
                {
                    let feed = publisher.clone();
                    postgres::start_feed(connector.clone(), instance.clone(), move |changes| {
                        publish_to(Some(&feed), changes);
                    });
                }
                inner.publisher = Some(publisher);
                Self {
                    inner: Arc::new(inner),
                }
            }
            // Already shared: keep it unpublished rather than panic.
            Err(inner) => Self { inner },
        }
    }

    fn on_postgres(&self) -> bool {
        matches!(self.inner.store, Store::Postgres { .. })
    }

    /// Runs `f` in one write transaction (blocking). An `Err` rolls everything back.
    pub fn write_blocking<T: Send>(
        &self,
        f: impl FnOnce(&mut WriteCtx<'_>) -> ApiResult<T> + Send,
    ) -> ApiResult<T> {
        blocking(self.on_postgres(), || self.write_here(f))
    }

    fn write_here<T>(&self, f: impl FnOnce(&mut WriteCtx<'_>) -> ApiResult<T>) -> ApiResult<T> {
        let mut writer = self.inner.writer()?;
        let tx = writer.begin()?;
        let (out, changes) = {
            let conn = tx.conn();
            let mut ctx = WriteCtx {
                tx: &conn,
                changes: Vec::new(),
            };
            let out = f(&mut ctx)?;
            (out, ctx.changes)
        };
        tx.commit()?;
        self.inner.committed(changes);
        Ok(out)
    }

    /// Runs `f` on a reader connection (blocking), inside one read transaction so that
    /// everything it reads is one consistent snapshot.
    pub fn read_blocking<T: Send>(
        &self,
        f: impl FnOnce(&sql::Conn<'_>) -> ApiResult<T> + Send,
    ) -> ApiResult<T> {
        blocking(self.on_postgres(), || self.read_here(f))
    }

    fn read_here<T>(&self, f: impl FnOnce(&sql::Conn<'_>) -> ApiResult<T>) -> ApiResult<T> {
        let (path, writer, readers) = match &self.inner.store {
            Store::Sqlite {
                path,
                writer,
                readers,
            } => (path, writer, readers),
            Store::Postgres { pool, .. } => {
                let mut client = the_pool(pool.as_ref())?.get().map_err(pool_error)?;
                let tx = client.read_transaction()?;
                let out = f(&tx.conn());
                // Nothing to keep: ending it ends the snapshot.
                tx.commit()?;
                return out;
            }
        };
        let Some(path) = path else {
            let conn = writer.lock().unwrap_or_else(PoisonError::into_inner);
            return f(&sql::Conn::Sqlite(&conn));
        };
        let pooled = readers.lock().unwrap_or_else(PoisonError::into_inner).pop();
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
            let out = f(&sql::Conn::Sqlite(&tx));
            // A read transaction has nothing to commit; ending it releases the WAL snapshot.
            tx.finish()?;
            out
        };
        let mut readers = readers.lock().unwrap_or_else(PoisonError::into_inner);
        if readers.len() < MAX_IDLE_READERS {
            readers.push(conn);
        }
        result
    }

    /// Reader connections idle in the pool (the metrics' view of it).
    pub fn idle_readers(&self) -> usize {
        match &self.inner.store {
            Store::Sqlite { readers, .. } => {
                readers.lock().unwrap_or_else(PoisonError::into_inner).len()
            }
            Store::Postgres { pool, .. } => pool
                .as_ref()
                .map_or(0, |p| p.state().idle_connections as usize),
        }
    }

    /// [`Self::write_blocking`] on the blocking thread pool.
    pub async fn write<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut WriteCtx<'_>) -> ApiResult<T> + Send + 'static,
    ) -> ApiResult<T> {
        let db = self.clone();
        tokio::task::spawn_blocking(move || db.write_here(f)).await?
    }

    /// [`Self::read_blocking`] on the blocking thread pool.
    pub async fn read<T: Send + 'static>(
        &self,
        f: impl FnOnce(&sql::Conn<'_>) -> ApiResult<T> + Send + 'static,
    ) -> ApiResult<T> {
        let db = self.clone();
        tokio::task::spawn_blocking(move || db.read_here(f)).await?
    }
}

fn open_conn(path: &Path) -> rusqlite::Result<Connection> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(Duration::from_secs(10))?;
    conn.pragma_update(None, "foreign_keys", true)?;
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    // Hot write paths reuse their prepared statements (the default cache holds 16).
    conn.set_prepared_statement_cache_capacity(sql::STATEMENT_CACHE);
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
) -> sql::Result<T> {
    parse(&value).ok_or_else(|| sql::Error::decode(idx, format!("unexpected value {value:?}")))
}

pub(crate) use sql::optional;

/// Comma-separated ids for an `IN (…)` list; ids are integers so this cannot inject SQL.
pub(crate) fn id_list(ids: &[i64]) -> String {
    ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
}

impl From<StorageError> for ApiError {
    fn from(e: StorageError) -> Self {
        ApiError::Internal(e.to_string())
    }
}
