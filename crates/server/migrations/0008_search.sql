-- Word-prefix search over client names and message text, the same index the app's cache keeps
-- (external content: the text is stored once, in its table; same tokenizer). Every message kind
-- is indexed, notes included: whoever sees a conversation sees its notes, as in the cache.
-- Triggers do one FTS insert per new row, so ingest stays a single cheap step.
CREATE VIRTUAL TABLE clients_fts USING fts5(
    display_name, original_name, content = 'clients', content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2'
);
CREATE VIRTUAL TABLE messages_fts USING fts5(
    text, content = 'messages', content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2'
);

CREATE TRIGGER clients_fts_insert AFTER INSERT ON clients BEGIN
    INSERT INTO clients_fts(rowid, display_name, original_name)
    VALUES (new.id, new.display_name, new.original_name);
END;
CREATE TRIGGER clients_fts_delete AFTER DELETE ON clients BEGIN
    INSERT INTO clients_fts(clients_fts, rowid, display_name, original_name)
    VALUES ('delete', old.id, old.display_name, old.original_name);
END;
CREATE TRIGGER clients_fts_update AFTER UPDATE OF display_name, original_name ON clients
WHEN old.display_name IS NOT new.display_name OR old.original_name IS NOT new.original_name BEGIN
    INSERT INTO clients_fts(clients_fts, rowid, display_name, original_name)
    VALUES ('delete', old.id, old.display_name, old.original_name);
    INSERT INTO clients_fts(rowid, display_name, original_name)
    VALUES (new.id, new.display_name, new.original_name);
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

-- Backfill the rows written before this migration.
INSERT INTO clients_fts(clients_fts) VALUES ('rebuild');
INSERT INTO messages_fts(messages_fts) VALUES ('rebuild');
