-- Real delivery of operator messages (issue 10). A channel may name a callback URL (Custom
-- app: outbound messages are POSTed there); without one nothing is delivered and operator
-- messages count as sent at once.
ALTER TABLE channel_accounts ADD COLUMN callback_url TEXT;

-- The persistent delivery queue: one row per operator message to deliver. `state` is
-- `queued` (waiting for `next_attempt_at`), `sending` (handed to the channel; a server that
-- starts finds these orphaned by its predecessor and queues them again with the same
-- `idempotency_key`, so the receiver can drop a repeat), `delivered` or `failed`.
CREATE TABLE deliveries (
    message_id          INTEGER PRIMARY KEY REFERENCES messages(id),
    conversation_id     INTEGER NOT NULL REFERENCES conversations(id),
    channel_account_id  INTEGER NOT NULL REFERENCES channel_accounts(id),
    state               TEXT NOT NULL,
    attempts            INTEGER NOT NULL DEFAULT 0,
    next_attempt_at     INTEGER NOT NULL,
    last_error          TEXT,
    platform_message_id TEXT,
    idempotency_key     TEXT NOT NULL
);
CREATE INDEX deliveries_pending ON deliveries(state, conversation_id, message_id);
