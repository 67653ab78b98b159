-- Settings › Advanced › Iframe integration (issue 11): a conversation view a CRM embeds under a
-- signed, expiring, conversation-scoped link. Off by default. `origins`: JSON list of the
-- origins allowed to frame it (`Content-Security-Policy: frame-ancestors`). `signing_key`
-- signs the links (HMAC-SHA256); a new key voids every link made before.
CREATE TABLE iframe_settings (
    company_id   INTEGER PRIMARY KEY REFERENCES companies(id),
    enabled      INTEGER NOT NULL DEFAULT 0,
    origins      TEXT NOT NULL DEFAULT '[]',
    link_minutes INTEGER NOT NULL DEFAULT 60,
    signing_key  TEXT NOT NULL
);
