-- gopimi schema 3 for PostgreSQL: the ticket queue's count from an index.
-- Every ticket list asks for its total. The queue's conditions (not trashed, not spam, a set of
-- statuses) matched most rows of a workspace, and counting them read every matching row from
-- the heap (90 ms for 60,000 of 100,000 tickets in gopimi-store-sql/benches/store.rs). A
-- partial index over live tickets holding the filtered columns answers the count with an
-- index-only scan (14 ms), with or without a status filter.
CREATE INDEX tickets_ws_queue ON tickets (workspace_id, status, spam) WHERE deleted_at IS NULL;
