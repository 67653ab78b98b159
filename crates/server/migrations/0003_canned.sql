-- Canned responses (issue 4). operator_id is the author; global = 1 when a super-admin made it
-- (offered to every operator of the company), else private to the author.
CREATE TABLE canned_responses (
    id           INTEGER PRIMARY KEY,
    company_id   INTEGER NOT NULL REFERENCES companies(id),
    operator_id  INTEGER NOT NULL REFERENCES operators(id),
    global       INTEGER NOT NULL DEFAULT 0,
    title        TEXT NOT NULL,
    text         TEXT NOT NULL,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
CREATE INDEX canned_responses_company ON canned_responses(company_id, title);

-- Client notes (client profile, "Notes"): internal, never sent to the client.
CREATE TABLE client_notes (
    id           INTEGER PRIMARY KEY,
    company_id   INTEGER NOT NULL REFERENCES companies(id),
    client_id    INTEGER NOT NULL REFERENCES clients(id),
    operator_id  INTEGER NOT NULL REFERENCES operators(id),
    text         TEXT NOT NULL,
    created_at   INTEGER NOT NULL
);
CREATE INDEX client_notes_client ON client_notes(client_id, id);

-- Message tags: a tag is created on first use and never edited or deleted.
CREATE TABLE tags (
    id          INTEGER PRIMARY KEY,
    company_id  INTEGER NOT NULL REFERENCES companies(id),
    name        TEXT NOT NULL COLLATE NOCASE,
    created_by  INTEGER REFERENCES operators(id),
    created_at  INTEGER NOT NULL,
    UNIQUE (company_id, name)
);

CREATE TABLE message_tags (
    message_id   INTEGER NOT NULL REFERENCES messages(id),
    tag_id       INTEGER NOT NULL REFERENCES tags(id),
    operator_id  INTEGER REFERENCES operators(id),
    created_at   INTEGER NOT NULL,
    PRIMARY KEY (message_id, tag_id)
);
CREATE INDEX message_tags_tag ON message_tags(tag_id);
