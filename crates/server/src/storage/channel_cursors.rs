//! Queries on `channel_cursors`: where each channel's listener stands (see migration 0014).

use crate::storage::sql::{self, params, Conn};
use switchboard_protocol::Id;

use super::optional;

pub fn get(conn: &Conn<'_>, channel_id: Id, name: &str) -> sql::Result<Option<String>> {
    optional(conn.query_row(
        "SELECT value FROM channel_cursors WHERE channel_account_id = ?1 AND name = ?2",
        params![channel_id, name],
        |r| r.get(0),
    ))
}

pub fn set(conn: &Conn<'_>, channel_id: Id, name: &str, value: &str) -> sql::Result<()> {
    conn.execute(
        "INSERT INTO channel_cursors (channel_account_id, name, value) VALUES (?1, ?2, ?3)
         ON CONFLICT (channel_account_id, name) DO UPDATE SET value = excluded.value",
        params![channel_id, name, value],
    )?;
    Ok(())
}
