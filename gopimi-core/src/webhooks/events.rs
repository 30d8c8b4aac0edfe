//! Event types and the JSON body every delivery carries:
//!
//! ```json
//! {"id": "evt_0190...", "type": "ticket.status_changed", "timestamp": "2026-03-02T10:00:00Z",
//!  "workspace_id": "0190...", "data": {"ticket": {...}, "from": "open", "to": "resolved"}}
//! ```
//!
//! `data` holds the object as it was when the event happened (not when it is delivered), under
//! its kind's name, plus what the event adds (the changes of an update, the previous status).

use crate::error::{Error, Result};
use crate::ids::WorkspaceId;
use chrono::{DateTime, Utc};
use serde_json::json;

/// The event sent by `POST /webhooks/{id}/test`, to that endpoint only.
pub const TEST_EVENT: &str = "webhook.test";

/// Every event type an endpoint can subscribe to (the test event goes to every endpoint).
pub const EVENT_TYPES: [&str; 14] = [
    "ticket.created",
    "ticket.updated",
    "ticket.status_changed",
    "ticket.assigned",
    "ticket.deleted",
    "message.created",
    "conversation.created",
    "conversation.message_created",
    "contact.created",
    "contact.updated",
    "sla.first_response_warning",
    "sla.resolution_warning",
    "sla.first_response_breached",
    "sla.resolution_breached",
];

/// Checks a subscription list: known names (or `*`), no duplicates kept. Empty means all.
pub fn validate_events(events: &[String]) -> Result<Vec<String>> {
    if events.len() > EVENT_TYPES.len() + 1 {
        return Err(Error::validation("events", "too many event types"));
    }
    let mut out: Vec<String> = Vec::new();
    for e in events {
        let e = e.trim();
        if e != "*" && !EVENT_TYPES.contains(&e) {
            return Err(Error::validation(
                "events",
                format!("unknown event type '{e}'"),
            ));
        }
        if !out.iter().any(|x| x == e) {
            out.push(e.to_owned());
        }
    }
    if out.iter().any(|e| e == "*") {
        out.clear();
    }
    Ok(out)
}

/// One event, before it is fanned out to endpoints.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// `evt_` + a time-ordered id; the `webhook-id` header.
    pub id: String,
    pub event_type: String,
    pub workspace_id: WorkspaceId,
    pub occurred_at: DateTime<Utc>,
    /// The `data` member.
    pub data: serde_json::Value,
    /// Deliveries of one key to one endpoint go out one at a time, in order (`ticket:<id>`).
    pub order_key: Option<String>,
}

impl Event {
    /// A new event.
    pub fn new(
        event_type: &str,
        workspace_id: WorkspaceId,
        occurred_at: DateTime<Utc>,
        data: serde_json::Value,
        order_key: Option<String>,
    ) -> Self {
        Event {
            id: format!("evt_{}", uuid::Uuid::now_v7().simple()),
            event_type: event_type.to_owned(),
            workspace_id,
            occurred_at,
            data,
            order_key,
        }
    }

    /// The JSON body sent.
    pub fn payload(&self) -> serde_json::Value {
        json!({
            "id": self.id,
            "type": self.event_type,
            "timestamp": self.occurred_at,
            "workspace_id": self.workspace_id,
            "data": self.data,
        })
    }
}

/// The order key of a ticket's events (its messages' included).
pub fn ticket_key(id: crate::ids::TicketId) -> String {
    format!("ticket:{id}")
}

/// The order key of a conversation's events.
pub fn conversation_key(id: crate::ids::ConversationId) -> String {
    format!("conversation:{id}")
}

/// The order key of a contact's events.
pub fn contact_key(id: crate::ids::ContactId) -> String {
    format!("contact:{id}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subscriptions_are_checked() {
        let ok = validate_events(&["ticket.created".into(), "ticket.created".into()]);
        assert_eq!(ok.expect("valid"), vec!["ticket.created".to_owned()]);
        assert!(validate_events(&["*".into()]).expect("all").is_empty());
        assert!(matches!(
            validate_events(&["ticket.exploded".into()]),
            Err(Error::Validation { field, .. }) if field == "events"
        ));
    }
}
