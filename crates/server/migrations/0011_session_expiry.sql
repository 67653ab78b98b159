-- Sessions expire after an idle time (since last use) and an absolute lifetime (since login),
-- both set on `serve`. Use slides `last_used_at` forward (at most every few minutes).
ALTER TABLE sessions ADD COLUMN last_used_at INTEGER;
UPDATE sessions SET last_used_at = created_at;
CREATE INDEX sessions_operator ON sessions(operator_id);
