//! `login_attempts`: failed sign-ins per key (the SHA-256 of email and address) in a sliding
//! window, shared by every server instance on the database.

use crate::storage::sql::{self, params, Backend, Conn};

/// Counts an attempt for `key` at `now`, unless the key already has `max` attempts in the
/// `window_ms` before it: then `Err(ms)`, how long until its oldest attempt leaves the
/// window. Attempts older than the window (of any key) are deleted on the way.
pub fn attempt(
    conn: &Conn<'_>,
    key: &[u8],
    now: i64,
    window_ms: i64,
    max: i64,
) -> sql::Result<Result<(), i64>> {
    if conn.backend() == Backend::Postgres {
        // Concurrent attempts on one key, on any instance, count one after the other (on
        // SQLite the one writer already does that).
        let lock = i64::from_le_bytes(
            key.get(..8)
                .and_then(|b| b.try_into().ok())
                .unwrap_or_default(),
        );
        conn.execute("SELECT pg_advisory_xact_lock(?1)", [lock])?;
    }
    let since = now - window_ms;
    conn.execute("DELETE FROM login_attempts WHERE at <= ?1", [since])?;
    let (count, oldest): (i64, Option<i64>) = conn.query_row(
        "SELECT COUNT(*), MIN(at) FROM login_attempts WHERE key = ?1",
        [key],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    if count >= max {
        return Ok(Err(oldest
            .map_or(window_ms, |o| o + window_ms - now)
            .max(0)));
    }
    conn.execute(
        "INSERT INTO login_attempts (key, at) VALUES (?1, ?2)",
        params![key, now],
    )?;
    Ok(Ok(()))
}

/// Forgets the key's attempts (a successful sign-in).
pub fn clear(conn: &Conn<'_>, key: &[u8]) -> sql::Result<()> {
    conn.execute("DELETE FROM login_attempts WHERE key = ?1", [key])?;
    Ok(())
}
