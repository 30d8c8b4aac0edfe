//! The store behaviour webhook ordering relies on: the head-of-line query
//! ([`crate::webhooks::deliver::head_of_line_query`]) finds the oldest pending delivery of one
//! endpoint and order key, by creation time then id, and moves on when it stops being pending.

use super::sample::*;
use crate::model::{WebhookDelivery, WebhookDeliveryStatus};
use crate::store::{Store, StoreExt};
use crate::webhooks::deliver::head_of_line_query;
use std::sync::Arc;

/// Oldest pending first; other keys, other endpoints, settled and key-less deliveries never
/// count; equal creation times fall back to id order.
pub async fn head_of_line(store: Arc<dyn Store>) {
    let s = &*store;
    let ws = new_workspace(s, "Hooks").await;
    let w = ws.id();
    let mut hook = webhook(w, "https://hooks.example/a");
    put(s, &mut hook).await;
    let mut other_hook = webhook(w, "https://hooks.example/b");
    put(s, &mut other_hook).await;
    let d = |key: Option<&str>, at: i64, hook_id| {
        let mut d = webhook_delivery(w, hook_id);
        d.order_key = key.map(str::to_owned);
        d.created_at = t(at);
        d
    };
    // Written out of order on purpose.
    let mut later = d(Some("ticket:1"), 10, hook.id);
    let mut first_tie = d(Some("ticket:1"), 5, hook.id);
    let mut second_tie = d(Some("ticket:1"), 5, hook.id);
    let mut done = d(Some("ticket:1"), 1, hook.id);
    done.status = WebhookDeliveryStatus::Succeeded;
    let mut other_key = d(Some("ticket:2"), 0, hook.id);
    let mut other_endpoint = d(Some("ticket:1"), 0, other_hook.id);
    let mut no_key = d(None, 0, hook.id);
    for x in [
        &mut later,
        &mut second_tie,
        &mut first_tie,
        &mut done,
        &mut other_key,
        &mut other_endpoint,
        &mut no_key,
    ] {
        put(s, x).await;
    }
    // `first_tie` was built before `second_tie`, so its (time-ordered) id is smaller.
    assert!(first_tie.id < second_tie.id);
    let q = head_of_line_query(w, hook.id, "ticket:1");
    async fn head_id(
        s: &dyn Store,
        q: &crate::store::Query,
    ) -> Option<crate::ids::WebhookDeliveryId> {
        ok(s.find_one::<WebhookDelivery>(q).await, "head of line").map(|d| d.id)
    }
    assert_eq!(
        head_id(s, &q).await,
        Some(first_tie.id),
        "oldest, ties by id"
    );
    first_tie.status = WebhookDeliveryStatus::Failed;
    save(s, &mut first_tie).await;
    assert_eq!(head_id(s, &q).await, Some(second_tie.id));
    second_tie.status = WebhookDeliveryStatus::Succeeded;
    save(s, &mut second_tie).await;
    assert_eq!(head_id(s, &q).await, Some(later.id));
    later.status = WebhookDeliveryStatus::Succeeded;
    save(s, &mut later).await;
    assert_eq!(head_id(s, &q).await, None, "nothing pending");
}
