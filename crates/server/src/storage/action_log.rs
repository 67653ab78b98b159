//! Queries on `action_log` (every movement of a conversation and every admin action) and on
//! `processed_actions` (idempotency keys of app actions and offline edits).

use rusqlite::{params, Connection};
use switchboard_protocol::Id;

use super::optional;

/// One log row to write.
#[derive(Debug, Clone)]
pub struct Entry<'a> {
    pub company_id: Id,
    pub actor_operator_id: Option<Id>,
    pub actor_token_id: Option<Id>,
    pub target_type: &'a str,
    pub target_id: Id,
    pub action: &'a str,
    pub ip: Option<&'a str>,
    pub note: Option<&'a str>,
    pub created_at: i64,
}

/// A stored log row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggedAction {
    pub id: Id,
    pub actor_operator_id: Option<Id>,
    pub actor_token_id: Option<Id>,
    pub target_type: String,
    pub target_id: Id,
    pub action: String,
    pub ip: Option<String>,
    pub note: Option<String>,
    pub created_at: i64,
}

pub fn insert(conn: &Connection, e: &Entry<'_>) -> rusqlite::Result<Id> {
    let mut stmt = conn.prepare_cached(
        "INSERT INTO action_log (company_id, actor_operator_id, actor_token_id, target_type,
            target_id, action, ip, note, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?;
    stmt.execute(params![
        e.company_id,
        e.actor_operator_id,
        e.actor_token_id,
        e.target_type,
        e.target_id,
        e.action,
        e.ip,
        e.note,
        e.created_at
    ])?;
    Ok(conn.last_insert_rowid())
}

pub fn list_for_target(
    conn: &Connection,
    company_id: Id,
    target_type: &str,
    target_id: Id,
) -> rusqlite::Result<Vec<LoggedAction>> {
    let mut stmt = conn.prepare(
        "SELECT id, actor_operator_id, actor_token_id, target_type, target_id, action, ip, note,
            created_at
         FROM action_log WHERE company_id = ?1 AND target_type = ?2 AND target_id = ?3 ORDER BY id",
    )?;
    let rows = stmt.query_map(params![company_id, target_type, target_id], |r| {
        Ok(LoggedAction {
            id: r.get(0)?,
            actor_operator_id: r.get(1)?,
            actor_token_id: r.get(2)?,
            target_type: r.get(3)?,
            target_id: r.get(4)?,
            action: r.get(5)?,
            ip: r.get(6)?,
            note: r.get(7)?,
            created_at: r.get(8)?,
        })
    })?;
    rows.collect()
}

/// An idempotency key already used (a conversation action's `action_id`, or an edit's
/// `Idempotency-Key`): the conversation it was applied to and the row it created (a client
/// note), if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Processed {
    pub conversation_id: Id,
    pub result_id: Option<Id>,
}

/// What a key was already applied to, if it was.
pub fn processed(
    conn: &Connection,
    company_id: Id,
    key: &str,
) -> rusqlite::Result<Option<Processed>> {
    optional(conn.query_row(
        "SELECT conversation_id, result_id FROM processed_actions
         WHERE company_id = ?1 AND action_id = ?2",
        params![company_id, key],
        |r| {
            Ok(Processed {
                conversation_id: r.get(0)?,
                result_id: r.get(1)?,
            })
        },
    ))
}

pub fn mark_processed(
    conn: &Connection,
    company_id: Id,
    key: &str,
    done: Processed,
    now: i64,
) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT OR IGNORE INTO processed_actions
             (company_id, action_id, conversation_id, result_id, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![company_id, key, done.conversation_id, done.result_id, now],
    )?;
    Ok(())
}
