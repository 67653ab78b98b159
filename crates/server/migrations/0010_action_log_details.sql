-- The action log is typed: what a row is about is a JSON object of named fields
-- (switchboard_protocol::LogDetails) instead of free text. `action` and `target_type` keep
-- their strings (they are the enums' names); `note` keeps the free text of older rows and is
-- no longer written.
ALTER TABLE action_log ADD COLUMN details TEXT;
