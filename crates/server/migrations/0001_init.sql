-- Switchboard server schema, version 1. Every row belongs to one company (directly or through
-- its parent). Times are Unix milliseconds. Booleans are 0/1.

CREATE TABLE companies (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL,
    created_at  INTEGER NOT NULL
);

CREATE TABLE roles (
    id                        INTEGER PRIMARY KEY,
    company_id                INTEGER NOT NULL REFERENCES companies(id),
    name                      TEXT NOT NULL,
    conversations_management  INTEGER NOT NULL DEFAULT 0,
    show_all_tab              INTEGER NOT NULL DEFAULT 0,
    manage_operators          INTEGER NOT NULL DEFAULT 0,
    manage_settings           INTEGER NOT NULL DEFAULT 0,
    view_analytics            INTEGER NOT NULL DEFAULT 0,
    outgoing_whatsapp         INTEGER NOT NULL DEFAULT 0,
    download_conversations    INTEGER NOT NULL DEFAULT 0,
    UNIQUE (company_id, name)
);

-- "groups" is an SQL keyword, hence the prefix.
CREATE TABLE company_groups (
    id          INTEGER PRIMARY KEY,
    company_id  INTEGER NOT NULL REFERENCES companies(id),
    name        TEXT NOT NULL,
    color       TEXT NOT NULL,
    UNIQUE (company_id, name)
);

-- Login is by email alone, so an email is unique across companies.
CREATE TABLE operators (
    id             INTEGER PRIMARY KEY,
    company_id     INTEGER NOT NULL REFERENCES companies(id),
    name           TEXT NOT NULL,
    email          TEXT NOT NULL COLLATE NOCASE UNIQUE,
    password_hash  TEXT NOT NULL,
    super_admin    INTEGER NOT NULL DEFAULT 0,
    role_id        INTEGER REFERENCES roles(id),
    active         INTEGER NOT NULL DEFAULT 1,
    created_at     INTEGER NOT NULL
);
CREATE INDEX operators_company ON operators(company_id);

CREATE TABLE operator_groups (
    operator_id  INTEGER NOT NULL REFERENCES operators(id),
    group_id     INTEGER NOT NULL REFERENCES company_groups(id),
    PRIMARY KEY (operator_id, group_id)
);
CREATE INDEX operator_groups_group ON operator_groups(group_id);

CREATE TABLE channel_accounts (
    id          INTEGER PRIMARY KEY,
    company_id  INTEGER NOT NULL REFERENCES companies(id),
    kind        TEXT NOT NULL,
    name        TEXT NOT NULL,
    group_id    INTEGER REFERENCES company_groups(id),
    -- Shared secret of the inbound endpoint; NULL: the channel accepts no inbound calls.
    secret      TEXT,
    created_at  INTEGER NOT NULL
);
CREATE INDEX channel_accounts_company ON channel_accounts(company_id);

CREATE TABLE clients (
    id                  INTEGER PRIMARY KEY,
    company_id          INTEGER NOT NULL REFERENCES companies(id),
    channel_account_id  INTEGER NOT NULL REFERENCES channel_accounts(id),
    external_id         TEXT NOT NULL,
    original_name       TEXT NOT NULL,
    display_name        TEXT NOT NULL,
    blacklisted         INTEGER NOT NULL DEFAULT 0,
    pinned_operator_id  INTEGER REFERENCES operators(id),
    created_at          INTEGER NOT NULL,
    UNIQUE (channel_account_id, external_id)
);

CREATE TABLE conversations (
    id                          INTEGER PRIMARY KEY,
    company_id                  INTEGER NOT NULL REFERENCES companies(id),
    channel_account_id          INTEGER NOT NULL REFERENCES channel_accounts(id),
    client_id                   INTEGER NOT NULL UNIQUE REFERENCES clients(id),
    status                      TEXT NOT NULL,
    operator_id                 INTEGER REFERENCES operators(id),
    group_id                    INTEGER REFERENCES company_groups(id),
    status_changed_at           INTEGER NOT NULL,
    closed_by                   INTEGER REFERENCES operators(id),
    last_message_at             INTEGER NOT NULL,
    last_message_from_operator  INTEGER NOT NULL DEFAULT 0,
    last_message_preview        TEXT NOT NULL DEFAULT '',
    last_client_message_id      INTEGER,
    created_at                  INTEGER NOT NULL,
    updated_at                  INTEGER NOT NULL
);
CREATE INDEX conversations_company_updated ON conversations(company_id, updated_at);
CREATE INDEX conversations_company_status ON conversations(company_id, status, updated_at);

CREATE TABLE messages (
    id               INTEGER PRIMARY KEY,
    conversation_id  INTEGER NOT NULL REFERENCES conversations(id),
    kind             TEXT NOT NULL,
    text             TEXT NOT NULL,
    operator_id      INTEGER REFERENCES operators(id),
    created_at       INTEGER NOT NULL,
    delivery         TEXT NOT NULL,
    client_msg_id    TEXT,
    -- Reference to a file (send-file-message); fetching and storing files comes later.
    attachment_url   TEXT,
    UNIQUE (conversation_id, client_msg_id)
);
CREATE INDEX messages_conversation ON messages(conversation_id, id);

CREATE TABLE read_states (
    operator_id           INTEGER NOT NULL REFERENCES operators(id),
    conversation_id       INTEGER NOT NULL REFERENCES conversations(id),
    last_read_message_id  INTEGER NOT NULL,
    PRIMARY KEY (operator_id, conversation_id)
);

CREATE TABLE api_tokens (
    id          INTEGER PRIMARY KEY,
    company_id  INTEGER NOT NULL REFERENCES companies(id),
    name        TEXT NOT NULL,
    token_hash  TEXT NOT NULL UNIQUE,
    created_at  INTEGER NOT NULL,
    revoked_at  INTEGER
);

CREATE TABLE sessions (
    token_hash   TEXT PRIMARY KEY,
    operator_id  INTEGER NOT NULL REFERENCES operators(id),
    created_at   INTEGER NOT NULL,
    revoked_at   INTEGER
);

CREATE TABLE action_log (
    id                 INTEGER PRIMARY KEY,
    company_id         INTEGER NOT NULL REFERENCES companies(id),
    actor_operator_id  INTEGER REFERENCES operators(id),
    actor_token_id     INTEGER REFERENCES api_tokens(id),
    target_type        TEXT NOT NULL,
    target_id          INTEGER NOT NULL,
    action             TEXT NOT NULL,
    ip                 TEXT,
    note               TEXT,
    created_at         INTEGER NOT NULL
);
CREATE INDEX action_log_target ON action_log(company_id, target_type, target_id);

-- Idempotency keys of /api/v1 conversation actions.
CREATE TABLE processed_actions (
    company_id       INTEGER NOT NULL REFERENCES companies(id),
    action_id        TEXT NOT NULL,
    conversation_id  INTEGER NOT NULL,
    created_at       INTEGER NOT NULL,
    PRIMARY KEY (company_id, action_id)
);

-- The change log behind /api/v1/sync and /api/v1/events. The scope columns describe the
-- conversation before and after the change so each caller's view can be decided later.
CREATE TABLE changes (
    seq                    INTEGER PRIMARY KEY AUTOINCREMENT,
    company_id             INTEGER NOT NULL REFERENCES companies(id),
    entity                 TEXT NOT NULL,
    entity_id              INTEGER NOT NULL,
    op                     TEXT NOT NULL,
    data                   TEXT,
    conversation_id        INTEGER,
    before_status          TEXT,
    before_operator_id     INTEGER,
    before_group_id        INTEGER,
    before_closed_by       INTEGER,
    before_blacklisted     INTEGER,
    after_status           TEXT,
    after_operator_id      INTEGER,
    after_group_id         INTEGER,
    after_closed_by        INTEGER,
    after_blacklisted      INTEGER,
    only_operator_id       INTEGER,
    created_at             INTEGER NOT NULL
);
CREATE INDEX changes_company_seq ON changes(company_id, seq);
