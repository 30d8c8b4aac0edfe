-- gopimi schema 3 for SQLite: the ticket queue from indexes over live tickets.
-- Every ticket list asks for its total, and the queue's conditions (not trashed, not spam, a
-- set of statuses) match most rows of a workspace: counting them read every matching row
-- (about 120 ms for 60,000 of 100,000 tickets in gopimi-store-sql/benches/store.rs), and a
-- deep page read every skipped row to test its status. Partial indexes over live tickets that
-- hold the filtered columns answer the count from the index alone, and let a page walk the
-- activity order testing status and spam in the index before reading a row. SQLite uses an
-- index column only after equalities on the ones before it (no skip-scan without ANALYZE),
-- so the count gets both orders: by status (a status filter, spam or not) and by spam (the
-- queue, the spam view, with or without a status filter).
CREATE INDEX tickets_ws_queue ON tickets (workspace_id, status, spam) WHERE deleted_at IS NULL;

CREATE INDEX tickets_ws_queue_spam ON tickets (workspace_id, spam, status) WHERE deleted_at IS NULL;

CREATE INDEX tickets_ws_queue_activity ON tickets (workspace_id, last_activity_at DESC, id, status, spam) WHERE deleted_at IS NULL;
