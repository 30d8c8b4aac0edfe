//! The `Helpdesk` facade of gopimi-core on each engine under contention: 16 tasks add a note
//! to the same ticket and change its status at once. The facade re-reads and retries on
//! version conflicts (`gopimi_core::service::retry`); the store must turn every lost race
//! (a stale version, a deadlock, a lock timeout) into a retryable conflict and never lose or
//! half-apply a batch. Afterwards every message is there, the ticket agrees with them, the
//! final status is one a task wrote, and the activity log has one entry per committed change.

#[macro_use]
mod common;

mod cases {
    use gopimi_core::model::{Activity, TicketStatus};
    use gopimi_core::service::{
        Caller, Helpdesk, NewMessage, NewTicket, PageRequest, Registration,
    };
    use gopimi_core::store::Store;
    use std::collections::{BTreeMap, BTreeSet};
    use std::sync::Arc;

    const TASKS: usize = 16;

    /// The status task `i` writes: never the ticket's initial `open`, spread over the others.
    fn status_of(i: usize) -> TicketStatus {
        TicketStatus::ALL[1 + i % (TicketStatus::ALL.len() - 1)]
    }

    fn status_name(s: TicketStatus) -> String {
        serde_json::to_value(s)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .expect("a status serializes as a string")
    }

    pub async fn sixteen_writers_through_the_facade_lose_nothing(
        store: Arc<dyn Store>,
        engine: &str,
    ) {
        let desk = Helpdesk::builder(store).build();
        let (user, _) = desk
            .register(Registration::new(
                "Ada",
                "ada@example.com",
                "correct horse battery",
            ))
            .await
            .expect("register");
        let me = Caller::User(user.id);
        let ws = desk.create_workspace(&me, "Support").await.expect("ws").id;
        let ticket = desk
            .create_ticket(&me, ws, NewTicket::new("Printer on fire"))
            .await
            .expect("ticket");
        assert_eq!(ticket.status, TicketStatus::Open);

        let tasks: Vec<_> = (0..TASKS)
            .map(|i| {
                let desk = desk.clone();
                tokio::spawn(async move {
                    desk.add_ticket_message(
                        &me,
                        ws,
                        ticket.id,
                        NewMessage::note(format!("note {i}")),
                    )
                    .await
                    .map_err(|e| format!("task {i} adding its note: {e:?}"))?;
                    desk.set_ticket_status(&me, ws, ticket.id, status_of(i))
                        .await
                        .map_err(|e| format!("task {i} setting its status: {e:?}"))?;
                    Ok::<(), String>(())
                })
            })
            .collect();
        for t in tasks {
            if let Err(e) = t.await.expect("task panicked") {
                panic!("{engine}: {e}");
            }
        }

        let all = PageRequest::new(1, 100).expect("page");
        let after = desk.ticket(&me, ws, ticket.id).await.expect("ticket");
        let messages = desk
            .list_ticket_messages(&me, ws, ticket.id, all)
            .await
            .expect("messages");
        let bodies: BTreeSet<String> = messages.items.iter().map(|m| m.body_text.clone()).collect();
        let expected: BTreeSet<String> = (0..TASKS).map(|i| format!("note {i}")).collect();
        assert_eq!(messages.total, TASKS as u64, "{engine}: message count");
        assert_eq!(bodies, expected, "{engine}: every task's note, once");

        assert!(
            (0..TASKS).any(|i| status_of(i) == after.status),
            "{engine}: final status {:?} was never written",
            after.status
        );

        let log: Vec<Activity> = desk
            .ticket_activities(&me, ws, ticket.id, all)
            .await
            .expect("activities")
            .items;
        let count = |action: &str| log.iter().filter(|a| a.action == action).count();
        assert_eq!(
            count("note_added"),
            TASKS,
            "{engine}: one note_added per note"
        );
        // Every committed change bumped the version once and wrote one entry: creation (1),
        // the notes, and each status change that changed something.
        let changes: Vec<(String, String)> = log
            .iter()
            .filter(|a| a.action == "status_changed")
            .map(|a| {
                let s = |k: &str| a.details[k].as_str().unwrap_or_default().to_owned();
                (s("from"), s("to"))
            })
            .collect();
        assert!(!changes.is_empty(), "{engine}: no status change logged");
        assert_eq!(
            log.len() as u64,
            after.version,
            "{engine}: one activity entry per committed change (version {}), log: {:?}",
            after.version,
            log.iter().map(|a| a.action.as_str()).collect::<Vec<_>>()
        );
        // The status changes form one unbroken chain from `open` to the final status: each
        // change starts where the one before ended (checked as degrees, since entries written
        // in the same microsecond have no order).
        let mut degree: BTreeMap<String, i64> = BTreeMap::new();
        for (from, to) in &changes {
            assert_ne!(from, to, "{engine}: a no-op status change was logged");
            *degree.entry(from.clone()).or_default() += 1;
            *degree.entry(to.clone()).or_default() -= 1;
        }
        let open = status_name(TicketStatus::Open);
        let last = status_name(after.status);
        degree.retain(|_, d| *d != 0);
        let expected: BTreeMap<String, i64> = [(open, 1), (last, -1)].into_iter().collect();
        assert_eq!(degree, expected, "{engine}: status log is not one chain");

        // The ticket's own bookkeeping agrees with what was written.
        let newest = log.iter().map(|a| a.created_at).max().expect("entries");
        assert_eq!(
            after.last_activity_at, newest,
            "{engine}: last activity is the newest change"
        );
        let newest_message = messages
            .items
            .iter()
            .map(|m| m.created_at)
            .max()
            .expect("messages");
        assert!(after.last_activity_at >= newest_message, "{engine}");
    }
}

per_engine!(sixteen_writers_through_the_facade_lose_nothing);
