//! Queries on `read_states` (each operator's read position per conversation).

use crate::storage::sql::{self, params, Conn};
use switchboard_protocol::{Id, ReadState};

use super::{id_list, optional};

pub fn get(conn: &Conn<'_>, operator_id: Id, conversation_id: Id) -> sql::Result<Option<Id>> {
    optional(conn.query_row(
        "SELECT last_read_message_id FROM read_states WHERE operator_id = ?1 AND conversation_id = ?2",
        params![operator_id, conversation_id],
        |r| r.get(0),
    ))
}

pub fn upsert(conn: &Conn<'_>, s: &ReadState) -> sql::Result<()> {
    conn.execute(
        "INSERT INTO read_states (operator_id, conversation_id, last_read_message_id)
         VALUES (?1, ?2, ?3)
         ON CONFLICT (operator_id, conversation_id) DO UPDATE SET last_read_message_id = ?3",
        params![s.operator_id, s.conversation_id, s.last_read_message_id],
    )?;
    Ok(())
}

pub fn list_for(
    conn: &Conn<'_>,
    operator_id: Id,
    conversation_ids: &[Id],
) -> sql::Result<Vec<ReadState>> {
    if conversation_ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut stmt = conn.prepare(&format!(
        "SELECT conversation_id, operator_id, last_read_message_id FROM read_states
         WHERE operator_id = ?1 AND conversation_id IN ({}) ORDER BY conversation_id",
        id_list(conversation_ids)
    ))?;
    let rows = stmt.query_map([operator_id], |r| {
        Ok(ReadState {
            conversation_id: r.get(0)?,
            operator_id: r.get(1)?,
            last_read_message_id: r.get(2)?,
        })
    })?;
    rows.collect()
}
