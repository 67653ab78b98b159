//! Cached canned responses: the company's global ones and this operator's private ones, kept
//! current by change records and replaced from the server's list on every connect.

use rusqlite::{params, Connection};
use switchboard_protocol::{CannedResponse, Id};

use crate::error::Result;

pub fn upsert(conn: &Connection, c: &CannedResponse) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO canned_responses (id, title, text, global, operator_id, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT(id) DO UPDATE SET title = excluded.title, text = excluded.text,
             global = excluded.global, operator_id = excluded.operator_id,
             updated_at = excluded.updated_at",
    )?
    .execute(params![
        c.id,
        c.title,
        c.text,
        c.global,
        c.operator_id,
        c.updated_at
    ])?;
    Ok(())
}

pub fn remove(conn: &Connection, id: Id) -> Result<()> {
    conn.execute("DELETE FROM canned_responses WHERE id = ?1", [id])?;
    Ok(())
}

/// Replaces the whole set with the server's list (rows it no longer lists are dropped).
pub fn replace(conn: &mut Connection, all: &[CannedResponse]) -> Result<()> {
    let tx = conn.transaction()?;
    tx.execute("DELETE FROM canned_responses", [])?;
    for c in all {
        upsert(&tx, c)?;
    }
    tx.commit()?;
    Ok(())
}

/// All cached responses, grouped by title (case-insensitive), then oldest first.
pub fn list(conn: &Connection) -> Result<Vec<CannedResponse>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, title, text, global, operator_id, updated_at FROM canned_responses
         ORDER BY title COLLATE NOCASE, id",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(CannedResponse {
            id: r.get(0)?,
            title: r.get(1)?,
            text: r.get(2)?,
            global: r.get(3)?,
            operator_id: r.get(4)?,
            updated_at: r.get(5)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::Cache;

    fn canned(id: Id, title: &str, text: &str) -> CannedResponse {
        CannedResponse {
            id,
            title: title.into(),
            text: text.into(),
            global: id % 2 == 0,
            operator_id: 1,
            updated_at: 10,
        }
    }

    #[test]
    fn upsert_remove_replace_and_list_by_title() {
        let cache = Cache::open_in_memory().expect("cache");
        let mut conn = cache.writer();
        upsert(&conn, &canned(1, "greeting", "Hi")).expect("upsert");
        upsert(&conn, &canned(2, "Closing", "Bye")).expect("upsert");
        upsert(&conn, &canned(1, "Greeting", "Hello")).expect("update");
        let got = list(&conn).expect("list");
        assert_eq!(
            got,
            [canned(2, "Closing", "Bye"), canned(1, "Greeting", "Hello")]
        );
        remove(&conn, 2).expect("remove");
        assert_eq!(list(&conn).expect("list").len(), 1);
        replace(&mut conn, &[canned(7, "A", "x")]).expect("replace");
        assert_eq!(list(&conn).expect("list"), [canned(7, "A", "x")]);
    }
}
