//! Search over clients' names and message text: SQLite's FTS5 indexes of migration 0008
//! (`clients_fts`, `messages_fts`), or PostgreSQL's `search_vector` columns (its schema says
//! how they keep FTS5's word rules). The rules of what is found and who may see it are the
//! same on both; only the matching differs.

use crate::storage::sql::{self, params, Backend, Conn, OptionalExtension};
use switchboard_protocol::Id;

use super::conversations::visibility_sql;
use crate::policy::Viewer;

/// What the operator typed, in each backend's form.
#[derive(Debug, Clone)]
pub struct Terms {
    /// The FTS5 expression (`switchboard_protocol::search::fts_query`).
    pub fts: String,
    /// The text as typed, which PostgreSQL's `search_query()` turns into prefix terms.
    pub text: String,
}

impl Terms {
    /// `None` when the text is too short to search (the protocol's rule).
    pub fn new(q: &str) -> Option<Self> {
        Some(Self {
            fts: switchboard_protocol::search::fts_query(q)?,
            text: q.trim().to_owned(),
        })
    }

    fn for_backend(&self, conn: &Conn<'_>) -> &str {
        match conn.backend() {
            Backend::Sqlite => &self.fts,
            Backend::Postgres => &self.text,
        }
    }
}

/// A conversation that matched, and its newest matching message when message text matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    pub conversation_id: Id,
    pub message_id: Option<Id>,
}

/// Conversations of `company_id` visible to `v` whose client's name or one of whose messages
/// matches `terms`, newest activity first. Visibility is the list's own SQL filter, so search shows nothing
/// the conversation list would hide. The loop is driven by the hits (each index queried
/// once, restricted to the company), not by the company's conversations, so a rare word over a
/// large company stays cheap.
pub fn find(
    conn: &Conn<'_>,
    company_id: Id,
    v: &Viewer,
    terms: &Terms,
    limit: i64,
) -> sql::Result<Vec<Hit>> {
    // CROSS JOIN fixes the join order and `+` keeps the company index out, so SQLite starts
    // from the FTS hits even without statistics (otherwise it scans the company's rows).
    // PostgreSQL plans from its statistics and the GIN indexes.
    let sql = match conn.backend() {
        Backend::Sqlite => format!(
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
        ),
        Backend::Postgres => format!(
            "WITH msg_hits(conversation_id, message_id) AS (
             SELECT m.conversation_id, MAX(m.id) FROM messages m
             JOIN conversations mc ON mc.id = m.conversation_id AND mc.company_id = ?1
             WHERE m.search_vector @@ search_query(?2) GROUP BY m.conversation_id),
         hits(id) AS (
             SELECT conversation_id FROM msg_hits
             UNION
             SELECT nc.id FROM clients f JOIN conversations nc ON nc.client_id = f.id
             WHERE f.search_vector @@ search_query(?2) AND nc.company_id = ?1)
         SELECT c.id, mh.message_id
         FROM conversations c JOIN clients cl ON cl.id = c.client_id
         LEFT JOIN msg_hits mh ON mh.conversation_id = c.id
         WHERE c.id IN (SELECT id FROM hits) AND c.company_id = ?1 AND {}
         ORDER BY c.last_message_at DESC, c.id DESC LIMIT ?3",
            visibility_sql(v)
        ),
    };
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map(params![company_id, terms.for_backend(conn), limit], |r| {
        Ok(Hit {
            conversation_id: r.get(0)?,
            message_id: r.get(1)?,
        })
    })?;
    rows.collect()
}

/// The text of message `message_id` (a hit's), for its snippet.
pub fn text(conn: &Conn<'_>, message_id: Id) -> sql::Result<Option<String>> {
    conn.prepare_cached("SELECT text FROM messages WHERE id = ?1")?
        .query_row([message_id], |r| r.get(0))
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
            let terms = super::Terms::new(q).expect("query");
            super::find(&conn, 1, &all, &terms, 10).expect("find")
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
        let terms = super::Terms::new("gert").expect("query");
        assert_eq!(
            super::find(&conn, 2, &all, &terms, 10).expect("find"),
            vec![]
        );
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
