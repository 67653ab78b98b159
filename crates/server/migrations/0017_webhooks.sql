-- Webhooks (Settings › Advanced, super-admin only): subscriptions, the outbox of events to
-- POST (one row per webhook and event, kept until delivered or given up, so a restart loses
-- nothing), and one row per attempt (the delivery log, its newest 10 000 per webhook).
CREATE TABLE webhooks (
    id INTEGER PRIMARY KEY,
    company_id INTEGER NOT NULL REFERENCES companies(id),
    url TEXT NOT NULL,
    -- JSON array of event names.
    events TEXT NOT NULL,
    active INTEGER NOT NULL DEFAULT 1,
    -- The HMAC key: the server signs with it, so it is kept as given out.
    secret TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX webhooks_company ON webhooks(company_id);

CREATE TABLE webhook_outbox (
    id INTEGER PRIMARY KEY,
    webhook_id INTEGER NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
    event_id TEXT NOT NULL,
    event TEXT NOT NULL,
    -- Events with the same key reach a webhook in order ("conversation:7", "client:3").
    order_key TEXT NOT NULL,
    body TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX webhook_outbox_due ON webhook_outbox(next_attempt_at);
CREATE INDEX webhook_outbox_order ON webhook_outbox(webhook_id, order_key, id);

CREATE TABLE webhook_attempts (
    id INTEGER PRIMARY KEY,
    webhook_id INTEGER NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
    event_id TEXT NOT NULL,
    event TEXT NOT NULL,
    attempt INTEGER NOT NULL,
    status_code INTEGER,
    error TEXT,
    outcome TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX webhook_attempts_log ON webhook_attempts(webhook_id, id);
