//! Queries on `companies`.

use crate::storage::sql::{self, params, Conn};
use switchboard_protocol::{Company, Id};

use super::optional;

pub fn insert(conn: &Conn<'_>, name: &str, now: i64) -> sql::Result<Id> {
    conn.insert(
        "INSERT INTO companies (name, created_at) VALUES (?1, ?2)",
        "id",
        params![name, now],
    )
}

pub fn get(conn: &Conn<'_>, id: Id) -> sql::Result<Option<Company>> {
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
pub fn first(conn: &Conn<'_>) -> sql::Result<Option<Company>> {
    optional(conn.query_row(
        "SELECT id, name FROM companies ORDER BY id LIMIT 1",
        (),
        |r| {
            Ok(Company {
                id: r.get(0)?,
                name: r.get(1)?,
            })
        },
    ))
}
