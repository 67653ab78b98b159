//! Queries on `company_groups` (operator groups such as "1st line").

use rusqlite::{params, Connection, Row};
use switchboard_protocol::{Group, Id};

use super::optional;

fn row_to_group(r: &Row<'_>) -> rusqlite::Result<Group> {
    Ok(Group {
        id: r.get(0)?,
        name: r.get(1)?,
        color: r.get(2)?,
    })
}

pub fn insert(conn: &Connection, company_id: Id, name: &str, color: &str) -> rusqlite::Result<Id> {
    conn.execute(
        "INSERT INTO company_groups (company_id, name, color) VALUES (?1, ?2, ?3)",
        params![company_id, name, color],
    )?;
    Ok(conn.last_insert_rowid())
}

pub fn get(conn: &Connection, company_id: Id, id: Id) -> rusqlite::Result<Option<Group>> {
    optional(conn.query_row(
        "SELECT id, name, color FROM company_groups WHERE company_id = ?1 AND id = ?2",
        params![company_id, id],
        row_to_group,
    ))
}

pub fn list(conn: &Connection, company_id: Id) -> rusqlite::Result<Vec<Group>> {
    let mut stmt = conn
        .prepare("SELECT id, name, color FROM company_groups WHERE company_id = ?1 ORDER BY id")?;
    let rows = stmt.query_map([company_id], row_to_group)?;
    rows.collect()
}
