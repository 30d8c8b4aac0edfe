//! Concurrency: numbers stay dense and unique, and concurrent edits never lose a change.

use crate::common::latent_env_with;
use gopimi_core::model::PlanTable;
use gopimi_core::model::{Priority, Role, TicketStatus};
use gopimi_core::service::{NewMessage, NewTag, NewTicket, PageRequest};
use std::collections::BTreeSet;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sixteen_concurrent_creators_get_numbers_one_to_n_without_duplicates() {
    let e = latent_env_with(PlanTable::default()).await;
    const CREATORS: usize = 16;
    const EACH: usize = 8;
    let mut tasks = Vec::new();
    for c in 0..CREATORS {
        let desk = e.desk.clone();
        let (owner, ws) = (e.owner, e.ws);
        tasks.push(tokio::spawn(async move {
            let mut numbers = Vec::new();
            for i in 0..EACH {
                let t = desk
                    .create_ticket(
                        &owner,
                        ws,
                        NewTicket::new(format!("creator {c} ticket {i}")),
                    )
                    .await
                    .expect("create under contention");
                numbers.push(t.number);
            }
            numbers
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.expect("task"));
    }
    let n = (CREATORS * EACH) as i64;
    let unique: BTreeSet<i64> = all.iter().copied().collect();
    assert_eq!(all.len() as i64, n);
    assert_eq!(unique, (1..=n).collect::<BTreeSet<_>>());
    let ws = e
        .desk
        .workspace(&e.owner, e.ws)
        .await
        .expect("ws")
        .workspace;
    assert_eq!(ws.ticket_counter, n);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_edits_of_one_ticket_all_land() {
    let e = latent_env_with(PlanTable::default()).await;
    let d = &e.desk;
    let (agent, _) = e.member("Ana", Role::Member).await;
    let t = d
        .create_ticket(&e.owner, e.ws, NewTicket::new("busy"))
        .await
        .expect("ticket");
    let mut tags = Vec::new();
    for i in 0..16 {
        tags.push(
            d.create_tag(&e.owner, e.ws, NewTag::new(format!("t{i}")))
                .await
                .expect("tag")
                .id,
        );
    }
    let mut tasks = Vec::new();
    for tag in tags.clone() {
        let desk = d.clone();
        let (owner, ws, id) = (e.owner, e.ws, t.id);
        tasks.push(tokio::spawn(async move {
            desk.tag_ticket(&owner, ws, id, &[tag]).await.map(|_| ())
        }));
    }
    for i in 0..4 {
        let desk = d.clone();
        let (owner, ws, id) = (e.owner, e.ws, t.id);
        tasks.push(tokio::spawn(async move {
            desk.add_ticket_message(&owner, ws, id, NewMessage::note(format!("note {i}")))
                .await
                .map(|_| ())
        }));
    }
    {
        let desk = d.clone();
        let (owner, ws, id) = (e.owner, e.ws, t.id);
        tasks.push(tokio::spawn(async move {
            desk.set_ticket_status(&owner, ws, id, TicketStatus::Pending)
                .await
                .map(|_| ())
        }));
        let desk = d.clone();
        tasks.push(tokio::spawn(async move {
            desk.set_ticket_priority(&owner, ws, id, Priority::High)
                .await
                .map(|_| ())
        }));
        let desk = d.clone();
        tasks.push(tokio::spawn(async move {
            desk.assign_ticket(&owner, ws, id, Some(agent))
                .await
                .map(|_| ())
        }));
    }
    for t in tasks {
        t.await.expect("task").expect("every edit succeeds");
    }
    let after = d.ticket(&e.owner, e.ws, t.id).await.expect("ticket");
    let have: BTreeSet<_> = after.tag_ids.iter().copied().collect();
    assert_eq!(
        have,
        tags.iter().copied().collect::<BTreeSet<_>>(),
        "no tag was lost"
    );
    assert_eq!(after.status, TicketStatus::Pending);
    assert_eq!(after.priority, Priority::High);
    assert_eq!(after.agent_id, Some(agent));
    let notes = d
        .list_ticket_messages(&e.owner, e.ws, t.id, PageRequest::default())
        .await
        .expect("messages");
    assert_eq!(notes.total, 4);
    let log = d
        .ticket_activities(
            &e.owner,
            e.ws,
            t.id,
            PageRequest::new(1, 100).expect("page"),
        )
        .await
        .expect("log");
    // created + 16 tags + 4 notes + status + priority + assign
    assert_eq!(log.total, 1 + 16 + 4 + 3);
}
