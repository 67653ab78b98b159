//! Idempotency keys of edits (client rename, client note) in `processed_actions`, next to the
//! conversation actions' keys; `result_id` is the row the edit created (a note), if any.

use rusqlite::{params, Connection};
use switchboard_protocol::Id;

use super::optional;

/// A key already used: the conversation it was applied to and what it created.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Done {
    pub conversation_id: Id,
    pub result_id: Option<Id>,
}

pub fn done(conn: &Connection, company_id: Id, key: &str) -> rusqlite::Result<Option<Done>> {
    optional(conn.query_row(
        "SELECT conversation_id, result_id FROM processed_actions
         WHERE company_id = ?1 AND action_id = ?2",
        params![company_id, key],
        |r| {
            Ok(Done {
                conversation_id: r.get(0)?,
                result_id: r.get(1)?,
            })
        },
    ))
}

pub fn mark(
    conn: &Connection,
    company_id: Id,
    key: &str,
    done: Done,
    now: i64,
) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO processed_actions (company_id, action_id, conversation_id, result_id, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![company_id, key, done.conversation_id, done.result_id, now],
    )?;
    Ok(())
}
