//! Sync bookkeeping in the `meta` table: the last applied `seq` and the state of a snapshot
//! (so an interrupted one resumes where it stopped instead of starting over).

use rusqlite::{Connection, OptionalExtension};

use crate::error::Result;

/// Highest change `seq` applied to this cache; `/sync` and the events socket resume from it.
pub const LAST_SEQ: &str = "last_seq";
/// 1 once a snapshot has completed; 0 or absent while one is needed.
pub const SNAPSHOT_DONE: &str = "snapshot_done";
/// Company seq of the first page of the snapshot in progress.
pub const SNAPSHOT_SEQ: &str = "snapshot_seq";
/// `after_id` for the next snapshot page (by-id snapshots of earlier versions; cleared).
pub const SNAPSHOT_AFTER_ID: &str = "snapshot_after_id";
/// `cursor` for the next page of the recent-first snapshot in progress.
pub const SNAPSHOT_CURSOR: &str = "snapshot_cursor";
/// Conversations received so far by the snapshot in progress (progress bar).
pub const SNAPSHOT_COUNT: &str = "snapshot_count";
/// Current snapshot generation; rows not seen by the latest snapshot are swept after it.
pub const GEN: &str = "gen";

pub fn get_i64(conn: &Connection, key: &str) -> Result<Option<i64>> {
    Ok(conn
        .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| {
            r.get::<_, Option<i64>>(0)
        })
        .optional()?
        .flatten())
}

pub fn set_i64(conn: &Connection, key: &str, value: i64) -> Result<()> {
    conn.execute(
        "INSERT INTO meta(key, value) VALUES (?1, ?2)
         ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        rusqlite::params![key, value],
    )?;
    Ok(())
}

pub fn get_text(conn: &Connection, key: &str) -> Result<Option<String>> {
    Ok(conn
        .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| {
            r.get::<_, Option<String>>(0)
        })
        .optional()?
        .flatten())
}

pub fn set_text(conn: &Connection, key: &str, value: &str) -> Result<()> {
    conn.execute(
        "INSERT INTO meta(key, value) VALUES (?1, ?2)
         ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        rusqlite::params![key, value],
    )?;
    Ok(())
}

pub fn clear(conn: &Connection, key: &str) -> Result<()> {
    conn.execute("DELETE FROM meta WHERE key = ?1", [key])?;
    Ok(())
}

pub fn last_seq(conn: &Connection) -> Result<i64> {
    Ok(get_i64(conn, LAST_SEQ)?.unwrap_or(0))
}

pub fn snapshot_done(conn: &Connection) -> Result<bool> {
    Ok(get_i64(conn, SNAPSHOT_DONE)?.unwrap_or(0) == 1)
}

pub fn generation(conn: &Connection) -> Result<i64> {
    Ok(get_i64(conn, GEN)?.unwrap_or(0))
}

/// Starts a new snapshot (first run or after `reset`): a new generation, no progress. The
/// cached rows stay readable until the snapshot finishes and sweeps what it did not see.
pub fn begin_snapshot(conn: &Connection) -> Result<i64> {
    let gen = generation(conn)? + 1;
    set_i64(conn, GEN, gen)?;
    set_i64(conn, SNAPSHOT_DONE, 0)?;
    set_i64(conn, SNAPSHOT_COUNT, 0)?;
    clear(conn, SNAPSHOT_SEQ)?;
    clear(conn, SNAPSHOT_AFTER_ID)?;
    clear(conn, SNAPSHOT_CURSOR)?;
    Ok(gen)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::Cache;

    #[test]
    fn values_round_trip() {
        let cache = Cache::open_in_memory().expect("cache");
        let c = cache.writer();
        assert_eq!(last_seq(&c).expect("get"), 0);
        set_i64(&c, LAST_SEQ, 17).expect("set");
        set_i64(&c, LAST_SEQ, 18).expect("set again");
        assert_eq!(last_seq(&c).expect("get"), 18);
        assert!(!snapshot_done(&c).expect("done"));
        assert_eq!(begin_snapshot(&c).expect("begin"), 1);
        assert_eq!(begin_snapshot(&c).expect("begin"), 2);
        clear(&c, LAST_SEQ).expect("clear");
        assert_eq!(get_i64(&c, LAST_SEQ).expect("get"), None);
    }
}
