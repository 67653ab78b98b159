//! Deferred search indexing for bulk writes (snapshots). Calling the FTS5 index from a
//! trigger once per inserted row costs several times more than indexing the same rows with one
//! `INSERT … SELECT`, and every transaction that indexes rows leaves FTS5 a new segment to merge
//! later; so while a snapshot is written, new messages and conversations are only queued
//! (`fts_pending`, `fts_pending_clients`, filled by triggers while the `fts_deferred` meta key
//! exists) and indexed together after its first page and after its last. The key lives in
//! the cache from the snapshot's first page to its last, across the pages' transactions and
//! across restarts (an interrupted snapshot resumes and ends with the indexing): rows written
//! meanwhile by anything else are queued the same way. Queued rows are not found by search
//! until then.

use rusqlite::Connection;

use crate::cache::meta;
use crate::error::Result;

const FTS_DEFERRED: &str = "fts_deferred";

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
