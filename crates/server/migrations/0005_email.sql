-- Send to Email: Settings › Advanced "Email whitelist for downloading conversations".
-- One row per company that changed the setting; no row: not restricted.
CREATE TABLE email_whitelist_settings (
    company_id          INTEGER PRIMARY KEY REFERENCES companies(id),
    restrict_addresses  INTEGER NOT NULL DEFAULT 0
);

-- Lowercase addresses.
CREATE TABLE email_whitelist (
    company_id  INTEGER NOT NULL REFERENCES companies(id),
    address     TEXT NOT NULL,
    PRIMARY KEY (company_id, address)
);
