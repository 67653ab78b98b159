-- Settings › Advanced "IP address whitelist" (off by default: no row means off) and the
-- company-wide action log read newest first.
CREATE TABLE ip_whitelists (
    company_id  INTEGER PRIMARY KEY REFERENCES companies(id),
    enabled     INTEGER NOT NULL DEFAULT 0,
    -- JSON array of canonical addresses and CIDR ranges.
    entries     TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX action_log_company ON action_log(company_id, id);
