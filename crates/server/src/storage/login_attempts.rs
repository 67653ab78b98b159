//! `login_attempts`: failed sign-ins per key (the SHA-256 of email and address) in a sliding
//! window, shared by every server instance on the database.

use crate::storage::sql::{self, params, Conn};

/// Counts an attempt for `key` at `now`, unless the key already has `max` attempts in the
/// `window_ms` before it: then `Err(ms)`, how long until its oldest attempt leaves the
/// window. Attempts older than the window (of any key) are deleted on the way. Concurrent
/// attempts count one after the other: they are writes (SQLite's one writer, PostgreSQL's
/// write lock).
pub fn attempt(
    conn: &Conn<'_>,
    key: &[u8],
    now: i64,
    window_ms: i64,
    max: i64,
) -> sql::Result<Result<(), i64>> {
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
