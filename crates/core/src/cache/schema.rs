//! Embedded migrations of the cache, numbered by `PRAGMA user_version`. Append new steps; never
//! edit a shipped one (the cache is rebuildable, but the outbox in it is not).

use rusqlite::Connection;

use crate::error::{CoreError, Result};

/// Each entry moves the schema from version `i` to `i + 1`.
const MIGRATIONS: &[&str] = &[
    // 1: the first schema.
    r#"
    CREATE TABLE meta (
        key   TEXT PRIMARY KEY,
        value
    ) WITHOUT ROWID;

    CREATE TABLE operators (
        id    INTEGER PRIMARY KEY,
        name  TEXT NOT NULL,
        email TEXT NOT NULL,
        data  TEXT NOT NULL
    );
    CREATE TABLE groups (
        id    INTEGER PRIMARY KEY,
        name  TEXT NOT NULL,
        color TEXT NOT NULL
    );
    CREATE TABLE channel_accounts (
        id       INTEGER PRIMARY KEY,
        kind     TEXT NOT NULL,
        name     TEXT NOT NULL,
        group_id INTEGER
    );

    -- The client is embedded like on the wire: a conversation row carries a whole list row.
    CREATE TABLE conversations (
        id                         INTEGER PRIMARY KEY,
        channel_account_id         INTEGER NOT NULL,
        client_id                  INTEGER NOT NULL,
        client_name                TEXT NOT NULL,
        -- display name plus the channel's original name when it differs, for search
        client_search              TEXT NOT NULL,
        client_json                TEXT NOT NULL,
        blacklisted                INTEGER NOT NULL,
        status                     TEXT NOT NULL,
        operator_id                INTEGER,
        group_id                   INTEGER,
        status_changed_at          INTEGER NOT NULL,
        closed_by                  INTEGER,
        last_message_at            INTEGER NOT NULL,
        last_message_from_operator INTEGER NOT NULL,
        last_message_preview       TEXT NOT NULL,
        last_client_message_id     INTEGER,
        created_at                 INTEGER NOT NULL,
        updated_at                 INTEGER NOT NULL,
        -- snapshot generation that last saw this row; a finished snapshot sweeps older ones
        snap_gen                   INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX conversations_status_changed ON conversations(status, status_changed_at DESC);
    CREATE INDEX conversations_last_message ON conversations(last_message_at DESC);
    CREATE INDEX conversations_gen ON conversations(snap_gen);

    CREATE TABLE messages (
        id              INTEGER PRIMARY KEY,
        conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
        kind            TEXT NOT NULL,
        text            TEXT NOT NULL,
        operator_id     INTEGER,
        created_at      INTEGER NOT NULL,
        delivery        TEXT NOT NULL,
        client_msg_id   TEXT
    );
    CREATE INDEX messages_conversation ON messages(conversation_id, id);

    -- Only this operator's read positions exist in this cache.
    CREATE TABLE read_states (
        conversation_id      INTEGER PRIMARY KEY REFERENCES conversations(id) ON DELETE CASCADE,
        last_read_message_id INTEGER NOT NULL
    );

    -- Outgoing sends and actions in insertion order (seq). Deliberately no foreign key: a
    -- queued item outlives its conversation leaving the cache, and the server then says why
    -- it cannot be applied.
    CREATE TABLE outbox (
        seq             INTEGER PRIMARY KEY AUTOINCREMENT,
        id              TEXT NOT NULL UNIQUE,
        conversation_id INTEGER NOT NULL,
        item            TEXT NOT NULL CHECK (item IN ('send', 'action')),
        text            TEXT,
        kind            TEXT,
        action          TEXT,
        created_at      INTEGER NOT NULL,
        failed          TEXT
    );
    CREATE INDEX outbox_conversation ON outbox(conversation_id);

    -- Read positions still to tell the server; one per conversation, so repeats collapse.
    CREATE TABLE pending_reads (
        conversation_id      INTEGER PRIMARY KEY,
        last_read_message_id INTEGER NOT NULL
    );

    -- Word-prefix search over client names and message text (external content: the text is
    -- stored once, in its table).
    CREATE VIRTUAL TABLE clients_fts USING fts5(
        name, content = 'conversations', content_rowid = 'id',
        tokenize = 'unicode61 remove_diacritics 2'
    );
    CREATE VIRTUAL TABLE messages_fts USING fts5(
        text, content = 'messages', content_rowid = 'id',
        tokenize = 'unicode61 remove_diacritics 2'
    );

    CREATE TRIGGER conversations_fts_insert AFTER INSERT ON conversations BEGIN
        INSERT INTO clients_fts(rowid, name) VALUES (new.id, new.client_search);
    END;
    CREATE TRIGGER conversations_fts_delete AFTER DELETE ON conversations BEGIN
        INSERT INTO clients_fts(clients_fts, rowid, name) VALUES ('delete', old.id, old.client_search);
    END;
    CREATE TRIGGER conversations_fts_update AFTER UPDATE OF client_search ON conversations
    WHEN old.client_search IS NOT new.client_search BEGIN
        INSERT INTO clients_fts(clients_fts, rowid, name) VALUES ('delete', old.id, old.client_search);
        INSERT INTO clients_fts(rowid, name) VALUES (new.id, new.client_search);
    END;

    CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
        INSERT INTO messages_fts(rowid, text) VALUES (new.id, new.text);
    END;
    CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
        INSERT INTO messages_fts(messages_fts, rowid, text) VALUES ('delete', old.id, old.text);
    END;
    CREATE TRIGGER messages_fts_update AFTER UPDATE OF text ON messages
    WHEN old.text IS NOT new.text BEGIN
        INSERT INTO messages_fts(messages_fts, rowid, text) VALUES ('delete', old.id, old.text);
        INSERT INTO messages_fts(rowid, text) VALUES (new.id, new.text);
    END;
    "#,
    // 2: canned responses (the composer's "/" picker works offline), client notes, tags.
    r#"
    CREATE TABLE canned_responses (
        id          INTEGER PRIMARY KEY,
        title       TEXT NOT NULL,
        text        TEXT NOT NULL,
        global      INTEGER NOT NULL,
        operator_id INTEGER NOT NULL,
        updated_at  INTEGER NOT NULL
    );

    -- Client profile notes; they go with the client's conversation.
    CREATE TABLE client_notes (
        id              INTEGER PRIMARY KEY,
        client_id       INTEGER NOT NULL,
        conversation_id INTEGER NOT NULL,
        operator_id     INTEGER NOT NULL,
        operator_name   TEXT NOT NULL,
        text            TEXT NOT NULL,
        created_at      INTEGER NOT NULL
    );
    CREATE INDEX client_notes_client ON client_notes(client_id, id);
    CREATE TRIGGER conversations_delete_notes AFTER DELETE ON conversations BEGIN
        DELETE FROM client_notes WHERE conversation_id = old.id;
    END;

    -- The company's tags ("Add Tag" list) and the tags of each message.
    CREATE TABLE tags (
        id   INTEGER PRIMARY KEY,
        name TEXT NOT NULL
    );
    CREATE TABLE message_tags (
        message_id      INTEGER PRIMARY KEY,
        conversation_id INTEGER NOT NULL,
        tags            TEXT NOT NULL
    );
    CREATE INDEX message_tags_conversation ON message_tags(conversation_id);
    CREATE TRIGGER messages_delete_tags AFTER DELETE ON messages BEGIN
        DELETE FROM message_tags WHERE message_id = old.id;
    END;
    "#,
    // 3: attachments: the file a message carries, as JSON (`AttachmentRef`).
    r#"
    ALTER TABLE messages ADD COLUMN attachment TEXT;
    "#,
    // 4: the outbox also queues edits (client rename, client note, message tags) made
    // offline. SQLite cannot widen a CHECK, so the table is rebuilt with its rows and seqs.
    r#"
    CREATE TABLE outbox_v4 (
        seq             INTEGER PRIMARY KEY AUTOINCREMENT,
        id              TEXT NOT NULL UNIQUE,
        conversation_id INTEGER NOT NULL,
        item            TEXT NOT NULL CHECK (item IN ('send', 'action', 'edit')),
        text            TEXT,
        kind            TEXT,
        action          TEXT,
        created_at      INTEGER NOT NULL,
        failed          TEXT
    );
    INSERT INTO outbox_v4 SELECT seq, id, conversation_id, item, text, kind, action, created_at, failed FROM outbox;
    DROP TABLE outbox;
    ALTER TABLE outbox_v4 RENAME TO outbox;
    CREATE INDEX outbox_conversation ON outbox(conversation_id);
    "#,
    // 5: snapshot pages index their messages and client names for
    // search in one statement per page instead of one trigger call per row (see
    // `cache::fts_deferred`). While the `fts_deferred` meta key exists (only inside a snapshot
    // page's transaction), new rows are queued in `fts_pending` / `fts_pending_clients`; rows
    // still queued are not in the index, so their update and delete leave the index alone.
    r#"
    CREATE TABLE fts_pending_clients (id INTEGER PRIMARY KEY);
    DROP TRIGGER conversations_fts_insert;
    CREATE TRIGGER conversations_fts_insert AFTER INSERT ON conversations
    WHEN NOT EXISTS (SELECT 1 FROM meta WHERE key = 'fts_deferred') BEGIN
        INSERT INTO clients_fts(rowid, name) VALUES (new.id, new.client_search);
    END;
    CREATE TRIGGER conversations_fts_defer AFTER INSERT ON conversations
    WHEN EXISTS (SELECT 1 FROM meta WHERE key = 'fts_deferred') BEGIN
        INSERT INTO fts_pending_clients(id) VALUES (new.id);
    END;
    DROP TRIGGER conversations_fts_delete;
    CREATE TRIGGER conversations_fts_delete AFTER DELETE ON conversations BEGIN
        INSERT INTO clients_fts(clients_fts, rowid, name)
            SELECT 'delete', old.id, old.client_search
            WHERE NOT EXISTS (SELECT 1 FROM fts_pending_clients WHERE id = old.id);
        DELETE FROM fts_pending_clients WHERE id = old.id;
    END;
    DROP TRIGGER conversations_fts_update;
    CREATE TRIGGER conversations_fts_update AFTER UPDATE OF client_search ON conversations
    WHEN old.client_search IS NOT new.client_search
     AND NOT EXISTS (SELECT 1 FROM fts_pending_clients WHERE id = old.id) BEGIN
        INSERT INTO clients_fts(clients_fts, rowid, name) VALUES ('delete', old.id, old.client_search);
        INSERT INTO clients_fts(rowid, name) VALUES (new.id, new.client_search);
    END;

    CREATE TABLE fts_pending (id INTEGER PRIMARY KEY);
    DROP TRIGGER messages_fts_insert;
    CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages
    WHEN NOT EXISTS (SELECT 1 FROM meta WHERE key = 'fts_deferred') BEGIN
        INSERT INTO messages_fts(rowid, text) VALUES (new.id, new.text);
    END;
    CREATE TRIGGER messages_fts_defer AFTER INSERT ON messages
    WHEN EXISTS (SELECT 1 FROM meta WHERE key = 'fts_deferred') BEGIN
        INSERT INTO fts_pending(id) VALUES (new.id);
    END;
    DROP TRIGGER messages_fts_delete;
    CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
        INSERT INTO messages_fts(messages_fts, rowid, text)
            SELECT 'delete', old.id, old.text
            WHERE NOT EXISTS (SELECT 1 FROM fts_pending WHERE id = old.id);
        DELETE FROM fts_pending WHERE id = old.id;
    END;
    DROP TRIGGER messages_fts_update;
    CREATE TRIGGER messages_fts_update AFTER UPDATE OF text ON messages
    WHEN old.text IS NOT new.text AND NOT EXISTS (SELECT 1 FROM fts_pending WHERE id = old.id)
    BEGIN
        INSERT INTO messages_fts(messages_fts, rowid, text) VALUES ('delete', old.id, old.text);
        INSERT INTO messages_fts(rowid, text) VALUES (new.id, new.text);
    END;
    "#,
    // 6: why a message's delivery failed, in the channel's words (issue 10), shown next to
    // Retry. Rows cached before this step have none until the server sends them again.
    r#"
    ALTER TABLE messages ADD COLUMN delivery_error TEXT;
    "#,
];

pub const LATEST: i64 = MIGRATIONS.len() as i64;

/// Brings the schema up to date, each step in its own transaction with its version bump.
pub fn migrate(conn: &Connection) -> Result<()> {
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if version > LATEST {
        // A newer app wrote this cache; an older one cannot read it safely.
        return Err(CoreError::CacheCorrupt(format!(
            "cache schema {version} is newer than this app understands ({LATEST})"
        )));
    }
    for (i, sql) in MIGRATIONS.iter().enumerate().skip(version.max(0) as usize) {
        let tx = conn.unchecked_transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", (i + 1) as i64)?;
        tx.commit()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrates_from_empty_and_is_idempotent() {
        let conn = Connection::open_in_memory().expect("open");
        migrate(&conn).expect("first");
        migrate(&conn).expect("second");
        let v: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .expect("version");
        assert_eq!(v, LATEST);
        for table in [
            "conversations",
            "messages",
            "read_states",
            "outbox",
            "meta",
            "clients_fts",
        ] {
            let n: i64 = conn
                .query_row(
                    "SELECT count(*) FROM sqlite_master WHERE name = ?1",
                    [table],
                    |r| r.get(0),
                )
                .expect("master");
            assert_eq!(n, 1, "{table}");
        }
    }

    #[test]
    fn newer_schema_is_refused() {
        let conn = Connection::open_in_memory().expect("open");
        conn.pragma_update(None, "user_version", LATEST + 1)
            .expect("bump");
        assert!(matches!(migrate(&conn), Err(CoreError::CacheCorrupt(_))));
    }
}
