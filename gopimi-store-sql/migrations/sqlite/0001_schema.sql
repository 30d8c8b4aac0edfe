-- gopimi schema 1 for SQLite: one table per stored kind (gopimi_core::store::schema), generated
-- once from that declaration and frozen; later changes are new, hand-written migrations.
-- Ids are 16-byte BLOBs (memcmp order = Uuid order), times are integer microseconds since the
-- Unix epoch (sorts like the time), booleans 0/1, text compared with the default BINARY
-- collation. Searchable kinds have an external-content FTS5 index kept by triggers.


CREATE TABLE users (
    id BLOB NOT NULL PRIMARY KEY,
    workspace_id BLOB,
    version INTEGER NOT NULL,
    body TEXT NOT NULL,
    email TEXT,
    created_at INTEGER
) STRICT;

CREATE UNIQUE INDEX user_email ON users (email);

CREATE TABLE workspaces (
    id BLOB NOT NULL PRIMARY KEY,
    workspace_id BLOB,
    version INTEGER NOT NULL,
    body TEXT NOT NULL,
    owner_id BLOB,
    name_sort TEXT,
    created_at INTEGER,
    search_text TEXT
) STRICT;

CREATE INDEX workspaces_owner ON workspaces (owner_id);

CREATE INDEX workspaces_name ON workspaces (name_sort, id);

CREATE VIRTUAL TABLE workspaces_fts USING fts5(search_text, content='workspaces', content_rowid='rowid', tokenize='unicode61 remove_diacritics 0');

CREATE TRIGGER workspaces_fts_insert AFTER INSERT ON workspaces WHEN new.search_text IS NOT NULL BEGIN
    INSERT INTO workspaces_fts (rowid, search_text) VALUES (new.rowid, new.search_text);
END;

CREATE TRIGGER workspaces_fts_delete AFTER DELETE ON workspaces WHEN old.search_text IS NOT NULL BEGIN
    INSERT INTO workspaces_fts (workspaces_fts, rowid, search_text) VALUES ('delete', old.rowid, old.search_text);
END;

CREATE TRIGGER workspaces_fts_update AFTER UPDATE OF search_text ON workspaces WHEN old.search_text IS NOT new.search_text BEGIN
    INSERT INTO workspaces_fts (workspaces_fts, rowid, search_text) SELECT 'delete', old.rowid, old.search_text WHERE old.search_text IS NOT NULL;
    INSERT INTO workspaces_fts (rowid, search_text) SELECT new.rowid, new.search_text WHERE new.search_text IS NOT NULL;
END;

CREATE TABLE memberships (
    id BLOB NOT NULL PRIMARY KEY,
    workspace_id BLOB NOT NULL REFERENCES workspaces (id),
    version INTEGER NOT NULL,
    body TEXT NOT NULL,
    user_id BLOB,
    role TEXT,
    created_at INTEGER
) STRICT;

CREATE UNIQUE INDEX membership_user ON memberships (workspace_id, user_id);

CREATE INDEX memberships_user ON memberships (user_id);

CREATE INDEX memberships_ws_created ON memberships (workspace_id, created_at, id);

CREATE TABLE api_tokens (
    id BLOB NOT NULL PRIMARY KEY,
    workspace_id BLOB,
    version INTEGER NOT NULL,
    body TEXT NOT NULL,
    user_id BLOB,
    token_hash TEXT,
    token_kind TEXT,
    expires_at INTEGER,
    created_at INTEGER
) STRICT;

CREATE UNIQUE INDEX api_token_hash ON api_tokens (token_hash);

CREATE INDEX api_tokens_user ON api_tokens (user_id, created_at);

CREATE TABLE organizations (
    id BLOB NOT NULL PRIMARY KEY,
    workspace_id BLOB NOT NULL REFERENCES workspaces (id),
    version INTEGER NOT NULL,
    body TEXT NOT NULL,
    name_sort TEXT,
    created_at INTEGER,
    search_text TEXT
) STRICT;

CREATE UNIQUE INDEX organization_name ON organizations (workspace_id, name_sort);

CREATE INDEX organizations_ws_created ON organizations (workspace_id, created_at DESC, id);

CREATE VIRTUAL TABLE organizations_fts USING fts5(search_text, content='organizations', content_rowid='rowid', tokenize='unicode61 remove_diacritics 0');

CREATE TRIGGER organizations_fts_insert AFTER INSERT ON organizations WHEN new.search_text IS NOT NULL BEGIN
    INSERT INTO organizations_fts (rowid, search_text) VALUES (new.rowid, new.search_text);
END;

CREATE TRIGGER organizations_fts_delete AFTER DELETE ON organizations WHEN old.search_text IS NOT NULL BEGIN
    INSERT INTO organizations_fts (organizations_fts, rowid, search_text) VALUES ('delete', old.rowid, old.search_text);
END;

CREATE TRIGGER organizations_fts_update AFTER UPDATE OF search_text ON organizations WHEN old.search_text IS NOT new.search_text BEGIN
    INSERT INTO organizations_fts (organizations_fts, rowid, search_text) SELECT 'delete', old.rowid, old.search_text WHERE old.search_text IS NOT NULL;
    INSERT INTO organizations_fts (rowid, search_text) SELECT new.rowid, new.search_text WHERE new.search_text IS NOT NULL;
END;

CREATE TABLE contacts (
    id BLOB NOT NULL PRIMARY KEY,
    workspace_id BLOB NOT NULL REFERENCES workspaces (id),
    version INTEGER NOT NULL,
    body TEXT NOT NULL,
    email TEXT,
    name_sort TEXT,
    organization_id BLOB,
    created_at INTEGER,
    updated_at INTEGER,
    search_text TEXT
) STRICT;

CREATE UNIQUE INDEX contact_email ON contacts (workspace_id, email);

CREATE INDEX contacts_ws_name ON contacts (workspace_id, name_sort, id);

CREATE INDEX contacts_ws_created ON contacts (workspace_id, created_at DESC, id);

CREATE INDEX contacts_ws_updated ON contacts (workspace_id, updated_at DESC, id);

CREATE INDEX contacts_ws_organization ON contacts (workspace_id, organization_id);

CREATE VIRTUAL TABLE contacts_fts USING fts5(search_text, content='contacts', content_rowid='rowid', tokenize='unicode61 remove_diacritics 0');

CREATE TRIGGER contacts_fts_insert AFTER INSERT ON contacts WHEN new.search_text IS NOT NULL BEGIN
    INSERT INTO contacts_fts (rowid, search_text) VALUES (new.rowid, new.search_text);
END;

CREATE TRIGGER contacts_fts_delete AFTER DELETE ON contacts WHEN old.search_text IS NOT NULL BEGIN
    INSERT INTO contacts_fts (contacts_fts, rowid, search_text) VALUES ('delete', old.rowid, old.search_text);
END;

CREATE TRIGGER contacts_fts_update AFTER UPDATE OF search_text ON contacts WHEN old.search_text IS NOT new.search_text BEGIN
    INSERT INTO contacts_fts (contacts_fts, rowid, search_text) SELECT 'delete', old.rowid, old.search_text WHERE old.search_text IS NOT NULL;
    INSERT INTO contacts_fts (rowid, search_text) SELECT new.rowid, new.search_text WHERE new.search_text IS NOT NULL;
END;

CREATE TABLE custom_fields (
    id BLOB NOT NULL PRIMARY KEY,
    workspace_id BLOB NOT NULL REFERENCES workspaces (id),
    version INTEGER NOT NULL,
    body TEXT NOT NULL,
    name_sort TEXT,
    field_type TEXT,
    featured INTEGER,
    position INTEGER,
    created_at INTEGER
) STRICT;

CREATE UNIQUE INDEX custom_field_name ON custom_fields (workspace_id, name_sort);

CREATE INDEX custom_fields_ws_position ON custom_fields (workspace_id, position, id);

CREATE TABLE custom_field_values (
    id BLOB NOT NULL PRIMARY KEY,
    workspace_id BLOB NOT NULL REFERENCES workspaces (id),
    version INTEGER NOT NULL,
    body TEXT NOT NULL,
    contact_id BLOB,
    field_id BLOB,
    created_at INTEGER
) STRICT;

CREATE UNIQUE INDEX custom_field_value ON custom_field_values (workspace_id, contact_id, field_id);

CREATE INDEX custom_field_values_ws_field ON custom_field_values (workspace_id, field_id);

CREATE TABLE tags (
    id BLOB NOT NULL PRIMARY KEY,
    workspace_id BLOB NOT NULL REFERENCES workspaces (id),
    version INTEGER NOT NULL,
    body TEXT NOT NULL,
    name_sort TEXT,
    created_at INTEGER
) STRICT;

CREATE UNIQUE INDEX tag_name ON tags (workspace_id, name_sort);

CREATE TABLE canned_responses (
    id BLOB NOT NULL PRIMARY KEY,
    workspace_id BLOB NOT NULL REFERENCES workspaces (id),
    version INTEGER NOT NULL,
    body TEXT NOT NULL,
    name_sort TEXT,
    created_at INTEGER,
    search_text TEXT
) STRICT;

CREATE INDEX canned_responses_ws_name ON canned_responses (workspace_id, name_sort, id);

CREATE VIRTUAL TABLE canned_responses_fts USING fts5(search_text, content='canned_responses', content_rowid='rowid', tokenize='unicode61 remove_diacritics 0');

CREATE TRIGGER canned_responses_fts_insert AFTER INSERT ON canned_responses WHEN new.search_text IS NOT NULL BEGIN
    INSERT INTO canned_responses_fts (rowid, search_text) VALUES (new.rowid, new.search_text);
END;

CREATE TRIGGER canned_responses_fts_delete AFTER DELETE ON canned_responses WHEN old.search_text IS NOT NULL BEGIN
    INSERT INTO canned_responses_fts (canned_responses_fts, rowid, search_text) VALUES ('delete', old.rowid, old.search_text);
END;

CREATE TRIGGER canned_responses_fts_update AFTER UPDATE OF search_text ON canned_responses WHEN old.search_text IS NOT new.search_text BEGIN
    INSERT INTO canned_responses_fts (canned_responses_fts, rowid, search_text) SELECT 'delete', old.rowid, old.search_text WHERE old.search_text IS NOT NULL;
    INSERT INTO canned_responses_fts (rowid, search_text) SELECT new.rowid, new.search_text WHERE new.search_text IS NOT NULL;
END;

CREATE TABLE sla_policies (
    id BLOB NOT NULL PRIMARY KEY,
    workspace_id BLOB NOT NULL REFERENCES workspaces (id),
    version INTEGER NOT NULL,
    body TEXT NOT NULL,
    active INTEGER,
    name_sort TEXT,
    created_at INTEGER
) STRICT;

CREATE INDEX sla_policies_ws_active ON sla_policies (workspace_id, active, name_sort, id);

CREATE TABLE domains (
    id BLOB NOT NULL PRIMARY KEY,
    workspace_id BLOB NOT NULL REFERENCES workspaces (id),
    version INTEGER NOT NULL,
    body TEXT NOT NULL,
    domain_name TEXT,
    created_at INTEGER
) STRICT;

CREATE UNIQUE INDEX domain_name ON domains (domain_name);

CREATE INDEX domains_ws_created ON domains (workspace_id, created_at, id);

CREATE TABLE workspace_emails (
    id BLOB NOT NULL PRIMARY KEY,
    workspace_id BLOB NOT NULL REFERENCES workspaces (id),
    version INTEGER NOT NULL,
    body TEXT NOT NULL,
    address TEXT,
    forwarding_address TEXT,
    purpose TEXT,
    user_id BLOB,
    domain_id BLOB,
    can_send INTEGER,
    can_receive INTEGER,
    created_at INTEGER
) STRICT;

CREATE UNIQUE INDEX workspace_email_address ON workspace_emails (address);

CREATE UNIQUE INDEX workspace_email_forwarding ON workspace_emails (forwarding_address);

CREATE INDEX workspace_emails_ws_created ON workspace_emails (workspace_id, created_at, id);

CREATE INDEX workspace_emails_domain ON workspace_emails (domain_id);

CREATE INDEX workspace_emails_user ON workspace_emails (user_id);

CREATE TABLE tickets (
    id BLOB NOT NULL PRIMARY KEY,
    workspace_id BLOB NOT NULL REFERENCES workspaces (id),
    version INTEGER NOT NULL,
    body TEXT NOT NULL,
    number INTEGER,
    status TEXT,
    status_rank INTEGER,
    priority TEXT,
    priority_rank INTEGER,
    agent_id BLOB,
    contact_id BLOB,
    workspace_email_id BLOB,
    subject_sort TEXT,
    spam INTEGER,
    deleted_at INTEGER,
    created_at INTEGER,
    updated_at INTEGER,
    last_activity_at INTEGER,
    sla_due_at INTEGER,
    search_text TEXT
) STRICT;

CREATE UNIQUE INDEX ticket_number ON tickets (workspace_id, number);

CREATE INDEX tickets_ws_created ON tickets (workspace_id, created_at DESC, id);

CREATE INDEX tickets_ws_updated ON tickets (workspace_id, updated_at DESC, id);

CREATE INDEX tickets_ws_last_activity ON tickets (workspace_id, last_activity_at DESC, id);

CREATE INDEX tickets_ws_status ON tickets (workspace_id, status, created_at DESC, id);

CREATE INDEX tickets_ws_priority ON tickets (workspace_id, priority, created_at DESC, id);

CREATE INDEX tickets_ws_agent ON tickets (workspace_id, agent_id, created_at DESC, id);

CREATE INDEX tickets_ws_contact ON tickets (workspace_id, contact_id, created_at DESC, id);

CREATE INDEX tickets_ws_email ON tickets (workspace_id, workspace_email_id);

CREATE INDEX tickets_ws_spam ON tickets (workspace_id, spam, created_at DESC, id);

CREATE INDEX tickets_ws_status_rank ON tickets (workspace_id, status_rank, id);

CREATE INDEX tickets_ws_priority_rank ON tickets (workspace_id, priority_rank, id);

CREATE INDEX tickets_ws_subject ON tickets (workspace_id, subject_sort, id);

CREATE INDEX tickets_ws_trash ON tickets (workspace_id, deleted_at DESC, id) WHERE deleted_at IS NOT NULL;

CREATE INDEX tickets_sla_due ON tickets (sla_due_at, id) WHERE sla_due_at IS NOT NULL;

CREATE VIRTUAL TABLE tickets_fts USING fts5(search_text, content='tickets', content_rowid='rowid', tokenize='unicode61 remove_diacritics 0');

CREATE TRIGGER tickets_fts_insert AFTER INSERT ON tickets WHEN new.search_text IS NOT NULL BEGIN
    INSERT INTO tickets_fts (rowid, search_text) VALUES (new.rowid, new.search_text);
END;

CREATE TRIGGER tickets_fts_delete AFTER DELETE ON tickets WHEN old.search_text IS NOT NULL BEGIN
    INSERT INTO tickets_fts (tickets_fts, rowid, search_text) VALUES ('delete', old.rowid, old.search_text);
END;

CREATE TRIGGER tickets_fts_update AFTER UPDATE OF search_text ON tickets WHEN old.search_text IS NOT new.search_text BEGIN
    INSERT INTO tickets_fts (tickets_fts, rowid, search_text) SELECT 'delete', old.rowid, old.search_text WHERE old.search_text IS NOT NULL;
    INSERT INTO tickets_fts (rowid, search_text) SELECT new.rowid, new.search_text WHERE new.search_text IS NOT NULL;
END;

CREATE TABLE tickets_tag_ids (
    owner_id BLOB NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    workspace_id BLOB,
    value_id BLOB NOT NULL,
    PRIMARY KEY (owner_id, value_id)
) STRICT;

CREATE INDEX tickets_tag_ids_value ON tickets_tag_ids (value_id, owner_id);

CREATE TABLE conversations (
    id BLOB NOT NULL PRIMARY KEY,
    workspace_id BLOB NOT NULL REFERENCES workspaces (id),
    version INTEGER NOT NULL,
    body TEXT NOT NULL,
    status TEXT,
    status_rank INTEGER,
    owner_id BLOB,
    agent_id BLOB,
    contact_id BLOB,
    workspace_email_id BLOB,
    subject_sort TEXT,
    spam INTEGER,
    deleted_at INTEGER,
    created_at INTEGER,
    updated_at INTEGER,
    last_activity_at INTEGER,
    search_text TEXT
) STRICT;

CREATE INDEX conversations_ws_created ON conversations (workspace_id, created_at DESC, id);

CREATE INDEX conversations_ws_updated ON conversations (workspace_id, updated_at DESC, id);

CREATE INDEX conversations_ws_last_activity ON conversations (workspace_id, last_activity_at DESC, id);

CREATE INDEX conversations_ws_status ON conversations (workspace_id, status, created_at DESC, id);

CREATE INDEX conversations_ws_owner ON conversations (workspace_id, owner_id, created_at DESC, id);

CREATE INDEX conversations_ws_agent ON conversations (workspace_id, agent_id, created_at DESC, id);

CREATE INDEX conversations_ws_contact ON conversations (workspace_id, contact_id, created_at DESC, id);

CREATE INDEX conversations_ws_email ON conversations (workspace_id, workspace_email_id, created_at DESC, id);

CREATE INDEX conversations_ws_spam ON conversations (workspace_id, spam, created_at DESC, id);

CREATE INDEX conversations_ws_status_rank ON conversations (workspace_id, status_rank, id);

CREATE INDEX conversations_ws_subject ON conversations (workspace_id, subject_sort, id);

CREATE INDEX conversations_ws_trash ON conversations (workspace_id, deleted_at DESC, id) WHERE deleted_at IS NOT NULL;

CREATE VIRTUAL TABLE conversations_fts USING fts5(search_text, content='conversations', content_rowid='rowid', tokenize='unicode61 remove_diacritics 0');

CREATE TRIGGER conversations_fts_insert AFTER INSERT ON conversations WHEN new.search_text IS NOT NULL BEGIN
    INSERT INTO conversations_fts (rowid, search_text) VALUES (new.rowid, new.search_text);
END;

CREATE TRIGGER conversations_fts_delete AFTER DELETE ON conversations WHEN old.search_text IS NOT NULL BEGIN
    INSERT INTO conversations_fts (conversations_fts, rowid, search_text) VALUES ('delete', old.rowid, old.search_text);
END;

CREATE TRIGGER conversations_fts_update AFTER UPDATE OF search_text ON conversations WHEN old.search_text IS NOT new.search_text BEGIN
    INSERT INTO conversations_fts (conversations_fts, rowid, search_text) SELECT 'delete', old.rowid, old.search_text WHERE old.search_text IS NOT NULL;
    INSERT INTO conversations_fts (rowid, search_text) SELECT new.rowid, new.search_text WHERE new.search_text IS NOT NULL;
END;

CREATE TABLE conversations_tag_ids (
    owner_id BLOB NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    workspace_id BLOB,
    value_id BLOB NOT NULL,
    PRIMARY KEY (owner_id, value_id)
) STRICT;

CREATE INDEX conversations_tag_ids_value ON conversations_tag_ids (value_id, owner_id);

CREATE TABLE messages (
    id BLOB NOT NULL PRIMARY KEY,
    workspace_id BLOB NOT NULL REFERENCES workspaces (id),
    version INTEGER NOT NULL,
    body TEXT NOT NULL,
    ticket_id BLOB,
    conversation_id BLOB,
    message_kind TEXT,
    rfc_message_id TEXT,
    provider_message_id TEXT,
    delivery_status TEXT,
    deleted_at INTEGER,
    created_at INTEGER,
    search_text TEXT
) STRICT;

CREATE UNIQUE INDEX message_rfc_id ON messages (workspace_id, rfc_message_id);

CREATE UNIQUE INDEX message_provider_id ON messages (workspace_id, provider_message_id);

CREATE INDEX messages_ws_ticket ON messages (workspace_id, ticket_id, created_at, id);

CREATE INDEX messages_ws_conversation ON messages (workspace_id, conversation_id, created_at, id);

CREATE INDEX messages_provider_id ON messages (provider_message_id) WHERE provider_message_id IS NOT NULL;

CREATE INDEX messages_ws_created ON messages (workspace_id, created_at DESC, id);

CREATE VIRTUAL TABLE messages_fts USING fts5(search_text, content='messages', content_rowid='rowid', tokenize='unicode61 remove_diacritics 0');

CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages WHEN new.search_text IS NOT NULL BEGIN
    INSERT INTO messages_fts (rowid, search_text) VALUES (new.rowid, new.search_text);
END;

CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages WHEN old.search_text IS NOT NULL BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, search_text) VALUES ('delete', old.rowid, old.search_text);
END;

CREATE TRIGGER messages_fts_update AFTER UPDATE OF search_text ON messages WHEN old.search_text IS NOT new.search_text BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, search_text) SELECT 'delete', old.rowid, old.search_text WHERE old.search_text IS NOT NULL;
    INSERT INTO messages_fts (rowid, search_text) SELECT new.rowid, new.search_text WHERE new.search_text IS NOT NULL;
END;

CREATE TABLE attachments (
    id BLOB NOT NULL PRIMARY KEY,
    workspace_id BLOB NOT NULL REFERENCES workspaces (id),
    version INTEGER NOT NULL,
    body TEXT NOT NULL,
    message_id BLOB,
    uploaded_by BLOB,
    created_at INTEGER
) STRICT;

CREATE INDEX attachments_ws_message ON attachments (workspace_id, message_id);

CREATE INDEX attachments_ws_created ON attachments (workspace_id, created_at, id);

CREATE TABLE activities (
    id BLOB NOT NULL PRIMARY KEY,
    workspace_id BLOB NOT NULL REFERENCES workspaces (id),
    version INTEGER NOT NULL,
    body TEXT NOT NULL,
    ticket_id BLOB,
    conversation_id BLOB,
    actor_id BLOB,
    action TEXT,
    created_at INTEGER
) STRICT;

CREATE INDEX activities_ws_ticket ON activities (workspace_id, ticket_id, created_at, id);

CREATE INDEX activities_ws_conversation ON activities (workspace_id, conversation_id, created_at, id);

CREATE INDEX activities_ws_created ON activities (workspace_id, created_at DESC, id);

CREATE TABLE notification_preferences (
    id BLOB NOT NULL PRIMARY KEY,
    workspace_id BLOB NOT NULL REFERENCES workspaces (id),
    version INTEGER NOT NULL,
    body TEXT NOT NULL,
    user_id BLOB,
    created_at INTEGER
) STRICT;

CREATE UNIQUE INDEX notification_preference_user ON notification_preferences (workspace_id, user_id);

CREATE INDEX notification_preferences_user ON notification_preferences (user_id);

CREATE TABLE blocked_senders (
    id BLOB NOT NULL PRIMARY KEY,
    workspace_id BLOB NOT NULL REFERENCES workspaces (id),
    version INTEGER NOT NULL,
    body TEXT NOT NULL,
    email TEXT,
    created_at INTEGER
) STRICT;

CREATE UNIQUE INDEX blocked_sender_email ON blocked_senders (workspace_id, email);

CREATE TABLE webhooks (
    id BLOB NOT NULL PRIMARY KEY,
    workspace_id BLOB NOT NULL REFERENCES workspaces (id),
    version INTEGER NOT NULL,
    body TEXT NOT NULL,
    enabled INTEGER,
    created_at INTEGER
) STRICT;

CREATE INDEX webhooks_ws_created ON webhooks (workspace_id, created_at, id);

CREATE TABLE webhook_deliveries (
    id BLOB NOT NULL PRIMARY KEY,
    workspace_id BLOB NOT NULL REFERENCES workspaces (id),
    version INTEGER NOT NULL,
    body TEXT NOT NULL,
    webhook_id BLOB,
    delivery_status TEXT,
    created_at INTEGER
) STRICT;

CREATE INDEX webhook_deliveries_ws_webhook ON webhook_deliveries (workspace_id, webhook_id, created_at DESC, id);

CREATE INDEX webhook_deliveries_status ON webhook_deliveries (delivery_status, created_at);

CREATE TABLE inbound_items (
    id BLOB NOT NULL PRIMARY KEY,
    workspace_id BLOB REFERENCES workspaces (id),
    version INTEGER NOT NULL,
    body TEXT NOT NULL,
    provider_key TEXT,
    inbound_status TEXT,
    received_at INTEGER,
    created_at INTEGER
) STRICT;

CREATE UNIQUE INDEX inbound_provider_key ON inbound_items (provider_key);

CREATE INDEX inbound_items_status ON inbound_items (inbound_status, received_at, id);

CREATE INDEX inbound_items_received ON inbound_items (received_at, id);

CREATE INDEX inbound_items_workspace ON inbound_items (workspace_id);

CREATE TABLE jobs (
    id BLOB NOT NULL PRIMARY KEY,
    workspace_id BLOB REFERENCES workspaces (id),
    version INTEGER NOT NULL,
    body TEXT NOT NULL,
    queue TEXT,
    job_status TEXT,
    due_at INTEGER,
    dedupe_key TEXT,
    created_at INTEGER
) STRICT;

CREATE UNIQUE INDEX job_dedupe_key ON jobs (dedupe_key);

CREATE INDEX jobs_due ON jobs (due_at, id) WHERE due_at IS NOT NULL;

CREATE INDEX jobs_status ON jobs (job_status, due_at, id);

CREATE INDEX jobs_workspace ON jobs (workspace_id);

CREATE INDEX jobs_queue ON jobs (queue, job_status, due_at);

CREATE TABLE nonces (
    id BLOB NOT NULL PRIMARY KEY,
    workspace_id BLOB,
    version INTEGER NOT NULL,
    body TEXT NOT NULL,
    nonce_key TEXT,
    expires_at INTEGER
) STRICT;

CREATE UNIQUE INDEX nonce_key ON nonces (nonce_key);

CREATE INDEX nonces_expires ON nonces (expires_at);
