-- A channel account an admin disabled (Administration › Channel accounts): every inbound path
-- refuses its messages (service::ingest), its listener stops, its conversations stay readable.
ALTER TABLE channel_accounts ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0;
