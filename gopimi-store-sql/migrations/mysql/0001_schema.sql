-- gopimi schema 1 for MySQL/MariaDB: one table per stored kind (gopimi_core::store::schema), generated
-- once from that declaration and frozen; later changes are new, hand-written migrations.
-- Ids are BINARY(16), text is utf8mb4 with a binary, no-pad collation (byte order, and 'a' is not
-- 'a '; like the core): utf8mb4_nopad_bin on MariaDB, utf8mb4_0900_bin on MySQL 8, each chosen by
-- its own executable comment (MariaDB skips /*!80000 */, MySQL skips /*M! */). Times are
-- DATETIME(6). FULLTEXT indexes are created without stop words so every word is searchable.
SET SESSION innodb_ft_enable_stopword = OFF;


CREATE TABLE users (
    id BINARY(16) NOT NULL PRIMARY KEY,
    workspace_id BINARY(16) NULL,
    version BIGINT NOT NULL,
    body LONGTEXT NOT NULL,
    email VARCHAR(255),
    created_at DATETIME(6),
    UNIQUE KEY user_email (email)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=/*M!100202 utf8mb4_nopad_bin */ /*!80000 utf8mb4_0900_bin */;

CREATE TABLE workspaces (
    id BINARY(16) NOT NULL PRIMARY KEY,
    workspace_id BINARY(16) NULL,
    version BIGINT NOT NULL,
    body LONGTEXT NOT NULL,
    owner_id BINARY(16),
    name_sort VARCHAR(255),
    created_at DATETIME(6),
    search_text TEXT,
    KEY workspaces_owner (owner_id),
    KEY workspaces_name (name_sort, id),
    FULLTEXT KEY workspaces_search (search_text)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=/*M!100202 utf8mb4_nopad_bin */ /*!80000 utf8mb4_0900_bin */;

CREATE TABLE memberships (
    id BINARY(16) NOT NULL PRIMARY KEY,
    workspace_id BINARY(16) NOT NULL,
    version BIGINT NOT NULL,
    body LONGTEXT NOT NULL,
    user_id BINARY(16),
    role VARCHAR(255),
    created_at DATETIME(6),
    UNIQUE KEY membership_user (workspace_id, user_id),
    CONSTRAINT memberships_workspace FOREIGN KEY (workspace_id) REFERENCES workspaces (id),
    KEY memberships_user (user_id),
    KEY memberships_ws_created (workspace_id, created_at, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=/*M!100202 utf8mb4_nopad_bin */ /*!80000 utf8mb4_0900_bin */;

CREATE TABLE api_tokens (
    id BINARY(16) NOT NULL PRIMARY KEY,
    workspace_id BINARY(16) NULL,
    version BIGINT NOT NULL,
    body LONGTEXT NOT NULL,
    user_id BINARY(16),
    token_hash VARCHAR(255),
    token_kind VARCHAR(255),
    expires_at DATETIME(6),
    created_at DATETIME(6),
    UNIQUE KEY api_token_hash (token_hash),
    KEY api_tokens_user (user_id, created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=/*M!100202 utf8mb4_nopad_bin */ /*!80000 utf8mb4_0900_bin */;

CREATE TABLE organizations (
    id BINARY(16) NOT NULL PRIMARY KEY,
    workspace_id BINARY(16) NOT NULL,
    version BIGINT NOT NULL,
    body LONGTEXT NOT NULL,
    name_sort VARCHAR(255),
    created_at DATETIME(6),
    search_text TEXT,
    UNIQUE KEY organization_name (workspace_id, name_sort),
    CONSTRAINT organizations_workspace FOREIGN KEY (workspace_id) REFERENCES workspaces (id),
    KEY organizations_ws_created (workspace_id, created_at DESC, id),
    FULLTEXT KEY organizations_search (search_text)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=/*M!100202 utf8mb4_nopad_bin */ /*!80000 utf8mb4_0900_bin */;

CREATE TABLE contacts (
    id BINARY(16) NOT NULL PRIMARY KEY,
    workspace_id BINARY(16) NOT NULL,
    version BIGINT NOT NULL,
    body LONGTEXT NOT NULL,
    email VARCHAR(255),
    name_sort VARCHAR(255),
    organization_id BINARY(16),
    created_at DATETIME(6),
    updated_at DATETIME(6),
    search_text TEXT,
    UNIQUE KEY contact_email (workspace_id, email),
    CONSTRAINT contacts_workspace FOREIGN KEY (workspace_id) REFERENCES workspaces (id),
    KEY contacts_ws_name (workspace_id, name_sort, id),
    KEY contacts_ws_created (workspace_id, created_at DESC, id),
    KEY contacts_ws_updated (workspace_id, updated_at DESC, id),
    KEY contacts_ws_organization (workspace_id, organization_id),
    FULLTEXT KEY contacts_search (search_text)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=/*M!100202 utf8mb4_nopad_bin */ /*!80000 utf8mb4_0900_bin */;

CREATE TABLE custom_fields (
    id BINARY(16) NOT NULL PRIMARY KEY,
    workspace_id BINARY(16) NOT NULL,
    version BIGINT NOT NULL,
    body LONGTEXT NOT NULL,
    name_sort VARCHAR(255),
    field_type VARCHAR(255),
    featured BOOLEAN,
    position BIGINT,
    created_at DATETIME(6),
    UNIQUE KEY custom_field_name (workspace_id, name_sort),
    CONSTRAINT custom_fields_workspace FOREIGN KEY (workspace_id) REFERENCES workspaces (id),
    KEY custom_fields_ws_position (workspace_id, position, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=/*M!100202 utf8mb4_nopad_bin */ /*!80000 utf8mb4_0900_bin */;

CREATE TABLE custom_field_values (
    id BINARY(16) NOT NULL PRIMARY KEY,
    workspace_id BINARY(16) NOT NULL,
    version BIGINT NOT NULL,
    body LONGTEXT NOT NULL,
    contact_id BINARY(16),
    field_id BINARY(16),
    created_at DATETIME(6),
    UNIQUE KEY custom_field_value (workspace_id, contact_id, field_id),
    CONSTRAINT custom_field_values_workspace FOREIGN KEY (workspace_id) REFERENCES workspaces (id),
    KEY custom_field_values_ws_field (workspace_id, field_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=/*M!100202 utf8mb4_nopad_bin */ /*!80000 utf8mb4_0900_bin */;

CREATE TABLE tags (
    id BINARY(16) NOT NULL PRIMARY KEY,
    workspace_id BINARY(16) NOT NULL,
    version BIGINT NOT NULL,
    body LONGTEXT NOT NULL,
    name_sort VARCHAR(255),
    created_at DATETIME(6),
    UNIQUE KEY tag_name (workspace_id, name_sort),
    CONSTRAINT tags_workspace FOREIGN KEY (workspace_id) REFERENCES workspaces (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=/*M!100202 utf8mb4_nopad_bin */ /*!80000 utf8mb4_0900_bin */;

CREATE TABLE canned_responses (
    id BINARY(16) NOT NULL PRIMARY KEY,
    workspace_id BINARY(16) NOT NULL,
    version BIGINT NOT NULL,
    body LONGTEXT NOT NULL,
    name_sort VARCHAR(255),
    created_at DATETIME(6),
    search_text TEXT,
    CONSTRAINT canned_responses_workspace FOREIGN KEY (workspace_id) REFERENCES workspaces (id),
    KEY canned_responses_ws_name (workspace_id, name_sort, id),
    FULLTEXT KEY canned_responses_search (search_text)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=/*M!100202 utf8mb4_nopad_bin */ /*!80000 utf8mb4_0900_bin */;

CREATE TABLE sla_policies (
    id BINARY(16) NOT NULL PRIMARY KEY,
    workspace_id BINARY(16) NOT NULL,
    version BIGINT NOT NULL,
    body LONGTEXT NOT NULL,
    active BOOLEAN,
    name_sort VARCHAR(255),
    created_at DATETIME(6),
    CONSTRAINT sla_policies_workspace FOREIGN KEY (workspace_id) REFERENCES workspaces (id),
    KEY sla_policies_ws_active (workspace_id, active, name_sort, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=/*M!100202 utf8mb4_nopad_bin */ /*!80000 utf8mb4_0900_bin */;

CREATE TABLE domains (
    id BINARY(16) NOT NULL PRIMARY KEY,
    workspace_id BINARY(16) NOT NULL,
    version BIGINT NOT NULL,
    body LONGTEXT NOT NULL,
    domain_name VARCHAR(255),
    created_at DATETIME(6),
    UNIQUE KEY domain_name (domain_name),
    CONSTRAINT domains_workspace FOREIGN KEY (workspace_id) REFERENCES workspaces (id),
    KEY domains_ws_created (workspace_id, created_at, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=/*M!100202 utf8mb4_nopad_bin */ /*!80000 utf8mb4_0900_bin */;

CREATE TABLE workspace_emails (
    id BINARY(16) NOT NULL PRIMARY KEY,
    workspace_id BINARY(16) NOT NULL,
    version BIGINT NOT NULL,
    body LONGTEXT NOT NULL,
    address VARCHAR(255),
    forwarding_address VARCHAR(255),
    purpose VARCHAR(255),
    user_id BINARY(16),
    domain_id BINARY(16),
    can_send BOOLEAN,
    can_receive BOOLEAN,
    created_at DATETIME(6),
    UNIQUE KEY workspace_email_address (address),
    UNIQUE KEY workspace_email_forwarding (forwarding_address),
    CONSTRAINT workspace_emails_workspace FOREIGN KEY (workspace_id) REFERENCES workspaces (id),
    KEY workspace_emails_ws_created (workspace_id, created_at, id),
    KEY workspace_emails_domain (domain_id),
    KEY workspace_emails_user (user_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=/*M!100202 utf8mb4_nopad_bin */ /*!80000 utf8mb4_0900_bin */;

CREATE TABLE tickets (
    id BINARY(16) NOT NULL PRIMARY KEY,
    workspace_id BINARY(16) NOT NULL,
    version BIGINT NOT NULL,
    body LONGTEXT NOT NULL,
    number BIGINT,
    status VARCHAR(255),
    status_rank BIGINT,
    priority VARCHAR(255),
    priority_rank BIGINT,
    agent_id BINARY(16),
    contact_id BINARY(16),
    workspace_email_id BINARY(16),
    subject_sort VARCHAR(255),
    spam BOOLEAN,
    deleted_at DATETIME(6),
    created_at DATETIME(6),
    updated_at DATETIME(6),
    last_activity_at DATETIME(6),
    sla_due_at DATETIME(6),
    search_text TEXT,
    UNIQUE KEY ticket_number (workspace_id, number),
    CONSTRAINT tickets_workspace FOREIGN KEY (workspace_id) REFERENCES workspaces (id),
    KEY tickets_ws_created (workspace_id, created_at DESC, id),
    KEY tickets_ws_updated (workspace_id, updated_at DESC, id),
    KEY tickets_ws_last_activity (workspace_id, last_activity_at DESC, id),
    KEY tickets_ws_status (workspace_id, status, created_at DESC, id),
    KEY tickets_ws_priority (workspace_id, priority, created_at DESC, id),
    KEY tickets_ws_agent (workspace_id, agent_id, created_at DESC, id),
    KEY tickets_ws_contact (workspace_id, contact_id, created_at DESC, id),
    KEY tickets_ws_email (workspace_id, workspace_email_id),
    KEY tickets_ws_spam (workspace_id, spam, created_at DESC, id),
    KEY tickets_ws_status_rank (workspace_id, status_rank, id),
    KEY tickets_ws_priority_rank (workspace_id, priority_rank, id),
    KEY tickets_ws_subject (workspace_id, subject_sort, id),
    KEY tickets_ws_trash (workspace_id, deleted_at DESC, id),
    KEY tickets_sla_due (sla_due_at, id),
    FULLTEXT KEY tickets_search (search_text)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=/*M!100202 utf8mb4_nopad_bin */ /*!80000 utf8mb4_0900_bin */;

CREATE TABLE tickets_tag_ids (
    owner_id BINARY(16) NOT NULL,
    workspace_id BINARY(16) NULL,
    value_id BINARY(16) NOT NULL,
    PRIMARY KEY (owner_id, value_id),
    KEY tickets_tag_ids_value (value_id, owner_id),
    CONSTRAINT tickets_tag_ids_owner FOREIGN KEY (owner_id) REFERENCES tickets (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=/*M!100202 utf8mb4_nopad_bin */ /*!80000 utf8mb4_0900_bin */;

CREATE TABLE conversations (
    id BINARY(16) NOT NULL PRIMARY KEY,
    workspace_id BINARY(16) NOT NULL,
    version BIGINT NOT NULL,
    body LONGTEXT NOT NULL,
    status VARCHAR(255),
    status_rank BIGINT,
    owner_id BINARY(16),
    agent_id BINARY(16),
    contact_id BINARY(16),
    workspace_email_id BINARY(16),
    subject_sort VARCHAR(255),
    spam BOOLEAN,
    deleted_at DATETIME(6),
    created_at DATETIME(6),
    updated_at DATETIME(6),
    last_activity_at DATETIME(6),
    search_text TEXT,
    CONSTRAINT conversations_workspace FOREIGN KEY (workspace_id) REFERENCES workspaces (id),
    KEY conversations_ws_created (workspace_id, created_at DESC, id),
    KEY conversations_ws_updated (workspace_id, updated_at DESC, id),
    KEY conversations_ws_last_activity (workspace_id, last_activity_at DESC, id),
    KEY conversations_ws_status (workspace_id, status, created_at DESC, id),
    KEY conversations_ws_owner (workspace_id, owner_id, created_at DESC, id),
    KEY conversations_ws_agent (workspace_id, agent_id, created_at DESC, id),
    KEY conversations_ws_contact (workspace_id, contact_id, created_at DESC, id),
    KEY conversations_ws_email (workspace_id, workspace_email_id, created_at DESC, id),
    KEY conversations_ws_spam (workspace_id, spam, created_at DESC, id),
    KEY conversations_ws_status_rank (workspace_id, status_rank, id),
    KEY conversations_ws_subject (workspace_id, subject_sort, id),
    KEY conversations_ws_trash (workspace_id, deleted_at DESC, id),
    FULLTEXT KEY conversations_search (search_text)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=/*M!100202 utf8mb4_nopad_bin */ /*!80000 utf8mb4_0900_bin */;

CREATE TABLE conversations_tag_ids (
    owner_id BINARY(16) NOT NULL,
    workspace_id BINARY(16) NULL,
    value_id BINARY(16) NOT NULL,
    PRIMARY KEY (owner_id, value_id),
    KEY conversations_tag_ids_value (value_id, owner_id),
    CONSTRAINT conversations_tag_ids_owner FOREIGN KEY (owner_id) REFERENCES conversations (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=/*M!100202 utf8mb4_nopad_bin */ /*!80000 utf8mb4_0900_bin */;

CREATE TABLE messages (
    id BINARY(16) NOT NULL PRIMARY KEY,
    workspace_id BINARY(16) NOT NULL,
    version BIGINT NOT NULL,
    body LONGTEXT NOT NULL,
    ticket_id BINARY(16),
    conversation_id BINARY(16),
    message_kind VARCHAR(255),
    rfc_message_id VARCHAR(255),
    provider_message_id VARCHAR(255),
    delivery_status VARCHAR(255),
    deleted_at DATETIME(6),
    created_at DATETIME(6),
    search_text TEXT,
    UNIQUE KEY message_rfc_id (workspace_id, rfc_message_id),
    UNIQUE KEY message_provider_id (workspace_id, provider_message_id),
    CONSTRAINT messages_workspace FOREIGN KEY (workspace_id) REFERENCES workspaces (id),
    KEY messages_ws_ticket (workspace_id, ticket_id, created_at, id),
    KEY messages_ws_conversation (workspace_id, conversation_id, created_at, id),
    KEY messages_provider_id (provider_message_id),
    KEY messages_ws_created (workspace_id, created_at DESC, id),
    FULLTEXT KEY messages_search (search_text)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=/*M!100202 utf8mb4_nopad_bin */ /*!80000 utf8mb4_0900_bin */;

CREATE TABLE attachments (
    id BINARY(16) NOT NULL PRIMARY KEY,
    workspace_id BINARY(16) NOT NULL,
    version BIGINT NOT NULL,
    body LONGTEXT NOT NULL,
    message_id BINARY(16),
    uploaded_by BINARY(16),
    created_at DATETIME(6),
    CONSTRAINT attachments_workspace FOREIGN KEY (workspace_id) REFERENCES workspaces (id),
    KEY attachments_ws_message (workspace_id, message_id),
    KEY attachments_ws_created (workspace_id, created_at, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=/*M!100202 utf8mb4_nopad_bin */ /*!80000 utf8mb4_0900_bin */;

CREATE TABLE activities (
    id BINARY(16) NOT NULL PRIMARY KEY,
    workspace_id BINARY(16) NOT NULL,
    version BIGINT NOT NULL,
    body LONGTEXT NOT NULL,
    ticket_id BINARY(16),
    conversation_id BINARY(16),
    actor_id BINARY(16),
    action VARCHAR(255),
    created_at DATETIME(6),
    CONSTRAINT activities_workspace FOREIGN KEY (workspace_id) REFERENCES workspaces (id),
    KEY activities_ws_ticket (workspace_id, ticket_id, created_at, id),
    KEY activities_ws_conversation (workspace_id, conversation_id, created_at, id),
    KEY activities_ws_created (workspace_id, created_at DESC, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=/*M!100202 utf8mb4_nopad_bin */ /*!80000 utf8mb4_0900_bin */;

CREATE TABLE notification_preferences (
    id BINARY(16) NOT NULL PRIMARY KEY,
    workspace_id BINARY(16) NOT NULL,
    version BIGINT NOT NULL,
    body LONGTEXT NOT NULL,
    user_id BINARY(16),
    created_at DATETIME(6),
    UNIQUE KEY notification_preference_user (workspace_id, user_id),
    CONSTRAINT notification_preferences_workspace FOREIGN KEY (workspace_id) REFERENCES workspaces (id),
    KEY notification_preferences_user (user_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=/*M!100202 utf8mb4_nopad_bin */ /*!80000 utf8mb4_0900_bin */;

CREATE TABLE blocked_senders (
    id BINARY(16) NOT NULL PRIMARY KEY,
    workspace_id BINARY(16) NOT NULL,
    version BIGINT NOT NULL,
    body LONGTEXT NOT NULL,
    email VARCHAR(255),
    created_at DATETIME(6),
    UNIQUE KEY blocked_sender_email (workspace_id, email),
    CONSTRAINT blocked_senders_workspace FOREIGN KEY (workspace_id) REFERENCES workspaces (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=/*M!100202 utf8mb4_nopad_bin */ /*!80000 utf8mb4_0900_bin */;

CREATE TABLE webhooks (
    id BINARY(16) NOT NULL PRIMARY KEY,
    workspace_id BINARY(16) NOT NULL,
    version BIGINT NOT NULL,
    body LONGTEXT NOT NULL,
    enabled BOOLEAN,
    created_at DATETIME(6),
    CONSTRAINT webhooks_workspace FOREIGN KEY (workspace_id) REFERENCES workspaces (id),
    KEY webhooks_ws_created (workspace_id, created_at, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=/*M!100202 utf8mb4_nopad_bin */ /*!80000 utf8mb4_0900_bin */;

CREATE TABLE webhook_deliveries (
    id BINARY(16) NOT NULL PRIMARY KEY,
    workspace_id BINARY(16) NOT NULL,
    version BIGINT NOT NULL,
    body LONGTEXT NOT NULL,
    webhook_id BINARY(16),
    delivery_status VARCHAR(255),
    created_at DATETIME(6),
    CONSTRAINT webhook_deliveries_workspace FOREIGN KEY (workspace_id) REFERENCES workspaces (id),
    KEY webhook_deliveries_ws_webhook (workspace_id, webhook_id, created_at DESC, id),
    KEY webhook_deliveries_status (delivery_status, created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=/*M!100202 utf8mb4_nopad_bin */ /*!80000 utf8mb4_0900_bin */;

CREATE TABLE inbound_items (
    id BINARY(16) NOT NULL PRIMARY KEY,
    workspace_id BINARY(16) NULL,
    version BIGINT NOT NULL,
    body LONGTEXT NOT NULL,
    provider_key VARCHAR(255),
    inbound_status VARCHAR(255),
    received_at DATETIME(6),
    created_at DATETIME(6),
    UNIQUE KEY inbound_provider_key (provider_key),
    CONSTRAINT inbound_items_workspace FOREIGN KEY (workspace_id) REFERENCES workspaces (id),
    KEY inbound_items_status (inbound_status, received_at, id),
    KEY inbound_items_received (received_at, id),
    KEY inbound_items_workspace (workspace_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=/*M!100202 utf8mb4_nopad_bin */ /*!80000 utf8mb4_0900_bin */;

CREATE TABLE jobs (
    id BINARY(16) NOT NULL PRIMARY KEY,
    workspace_id BINARY(16) NULL,
    version BIGINT NOT NULL,
    body LONGTEXT NOT NULL,
    queue VARCHAR(255),
    job_status VARCHAR(255),
    due_at DATETIME(6),
    dedupe_key VARCHAR(255),
    created_at DATETIME(6),
    UNIQUE KEY job_dedupe_key (dedupe_key),
    CONSTRAINT jobs_workspace FOREIGN KEY (workspace_id) REFERENCES workspaces (id),
    KEY jobs_due (due_at, id),
    KEY jobs_status (job_status, due_at, id),
    KEY jobs_workspace (workspace_id),
    KEY jobs_queue (queue, job_status, due_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=/*M!100202 utf8mb4_nopad_bin */ /*!80000 utf8mb4_0900_bin */;

CREATE TABLE nonces (
    id BINARY(16) NOT NULL PRIMARY KEY,
    workspace_id BINARY(16) NULL,
    version BIGINT NOT NULL,
    body LONGTEXT NOT NULL,
    nonce_key VARCHAR(255),
    expires_at DATETIME(6),
    UNIQUE KEY nonce_key (nonce_key),
    KEY nonces_expires (expires_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=/*M!100202 utf8mb4_nopad_bin */ /*!80000 utf8mb4_0900_bin */;
