//! The local SQLite cache of one (server, operator): where it lives, opening it (WAL, foreign
//! keys, migrations, damage check) and the two connections the rest of the core uses. The
//! entity modules below hold the queries; the cache is the UI's source of truth.

pub mod apply;
pub mod canned;
mod clean_close;
pub mod conversations;
pub mod directory;
pub mod edits;
pub mod fts_deferred;
pub mod list;
pub mod messages;
pub mod meta;
pub mod outbox;
pub mod profile;
pub mod read_states;
pub mod salvage;
mod schema;
pub mod search;

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use rusqlite::{Connection, ErrorCode};
use sha2::{Digest, Sha256};
use switchboard_protocol::Id;

use crate::error::{CoreError, Result};
use crate::time::now_millis;

pub const CACHE_FILE: &str = "cache.sqlite3";

/// The folder of one (server, operator) inside the app's data dir:
/// `accounts/<host>-<12 hex of sha256(url)>-op<id>`. The host keeps it readable for support;
/// the hash keeps two servers on one host (ports, paths) apart.
pub fn account_dir(data_dir: &Path, server_url: &str, operator_id: Id) -> PathBuf {
    let url = server_url.trim().trim_end_matches('/');
    let host = reqwest::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned))
        .unwrap_or_else(|| "server".to_owned());
    let host: String = host
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let digest = hex::encode(Sha256::digest(url.as_bytes()));
    data_dir
        .join("accounts")
        .join(format!("{host}-{}-op{operator_id}", &digest[..12]))
}

/// The open cache. Writes go through `writer`; UI reads use `reader` (a second connection on
/// the same WAL file, so a long sync transaction never blocks a list query). In-memory caches
/// have a single connection.
pub struct Cache {
    writer: Mutex<Connection>,
    reader: Option<Mutex<Connection>>,
    path: Option<PathBuf>,
    /// Set when a damaged file found at open was replaced by a fresh cache.
    rebuilt: Option<Rebuilt>,
    /// Whether this open ran the integrity check (see [`clean_close`]).
    checked: bool,
    /// Last, so it drops after the connections closed: stamps a cleanly closed file.
    clean: Option<clean_close::CleanClose>,
}

/// A damaged cache file replaced at open: where it went and what of its outbox was kept.
#[derive(Debug, Clone)]
pub struct Rebuilt {
    pub moved_to: PathBuf,
    pub outbox: salvage::Salvaged,
}

impl std::fmt::Debug for Cache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cache").field("path", &self.path).finish()
    }
}

/// A poisoned lock only means another thread panicked mid-query; SQLite rolled that
/// transaction back, so the connection is still usable.
fn lock(m: &Mutex<Connection>) -> MutexGuard<'_, Connection> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Cache {
    /// A throwaway cache for tests.
    pub fn open_in_memory() -> Result<Cache> {
        let conn = Connection::open_in_memory()?;
        configure(&conn, false)?;
        schema::migrate(&conn)?;
        Ok(Cache {
            writer: Mutex::new(conn),
            reader: None,
            path: None,
            rebuilt: None,
            checked: false,
            clean: None,
        })
    }

    /// Opens the cache file, creating it and its folder. Unless the file is as this app left it
    /// at a clean close ([`clean_close`]), `PRAGMA quick_check` reads it whole first. A damaged
    /// file (or one that is not a SQLite database, or was written by a newer app) is moved
    /// aside as
    /// `cache.sqlite3.corrupt-<ms>` and a fresh cache is created: everything in it but the
    /// outbox can be rebuilt from the server, and a broken file would otherwise lock the
    /// operator out. The readable outbox items of the damaged file are queued again in the
    /// fresh one ([`salvage`]).
    pub fn open(path: &Path) -> Result<Cache> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let trusted = clean_close::take(path);
        tracing::debug!(
            path = %path.display(),
            check = !trusted,
            "opening the cache (the integrity check is skipped after a clean close)"
        );
        match Self::open_checked(path, !trusted) {
            Ok(cache) => Ok(cache),
            Err(CoreError::CacheCorrupt(detail)) => {
                let aside = move_aside(path)?;
                tracing::warn!(
                    path = %path.display(),
                    moved_to = %aside.display(),
                    %detail,
                    "local cache was damaged; moved it aside and starting a fresh one"
                );
                let mut cache = Self::open_checked(path, true)?;
                let outbox = {
                    let w = cache.writer();
                    salvage::outbox_from(&aside, &w)
                };
                tracing::warn!(?outbox, "outbox items of the damaged cache");
                cache.rebuilt = Some(Rebuilt {
                    moved_to: aside,
                    outbox,
                });
                Ok(cache)
            }
            Err(e) => Err(e),
        }
    }

    fn open_checked(path: &Path, check: bool) -> Result<Cache> {
        let writer = Connection::open(path).map_err(corrupt_or)?;
        configure(&writer, true).map_err(corrupt_or)?;
        if check {
            let verdict: String = writer
                .query_row("PRAGMA quick_check", [], |r| r.get(0))
                .map_err(corrupt_or)?;
            if verdict != "ok" {
                return Err(CoreError::CacheCorrupt(verdict));
            }
        }
        // A trusted file is still read here (schema, version): damage there is found too.
        schema::migrate(&writer).map_err(|e| match e {
            CoreError::Cache(e) => corrupt_or(e),
            other => other,
        })?;
        let reader = Connection::open(path)?;
        configure(&reader, true)?;
        Ok(Cache {
            writer: Mutex::new(writer),
            reader: Some(Mutex::new(reader)),
            path: Some(path.to_owned()),
            rebuilt: None,
            checked: check,
            clean: Some(clean_close::CleanClose::new(path)),
        })
    }

    /// Whether this open ran the integrity check (it is skipped on a file this app closed
    /// cleanly and nothing wrote since).
    pub fn integrity_checked(&self) -> bool {
        self.checked
    }

    /// Notes the outcome of work on the cache: damage SQLite reports keeps the file from
    /// being trusted at the next open, which then checks it and rebuilds it.
    pub fn observe<T>(&self, result: &Result<T>) {
        if let (Some(clean), Err(e)) = (&self.clean, result) {
            clean.observe(e);
        }
    }

    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// Set when the file was damaged at open: where the damaged file was moved and what of
    /// its outbox was kept. The fresh cache fills from the server; the operator should be told.
    pub fn rebuilt(&self) -> Option<&Rebuilt> {
        self.rebuilt.as_ref()
    }

    /// The write connection. Hold it only for one short unit of work.
    pub fn writer(&self) -> MutexGuard<'_, Connection> {
        lock(&self.writer)
    }

    /// A connection for UI reads.
    pub fn reader(&self) -> MutexGuard<'_, Connection> {
        match &self.reader {
            Some(r) => lock(r),
            None => lock(&self.writer),
        }
    }
}

/// Page cache of the write connection while a snapshot is written, in KiB. SQLite's default
/// (2 MiB) makes a snapshot page's writes, spread over the messages table, its index and the
/// search index, read the same pages from the file again and again. Only then: kept all day,
/// the pages an integrity check or a big write read stay in the app's memory (+46 MB idle, the
/// bench's budget 7).
const SNAPSHOT_CACHE_KIB: i64 = 64 * 1024;
/// SQLite's default page cache (2,000 KiB), what the write connection has otherwise.
const CACHE_KIB: i64 = 2000;

/// WAL pages after which a commit copies them back into the file (and syncs it): SQLite's
/// default, and the threshold while a snapshot is written (~100 MB at 4 KiB pages), whose pages
/// rewrite the same b-tree and index pages again and again: each checkpoint copies a page
/// once however often it was written since the last.
const CHECKPOINT_PAGES: i64 = 1000;
const SNAPSHOT_CHECKPOINT_PAGES: i64 = 25_000;

/// Switches the write connection to and from snapshot writing (see
/// [`SNAPSHOT_CHECKPOINT_PAGES`] and [`SNAPSHOT_CACHE_KIB`]). Switching back checkpoints the
/// WAL whole and empties it, and gives the big page cache back.
pub fn snapshot_writes(conn: &Connection, on: bool) -> Result<()> {
    let (pages, cache_kib) = if on {
        (SNAPSHOT_CHECKPOINT_PAGES, SNAPSHOT_CACHE_KIB)
    } else {
        (CHECKPOINT_PAGES, CACHE_KIB)
    };
    conn.pragma_update(None, "wal_autocheckpoint", pages)?;
    conn.pragma_update(None, "cache_size", -cache_kib)?;
    if !on {
        // The checkpoint answers a row (busy, WAL pages, pages copied; busy only delays the
        // emptying) and `shrink_memory` none: a batch runs both either way (`query_row` failed
        // on the second, so every first sync ended in an error and a retry).
        conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE); PRAGMA shrink_memory;")?;
    }
    Ok(())
}

fn configure(conn: &Connection, file: bool) -> rusqlite::Result<()> {
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    // Sync and the list keep more than the default 16 statements warm.
    conn.set_prepared_statement_cache_capacity(64);
    if file {
        // journal_mode answers with a row, so it cannot go through execute().
        let _mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
        // NORMAL is durable across app crashes in WAL mode; only an OS crash may lose the
        // last commits, which sync fetches again.
        conn.pragma_update(None, "synchronous", "NORMAL")?;
    }
    conn.pragma_update(None, "foreign_keys", true)?;
    Ok(())
}

/// Turns SQLite's "this is not a (healthy) database" answers into `CacheCorrupt`.
fn corrupt_or(e: rusqlite::Error) -> CoreError {
    match &e {
        rusqlite::Error::SqliteFailure(f, _)
            if matches!(f.code, ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt) =>
        {
            CoreError::CacheCorrupt(e.to_string())
        }
        _ => CoreError::Cache(e),
    }
}

/// Renames the damaged file (and its WAL side files, which belong to it) out of the way.
fn move_aside(path: &Path) -> Result<PathBuf> {
    let stamp = now_millis();
    let mut aside = path.as_os_str().to_owned();
    aside.push(format!(".corrupt-{stamp}"));
    let aside = PathBuf::from(aside);
    std::fs::rename(path, &aside)?;
    for suffix in ["-wal", "-shm"] {
        let mut side = path.as_os_str().to_owned();
        side.push(suffix);
        let side = PathBuf::from(side);
        if side.exists() {
            let mut to = aside.as_os_str().to_owned();
            to.push(suffix);
            if let Err(e) = std::fs::rename(&side, PathBuf::from(to)) {
                tracing::warn!(error = %e, "could not move {} aside", side.display());
            }
        }
    }
    Ok(aside)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_dir_is_readable_and_distinct() {
        let d = Path::new("/data");
        let a = account_dir(d, "https://desk.example.com/", 7);
        let b = account_dir(d, "https://desk.example.com:8443", 7);
        let name = a.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        assert!(name.starts_with("desk.example.com-"), "{name}");
        assert!(name.ends_with("-op7"), "{name}");
        assert_eq!(name.len(), "desk.example.com-".len() + 12 + "-op7".len());
        assert_ne!(a, b);
        assert_eq!(a, account_dir(d, "https://desk.example.com", 7));
        assert!(a.starts_with("/data/accounts"));
    }

    #[test]
    fn snapshot_writes_turn_on_and_back_off() {
        let dir = tempfile::tempdir().expect("tempdir");
        let cache = Cache::open(&dir.path().join(CACHE_FILE)).expect("open");
        let conn = cache.writer();
        let cache_size = || -> i64 {
            conn.query_row("PRAGMA cache_size", [], |r| r.get(0))
                .expect("cache_size")
        };
        snapshot_writes(&conn, true).expect("on");
        assert_eq!(cache_size(), -SNAPSHOT_CACHE_KIB);
        snapshot_writes(&conn, false).expect("off");
        assert_eq!(cache_size(), -CACHE_KIB);
    }

    #[test]
    fn garbage_file_is_moved_aside_and_replaced() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("acc").join(CACHE_FILE);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(&path, vec![b'x'; 8192]).expect("write garbage");
        let cache = Cache::open(&path).expect("open rebuilds");
        let n: i64 = cache
            .reader()
            .query_row("SELECT count(*) FROM conversations", [], |r| r.get(0))
            .expect("query fresh cache");
        assert_eq!(n, 0);
        let moved: Vec<_> = std::fs::read_dir(path.parent().expect("parent"))
            .expect("list")
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with("cache.sqlite3.corrupt-"))
            .collect();
        assert_eq!(moved.len(), 1, "{moved:?}");
    }

    #[test]
    fn damaged_pages_are_detected() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join(CACHE_FILE);
        {
            let cache = Cache::open(&path).expect("create");
            let w = cache.writer();
            w.execute_batch(
                "CREATE TABLE filler(x TEXT); WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 2000) INSERT INTO filler SELECT hex(randomblob(100)) FROM n; PRAGMA wal_checkpoint(TRUNCATE);",
            )
            .expect("fill");
        }
        // Keep the header intact (so the file still looks like SQLite) but scribble over
        // the b-tree pages.
        let mut bytes = std::fs::read(&path).expect("read");
        assert!(bytes.len() > 40_000);
        for b in &mut bytes[8192..40_000] {
            *b = 0xA5;
        }
        std::fs::write(&path, bytes).expect("write");
        let cache = Cache::open(&path).expect("open rebuilds");
        let n: i64 = cache
            .reader()
            .query_row("SELECT count(*) FROM conversations", [], |r| r.get(0))
            .expect("fresh");
        assert_eq!(n, 0);
        let filler: rusqlite::Result<i64> =
            cache
                .reader()
                .query_row("SELECT count(*) FROM filler", [], |r| r.get(0));
        assert!(filler.is_err(), "the damaged file was replaced, not reused");
        let moved = std::fs::read_dir(dir.path())
            .expect("list")
            .filter_map(|e| e.ok())
            .filter(|e| {
                let name = e.file_name().to_string_lossy().into_owned();
                // Reading its outbox may leave the damaged file's WAL side files next to it.
                name.starts_with("cache.sqlite3.corrupt-")
                    && !name.ends_with("-wal")
                    && !name.ends_with("-shm")
            })
            .count();
        assert_eq!(moved, 1);
    }

    /// A cache with some pages: a filler table written and checkpointed into the file.
    fn filled(path: &Path) {
        let cache = Cache::open(path).expect("create");
        cache
            .writer()
            .execute_batch(
                "CREATE TABLE filler(x TEXT); WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM n WHERE i < 2000) INSERT INTO filler SELECT hex(randomblob(100)) FROM n;",
            )
            .expect("fill");
    }

    #[test]
    fn a_clean_close_skips_the_check_until_anything_writes_the_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join(CACHE_FILE);
        filled(&path);
        let cache = Cache::open(&path).expect("reopen");
        assert!(
            !cache.integrity_checked(),
            "closed cleanly, untouched since"
        );
        drop(cache);
        // The same bytes written again by another program: the check is back.
        let bytes = std::fs::read(&path).expect("read");
        std::fs::write(&path, bytes).expect("write");
        let cache = Cache::open(&path).expect("reopen");
        assert!(cache.integrity_checked(), "written since the clean close");
        drop(cache);
        assert!(!Cache::open(&path).expect("reopen").integrity_checked());
    }

    #[test]
    fn a_session_that_did_not_close_leaves_the_next_open_checking() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join(CACHE_FILE);
        filled(&path);
        let cache = Cache::open(&path).expect("open");
        meta::set_i64(&cache.writer(), meta::LAST_SEQ, 7).expect("write");
        // As if the app was killed: nothing closes, nothing is stamped.
        std::mem::forget(cache);
        let cache = Cache::open(&path).expect("reopen");
        assert!(cache.integrity_checked());
        assert_eq!(meta::last_seq(&cache.reader()).expect("seq"), 7);
    }

    #[test]
    fn damage_met_in_a_session_is_checked_and_rebuilt_at_the_next_open() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join(CACHE_FILE);
        filled(&path);
        // A disk flipping bits without a write: the file keeps the stamped time and size.
        let stamped = std::fs::metadata(&path).expect("meta");
        let mut bytes = std::fs::read(&path).expect("read");
        let len = bytes.len();
        for b in &mut bytes[len - 100_000..len - 8192] {
            *b = 0xA5;
        }
        std::fs::write(&path, bytes).expect("write");
        std::fs::OpenOptions::new()
            .write(true)
            .open(&path)
            .expect("open")
            .set_modified(stamped.modified().expect("mtime"))
            .expect("restore the time");
        let cache = Cache::open(&path).expect("open");
        assert!(!cache.integrity_checked(), "nothing says the file changed");
        let read: Result<i64> = cache
            .reader()
            .query_row("SELECT count(*) FROM filler", [], |r| r.get(0))
            .map_err(CoreError::from);
        assert!(read.is_err(), "the damaged page is met");
        cache.observe(&read);
        drop(cache);
        let cache = Cache::open(&path).expect("reopen");
        assert!(cache.integrity_checked());
        assert!(cache.rebuilt().is_some(), "the damaged file was replaced");
    }

    #[test]
    fn reopen_keeps_data() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join(CACHE_FILE);
        {
            let cache = Cache::open(&path).expect("create");
            meta::set_i64(&cache.writer(), meta::LAST_SEQ, 42).expect("set");
        }
        let cache = Cache::open(&path).expect("reopen");
        assert_eq!(
            meta::get_i64(&cache.reader(), meta::LAST_SEQ).expect("get"),
            Some(42)
        );
    }
}
