//! Housekeeping over a real store: expired one-time values and old settled webhook
//! deliveries go; what is still in use stays. It relies on reading endpoints across
//! workspaces page by page and on deleting rows one by one, so every store runs it.

use super::sample;
use crate::clock::ManualClock;
use crate::housekeeping::{Housekeeper, HousekeepingOptions};
use crate::model::{Nonce, WebhookDelivery, WebhookDeliveryStatus};
use crate::store::{Kind, Query, Store, StoreExt, Writes};
use chrono::{Duration, TimeZone, Utc};
use std::sync::Arc;

/// Expired nonces and settled deliveries past the retention are removed, nothing else.
pub fn removes_only_what_is_spent(store: Arc<dyn Store>) -> super::CaseFuture {
    Box::pin(async move {
        let s = store.as_ref();
        let now = Utc
            .with_ymd_and_hms(2026, 6, 1, 12, 0, 0)
            .single()
            .expect("t");
        let clock = ManualClock::new(now);

        let mut w = Writes::new();
        for (i, expires) in [now - Duration::hours(1), now + Duration::hours(1)]
            .into_iter()
            .enumerate()
        {
            w.insert(&mut Nonce {
                id: uuid::Uuid::now_v7(),
                key: format!("test:{i}"),
                expires_at: expires,
                created_at: now - Duration::days(1),
                version: 0,
            })
            .expect("nonce");
        }
        w.apply(s).await.expect("nonces");

        let ws = sample::new_workspace(s, "Acme").await;
        let mut hook = sample::webhook(ws.id(), "https://hooks.example/a");
        sample::put(s, &mut hook).await;
        let mut kept = Vec::new();
        let mut gone = Vec::new();
        for (age_days, status) in [
            (40, WebhookDeliveryStatus::Succeeded),
            (40, WebhookDeliveryStatus::Failed),
            (40, WebhookDeliveryStatus::Pending),
            (10, WebhookDeliveryStatus::Succeeded),
        ] {
            let mut d = sample::webhook_delivery(ws.id(), hook.id);
            d.status = status;
            d.created_at = now - Duration::days(age_days);
            sample::put(s, &mut d).await;
            if age_days > 30 && status != WebhookDeliveryStatus::Pending {
                gone.push(d.id);
            } else {
                kept.push(d.id);
            }
        }

        let keeper = Housekeeper::new(store.clone(), Arc::new(clock.clone()));
        let report = keeper.run_once().await.expect("pass");
        assert_eq!((report.nonces, report.webhook_deliveries), (1, 2));
        let left: Vec<Nonce> = s
            .find(&Query::new(Kind::Nonce, None).limit(10))
            .await
            .expect("nonces");
        assert_eq!(left.len(), 1);
        assert!(left[0].expires_at > now, "the unexpired value stays");
        let deliveries: Vec<WebhookDelivery> = s
            .find(&Query::new(Kind::WebhookDelivery, ws.scope()).limit(10))
            .await
            .expect("deliveries");
        let mut ids: Vec<_> = deliveries.iter().map(|d| d.id).collect();
        ids.sort();
        kept.sort();
        assert_eq!(ids, kept, "pending and recent deliveries stay");

        // A second pass finds nothing; a small budget stops a pass early.
        assert_eq!(keeper.run_once().await.expect("again"), Default::default());
        clock.advance(Duration::days(60));
        let small =
            Housekeeper::new(store.clone(), Arc::new(clock.clone())).options(HousekeepingOptions {
                max_rows: 1,
                ..HousekeepingOptions::default()
            });
        let r = small.run_once().await.expect("small pass");
        assert_eq!(r.nonces + r.webhook_deliveries, 1, "{r:?}");
    })
}
