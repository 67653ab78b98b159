//! Queries on `canned_responses`.

use crate::storage::sql::{self, params, Conn, Row};
use switchboard_protocol::{CannedResponse, Id};

use super::optional;

const COLUMNS: &str = "id, title, text, global, operator_id, updated_at";

fn row_to_canned(r: &Row<'_>) -> sql::Result<CannedResponse> {
    Ok(CannedResponse {
        id: r.get(0)?,
        title: r.get(1)?,
        text: r.get(2)?,
        global: r.get(3)?,
        operator_id: r.get(4)?,
        updated_at: r.get(5)?,
    })
}

pub fn insert(
    conn: &Conn<'_>,
    company_id: Id,
    operator_id: Id,
    global: bool,
    title: &str,
    text: &str,
    now: i64,
) -> sql::Result<Id> {
    conn.insert(
        "INSERT INTO canned_responses (company_id, operator_id, global, title, text, created_at,
            updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
        "id",
        params![company_id, operator_id, global, title, text, now],
    )
}

pub fn get(conn: &Conn<'_>, company_id: Id, id: Id) -> sql::Result<Option<CannedResponse>> {
    optional(conn.query_row(
        &format!("SELECT {COLUMNS} FROM canned_responses WHERE company_id = ?1 AND id = ?2"),
        params![company_id, id],
        row_to_canned,
    ))
}

/// The company's global responses and `operator_id`'s private ones, by title then id.
pub fn list_for(
    conn: &Conn<'_>,
    company_id: Id,
    operator_id: Id,
) -> sql::Result<Vec<CannedResponse>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM canned_responses
         WHERE company_id = ?1 AND (global = TRUE OR operator_id = ?2)
         ORDER BY lower(title), id"
    ))?;
    let rows = stmt.query_map(params![company_id, operator_id], row_to_canned)?;
    rows.collect()
}

pub fn update(conn: &Conn<'_>, id: Id, title: &str, text: &str, now: i64) -> sql::Result<()> {
    conn.execute(
        "UPDATE canned_responses SET title = ?2, text = ?3, updated_at = ?4 WHERE id = ?1",
        params![id, title, text, now],
    )?;
    Ok(())
}

pub fn delete(conn: &Conn<'_>, id: Id) -> sql::Result<()> {
    conn.execute("DELETE FROM canned_responses WHERE id = ?1", [id])?;
    Ok(())
}
