-- gopimi schema 1 for PostgreSQL: one table per stored kind (gopimi_core::store::schema), generated
-- once from that declaration and frozen; later changes are new, hand-written migrations.
-- Text columns use COLLATE "C" (byte order, like the core); index columns put NULLs first
-- ascending and last descending, the core's order. Searchable kinds keep a generated tsvector
-- ('simple' configuration: no stemming, no stop words) with a GIN index.


CREATE TABLE users (
    id uuid NOT NULL PRIMARY KEY,
    workspace_id uuid,
    version bigint NOT NULL,
    body text NOT NULL,
    email text COLLATE "C",
    created_at timestamptz,
    CONSTRAINT user_email UNIQUE (email)
);

CREATE TABLE workspaces (
    id uuid NOT NULL PRIMARY KEY,
    workspace_id uuid,
    version bigint NOT NULL,
    body text NOT NULL,
    owner_id uuid,
    name_sort text COLLATE "C",
    created_at timestamptz,
    search_text text COLLATE "C",
    search_vector tsvector NOT NULL GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, coalesce(search_text, ''))) STORED
);

CREATE INDEX workspaces_owner ON workspaces (owner_id ASC NULLS FIRST);

CREATE INDEX workspaces_name ON workspaces (name_sort ASC NULLS FIRST, id);

CREATE INDEX workspaces_search ON workspaces USING gin (search_vector);

CREATE TABLE memberships (
    id uuid NOT NULL PRIMARY KEY,
    workspace_id uuid NOT NULL REFERENCES workspaces (id),
    version bigint NOT NULL,
    body text NOT NULL,
    user_id uuid,
    role text COLLATE "C",
    created_at timestamptz,
    CONSTRAINT membership_user UNIQUE (workspace_id, user_id)
);

CREATE INDEX memberships_user ON memberships (user_id ASC NULLS FIRST);

CREATE INDEX memberships_ws_created ON memberships (workspace_id, created_at ASC NULLS FIRST, id);

CREATE TABLE api_tokens (
    id uuid NOT NULL PRIMARY KEY,
    workspace_id uuid,
    version bigint NOT NULL,
    body text NOT NULL,
    user_id uuid,
    token_hash text COLLATE "C",
    token_kind text COLLATE "C",
    expires_at timestamptz,
    created_at timestamptz,
    CONSTRAINT api_token_hash UNIQUE (token_hash)
);

CREATE INDEX api_tokens_user ON api_tokens (user_id ASC NULLS FIRST, created_at ASC NULLS FIRST);

CREATE TABLE organizations (
    id uuid NOT NULL PRIMARY KEY,
    workspace_id uuid NOT NULL REFERENCES workspaces (id),
    version bigint NOT NULL,
    body text NOT NULL,
    name_sort text COLLATE "C",
    created_at timestamptz,
    search_text text COLLATE "C",
    search_vector tsvector NOT NULL GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, coalesce(search_text, ''))) STORED,
    CONSTRAINT organization_name UNIQUE (workspace_id, name_sort)
);

CREATE INDEX organizations_ws_created ON organizations (workspace_id, created_at DESC NULLS LAST, id);

CREATE INDEX organizations_search ON organizations USING gin (search_vector);

CREATE TABLE contacts (
    id uuid NOT NULL PRIMARY KEY,
    workspace_id uuid NOT NULL REFERENCES workspaces (id),
    version bigint NOT NULL,
    body text NOT NULL,
    email text COLLATE "C",
    name_sort text COLLATE "C",
    organization_id uuid,
    created_at timestamptz,
    updated_at timestamptz,
    search_text text COLLATE "C",
    search_vector tsvector NOT NULL GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, coalesce(search_text, ''))) STORED,
    CONSTRAINT contact_email UNIQUE (workspace_id, email)
);

CREATE INDEX contacts_ws_name ON contacts (workspace_id, name_sort ASC NULLS FIRST, id);

CREATE INDEX contacts_ws_created ON contacts (workspace_id, created_at DESC NULLS LAST, id);

CREATE INDEX contacts_ws_updated ON contacts (workspace_id, updated_at DESC NULLS LAST, id);

CREATE INDEX contacts_ws_organization ON contacts (workspace_id, organization_id ASC NULLS FIRST);

CREATE INDEX contacts_search ON contacts USING gin (search_vector);

CREATE TABLE custom_fields (
    id uuid NOT NULL PRIMARY KEY,
    workspace_id uuid NOT NULL REFERENCES workspaces (id),
    version bigint NOT NULL,
    body text NOT NULL,
    name_sort text COLLATE "C",
    field_type text COLLATE "C",
    featured boolean,
    position bigint,
    created_at timestamptz,
    CONSTRAINT custom_field_name UNIQUE (workspace_id, name_sort)
);

CREATE INDEX custom_fields_ws_position ON custom_fields (workspace_id, position ASC NULLS FIRST, id);

CREATE TABLE custom_field_values (
    id uuid NOT NULL PRIMARY KEY,
    workspace_id uuid NOT NULL REFERENCES workspaces (id),
    version bigint NOT NULL,
    body text NOT NULL,
    contact_id uuid,
    field_id uuid,
    created_at timestamptz,
    CONSTRAINT custom_field_value UNIQUE (workspace_id, contact_id, field_id)
);

CREATE INDEX custom_field_values_ws_field ON custom_field_values (workspace_id, field_id ASC NULLS FIRST);

CREATE TABLE tags (
    id uuid NOT NULL PRIMARY KEY,
    workspace_id uuid NOT NULL REFERENCES workspaces (id),
    version bigint NOT NULL,
    body text NOT NULL,
    name_sort text COLLATE "C",
    created_at timestamptz,
    CONSTRAINT tag_name UNIQUE (workspace_id, name_sort)
);

CREATE TABLE canned_responses (
    id uuid NOT NULL PRIMARY KEY,
    workspace_id uuid NOT NULL REFERENCES workspaces (id),
    version bigint NOT NULL,
    body text NOT NULL,
    name_sort text COLLATE "C",
    created_at timestamptz,
    search_text text COLLATE "C",
    search_vector tsvector NOT NULL GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, coalesce(search_text, ''))) STORED
);

CREATE INDEX canned_responses_ws_name ON canned_responses (workspace_id, name_sort ASC NULLS FIRST, id);

CREATE INDEX canned_responses_search ON canned_responses USING gin (search_vector);

CREATE TABLE sla_policies (
    id uuid NOT NULL PRIMARY KEY,
    workspace_id uuid NOT NULL REFERENCES workspaces (id),
    version bigint NOT NULL,
    body text NOT NULL,
    active boolean,
    name_sort text COLLATE "C",
    created_at timestamptz
);

CREATE INDEX sla_policies_ws_active ON sla_policies (workspace_id, active ASC NULLS FIRST, name_sort ASC NULLS FIRST, id);

CREATE TABLE domains (
    id uuid NOT NULL PRIMARY KEY,
    workspace_id uuid NOT NULL REFERENCES workspaces (id),
    version bigint NOT NULL,
    body text NOT NULL,
    domain_name text COLLATE "C",
    created_at timestamptz,
    CONSTRAINT domain_name UNIQUE (domain_name)
);

CREATE INDEX domains_ws_created ON domains (workspace_id, created_at ASC NULLS FIRST, id);

CREATE TABLE workspace_emails (
    id uuid NOT NULL PRIMARY KEY,
    workspace_id uuid NOT NULL REFERENCES workspaces (id),
    version bigint NOT NULL,
    body text NOT NULL,
    address text COLLATE "C",
    forwarding_address text COLLATE "C",
    purpose text COLLATE "C",
    user_id uuid,
    domain_id uuid,
    can_send boolean,
    can_receive boolean,
    created_at timestamptz,
    CONSTRAINT workspace_email_address UNIQUE (address),
    CONSTRAINT workspace_email_forwarding UNIQUE (forwarding_address)
);

CREATE INDEX workspace_emails_ws_created ON workspace_emails (workspace_id, created_at ASC NULLS FIRST, id);

CREATE INDEX workspace_emails_domain ON workspace_emails (domain_id ASC NULLS FIRST);

CREATE INDEX workspace_emails_user ON workspace_emails (user_id ASC NULLS FIRST);

CREATE TABLE tickets (
    id uuid NOT NULL PRIMARY KEY,
    workspace_id uuid NOT NULL REFERENCES workspaces (id),
    version bigint NOT NULL,
    body text NOT NULL,
    number bigint,
    status text COLLATE "C",
    status_rank bigint,
    priority text COLLATE "C",
    priority_rank bigint,
    agent_id uuid,
    contact_id uuid,
    workspace_email_id uuid,
    subject_sort text COLLATE "C",
    spam boolean,
    deleted_at timestamptz,
    created_at timestamptz,
    updated_at timestamptz,
    last_activity_at timestamptz,
    sla_due_at timestamptz,
    search_text text COLLATE "C",
    search_vector tsvector NOT NULL GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, coalesce(search_text, ''))) STORED,
    CONSTRAINT ticket_number UNIQUE (workspace_id, number)
);

CREATE INDEX tickets_ws_created ON tickets (workspace_id, created_at DESC NULLS LAST, id);

CREATE INDEX tickets_ws_updated ON tickets (workspace_id, updated_at DESC NULLS LAST, id);

CREATE INDEX tickets_ws_last_activity ON tickets (workspace_id, last_activity_at DESC NULLS LAST, id);

CREATE INDEX tickets_ws_status ON tickets (workspace_id, status ASC NULLS FIRST, created_at DESC NULLS LAST, id);

CREATE INDEX tickets_ws_priority ON tickets (workspace_id, priority ASC NULLS FIRST, created_at DESC NULLS LAST, id);

CREATE INDEX tickets_ws_agent ON tickets (workspace_id, agent_id ASC NULLS FIRST, created_at DESC NULLS LAST, id);

CREATE INDEX tickets_ws_contact ON tickets (workspace_id, contact_id ASC NULLS FIRST, created_at DESC NULLS LAST, id);

CREATE INDEX tickets_ws_email ON tickets (workspace_id, workspace_email_id ASC NULLS FIRST);

CREATE INDEX tickets_ws_spam ON tickets (workspace_id, spam ASC NULLS FIRST, created_at DESC NULLS LAST, id);

CREATE INDEX tickets_ws_status_rank ON tickets (workspace_id, status_rank ASC NULLS FIRST, id);

CREATE INDEX tickets_ws_priority_rank ON tickets (workspace_id, priority_rank ASC NULLS FIRST, id);

CREATE INDEX tickets_ws_subject ON tickets (workspace_id, subject_sort ASC NULLS FIRST, id);

CREATE INDEX tickets_ws_trash ON tickets (workspace_id, deleted_at DESC NULLS LAST, id) WHERE deleted_at IS NOT NULL;

CREATE INDEX tickets_sla_due ON tickets (sla_due_at ASC NULLS FIRST, id) WHERE sla_due_at IS NOT NULL;

CREATE INDEX tickets_search ON tickets USING gin (search_vector);

CREATE TABLE tickets_tag_ids (
    owner_id uuid NOT NULL REFERENCES tickets (id) ON DELETE CASCADE,
    workspace_id uuid,
    value_id uuid NOT NULL,
    PRIMARY KEY (owner_id, value_id)
);

CREATE INDEX tickets_tag_ids_value ON tickets_tag_ids (value_id, owner_id);

CREATE TABLE conversations (
    id uuid NOT NULL PRIMARY KEY,
    workspace_id uuid NOT NULL REFERENCES workspaces (id),
    version bigint NOT NULL,
    body text NOT NULL,
    status text COLLATE "C",
    status_rank bigint,
    owner_id uuid,
    agent_id uuid,
    contact_id uuid,
    workspace_email_id uuid,
    subject_sort text COLLATE "C",
    spam boolean,
    deleted_at timestamptz,
    created_at timestamptz,
    updated_at timestamptz,
    last_activity_at timestamptz,
    search_text text COLLATE "C",
    search_vector tsvector NOT NULL GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, coalesce(search_text, ''))) STORED
);

CREATE INDEX conversations_ws_created ON conversations (workspace_id, created_at DESC NULLS LAST, id);

CREATE INDEX conversations_ws_updated ON conversations (workspace_id, updated_at DESC NULLS LAST, id);

CREATE INDEX conversations_ws_last_activity ON conversations (workspace_id, last_activity_at DESC NULLS LAST, id);

CREATE INDEX conversations_ws_status ON conversations (workspace_id, status ASC NULLS FIRST, created_at DESC NULLS LAST, id);

CREATE INDEX conversations_ws_owner ON conversations (workspace_id, owner_id ASC NULLS FIRST, created_at DESC NULLS LAST, id);

CREATE INDEX conversations_ws_agent ON conversations (workspace_id, agent_id ASC NULLS FIRST, created_at DESC NULLS LAST, id);

CREATE INDEX conversations_ws_contact ON conversations (workspace_id, contact_id ASC NULLS FIRST, created_at DESC NULLS LAST, id);

CREATE INDEX conversations_ws_email ON conversations (workspace_id, workspace_email_id ASC NULLS FIRST, created_at DESC NULLS LAST, id);

CREATE INDEX conversations_ws_spam ON conversations (workspace_id, spam ASC NULLS FIRST, created_at DESC NULLS LAST, id);

CREATE INDEX conversations_ws_status_rank ON conversations (workspace_id, status_rank ASC NULLS FIRST, id);

CREATE INDEX conversations_ws_subject ON conversations (workspace_id, subject_sort ASC NULLS FIRST, id);

CREATE INDEX conversations_ws_trash ON conversations (workspace_id, deleted_at DESC NULLS LAST, id) WHERE deleted_at IS NOT NULL;

CREATE INDEX conversations_search ON conversations USING gin (search_vector);

CREATE TABLE conversations_tag_ids (
    owner_id uuid NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    workspace_id uuid,
    value_id uuid NOT NULL,
    PRIMARY KEY (owner_id, value_id)
);

CREATE INDEX conversations_tag_ids_value ON conversations_tag_ids (value_id, owner_id);

CREATE TABLE messages (
    id uuid NOT NULL PRIMARY KEY,
    workspace_id uuid NOT NULL REFERENCES workspaces (id),
    version bigint NOT NULL,
    body text NOT NULL,
    ticket_id uuid,
    conversation_id uuid,
    message_kind text COLLATE "C",
    rfc_message_id text COLLATE "C",
    provider_message_id text COLLATE "C",
    delivery_status text COLLATE "C",
    deleted_at timestamptz,
    created_at timestamptz,
    search_text text COLLATE "C",
    search_vector tsvector NOT NULL GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, coalesce(search_text, ''))) STORED,
    CONSTRAINT message_rfc_id UNIQUE (workspace_id, rfc_message_id),
    CONSTRAINT message_provider_id UNIQUE (workspace_id, provider_message_id)
);

CREATE INDEX messages_ws_ticket ON messages (workspace_id, ticket_id ASC NULLS FIRST, created_at ASC NULLS FIRST, id);

CREATE INDEX messages_ws_conversation ON messages (workspace_id, conversation_id ASC NULLS FIRST, created_at ASC NULLS FIRST, id);

CREATE INDEX messages_provider_id ON messages (provider_message_id ASC NULLS FIRST) WHERE provider_message_id IS NOT NULL;

CREATE INDEX messages_ws_created ON messages (workspace_id, created_at DESC NULLS LAST, id);

CREATE INDEX messages_search ON messages USING gin (search_vector);

CREATE TABLE attachments (
    id uuid NOT NULL PRIMARY KEY,
    workspace_id uuid NOT NULL REFERENCES workspaces (id),
    version bigint NOT NULL,
    body text NOT NULL,
    message_id uuid,
    uploaded_by uuid,
    created_at timestamptz
);

CREATE INDEX attachments_ws_message ON attachments (workspace_id, message_id ASC NULLS FIRST);

CREATE INDEX attachments_ws_created ON attachments (workspace_id, created_at ASC NULLS FIRST, id);

CREATE TABLE activities (
    id uuid NOT NULL PRIMARY KEY,
    workspace_id uuid NOT NULL REFERENCES workspaces (id),
    version bigint NOT NULL,
    body text NOT NULL,
    ticket_id uuid,
    conversation_id uuid,
    actor_id uuid,
    action text COLLATE "C",
    created_at timestamptz
);

CREATE INDEX activities_ws_ticket ON activities (workspace_id, ticket_id ASC NULLS FIRST, created_at ASC NULLS FIRST, id);

CREATE INDEX activities_ws_conversation ON activities (workspace_id, conversation_id ASC NULLS FIRST, created_at ASC NULLS FIRST, id);

CREATE INDEX activities_ws_created ON activities (workspace_id, created_at DESC NULLS LAST, id);

CREATE TABLE notification_preferences (
    id uuid NOT NULL PRIMARY KEY,
    workspace_id uuid NOT NULL REFERENCES workspaces (id),
    version bigint NOT NULL,
    body text NOT NULL,
    user_id uuid,
    created_at timestamptz,
    CONSTRAINT notification_preference_user UNIQUE (workspace_id, user_id)
);

CREATE INDEX notification_preferences_user ON notification_preferences (user_id ASC NULLS FIRST);

CREATE TABLE blocked_senders (
    id uuid NOT NULL PRIMARY KEY,
    workspace_id uuid NOT NULL REFERENCES workspaces (id),
    version bigint NOT NULL,
    body text NOT NULL,
    email text COLLATE "C",
    created_at timestamptz,
    CONSTRAINT blocked_sender_email UNIQUE (workspace_id, email)
);

CREATE TABLE webhooks (
    id uuid NOT NULL PRIMARY KEY,
    workspace_id uuid NOT NULL REFERENCES workspaces (id),
    version bigint NOT NULL,
    body text NOT NULL,
    enabled boolean,
    created_at timestamptz
);

CREATE INDEX webhooks_ws_created ON webhooks (workspace_id, created_at ASC NULLS FIRST, id);

CREATE TABLE webhook_deliveries (
    id uuid NOT NULL PRIMARY KEY,
    workspace_id uuid NOT NULL REFERENCES workspaces (id),
    version bigint NOT NULL,
    body text NOT NULL,
    webhook_id uuid,
    delivery_status text COLLATE "C",
    created_at timestamptz
);

CREATE INDEX webhook_deliveries_ws_webhook ON webhook_deliveries (workspace_id, webhook_id ASC NULLS FIRST, created_at DESC NULLS LAST, id);

CREATE INDEX webhook_deliveries_status ON webhook_deliveries (delivery_status ASC NULLS FIRST, created_at ASC NULLS FIRST);

CREATE TABLE inbound_items (
    id uuid NOT NULL PRIMARY KEY,
    workspace_id uuid REFERENCES workspaces (id),
    version bigint NOT NULL,
    body text NOT NULL,
    provider_key text COLLATE "C",
    inbound_status text COLLATE "C",
    received_at timestamptz,
    created_at timestamptz,
    CONSTRAINT inbound_provider_key UNIQUE (provider_key)
);

CREATE INDEX inbound_items_status ON inbound_items (inbound_status ASC NULLS FIRST, received_at ASC NULLS FIRST, id);

CREATE INDEX inbound_items_received ON inbound_items (received_at ASC NULLS FIRST, id);

CREATE INDEX inbound_items_workspace ON inbound_items (workspace_id);

CREATE TABLE jobs (
    id uuid NOT NULL PRIMARY KEY,
    workspace_id uuid REFERENCES workspaces (id),
    version bigint NOT NULL,
    body text NOT NULL,
    queue text COLLATE "C",
    job_status text COLLATE "C",
    due_at timestamptz,
    dedupe_key text COLLATE "C",
    created_at timestamptz,
    CONSTRAINT job_dedupe_key UNIQUE (dedupe_key)
);

CREATE INDEX jobs_due ON jobs (due_at ASC NULLS FIRST, id) WHERE due_at IS NOT NULL;

CREATE INDEX jobs_status ON jobs (job_status ASC NULLS FIRST, due_at ASC NULLS FIRST, id);

CREATE INDEX jobs_workspace ON jobs (workspace_id);

CREATE INDEX jobs_queue ON jobs (queue ASC NULLS FIRST, job_status ASC NULLS FIRST, due_at ASC NULLS FIRST);

CREATE TABLE nonces (
    id uuid NOT NULL PRIMARY KEY,
    workspace_id uuid,
    version bigint NOT NULL,
    body text NOT NULL,
    nonce_key text COLLATE "C",
    expires_at timestamptz,
    CONSTRAINT nonce_key UNIQUE (nonce_key)
);

CREATE INDEX nonces_expires ON nonces (expires_at ASC NULLS FIRST);
