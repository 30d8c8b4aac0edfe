//! Ticket lists: every filter of the API, search, sort and pages.

use crate::common::env;
use gopimi_core::model::Role;
use gopimi_core::service::{Embed, NewContact, NewTag, NewTicket, TicketQuery};

#[tokio::test]
async fn every_filter_narrows_the_list() {
    let e = env().await;
    let d = &e.desk;
    let (agent, _) = e.member("Ana", Role::Member).await;
    let tag = d
        .create_tag(&e.owner, e.ws, NewTag::new("Billing"))
        .await
        .expect("tag");
    let c = d
        .create_contact(&e.owner, e.ws, NewContact::new("Cy", "cy@example.org"))
        .await
        .expect("c");
    let mut specs = Vec::new();
    for i in 0..6 {
        let mut n = NewTicket::new(format!("Invoice question {i}"));
        if i % 2 == 0 {
            n.priority = Some(gopimi_core::model::Priority::High);
            n.tag_ids = vec![tag.id];
        }
        if i < 2 {
            n.agent_id = Some(agent);
            n.contact_id = Some(c.id);
            n.status = Some(gopimi_core::model::TicketStatus::Pending);
        }
        if i == 5 {
            n.subject = "Password reset".into();
        }
        specs.push(d.create_ticket(&e.owner, e.ws, n).await.expect("ticket"));
    }
    let total = |params: &[(&str, &str)]| {
        let q = TicketQuery::parse(params.iter().copied()).expect("query");
        async move {
            d.list_tickets(&e.owner, e.ws, &q)
                .await
                .expect("list")
                .total
        }
    };
    let agent_s = agent.to_string();
    let contact_s = c.id.to_string();
    assert_eq!(total(&[]).await, 6);
    assert_eq!(total(&[("status", "pending")]).await, 2);
    assert_eq!(total(&[("status", "open,pending")]).await, 6);
    assert_eq!(total(&[("priority", "high")]).await, 3);
    assert_eq!(total(&[("agent_id", &agent_s)]).await, 2);
    assert_eq!(total(&[("agent_id", "none")]).await, 4);
    assert_eq!(total(&[("contact_id", &contact_s)]).await, 2);
    assert_eq!(total(&[("tag", "billing")]).await, 3);
    assert_eq!(total(&[("tag", &tag.id.to_string())]).await, 3);
    assert_eq!(total(&[("search", "invoice")]).await, 5);
    assert_eq!(total(&[("search", "passw")]).await, 1, "prefix search");
    assert_eq!(
        total(&[("search", "cy@example.org")]).await,
        2,
        "by contact"
    );
    let today = specs[0].created_at.format("%Y-%m-%d").to_string();
    assert_eq!(
        total(&[("date_from", &today), ("date_to", &today)]).await,
        6
    );
    assert_eq!(total(&[("date_to", "2000-01-01")]).await, 0);
    assert_eq!(
        total(&[("priority", "high"), ("agent_id", &agent_s)]).await,
        1
    );

    // Sort and pages.
    let q = TicketQuery::parse([("sort", "-number"), ("per_page", "4"), ("page", "2")]).expect("q");
    let page = d.list_tickets(&e.owner, e.ws, &q).await.expect("page 2");
    assert_eq!(
        page.items.iter().map(|t| t.number).collect::<Vec<_>>(),
        vec![2, 1]
    );
    assert_eq!(
        (page.page, page.per_page, page.total, page.last_page),
        (2, 4, 6, 2)
    );
    let q = TicketQuery::parse([("sort", "priority,number")]).expect("q");
    let page = d.list_tickets(&e.owner, e.ws, &q).await.expect("sorted");
    assert_eq!(
        page.items.iter().map(|t| t.number).collect::<Vec<_>>(),
        vec![2, 4, 6, 1, 3, 5]
    );

    // Embedding related rows.
    let q = TicketQuery::parse([("contact_id", contact_s.as_str())]).expect("q");
    let page = d.list_tickets(&e.owner, e.ws, &q).await.expect("list");
    let views = d
        .embed_tickets(
            &e.owner,
            e.ws,
            page.items,
            Embed::parse(Some("contact,agent,tags")).expect("with"),
        )
        .await
        .expect("embed");
    assert!(
        views
            .iter()
            .all(|v| v.contact.as_ref().map(|c| c.email.as_str()) == Some("cy@example.org"))
    );
    assert!(
        views
            .iter()
            .all(|v| v.agent.as_ref().map(|a| a.id) == Some(agent))
    );
    assert!(Embed::parse(Some("secrets")).is_err());
}
