-- Failed sign-ins per email and address (issue 13): kept in the database so that every server
-- instance on one PostgreSQL counts the same attempts (an attacker spreading guesses over the
-- instances behind a load balancer gets no more of them). `key` is the SHA-256 of the email
-- and the address; rows older than the window are deleted as attempts come in.
CREATE TABLE login_attempts (
    key BLOB NOT NULL,
    at INTEGER NOT NULL
);
CREATE INDEX login_attempts_key ON login_attempts (key, at);
CREATE INDEX login_attempts_at ON login_attempts (at);
