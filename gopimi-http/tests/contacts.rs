//! Contacts, CSV import, custom field values, and a contact's tickets over HTTP.

mod common;

use common::{TestServer, json};
use gopimi_core::model::{Plan, PlanTable, Resource};
use gopimi_http::HttpConfig;
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn contacts_crud_search_and_isolation() {
    let s = TestServer::start().await;
    let t = s.team().await;
    let base = format!("/workspaces/{}/contacts", t.ws);
    let (status, jo) = s
        .call(
            &t.member,
            Method::POST,
            &base,
            Some(json!({"email": "jo@customer.test", "name": "Jo Doe"})),
        )
        .await;
    assert_eq!(status, 201, "{jo}");
    let (status, body) = s
        .call(
            &t.member,
            Method::POST,
            &base,
            Some(json!({"email": "JO@customer.test"})),
        )
        .await;
    assert_eq!(status, 422, "same address twice: {body}");
    assert!(body["errors"]["email"].is_array(), "{body}");
    let (status, body) = s
        .call(
            &t.member,
            Method::POST,
            &base,
            Some(json!({"email": "nope"})),
        )
        .await;
    assert_eq!(status, 422);
    assert!(body["errors"]["email"].is_array(), "{body}");
    s.call(
        &t.member,
        Method::POST,
        &base,
        Some(json!({"email": "amy@else.test", "name": "Amy"})),
    )
    .await;

    let (_, found) = s
        .call(&t.member, Method::GET, &format!("{base}?search=doe"), None)
        .await;
    assert_eq!(found["meta"]["total"], 1, "{found}");
    let (_, sorted) = s
        .call(&t.member, Method::GET, &format!("{base}?sort=name"), None)
        .await;
    assert_eq!(sorted["data"][0]["name"], "Amy");

    let id = jo["id"].as_str().expect("id");
    let (status, upd) = s
        .call(
            &t.member,
            Method::PATCH,
            &format!("{base}/{id}"),
            Some(json!({"phone": "+1 555 0100"})),
        )
        .await;
    assert_eq!((status, upd["phone"].as_str()), (200, Some("+1 555 0100")));
    assert_eq!(
        s.call(&t.outsider, Method::GET, &format!("{base}/{id}"), None)
            .await
            .0,
        404
    );
    assert_eq!(
        s.call(
            &t.outsider,
            Method::GET,
            &format!("/workspaces/{}/contacts/{id}", t.other_ws),
            None
        )
        .await
        .0,
        404
    );
    assert_eq!(
        s.req(Method::GET, &base)
            .send()
            .await
            .expect("send")
            .status()
            .as_u16(),
        401
    );

    // The contact's tickets and conversations.
    s.call(
        &t.member,
        Method::POST,
        &format!("/workspaces/{}/tickets", t.ws),
        Some(json!({"subject": "Hi", "contact_id": id})),
    )
    .await;
    let (status, tickets) = s
        .call(
            &t.member,
            Method::GET,
            &format!("{base}/{id}/tickets"),
            None,
        )
        .await;
    assert_eq!((status, tickets["meta"]["total"].as_u64()), (200, Some(1)));
    let (status, convs) = s
        .call(
            &t.member,
            Method::GET,
            &format!("{base}/{id}/conversations"),
            None,
        )
        .await;
    assert_eq!((status, convs["meta"]["total"].as_u64()), (200, Some(0)));

    // Custom field values.
    let (status, field) = s
        .call(
            &t.owner,
            Method::POST,
            &format!("/workspaces/{}/custom-fields", t.ws),
            Some(json!({"name": "Plan", "type": "select", "options": ["free", "pro"]})),
        )
        .await;
    assert_eq!(status, 201, "{field}");
    let (status, values) = s
        .call(
            &t.member,
            Method::PUT,
            &format!("{base}/{id}/fields"),
            Some(json!({"Plan": "pro"})),
        )
        .await;
    assert_eq!(status, 200, "{values}");
    assert_eq!(values["data"][0]["value"], "pro");
    let (status, body) = s
        .call(
            &t.member,
            Method::PUT,
            &format!("{base}/{id}/fields"),
            Some(json!({"Plan": "gold"})),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    let (_, values) = s
        .call(&t.member, Method::GET, &format!("{base}/{id}/fields"), None)
        .await;
    assert_eq!(
        values["data"][0]["value"], "pro",
        "a bad value changed nothing"
    );

    // Bulk delete: one result per id.
    let (status, report) = s
        .call(
            &t.member,
            Method::POST,
            &format!("{base}/bulk-delete"),
            Some(json!({"ids": [id, uuid::Uuid::now_v7()]})),
        )
        .await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(
        (report["succeeded"].as_u64(), report["failed"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!(
        s.call(&t.member, Method::GET, &format!("{base}/{id}"), None)
            .await
            .0,
        404
    );
    s.stop().await;
}

#[tokio::test]
async fn csv_import_reports_rows_and_respects_the_quota() {
    let mut plans = PlanTable::default();
    let mut limits = plans.limits(Plan::Business);
    limits.limits.insert(Resource::Contacts, Some(2));
    plans.plans.insert(Plan::Business, limits);
    let s = TestServer::with_parts(HttpConfig::default(), plans).await;
    let ada = s.register("ada@example.com").await;
    let ws = s.workspace(&ada, "Acme").await;
    let path = format!("/workspaces/{ws}/contacts/import");
    let csv = "email,name,shoe_size\njo@customer.test,Jo,42\nnot-an-address,Bad,1\namy@else.test,Amy,38\nzed@else.test,Zed,40\n";
    let (status, report) = json(
        s.as_user(&ada, Method::POST, &path)
            .header("content-type", "text/csv")
            .body(csv)
            .send()
            .await
            .expect("send"),
    )
    .await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["created"], 2, "{report}");
    let errors = report["errors"].as_array().expect("errors");
    assert!(
        errors.iter().any(|e| e["line"] == 3),
        "the bad address is reported with its line: {report}"
    );
    assert!(
        errors.len() >= 2,
        "the row over the quota is reported too: {report}"
    );

    // Multipart with a `file` field works too; wrong content types do not.
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(b"email\nnew@x.test\n".to_vec()).file_name("c.csv"),
    );
    let (status, report) = json(
        s.as_user(&ada, Method::POST, &path)
            .multipart(form)
            .send()
            .await
            .expect("send"),
    )
    .await;
    assert_eq!(status, 200, "{report}");
    let res = s
        .as_user(&ada, Method::POST, &path)
        .json(&json!({}))
        .send()
        .await
        .expect("send");
    assert_eq!(res.status().as_u16(), 415);
    s.stop().await;
}

#[tokio::test]
async fn csv_imports_have_their_own_body_limit() {
    let s = TestServer::with_config(HttpConfig {
        json_body_limit: 1024,
        import_limit: 64 * 1024,
        ..HttpConfig::default()
    })
    .await;
    let ada = s.register("ada@example.com").await;
    let ws = s.workspace(&ada, "Acme").await;
    let path = format!("/workspaces/{ws}/contacts/import");
    let mut csv = String::from("email,name\n");
    for i in 0..200 {
        csv.push_str(&format!("person{i}@customer.test,Person {i}\n"));
    }
    assert!(csv.len() > 1024);
    let (status, report) = json(
        s.as_user(&ada, Method::POST, &path)
            .header("content-type", "text/csv")
            .body(csv.clone())
            .send()
            .await
            .expect("send"),
    )
    .await;
    assert_eq!(
        (status, report["created"].as_u64()),
        (200, Some(200)),
        "{report}"
    );
    let res = s
        .as_user(&ada, Method::POST, &path)
        .header("content-type", "text/csv")
        .body(csv.repeat(40))
        .send()
        .await
        .expect("send");
    assert_eq!(res.status().as_u16(), 413);
    s.stop().await;
}
