//! The declaration of every stored kind: its projected fields, unique keys, set fields and
//! whether it is searchable.
//!
//! This is the contract between the core and a backend. A backend creates one table (or tree)
//! per [`Kind`] with a column per [`FieldDef`], enforces each [`UniqueDef`], keeps each set field
//! in a side index, and indexes `search_text` for full-text search. It never interprets the
//! JSON body. SQL migrations are written by hand per dialect; a test in each SQL store checks
//! them against this declaration.

use super::value::FieldType;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Every kind of record the core stores.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Workspace,
    User,
    Membership,
    ApiToken,
    Ticket,
    Message,
    Conversation,
    Contact,
    Organization,
    CustomField,
    CustomFieldValue,
    Tag,
    CannedResponse,
    SlaPolicy,
    WorkspaceEmail,
    Domain,
    Attachment,
    Activity,
    NotificationPreference,
    BlockedSender,
    Job,
    InboundItem,
    Webhook,
    WebhookDelivery,
    Nonce,
}

impl Kind {
    /// Every kind, in dependency order (a kind never references one that comes after it), so a
    /// backend can create tables in this order and purge in reverse.
    pub const ALL: [Kind; 25] = [
        Kind::User,
        Kind::Workspace,
        Kind::Membership,
        Kind::ApiToken,
        Kind::Organization,
        Kind::Contact,
        Kind::CustomField,
        Kind::CustomFieldValue,
        Kind::Tag,
        Kind::CannedResponse,
        Kind::SlaPolicy,
        Kind::Domain,
        Kind::WorkspaceEmail,
        Kind::Ticket,
        Kind::Conversation,
        Kind::Message,
        Kind::Attachment,
        Kind::Activity,
        Kind::NotificationPreference,
        Kind::BlockedSender,
        Kind::Webhook,
        Kind::WebhookDelivery,
        Kind::InboundItem,
        Kind::Job,
        Kind::Nonce,
    ];

    /// The table (or tree) name for this kind.
    pub fn table(self) -> &'static str {
        self.schema().table
    }

    /// This kind's declaration.
    pub fn schema(self) -> &'static KindSchema {
        schema_of(self)
    }

    /// A human noun for errors ("ticket not found").
    pub fn noun(self) -> &'static str {
        match self {
            Kind::Workspace => "workspace",
            Kind::User => "user",
            Kind::Membership => "member",
            Kind::ApiToken => "token",
            Kind::Ticket => "ticket",
            Kind::Message => "message",
            Kind::Conversation => "conversation",
            Kind::Contact => "contact",
            Kind::Organization => "organization",
            Kind::CustomField => "custom field",
            Kind::CustomFieldValue => "custom field value",
            Kind::Tag => "tag",
            Kind::CannedResponse => "canned response",
            Kind::SlaPolicy => "SLA policy",
            Kind::WorkspaceEmail => "email",
            Kind::Domain => "domain",
            Kind::Attachment => "attachment",
            Kind::Activity => "activity",
            Kind::NotificationPreference => "notification preference",
            Kind::BlockedSender => "blocked sender",
            Kind::Job => "job",
            Kind::InboundItem => "inbound item",
            Kind::Webhook => "webhook",
            Kind::WebhookDelivery => "webhook delivery",
            Kind::Nonce => "nonce",
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.table())
    }
}

/// Whether rows of a kind belong to one workspace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Every row has a `workspace_id`; reads always name it.
    Workspace,
    /// Rows may have a `workspace_id` (jobs, inbound items) or not (users); reads may span all.
    Global,
}

/// A projected field: a column a backend can filter and sort on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldDef {
    /// Column name; snake_case, never a reserved word in SQLite, PostgreSQL or MySQL.
    pub name: &'static str,
    /// Its type.
    pub ty: FieldType,
}

/// A unique key over projected fields. Rows where any of the fields is `Null` never collide
/// (SQL semantics: NULLs are distinct).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UniqueDef {
    /// The key's name, reported in [`crate::Error::Conflict`].
    pub name: &'static str,
    /// The fields it covers.
    pub fields: &'static [&'static str],
    /// Whether the key is unique per workspace (`Scope::Workspace`, `workspace_id` implied as the
    /// first column) or across all rows (`Scope::Global`).
    pub scope: Scope,
}

/// The declaration of one kind.
#[derive(Debug)]
pub struct KindSchema {
    /// The kind.
    pub kind: Kind,
    /// Table or tree name.
    pub table: &'static str,
    /// Whether rows are workspace-scoped.
    pub scope: Scope,
    /// Projected fields, in column order.
    pub fields: &'static [FieldDef],
    /// Unique keys.
    pub uniques: &'static [UniqueDef],
    /// Set-valued fields (a set of UUIDs per row, e.g. a ticket's tag ids), filterable with
    /// [`crate::store::Filter::Contains`].
    pub sets: &'static [&'static str],
    /// Whether the kind has a full-text `search_text`.
    pub searchable: bool,
}

impl KindSchema {
    /// The declaration of a projected field by name.
    pub fn field(&self, name: &str) -> Option<&'static FieldDef> {
        self.fields.iter().find(|f| f.name == name)
    }

    /// The position of a projected field.
    pub fn field_index(&self, name: &str) -> Option<usize> {
        self.fields.iter().position(|f| f.name == name)
    }

    /// Projected fields of a workspace-scoped kind that the core queries across workspaces
    /// (`workspace_id: None`) with a range and a sort on the same field: the SLA sweep reads
    /// `ticket.sla_due_at < now` oldest first, for every workspace at once. A backend keeps an
    /// index over all workspaces on these fields, so such a query costs what it returns, not
    /// a scan of the kind (SQL: an index on `(field, id)`; sled: global index entries). Other
    /// cross-workspace queries are routing look-ups that a global unique key answers.
    pub fn cross_workspace_fields(&self) -> &'static [&'static str] {
        match self.kind {
            Kind::Ticket => &["sla_due_at"],
            _ => &[],
        }
    }
}

const fn f(name: &'static str, ty: FieldType) -> FieldDef {
    FieldDef { name, ty }
}
const fn uw(name: &'static str, fields: &'static [&'static str]) -> UniqueDef {
    UniqueDef {
        name,
        fields,
        scope: Scope::Workspace,
    }
}
const fn ug(name: &'static str, fields: &'static [&'static str]) -> UniqueDef {
    UniqueDef {
        name,
        fields,
        scope: Scope::Global,
    }
}

use FieldType::{Bool, Int, Text, Time, Uuid as U};

static WORKSPACE: KindSchema = KindSchema {
    kind: Kind::Workspace,
    table: "workspaces",
    scope: Scope::Global,
    fields: &[
        f("owner_id", U),
        f("name_sort", Text),
        f("created_at", Time),
    ],
    uniques: &[],
    sets: &[],
    searchable: true,
};

static USER: KindSchema = KindSchema {
    kind: Kind::User,
    table: "users",
    scope: Scope::Global,
    fields: &[f("email", Text), f("created_at", Time)],
    uniques: &[ug("user_email", &["email"])],
    sets: &[],
    searchable: false,
};

static MEMBERSHIP: KindSchema = KindSchema {
    kind: Kind::Membership,
    table: "memberships",
    scope: Scope::Workspace,
    fields: &[f("user_id", U), f("role", Text), f("created_at", Time)],
    uniques: &[uw("membership_user", &["user_id"])],
    sets: &[],
    searchable: false,
};

static API_TOKEN: KindSchema = KindSchema {
    kind: Kind::ApiToken,
    table: "api_tokens",
    scope: Scope::Global,
    fields: &[
        f("user_id", U),
        f("token_hash", Text),
        f("token_kind", Text),
        f("expires_at", Time),
        f("created_at", Time),
    ],
    uniques: &[ug("api_token_hash", &["token_hash"])],
    sets: &[],
    searchable: false,
};

static TICKET: KindSchema = KindSchema {
    kind: Kind::Ticket,
    table: "tickets",
    scope: Scope::Workspace,
    fields: &[
        f("number", Int),
        f("status", Text),
        f("status_rank", Int),
        f("priority", Text),
        f("priority_rank", Int),
        f("agent_id", U),
        f("contact_id", U),
        f("workspace_email_id", U),
        f("subject_sort", Text),
        f("spam", Bool),
        f("deleted_at", Time),
        f("created_at", Time),
        f("updated_at", Time),
        f("last_activity_at", Time),
        f("sla_due_at", Time),
    ],
    uniques: &[uw("ticket_number", &["number"])],
    sets: &["tag_ids"],
    searchable: true,
};

static MESSAGE: KindSchema = KindSchema {
    kind: Kind::Message,
    table: "messages",
    scope: Scope::Workspace,
    fields: &[
        f("ticket_id", U),
        f("conversation_id", U),
        f("message_kind", Text),
        f("rfc_message_id", Text),
        f("provider_message_id", Text),
        f("delivery_status", Text),
        f("deleted_at", Time),
        f("created_at", Time),
    ],
    uniques: &[
        uw("message_rfc_id", &["rfc_message_id"]),
        uw("message_provider_id", &["provider_message_id"]),
    ],
    sets: &[],
    searchable: true,
};

static CONVERSATION: KindSchema = KindSchema {
    kind: Kind::Conversation,
    table: "conversations",
    scope: Scope::Workspace,
    fields: &[
        f("status", Text),
        f("status_rank", Int),
        f("owner_id", U),
        f("agent_id", U),
        f("contact_id", U),
        f("workspace_email_id", U),
        f("subject_sort", Text),
        f("spam", Bool),
        f("deleted_at", Time),
        f("created_at", Time),
        f("updated_at", Time),
        f("last_activity_at", Time),
    ],
    uniques: &[],
    sets: &["tag_ids"],
    searchable: true,
};

static CONTACT: KindSchema = KindSchema {
    kind: Kind::Contact,
    table: "contacts",
    scope: Scope::Workspace,
    fields: &[
        f("email", Text),
        f("name_sort", Text),
        f("organization_id", U),
        f("created_at", Time),
        f("updated_at", Time),
    ],
    uniques: &[uw("contact_email", &["email"])],
    sets: &[],
    searchable: true,
};

static ORGANIZATION: KindSchema = KindSchema {
    kind: Kind::Organization,
    table: "organizations",
    scope: Scope::Workspace,
    fields: &[f("name_sort", Text), f("created_at", Time)],
    uniques: &[uw("organization_name", &["name_sort"])],
    sets: &[],
    searchable: true,
};

static CUSTOM_FIELD: KindSchema = KindSchema {
    kind: Kind::CustomField,
    table: "custom_fields",
    scope: Scope::Workspace,
    fields: &[
        f("name_sort", Text),
        f("field_type", Text),
        f("featured", Bool),
        f("position", Int),
        f("created_at", Time),
    ],
    uniques: &[uw("custom_field_name", &["name_sort"])],
    sets: &[],
    searchable: false,
};

static CUSTOM_FIELD_VALUE: KindSchema = KindSchema {
    kind: Kind::CustomFieldValue,
    table: "custom_field_values",
    scope: Scope::Workspace,
    fields: &[f("contact_id", U), f("field_id", U), f("created_at", Time)],
    uniques: &[uw("custom_field_value", &["contact_id", "field_id"])],
    sets: &[],
    searchable: false,
};

static TAG: KindSchema = KindSchema {
    kind: Kind::Tag,
    table: "tags",
    scope: Scope::Workspace,
    fields: &[f("name_sort", Text), f("created_at", Time)],
    uniques: &[uw("tag_name", &["name_sort"])],
    sets: &[],
    searchable: false,
};

static CANNED_RESPONSE: KindSchema = KindSchema {
    kind: Kind::CannedResponse,
    table: "canned_responses",
    scope: Scope::Workspace,
    fields: &[f("name_sort", Text), f("created_at", Time)],
    uniques: &[],
    sets: &[],
    searchable: true,
};

static SLA_POLICY: KindSchema = KindSchema {
    kind: Kind::SlaPolicy,
    table: "sla_policies",
    scope: Scope::Workspace,
    fields: &[
        f("active", Bool),
        f("name_sort", Text),
        f("created_at", Time),
    ],
    uniques: &[],
    sets: &[],
    searchable: false,
};

static WORKSPACE_EMAIL: KindSchema = KindSchema {
    kind: Kind::WorkspaceEmail,
    table: "workspace_emails",
    scope: Scope::Workspace,
    fields: &[
        f("address", Text),
        f("forwarding_address", Text),
        f("purpose", Text),
        f("user_id", U),
        f("domain_id", U),
        f("can_send", Bool),
        f("can_receive", Bool),
        f("created_at", Time),
    ],
    uniques: &[
        ug("workspace_email_address", &["address"]),
        ug("workspace_email_forwarding", &["forwarding_address"]),
    ],
    sets: &[],
    searchable: false,
};

static DOMAIN: KindSchema = KindSchema {
    kind: Kind::Domain,
    table: "domains",
    scope: Scope::Workspace,
    fields: &[f("domain_name", Text), f("created_at", Time)],
    uniques: &[ug("domain_name", &["domain_name"])],
    sets: &[],
    searchable: false,
};

static ATTACHMENT: KindSchema = KindSchema {
    kind: Kind::Attachment,
    table: "attachments",
    scope: Scope::Workspace,
    fields: &[
        f("message_id", U),
        f("uploaded_by", U),
        f("created_at", Time),
    ],
    uniques: &[],
    sets: &[],
    searchable: false,
};

static ACTIVITY: KindSchema = KindSchema {
    kind: Kind::Activity,
    table: "activities",
    scope: Scope::Workspace,
    fields: &[
        f("ticket_id", U),
        f("conversation_id", U),
        f("actor_id", U),
        f("action", Text),
        f("created_at", Time),
    ],
    uniques: &[],
    sets: &[],
    searchable: false,
};

static NOTIFICATION_PREFERENCE: KindSchema = KindSchema {
    kind: Kind::NotificationPreference,
    table: "notification_preferences",
    scope: Scope::Workspace,
    fields: &[f("user_id", U), f("created_at", Time)],
    uniques: &[uw("notification_preference_user", &["user_id"])],
    sets: &[],
    searchable: false,
};

static BLOCKED_SENDER: KindSchema = KindSchema {
    kind: Kind::BlockedSender,
    table: "blocked_senders",
    scope: Scope::Workspace,
    fields: &[f("email", Text), f("created_at", Time)],
    uniques: &[uw("blocked_sender_email", &["email"])],
    sets: &[],
    searchable: false,
};

static JOB: KindSchema = KindSchema {
    kind: Kind::Job,
    table: "jobs",
    scope: Scope::Global,
    fields: &[
        f("queue", Text),
        f("job_status", Text),
        f("due_at", Time),
        f("dedupe_key", Text),
        f("created_at", Time),
    ],
    uniques: &[ug("job_dedupe_key", &["dedupe_key"])],
    sets: &[],
    searchable: false,
};

static INBOUND_ITEM: KindSchema = KindSchema {
    kind: Kind::InboundItem,
    table: "inbound_items",
    scope: Scope::Global,
    fields: &[
        f("provider_key", Text),
        f("inbound_status", Text),
        f("received_at", Time),
        f("created_at", Time),
    ],
    uniques: &[ug("inbound_provider_key", &["provider_key"])],
    sets: &[],
    searchable: false,
};

static WEBHOOK: KindSchema = KindSchema {
    kind: Kind::Webhook,
    table: "webhooks",
    scope: Scope::Workspace,
    fields: &[f("enabled", Bool), f("created_at", Time)],
    uniques: &[],
    sets: &[],
    searchable: false,
};

static WEBHOOK_DELIVERY: KindSchema = KindSchema {
    kind: Kind::WebhookDelivery,
    table: "webhook_deliveries",
    scope: Scope::Workspace,
    fields: &[
        f("webhook_id", U),
        f("delivery_status", Text),
        f("created_at", Time),
        f("order_key", Text),
    ],
    uniques: &[],
    sets: &[],
    searchable: false,
};

static NONCE: KindSchema = KindSchema {
    kind: Kind::Nonce,
    table: "nonces",
    scope: Scope::Global,
    fields: &[f("nonce_key", Text), f("expires_at", Time)],
    uniques: &[ug("nonce_key", &["nonce_key"])],
    sets: &[],
    searchable: false,
};

fn schema_of(kind: Kind) -> &'static KindSchema {
    match kind {
        Kind::Workspace => &WORKSPACE,
        Kind::User => &USER,
        Kind::Membership => &MEMBERSHIP,
        Kind::ApiToken => &API_TOKEN,
        Kind::Ticket => &TICKET,
        Kind::Message => &MESSAGE,
        Kind::Conversation => &CONVERSATION,
        Kind::Contact => &CONTACT,
        Kind::Organization => &ORGANIZATION,
        Kind::CustomField => &CUSTOM_FIELD,
        Kind::CustomFieldValue => &CUSTOM_FIELD_VALUE,
        Kind::Tag => &TAG,
        Kind::CannedResponse => &CANNED_RESPONSE,
        Kind::SlaPolicy => &SLA_POLICY,
        Kind::WorkspaceEmail => &WORKSPACE_EMAIL,
        Kind::Domain => &DOMAIN,
        Kind::Attachment => &ATTACHMENT,
        Kind::Activity => &ACTIVITY,
        Kind::NotificationPreference => &NOTIFICATION_PREFERENCE,
        Kind::BlockedSender => &BLOCKED_SENDER,
        Kind::Job => &JOB,
        Kind::InboundItem => &INBOUND_ITEM,
        Kind::Webhook => &WEBHOOK,
        Kind::WebhookDelivery => &WEBHOOK_DELIVERY,
        Kind::Nonce => &NONCE,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_declares_itself_and_unique_fields_exist() {
        let mut tables = std::collections::HashSet::new();
        for kind in Kind::ALL {
            let s = kind.schema();
            assert_eq!(s.kind, kind);
            assert!(tables.insert(s.table), "duplicate table {}", s.table);
            for u in s.uniques {
                for field in u.fields {
                    assert!(
                        s.field(field).is_some(),
                        "{}: unique {} names {field}",
                        s.table,
                        u.name
                    );
                }
            }
        }
        assert_eq!(tables.len(), Kind::ALL.len());
    }
}
