//! The workload of the store benchmarks (`gopimi-store-sled/benches/store.rs`,
//! `gopimi-store-sql/benches/store.rs`), one definition so every engine's figures compare:
//! one workspace, N tickets with two messages each, statuses, priorities and ten agents spread
//! evenly, 10% of tickets under an SLA and 1% due at [`bench_now`], subjects from 8 words,
//! bodies of 30 words from 12 with "toner" in 2% of them.

use crate::ids::{MessageId, SlaPolicyId, TicketId, UserId, WorkspaceId};
use crate::model::{
    Mailbox, Message, MessageKind, Parent, Priority, SlaMetricStatus, Ticket, TicketSla,
    TicketStatus,
};
use chrono::{DateTime, Duration, TimeZone, Utc};

const SUBJECT_WORDS: [&str; 8] = [
    "printer", "invoice", "password", "refund", "shipping", "login", "upgrade", "broken",
];
const BODY_WORDS: [&str; 12] = [
    "please",
    "help",
    "the",
    "order",
    "arrived",
    "damaged",
    "since",
    "yesterday",
    "cannot",
    "account",
    "thanks",
    "again",
];

/// A fixed start so runs are comparable.
pub fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0)
        .single()
        .expect("valid time")
}

/// The "now" of the SLA queries.
pub fn bench_now() -> DateTime<Utc> {
    t0() + Duration::days(30)
}

fn ticket(ws: WorkspaceId, number: i64, subject: &str, at: DateTime<Utc>) -> Ticket {
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
fn sla_due(due: DateTime<Utc>) -> TicketSla {
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
        terms: Default::default(),
        resolution_started_at: None,
        resolution_paused_seconds: 0,
    }
}

fn message(
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

/// A deterministic spread of agents, statuses and priorities.
fn vary(t: &mut Ticket, i: u64, agents: &[UserId]) {
    t.status = TicketStatus::ALL[(i % 5) as usize];
    t.priority = [
        Priority::Low,
        Priority::Medium,
        Priority::High,
        Priority::Urgent,
    ][(i / 5 % 4) as usize];
    t.agent_id = Some(agents[(i / 20 % agents.len() as u64) as usize]);
}

/// The rows of ticket `i`: deterministic content, fresh time-ordered ids.
pub fn rows(ws: WorkspaceId, i: u64, agents: &[UserId]) -> (Ticket, [Message; 2]) {
    let at = t0() + Duration::seconds(i as i64);
    let subject = format!(
        "{} issue {} {}",
        SUBJECT_WORDS[(i % 8) as usize],
        i,
        SUBJECT_WORDS[(i / 8 % 8) as usize]
    );
    let mut t = ticket(ws, i as i64 + 1, &subject, at);
    vary(&mut t, i, agents);
    t.contact_search = format!("customer{} customer{}@example.com", i % 5000, i % 5000);
    if i.is_multiple_of(10) {
        // 10% under an SLA; about one in ten of those (1%) is due at the query's "now".
        let minutes = if i.is_multiple_of(100) { -30 } else { 600 };
        t.sla = Some(sla_due(bench_now() + Duration::minutes(minutes)));
    }
    let body = |k: u64| {
        (0..30)
            .map(|j| BODY_WORDS[((i * 7 + k * 13 + j * 5) % 12) as usize])
            .collect::<Vec<_>>()
            .join(" ")
            + if i.is_multiple_of(50) { " toner" } else { "" }
    };
    let m1 = message(ws, t.id, &format!("<{i}.1@mail.example>"), &body(1), at);
    let m2 = message(
        ws,
        t.id,
        &format!("<{i}.2@mail.example>"),
        &body(2),
        at + Duration::minutes(5),
    );
    (t, [m1, m2])
}
