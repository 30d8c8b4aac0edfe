//! SLA tracking over the memory store with a manual clock: deadlines per priority, met and
//! breached for both metrics, reopening, priority changes, pause on pending, business hours
//! across a weekend, a holiday and a daylight-saving switch, and the sweep (index only,
//! exactly-once events even with two sweeps racing).

mod support;

use async_trait::async_trait;
use chrono::{NaiveDate, NaiveTime, Weekday};
use gopimi_core::Result;
use gopimi_core::model::{
    BusinessCalendar, MessageKind, Priority, SlaMetricStatus as S, Ticket, TicketStatus,
    WorkingHours,
};
use gopimi_core::notify::{NOTIFY_QUEUE, NotifyPayload};
use gopimi_core::sla::{self, WEBHOOK_QUEUE, WebhookDispatch};
use gopimi_core::store::{
    Batch, Filter, Kind, MemoryStore, Query, QueryResult, Store, StoreExt, StoredRecord, Value,
};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use support::*;
use uuid::Uuid;

fn sla_of(t: &Ticket) -> &gopimi_core::model::TicketSla {
    t.sla.as_ref().expect("ticket has an SLA")
}

fn count(actions: &[String], action: &str) -> usize {
    actions.iter().filter(|a| *a == action).count()
}

#[tokio::test]
async fn deadlines_follow_the_tickets_priority() {
    let d = desk().await;
    let none = d.ticket(Priority::Urgent).await;
    assert!(none.sla.is_none(), "no policy, no SLA");

    d.policy(standard_targets(), None, false).await;
    let urgent = d.ticket(Priority::Urgent).await;
    let s = sla_of(&urgent);
    assert_eq!(s.first_response_due_at, Some(t0() + mins(30)));
    assert_eq!(
        s.first_response_warn_at,
        Some(t0() + mins(24)),
        "20% of 30 min left"
    );
    assert_eq!(s.resolution_due_at, Some(t0() + mins(240)));
    assert_eq!(s.resolution_warn_at, Some(t0() + mins(192)));
    assert_eq!(
        (s.first_response_status, s.resolution_status, s.status),
        (S::OnTrack, S::OnTrack, S::OnTrack)
    );
    assert_eq!(
        s.next_check_at,
        Some(t0() + mins(24)),
        "the earliest warning"
    );

    let high = d.ticket(Priority::High).await;
    assert_eq!(sla_of(&high).first_response_due_at, Some(t0() + mins(60)));
    assert_eq!(sla_of(&high).resolution_due_at, Some(t0() + mins(480)));

    let low = d.ticket(Priority::Low).await;
    assert!(low.sla.is_none(), "a priority without a target gets no SLA");

    // The projected `sla_due_at` is what the sweep's index sees.
    let due: Vec<Ticket> = d
        .store
        .find(&Query::new(Kind::Ticket, d.scope()).filter(Filter::NotNull("sla_due_at")))
        .await
        .expect("query");
    let mut ids: Vec<_> = due.iter().map(|t| t.id).collect();
    ids.sort();
    let mut want = vec![urgent.id, high.id];
    want.sort();
    assert_eq!(ids, want);
}

#[tokio::test]
async fn an_inactive_policy_or_another_workspaces_policy_gives_no_sla() {
    let d = desk().await;
    let mut p = d.policy(standard_targets(), None, false).await;
    p.active = false;
    let mut t = gopimi_core::testing::sample::ticket(d.ws.id(), 99, "x");
    sla::start(&mut t, Some(&p)).expect("start");
    assert!(t.sla.is_none());
    p.active = true;
    p.workspace_id = gopimi_core::ids::WorkspaceId::new();
    sla::start(&mut t, Some(&p)).expect("start");
    assert!(t.sla.is_none());
}

#[tokio::test]
async fn first_response_is_met_by_an_outbound_reply_only() {
    let d = desk().await;
    d.policy(standard_targets(), None, false).await;
    let mut t = d.ticket(Priority::Urgent).await;
    d.advance_to(t0() + mins(10));

    let note = d.message(&t, MessageKind::Note);
    assert!(d.reply(&mut t, &note).await.is_empty());
    let mut auto = d.message(&t, MessageKind::Outbound);
    auto.auto_submitted = true;
    d.reply(&mut t, &auto).await;
    let inbound = d.message(&t, MessageKind::Inbound);
    d.reply(&mut t, &inbound).await;
    assert_eq!(
        sla_of(&d.reload(&t).await).first_response_status,
        S::OnTrack
    );

    let reply = d.message(&t, MessageKind::Outbound);
    let out = d.reply(&mut t, &reply).await;
    assert!(out.events.is_empty());
    let t = d.reload(&t).await;
    let s = sla_of(&t);
    assert_eq!(s.first_response_status, S::Met);
    assert_eq!(s.status, S::OnTrack, "resolution still running");
    assert_eq!(
        s.next_check_at,
        Some(t0() + mins(192)),
        "only resolution is watched now"
    );

    // A later sweep past the first-response due time has nothing to say about it.
    d.advance_to(t0() + mins(40));
    assert_eq!(d.sweep().await.events, 0);
}

#[tokio::test]
async fn first_response_warns_then_breaches_once_and_a_late_reply_keeps_it_breached() {
    let d = desk().await;
    d.policy(standard_targets(), None, false).await;
    let mut t = d.ticket(Priority::Urgent).await;

    d.advance_to(t0() + mins(25));
    let r = d.sweep().await;
    assert_eq!((r.due, r.events), (1, 1));
    let t1 = d.reload(&t).await;
    assert_eq!(sla_of(&t1).first_response_status, S::Warning);
    assert_eq!(sla_of(&t1).status, S::Warning);
    assert_eq!(sla_of(&t1).next_check_at, Some(t0() + mins(30)));

    // A sweep again before the due time: nothing new.
    d.advance_to(t0() + mins(29));
    assert_eq!(d.sweep().await.events, 0);

    d.advance_to(t0() + mins(31));
    assert_eq!(d.sweep().await.events, 1);
    t = d.reload(&t).await;
    assert_eq!(sla_of(&t).first_response_status, S::Breached);
    assert_eq!(sla_of(&t).status, S::Breached);

    d.advance_to(t0() + mins(40));
    let reply = d.message(&t, MessageKind::Outbound);
    assert!(d.reply(&mut t, &reply).await.events.is_empty());
    let t = d.reload(&t).await;
    assert_eq!(
        sla_of(&t).first_response_status,
        S::Breached,
        "breached stays breached"
    );

    let actions = d.actions(&t).await;
    assert_eq!(count(&actions, "sla_first_response_warning"), 1);
    assert_eq!(count(&actions, "sla_first_response_breached"), 1);

    let hooks: Vec<WebhookDispatch> = d
        .jobs(WEBHOOK_QUEUE)
        .await
        .into_iter()
        .map(|j| serde_json::from_value(j.payload).expect("webhook payload"))
        .collect();
    let mut types: Vec<_> = hooks.iter().map(|h| h.event_type.as_str()).collect();
    types.sort();
    assert_eq!(
        types,
        ["sla.first_response_breached", "sla.first_response_warning"]
    );
    assert!(
        hooks
            .iter()
            .all(|h| h.ticket_id == t.id && h.workspace_id == d.ws.id())
    );
    let breach = hooks
        .iter()
        .find(|h| h.event_type == "sla.first_response_breached")
        .expect("breach hook");
    assert_eq!(breach.occurred_at, t0() + mins(31));
}

#[tokio::test]
async fn a_late_reply_before_any_sweep_announces_the_breach_itself() {
    let d = desk().await;
    d.policy(standard_targets(), None, false).await;
    let mut t = d.ticket(Priority::Urgent).await;
    d.advance_to(t0() + mins(35));
    let reply = d.message(&t, MessageKind::Outbound);
    let out = d.reply(&mut t, &reply).await;
    assert_eq!(out.events.len(), 1);
    assert_eq!(
        out.events[0].event_type,
        sla::SlaEventType::FirstResponseBreached
    );
    assert_eq!(out.events[0].due_at, Some(t0() + mins(30)));

    // The sweep that comes next finds nothing left about the first response.
    assert_eq!(d.sweep().await.events, 0);
    let actions = d.actions(&t).await;
    assert_eq!(count(&actions, "sla_first_response_breached"), 1);
    assert_eq!(
        count(&actions, "sla_first_response_warning"),
        0,
        "no warning after the fact"
    );
}

#[tokio::test]
async fn resolution_met_when_resolved_or_closed_in_time_and_breached_otherwise() {
    let d = desk().await;
    d.policy(standard_targets(), None, false).await;

    // Resolved in 20 minutes without a reply: both metrics met, nothing left to watch.
    let mut quick = d.ticket(Priority::Urgent).await;
    d.advance_to(t0() + mins(20));
    assert!(
        d.set_status(&mut quick, TicketStatus::Resolved)
            .await
            .is_empty()
    );
    let s = sla_of(&d.reload(&quick).await).clone();
    assert_eq!(
        (s.first_response_status, s.resolution_status, s.status),
        (S::Met, S::Met, S::Met)
    );
    assert_eq!(s.next_check_at, None);

    // Replied in time, never resolved: a late sweep announces only the resolution breach.
    d.advance_to(t0());
    let mut slow = d.ticket(Priority::Urgent).await;
    let mut warned = d.ticket(Priority::Urgent).await;
    d.advance_to(t0() + mins(5));
    let reply = d.message(&slow, MessageKind::Outbound);
    d.reply(&mut slow, &reply).await;
    let reply = d.message(&warned, MessageKind::Outbound);
    d.reply(&mut warned, &reply).await;

    d.advance_to(t0() + mins(200));
    assert_eq!(d.sweep().await.events, 2, "both warn at 3h12");
    d.advance_to(t0() + mins(230));
    assert!(
        d.set_status(&mut d.reload(&warned).await, TicketStatus::Closed)
            .await
            .is_empty()
    );
    let w = d.reload(&warned).await;
    assert_eq!(
        sla_of(&w).resolution_status,
        S::Met,
        "closed in time after a warning"
    );
    assert_eq!(sla_of(&w).status, S::Met);

    d.advance_to(t0() + mins(241));
    assert_eq!(d.sweep().await.events, 1);
    slow = d.reload(&slow).await;
    assert_eq!(sla_of(&slow).resolution_status, S::Breached);
    assert_eq!(sla_of(&slow).first_response_status, S::Met);
    assert_eq!(
        sla_of(&slow).status,
        S::Breached,
        "breached if either is breached"
    );
    d.advance_to(t0() + mins(300));
    assert!(
        d.set_status(&mut slow, TicketStatus::Resolved)
            .await
            .events
            .is_empty()
    );
    assert_eq!(
        sla_of(&d.reload(&slow).await).resolution_status,
        S::Breached
    );

    // Resolved late with no sweep in between: the resolution announces its own breach, and
    // the first response, never answered and long past due, is settled as breached too.
    d.advance_to(t0());
    let mut late = d.ticket(Priority::Urgent).await;
    d.advance_to(t0() + mins(250));
    let out = d.set_status(&mut late, TicketStatus::Resolved).await;
    let mut types: Vec<_> = out.events.iter().map(|e| e.event_type.as_str()).collect();
    types.sort();
    assert_eq!(
        types,
        ["sla.first_response_breached", "sla.resolution_breached"]
    );
    assert_eq!(d.sweep().await.events, 0);
}

#[tokio::test]
async fn reopening_starts_the_resolution_clock_again_and_says_so() {
    let d = desk().await;
    d.policy(standard_targets(), None, false).await;
    let mut t = d.ticket(Priority::Urgent).await;
    d.advance_to(t0() + mins(5));
    let reply = d.message(&t, MessageKind::Outbound);
    d.reply(&mut t, &reply).await;
    d.advance_to(t0() + mins(60));
    d.set_status(&mut t, TicketStatus::Resolved).await;
    assert_eq!(sla_of(&t).status, S::Met);

    d.advance_to(t0() + mins(360));
    let out = d.set_status(&mut t, TicketStatus::Open).await;
    assert_eq!(out.notes.len(), 1);
    let t1 = d.reload(&t).await;
    let s = sla_of(&t1);
    assert_eq!(
        s.first_response_status,
        S::Met,
        "the first response stays settled"
    );
    assert_eq!(s.resolution_status, S::OnTrack);
    assert_eq!(
        s.resolution_due_at,
        Some(t0() + mins(360 + 240)),
        "4 h from the reopen"
    );
    assert_eq!(s.resolution_warn_at, Some(t0() + mins(360 + 192)));
    assert_eq!(s.resolution_started_at, Some(t0() + mins(360)));
    assert_eq!(s.next_check_at, s.resolution_warn_at);

    let acts: Vec<gopimi_core::model::Activity> = d
        .store
        .find(
            &Query::new(Kind::Activity, d.scope())
                .filter(Filter::Eq("action", "sla_resolution_restarted".into())),
        )
        .await
        .expect("activities");
    assert_eq!(acts.len(), 1);
    assert_eq!(acts[0].details["previous_status"], "met");
    assert_eq!(
        acts[0].details["resolution_due_at"],
        serde_json::json!(t0() + mins(600))
    );

    // The new clock breaches (once) when its own due time passes, not the old one.
    d.advance_to(t0() + mins(590));
    assert_eq!(d.sweep().await.events, 1, "warning of the new clock");
    d.advance_to(t0() + mins(601));
    assert_eq!(d.sweep().await.events, 1, "breach of the new clock");
    d.advance_to(t0() + mins(700));
    assert_eq!(d.sweep().await.events, 0);
    let actions = d.actions(&t).await;
    assert_eq!(count(&actions, "sla_resolution_breached"), 1);
    assert_eq!(count(&actions, "sla_resolution_warning"), 1);
}

#[tokio::test]
async fn a_priority_change_recomputes_from_the_creation_time() {
    let d = desk().await;
    d.policy(standard_targets(), None, false).await;
    let mut t = d.ticket(Priority::Medium).await;
    assert_eq!(sla_of(&t).first_response_due_at, Some(t0() + mins(240)));

    d.advance_to(t0() + mins(25));
    d.set_priority(&mut t, Priority::Urgent).await;
    let s = sla_of(&d.reload(&t).await).clone();
    assert_eq!(
        s.first_response_due_at,
        Some(t0() + mins(30)),
        "from creation, not from now"
    );
    assert_eq!(s.resolution_due_at, Some(t0() + mins(240)));
    assert_eq!(
        s.next_check_at,
        Some(t0() + mins(24)),
        "the new warning time, already past"
    );

    // Already past the new warning time: the next sweep announces it (once).
    assert_eq!(d.sweep().await.events, 1);
    assert_eq!(
        sla_of(&d.reload(&t).await).first_response_status,
        S::Warning
    );

    // Raised after the new due time has passed: the next sweep breaches it, once.
    d.advance_to(t0());
    let mut late = d.ticket(Priority::Medium).await;
    d.advance_to(t0() + mins(45));
    d.set_priority(&mut late, Priority::Urgent).await;
    let r = d.sweep().await;
    assert_eq!(
        r.events, 2,
        "the first ticket breaches, and so does the raised one"
    );
    let actions = d.actions(&late).await;
    assert_eq!(count(&actions, "sla_first_response_breached"), 1);
    assert_eq!(count(&actions, "sla_first_response_warning"), 0);

    // Lowered to a priority without a target: no SLA any more.
    late = d.reload(&late).await;
    d.set_priority(&mut late, Priority::Low).await;
    let l = d.reload(&late).await;
    assert!(l.sla.is_none());

    // Raised back: the policy was in force when the ticket was created, so it applies.
    d.set_priority(&mut late, Priority::High).await;
    let l = d.reload(&late).await;
    assert_eq!(sla_of(&l).first_response_due_at, Some(t0() + mins(60)));
}

#[tokio::test]
async fn a_policy_change_applies_to_new_tickets_only() {
    let d = desk().await;
    let mut p = d.policy(standard_targets(), None, false).await;
    let mut old = d.ticket(Priority::Urgent).await;
    let low_before = d.ticket(Priority::Low).await;

    d.advance_to(t0() + mins(1));
    p.targets = vec![
        target(Priority::Urgent, 10, 60),
        target(Priority::Low, 600, 6000),
    ];
    p.updated_at = d.now();
    let mut w = gopimi_core::store::Writes::new();
    w.update(&mut p).expect("encode");
    w.apply(d.store.as_ref()).await.expect("policy edited");

    let old_r = d.reload(&old).await;
    assert_eq!(sla_of(&old_r).first_response_due_at, Some(t0() + mins(30)));
    // Its own terms still drive a priority change.
    d.set_priority(&mut old, Priority::High).await;
    assert_eq!(
        sla_of(&d.reload(&old).await).first_response_due_at,
        Some(t0() + mins(60))
    );
    // A ticket created before the edit at a priority without a target does not pick up the
    // new terms.
    let mut lb = d.reload(&low_before).await;
    d.set_priority(&mut lb, Priority::Low).await;
    assert!(d.reload(&lb).await.sla.is_none());

    let new = d.ticket(Priority::Urgent).await;
    assert_eq!(sla_of(&new).first_response_due_at, Some(d.now() + mins(10)));
    let new_low = d.ticket(Priority::Low).await;
    assert_eq!(
        sla_of(&new_low).resolution_due_at,
        Some(d.now() + mins(6000))
    );
}

#[tokio::test]
async fn pending_pauses_the_resolution_clock() {
    let d = desk().await;
    d.policy(standard_targets(), None, true).await;
    let mut t = d.ticket(Priority::Urgent).await;
    d.advance_to(t0() + mins(5));
    let reply = d.message(&t, MessageKind::Outbound);
    d.reply(&mut t, &reply).await;

    d.advance_to(t0() + mins(60));
    d.set_status(&mut t, TicketStatus::Pending).await;
    let p = d.reload(&t).await;
    assert_eq!(sla_of(&p).paused_at, Some(t0() + mins(60)));
    assert_eq!(sla_of(&p).next_check_at, None, "nothing runs while paused");

    // Hours later, past the original due time: the paused clock does not breach.
    d.advance_to(t0() + mins(300));
    assert_eq!(d.sweep().await.due, 0);

    d.set_status(&mut t, TicketStatus::Open).await;
    let s = sla_of(&d.reload(&t).await).clone();
    assert_eq!(s.paused_at, None);
    assert_eq!(s.resolution_paused_seconds, 240 * 60);
    assert_eq!(
        s.resolution_due_at,
        Some(t0() + mins(240 + 240)),
        "pushed by 4 h paused"
    );
    assert_eq!(s.resolution_warn_at, Some(t0() + mins(192 + 240)));
    assert_eq!(s.resolution_status, S::OnTrack);

    // A priority change keeps the paused time: high's 8 h plus 4 h paused.
    d.set_priority(&mut t, Priority::High).await;
    assert_eq!(
        sla_of(&d.reload(&t).await).resolution_due_at,
        Some(t0() + mins(480 + 240))
    );

    // Without pause_on_pending, pending changes nothing.
    let d2 = desk().await;
    d2.policy(standard_targets(), None, false).await;
    let mut u = d2.ticket(Priority::Urgent).await;
    d2.set_status(&mut u, TicketStatus::Pending).await;
    assert_eq!(sla_of(&d2.reload(&u).await).paused_at, None);
    d2.advance_to(t0() + mins(241));
    assert_eq!(
        d2.sweep().await.events,
        2,
        "first response and resolution both breach"
    );
}

#[tokio::test]
async fn a_ticket_created_pending_starts_paused_and_one_created_resolved_is_met() {
    let d = desk().await;
    d.policy(standard_targets(), None, true).await;
    let p = d
        .ticket_with(Priority::Urgent, TicketStatus::Pending, None)
        .await;
    assert_eq!(sla_of(&p).paused_at, Some(t0()));
    assert_eq!(
        sla_of(&p).next_check_at,
        Some(t0() + mins(24)),
        "first response still runs"
    );
    let r = d
        .ticket_with(Priority::Urgent, TicketStatus::Resolved, None)
        .await;
    assert_eq!(sla_of(&r).status, S::Met);
    assert_eq!(sla_of(&r).next_check_at, None);
}

fn berlin_office(holidays: Vec<NaiveDate>) -> BusinessCalendar {
    let nine = NaiveTime::from_hms_opt(9, 0, 0).expect("time");
    let five = NaiveTime::from_hms_opt(17, 0, 0).expect("time");
    BusinessCalendar {
        time_zone: "Europe/Berlin".into(),
        hours: [
            Weekday::Mon,
            Weekday::Tue,
            Weekday::Wed,
            Weekday::Thu,
            Weekday::Fri,
        ]
        .into_iter()
        .map(|day| WorkingHours {
            day,
            start: nine,
            end: five,
        })
        .collect(),
        holidays,
    }
}

#[tokio::test]
async fn business_hours_skip_the_weekend_a_holiday_and_follow_the_dst_switch() {
    let d = desk().await;
    // Monday 30 March 2026 is a holiday here; clocks go forward on Sunday 29 March.
    let holiday = NaiveDate::from_ymd_opt(2026, 3, 30).expect("date");
    d.policy(
        vec![target(Priority::Urgent, 120, 960)],
        Some(berlin_office(vec![holiday])),
        false,
    )
    .await;
    // Friday 27 March, 16:00 CET.
    d.advance_to(at("2026-03-27T15:00:00Z"));
    let t = d.ticket(Priority::Urgent).await;
    let s = sla_of(&t);
    // First response, 2 working hours: 1 h on Friday, the weekend and the holiday skipped,
    // 1 h from Tuesday 09:00 CEST (07:00 UTC, summer time now).
    assert_eq!(s.first_response_due_at, Some(at("2026-03-31T08:00:00Z")));
    // Warning with 20% (24 min) left: 96 working minutes in.
    assert_eq!(s.first_response_warn_at, Some(at("2026-03-31T07:36:00Z")));
    // Resolution, 16 working hours: 1 Friday + 8 Tuesday + 7 Wednesday = 16:00 CEST.
    assert_eq!(s.resolution_due_at, Some(at("2026-04-01T14:00:00Z")));

    // Nothing is due over the weekend or on the holiday.
    d.advance_to(at("2026-03-30T12:00:00Z"));
    assert_eq!(d.sweep().await.due, 0);
    d.advance_to(at("2026-03-31T07:40:00Z"));
    let r = d.sweep().await;
    assert_eq!((r.due, r.events), (1, 1));
    assert_eq!(
        sla_of(&d.reload(&t).await).first_response_status,
        S::Warning
    );
}

#[tokio::test]
async fn pending_pauses_only_working_time_under_a_calendar() {
    let d = desk().await;
    d.policy(
        vec![target(Priority::Urgent, 60, 600)],
        Some(berlin_office(Vec::new())),
        true,
    )
    .await;
    // Thursday 12 February 2026 10:00 CET.
    d.advance_to(at("2026-02-12T09:00:00Z"));
    let mut t = d.ticket(Priority::Urgent).await;
    // 10 working hours: 7 Thursday, 3 Friday: Friday 12:00 CET.
    assert_eq!(
        sla_of(&t).resolution_due_at,
        Some(at("2026-02-13T11:00:00Z"))
    );
    // Pending from Thursday 15:00 CET to Monday 11:00 CET: 2 + 8 + 2 = 12 working hours.
    d.advance_to(at("2026-02-12T14:00:00Z"));
    d.set_status(&mut t, TicketStatus::Pending).await;
    d.advance_to(at("2026-02-16T10:00:00Z"));
    d.set_status(&mut t, TicketStatus::InProgress).await;
    let s = sla_of(&d.reload(&t).await).clone();
    assert_eq!(s.resolution_paused_seconds, 12 * 3600);
    // Friday 12:00 CET pushed by 12 working hours: 5 h on Friday, 7 h on Monday: 16:00 CET.
    assert_eq!(s.resolution_due_at, Some(at("2026-02-16T15:00:00Z")));
}

#[tokio::test]
async fn spam_and_trash_suspend_the_clocks_and_restore_resumes_them() {
    let d = desk().await;
    d.policy(standard_targets(), None, false).await;
    let mut t = d.ticket(Priority::Urgent).await;
    t.spam = true;
    sla::refresh(&mut t);
    d.commit(&mut t, &Default::default()).await;
    assert_eq!(sla_of(&d.reload(&t).await).next_check_at, None);
    d.advance_to(t0() + mins(60));
    assert_eq!(d.sweep().await.due, 0);

    t.spam = false;
    sla::refresh(&mut t);
    d.commit(&mut t, &Default::default()).await;
    let r = d.sweep().await;
    assert_eq!(
        r.events, 1,
        "the first response breached while in spam is announced now"
    );
}

/// A store that records every ticket query and yields to other tasks around every call, so
/// concurrent sweeps interleave.
struct Watched {
    inner: MemoryStore,
    ticket_queries: Mutex<Vec<(Query, usize)>>,
    yield_between: bool,
}

#[async_trait]
impl Store for Watched {
    async fn get(&self, kind: Kind, ws: Option<Uuid>, id: Uuid) -> Result<Option<StoredRecord>> {
        if self.yield_between {
            tokio::task::yield_now().await;
        }
        self.inner.get(kind, ws, id).await
    }
    async fn get_many(
        &self,
        kind: Kind,
        ws: Option<Uuid>,
        ids: &[Uuid],
    ) -> Result<Vec<StoredRecord>> {
        assert_ne!(
            kind,
            Kind::Ticket,
            "the sweep never reads tickets in bulk by id"
        );
        self.inner.get_many(kind, ws, ids).await
    }
    async fn query(&self, q: &Query) -> Result<QueryResult> {
        if self.yield_between {
            tokio::task::yield_now().await;
        }
        let r = self.inner.query(q).await?;
        if q.kind == Kind::Ticket
            && let Ok(mut log) = self.ticket_queries.lock()
        {
            log.push((q.clone(), r.rows.len()));
        }
        Ok(r)
    }
    async fn apply(&self, batch: Batch) -> Result<()> {
        if self.yield_between {
            tokio::task::yield_now().await;
        }
        self.inner.apply(batch).await
    }
    async fn ping(&self) -> Result<()> {
        Ok(())
    }
}

fn watched(yield_between: bool) -> Arc<Watched> {
    Arc::new(Watched {
        inner: MemoryStore::new(),
        ticket_queries: Mutex::new(Vec::new()),
        yield_between,
    })
}

#[tokio::test]
async fn the_sweep_reads_due_tickets_through_the_index_only() {
    let store = watched(false);
    let d = desk_on(store.clone()).await;
    d.policy(standard_targets(), None, false).await;
    for _ in 0..300 {
        d.ticket(Priority::Medium).await;
    }
    d.advance_to(t0() + mins(100));
    for _ in 0..7 {
        d.ticket(Priority::Urgent).await;
    }
    d.advance_to(t0() + mins(130));
    store.ticket_queries.lock().expect("log").clear();
    let r = sla::sweep(
        d.store.as_ref(),
        d.clock.as_ref(),
        &sla::SweepOptions {
            batch: 3,
            max_tickets: 1000,
        },
    )
    .await
    .expect("sweep");
    assert_eq!((r.due, r.events), (7, 7));
    let log = store.ticket_queries.lock().expect("log").clone();
    assert_eq!(log.len(), 3, "pages of 3: 3 + 3 + 1");
    for (q, _) in &log {
        assert_eq!(q.workspace_id, None, "across workspaces");
        assert_eq!(
            q.filters,
            vec![Filter::Lt("sla_due_at", Value::Time(t0() + mins(130)))]
        );
        assert_eq!(q.sort, vec![gopimi_core::store::SortKey::asc("sla_due_at")]);
    }
    let rows: usize = log.iter().map(|(_, n)| n).sum();
    assert_eq!(rows, 7, "only due tickets were ever read");
}

async fn race(d: &Desk) -> (sla::SweepReport, sla::SweepReport) {
    let (s1, c1) = (d.store.clone(), d.clock.clone());
    let (s2, c2) = (d.store.clone(), d.clock.clone());
    let opts = sla::SweepOptions {
        batch: 16,
        max_tickets: 10_000,
    };
    let a = tokio::spawn(async move { sla::sweep(s1.as_ref(), c1.as_ref(), &opts).await });
    let b = tokio::spawn(async move { sla::sweep(s2.as_ref(), c2.as_ref(), &opts).await });
    let (a, b) = (a.await.expect("join"), b.await.expect("join"));
    (a.expect("sweep a"), b.expect("sweep b"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_sweeps_racing_emit_each_warning_and_breach_exactly_once() {
    for yield_between in [true, false] {
        let d = desk_on(watched(yield_between)).await;
        d.policy(standard_targets(), None, false).await;
        let mut tickets = Vec::new();
        for _ in 0..60 {
            tickets.push(d.ticket(Priority::Urgent).await);
        }

        // Round 1: every first response warns.
        d.advance_to(t0() + mins(25));
        let (a, b) = race(&d).await;
        let mut conflicts = a.conflicts + b.conflicts;
        assert_eq!(
            a.events + b.events,
            60,
            "60 warnings between the two sweeps"
        );
        // Round 2: every first response breaches.
        d.advance_to(t0() + mins(31));
        let (a, b) = race(&d).await;
        conflicts += a.conflicts + b.conflicts;
        assert_eq!(a.events + b.events, 60);
        // Round 3: resolution warns and breaches (a late pass: only the breach).
        d.advance_to(t0() + mins(241));
        let (a, b) = race(&d).await;
        conflicts += a.conflicts + b.conflicts;
        assert_eq!(a.events + b.events, 60);
        if yield_between {
            assert!(
                conflicts > 0,
                "the two sweeps did race over the same tickets"
            );
        }
        // Nothing left.
        d.advance_to(t0() + mins(500));
        let (a, b) = race(&d).await;
        assert_eq!((a.events, b.events, a.due, b.due), (0, 0, 0, 0));

        let mut per_ticket: HashMap<_, Vec<String>> = HashMap::new();
        for t in &tickets {
            per_ticket.insert(t.id, d.actions(t).await);
        }
        for (id, actions) in &per_ticket {
            assert_eq!(
                count(actions, "sla_first_response_warning"),
                1,
                "ticket {id}"
            );
            assert_eq!(
                count(actions, "sla_first_response_breached"),
                1,
                "ticket {id}"
            );
            assert_eq!(count(actions, "sla_resolution_breached"), 1, "ticket {id}");
            assert_eq!(count(actions, "sla_resolution_warning"), 0, "ticket {id}");
        }
        assert_eq!(d.jobs(WEBHOOK_QUEUE).await.len(), 180);
        // Owner and two members get an email per event.
        let mails = d.jobs(NOTIFY_QUEUE).await;
        assert_eq!(mails.len(), 180 * 3);
        let mut per_user: HashMap<_, usize> = HashMap::new();
        for j in &mails {
            let p: NotifyPayload = serde_json::from_value(j.payload.clone()).expect("payload");
            *per_user.entry(p.user_id).or_default() += 1;
        }
        assert_eq!(per_user.len(), 3);
        assert!(per_user.values().all(|n| *n == 180));
        for t in &tickets {
            let t = d.reload(t).await;
            assert_eq!(sla_of(&t).status, S::Breached);
            assert_eq!(sla_of(&t).next_check_at, None);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sweep_racing_a_late_reply_announces_the_breach_once() {
    let d = desk_on(watched(true)).await;
    d.policy(standard_targets(), None, false).await;
    let mut tickets = Vec::new();
    for _ in 0..40 {
        tickets.push(d.ticket(Priority::Urgent).await);
    }
    d.advance_to(t0() + mins(35));
    let store = d.store.clone();
    let clock = d.clock.clone();
    let sweeper = tokio::spawn(async move {
        sla::sweep(
            store.as_ref(),
            clock.as_ref(),
            &sla::SweepOptions::default(),
        )
        .await
    });
    // Agents reply to every ticket meanwhile, retrying on conflicts like the facade does.
    for t in &tickets {
        loop {
            let mut cur = d.reload(t).await;
            let reply = d.message(&cur, MessageKind::Outbound);
            let out = sla::on_reply(&mut cur, &reply, d.now());
            let mut w = gopimi_core::store::Writes::new();
            w.update(&mut cur).expect("encode");
            sla::record(
                d.store.as_ref(),
                &cur,
                &out,
                &mut Default::default(),
                &mut w,
            )
            .await
            .expect("record");
            match w.apply(d.store.as_ref()).await {
                Ok(()) => break,
                Err(e) if e.is_conflict() => continue,
                Err(e) => panic!("reply failed: {e}"),
            }
        }
    }
    sweeper.await.expect("join").expect("sweep");
    for t in &tickets {
        let actions = d.actions(t).await;
        assert_eq!(count(&actions, "sla_first_response_breached"), 1);
        assert_eq!(
            sla_of(&d.reload(t).await).first_response_status,
            S::Breached
        );
    }
}

#[tokio::test]
async fn the_periodic_sweeper_runs_until_shut_down() {
    let d = desk().await;
    d.policy(standard_targets(), None, false).await;
    let t = d.ticket(Priority::Urgent).await;
    d.advance_to(t0() + mins(31));
    let sweeper = sla::SlaSweeper::new(d.store.clone(), d.clock.clone());
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let run = tokio::spawn(async move {
        sweeper
            .run_every(std::time::Duration::from_secs(1), async {
                let _ = rx.await;
            })
            .await
    });
    // The first tick fires at once; wait for its write.
    for _ in 0..200 {
        if sla_of(&d.reload(&t).await).first_response_status == S::Breached {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    let _ = tx.send(());
    run.await.expect("sweeper stops");
    assert_eq!(
        sla_of(&d.reload(&t).await).first_response_status,
        S::Breached
    );
}

#[tokio::test]
async fn policies_are_validated_before_they_are_saved() {
    let mut cal = berlin_office(Vec::new());
    assert!(sla::validate_policy(&standard_targets(), Some(&cal), 20).is_ok());
    assert!(sla::validate_policy(&standard_targets(), None, 0).is_err());
    assert!(sla::validate_policy(&standard_targets(), None, 100).is_err());
    cal.hours.clear();
    let err = sla::validate_policy(&standard_targets(), Some(&cal), 20).expect_err("no hours");
    assert!(err.to_string().contains("calendar.hours"), "{err}");
    // One minute of work a week cannot fit a year-long target.
    cal.hours = vec![WorkingHours {
        day: Weekday::Wed,
        start: NaiveTime::from_hms_opt(9, 0, 0).expect("time"),
        end: NaiveTime::from_hms_opt(9, 1, 0).expect("time"),
    }];
    assert!(sla::validate_policy(&[target(Priority::Low, 60, 525_600)], Some(&cal), 20).is_err());
}
