-- Files attached to messages. The bytes live outside the database, content-addressed by their
-- SHA-256 under `<db>.files/ab/cdef…`; one row per upload (several rows may share a blob).
CREATE TABLE attachments (
    id               INTEGER PRIMARY KEY,
    company_id       INTEGER NOT NULL REFERENCES companies(id),
    conversation_id  INTEGER NOT NULL REFERENCES conversations(id),
    sha256           TEXT NOT NULL,
    size             INTEGER NOT NULL,
    content_type     TEXT NOT NULL,
    file_name        TEXT NOT NULL,
    -- NULL: the client sent it (inbound); otherwise the operator who uploaded it.
    created_by       INTEGER REFERENCES operators(id),
    created_at       INTEGER NOT NULL
);
CREATE INDEX attachments_conversation ON attachments(conversation_id);

ALTER TABLE messages ADD COLUMN attachment_id INTEGER REFERENCES attachments(id);

-- Settings › Advanced › "Block send/receive files" for a group of operators.
CREATE TABLE group_file_policies (
    group_id       INTEGER PRIMARY KEY REFERENCES company_groups(id),
    block_send     INTEGER NOT NULL DEFAULT 0,
    block_receive  INTEGER NOT NULL DEFAULT 0
);
