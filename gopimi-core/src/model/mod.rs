//! The domain model: one file per concept. Every stored type implements
//! [`crate::store::Entity`]; its projected fields are declared in [`crate::store::schema`].

macro_rules! versioned {
    () => {
        fn version(&self) -> u64 {
            self.version
        }
        fn set_version(&mut self, version: u64) {
            self.version = version;
        }
    };
}

pub mod activity;
pub mod api_token;
pub mod attachment;
pub mod blocked_sender;
pub mod canned_response;
pub mod contact;
pub mod conversation;
pub mod custom_field;
pub mod domain;
pub mod inbound;
pub mod job;
pub mod mailbox;
pub mod membership;
pub mod message;
pub mod nonce;
pub mod notification;
pub mod organization;
pub mod plan;
pub mod sla_policy;
pub mod tag;
pub mod ticket;
pub mod user;
pub mod webhook;
pub mod workspace;
pub mod workspace_email;

pub use activity::{Activity, ActivitySubject, Actor};
pub use api_token::{ApiToken, TokenKind};
pub use attachment::Attachment;
pub use blocked_sender::BlockedSender;
pub use canned_response::CannedResponse;
pub use contact::Contact;
pub use conversation::{Conversation, ConversationStatus};
pub use custom_field::{CustomField, CustomFieldType, CustomFieldValue};
pub use domain::{DnsRecord, Domain, DomainState};
pub use inbound::{InboundItem, InboundStatus};
pub use job::{Job, JobStatus};
pub use mailbox::Mailbox;
pub use membership::{Membership, Role};
pub use message::{DeliveryState, DeliveryStatus, Message, MessageKind, Parent, ThreadMatch};
pub use nonce::Nonce;
pub use notification::{NotificationEvent, NotificationPreference};
pub use organization::Organization;
pub use plan::{Plan, PlanLimits, PlanTable, Resource};
pub use sla_policy::{
    BusinessCalendar, SlaMetricStatus, SlaPolicy, SlaTarget, SlaTerms, TicketSla, WorkingHours,
};
pub use tag::Tag;
pub use ticket::{Priority, Ticket, TicketStatus};
pub use user::User;
pub use webhook::{Webhook, WebhookAttempt, WebhookDelivery, WebhookDeliveryStatus};
pub use workspace::Workspace;
pub use workspace_email::{Purpose, WorkspaceEmail};
