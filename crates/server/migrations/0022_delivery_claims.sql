-- Which server instance is handing a `sending` answer to its channel, or a webhook event to
-- its receiver (issue 13): with several instances on one PostgreSQL, such a row is another
-- live instance's until that instance is gone. One SQLite server is the only instance, so it
-- leaves these NULL.
ALTER TABLE deliveries ADD COLUMN claimed_by INTEGER;
ALTER TABLE webhook_outbox ADD COLUMN claimed_by INTEGER;
