//! Keeping the outbox of a damaged cache. Everything else in the cache comes back from the
//! server; queued sends and actions exist nowhere else. So when the cache fails its integrity
//! check and is moved aside, the outbox rows of the damaged file are read one by one (a
//! damaged page costs the rows on it, not the whole queue) and queued again in the fresh
//! cache with their original order (`seq`) and ids, so the server still dedups a replay of
//! something it already received.
//!
//! The seqs to read come from the table itself and from its `outbox_conversation` index (which
//! also holds each row's seq): when the table's pages are unreadable the index still tells how
//! many items were lost, so the operator is told a number rather than nothing.

use std::collections::BTreeSet;
use std::path::Path;

use rusqlite::{Connection, OpenFlags};

use super::outbox;

/// What came back from a damaged cache's outbox.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Salvaged {
    /// Items queued again in the fresh cache.
    pub kept: usize,
    /// Items known to have existed (their seq was readable) whose row could not be read.
    pub lost: usize,
    /// The outbox could not be listed completely (or at all): there may be more lost items
    /// than `lost` counts.
    pub incomplete: bool,
}

/// Copies the readable outbox rows of the damaged file at `damaged` into `fresh`. Never fails:
/// whatever cannot be read is counted, logged and left in the damaged file (kept aside).
pub fn outbox_from(damaged: &Path, fresh: &Connection) -> Salvaged {
    let mut out = Salvaged::default();
    let old = match Connection::open_with_flags(
        damaged,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    ) {
        Ok(c) => c,
        Err(e) => {
            tracing::warn!(error = %e, "cannot open the damaged cache to keep its outbox");
            out.incomplete = true;
            return out;
        }
    };
    // Either listing, read to the end, names every item; only when both broke off may
    // some be missing from the count.
    let mut seqs = BTreeSet::new();
    let mut listed = false;
    for sql in [
        "SELECT seq FROM outbox ORDER BY seq",
        "SELECT seq FROM outbox INDEXED BY outbox_conversation",
    ] {
        match collect_seqs(&old, sql, &mut seqs) {
            Ok(()) => listed = true,
            Err(e) => {
                tracing::warn!(error = %e, sql, "part of the damaged outbox cannot be listed")
            }
        }
    }
    out.incomplete = !listed;
    for seq in seqs {
        match outbox::get_by_seq(&old, seq) {
            Ok(Some(item)) => match outbox::restore(fresh, &item) {
                Ok(()) => out.kept += 1,
                Err(e) => {
                    tracing::warn!(error = %e, seq, "cannot queue a kept outbox item again");
                    out.lost += 1;
                }
            },
            // Listed by the index but gone from the table: its page is damaged.
            Ok(None) => out.lost += 1,
            Err(e) => {
                tracing::warn!(error = %e, seq, "an outbox item of the damaged cache is unreadable");
                out.lost += 1;
            }
        }
    }
    out
}

/// Adds the seqs `sql` yields until the end or the first damaged page.
fn collect_seqs(conn: &Connection, sql: &str, into: &mut BTreeSet<i64>) -> rusqlite::Result<()> {
    let mut stmt = conn.prepare(sql)?;
    let mut rows = stmt.query([])?;
    while let Some(row) = rows.next()? {
        into.insert(row.get(0)?);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::Cache;
    use switchboard_protocol::{ConversationAction, MessageKind};

    #[test]
    fn rows_come_back_with_their_seq_and_id_and_bad_rows_are_counted() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("old.sqlite3");
        {
            let old = Cache::open(&path).expect("old");
            let w = old.writer();
            let send = outbox::Payload::Send {
                text: "hello".into(),
                kind: MessageKind::Operator,
            };
            outbox::push(&w, "a", 1, &send, 10).expect("a");
            outbox::push(
                &w,
                "b",
                2,
                &outbox::Payload::Action(ConversationAction::Close),
                11,
            )
            .expect("b");
            outbox::push(&w, "c", 1, &send, 12).expect("c");
            outbox::mark_failed(&w, "c", &outbox::tests::refused("refused")).expect("fail c");
            // A row the app cannot decode any more is lost, not queued to block the flusher.
            w.execute("UPDATE outbox SET action = 'garbage' WHERE id = 'b'", [])
                .expect("spoil b");
        }
        let fresh = Cache::open_in_memory().expect("fresh");
        let w = fresh.writer();
        let got = outbox_from(&path, &w);
        assert_eq!(
            got,
            Salvaged {
                kept: 2,
                lost: 1,
                incomplete: false
            }
        );
        let items = outbox::all(&w).expect("all");
        assert_eq!(
            items
                .iter()
                .map(|i| (
                    i.seq,
                    i.id.as_str(),
                    i.failed.as_ref().map(|r| r.message.as_str())
                ))
                .collect::<Vec<_>>(),
            vec![(1, "a", None), (3, "c", Some("refused"))]
        );
        outbox::push(
            &w,
            "d",
            1,
            &outbox::Payload::Send {
                text: "after".into(),
                kind: MessageKind::Operator,
            },
            13,
        )
        .expect("d");
        assert_eq!(
            outbox::all(&w).expect("all")[2].seq,
            4,
            "new items queue after"
        );
    }

    #[test]
    fn an_unopenable_file_is_reported_incomplete() {
        let dir = tempfile::tempdir().expect("tempdir");
        let fresh = Cache::open_in_memory().expect("fresh");
        let got = outbox_from(&dir.path().join("missing"), &fresh.writer());
        assert!(got.incomplete);
        assert_eq!(got.kept, 0);
    }
}
