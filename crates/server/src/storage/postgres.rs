//! The PostgreSQL backend (issue 13): a pool of connections, the schema's migrations, and the
//! feed that carries change records committed by ANY server instance to this one's live feed.
//!
//! Why the feed reads the table instead of publishing what a write appended: the records of
//! every instance must reach every instance's apps, in `seq` order. So:
//! - every write transaction first takes the database's write lock ([`WRITE_LOCK`], held until
//!   commit), so records commit in `seq` order;
//! - a transaction that appends records sends a notification, which PostgreSQL delivers at
//!   commit to every listener;
//! - each instance's feed keeps the last `seq` it published and, woken by a notification,
//!   reads the records after it, in order.
//!
//! Nothing is lost when the listening connection drops: on reconnect the feed reads on from
//! its last `seq`.

use std::time::Duration;

use postgres::fallible_iterator::FallibleIterator;
use postgres::NoTls;

use super::sql::{self, PgClient};
use super::{changes, StorageError, StoredChange};

/// The schema, one file per version; `schema_version` records the applied ones.
const MIGRATIONS: &[&str] = &[
    include_str!("../../migrations/postgres/0001_init.sql"),
    include_str!("../../migrations/postgres/0002_delivery_claims.sql"),
    include_str!("../../migrations/postgres/0003_login_attempts.sql"),
];

/// The channel the change notifications use.
macro_rules! channel {
    () => {
        "switchboard_changes"
    };
}
/// Advisory lock key of the migrations (companies lock their own ids, which are positive).
const MIGRATION_LOCK: i64 = -1;
/// Connections per instance: the blocking pool's requests wait for one beyond this.
const POOL_SIZE: u32 = 16;
/// Records read per query by the feed.
const FEED_PAGE: i64 = 1000;
/// First half of the advisory lock key a running server instance holds (the second half is
/// its id); `pg_locks` lists it while the instance's connection lives.
pub(crate) const INSTANCE_CLASS: i32 = 0x5342_4931;

/// This server instance among the others on the same database: the delivery queue marks the
/// rows it hands to channels with `id`, and treats rows of an instance whose lock is gone
/// (it died) as orphans. `held`: the feed's connection holds the lock now.
#[derive(Debug)]
pub struct Instance {
    pub id: i32,
    pub held: std::sync::atomic::AtomicBool,
}

impl Instance {
    pub fn new() -> Self {
        Self {
            id: rand::Rng::gen_range(&mut rand::thread_rng(), 1..i32::MAX),
            held: std::sync::atomic::AtomicBool::new(false),
        }
    }
}

/// Opens connections for the pool.
pub struct Manager {
    connector: Connector,
}

impl r2d2::ManageConnection for Manager {
    type Connection = PgClient;
    type Error = postgres::Error;

    fn connect(&self) -> Result<PgClient, postgres::Error> {
        Ok(PgClient::new(self.connector.connect()?))
    }

    fn is_valid(&self, conn: &mut PgClient) -> Result<(), postgres::Error> {
        conn.client.simple_query("").map(|_| ())
    }

    fn has_broken(&self, conn: &mut PgClient) -> bool {
        conn.client.is_closed()
    }
}

pub type Pool = r2d2::Pool<Manager>;

/// PEM file of the certificate authorities that sign the PostgreSQL server's certificate,
/// besides the public ones (a managed database's own CA).
pub const CA_FILE_ENV: &str = "SWITCHBOARD_DB_CA_FILE";

/// How this instance opens connections: the settings of `--db` and, when the URL asks for
/// TLS (`sslmode=require`), the certificates that may sign the server's, read once at start.
/// Without `require` connections are plain (`disable`, and `prefer`, the default, which
/// would otherwise fail on a server with a certificate nobody here can check instead of
/// falling back).
#[derive(Clone)]
pub struct Connector {
    config: postgres::Config,
    tls: Option<tokio_postgres_rustls::MakeRustlsConnect>,
}

impl Connector {
    pub fn new(url: &str) -> Result<Self, StorageError> {
        let config = config(url)?;
        let tls = if config.get_ssl_mode() == postgres::config::SslMode::Require {
            let roots = tls_config()
                .map_err(|why| StorageError::Connect(format!("{CA_FILE_ENV}: {why}")))?;
            Some(tokio_postgres_rustls::MakeRustlsConnect::new(roots))
        } else {
            None
        };
        Ok(Self { config, tls })
    }

    pub fn connect(&self) -> Result<postgres::Client, postgres::Error> {
        match &self.tls {
            Some(tls) => self.config.connect(tls.clone()),
            None => self.config.connect(NoTls),
        }
    }
}

/// The public roots and [`CA_FILE_ENV`]'s.
fn tls_config() -> Result<tokio_rustls::rustls::ClientConfig, String> {
    use tokio_rustls::rustls::pki_types::pem::PemObject;
    use tokio_rustls::rustls::pki_types::CertificateDer;
    let mut roots = tokio_rustls::rustls::RootCertStore {
        roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
    };
    if let Some(file) = std::env::var_os(CA_FILE_ENV) {
        let certs = CertificateDer::pem_file_iter(&file)
            .map_err(|e| format!("{}: {e}", file.to_string_lossy()))?;
        for cert in certs {
            let cert = cert.map_err(|e| format!("{}: {e}", file.to_string_lossy()))?;
            roots
                .add(cert)
                .map_err(|e| format!("{}: {e}", file.to_string_lossy()))?;
        }
    }
    Ok(tokio_rustls::rustls::ClientConfig::builder()
        .with_root_certificates(roots)
        .with_no_client_auth())
}

/// The connection settings of `url` (`postgres://user:pass@host:port/db`), as the driver
/// reads them; the error says what is wrong without repeating the password.
pub fn config(url: &str) -> Result<postgres::Config, StorageError> {
    url.parse::<postgres::Config>()
        .map_err(|e| StorageError::Url(e.to_string()))
}

/// Connects the pool and brings the schema up to date.
pub fn open(url: &str) -> Result<(Pool, Connector), StorageError> {
    let connector = Connector::new(url)?;
    // One connection first: a wrong address, password or certificate is said at once and
    // whole (the pool would retry it for its timeout and keep only the last line).
    connector
        .connect()
        .map_err(|e| StorageError::Connect(sql::Error::from(e).to_string()))?;
    let pool = r2d2::Pool::builder()
        .max_size(POOL_SIZE)
        .min_idle(Some(1))
        // A broken connection shows in `has_broken` and in the statement that meets it; a
        // round trip to test every checkout would cost each request one more.
        .test_on_check_out(false)
        .connection_timeout(Duration::from_secs(10))
        .error_handler(Box::new(r2d2::LoggingErrorHandler))
        .build(Manager {
            connector: connector.clone(),
        })
        .map_err(|e| StorageError::Connect(e.to_string()))?;
    let mut conn = pool
        .get()
        .map_err(|e| StorageError::Connect(e.to_string()))?;
    migrate(&mut conn.client)?;
    Ok((pool, connector))
}

fn migrate(client: &mut postgres::Client) -> Result<(), StorageError> {
    let fail = |e: postgres::Error| StorageError::MigratePg(sql::Error::from(e).to_string());
    // Instances starting together migrate one after the other.
    client
        .execute("SELECT pg_advisory_lock($1)", &[&MIGRATION_LOCK])
        .map_err(fail)?;
    let result = (|| {
        let fresh = client
            .query_one("SELECT to_regclass('schema_version') IS NULL", &[])
            .map_err(fail)?
            .get::<_, bool>(0);
        if fresh {
            client
                .batch_execute(
                    "CREATE TABLE schema_version (version BIGINT NOT NULL);
                     INSERT INTO schema_version VALUES (0);",
                )
                .map_err(fail)?;
        }
        let version: i64 = client
            .query_one("SELECT version FROM schema_version", &[])
            .map_err(fail)?
            .get(0);
        let known = MIGRATIONS.len() as i64;
        if version > known {
            return Err(StorageError::TooNew {
                found: version,
                known,
            });
        }
        for (i, migration) in MIGRATIONS.iter().enumerate().skip(version as usize) {
            let mut tx = client.transaction().map_err(fail)?;
            tx.batch_execute(migration).map_err(fail)?;
            tx.execute("UPDATE schema_version SET version = $1", &[&(i as i64 + 1)])
                .map_err(fail)?;
            tx.commit().map_err(fail)?;
        }
        Ok(())
    })();
    let unlocked = client.execute("SELECT pg_advisory_unlock($1)", &[&MIGRATION_LOCK]);
    result?;
    unlocked.map_err(fail)?;
    Ok(())
}

/// The locking clause of a queue's claim: a row another instance is claiming right now is
/// skipped (PostgreSQL); nothing on SQLite, whose one writer claims alone.
pub(crate) fn skip_locked(conn: &sql::Conn<'_>) -> &'static str {
    match conn.backend() {
        sql::Backend::Sqlite => "",
        sql::Backend::Postgres => " FOR UPDATE SKIP LOCKED",
    }
}

/// SQL condition: the row of `table` is no live instance's (`claimed_by` names none, or an
/// instance whose lock no session holds any more: it died). Always true on SQLite, whose one
/// server claims nothing that outlives its own run.
pub(crate) fn unclaimed(conn: &sql::Conn<'_>, table: &str) -> String {
    match conn.backend() {
        sql::Backend::Sqlite => "TRUE".into(),
        sql::Backend::Postgres => format!(
            "({table}.claimed_by IS NULL OR NOT EXISTS (
                 SELECT 1 FROM pg_locks l WHERE l.locktype = 'advisory' AND l.granted
                   AND l.classid = {INSTANCE_CLASS} AND l.objsubid = 2
                   AND l.objid::bigint = {table}.claimed_by))"
        ),
    }
}

/// What a transaction that appends records runs once: the notification, which PostgreSQL
/// sends at commit to every instance's feed.
pub(super) const NOTIFY_CHANGES: &str = concat!("SELECT pg_notify('", channel!(), "', '')");

/// The database's write lock, which every write transaction of every instance takes first,
/// as SQLite's `BEGIN IMMEDIATE` takes its file's: writes commit one after the other, so
/// change records commit in `seq` order (a reader at `after=N` never skips one that commits
/// later with a smaller number), and two writers can never deadlock on each other's rows.
/// Reads, sockets, HTTP and password checks are what more instances spread.
pub(super) const WRITE_LOCK: i64 = -2;

/// Starts the feed thread for the life of the process; it reconnects (after a pause)
/// whenever its connection fails. Its connection also holds the instance's lock.
pub(super) fn start_feed(
    connector: Connector,
    instance: std::sync::Arc<Instance>,
    publish: impl Fn(Vec<StoredChange>) + Send + 'static,
) {
    let spawned = std::thread::Builder::new()
        .name("pg-change-feed".into())
        .spawn(move || {
            let mut last: Option<i64> = None;
            loop {
                if let Err(e) = listen(&connector, &instance, &mut last, &publish) {
                    tracing::warn!(error = %e, "the change feed lost PostgreSQL; reconnecting");
                }
                instance
                    .held
                    .store(false, std::sync::atomic::Ordering::SeqCst);
                std::thread::sleep(Duration::from_millis(500));
            }
        });
    if let Err(e) = spawned {
        tracing::error!(error = %e, "cannot start the PostgreSQL change feed");
    }
}

/// One connection's life: listen, catch up, then follow notifications until it fails.
fn listen(
    connector: &Connector,
    instance: &Instance,
    last: &mut Option<i64>,
    publish: &dyn Fn(Vec<StoredChange>),
) -> sql::Result<()> {
    let mut client = PgClient::new(connector.connect()?);
    let locked: bool = client
        .client
        .query_one(
            "SELECT pg_try_advisory_lock($1, $2)",
            &[&INSTANCE_CLASS, &instance.id],
        )?
        .get(0);
    if !locked {
        tracing::error!(
            id = instance.id,
            "another server instance holds this instance's id"
        );
        return Ok(());
    }
    instance
        .held
        .store(true, std::sync::atomic::Ordering::SeqCst);
    client
        .client
        .batch_execute(concat!("LISTEN ", channel!()))?;
    let last = match last {
        // Again: everything committed while we were away.
        Some(last) => last,
        // First connection: what exists now is history, not news.
        None => {
            let tx = client.transaction()?;
            let newest = changes::newest(&tx.conn())?;
            tx.commit()?;
            last.insert(newest)
        }
    };
    loop {
        catch_up(&mut client, last, publish)?;
        let woken = {
            let mut notes = client.client.notifications();
            let woken = notes.timeout_iter(Duration::from_secs(5)).next()?.is_some();
            // Whatever else arrived with it: one read covers them all.
            while notes.iter().next()?.is_some() {}
            woken
        };
        if !woken {
            // A quiet connection: check that it is alive.
            client.client.simple_query("")?;
        }
    }
}

/// Publishes the records after the last one published, oldest first.
fn catch_up(
    client: &mut PgClient,
    last: &mut i64,
    publish: &dyn Fn(Vec<StoredChange>),
) -> sql::Result<()> {
    loop {
        let tx = client.transaction()?;
        let page = changes::all_after(&tx.conn(), *last, FEED_PAGE)?;
        tx.commit()?;
        let Some(newest) = page.last().map(|c| c.seq) else {
            return Ok(());
        };
        let full = page.len() as i64 == FEED_PAGE;
        *last = newest;
        publish(page);
        if !full {
            return Ok(());
        }
    }
}
