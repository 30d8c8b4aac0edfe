//! SLA through the facade: a policy created by the owner gives tickets deadlines; replies,
//! status and priority changes, spam and the sweep move them, with a manual clock. And the
//! notification emails each facade change writes in its own batch.

use super::common::user;
use chrono::{DateTime, Duration, NaiveTime, TimeZone, Utc, Weekday};
use gopimi_core::clock::{Clock, ManualClock};
use gopimi_core::ids::{TicketId, UserId, WorkspaceId};
use gopimi_core::model::{
    Activity, BusinessCalendar, Job, Mailbox, Message, MessageKind, NotificationEvent, Parent,
    Priority, Role, SlaMetricStatus as S, SlaTarget, Ticket, TicketStatus, WorkingHours,
};
use gopimi_core::notify::{NOTIFY_QUEUE, NotifyPayload};
use gopimi_core::service::{
    ConversationOrigin, NewConversation, NewMessage, NewSlaPolicy, NewTicket, PageRequest,
    SlaPolicyPatch, TicketOrigin,
};
use gopimi_core::sla::{self, WEBHOOK_QUEUE};
use gopimi_core::store::{Filter, Kind, MemoryStore, Query, StoreExt};
use gopimi_core::{Caller, Error, Helpdesk};
use std::sync::Arc;

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 2, 9, 9, 0, 0)
        .single()
        .expect("time")
}

fn mins(m: i64) -> Duration {
    Duration::minutes(m)
}

struct Env {
    desk: Helpdesk,
    store: Arc<MemoryStore>,
    clock: Arc<ManualClock>,
    owner: Caller,
    owner_id: UserId,
    alice: UserId,
    bob: UserId,
    ws: WorkspaceId,
}

async fn env() -> Env {
    let store = Arc::new(MemoryStore::new());
    let clock = Arc::new(ManualClock::new(t0()));
    let desk = Helpdesk::builder(store.clone())
        .clock(clock.clone())
        .build();
    let (owner_id, owner) = user(&desk, "Olivia Owner").await;
    let ws = desk
        .create_workspace(&owner, "Support")
        .await
        .expect("workspace")
        .id;
    let mut members = Vec::new();
    for name in ["Alice Agent", "Bob Agent"] {
        let (id, _) = user(&desk, name).await;
        let email = desk.user(id).await.expect("user").email;
        desk.add_member(&owner, ws, &email, Role::Member)
            .await
            .expect("member");
        members.push(id);
    }
    Env {
        desk,
        store,
        clock,
        owner,
        owner_id,
        alice: members[0],
        bob: members[1],
        ws,
    }
}

fn targets() -> Vec<SlaTarget> {
    vec![SlaTarget {
        priority: Priority::Urgent,
        first_response_minutes: 30,
        resolution_minutes: 240,
    }]
}

fn policy(targets: Vec<SlaTarget>, pause: bool) -> NewSlaPolicy {
    NewSlaPolicy {
        name: "Standard".into(),
        active: None,
        targets,
        calendar: None,
        pause_on_pending: pause,
        warning_percent: None,
    }
}

impl Env {
    async fn ticket(&self, as_: &Caller, priority: Priority, agent: Option<UserId>) -> Ticket {
        let new = NewTicket {
            priority: Some(priority),
            agent_id: agent,
            ..NewTicket::new("Printer on fire")
        };
        self.desk
            .create_ticket(as_, self.ws, new)
            .await
            .expect("ticket")
    }

    async fn get(&self, id: TicketId) -> Ticket {
        self.desk
            .ticket(&self.owner, self.ws, id)
            .await
            .expect("ticket")
    }

    async fn actions(&self, id: TicketId) -> Vec<String> {
        self.desk
            .ticket_activities(&self.owner, self.ws, id, PageRequest::default())
            .await
            .expect("log")
            .items
            .into_iter()
            .map(|a: Activity| a.action)
            .collect()
    }

    async fn jobs(&self, queue: &str) -> Vec<Job> {
        self.store
            .find(
                &Query::new(Kind::Job, None)
                    .filter(Filter::Eq("queue", queue.into()))
                    .limit(10_000),
            )
            .await
            .expect("jobs")
    }

    /// (recipient, event) of every notification job written so far, then forgets them.
    async fn take_mail(&self) -> Vec<(UserId, NotificationEvent)> {
        let jobs = self.jobs(NOTIFY_QUEUE).await;
        let mut w = gopimi_core::store::Writes::new();
        let mut out: Vec<(UserId, NotificationEvent)> = jobs
            .iter()
            .map(|j| {
                let p: NotifyPayload = serde_json::from_value(j.payload.clone()).expect("payload");
                (p.user_id, p.event)
            })
            .collect();
        for j in &jobs {
            w.delete(j);
        }
        w.apply(self.store.as_ref()).await.expect("cleared");
        out.sort_by_key(|(u, e)| (*u, e.as_str()));
        out
    }

    fn inbound(&self, auto: bool) -> Message {
        let mut m = gopimi_core::testing::sample::message(
            self.ws,
            Parent::Ticket(TicketId::new()),
            Some(&format!("{}@mail.example.org", uuid::Uuid::new_v4())),
        );
        m.from = Some(Mailbox::new("cy@example.org"));
        m.auto_submitted = auto;
        m.created_at = self.clock.now();
        m
    }
}

fn reply(body: &str) -> NewMessage {
    NewMessage {
        to: vec![Mailbox::new("cy@example.org")],
        ..NewMessage::reply(body)
    }
}

fn sla_of(t: &Ticket) -> gopimi_core::model::TicketSla {
    t.sla.clone().expect("ticket has an SLA")
}

#[tokio::test]
async fn tickets_get_deadlines_and_replies_status_and_priority_move_them() {
    let e = env().await;
    let d = &e.desk;
    let untracked = e.ticket(&e.owner, Priority::Urgent, None).await;
    assert!(untracked.sla.is_none(), "no policy yet");
    d.create_sla_policy(&e.owner, e.ws, policy(targets(), true))
        .await
        .expect("policy");

    let t = e.ticket(&e.owner, Priority::Urgent, None).await;
    let s = sla_of(&t);
    assert_eq!(s.first_response_due_at, Some(t0() + mins(30)));
    assert_eq!(s.resolution_due_at, Some(t0() + mins(240)));
    assert!(e.ticket(&e.owner, Priority::Low, None).await.sla.is_none());

    // A note does not answer; a reply does.
    e.clock.set(t0() + mins(10));
    d.add_ticket_message(&e.owner, e.ws, t.id, NewMessage::note("checking"))
        .await
        .expect("note");
    assert_eq!(sla_of(&e.get(t.id).await).first_response_status, S::OnTrack);
    d.add_ticket_message(&e.owner, e.ws, t.id, reply("On it"))
        .await
        .expect("reply");
    assert_eq!(sla_of(&e.get(t.id).await).first_response_status, S::Met);

    // Pending pauses resolution for an hour; resolving then meets it; reopening restarts it.
    e.clock.set(t0() + mins(60));
    d.set_ticket_status(&e.owner, e.ws, t.id, TicketStatus::Pending)
        .await
        .expect("pending");
    assert_eq!(sla_of(&e.get(t.id).await).next_check_at, None);
    e.clock.set(t0() + mins(120));
    d.set_ticket_status(&e.owner, e.ws, t.id, TicketStatus::Open)
        .await
        .expect("open");
    assert_eq!(
        sla_of(&e.get(t.id).await).resolution_due_at,
        Some(t0() + mins(300))
    );
    e.clock.set(t0() + mins(150));
    d.set_ticket_status(&e.owner, e.ws, t.id, TicketStatus::Resolved)
        .await
        .expect("resolved");
    assert_eq!(sla_of(&e.get(t.id).await).status, S::Met);
    e.clock.set(t0() + mins(600));
    d.set_ticket_status(&e.owner, e.ws, t.id, TicketStatus::Open)
        .await
        .expect("reopened");
    let r = sla_of(&e.get(t.id).await);
    assert_eq!(r.resolution_due_at, Some(t0() + mins(840)));
    assert!(
        e.actions(t.id)
            .await
            .contains(&"sla_resolution_restarted".to_owned())
    );

    // A priority change recomputes from creation.
    e.clock.set(t0());
    let m = e.ticket(&e.owner, Priority::Low, None).await;
    e.clock.set(t0() + mins(5));
    d.set_ticket_priority(&e.owner, e.ws, m.id, Priority::Urgent)
        .await
        .expect("priority");
    assert_eq!(
        sla_of(&e.get(m.id).await).first_response_due_at,
        Some(t0() + mins(30))
    );
}

#[tokio::test]
async fn a_late_reply_breaches_and_the_sweep_announces_the_rest_once() {
    let e = env().await;
    let d = &e.desk;
    d.create_sla_policy(&e.owner, e.ws, policy(targets(), false))
        .await
        .expect("policy");
    let late = e.ticket(&e.owner, Priority::Urgent, None).await;
    let swept = e.ticket(&e.owner, Priority::Urgent, None).await;
    let spam = e.ticket(&e.owner, Priority::Urgent, None).await;
    d.set_ticket_spam(&e.owner, e.ws, spam.id, true)
        .await
        .expect("spam");

    e.clock.set(t0() + mins(40));
    d.add_ticket_message(&e.owner, e.ws, late.id, reply("Sorry"))
        .await
        .expect("reply");
    assert_eq!(
        sla_of(&e.get(late.id).await).first_response_status,
        S::Breached
    );

    let r = sla::sweep(e.store.as_ref(), e.clock.as_ref(), &Default::default())
        .await
        .expect("sweep");
    assert_eq!(
        (r.due, r.events),
        (1, 1),
        "only the unanswered, non-spam ticket"
    );
    assert_eq!(
        sla_of(&e.get(swept.id).await).first_response_status,
        S::Breached
    );
    let again = sla::sweep(e.store.as_ref(), e.clock.as_ref(), &Default::default())
        .await
        .expect("sweep");
    assert_eq!(again.events, 0);

    for id in [late.id, swept.id] {
        let a = e.actions(id).await;
        assert_eq!(
            a.iter()
                .filter(|x| *x == "sla_first_response_breached")
                .count(),
            1
        );
    }
    assert!(
        !e.actions(spam.id)
            .await
            .iter()
            .any(|a| a.starts_with("sla_"))
    );
    assert_eq!(e.jobs(WEBHOOK_QUEUE).await.len(), 2);
    // Back from spam: its clocks run again and its breach is announced.
    d.set_ticket_spam(&e.owner, e.ws, spam.id, false)
        .await
        .expect("not spam");
    let r = sla::sweep(e.store.as_ref(), e.clock.as_ref(), &Default::default())
        .await
        .expect("sweep");
    assert_eq!(r.events, 1);
}

#[tokio::test]
async fn policies_with_a_calendar_are_checked_when_saved() {
    let e = env().await;
    let d = &e.desk;
    let nine = NaiveTime::from_hms_opt(22, 0, 0).expect("time");
    let midnight = NaiveTime::from_hms_opt(0, 0, 0).expect("time");
    let late_shift = BusinessCalendar {
        time_zone: "America/New_York".into(),
        hours: vec![WorkingHours {
            day: Weekday::Sat,
            start: nine,
            end: midnight,
        }],
        holidays: vec![],
    };
    let mut p = policy(targets(), false);
    p.calendar = Some(late_shift.clone());
    let saved = d
        .create_sla_policy(&e.owner, e.ws, p)
        .await
        .expect("a shift ending at midnight is valid");

    // Two working hours a week cannot fit a year-long target.
    let year = vec![SlaTarget {
        priority: Priority::Low,
        first_response_minutes: 60,
        resolution_minutes: 525_600,
    }];
    let patch = SlaPolicyPatch {
        targets: Some(year.clone()),
        ..SlaPolicyPatch::default()
    };
    let r = d.update_sla_policy(&e.owner, e.ws, saved.id, patch).await;
    assert!(
        matches!(&r, Err(Error::Validation { field, .. }) if field.starts_with("targets")),
        "{r:?}"
    );
    let mut p = policy(year, false);
    p.calendar = Some(late_shift);
    assert!(d.create_sla_policy(&e.owner, e.ws, p).await.is_err());
}

#[tokio::test]
async fn facade_changes_write_their_notification_emails_in_the_same_batch() {
    let e = env().await;
    let d = &e.desk;
    let alice = Caller::User(e.alice);
    let bob = Caller::User(e.bob);

    // Created with an agent: the agent hears about it, unless they created it.
    let t = e.ticket(&e.owner, Priority::High, Some(e.alice)).await;
    assert_eq!(
        e.take_mail().await,
        vec![(e.alice, NotificationEvent::TicketAssigned)]
    );
    e.ticket(&alice, Priority::High, Some(e.alice)).await;
    assert_eq!(e.take_mail().await, vec![]);

    // Reassigned by Alice to Bob: Bob.
    d.assign_ticket(&alice, e.ws, t.id, Some(e.bob))
        .await
        .expect("assign");
    assert_eq!(
        e.take_mail().await,
        vec![(e.bob, NotificationEvent::TicketAssigned)]
    );

    // Status changes: the agent, never the actor.
    d.set_ticket_status(&e.owner, e.ws, t.id, TicketStatus::InProgress)
        .await
        .expect("status");
    assert_eq!(
        e.take_mail().await,
        vec![(e.bob, NotificationEvent::TicketStatusChanged)]
    );
    d.set_ticket_status(&bob, e.ws, t.id, TicketStatus::Resolved)
        .await
        .expect("status");
    assert_eq!(e.take_mail().await, vec![]);

    // Notes and replies by the team notify nobody.
    d.add_ticket_message(&alice, e.ws, t.id, NewMessage::note("fyi"))
        .await
        .expect("note");
    assert_eq!(e.take_mail().await, vec![]);

    // A customer's email reopens the ticket: Bob hears about the reply (once, not also
    // about the reopening).
    d.add_inbound_message(
        &Caller::System,
        e.ws,
        Parent::Ticket(t.id),
        e.inbound(false),
        vec![],
        vec![],
    )
    .await
    .expect("inbound");
    assert_eq!(
        e.take_mail().await,
        vec![(e.bob, NotificationEvent::TicketReply)]
    );
    assert_eq!(e.get(t.id).await.status, TicketStatus::Open);
    // An auto-reply: nobody.
    d.add_inbound_message(
        &Caller::System,
        e.ws,
        Parent::Ticket(t.id),
        e.inbound(true),
        vec![],
        vec![],
    )
    .await
    .expect("inbound");
    assert_eq!(e.take_mail().await, vec![]);

    // A new ticket from email, unassigned: every member.
    let (contact, _) = d
        .find_or_create_contact(&Caller::System, e.ws, "cy@example.org", Some("Cy"))
        .await
        .expect("contact");
    d.open_ticket(
        &Caller::System,
        e.ws,
        NewTicket::new("Help"),
        TicketOrigin::Email {
            contact_id: contact.id,
            message: Box::new(e.inbound(false)),
            attachments: vec![],
            jobs: vec![],
            spam: false,
        },
    )
    .await
    .expect("email ticket");
    let mut everyone = [e.owner_id, e.alice, e.bob];
    everyone.sort();
    assert_eq!(
        e.take_mail().await,
        everyone
            .iter()
            .map(|u| (*u, NotificationEvent::TicketReply))
            .collect::<Vec<_>>()
    );
    // The same as spam: nobody.
    d.open_ticket(
        &Caller::System,
        e.ws,
        NewTicket::new("Cheap pills"),
        TicketOrigin::Email {
            contact_id: contact.id,
            message: Box::new(e.inbound(false)),
            attachments: vec![],
            jobs: vec![],
            spam: true,
        },
    )
    .await
    .expect("spam ticket");
    assert_eq!(e.take_mail().await, vec![]);

    // Conversations: shared to every member, personal to its owner.
    let mut msg = e.inbound(false);
    msg.parent = Parent::Conversation(gopimi_core::ids::ConversationId::new());
    d.open_conversation(
        &Caller::System,
        e.ws,
        NewConversation {
            subject: "Hello".into(),
            ..NewConversation::default()
        },
        ConversationOrigin::Email {
            contact_id: contact.id,
            message: Box::new(msg),
            attachments: vec![],
            jobs: vec![],
            spam: false,
        },
    )
    .await
    .expect("shared conversation");
    assert_eq!(
        e.take_mail().await,
        everyone
            .iter()
            .map(|u| (*u, NotificationEvent::ConversationMessage))
            .collect::<Vec<_>>()
    );
    let mut msg = e.inbound(false);
    msg.parent = Parent::Conversation(gopimi_core::ids::ConversationId::new());
    let personal = d
        .open_conversation(
            &Caller::System,
            e.ws,
            NewConversation {
                subject: "For Alice".into(),
                owner_id: Some(e.alice),
                ..NewConversation::default()
            },
            ConversationOrigin::Email {
                contact_id: contact.id,
                message: Box::new(msg),
                attachments: vec![],
                jobs: vec![],
                spam: false,
            },
        )
        .await
        .expect("personal conversation");
    assert_eq!(
        e.take_mail().await,
        vec![(e.alice, NotificationEvent::ConversationMessage)]
    );
    let mut reply = e.inbound(false);
    reply.kind = MessageKind::Inbound;
    d.add_inbound_message(
        &Caller::System,
        e.ws,
        Parent::Conversation(personal.conversation.id),
        reply,
        vec![],
        vec![],
    )
    .await
    .expect("conversation reply");
    assert_eq!(
        e.take_mail().await,
        vec![(e.alice, NotificationEvent::ConversationMessage)]
    );
}

#[tokio::test]
async fn a_broken_policy_never_blocks_ticket_work() {
    let e = env().await;
    // A policy written straight to the store, around validation: its calendar has no hours.
    let mut p = gopimi_core::testing::sample::sla_policy(e.ws, "Broken");
    p.calendar = Some(BusinessCalendar {
        time_zone: "Europe/Berlin".into(),
        hours: vec![],
        holidays: vec![],
    });
    let mut w = gopimi_core::store::Writes::new();
    w.insert(&mut p).expect("encode");
    w.apply(e.store.as_ref()).await.expect("written");

    let t = e.ticket(&e.owner, Priority::Urgent, None).await;
    assert!(t.sla.is_none(), "created, without an SLA it cannot compute");
    e.desk
        .set_ticket_status(&e.owner, e.ws, t.id, TicketStatus::Resolved)
        .await
        .expect("status changes still work");
}
