//! Queries on the FTS5 indexes of migration 0008 (`clients_fts`, `messages_fts`).

use rusqlite::{params, Connection, OptionalExtension};
use switchboard_protocol::Id;

use super::conversations::visibility_sql;
use crate::policy::Viewer;

/// A conversation that matched, and its newest matching message when message text matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    pub conversation_id: Id,
    pub message_id: Option<Id>,
}

/// Conversations of `company_id` visible to `v` whose client's name or one of whose messages
/// matches the FTS5 expression `fts` (built by `switchboard_protocol::search::fts_query`),
/// newest activity first. Visibility is the list's own SQL filter, so search shows nothing
/// the conversation list would hide.
pub fn find(
    conn: &Connection,
    company_id: Id,
    v: &Viewer,
    fts: &str,
    limit: i64,
) -> rusqlite::Result<Vec<Hit>> {
    let sql = format!(
        "WITH msg_hits(conversation_id, message_id) AS (
             SELECT m.conversation_id, MAX(m.id) FROM messages_fts f JOIN messages m ON m.id = f.rowid
             WHERE messages_fts MATCH ?2 GROUP BY m.conversation_id),
         name_hits(client_id) AS (
             SELECT rowid FROM clients_fts WHERE clients_fts MATCH ?2)
         SELECT c.id, mh.message_id
         FROM conversations c JOIN clients cl ON cl.id = c.client_id
         LEFT JOIN msg_hits mh ON mh.conversation_id = c.id
         WHERE c.company_id = ?1 AND {}
           AND (mh.message_id IS NOT NULL OR c.client_id IN name_hits)
         ORDER BY c.last_message_at DESC, c.id DESC LIMIT ?3",
        visibility_sql(v)
    );
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map(params![company_id, fts, limit], |r| {
        Ok(Hit {
            conversation_id: r.get(0)?,
            message_id: r.get(1)?,
        })
    })?;
    rows.collect()
}

/// Up to a dozen words of message `message_id` around the match, as plain text (the app
/// never renders text as HTML, so no markup is added).
pub fn snippet(conn: &Connection, fts: &str, message_id: Id) -> rusqlite::Result<Option<String>> {
    conn.prepare_cached(
        "SELECT snippet(messages_fts, 0, '', '', '…', 12) FROM messages_fts
         WHERE messages_fts MATCH ?1 AND rowid = ?2",
    )?
    .query_row(params![fts, message_id], |r| r.get(0))
    .optional()
}
