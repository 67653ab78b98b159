-- The admin's labels of a channel account ("EU", "VIP line"; Tab: Apps › Tagging accounts), a
-- JSON array of strings, checked by service::channel_accounts (trimmed, 1 to 50 characters,
-- no repeats in any case, at most 20).
ALTER TABLE channel_accounts ADD COLUMN tags TEXT NOT NULL DEFAULT '[]';
