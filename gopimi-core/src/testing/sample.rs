//! Sample entities and small helpers that keep conformance cases short.
//!
//! Every builder returns a real model value with plausible content and times truncated to
//! microseconds (the precision every store keeps). Builders never touch a store; the `put`,
//! `save` and `load` helpers do, and panic with context when the store fails, because they are
//! only used where the case expects success.
//!
//! The suite keeps referential integrity, so a SQL store may declare foreign keys: every row it
//! writes belongs to a workspace row that exists ([`new_workspace`]), every id a row points to
//! (contact, user, ticket, message, webhook, custom field, domain) names a row that was written
//! first, and rows are deleted before the rows they point to (or purged with their workspace).

use crate::error::{Error, Result};
use crate::ids::*;
use crate::model::*;
use crate::store::{Entity, Kind, Record, Store, StoreExt, StoredRecord, Value, Writes};
use chrono::{DateTime, Duration, TimeZone, Utc};
use std::fmt::Debug;
use uuid::Uuid;

/// The suite's reference time: a fixed instant with a non-zero microsecond part, so a store that
/// drops sub-second precision fails visibly.
pub fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, 4, 5, 6, 7)
        .single()
        .expect("a valid date")
        + Duration::microseconds(123_456)
}

/// [`t0`] moved by `secs` seconds.
pub fn t(secs: i64) -> DateTime<Utc> {
    t0() + Duration::seconds(secs)
}

/// [`t0`] moved by `micros` microseconds.
pub fn t_us(micros: i64) -> DateTime<Utc> {
    t0() + Duration::microseconds(micros)
}

/// A workspace written to a store with its owner (a user) and the owner's membership.
#[derive(Debug, Clone)]
pub struct Ws {
    /// The owner.
    pub owner: User,
    /// The workspace row.
    pub workspace: Workspace,
}

impl Ws {
    /// The workspace id.
    pub fn id(&self) -> WorkspaceId {
        self.workspace.id
    }
    /// The workspace id as the store's `Option<Uuid>` scope.
    pub fn scope(&self) -> Option<Uuid> {
        Some(self.workspace.id.0)
    }
    /// The owner's id.
    pub fn owner_id(&self) -> UserId {
        self.owner.id
    }
}

/// Writes a user, a workspace it owns and its owner membership; `name` also makes the owner's
/// email unique (`owner-<name>@example.org`, lower-cased, spaces as dashes).
pub async fn new_workspace(store: &dyn Store, name: &str) -> Ws {
    let slug: String = name
        .to_lowercase()
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { '-' })
        .collect();
    let mut owner = user(&format!(
        "owner-{slug}-{}@example.org",
        Uuid::new_v4().simple()
    ));
    let mut workspace = workspace(owner.id, name);
    let mut member = membership(workspace.id, owner.id, Role::Owner);
    let mut w = Writes::new();
    w.insert(&mut owner)
        .and_then(|w| w.insert(&mut workspace))
        .and_then(|w| w.insert(&mut member))
        .expect("sample entities encode");
    w.apply(store)
        .await
        .unwrap_or_else(|e| panic!("writing workspace {name:?} with its owner failed: {e}"));
    Ws { owner, workspace }
}

/// Inserts an entity (its version becomes 1), panicking with context on failure.
pub async fn put<E: Entity>(store: &dyn Store, entity: &mut E) {
    if let Err(e) = try_put(store, entity).await {
        panic!("inserting {} {} failed: {e}", E::NAME, entity.id());
    }
}

/// Inserts an entity; on failure its version is left as it was.
pub async fn try_put<E: Entity>(store: &dyn Store, entity: &mut E) -> Result<()> {
    let before = entity.version();
    let mut w = Writes::new();
    w.insert(entity)?;
    let res = w.apply(store).await;
    if res.is_err() {
        entity.set_version(before);
    }
    res
}

/// Updates an entity read at its current version (the version is bumped), panicking on failure.
pub async fn save<E: Entity>(store: &dyn Store, entity: &mut E) {
    if let Err(e) = try_save(store, entity).await {
        panic!("updating {} {} failed: {e}", E::NAME, entity.id());
    }
}

/// Updates an entity; on failure its version is left as it was.
pub async fn try_save<E: Entity>(store: &dyn Store, entity: &mut E) -> Result<()> {
    let before = entity.version();
    let mut w = Writes::new();
    w.update(entity)?;
    let res = w.apply(store).await;
    if res.is_err() {
        entity.set_version(before);
    }
    res
}

/// Deletes an entity at the version it was read, panicking on failure.
pub async fn remove<E: Entity>(store: &dyn Store, entity: &E) {
    let mut w = Writes::new();
    w.delete(entity);
    if let Err(e) = w.apply(store).await {
        panic!("deleting {} {} failed: {e}", E::NAME, entity.id());
    }
}

/// Reads an entity back, panicking if the store fails (absence is `None`).
pub async fn load<E: Entity>(store: &dyn Store, workspace_id: Option<Uuid>, id: Uuid) -> Option<E> {
    store
        .load::<E>(workspace_id, id)
        .await
        .unwrap_or_else(|e| panic!("reading {} {id} failed: {e}", E::NAME))
}

/// Unwraps a store result, naming what was attempted.
#[track_caller]
pub fn ok<T>(res: Result<T>, what: &str) -> T {
    match res {
        Ok(v) => v,
        Err(e) => panic!("{what}: expected success, the store said: {e}"),
    }
}

/// Asserts a result is `Conflict`.
#[track_caller]
pub fn assert_conflict<T: Debug>(res: Result<T>, what: &str) {
    match res {
        Err(Error::Conflict { .. }) => {}
        other => panic!("{what}: expected Conflict, got {other:?}"),
    }
}

/// Asserts a result is `Conflict` and its message names `key` (a unique key's name).
#[track_caller]
pub fn assert_conflict_on<T: Debug>(res: Result<T>, key: &str, what: &str) {
    match res {
        Err(Error::Conflict { what: w }) if w.contains(key) => {}
        other => panic!("{what}: expected Conflict naming {key:?}, got {other:?}"),
    }
}

/// Asserts a result is `NotFound`.
#[track_caller]
pub fn assert_not_found<T: Debug>(res: Result<T>, what: &str) {
    match res {
        Err(Error::NotFound { .. }) => {}
        other => panic!("{what}: expected NotFound, got {other:?}"),
    }
}

/// Asserts a result is `Internal` (a caller bug the store refuses).
#[track_caller]
pub fn assert_internal<T: Debug>(res: Result<T>, what: &str) {
    match res {
        Err(Error::Internal { .. }) => {}
        other => panic!("{what}: expected Internal, got {other:?}"),
    }
}

/// The ids of rows, in order.
pub fn ids(rows: &[StoredRecord]) -> Vec<Uuid> {
    rows.iter().map(|r| r.id).collect()
}

/// The ids of rows, sorted (for comparisons where order does not matter).
pub fn sorted_ids(rows: &[StoredRecord]) -> Vec<Uuid> {
    let mut v = ids(rows);
    v.sort();
    v
}

/// Sorts a list of ids (to compare as sets).
pub fn sorted(mut v: Vec<Uuid>) -> Vec<Uuid> {
    v.sort();
    v
}

/// A raw row with projected values the case controls, for filter, sort and pagination cases
/// that must not depend on how the core projects a model.
///
/// It is a `conversation` row (a kind with no unique keys and fields of every type: Text
/// `status` and `subject_sort`, Int `status_rank`, Bool `spam`, Time `created_at`,
/// `updated_at`, `last_activity_at` and `deleted_at`, Uuid `owner_id`...), with every field
/// `Null` until set, no tags, no search text and a small JSON body naming the probe.
#[derive(Debug, Clone)]
pub struct Probe {
    record: Record,
}

impl Probe {
    /// A probe in a workspace, with a fresh id.
    pub fn new(ws: &Ws, label: &str) -> Probe {
        Probe::with_id(ws, label, Uuid::now_v7())
    }

    /// A probe with a given id (to control the id tie-break).
    pub fn with_id(ws: &Ws, label: &str, id: Uuid) -> Probe {
        let schema = Kind::Conversation.schema();
        Probe {
            record: Record {
                kind: Kind::Conversation,
                id,
                workspace_id: ws.scope(),
                version: 1,
                fields: vec![Value::Null; schema.fields.len()],
                sets: vec![Vec::new(); schema.sets.len()],
                search_text: None,
                body: serde_json::json!({ "probe": label }).to_string(),
            },
        }
    }

    /// Sets a projected field; panics on a name the conversation kind does not declare.
    pub fn set(mut self, field: &str, value: impl Into<Value>) -> Probe {
        let i = Kind::Conversation
            .schema()
            .field_index(field)
            .unwrap_or_else(|| panic!("conversation has no projected field {field}"));
        self.record.fields[i] = value.into();
        self
    }

    /// Sets the tag ids.
    pub fn tags(mut self, tags: &[Uuid]) -> Probe {
        let mut t = tags.to_vec();
        t.sort();
        t.dedup();
        self.record.sets[0] = t;
        self
    }

    /// Sets the search text (normalized here, as the core would).
    pub fn search_text(mut self, text: &str) -> Probe {
        self.record.search_text = Some(crate::search::normalize([text]));
        self
    }

    /// The id.
    pub fn id(&self) -> Uuid {
        self.record.id
    }

    /// The record to insert.
    pub fn record(&self) -> Record {
        self.record.clone()
    }
}

/// Inserts probes in one batch, returning their ids in the order given.
pub async fn put_probes(store: &dyn Store, probes: Vec<Probe>) -> Vec<Uuid> {
    let mut w = Writes::new();
    let ids = probes.iter().map(Probe::id).collect();
    for p in probes {
        w.op(crate::store::Op::Insert(p.record()));
    }
    ok(w.apply(store).await, "inserting probe rows");
    ids
}

// ---------------------------------------------------------------------------------------------
// Builders: one per model, with plausible content. None writes anything.
// ---------------------------------------------------------------------------------------------

/// A user.
pub fn user(email: &str) -> User {
    User {
        id: UserId::new(),
        name: "Ada Agent".into(),
        email: email.into(),
        password_hash: Some("$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2g".into()),
        created_at: t0(),
        updated_at: t0(),
        version: 0,
    }
}

/// A workspace owned by `owner`.
pub fn workspace(owner: UserId, name: &str) -> Workspace {
    Workspace {
        id: WorkspaceId::new(),
        name: name.into(),
        owner_id: owner,
        plan: Plan::Business,
        ticket_counter: 0,
        created_at: t0(),
        updated_at: t0(),
        version: 0,
    }
}

/// A membership.
pub fn membership(ws: WorkspaceId, user: UserId, role: Role) -> Membership {
    Membership {
        id: MembershipId::new(),
        workspace_id: ws,
        user_id: user,
        role,
        created_at: t0(),
        version: 0,
    }
}

/// A personal API token of `user` with the given hash.
pub fn api_token(user: UserId, hash: &str) -> ApiToken {
    ApiToken {
        id: TokenId::new(),
        user_id: user,
        name: "deploy script".into(),
        kind: TokenKind::Personal,
        token_hash: hash.into(),
        prefix: "gpm_1a2b".into(),
        last_used_at: None,
        expires_at: Some(t(86_400 * 30)),
        created_at: t0(),
        version: 0,
    }
}

/// An open, medium-priority ticket.
pub fn ticket(ws: WorkspaceId, number: i64, subject: &str) -> Ticket {
    Ticket {
        id: TicketId::new(),
        workspace_id: ws,
        number,
        subject: subject.into(),
        description: String::new(),
        status: TicketStatus::Open,
        priority: Priority::Medium,
        agent_id: None,
        contact_id: None,
        workspace_email_id: None,
        tag_ids: Vec::new(),
        sla: None,
        spam: false,
        deleted_at: None,
        contact_search: String::new(),
        first_response_at: None,
        resolved_at: None,
        closed_at: None,
        created_at: t0(),
        updated_at: t0(),
        last_activity_at: t0(),
        version: 0,
    }
}

/// An inbound message on `parent` with an optional RFC Message-ID.
pub fn message(ws: WorkspaceId, parent: Parent, rfc_message_id: Option<&str>) -> Message {
    Message {
        id: MessageId::new(),
        workspace_id: ws,
        parent,
        kind: MessageKind::Inbound,
        author_user_id: None,
        author_contact_id: None,
        from: Some(Mailbox::named("Carla Customer", "carla@example.net")),
        to: vec![Mailbox::new("support@example.org")],
        cc: Vec::new(),
        subject: "Printer jammed again".into(),
        body_text: "The printer on floor two is jammed.".into(),
        body_html: None,
        new_text: None,
        attachment_ids: Vec::new(),
        rfc_message_id: rfc_message_id.map(str::to_owned),
        in_reply_to: None,
        references: Vec::new(),
        sending_email_id: None,
        delivery: None,
        thread_match: Some(ThreadMatch::New),
        thread_notes: Vec::new(),
        auto_submitted: false,
        bounce: false,
        dropped_parts: Vec::new(),
        provider_message_id: None,
        deleted_at: None,
        created_at: t0(),
        updated_at: t0(),
        version: 0,
    }
}

/// An open shared-inbox conversation.
pub fn conversation(ws: WorkspaceId, subject: &str) -> Conversation {
    Conversation {
        id: ConversationId::new(),
        workspace_id: ws,
        subject: subject.into(),
        status: ConversationStatus::Open,
        owner_id: None,
        agent_id: None,
        contact_id: None,
        workspace_email_id: None,
        tag_ids: Vec::new(),
        spam: false,
        deleted_at: None,
        contact_search: String::new(),
        created_at: t0(),
        updated_at: t0(),
        last_activity_at: t0(),
        version: 0,
    }
}

/// A contact.
pub fn contact(ws: WorkspaceId, email: &str, name: &str) -> Contact {
    Contact {
        id: ContactId::new(),
        workspace_id: ws,
        name: name.into(),
        email: email.into(),
        phone: None,
        organization_id: None,
        notes: None,
        created_at: t0(),
        updated_at: t0(),
        version: 0,
    }
}

/// An organization.
pub fn organization(ws: WorkspaceId, name: &str) -> Organization {
    Organization {
        id: OrganizationId::new(),
        workspace_id: ws,
        name: name.into(),
        domain: Some("example.com".into()),
        notes: None,
        created_at: t0(),
        updated_at: t0(),
        version: 0,
    }
}

/// A select custom field.
pub fn custom_field(ws: WorkspaceId, name: &str) -> CustomField {
    CustomField {
        id: CustomFieldId::new(),
        workspace_id: ws,
        name: name.into(),
        field_type: CustomFieldType::Select,
        options: vec!["gold".into(), "silver".into()],
        multiple: false,
        featured: true,
        position: 1,
        created_at: t0(),
        updated_at: t0(),
        version: 0,
    }
}

/// A contact's value for a custom field.
pub fn custom_field_value(
    ws: WorkspaceId,
    contact: ContactId,
    field: CustomFieldId,
    value: serde_json::Value,
) -> CustomFieldValue {
    CustomFieldValue {
        id: CustomFieldValueId::new(),
        workspace_id: ws,
        contact_id: contact,
        field_id: field,
        value,
        created_at: t0(),
        updated_at: t0(),
        version: 0,
    }
}

/// A tag.
pub fn tag(ws: WorkspaceId, name: &str) -> Tag {
    Tag {
        id: TagId::new(),
        workspace_id: ws,
        name: name.into(),
        color: "#3366ff".into(),
        created_at: t0(),
        updated_at: t0(),
        version: 0,
    }
}

/// A canned response.
pub fn canned_response(ws: WorkspaceId, name: &str, body: &str) -> CannedResponse {
    CannedResponse {
        id: CannedResponseId::new(),
        workspace_id: ws,
        name: name.into(),
        body: body.into(),
        created_by: None,
        created_at: t0(),
        updated_at: t0(),
        version: 0,
    }
}

/// An active SLA policy with one target.
pub fn sla_policy(ws: WorkspaceId, name: &str) -> SlaPolicy {
    SlaPolicy {
        id: SlaPolicyId::new(),
        workspace_id: ws,
        name: name.into(),
        active: true,
        targets: vec![SlaTarget {
            priority: Priority::Urgent,
            first_response_minutes: 30,
            resolution_minutes: 240,
        }],
        calendar: None,
        pause_on_pending: true,
        warning_percent: 20,
        created_at: t0(),
        updated_at: t0(),
        version: 0,
    }
}

/// A ticket-purpose workspace email.
pub fn workspace_email(ws: WorkspaceId, address: &str) -> WorkspaceEmail {
    WorkspaceEmail {
        id: WorkspaceEmailId::new(),
        workspace_id: ws,
        address: address.into(),
        display_name: Some("Support".into()),
        purpose: Purpose::Ticket,
        user_id: None,
        can_send: true,
        can_receive: true,
        forwarding_address: None,
        domain_id: None,
        verified: false,
        verification_code: None,
        created_at: t0(),
        updated_at: t0(),
        version: 0,
    }
}

/// An unverified domain.
pub fn domain(ws: WorkspaceId, name: &str) -> Domain {
    Domain {
        id: DomainId::new(),
        workspace_id: ws,
        name: name.into(),
        state: DomainState::Unverified,
        dns_records: vec![DnsRecord {
            purpose: "sending".into(),
            record_type: "TXT".into(),
            name: name.into(),
            value: "v=spf1 include:mailgun.org ~all".into(),
            priority: None,
            valid: Some("unknown".into()),
        }],
        verified_at: None,
        created_at: t0(),
        updated_at: t0(),
        version: 0,
    }
}

/// An attachment of a message.
pub fn attachment(ws: WorkspaceId, message: Option<MessageId>) -> Attachment {
    Attachment {
        id: AttachmentId::new(),
        workspace_id: ws,
        message_id: message,
        filename: "invoice.pdf".into(),
        content_type: "application/pdf".into(),
        size: 48_213,
        blob_key: format!("att/{}", Uuid::new_v4()),
        sha256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08".into(),
        content_id: None,
        inline: false,
        uploaded_by: None,
        created_at: t0(),
        version: 0,
    }
}

/// An activity entry.
pub fn activity(ws: WorkspaceId, subject: ActivitySubject, action: &str) -> Activity {
    Activity {
        id: ActivityId::new(),
        workspace_id: ws,
        subject,
        actor: Actor::System,
        action: action.into(),
        details: serde_json::json!({ "from": "open", "to": "pending" }),
        created_at: t0(),
        version: 0,
    }
}

/// A member's notification preferences (all on).
pub fn notification_preference(ws: WorkspaceId, user: UserId) -> NotificationPreference {
    NotificationPreference::defaults(ws, user, t0())
}

/// A blocked sender.
pub fn blocked_sender(ws: WorkspaceId, email: &str) -> BlockedSender {
    BlockedSender {
        id: BlockedSenderId::new(),
        workspace_id: ws,
        email: email.into(),
        reason: Some("spam wave".into()),
        created_by: None,
        created_at: t0(),
        version: 0,
    }
}

/// A queued job due at `run_at`.
pub fn job(queue: &str, run_at: DateTime<Utc>) -> Job {
    Job::new(queue, serde_json::json!({ "n": 1 }), run_at, t0())
}

/// A pending inbound item.
pub fn inbound_item(ws: Option<Uuid>, provider_key: Option<&str>) -> InboundItem {
    InboundItem {
        id: InboundId::new(),
        workspace_id: ws,
        provider: "mailgun".into(),
        provider_key: provider_key.map(str::to_owned),
        recipient: "support@example.org".into(),
        sender: Some("carla@example.net".into()),
        blob_key: format!("raw/{}", Uuid::new_v4()),
        size: 2_048,
        provider_spam: false,
        spam_score: Some(0.5),
        status: InboundStatus::Pending,
        reason: None,
        ticket_id: None,
        conversation_id: None,
        message_id: None,
        received_at: t0(),
        created_at: t0(),
        updated_at: t0(),
        version: 0,
    }
}

/// An enabled webhook.
pub fn webhook(ws: WorkspaceId, url: &str) -> Webhook {
    Webhook {
        id: WebhookId::new(),
        workspace_id: ws,
        url: url.into(),
        events: vec!["ticket.created".into()],
        enabled: true,
        secret: "whsec_c2VjcmV0c2VjcmV0c2VjcmV0".into(),
        previous_secret: None,
        previous_secret_expires_at: None,
        disabled_reason: None,
        consecutive_failures: 0,
        failing_since: None,
        created_at: t0(),
        updated_at: t0(),
        version: 0,
    }
}

/// A pending webhook delivery.
pub fn webhook_delivery(ws: WorkspaceId, webhook: WebhookId) -> WebhookDelivery {
    WebhookDelivery {
        id: WebhookDeliveryId::new(),
        workspace_id: ws,
        webhook_id: webhook,
        event_id: format!("evt_{}", Uuid::new_v4().simple()),
        event_type: "ticket.created".into(),
        payload: serde_json::json!({ "ticket": { "number": 7 } }),
        status: WebhookDeliveryStatus::Pending,
        attempts: 0,
        response_status: None,
        response_body: None,
        duration_ms: None,
        last_error: None,
        order_key: Some("ticket:7".into()),
        next_attempt_at: Some(t0()),
        attempt_log: Vec::new(),
        redelivery_of: None,
        created_at: t0(),
        updated_at: t0(),
        version: 0,
    }
}

/// A used nonce.
pub fn nonce(key: &str) -> Nonce {
    Nonce {
        id: Uuid::now_v7(),
        key: key.into(),
        expires_at: t(3_600),
        created_at: t0(),
        version: 0,
    }
}
