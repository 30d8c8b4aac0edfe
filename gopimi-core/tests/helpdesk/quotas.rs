//! Plan quotas: the limit is enforced with an error naming the resource and the limit.

use crate::common::{env, env_with};
use gopimi_core::Error;
use gopimi_core::model::{Plan, PlanLimits, PlanTable, Priority, Resource, Role, SlaTarget};
use gopimi_core::service::{NewContact, NewDomain, NewSlaPolicy, NewTag, NewTicket};

fn quota<T: std::fmt::Debug>(r: Result<T, Error>) -> (&'static str, u64) {
    match r {
        Err(Error::QuotaExceeded { resource, limit }) => (resource, limit),
        other => panic!("expected a quota error, got {other:?}"),
    }
}

/// The default table with some limits of Business replaced.
fn business_with(changes: &[(Resource, u64)]) -> PlanTable {
    let mut t = PlanTable::default();
    let mut b: PlanLimits = t.limits(Plan::Business);
    for (r, l) in changes {
        b.limits.insert(*r, Some(*l));
    }
    t.plans.insert(Plan::Business, b);
    t
}

#[tokio::test]
async fn the_tag_past_the_limit_fails_naming_tags() {
    let e = env_with(Plan::Lite, PlanTable::default()).await;
    let limit = PlanTable::default()
        .limits(Plan::Lite)
        .limit(Resource::Tags)
        .expect("lite limits tags");
    for i in 0..limit {
        e.desk
            .create_tag(&e.owner, e.ws, NewTag::new(format!("tag {i}")))
            .await
            .expect("within quota");
    }
    let (resource, l) = quota(
        e.desk
            .create_tag(&e.owner, e.ws, NewTag::new("one too many"))
            .await,
    );
    assert_eq!((resource, l), ("tags", limit));
    let usage = e.desk.usage(&e.owner, e.ws).await.expect("usage");
    let tags = usage
        .resources
        .iter()
        .find(|r| r.resource == Resource::Tags)
        .expect("tags row");
    assert_eq!((tags.used, tags.limit), (limit, Some(limit)));
}

#[tokio::test]
async fn lite_has_no_sla_policies_and_no_domains() {
    let e = env_with(Plan::Lite, PlanTable::default()).await;
    let policy = NewSlaPolicy {
        name: "Fast".into(),
        active: None,
        targets: vec![SlaTarget {
            priority: Priority::Urgent,
            first_response_minutes: 15,
            resolution_minutes: 60,
        }],
        calendar: None,
        pause_on_pending: false,
        warning_percent: None,
    };
    assert_eq!(
        quota(e.desk.create_sla_policy(&e.owner, e.ws, policy).await),
        ("sla_policies", 0)
    );
    assert_eq!(
        quota(
            e.desk
                .create_domain(
                    &e.owner,
                    e.ws,
                    NewDomain {
                        name: "acme.test".into()
                    }
                )
                .await
        ),
        ("domains", 0)
    );
}

#[tokio::test]
async fn workspaces_are_limited_per_owner() {
    let e = env_with(Plan::Lite, PlanTable::default()).await;
    assert_eq!(
        quota(e.desk.create_workspace(&e.owner, "Second").await),
        ("workspaces", 1)
    );
    // Another user has their own allowance.
    let (_, other) = crate::common::user(&e.desk, "Otto").await;
    e.desk
        .create_workspace(&other, "Otto's")
        .await
        .expect("own workspace");
}

#[tokio::test]
async fn tickets_contacts_and_members_stop_at_their_limits() {
    let e = env_with(
        Plan::Business,
        business_with(&[
            (Resource::Tickets, 2),
            (Resource::Contacts, 1),
            (Resource::Members, 2),
        ]),
    )
    .await;
    let d = &e.desk;
    d.create_ticket(&e.owner, e.ws, NewTicket::new("one"))
        .await
        .expect("1");
    d.create_ticket(&e.owner, e.ws, NewTicket::new("two"))
        .await
        .expect("2");
    assert_eq!(
        quota(
            d.create_ticket(&e.owner, e.ws, NewTicket::new("three"))
                .await
        ),
        ("tickets", 2)
    );
    d.create_contact(&e.owner, e.ws, NewContact::new("A", "a@example.org"))
        .await
        .expect("contact");
    assert_eq!(
        quota(
            d.create_contact(&e.owner, e.ws, NewContact::new("B", "b@example.org"))
                .await
        ),
        ("contacts", 1)
    );
    e.member("Mo", Role::Member).await;
    let (_, _) = crate::common::user(d, "Nia").await;
    assert_eq!(
        quota(
            d.add_member(&e.owner, e.ws, "nia@example.com", Role::Member)
                .await
        ),
        ("members", 2)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_ticket_limit_holds_under_concurrent_creators() {
    let e = crate::common::latent_env_with(business_with(&[(Resource::Tickets, 5)])).await;
    let mut tasks = Vec::new();
    for i in 0..12 {
        let desk = e.desk.clone();
        let (owner, ws) = (e.owner, e.ws);
        tasks.push(tokio::spawn(async move {
            desk.create_ticket(&owner, ws, NewTicket::new(format!("t{i}")))
                .await
        }));
    }
    let mut ok = 0;
    for t in tasks {
        match t.await.expect("task") {
            Ok(_) => ok += 1,
            Err(Error::QuotaExceeded {
                resource: "tickets",
                ..
            }) => {}
            Err(other) => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(ok, 5, "exactly the limit is created");
}

#[tokio::test]
async fn usage_counts_every_resource() {
    let e = env().await;
    e.desk
        .create_ticket(&e.owner, e.ws, NewTicket::new("a"))
        .await
        .expect("ticket");
    let usage = e.desk.usage(&e.owner, e.ws).await.expect("usage");
    assert_eq!(usage.plan, Plan::Business);
    let get = |r| {
        usage
            .resources
            .iter()
            .find(|x| x.resource == r)
            .expect("row")
            .used
    };
    assert_eq!(get(Resource::Tickets), 1);
    assert_eq!(get(Resource::Members), 1);
    assert_eq!(get(Resource::Workspaces), 1);
    assert_eq!(usage.resources.len(), Resource::ALL.len());
}
