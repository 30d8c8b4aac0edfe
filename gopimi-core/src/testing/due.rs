//! The cross-workspace due query: `ticket.sla_due_at < now` over every workspace, oldest first,
//! read in keyset pages. The SLA sweep depends on it returning exactly the due tickets, in
//! order, with ties broken by id, never a ticket without a due time or one due later, and on
//! it following updates (a ticket whose due time moves, is cleared, or is deleted).
//! A backend indexes it across workspaces (see
//! [`KindSchema::cross_workspace_fields`](crate::store::KindSchema::cross_workspace_fields)).

use super::sample::*;
use crate::ids::SlaPolicyId;
use crate::model::{SlaMetricStatus, SlaTerms, Ticket, TicketSla};
use crate::store::{Cursor, Filter, Kind, Query, SortKey, Store, Value};
use chrono::{DateTime, Utc};
use std::sync::Arc;
use uuid::Uuid;

/// `t` with an SLA whose next check (projected `sla_due_at`) is `due`.
pub fn with_due(mut t: Ticket, due: Option<DateTime<Utc>>) -> Ticket {
    t.sla = Some(TicketSla {
        policy_id: SlaPolicyId::new(),
        first_response_due_at: due,
        resolution_due_at: due,
        first_response_warn_at: None,
        resolution_warn_at: None,
        first_response_status: SlaMetricStatus::OnTrack,
        resolution_status: SlaMetricStatus::OnTrack,
        status: SlaMetricStatus::OnTrack,
        paused_at: None,
        next_check_at: due,
        terms: SlaTerms::default(),
        resolution_started_at: None,
        resolution_paused_seconds: 0,
    });
    t
}

/// Reads the due tickets the way the sweep does: pages of `page`, after a cursor.
async fn due_ids(s: &dyn Store, now: DateTime<Utc>, page: u32) -> Vec<Uuid> {
    let mut out = Vec::new();
    let mut after: Option<Cursor> = None;
    for _ in 0..100 {
        let mut q = Query::new(Kind::Ticket, None)
            .filter(Filter::Lt("sla_due_at", now.into()))
            .sort(SortKey::asc("sla_due_at"))
            .limit(page);
        q.after = after.take();
        let rows = ok(s.query(&q).await, "due query").rows;
        for r in &rows {
            let t: Ticket = ok(r.decode(), "decode");
            after = Some(Cursor {
                values: vec![
                    t.sla
                        .as_ref()
                        .and_then(|x| x.next_check_at)
                        .map(Value::from)
                        .unwrap_or(Value::Null),
                ],
                id: r.id,
            });
            out.push(r.id);
        }
        if rows.len() < page as usize {
            break;
        }
    }
    out
}

/// Due tickets of three workspaces come back oldest first, ties by id, in pages of any size;
/// tickets due later, without a due time or without an SLA never do; changes are followed.
pub fn sla_due_across_workspaces(store: Arc<dyn Store>) -> super::CaseFuture {
    Box::pin(async move {
        let s = &*store;
        let now = t(1_000);
        let mut expected: Vec<(DateTime<Utc>, Uuid)> = Vec::new();
        let mut later = Vec::new();
        let mut home = std::collections::HashMap::new();
        let mut n = 0;
        for w in 0..3 {
            let ws = new_workspace(s, &format!("Due {w}")).await;
            for i in 0..7i64 {
                n += 1;
                // Five distinct due times shared across workspaces (ties), some in the future.
                let due = t((i % 5) * 300);
                let mut tk = with_due(ticket(ws.id(), n, "Due"), Some(due));
                put(s, &mut tk).await;
                home.insert(tk.id.0, ws.scope());
                if due < now {
                    expected.push((due, tk.id.0));
                } else {
                    later.push(tk);
                }
            }
            n += 1;
            put(s, &mut with_due(ticket(ws.id(), n, "No due time"), None)).await;
            n += 1;
            put(s, &mut ticket(ws.id(), n, "No SLA")).await;
        }
        expected.sort();
        let want: Vec<Uuid> = expected.iter().map(|(_, id)| *id).collect();
        for page in [1, 2, 5, 200] {
            assert_eq!(
                due_ids(s, now, page).await,
                want,
                "due tickets oldest first, ties by id, pages of {page}"
            );
        }

        // A due time moved into the past, one cleared, one deleted: the query follows.
        let mut moved = later.pop().expect("a ticket due later");
        moved = with_due(moved, Some(t(-50)));
        save(s, &mut moved).await;
        let (_, cleared_id) = expected[0];
        let mut cleared: Ticket = load(s, home[&cleared_id], cleared_id)
            .await
            .expect("ticket");
        cleared = with_due(cleared, None);
        save(s, &mut cleared).await;
        let (_, gone_id) = expected[expected.len() - 1];
        let gone: Ticket = load(s, home[&gone_id], gone_id).await.expect("ticket");
        remove(s, &gone).await;
        let mut want: Vec<Uuid> = vec![moved.id.0];
        want.extend(
            expected
                .iter()
                .map(|(_, id)| *id)
                .filter(|id| *id != cleared_id && *id != gone_id),
        );
        assert_eq!(due_ids(s, now, 3).await, want, "after the changes");
    })
}
