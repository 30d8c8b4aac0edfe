//! A small helpdesk on the memory store for the SLA and notification tests: a workspace with an
//! owner and two members, a manual clock, and helpers to write tickets the way the facade does
//! (the change, then `sla::record` of its outcome, in one batch).
#![allow(dead_code)]

use chrono::{DateTime, Duration, Utc};
use gopimi_core::clock::{Clock, ManualClock};
use gopimi_core::ids::{SlaPolicyId, UserId};
use gopimi_core::model::{
    Activity, BusinessCalendar, Job, Membership, Message, MessageKind, Parent, Priority, Role,
    SlaPolicy, SlaTarget, Ticket, TicketStatus, User,
};
use gopimi_core::notify::AudienceCache;
use gopimi_core::sla::{self, SlaOutcome};
use gopimi_core::store::{Filter, Kind, MemoryStore, Query, Store, StoreExt, Value, Writes};
use gopimi_core::testing::sample;
use std::sync::Arc;

/// Monday 9 February 2026, 09:00 UTC.
pub fn t0() -> DateTime<Utc> {
    at("2026-02-09T09:00:00Z")
}

pub fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .expect("valid instant")
        .with_timezone(&Utc)
}

pub fn mins(m: i64) -> Duration {
    Duration::minutes(m)
}

pub struct Desk {
    pub store: Arc<dyn Store>,
    pub clock: Arc<ManualClock>,
    pub ws: sample::Ws,
    pub owner: UserId,
    /// Two members besides the owner.
    pub alice: UserId,
    pub bob: UserId,
    next_number: std::sync::atomic::AtomicI64,
}

pub async fn desk_on(store: Arc<dyn Store>) -> Desk {
    let clock = Arc::new(ManualClock::new(t0()));
    let ws = sample::new_workspace(store.as_ref(), "Acme Support").await;
    let mut ids = Vec::new();
    for name in ["alice", "bob"] {
        let mut u: User = sample::user(&format!(
            "{name}-{}@example.org",
            uuid::Uuid::new_v4().simple()
        ));
        u.name = format!("{}{}", name[..1].to_uppercase(), &name[1..]);
        let mut m: Membership = sample::membership(ws.id(), u.id, Role::Member);
        let mut w = Writes::new();
        w.insert(&mut u).expect("encode");
        w.insert(&mut m).expect("encode");
        w.apply(store.as_ref()).await.expect("members written");
        ids.push(u.id);
    }
    Desk {
        store,
        clock,
        owner: ws.owner_id(),
        ws,
        alice: ids[0],
        bob: ids[1],
        next_number: std::sync::atomic::AtomicI64::new(1),
    }
}

pub async fn desk() -> Desk {
    desk_on(Arc::new(MemoryStore::new())).await
}

pub fn target(priority: Priority, first_response: u32, resolution: u32) -> SlaTarget {
    SlaTarget {
        priority,
        first_response_minutes: first_response,
        resolution_minutes: resolution,
    }
}

/// urgent 30 min / 4 h, high 1 h / 8 h, medium 4 h / 24 h, low: no target.
pub fn standard_targets() -> Vec<SlaTarget> {
    vec![
        target(Priority::Urgent, 30, 240),
        target(Priority::High, 60, 480),
        target(Priority::Medium, 240, 1440),
    ]
}

impl Desk {
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    pub fn advance_to(&self, t: DateTime<Utc>) {
        self.clock.set(t);
    }

    pub fn scope(&self) -> Option<uuid::Uuid> {
        self.ws.scope()
    }

    /// Writes an active policy (created and last edited at the clock's time).
    pub async fn policy(
        &self,
        targets: Vec<SlaTarget>,
        calendar: Option<BusinessCalendar>,
        pause_on_pending: bool,
    ) -> SlaPolicy {
        sla::validate_policy(&targets, calendar.as_ref(), 20).expect("valid policy");
        let now = self.now();
        let mut p = SlaPolicy {
            id: SlaPolicyId::new(),
            workspace_id: self.ws.id(),
            name: "Standard".into(),
            active: true,
            targets,
            calendar,
            pause_on_pending,
            warning_percent: 20,
            created_at: now,
            updated_at: now,
            version: 0,
        };
        let mut w = Writes::new();
        w.insert(&mut p).expect("encode");
        w.apply(self.store.as_ref()).await.expect("policy written");
        p
    }

    /// Creates a ticket now the way the facade does: SLA started from the active policy.
    pub async fn ticket(&self, priority: Priority) -> Ticket {
        self.ticket_with(priority, TicketStatus::Open, None).await
    }

    pub async fn ticket_with(
        &self,
        priority: Priority,
        status: TicketStatus,
        agent: Option<UserId>,
    ) -> Ticket {
        let n = self
            .next_number
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let now = self.now();
        let mut t = sample::ticket(self.ws.id(), n, &format!("Printer {n} on fire"));
        t.priority = priority;
        t.status = status;
        t.agent_id = agent;
        t.created_at = now;
        t.updated_at = now;
        t.last_activity_at = now;
        if status.is_done() {
            t.resolved_at = Some(now);
        }
        let policy = sla::active_policy(self.store.as_ref(), self.ws.id())
            .await
            .expect("policy read");
        sla::start(&mut t, policy.as_ref()).expect("sla started");
        let mut w = Writes::new();
        w.insert(&mut t).expect("encode");
        w.apply(self.store.as_ref()).await.expect("ticket written");
        t
    }

    pub async fn reload(&self, t: &Ticket) -> Ticket {
        self.store
            .require(self.scope(), t.id.0)
            .await
            .expect("ticket exists")
    }

    /// Writes a changed ticket with an SLA outcome in one batch.
    pub async fn commit(&self, t: &mut Ticket, outcome: &SlaOutcome) {
        t.updated_at = self.now();
        let mut w = Writes::new();
        w.update(t).expect("encode");
        sla::record(
            self.store.as_ref(),
            t,
            outcome,
            &mut AudienceCache::default(),
            &mut w,
        )
        .await
        .expect("outcome recorded");
        w.apply(self.store.as_ref()).await.expect("ticket updated");
    }

    /// Changes a ticket's status now.
    pub async fn set_status(&self, t: &mut Ticket, to: TicketStatus) -> SlaOutcome {
        let from = t.status;
        t.status = to;
        let out = sla::on_status_change(t, from, self.now()).expect("status change");
        self.commit(t, &out).await;
        out
    }

    /// Changes a ticket's priority now.
    pub async fn set_priority(&self, t: &mut Ticket, to: Priority) {
        t.priority = to;
        let policy = sla::active_policy(self.store.as_ref(), self.ws.id())
            .await
            .expect("policy read");
        sla::on_priority_change(t, policy.as_ref()).expect("priority change");
        self.commit(t, &SlaOutcome::default()).await;
    }

    /// Adds a message of `kind` to the ticket now (a reply, a note...).
    pub fn message(&self, t: &Ticket, kind: MessageKind) -> Message {
        let mut m = sample::message(self.ws.id(), Parent::Ticket(t.id), None);
        m.kind = kind;
        m.created_at = self.now();
        m.updated_at = self.now();
        if kind != MessageKind::Inbound {
            m.author_user_id = Some(self.alice);
        }
        m
    }

    pub async fn reply(&self, t: &mut Ticket, m: &Message) -> SlaOutcome {
        let out = sla::on_reply(t, m, self.now());
        self.commit(t, &out).await;
        out
    }

    pub async fn sweep(&self) -> sla::SweepReport {
        sla::sweep(
            self.store.as_ref(),
            self.clock.as_ref(),
            &sla::SweepOptions::default(),
        )
        .await
        .expect("sweep")
    }

    /// The actions of a ticket's activity entries, oldest first.
    pub async fn actions(&self, t: &Ticket) -> Vec<String> {
        let mut acts: Vec<Activity> = self
            .store
            .find(
                &Query::new(Kind::Activity, self.scope())
                    .filter(Filter::Eq("ticket_id", Value::Uuid(t.id.0)))
                    .limit(1000),
            )
            .await
            .expect("activities");
        acts.sort_by_key(|a| (a.created_at, a.id));
        acts.into_iter().map(|a| a.action).collect()
    }

    pub async fn jobs(&self, queue: &str) -> Vec<Job> {
        self.store
            .find(
                &Query::new(Kind::Job, None)
                    .filter(Filter::Eq("queue", queue.into()))
                    .limit(100_000),
            )
            .await
            .expect("jobs")
    }
}
