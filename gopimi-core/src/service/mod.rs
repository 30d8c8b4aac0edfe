//! The `Helpdesk` facade: the API an embedding application calls and the HTTP layer wraps.
//!
//! Every call names who acts (a [`Caller`]) and, for workspace data, the [`WorkspaceId`]. The
//! [`access`] module decides in one place what the caller may see and do: a user who is not a
//! member of the workspace gets `NotFound` (an outsider cannot even learn that it exists), a
//! member gets `Forbidden` on owner-only actions, and [`Caller::System`] (the email pipeline,
//! background jobs) acts with owner rights.
//!
//! The services are grouped one concept per file (`tickets`, `contacts`, `tags`, ...), all as
//! `impl Helpdesk` blocks, so an embedding app sees one type with one set of methods.
//!
//! Rules every service follows:
//! - a change and its activity entry (and the jobs it causes) are one atomic [`Batch`];
//! - every read-modify-write re-reads and retries on a version conflict ([`retry`]), so
//!   concurrent edits never lose an update;
//! - an id from another workspace is `NotFound`, exactly like a missing one;
//! - plan quotas ([`quotas`]) are checked before anything that creates a limited resource.
//!
//! What the facade does not do: parse, route or thread email, build outbound MIME, or compute
//! SLA deadlines. It offers the hooks those parts use: [`Helpdesk::open_ticket`] and
//! [`Helpdesk::open_conversation`] (the one way tickets and conversations are created, given a
//! contact and a source message), [`Helpdesk::add_inbound_message`] (a threaded reply), the
//! `mail.send` job written with every outbound reply, and the SLA hook in [`sla_hook`].
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), gopimi_core::Error> {
//! use std::sync::Arc;
//! use gopimi_core::service::{Caller, Helpdesk, NewTicket, Registration};
//! use gopimi_core::store::MemoryStore;
//!
//! let desk = Helpdesk::builder(Arc::new(MemoryStore::new())).build();
//! let (user, _token) = desk
//!     .register(Registration::new("Ada", "ada@example.com", "correct horse battery"))
//!     .await?;
//! let me = Caller::User(user.id);
//! let ws = desk.create_workspace(&me, "Support").await?;
//! let ticket = desk.create_ticket(&me, ws.id, NewTicket::new("Printer on fire")).await?;
//! assert_eq!(ticket.number, 1);
//! # Ok(())
//! # }
//! ```
//!
//! [`Batch`]: crate::store::Batch
//! [`WorkspaceId`]: crate::ids::WorkspaceId

pub mod access;
pub mod activity;
pub mod attachments;
pub mod blocked_senders;
pub mod bulk;
pub mod canned_responses;
pub mod contact_import;
pub mod contacts;
pub mod conversations;
pub mod custom_fields;
pub mod domains;
pub mod email_verification;
pub mod emails;
pub mod export;
pub mod input;
pub mod listing;
pub mod members;
pub mod messages;
pub mod notifications;
pub mod notify_hook;
pub mod organizations;
pub mod quotas;
pub mod retry;
pub mod sla_hook;
pub mod sla_policies;
pub mod tags;
pub mod ticket_lifecycle;
pub mod ticket_list;
pub mod tickets;
pub mod tokens;
pub mod users;
pub mod webhook_hook;
pub mod webhooks;
pub mod workspaces;

pub use access::{Access, Caller};
pub use activity::ActivityAction;
pub use attachments::NewAttachment;
pub use blocked_senders::NewBlockedSender;
pub use bulk::{BulkAction, BulkItem, BulkReport, BulkRequest};
pub use canned_responses::{CannedResponsePatch, NewCannedResponse};
pub use contact_import::{ImportReport, ImportRowError};
pub use contacts::{ContactPatch, ContactQuery, NewContact};
pub use conversations::{
    ConversationOrigin, ConversationPatch, ConversationQuery, InboxScope, NewConversation,
    OpenedConversation,
};
pub use custom_fields::{ContactField, CustomFieldPatch, NewCustomField};
pub use domains::NewDomain;
pub use email_verification::{VERIFY_QUEUE, VerificationMail, VerificationMailHandler};
pub use emails::{NewWorkspaceEmail, WorkspaceEmailPatch};
pub use listing::{Page, PageRequest};
pub use members::Member;
pub use messages::{MessagePatch, NewMessage};
pub use notifications::NotificationSettings;
pub use organizations::{NewOrganization, OrganizationPatch};
pub use quotas::{ResourceUsage, Usage};
pub use sla_hook::SlaTrigger;
pub use sla_policies::{NewSlaPolicy, SlaPolicyPatch};
pub use tags::{NewTag, TagPatch};
pub use ticket_list::{Embed, TicketQuery, TicketView};
pub use tickets::{AgentSummary, NewTicket, OpenedTicket, TicketOrigin, TicketPatch};
pub use tokens::IssuedToken;
pub use users::{ProfilePatch, Registration};
pub use webhooks::{CreatedWebhook, NewWebhook, WebhookPatch};
pub use workspaces::{WorkspacePatch, WorkspaceSummary};

use crate::blob::{BlobStore, MemoryBlobStore};
use crate::clock::{Clock, SystemClock};
use crate::mail::DomainProvider;
use crate::model::{Plan, PlanTable};
use crate::store::Store;
use chrono::{DateTime, Utc};
use std::sync::Arc;

/// Settings of a [`Helpdesk`] that are not ports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HelpdeskConfig {
    /// The plan of newly created workspaces (a self-hosted server uses Business).
    pub default_plan: Plan,
    /// The domain forwarding addresses are issued on (`<random>@<platform_domain>`).
    pub platform_domain: String,
    /// Where webhook endpoints may point (private addresses only when allowed).
    pub webhook_urls: crate::webhooks::UrlPolicy,
}

impl Default for HelpdeskConfig {
    fn default() -> Self {
        HelpdeskConfig {
            default_plan: Plan::Business,
            platform_domain: "mail.gopimi.localhost".to_owned(),
            webhook_urls: crate::webhooks::UrlPolicy::default(),
        }
    }
}

struct Inner {
    store: Arc<dyn Store>,
    blobs: Arc<dyn BlobStore>,
    clock: Arc<dyn Clock>,
    plans: PlanTable,
    config: HelpdeskConfig,
    domains: Option<Arc<dyn DomainProvider>>,
    /// Ticket creations in one workspace take turns within this process (striped by workspace
    /// id): they all compare-and-set the workspace's ticket counter, and letting them race
    /// only to retry wastes the store's time. Other processes still race, and retry.
    creation_turns: Vec<tokio::sync::Mutex<()>>,
}

/// How many creation locks a helpdesk keeps (workspaces share them by hash).
const CREATION_TURNS: usize = 64;

/// The helpdesk: every operation of the product, over the ports it was built with.
///
/// Cheap to clone (one `Arc`); share one per process.
#[derive(Clone)]
pub struct Helpdesk {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Helpdesk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Helpdesk")
            .field("config", &self.inner.config)
            .finish_non_exhaustive()
    }
}

impl Helpdesk {
    /// Starts building a helpdesk over a store. Everything else has a default: blobs in memory,
    /// the system clock, the default plan table, Business for new workspaces.
    pub fn builder(store: Arc<dyn Store>) -> HelpdeskBuilder {
        HelpdeskBuilder {
            store,
            blobs: None,
            clock: None,
            plans: PlanTable::default(),
            config: HelpdeskConfig::default(),
            domains: None,
        }
    }

    /// The storage port (for adapters that need to read what the facade wrote).
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.inner.store
    }

    /// The blob port.
    pub fn blobs(&self) -> &Arc<dyn BlobStore> {
        &self.inner.blobs
    }

    /// The clock.
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.inner.clock
    }

    /// The plan table quotas are checked against.
    pub fn plans(&self) -> &PlanTable {
        &self.inner.plans
    }

    /// The configuration.
    pub fn config(&self) -> &HelpdeskConfig {
        &self.inner.config
    }

    /// The mail provider's domain set-up, when one is configured.
    pub fn domain_provider(&self) -> Option<&Arc<dyn DomainProvider>> {
        self.inner.domains.as_ref()
    }

    pub(crate) fn now(&self) -> DateTime<Utc> {
        self.inner.clock.now()
    }

    pub(crate) fn db(&self) -> &dyn Store {
        self.inner.store.as_ref()
    }

    /// The creation turn of a workspace (see `Inner::creation_turns`).
    pub(crate) fn creation_turn(
        &self,
        workspace_id: crate::ids::WorkspaceId,
    ) -> &tokio::sync::Mutex<()> {
        let h = workspace_id.0.as_u128();
        let i = ((h ^ (h >> 64)) as usize) % self.inner.creation_turns.len();
        &self.inner.creation_turns[i]
    }
}

/// Builds a [`Helpdesk`].
pub struct HelpdeskBuilder {
    store: Arc<dyn Store>,
    blobs: Option<Arc<dyn BlobStore>>,
    clock: Option<Arc<dyn Clock>>,
    plans: PlanTable,
    config: HelpdeskConfig,
    domains: Option<Arc<dyn DomainProvider>>,
}

impl std::fmt::Debug for HelpdeskBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HelpdeskBuilder")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl HelpdeskBuilder {
    /// Where attachment bytes go.
    pub fn blobs(mut self, blobs: Arc<dyn BlobStore>) -> Self {
        self.blobs = Some(blobs);
        self
    }

    /// The clock (a `ManualClock` in tests).
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = Some(clock);
        self
    }

    /// The plan table.
    pub fn plans(mut self, plans: PlanTable) -> Self {
        self.plans = plans;
        self
    }

    /// The plan of new workspaces.
    pub fn default_plan(mut self, plan: Plan) -> Self {
        self.config.default_plan = plan;
        self
    }

    /// The platform domain forwarding addresses are issued on.
    pub fn platform_domain(mut self, domain: impl Into<String>) -> Self {
        self.config.platform_domain = domain.into().trim().to_ascii_lowercase();
        self
    }

    /// The mail provider's domain set-up (DNS records and verification of custom domains).
    /// Without one, domains are recorded but cannot be verified.
    pub fn domain_provider(mut self, provider: Arc<dyn DomainProvider>) -> Self {
        self.domains = Some(provider);
        self
    }

    /// Lets webhook endpoints point to loopback and private addresses (development only;
    /// `GOPIMI_WEBHOOK_ALLOW_PRIVATE`).
    pub fn webhook_allow_private(mut self, allow: bool) -> Self {
        self.config.webhook_urls = crate::webhooks::UrlPolicy::new(allow);
        self
    }

    /// The whole configuration at once.
    pub fn config(mut self, config: HelpdeskConfig) -> Self {
        self.config = config;
        self
    }

    /// The helpdesk.
    pub fn build(self) -> Helpdesk {
        Helpdesk {
            inner: Arc::new(Inner {
                store: self.store,
                blobs: self
                    .blobs
                    .unwrap_or_else(|| Arc::new(MemoryBlobStore::new())),
                clock: self.clock.unwrap_or_else(|| Arc::new(SystemClock)),
                plans: self.plans,
                config: self.config,
                domains: self.domains,
                creation_turns: (0..CREATION_TURNS)
                    .map(|_| tokio::sync::Mutex::new(()))
                    .collect(),
            }),
        }
    }
}
