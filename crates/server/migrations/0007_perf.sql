-- The recent-first snapshot pages conversations by last activity.
CREATE INDEX conversations_company_activity ON conversations(company_id, last_message_at, id);
