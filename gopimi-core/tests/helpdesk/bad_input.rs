//! Bad input gets a typed error naming the field, never a panic, and changes nothing.

use crate::common::{env, invalid_field, not_found};
use gopimi_core::Error;
use gopimi_core::model::{CustomFieldType, TicketStatus};
use gopimi_core::service::{
    BulkRequest, ContactPatch, NewContact, NewCustomField, NewMessage, NewTag, NewTicket,
    PageRequest, TicketPatch, TicketQuery,
};
use serde_json::json;

#[tokio::test]
async fn an_empty_subject_is_refused() {
    let e = env().await;
    let d = &e.desk;
    assert_eq!(
        invalid_field(d.create_ticket(&e.owner, e.ws, NewTicket::new("")).await),
        "subject"
    );
    assert_eq!(
        invalid_field(
            d.create_ticket(&e.owner, e.ws, NewTicket::new(" \n\t "))
                .await
        ),
        "subject"
    );
    assert_eq!(
        invalid_field(
            d.create_ticket(&e.owner, e.ws, NewTicket::new("x".repeat(501)))
                .await
        ),
        "subject"
    );
    let t = d
        .create_ticket(&e.owner, e.ws, NewTicket::new("  Trimmed  "))
        .await
        .expect("ticket");
    assert_eq!(t.subject, "Trimmed");
    let patch = TicketPatch {
        subject: Some("   ".into()),
        ..Default::default()
    };
    assert_eq!(
        invalid_field(d.update_ticket(&e.owner, e.ws, t.id, patch).await),
        "subject"
    );
    let q = TicketQuery::default();
    assert_eq!(
        d.list_tickets(&e.owner, e.ws, &q)
            .await
            .expect("list")
            .total,
        1
    );
}

#[test]
fn unknown_status_and_priority_strings_are_validation_errors() {
    assert_eq!(invalid_field("reopened".parse::<TicketStatus>()), "status");
    assert_eq!(
        invalid_field(TicketQuery::parse([("status", "open,bogus")])),
        "status"
    );
    assert_eq!(
        invalid_field(TicketQuery::parse([("priority", "critical")])),
        "priority"
    );
    assert_eq!(
        invalid_field(TicketQuery::parse([("date_from", "last week")])),
        "date_from"
    );
    assert_eq!(
        invalid_field(TicketQuery::parse([("agent_id", "bob")])),
        "agent_id"
    );
    assert_eq!(
        invalid_field(TicketQuery::parse([("sort", "-password")])),
        "sort"
    );
    assert_eq!(invalid_field(TicketQuery::parse([("page", "0")])), "page");
    let bulk = BulkRequest {
        ids: vec![],
        action: "priority".into(),
        priority: Some("critical".into()),
        ..Default::default()
    };
    assert_eq!(invalid_field(bulk.action()), "priority");
    let bulk = BulkRequest {
        action: "explode".into(),
        ..Default::default()
    };
    assert_eq!(invalid_field(bulk.action()), "action");
    // A JSON body with an unknown status is refused by deserialization, not a panic.
    let patch: Result<TicketPatch, _> = serde_json::from_value(json!({"status": "reopened"}));
    assert!(patch.is_err());
}

#[tokio::test]
async fn an_unknown_status_in_bulk_fails_the_whole_request() {
    let e = env().await;
    let t = e
        .desk
        .create_ticket(&e.owner, e.ws, NewTicket::new("x"))
        .await
        .expect("ticket");
    let req = BulkRequest {
        ids: vec![t.id.0],
        action: "status".into(),
        status: Some("reopened".into()),
        ..Default::default()
    };
    let action = req.action().expect("form is fine");
    assert_eq!(
        invalid_field(e.desk.bulk_tickets(&e.owner, e.ws, &req.ids, &action).await),
        "status"
    );
}

#[tokio::test]
async fn a_custom_field_value_of_the_wrong_type_is_refused_and_nothing_is_written() {
    let e = env().await;
    let d = &e.desk;
    let seats = d
        .create_custom_field(
            &e.owner,
            e.ws,
            NewCustomField::new("Seats", CustomFieldType::Number),
        )
        .await
        .expect("field");
    let since = d
        .create_custom_field(
            &e.owner,
            e.ws,
            NewCustomField::new("Customer since", CustomFieldType::Date),
        )
        .await
        .expect("field");
    let c = d
        .create_contact(&e.owner, e.ws, NewContact::new("Cy", "cy@example.org"))
        .await
        .expect("contact");
    let values = json!({"Seats": 12, "Customer since": "March 3rd"});
    let values = values.as_object().expect("object");
    assert_eq!(
        invalid_field(d.set_contact_fields(&e.owner, e.ws, c.id, values).await),
        "fields.Customer since"
    );
    let now = d
        .contact_fields(&e.owner, e.ws, c.id)
        .await
        .expect("fields");
    assert!(
        now.iter().all(|f| f.value.is_none()),
        "one bad value changes nothing"
    );

    let mut values = serde_json::Map::new();
    values.insert(seats.id.to_string(), json!("12"));
    values.insert("customer since".into(), json!("2021-03-03"));
    let fields = d
        .set_contact_fields(&e.owner, e.ws, c.id, &values)
        .await
        .expect("valid values");
    let get = |id| {
        fields
            .iter()
            .find(|f| f.field.id == id)
            .and_then(|f| f.value.clone())
    };
    assert_eq!(get(seats.id), Some(json!(12)));
    assert_eq!(get(since.id), Some(json!("2021-03-03")));
    let unknown = json!({"Shoe size": 44});
    assert_eq!(
        invalid_field(
            d.set_contact_fields(&e.owner, e.ws, c.id, unknown.as_object().expect("o"))
                .await
        ),
        "fields.Shoe size"
    );
}

#[tokio::test]
async fn definitions_reject_impossible_combinations() {
    let e = env().await;
    let d = &e.desk;
    let mut f = NewCustomField::new("Notes", CustomFieldType::Text);
    f.multiple = true;
    assert_eq!(
        invalid_field(d.create_custom_field(&e.owner, e.ws, f).await),
        "multiple"
    );
    let f = NewCustomField::new("Plan", CustomFieldType::Select);
    assert_eq!(
        invalid_field(d.create_custom_field(&e.owner, e.ws, f).await),
        "options"
    );
    let mut f = NewCustomField::new("Plan", CustomFieldType::Select);
    f.options = vec!["Free".into(), "Paid".into()];
    f.multiple = true;
    d.create_custom_field(&e.owner, e.ws, f)
        .await
        .expect("multi select");
}

#[tokio::test]
async fn names_emails_colors_and_pages_are_checked() {
    let e = env().await;
    let d = &e.desk;
    let mut tag = NewTag::new("urgent");
    tag.color = Some("red".into());
    assert_eq!(
        invalid_field(d.create_tag(&e.owner, e.ws, tag).await),
        "color"
    );
    d.create_tag(&e.owner, e.ws, NewTag::new("Urgent"))
        .await
        .expect("tag");
    assert_eq!(
        invalid_field(d.create_tag(&e.owner, e.ws, NewTag::new("URGENT")).await),
        "name"
    );
    assert_eq!(
        invalid_field(
            d.create_contact(&e.owner, e.ws, NewContact::new("X", "not-an-email"))
                .await
        ),
        "email"
    );
    let c = d
        .create_contact(&e.owner, e.ws, NewContact::new("Ann", "Ann@Example.org"))
        .await
        .expect("contact");
    assert_eq!(
        invalid_field(
            d.create_contact(&e.owner, e.ws, NewContact::new("Ann 2", "ann@example.ORG"))
                .await
        ),
        "email"
    );
    let other = d
        .create_contact(&e.owner, e.ws, NewContact::new("Bob", "bob@example.org"))
        .await
        .expect("contact");
    let patch = ContactPatch {
        email: Some("ANN@example.org".into()),
        ..Default::default()
    };
    assert_eq!(
        invalid_field(d.update_contact(&e.owner, e.ws, other.id, patch).await),
        "email"
    );
    assert!(PageRequest::new(0, 10).is_err());
    let t = d
        .create_ticket(&e.owner, e.ws, NewTicket::new("x"))
        .await
        .expect("ticket");
    assert_eq!(
        invalid_field(
            d.add_ticket_message(&e.owner, e.ws, t.id, NewMessage::note("  "))
                .await
        ),
        "body"
    );
    assert_eq!(
        not_found(
            d.contact(&e.owner, e.ws, gopimi_core::ids::ContactId::new())
                .await
        ),
        "contact"
    );
    assert!(d.contact(&e.owner, e.ws, c.id).await.is_ok());
    assert!(matches!(
        d.register(gopimi_core::service::Registration::new(
            "Al",
            "al@example.com",
            "short"
        ))
        .await,
        Err(Error::Validation { .. })
    ));
}
