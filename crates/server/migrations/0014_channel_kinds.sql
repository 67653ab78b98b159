-- Channels beyond the Custom app (issue 10): Telegram bots, mailboxes, the LiveChat widget.
-- `config`: the kind's settings as JSON, owned by its module in `channels/` (bot token, IMAP
-- and SMTP URLs with their passwords, allowed origins …). It holds secrets: it is never sent
-- to operators, never returned by the API and never logged.
ALTER TABLE channel_accounts ADD COLUMN config TEXT NOT NULL DEFAULT '{}';

-- Where a channel's listener stands (Telegram's update offset, a mailbox's UIDVALIDITY and
-- last UID …), kept across restarts so nothing is read twice or skipped.
CREATE TABLE channel_cursors (
    channel_account_id INTEGER NOT NULL REFERENCES channel_accounts(id),
    name               TEXT NOT NULL,
    value              TEXT NOT NULL,
    PRIMARY KEY (channel_account_id, name)
);

-- The platform's id of each stored client message (a mail's Message-ID, a Telegram chat and
-- message id …): a message fetched twice (a poll repeated after a crash or a reconnect) is
-- stored once, and an edit or a reply finds the message it is about.
CREATE TABLE inbound_refs (
    channel_account_id INTEGER NOT NULL REFERENCES channel_accounts(id),
    platform_id        TEXT NOT NULL,
    message_id         INTEGER NOT NULL REFERENCES messages(id),
    PRIMARY KEY (channel_account_id, platform_id)
);

-- Replies name the operator message they answer by its platform id (a mail's In-Reply-To).
CREATE INDEX deliveries_platform_id ON deliveries(channel_account_id, platform_message_id);
