//! Contacts, organizations, imports.

use crate::common::{env, env_with, invalid_field, not_found};
use gopimi_core::model::{CustomFieldType, Plan, PlanTable, Resource};
use gopimi_core::service::{
    ContactQuery, NewContact, NewCustomField, NewOrganization, NewTicket, PageRequest, TicketQuery,
};
use serde_json::json;

#[tokio::test]
async fn a_csv_import_reports_bad_rows_and_imports_the_rest() {
    let e = env().await;
    let d = &e.desk;
    let mut plan = NewCustomField::new("Plan", CustomFieldType::Select);
    plan.options = vec!["Free".into(), "Pro".into()];
    d.create_custom_field(&e.owner, e.ws, plan)
        .await
        .expect("field");
    d.create_custom_field(
        &e.owner,
        e.ws,
        NewCustomField::new("Seats", CustomFieldType::Number),
    )
    .await
    .expect("field");
    d.create_contact(
        &e.owner,
        e.ws,
        NewContact::new("Existing", "old@example.org"),
    )
    .await
    .expect("existing contact");
    let csv = "\u{feff}Email,Name,Organization,Plan,Seats,Favourite colour\n\
               ada@example.org,Ada,Analytical Engines,Pro,5,blue\n\
               not-an-email,Broken,,,,\n\
               ADA@example.org,Ada again,,,,\n\
               OLD@example.org,Old,,,,\n\
               bob@example.org,Bob,,Gold,,\n\
               cy@example.org,Cy,,,lots,\n\
               \n\
               dee@example.org,,Analytical Engines,free,,\n";
    let report = d
        .import_contacts_csv(&e.owner, e.ws, csv.as_bytes())
        .await
        .expect("import");
    assert_eq!(report.created, 2, "{report:?}");
    assert_eq!(report.ignored_columns, vec!["Favourite colour".to_string()]);
    let errs: Vec<(u64, Option<&str>)> = report
        .errors
        .iter()
        .map(|r| (r.line, r.field.as_deref()))
        .collect();
    assert_eq!(
        errs,
        vec![
            (3, Some("email")),
            (4, Some("email")),
            (5, Some("email")),
            (6, Some("fields.Plan")),
            (7, Some("fields.Seats")),
        ]
    );
    let q = ContactQuery::parse([("search", "ada")]).expect("query");
    let ada = d.list_contacts(&e.owner, e.ws, &q).await.expect("list");
    assert_eq!(ada.total, 1);
    let ada = &ada.items[0];
    let fields = d
        .contact_fields(&e.owner, e.ws, ada.id)
        .await
        .expect("fields");
    let value = |name: &str| {
        fields
            .iter()
            .find(|f| f.field.name == name)
            .and_then(|f| f.value.clone())
    };
    assert_eq!(value("Plan"), Some(json!("Pro")));
    assert_eq!(value("Seats"), Some(json!(5)));
    // Both imported contacts share the organization created once.
    let orgs = d
        .list_organizations(&e.owner, e.ws, None, PageRequest::default())
        .await
        .expect("orgs");
    assert_eq!(orgs.total, 1);
    let q = ContactQuery {
        organization_id: Some(orgs.items[0].id),
        ..Default::default()
    };
    let members = d.list_contacts(&e.owner, e.ws, &q).await.expect("list");
    let names: Vec<&str> = members.items.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        vec!["Ada", "dee"],
        "a missing name defaults to the address's local part"
    );
}

#[tokio::test]
async fn an_import_stops_creating_at_the_contact_quota() {
    let mut plans = PlanTable::default();
    let mut lite = plans.limits(Plan::Lite);
    lite.limits.insert(Resource::Contacts, Some(2));
    plans.plans.insert(Plan::Lite, lite);
    let e = env_with(Plan::Lite, plans).await;
    let csv = "email\na@example.org\nb@example.org\nc@example.org\nd@example.org\n";
    let report = e
        .desk
        .import_contacts_csv(&e.owner, e.ws, csv.as_bytes())
        .await
        .expect("import");
    assert_eq!(report.created, 2);
    assert_eq!(
        report.errors.iter().map(|r| r.line).collect::<Vec<_>>(),
        vec![4, 5]
    );
    assert!(report.errors[0].message.contains("quota"));
}

#[tokio::test]
async fn an_unreadable_file_is_refused_as_a_whole() {
    let e = env().await;
    let d = &e.desk;
    assert_eq!(
        invalid_field(d.import_contacts_csv(&e.owner, e.ws, b"name\nAda\n").await),
        "file"
    );
    assert_eq!(
        invalid_field(
            d.import_contacts_csv(&e.owner, e.ws, &[0xff, 0xfe, 0x00])
                .await
        ),
        "file"
    );
}

#[tokio::test]
async fn deleting_a_contact_unlinks_its_tickets() {
    let e = env().await;
    let d = &e.desk;
    let c = d
        .create_contact(&e.owner, e.ws, NewContact::new("Cy", "cy@example.org"))
        .await
        .expect("contact");
    let mut new = NewTicket::new("from Cy");
    new.contact_id = Some(c.id);
    let t = d.create_ticket(&e.owner, e.ws, new).await.expect("ticket");
    let q = TicketQuery::parse([("search", "cy@example.org")]).expect("q");
    assert_eq!(
        d.list_tickets(&e.owner, e.ws, &q)
            .await
            .expect("list")
            .total,
        1,
        "contact is searchable"
    );
    let of_cy = d
        .contact_tickets(&e.owner, e.ws, c.id, &TicketQuery::default())
        .await
        .expect("contact tickets");
    assert_eq!(
        of_cy.items.iter().map(|t| t.id).collect::<Vec<_>>(),
        vec![t.id]
    );

    d.delete_contact(&e.owner, e.ws, c.id)
        .await
        .expect("delete");
    assert_eq!(not_found(d.contact(&e.owner, e.ws, c.id).await), "contact");
    let after = d.ticket(&e.owner, e.ws, t.id).await.expect("ticket stays");
    assert_eq!(after.contact_id, None);
    assert_eq!(
        d.list_tickets(&e.owner, e.ws, &q)
            .await
            .expect("list")
            .total,
        0
    );
}

#[tokio::test]
async fn organizations_are_unique_per_workspace_and_must_be_local() {
    let e = env().await;
    let d = &e.desk;
    let acme = d
        .create_organization(&e.owner, e.ws, NewOrganization::new("Acme"))
        .await
        .expect("org");
    assert_eq!(
        invalid_field(
            d.create_organization(&e.owner, e.ws, NewOrganization::new("ACME"))
                .await
        ),
        "name"
    );
    let other = d.create_workspace(&e.owner, "Other").await.expect("ws").id;
    let mut c = NewContact::new("Cy", "cy@example.org");
    c.organization_id = Some(acme.id);
    assert_eq!(
        not_found(d.create_contact(&e.owner, other, c.clone()).await),
        "organization"
    );
    let cy = d.create_contact(&e.owner, e.ws, c).await.expect("contact");
    d.delete_organization(&e.owner, e.ws, acme.id)
        .await
        .expect("delete org");
    assert_eq!(
        d.contact(&e.owner, e.ws, cy.id)
            .await
            .expect("contact")
            .organization_id,
        None
    );
}

#[tokio::test]
async fn bulk_delete_of_contacts_reports_per_id() {
    let e = env().await;
    let d = &e.desk;
    let a = d
        .create_contact(&e.owner, e.ws, NewContact::new("A", "a@example.org"))
        .await
        .expect("a");
    let r = d
        .bulk_delete_contacts(&e.owner, e.ws, &[a.id, gopimi_core::ids::ContactId::new()])
        .await
        .expect("bulk");
    assert_eq!((r.succeeded(), r.failed()), (1, 1));
    assert_eq!(
        d.list_contacts(&e.owner, e.ws, &ContactQuery::default())
            .await
            .expect("list")
            .total,
        0
    );
}
