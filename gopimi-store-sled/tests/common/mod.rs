//! Domain rows for the sled store's tests and benchmark: tickets, their messages, contacts.
#![allow(dead_code)]

use chrono::{DateTime, Duration, TimeZone, Utc};
use gopimi_core::ids::{ContactId, MessageId, SlaPolicyId, TicketId, UserId, WorkspaceId};
use gopimi_core::model::{
    Contact, Mailbox, Message, MessageKind, Parent, Priority, SlaMetricStatus, Ticket, TicketSla,
    TicketStatus,
};

/// A fixed start so runs are comparable.
pub fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0)
        .single()
        .expect("valid time")
}

pub fn ticket(ws: WorkspaceId, number: i64, subject: &str, at: DateTime<Utc>) -> Ticket {
    Ticket {
        id: TicketId::new(),
        workspace_id: ws,
        number,
        subject: subject.to_owned(),
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
        created_at: at,
        updated_at: at,
        last_activity_at: at,
        version: 0,
    }
}

/// An SLA state whose next check is `due`.
pub fn sla_due(due: DateTime<Utc>) -> TicketSla {
    TicketSla {
        policy_id: SlaPolicyId::new(),
        first_response_due_at: Some(due),
        resolution_due_at: Some(due + Duration::hours(8)),
        first_response_warn_at: None,
        resolution_warn_at: None,
        first_response_status: SlaMetricStatus::OnTrack,
        resolution_status: SlaMetricStatus::OnTrack,
        status: SlaMetricStatus::OnTrack,
        paused_at: None,
        next_check_at: Some(due),
    }
}

pub fn message(
    ws: WorkspaceId,
    ticket: TicketId,
    rfc_message_id: &str,
    body: &str,
    at: DateTime<Utc>,
) -> Message {
    Message {
        id: MessageId::new(),
        workspace_id: ws,
        parent: Parent::Ticket(ticket),
        kind: MessageKind::Inbound,
        author_user_id: None,
        author_contact_id: None,
        from: Some(Mailbox::named("Ada Lovelace", "ada@example.com")),
        to: vec![Mailbox::new("support@example.com")],
        cc: Vec::new(),
        subject: "Re: help".to_owned(),
        body_text: body.to_owned(),
        body_html: None,
        new_text: None,
        attachment_ids: Vec::new(),
        rfc_message_id: Some(rfc_message_id.to_owned()),
        in_reply_to: None,
        references: Vec::new(),
        sending_email_id: None,
        delivery: None,
        thread_match: None,
        thread_notes: Vec::new(),
        auto_submitted: false,
        bounce: false,
        dropped_parts: Vec::new(),
        provider_message_id: None,
        deleted_at: None,
        created_at: at,
        updated_at: at,
        version: 0,
    }
}

pub fn contact(ws: WorkspaceId, name: &str, email: &str, at: DateTime<Utc>) -> Contact {
    Contact {
        id: ContactId::new(),
        workspace_id: ws,
        name: name.to_owned(),
        email: email.to_owned(),
        phone: None,
        organization_id: None,
        notes: None,
        created_at: at,
        updated_at: at,
        version: 0,
    }
}

/// A deterministic spread of agents, statuses and priorities for generated tickets.
pub fn vary(t: &mut Ticket, i: u64, agents: &[UserId]) {
    t.status = TicketStatus::ALL[(i % 5) as usize];
    t.priority = [
        Priority::Low,
        Priority::Medium,
        Priority::High,
        Priority::Urgent,
    ][(i / 5 % 4) as usize];
    t.agent_id = Some(agents[(i / 20 % agents.len() as u64) as usize]);
}
