//! Change-log retention: pruning all but the newest change records of each company, and the
//! per-company watermark (`changes_pruned`) that tells `/sync` and `/events` which positions
//! can no longer be served.

use crate::storage::sql::{self, params, Conn};
use switchboard_protocol::Id;

/// Deletes every change record of each company except its newest `keep`, and raises the
/// company's watermark to the newest deleted seq. Returns how many records were deleted.
pub fn prune(conn: &Conn<'_>, keep: u64) -> sql::Result<usize> {
    let keep = i64::try_from(keep.max(1)).unwrap_or(i64::MAX);
    let companies: Vec<Id> = conn
        .prepare("SELECT DISTINCT company_id FROM changes")?
        .query_map((), |r| r.get(0))?
        .collect::<sql::Result<_>>()?;
    let mut deleted = 0;
    for company_id in companies {
        // The newest seq to delete: the (keep+1)-th newest record, if there is one.
        let cut: Option<i64> = super::optional(conn.query_row(
            "SELECT seq FROM changes WHERE company_id = ?1 ORDER BY seq DESC LIMIT 1 OFFSET ?2",
            params![company_id, keep],
            |r| r.get(0),
        ))?;
        let Some(cut) = cut else { continue };
        deleted += conn.execute(
            "DELETE FROM changes WHERE company_id = ?1 AND seq <= ?2",
            params![company_id, cut],
        )?;
        conn.execute(
            "INSERT INTO changes_pruned (company_id, pruned_through) VALUES (?1, ?2)
             ON CONFLICT (company_id) DO UPDATE
             SET pruned_through = CASE WHEN excluded.pruned_through > changes_pruned.pruned_through
                 THEN excluded.pruned_through ELSE changes_pruned.pruned_through END",
            params![company_id, cut],
        )?;
    }
    Ok(deleted)
}

/// The newest seq of the company that was pruned (0 when nothing was).
pub fn pruned_through(conn: &Conn<'_>, company_id: Id) -> sql::Result<i64> {
    Ok(super::optional(conn.query_row(
        "SELECT pruned_through FROM changes_pruned WHERE company_id = ?1",
        [company_id],
        |r| r.get(0),
    ))?
    .unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_newest_records_of_each_company() {
        let raw = rusqlite::Connection::open_in_memory().expect("db");
        let conn = Conn::Sqlite(&raw);
        conn.execute_batch(
            "CREATE TABLE changes (seq INTEGER PRIMARY KEY AUTOINCREMENT, company_id INTEGER);
             CREATE TABLE changes_pruned (company_id INTEGER PRIMARY KEY,
                                          pruned_through INTEGER NOT NULL);",
        )
        .expect("schema");
        // Company 1 gets seq 1..=10 odd, company 2 the even ones.
        for i in 1..=10 {
            conn.execute("INSERT INTO changes (company_id) VALUES (?1)", [2 - i % 2])
                .expect("insert");
        }
        assert_eq!(prune(&conn, 2).expect("prune"), 6);
        let left: Vec<i64> = conn
            .prepare("SELECT seq FROM changes ORDER BY seq")
            .expect("stmt")
            .query_map((), |r| r.get(0))
            .expect("query")
            .collect::<sql::Result<_>>()
            .expect("rows");
        assert_eq!(left, vec![7, 8, 9, 10]);
        assert_eq!(pruned_through(&conn, 1).expect("w"), 5);
        assert_eq!(pruned_through(&conn, 2).expect("w"), 6);
        assert_eq!(pruned_through(&conn, 3).expect("w"), 0);
        assert_eq!(prune(&conn, 2).expect("again"), 0, "idempotent");
        assert_eq!(pruned_through(&conn, 1).expect("w"), 5);
    }
}
