//! The SLA sweep benchmark, generic over the store so every backend runs the same workload:
//! `gopimi-core/benches/sla_sweep.rs` runs it on the memory store, and a store crate's bench
//! calls [`run`] with its own store (e.g. SQLite through `gopimi-store-sql`).
//!
//! Workload: `total` open tickets with an SLA spread over 20 workspaces of 3 members each.
//! Groups of tickets become due at distinct instants; everything else is due far in the future.
//! One sweep pass is timed with `small` tickets due, then with `large` due (median of `runs`
//! groups each). Each due ticket yields one first-response warning: its update, an activity
//! entry, a webhook job and three notification jobs, in one batch.
//!
//! Beside each figure, the *raw* store work for the same tickets: the same index query pages
//! and the same writes per ticket (update plus five inserts), without the SLA logic (no
//! deadline arithmetic, no audience read, no rendering of events). The ratio sweep/raw is the
//! price of the rules; the ratio large/small says whether the cost follows the due tickets.

use crate::clock::{Clock, ManualClock};
use crate::error::Result;
use crate::ids::{ActivityId, UserId, WorkspaceId};
use crate::jobs::job;
use crate::model::{
    Activity, ActivitySubject, Actor, Priority, Role, SlaMetricStatus, SlaPolicy, Ticket, TicketSla,
};
use crate::sla::{SweepOptions, sweep};
use crate::store::{Cursor, Filter, Kind, Query, SortKey, Store, Value, Writes};
use crate::testing::sample;
use chrono::{DateTime, Duration, TimeZone, Utc};
use std::sync::Arc;
use std::time::Instant;

const WORKSPACES: usize = 20;
const INSERT_BATCH: usize = 1_000;

/// The figures of one run of the benchmark.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepFigures {
    /// Tickets in the store.
    pub total: usize,
    /// Tickets due in the small pass.
    pub small: usize,
    /// Tickets due in the large pass.
    pub large: usize,
    /// Median sweep time with `small` due.
    pub sweep_small: std::time::Duration,
    /// Median sweep time with `large` due.
    pub sweep_large: std::time::Duration,
    /// Median raw store work for `small` due tickets.
    pub raw_small: std::time::Duration,
    /// Median raw store work for `large` due tickets.
    pub raw_large: std::time::Duration,
    /// One due-ticket index query (a batch of 200) when nothing is due.
    pub empty_query: std::time::Duration,
    /// Events the timed sweeps emitted (checks the work was done).
    pub events: usize,
}

fn base() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 5, 8, 0, 0)
        .single()
        .unwrap_or_default()
}

/// When group `g` becomes due (groups are an hour apart, from an hour after the base time).
fn group_time(g: usize) -> DateTime<Utc> {
    base() + Duration::hours(1 + g as i64)
}

fn far() -> DateTime<Utc> {
    base() + Duration::days(365)
}

struct Setup {
    workspaces: Vec<(WorkspaceId, SlaPolicy)>,
}

async fn workspaces(store: &dyn Store) -> Result<Setup> {
    let mut out = Vec::new();
    for i in 0..WORKSPACES {
        let ws = sample::new_workspace(store, &format!("Bench {i}")).await;
        let mut w = Writes::new();
        for m in 0..2 {
            let mut u = sample::user(&format!(
                "member-{m}-{}@bench.example",
                uuid::Uuid::now_v7()
            ));
            let mut ms = sample::membership(ws.id(), u.id, Role::Member);
            w.insert(&mut u)?;
            w.insert(&mut ms)?;
        }
        let mut policy = sample::sla_policy(ws.id(), "Bench");
        w.insert(&mut policy)?;
        w.apply(store).await?;
        out.push((ws.id(), policy));
    }
    Ok(Setup { workspaces: out })
}

fn ticket(setup: &Setup, n: usize, warn_at: DateTime<Utc>) -> Ticket {
    let (ws, policy) = &setup.workspaces[n % WORKSPACES];
    let mut t = sample::ticket(*ws, (n / WORKSPACES + 1) as i64, "Bench ticket");
    t.priority = Priority::Urgent;
    t.created_at = base();
    t.updated_at = base();
    t.last_activity_at = base();
    t.sla = Some(TicketSla {
        policy_id: policy.id,
        first_response_due_at: Some(far()),
        resolution_due_at: Some(far()),
        first_response_warn_at: Some(warn_at),
        resolution_warn_at: Some(far()),
        first_response_status: SlaMetricStatus::OnTrack,
        resolution_status: SlaMetricStatus::OnTrack,
        status: SlaMetricStatus::OnTrack,
        paused_at: None,
        next_check_at: Some(warn_at),
        terms: policy.terms(),
        resolution_started_at: None,
        resolution_paused_seconds: 0,
    });
    t
}

/// Populates the store: `runs` groups of `small`, `runs` groups of `large` for the sweep, the
/// same again for the raw pass, and the rest due far away.
async fn populate(
    store: &dyn Store,
    setup: &Setup,
    total: usize,
    small: usize,
    large: usize,
    runs: usize,
) -> Result<()> {
    let mut sizes = Vec::new();
    for _ in 0..2 {
        sizes.extend(std::iter::repeat_n(small, runs));
        sizes.extend(std::iter::repeat_n(large, runs));
    }
    let grouped: usize = sizes.iter().sum();
    let mut times: Vec<DateTime<Utc>> = Vec::with_capacity(total.max(grouped));
    for (g, size) in sizes.iter().enumerate() {
        times.extend(std::iter::repeat_n(group_time(g), *size));
    }
    while times.len() < total {
        times.push(far() - Duration::days(1));
    }
    let mut n = 0;
    for chunk in times.chunks(INSERT_BATCH) {
        let mut w = Writes::new();
        for at in chunk {
            w.insert(&mut ticket(setup, n, *at))?;
            n += 1;
        }
        w.apply(store).await?;
    }
    Ok(())
}

/// The store work of a sweep without its rules: same pages, same writes per ticket.
async fn raw_pass(store: &dyn Store, now: DateTime<Utc>) -> Result<usize> {
    let mut after: Option<Cursor> = None;
    let mut done = 0;
    loop {
        let mut q = Query::new(Kind::Ticket, None)
            .filter(Filter::Lt("sla_due_at", now.into()))
            .sort(SortKey::asc("sla_due_at"))
            .limit(200);
        q.after = after.take();
        let rows = store.query(&q).await?.rows;
        for row in &rows {
            let mut t: Ticket = row.decode()?;
            let position = t.sla.as_ref().and_then(|s| s.next_check_at);
            if let Some(s) = t.sla.as_mut() {
                s.first_response_status = SlaMetricStatus::Warning;
                s.next_check_at = s.first_response_due_at;
            }
            let mut w = Writes::new();
            w.update(&mut t)?;
            w.insert(&mut Activity {
                id: ActivityId::new(),
                workspace_id: t.workspace_id,
                subject: ActivitySubject::Ticket(t.id),
                actor: Actor::System,
                action: "sla_first_response_warning".into(),
                details: serde_json::json!({}),
                created_at: now,
                version: 0,
            })?;
            w.insert(&mut job(
                "webhook.dispatch",
                &serde_json::json!({"ticket_id": t.id}),
                Some(t.workspace_id.0),
                now,
            )?)?;
            for _ in 0..3 {
                w.insert(&mut job(
                    "mail.notify",
                    &serde_json::json!({"user_id": UserId::new()}),
                    Some(t.workspace_id.0),
                    now,
                )?)?;
            }
            w.apply(store).await?;
            after = Some(Cursor {
                values: vec![position.map(Value::from).unwrap_or(Value::Null)],
                id: row.id,
            });
            done += 1;
        }
        if rows.len() < 200 {
            return Ok(done);
        }
    }
}

fn median(mut v: Vec<std::time::Duration>) -> std::time::Duration {
    v.sort();
    v.get(v.len() / 2).copied().unwrap_or_default()
}

/// Runs the benchmark on a fresh, empty store.
pub async fn run(
    store: Arc<dyn Store>,
    total: usize,
    small: usize,
    large: usize,
    runs: usize,
) -> Result<SweepFigures> {
    let runs = runs.max(1);
    let db = store.as_ref();
    let setup = workspaces(db).await?;
    populate(db, &setup, total, small, large, runs).await?;
    let clock = ManualClock::new(base());
    let options = SweepOptions::default();

    // Empty passes: the index query alone.
    let mut empty = Vec::new();
    for _ in 0..3 {
        let started = Instant::now();
        let r = sweep(db, &clock, &options).await?;
        empty.push(started.elapsed());
        if r.due != 0 {
            return Err(crate::Error::internal_msg(
                "bench: tickets due before the first group",
            ));
        }
    }
    let empty_query = median(empty);

    let mut events = 0;
    let mut sweep_small = Vec::new();
    let mut sweep_large = Vec::new();
    let mut raw_small = Vec::new();
    let mut raw_large = Vec::new();
    for g in 0..4 * runs {
        clock.set(group_time(g) + Duration::seconds(1));
        let started = Instant::now();
        let (due, took) = if g < 2 * runs {
            let r = sweep(db, &clock, &options).await?;
            events += r.events;
            (r.due, started.elapsed())
        } else {
            let n = raw_pass(db, clock.now()).await?;
            (n, started.elapsed())
        };
        let is_small = (g % (2 * runs)) < runs;
        let expected = if is_small { small } else { large };
        if due != expected {
            return Err(crate::Error::internal_msg(format!(
                "bench group {g}: {due} tickets due, expected {expected}"
            )));
        }
        match (g < 2 * runs, is_small) {
            (true, true) => sweep_small.push(took),
            (true, false) => sweep_large.push(took),
            (false, true) => raw_small.push(took),
            (false, false) => raw_large.push(took),
        }
    }
    Ok(SweepFigures {
        total,
        small,
        large,
        sweep_small: median(sweep_small),
        sweep_large: median(sweep_large),
        raw_small: median(raw_small),
        raw_large: median(raw_large),
        empty_query,
        events,
    })
}

/// Prints the figures as the benchmark's report.
pub fn print(label: &str, f: &SweepFigures) {
    let ms = |d: std::time::Duration| d.as_secs_f64() * 1e3;
    let per = |d: std::time::Duration, n: usize| d.as_secs_f64() * 1e6 / n.max(1) as f64;
    println!(
        "SLA sweep on {label}: {} open tickets, {WORKSPACES} workspaces of 3 members",
        f.total
    );
    println!(
        "  index query, nothing due:        {:>10.2} ms",
        ms(f.empty_query)
    );
    for (n, s, r) in [
        (f.small, f.sweep_small, f.raw_small),
        (f.large, f.sweep_large, f.raw_large),
    ] {
        println!(
            "  sweep, {n:>6} due:               {:>10.2} ms  ({:>7.1} µs/ticket)   raw store work {:>10.2} ms  sweep/raw {:.2}",
            ms(s),
            per(s, n),
            ms(r),
            s.as_secs_f64() / r.as_secs_f64().max(1e-9)
        );
    }
    println!(
        "  ratio {}/{} due: time x{:.1} for x{:.0} tickets due",
        f.large,
        f.small,
        f.sweep_large.as_secs_f64() / f.sweep_small.as_secs_f64().max(1e-9),
        f.large as f64 / f.small.max(1) as f64
    );
    println!("  events emitted by the timed sweeps: {}", f.events);
}
