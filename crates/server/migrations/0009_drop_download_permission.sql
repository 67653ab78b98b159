-- "Send to Email" needs no role flag: the company's email whitelist is its only limit (seed:
-- Settings › Advanced, "Email whitelist for downloading conversations").
ALTER TABLE roles DROP COLUMN download_conversations;
