-- Webhook deliveries to one endpoint for one object (e.g. a ticket) are sent one at a time, in
-- event order: the deliverer asks for the oldest pending delivery of (endpoint, order key).
ALTER TABLE webhook_deliveries ADD COLUMN order_key text COLLATE "C";

CREATE INDEX webhook_deliveries_order ON webhook_deliveries (workspace_id, webhook_id, order_key, delivery_status, created_at ASC NULLS FIRST, id);
