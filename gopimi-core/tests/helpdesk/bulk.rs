//! Bulk actions: one result per id; bad arguments fail the whole request.

use crate::common::{env, invalid_field, not_found};
use gopimi_core::Error;
use gopimi_core::model::{Priority, Role, TicketStatus};
use gopimi_core::service::{BulkAction, BulkRequest, NewTag, NewTicket, TicketQuery};
use uuid::Uuid;

#[tokio::test]
async fn each_id_gets_its_own_result() {
    let e = env().await;
    let d = &e.desk;
    let a = d
        .create_ticket(&e.owner, e.ws, NewTicket::new("a"))
        .await
        .expect("a");
    let b = d
        .create_ticket(&e.owner, e.ws, NewTicket::new("b"))
        .await
        .expect("b");
    let other_ws = d.create_workspace(&e.owner, "Other").await.expect("ws").id;
    let foreign = d
        .create_ticket(&e.owner, other_ws, NewTicket::new("f"))
        .await
        .expect("f");
    let missing = Uuid::now_v7();
    let req: BulkRequest = serde_json::from_value(serde_json::json!({
        "ids": [a.id, foreign.id, b.id, missing, a.id],
        "action": "priority",
        "priority": "urgent",
    }))
    .expect("request");
    let report = d
        .bulk_tickets(&e.owner, e.ws, &req.ids, &req.action().expect("action"))
        .await
        .expect("bulk");
    let outcome: Vec<(Uuid, bool)> = report.items.iter().map(|i| (i.id, i.ok())).collect();
    assert_eq!(
        outcome,
        vec![
            (a.id.0, true),
            (foreign.id.0, false),
            (b.id.0, true),
            (missing, false)
        ],
        "duplicates are applied once"
    );
    assert_eq!((report.succeeded(), report.failed()), (2, 2));
    for i in report.items.iter().filter(|i| !i.ok()) {
        assert!(matches!(i.result, Err(Error::NotFound { what: "ticket" })));
    }
    for id in [a.id, b.id] {
        assert_eq!(
            d.ticket(&e.owner, e.ws, id).await.expect("t").priority,
            Priority::Urgent
        );
    }
    assert_eq!(
        d.ticket(&e.owner, other_ws, foreign.id)
            .await
            .expect("t")
            .priority,
        Priority::Medium
    );
}

#[tokio::test]
async fn every_ticket_action_works_in_bulk() {
    let e = env().await;
    let d = &e.desk;
    let (agent, _) = e.member("Ana", Role::Member).await;
    let tag = d
        .create_tag(&e.owner, e.ws, NewTag::new("bulk"))
        .await
        .expect("tag");
    let mut ids = Vec::new();
    for i in 0..3 {
        ids.push(
            d.create_ticket(&e.owner, e.ws, NewTicket::new(format!("t{i}")))
                .await
                .expect("t")
                .id
                .0,
        );
    }
    let run = |action: BulkAction| {
        let ids = ids.clone();
        async move {
            let r = d
                .bulk_tickets(&e.owner, e.ws, &ids, &action)
                .await
                .expect("bulk");
            assert_eq!(r.succeeded(), 3, "{action:?}");
        }
    };
    run(BulkAction::SetStatus("resolved".into())).await;
    run(BulkAction::Assign(Some(agent))).await;
    run(BulkAction::Tag(vec![tag.id])).await;
    let q = TicketQuery::parse([("tag", "BULK"), ("status", "resolved")]).expect("query");
    let listed = d.list_tickets(&e.owner, e.ws, &q).await.expect("list");
    assert_eq!(listed.total, 3);
    assert!(
        listed
            .items
            .iter()
            .all(|t| t.agent_id == Some(agent) && t.status == TicketStatus::Resolved)
    );
    run(BulkAction::Untag(vec![tag.id])).await;
    assert_eq!(
        d.list_tickets(&e.owner, e.ws, &q)
            .await
            .expect("list")
            .total,
        0
    );
    run(BulkAction::Spam).await;
    assert_eq!(
        d.list_spam_tickets(&e.owner, e.ws, &Default::default())
            .await
            .expect("spam")
            .total,
        3
    );
    run(BulkAction::NotSpam).await;
    run(BulkAction::Trash).await;
    assert_eq!(
        d.list_tickets(&e.owner, e.ws, &Default::default())
            .await
            .expect("list")
            .total,
        0
    );
    run(BulkAction::Restore).await;
    assert_eq!(
        d.list_tickets(&e.owner, e.ws, &Default::default())
            .await
            .expect("list")
            .total,
        3
    );
}

#[tokio::test]
async fn bad_arguments_fail_before_anything_changes() {
    let e = env().await;
    let d = &e.desk;
    let t = d
        .create_ticket(&e.owner, e.ws, NewTicket::new("x"))
        .await
        .expect("t");
    let (outsider, _) = crate::common::user(d, "Out").await;
    assert_eq!(
        not_found(
            d.bulk_tickets(
                &e.owner,
                e.ws,
                &[t.id.0],
                &BulkAction::Assign(Some(outsider))
            )
            .await
        ),
        "agent"
    );
    let too_many: Vec<Uuid> = (0..101).map(|_| Uuid::now_v7()).collect();
    assert_eq!(
        invalid_field(
            d.bulk_tickets(&e.owner, e.ws, &too_many, &BulkAction::Trash)
                .await
        ),
        "ids"
    );
    assert_eq!(
        invalid_field(
            d.bulk_tickets(&e.owner, e.ws, &[], &BulkAction::Trash)
                .await
        ),
        "ids"
    );
    assert_eq!(
        invalid_field(
            d.bulk_conversations(
                &e.owner,
                e.ws,
                &[t.id.0],
                &BulkAction::SetPriority(Priority::Low)
            )
            .await
        ),
        "action"
    );
    assert_eq!(d.ticket(&e.owner, e.ws, t.id).await.expect("t"), t);
}
