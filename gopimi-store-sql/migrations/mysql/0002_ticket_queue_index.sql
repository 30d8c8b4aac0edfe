-- gopimi schema 2 for MySQL/MariaDB: the ticket queue's count from an index.
-- Every ticket list asks for its total, and the queue's conditions (not trashed, not spam, a
-- set of statuses) match most rows of a workspace. An index holding every filtered column
-- (InnoDB has no partial indexes; `deleted_at IS NULL` is an equality on the index) lets
-- the count read the index alone instead of every matching row.
CREATE INDEX tickets_ws_queue ON tickets (workspace_id, deleted_at, status, spam);
