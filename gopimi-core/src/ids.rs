//! Typed ids: a `TicketId` cannot be passed where a `ContactId` is expected.
//!
//! All ids are UUID v7: time-ordered, so they insert at the right edge of B-tree indexes
//! (see `LIMITS.md`) and sort by creation.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use uuid::Uuid;

macro_rules! typed_id {
    ($($(#[$meta:meta])* $name:ident),* $(,)?) => {$(
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub Uuid);

        impl $name {
            /// A fresh, time-ordered id.
            pub fn new() -> Self {
                $name(Uuid::now_v7())
            }
            /// The underlying UUID.
            pub fn uuid(&self) -> Uuid {
                self.0
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self.0)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(&self.0, f)
            }
        }

        impl FromStr for $name {
            type Err = uuid::Error;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map($name)
            }
        }

        impl From<Uuid> for $name {
            fn from(u: Uuid) -> Self {
                $name(u)
            }
        }

        impl From<$name> for Uuid {
            fn from(id: $name) -> Uuid {
                id.0
            }
        }
    )*};
}

typed_id!(
    /// A workspace.
    WorkspaceId,
    /// A user account.
    UserId,
    /// A membership of a user in a workspace.
    MembershipId,
    /// An API token (login session or personal access token).
    TokenId,
    /// A ticket.
    TicketId,
    /// A message on a ticket or conversation.
    MessageId,
    /// A shared or personal inbox conversation.
    ConversationId,
    /// A contact.
    ContactId,
    /// An organization.
    OrganizationId,
    /// A custom field definition.
    CustomFieldId,
    /// A custom field value.
    CustomFieldValueId,
    /// A tag.
    TagId,
    /// A canned response.
    CannedResponseId,
    /// An SLA policy.
    SlaPolicyId,
    /// A workspace email address.
    WorkspaceEmailId,
    /// A sending/receiving domain.
    DomainId,
    /// An attachment.
    AttachmentId,
    /// An activity log entry.
    ActivityId,
    /// A notification preference row.
    NotificationPreferenceId,
    /// A blocked sender.
    BlockedSenderId,
    /// A background job.
    JobId,
    /// A stored inbound email.
    InboundId,
    /// An outbound webhook endpoint.
    WebhookId,
    /// One delivery of an event to a webhook endpoint.
    WebhookDeliveryId,
);
