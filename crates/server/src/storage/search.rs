//! Queries on the FTS5 indexes of migration 0008 (`clients_fts`, `messages_fts`).

use crate::storage::sql::{params, Conn, OptionalExtension};
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
/// the conversation list would hide. The loop is driven by the hits (each index queried
/// once, restricted to the company), not by the company's conversations, so a rare word over a
/// large company stays cheap.
pub fn find(
    conn: &Conn<'_>,
    company_id: Id,
    v: &Viewer,
    fts: &str,
    limit: i64,
) -> crate::storage::sql::Result<Vec<Hit>> {
    // CROSS JOIN fixes the join order and `+` keeps the company index out, so SQLite starts
    // from the FTS hits even without statistics (otherwise it scans the company's rows).
    let sql = format!(
        "WITH msg_hits(conversation_id, message_id) AS (
             SELECT m.conversation_id, MAX(m.id) FROM messages_fts f CROSS JOIN messages m ON m.id = f.rowid
             CROSS JOIN conversations mc ON mc.id = m.conversation_id AND mc.company_id = ?1
             WHERE messages_fts MATCH ?2 GROUP BY m.conversation_id),
         hits(id) AS (
             SELECT conversation_id FROM msg_hits
             UNION
             SELECT nc.id FROM clients_fts f CROSS JOIN conversations nc ON nc.client_id = f.rowid
             WHERE clients_fts MATCH ?2 AND nc.company_id = ?1)
         SELECT c.id, mh.message_id
         FROM conversations c JOIN clients cl ON cl.id = c.client_id
         LEFT JOIN msg_hits mh ON mh.conversation_id = c.id
         WHERE c.id IN hits AND +c.company_id = ?1 AND {}
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
pub fn snippet(conn: &Conn<'_>, fts: &str, message_id: Id) -> crate::storage::sql::Result<Option<String>> {
    conn.prepare_cached(
        "SELECT snippet(messages_fts, 0, '', '', '…', 12) FROM messages_fts
         WHERE messages_fts MATCH ?1 AND rowid = ?2",
    )?
    .query_row(params![fts, message_id], |r| r.get(0))
    .optional()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Rows written before migration 0008 are indexed by its backfill, and later renames and
    /// messages by its triggers.
    #[test]
    fn migration_backfills_existing_rows() {
        let raw = rusqlite::Connection::open_in_memory().expect("open");
        let conn = Conn::Sqlite(&raw);
        let before = super::super::MIGRATIONS.len() - 1;
        for sql in &super::super::MIGRATIONS[..before] {
            conn.execute_batch(sql).expect("old migration");
        }
        conn.execute_batch(&format!(
            "PRAGMA user_version = {before};
             INSERT INTO companies (id, name, created_at) VALUES (1, 'Acme', 0);
             INSERT INTO channel_accounts (id, company_id, kind, name, created_at)
                 VALUES (1, 1, 'telegram', 'bot', 0);
             INSERT INTO clients (id, company_id, channel_account_id, external_id, original_name,
                 display_name, created_at) VALUES (1, 1, 1, 'x', 'Gertrude', 'Gertrude', 0);
             INSERT INTO conversations (id, company_id, channel_account_id, client_id, status,
                 status_changed_at, last_message_at, created_at, updated_at)
                 VALUES (1, 1, 1, 1, 'unassigned', 0, 0, 0, 0);
             INSERT INTO messages (id, conversation_id, kind, text, created_at, delivery)
                 VALUES (1, 1, 'client', 'Where is the parcel?', 0, 'delivered');"
        ))
        .expect("old rows");
        super::super::migrate(&raw).expect("migrate");
        let all = Viewer {
            operator_id: 0,
            sees_everything: true,
            group_ids: vec![],
            sees_all_tabs: true,
            hidden: switchboard_protocol::HiddenClientData::NONE,
        };
        let find = |q: &str| {
            let fts = switchboard_protocol::search::fts_query(q).expect("query");
            super::find(&conn, 1, &all, &fts, 10).expect("find")
        };
        let by_name = Hit {
            conversation_id: 1,
            message_id: None,
        };
        let by_text = Hit {
            conversation_id: 1,
            message_id: Some(1),
        };
        assert_eq!(find("gert"), vec![by_name.clone()]);
        assert_eq!(find("parc"), vec![by_text.clone()]);
        assert_eq!(find("arcel"), vec![]);
        // Another company sees nothing.
        let fts = switchboard_protocol::search::fts_query("gert").expect("query");
        assert_eq!(super::find(&conn, 2, &all, &fts, 10).expect("find"), vec![]);
        // Triggers: a rename replaces the indexed display name, keeping the original one.
        conn.execute_batch("UPDATE clients SET display_name = 'Trudy' WHERE id = 1")
            .expect("rename");
        assert_eq!(find("trud"), vec![by_name.clone()]);
        assert_eq!(find("gert"), vec![by_name]);
        conn.execute_batch(
            "INSERT INTO messages (id, conversation_id, kind, text, created_at, delivery)
                 VALUES (2, 1, 'note', 'Refund approved', 1, 'delivered');
             DELETE FROM messages WHERE id = 1;",
        )
        .expect("more messages");
        assert_eq!(find("parc"), vec![]);
        assert_eq!(
            find("refu"),
            vec![Hit {
                conversation_id: 1,
                message_id: Some(2),
            }]
        );
        conn.execute_batch("INSERT INTO messages_fts(messages_fts) VALUES ('integrity-check')")
            .expect("messages index consistent");
        conn.execute_batch("INSERT INTO clients_fts(clients_fts) VALUES ('integrity-check')")
            .expect("clients index consistent");
    }
}
