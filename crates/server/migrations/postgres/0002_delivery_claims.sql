-- Twin of migrations/0022_delivery_claims.sql: the instance (its advisory lock's key, see
-- storage/postgres.rs) handing a row to its channel or webhook receiver.
ALTER TABLE deliveries ADD COLUMN claimed_by BIGINT;
ALTER TABLE webhook_outbox ADD COLUMN claimed_by BIGINT;
