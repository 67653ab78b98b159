//! Which opens need the integrity check. `PRAGMA quick_check` reads every page of the file:
//! 0.6–1.5 s at 1M cached messages, on every start. In WAL mode SQLite keeps the file
//! consistent through app and OS crashes, so damage comes from outside it (another program
//! writing the file, a failing disk) or shows up while the app works on it. So when the app
//! closes a cache whose session met no damage, the file is stamped: its modification time
//! is set to a moment no later write can produce (two seconds in the past), and a sidecar
//! `cache.sqlite3.clean` records that time with the file's size and inode. Opening consumes
//! the sidecar and skips the check only while the file still matches it and has no WAL
//! content: any write since (SQLite's, another program's) moves the time to "now" and brings
//! the check back, and so does a crash (no stamp), or damage met in the session (not stamped).
//!
//! What this gives up: a disk that silently flips bits of a cleanly closed file, without a
//! write, is no longer caught at open but when SQLite reads the damaged page; that session's
//! errors leave the file unstamped, so the next start checks it and rebuilds it.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rusqlite::ErrorCode;

use crate::error::CoreError;

/// The stamp's distance into the past: more than any file system's time granularity (FAT's is
/// two seconds), so no later write, made at "now", can carry the same time.
const STAMP_AGE: Duration = Duration::from_secs(2);

fn sidecar(path: &Path, suffix: &str) -> PathBuf {
    let mut p = path.as_os_str().to_owned();
    p.push(suffix);
    PathBuf::from(p)
}

/// What identifies the file as it was stamped.
fn fingerprint(path: &Path) -> std::io::Result<String> {
    let meta = std::fs::metadata(path)?;
    let since = meta
        .modified()?
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    #[cfg(unix)]
    let inode = std::os::unix::fs::MetadataExt::ino(&meta);
    #[cfg(not(unix))]
    let inode = 0u64;
    Ok(format!(
        "v1 {} {}.{:09} {inode}",
        meta.len(),
        since.as_secs(),
        since.subsec_nanos()
    ))
}

/// Whether the file at `path` is as this app left it at a clean close, so the integrity check
/// can be skipped. Removes the stamp: a session that does not end cleanly leaves none.
pub fn take(path: &Path) -> bool {
    let stamp = sidecar(path, ".clean");
    let Ok(recorded) = std::fs::read_to_string(&stamp) else {
        return false;
    };
    if let Err(e) = std::fs::remove_file(&stamp) {
        tracing::warn!(error = %e, "cannot remove the clean-close stamp; checking the cache");
        return false;
    }
    let wal_empty = std::fs::metadata(sidecar(path, "-wal")).map_or(true, |m| m.len() == 0);
    wal_empty && fingerprint(path).is_ok_and(|now| now == recorded.trim_end())
}

/// Stamps the closed file at `path` (see the module doc). Anything that fails leaves it
/// unstamped, which only means a check at the next open.
fn stamp(path: &Path) -> std::io::Result<()> {
    if sidecar(path, "-wal").exists() {
        // Another connection still has the file open, or the last close did not checkpoint.
        return Ok(());
    }
    let at = SystemTime::now()
        .checked_sub(STAMP_AGE)
        .unwrap_or(UNIX_EPOCH);
    std::fs::OpenOptions::new()
        .write(true)
        .open(path)?
        .set_modified(at)?;
    std::fs::write(sidecar(path, ".clean"), fingerprint(path)?)
}

/// Owned by a file-backed [`super::Cache`] as its last field, so it drops after both
/// connections closed: then it stamps the file, unless the session met damage.
#[derive(Debug)]
pub struct CleanClose {
    path: PathBuf,
    damage_seen: AtomicBool,
}

impl CleanClose {
    pub fn new(path: &Path) -> CleanClose {
        CleanClose {
            path: path.to_owned(),
            damage_seen: AtomicBool::new(false),
        }
    }

    /// Notes an error of work on the cache: SQLite's "damaged" answers keep the file from
    /// being stamped, so the next open checks it (and rebuilds it).
    pub fn observe(&self, e: &CoreError) {
        let damaged = match e {
            CoreError::CacheCorrupt(_) => true,
            CoreError::Cache(rusqlite::Error::SqliteFailure(f, _)) => {
                matches!(f.code, ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase)
            }
            _ => false,
        };
        if damaged && !self.damage_seen.swap(true, Ordering::SeqCst) {
            tracing::warn!(error = %e, "the local cache reported damage; it is checked at the next start");
        }
    }
}

impl Drop for CleanClose {
    fn drop(&mut self) {
        if self.damage_seen.load(Ordering::SeqCst) {
            return;
        }
        if let Err(e) = stamp(&self.path) {
            tracing::debug!(error = %e, "cache closed without a clean-close stamp");
        }
    }
}
