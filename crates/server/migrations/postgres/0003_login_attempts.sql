-- Twin of migrations/0023_login_attempts.sql.
CREATE TABLE login_attempts (
    key BYTEA NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX login_attempts_key ON login_attempts (key, at);
CREATE INDEX login_attempts_at ON login_attempts (at);
