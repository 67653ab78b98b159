-- Two role flags issue 11 names: "view action log" (read Settings › Advanced "Action log";
-- changing an Advanced function stays the super-admin's) and "download conversations"
-- ("Send to Email"). 0009 had dropped an older `download_conversations`, reasoning that the
-- email whitelist was the only limit; the Administration issue asks for the role flag as well,
-- so it comes back. Every existing role gets it on: nobody loses an export they could make.
ALTER TABLE roles ADD COLUMN view_action_log INTEGER NOT NULL DEFAULT 0;
ALTER TABLE roles ADD COLUMN download_conversations INTEGER NOT NULL DEFAULT 0;
UPDATE roles SET download_conversations = 1;
