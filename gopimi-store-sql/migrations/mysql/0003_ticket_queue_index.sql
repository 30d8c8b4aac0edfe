-- gopimi schema 3 for MySQL/MariaDB: ticket list totals from indexes.
-- Every ticket list asks for its total, and the queue's conditions (not trashed, not spam, a
-- set of statuses) match most rows of a workspace. An index holding every filtered column
-- (InnoDB has no partial indexes; `deleted_at IS NULL` is an equality on the index) lets the
-- count read the index alone instead of every matching row.
CREATE INDEX tickets_ws_queue ON tickets (workspace_id, deleted_at, status, spam);

-- One agent's tickets by status (the agent's own queue): with only `tickets_ws_agent`, MariaDB
-- planned the total of 2,000 among 100,000 tickets as a full table scan (382 ms in
-- gopimi-store-sql/benches/store.rs); from this index it is an index range (under 1 ms).
CREATE INDEX tickets_ws_agent_status ON tickets (workspace_id, agent_id, status, deleted_at);
