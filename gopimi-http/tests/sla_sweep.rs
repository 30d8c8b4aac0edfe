//! The server's periodic SLA sweep: started with the workers, it finds a ticket whose
//! first-response target passed and records the breach once, however many passes run.

use chrono::{Duration, TimeZone, Utc};
use gopimi_core::clock::ManualClock;
use gopimi_core::model::SlaMetricStatus;
use gopimi_core::service::{Caller, Helpdesk, NewTicket, PageRequest, Registration};
use gopimi_core::store::MemoryStore;
use gopimi_http::jobs::{SlaSweepTask, sla_sweeper};
use gopimi_http::workers::Workers;
use std::sync::Arc;

#[tokio::test]
async fn the_periodic_sweep_records_a_breach_once() {
    let clock = ManualClock::new(
        Utc.with_ymd_and_hms(2026, 3, 2, 9, 0, 0)
            .single()
            .expect("t"),
    );
    let hd = Helpdesk::builder(Arc::new(MemoryStore::new()))
        .clock(Arc::new(clock.clone()))
        .build();
    let (owner, _) = hd
        .register(Registration::new(
            "Olga",
            "olga@acme.test",
            "correct horse battery",
        ))
        .await
        .expect("owner");
    let owner = Caller::User(owner.id);
    let ws = hd.create_workspace(&owner, "Acme").await.expect("ws");
    let policy = serde_json::from_value(serde_json::json!({
        "name": "Standard",
        "targets": [{"priority": "urgent", "first_response_minutes": 30, "resolution_minutes": 240}],
    }))
    .expect("policy shape");
    hd.create_sla_policy(&owner, ws.id, policy)
        .await
        .expect("policy");
    let mut new = NewTicket::new("Server down");
    new.priority = Some(gopimi_core::model::Priority::Urgent);
    let ticket = hd.create_ticket(&owner, ws.id, new).await.expect("ticket");
    assert_eq!(
        ticket.sla.as_ref().map(|s| s.first_response_status),
        Some(SlaMetricStatus::OnTrack)
    );

    // Nobody answers for 31 minutes; the sweep runs every 20 ms.
    clock.advance(Duration::minutes(31));
    let mut workers = Workers::new();
    workers.spawn_periodic(
        Arc::new(SlaSweepTask(sla_sweeper(&hd))),
        std::time::Duration::from_millis(20),
    );
    let mut status = None;
    for _ in 0..400 {
        let t = hd.ticket(&owner, ws.id, ticket.id).await.expect("ticket");
        status = t.sla.map(|s| s.first_response_status);
        if status == Some(SlaMetricStatus::Breached) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert_eq!(status, Some(SlaMetricStatus::Breached));
    // More passes find nothing new to announce.
    tokio::time::sleep(std::time::Duration::from_millis(120)).await;
    workers.stop().await;
    let log = hd
        .ticket_activities(&owner, ws.id, ticket.id, PageRequest::default())
        .await
        .expect("log")
        .items;
    let breaches = log
        .iter()
        .filter(|a| a.action == "sla_first_response_breached")
        .count();
    assert_eq!(
        breaches,
        1,
        "{:?}",
        log.iter().map(|a| &a.action).collect::<Vec<_>>()
    );
}
