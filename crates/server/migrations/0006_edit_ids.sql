-- Idempotency keys of edits queued offline by the app (client rename, client note) share
-- processed_actions with conversation actions; a note's key also remembers the note it made,
-- so a replay answers with that note instead of adding a second one.
ALTER TABLE processed_actions ADD COLUMN result_id INTEGER;
