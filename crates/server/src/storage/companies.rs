//! Queries on `companies`.

use rusqlite::{params, Connection};
use switchboard_protocol::{Company, Id};

use super::optional;

pub fn insert(conn: &Connection, name: &str, now: i64) -> rusqlite::Result<Id> {
    conn.execute(
        "INSERT INTO companies (name, created_at) VALUES (?1, ?2)",
        params![name, now],
    )?;
    Ok(conn.last_insert_rowid())
}

pub fn get(conn: &Connection, id: Id) -> rusqlite::Result<Option<Company>> {
    optional(
        conn.query_row("SELECT id, name FROM companies WHERE id = ?1", [id], |r| {
            Ok(Company {
                id: r.get(0)?,
                name: r.get(1)?,
            })
        }),
    )
}

/// The oldest company (the one `token create` serves by default).
pub fn first(conn: &Connection) -> rusqlite::Result<Option<Company>> {
    optional(conn.query_row(
        "SELECT id, name FROM companies ORDER BY id LIMIT 1",
        [],
        |r| {
            Ok(Company {
                id: r.get(0)?,
                name: r.get(1)?,
            })
        },
    ))
}
