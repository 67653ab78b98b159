//! Search indexing for bulk writes (snapshots). Calling the FTS5 index from a trigger once per
//! inserted row costs several times more than indexing the same rows with one statement, and
//! every transaction that indexes rows leaves FTS5 a new segment to merge later. So a snapshot
//! indexes after its first page (the newest conversations are found at once) and after its
//! last, in one of two ways:
//!
//! - **Into an empty cache** (the first sync, or after a rebuild), the search triggers are set
//!   aside ([`begin_bulk`]: their SQL is kept in the `fts_bulk` meta key and they are
//!   dropped), rows go in without any per-row indexing work, and the indexes are rebuilt from
//!   their tables ([`rebuild`], [`end_bulk`], which also puts the triggers back).
//! - **Over a filled cache** (a snapshot after `reset`), the cached rows stay found while new
//!   messages and conversations are only queued (`fts_pending`, `fts_pending_clients`, filled
//!   by triggers while the `fts_deferred` meta key exists) and indexed together
//!   ([`index_pending`]).
//!
//! Both states live in the cache from the snapshot's first page to its last, across the pages'
//! transactions and across restarts (an interrupted snapshot resumes and ends with the
//! indexing): rows written meanwhile by anything else are covered the same way. Rows not
//! indexed yet are not found by search until then.

use rusqlite::Connection;

use crate::cache::meta;
use crate::error::{CoreError, Result};

const FTS_DEFERRED: &str = "fts_deferred";

/// Meta key holding the search triggers' SQL while they are set aside.
const FTS_BULK: &str = "fts_bulk";

/// Whether the search triggers are set aside for a bulk load.
pub fn in_bulk(tx: &Connection) -> Result<bool> {
    Ok(meta::get_text(tx, FTS_BULK)?.is_some())
}

/// Sets the search triggers aside (kept in meta, dropped) until [`end_bulk`]; a no-op when
/// they already are. Only for a cache whose indexes [`end_bulk`] may rebuild whole.
pub fn begin_bulk(tx: &Connection) -> Result<()> {
    if in_bulk(tx)? {
        return Ok(());
    }
    let triggers: Vec<(String, String)> = tx
        .prepare(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger'
               AND tbl_name IN ('messages', 'conversations') AND name GLOB '*_fts_*'
             ORDER BY name",
        )?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let saved: Vec<&str> = triggers.iter().map(|(_, sql)| sql.as_str()).collect();
    meta::set_text(
        tx,
        FTS_BULK,
        &serde_json::to_string(&saved).map_err(|e| CoreError::Protocol(e.to_string()))?,
    )?;
    for (name, _) in &triggers {
        tx.execute_batch(&format!("DROP TRIGGER \"{name}\""))?;
    }
    Ok(())
}

/// Rebuilds both search indexes from their tables.
pub fn rebuild(tx: &Connection) -> Result<()> {
    // FTS5's own 'rebuild' reads a column named like the index's, and clients_fts indexes
    // `client_search` as `name`: emptied and filled with one `INSERT … SELECT` each.
    tx.execute_batch(
        "INSERT INTO messages_fts(messages_fts) VALUES ('delete-all');
         INSERT INTO messages_fts(rowid, text) SELECT id, text FROM messages;
         INSERT INTO clients_fts(clients_fts) VALUES ('delete-all');
         INSERT INTO clients_fts(rowid, name) SELECT id, client_search FROM conversations;",
    )?;
    Ok(())
}

/// Ends a bulk load: both indexes rebuilt from their tables, the search triggers back, any
/// queue left from a deferral emptied (the rebuild covers it). A no-op outside a bulk load.
pub fn end_bulk(tx: &Connection) -> Result<()> {
    let Some(saved) = meta::get_text(tx, FTS_BULK)? else {
        return Ok(());
    };
    let triggers: Vec<String> = serde_json::from_str(&saved)
        .map_err(|e| CoreError::CacheCorrupt(format!("saved search triggers: {e}")))?;
    rebuild(tx)?;
    for sql in triggers {
        tx.execute_batch(&sql)?;
    }
    tx.execute_batch("DELETE FROM fts_pending; DELETE FROM fts_pending_clients;")?;
    meta::clear(tx, FTS_DEFERRED)?;
    meta::clear(tx, FTS_BULK)
}

/// From now until [`index_pending`], new rows are queued for indexing.
pub fn defer(tx: &Connection) -> Result<()> {
    meta::set_i64(tx, FTS_DEFERRED, 1)
}

/// Indexes the queued rows in one statement each and ends deferral. Call before anything in
/// the transaction deletes messages in bulk.
pub fn index_pending(tx: &Connection) -> Result<()> {
    tx.prepare_cached(
        "INSERT INTO messages_fts(rowid, text)
         SELECT m.id, m.text FROM fts_pending p JOIN messages m ON m.id = p.id",
    )?
    .execute([])?;
    tx.prepare_cached("DELETE FROM fts_pending")?.execute([])?;
    tx.prepare_cached(
        "INSERT INTO clients_fts(rowid, name)
         SELECT c.id, c.client_search FROM fts_pending_clients p JOIN conversations c ON c.id = p.id",
    )?
    .execute([])?;
    tx.prepare_cached("DELETE FROM fts_pending_clients")?
        .execute([])?;
    meta::clear(tx, FTS_DEFERRED)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::conversations::tests::sample as conv;
    use crate::cache::messages::tests::sample as msg;
    use crate::cache::{conversations, messages, Cache};
    use switchboard_protocol::MessageKind;

    /// Row ids of `index` (an FTS5 table) matching `word`.
    fn index_hits(c: &Connection, index: &str, word: &str) -> Vec<i64> {
        let mut stmt = c
            .prepare(&format!(
                "SELECT rowid FROM {index} WHERE {index} MATCH ?1 ORDER BY rowid"
            ))
            .expect("prepare");
        stmt.query_map([word], |r| r.get(0))
            .expect("query")
            .collect::<rusqlite::Result<_>>()
            .expect("rows")
    }

    fn hits(c: &Connection, word: &str) -> Vec<i64> {
        index_hits(c, "messages_fts", word)
    }

    #[test]
    fn deferred_messages_are_indexed_once_and_edits_and_deletes_stay_consistent() {
        let cache = Cache::open_in_memory().expect("cache");
        let mut c = cache.writer();
        conversations::upsert(&c, &conv(1, "Ann"), 0).expect("conv");
        messages::upsert(&c, &msg(1, 1, MessageKind::Client, "parcel one")).expect("m1");

        let tx = c.transaction().expect("tx");
        defer(&tx).expect("defer");
        messages::upsert(&tx, &msg(2, 1, MessageKind::Client, "parcel two")).expect("m2");
        messages::upsert(&tx, &msg(3, 1, MessageKind::Client, "draft")).expect("m3");
        // Queued rows edited or deleted before indexing: nothing stale reaches the index.
        messages::upsert(&tx, &msg(3, 1, MessageKind::Client, "parcel three")).expect("m3 edit");
        messages::upsert(&tx, &msg(4, 1, MessageKind::Client, "parcel four")).expect("m4");
        messages::remove(&tx, 4).expect("rm 4");
        // An indexed row edited meanwhile is re-indexed as usual.
        messages::upsert(&tx, &msg(1, 1, MessageKind::Client, "box one")).expect("m1 edit");
        assert_eq!(hits(&tx, "parcel"), Vec::<i64>::new(), "not indexed yet");
        index_pending(&tx).expect("index");
        tx.commit().expect("commit");

        assert_eq!(hits(&c, "parcel"), vec![2, 3]);
        assert_eq!(hits(&c, "box"), vec![1]);
        assert!(hits(&c, "draft").is_empty());
        // Back to per-row indexing.
        messages::upsert(&c, &msg(5, 1, MessageKind::Client, "parcel five")).expect("m5");
        assert_eq!(hits(&c, "parcel"), vec![2, 3, 5]);
        c.execute_batch("INSERT INTO messages_fts(messages_fts) VALUES ('integrity-check')")
            .expect("index matches the messages");
    }

    fn search_triggers(c: &Connection) -> i64 {
        c.query_row(
            "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name GLOB '*_fts_*'",
            [],
            |r| r.get(0),
        )
        .expect("triggers")
    }

    #[test]
    fn a_bulk_load_sets_the_triggers_aside_and_rebuilds_the_indexes_from_the_tables() {
        let cache = Cache::open_in_memory().expect("cache");
        let mut c = cache.writer();
        let triggers = search_triggers(&c);
        assert_eq!(triggers, 8);
        let tx = c.transaction().expect("tx");
        begin_bulk(&tx).expect("bulk");
        begin_bulk(&tx).expect("again: a no-op");
        assert!(in_bulk(&tx).expect("in bulk"));
        assert_eq!(search_triggers(&tx), 0);
        conversations::upsert(&tx, &conv(1, "Ann"), 1).expect("c1");
        conversations::upsert(&tx, &conv(2, "Bea"), 1).expect("c2");
        messages::upsert(&tx, &msg(1, 1, MessageKind::Client, "parcel one")).expect("m1");
        messages::upsert(&tx, &msg(2, 2, MessageKind::Client, "parcel two")).expect("m2");
        rebuild(&tx).expect("first page indexed");
        tx.commit().expect("commit");
        assert_eq!(hits(&c, "parcel"), vec![1, 2]);

        // Later pages, in their own transactions: edits and removals while set aside.
        let tx = c.transaction().expect("tx");
        assert!(in_bulk(&tx).expect("still in bulk"));
        messages::upsert(&tx, &msg(3, 1, MessageKind::Client, "parcel three")).expect("m3");
        messages::upsert(&tx, &msg(1, 1, MessageKind::Client, "box one")).expect("m1 edit");
        conversations::upsert(&tx, &conv(2, "Bella"), 1).expect("c2 renamed");
        conversations::remove(&tx, 2).expect("c2 gone with m2");
        conversations::upsert(&tx, &conv(3, "Cid"), 1).expect("c3");
        assert_eq!(hits(&tx, "parcel"), vec![1, 2], "not indexed yet");
        end_bulk(&tx).expect("end");
        tx.commit().expect("commit");

        assert!(!in_bulk(&c).expect("ended"));
        assert_eq!(search_triggers(&c), triggers, "triggers back");
        assert_eq!(hits(&c, "parcel"), vec![3]);
        assert_eq!(hits(&c, "box"), vec![1]);
        assert!(client_hits(&c, "bella").is_empty());
        assert_eq!(client_hits(&c, "cid"), vec![3]);
        // Per-row indexing again.
        messages::upsert(&c, &msg(4, 1, MessageKind::Client, "parcel four")).expect("m4");
        assert_eq!(hits(&c, "parcel"), vec![3, 4]);
        c.execute_batch(
            "INSERT INTO messages_fts(messages_fts) VALUES ('integrity-check');
             INSERT INTO clients_fts(clients_fts) VALUES ('integrity-check');",
        )
        .expect("indexes match their tables");
    }

    fn client_hits(c: &Connection, word: &str) -> Vec<i64> {
        index_hits(c, "clients_fts", word)
    }

    #[test]
    fn deferred_client_names_are_indexed_once_and_renames_and_removals_stay_consistent() {
        let cache = Cache::open_in_memory().expect("cache");
        let mut c = cache.writer();
        conversations::upsert(&c, &conv(1, "Ann"), 0).expect("c1");
        let tx = c.transaction().expect("tx");
        defer(&tx).expect("defer");
        conversations::upsert(&tx, &conv(2, "Bea"), 1).expect("c2");
        conversations::upsert(&tx, &conv(2, "Bella"), 1).expect("c2 renamed while queued");
        conversations::upsert(&tx, &conv(3, "Bert"), 1).expect("c3");
        conversations::remove(&tx, 3).expect("rm c3 while queued");
        conversations::upsert(&tx, &conv(1, "Anya"), 1).expect("indexed c1 renamed");
        assert!(client_hits(&tx, "bella").is_empty(), "not indexed yet");
        index_pending(&tx).expect("index");
        tx.commit().expect("commit");

        assert_eq!(client_hits(&c, "bella"), vec![2]);
        assert!(client_hits(&c, "bea").is_empty());
        assert!(client_hits(&c, "bert").is_empty());
        assert_eq!(client_hits(&c, "anya"), vec![1]);
        assert!(client_hits(&c, "ann").is_empty());
        conversations::upsert(&c, &conv(4, "Bo"), 1).expect("c4 per row again");
        assert_eq!(client_hits(&c, "bo"), vec![4]);
        c.execute_batch("INSERT INTO clients_fts(clients_fts) VALUES ('integrity-check')")
            .expect("index matches the conversations");
    }
}
