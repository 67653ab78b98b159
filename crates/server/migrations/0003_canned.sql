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
