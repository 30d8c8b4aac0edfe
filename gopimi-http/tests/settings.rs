//! Organizations, custom fields, tags, canned responses and SLA policies over HTTP.

mod common;

use common::TestServer;
use reqwest::Method;
use serde_json::{Value, json};

/// One resource's test data: a valid body, a patch, and an invalid body with the field at fault.
struct Case {
    resource: &'static str,
    new: Value,
    patch: Value,
    bad: Value,
    bad_field: &'static str,
}

/// Runs the five routes of one resource: create, list, get, update, delete, plus 401, 404 from
/// another workspace and 422 on a bad body.
async fn crud(s: &TestServer, t: &common::Team, who: &common::User, case: Case) {
    let Case {
        resource,
        new,
        patch,
        bad,
        bad_field,
    } = case;
    let base = format!("/workspaces/{}/{resource}", t.ws);
    let (status, created) = s.call(who, Method::POST, &base, Some(new)).await;
    assert_eq!(status, 201, "{resource}: {created}");
    let id = created["id"].as_str().expect("id").to_owned();
    let (status, list) = s.call(who, Method::GET, &base, None).await;
    assert_eq!(status, 200, "{resource}");
    assert_eq!(list["meta"]["total"], 1, "{resource}: {list}");
    let (status, got) = s
        .call(who, Method::GET, &format!("{base}/{id}"), None)
        .await;
    assert_eq!(
        (status, got["id"].as_str()),
        (200, Some(id.as_str())),
        "{resource}"
    );
    let (status, updated) = s
        .call(who, Method::PATCH, &format!("{base}/{id}"), Some(patch))
        .await;
    assert_eq!(status, 200, "{resource}: {updated}");
    let (status, body) = s.call(who, Method::POST, &base, Some(bad)).await;
    assert_eq!(status, 422, "{resource}: {body}");
    assert!(body["errors"][bad_field].is_array(), "{resource}: {body}");
    assert_eq!(
        s.req(Method::GET, &base)
            .send()
            .await
            .expect("send")
            .status()
            .as_u16(),
        401
    );
    assert_eq!(
        s.call(&t.outsider, Method::GET, &format!("{base}/{id}"), None)
            .await
            .0,
        404,
        "{resource}"
    );
    let theirs = format!("/workspaces/{}/{resource}/{id}", t.other_ws);
    assert_eq!(
        s.call(&t.outsider, Method::GET, &theirs, None).await.0,
        404,
        "{resource}"
    );
    assert_eq!(
        s.call(&t.outsider, Method::DELETE, &theirs, None).await.0,
        404,
        "{resource}"
    );
    assert_eq!(
        s.call(who, Method::DELETE, &format!("{base}/{id}"), None)
            .await
            .0,
        204,
        "{resource}"
    );
    assert_eq!(
        s.call(who, Method::GET, &format!("{base}/{id}"), None)
            .await
            .0,
        404,
        "{resource}"
    );
}

#[tokio::test]
async fn member_managed_settings() {
    let s = TestServer::start().await;
    let t = s.team().await;
    crud(
        &s,
        &t,
        &t.member,
        Case {
            resource: "organizations",
            new: json!({"name": "Globex", "domain": "globex.test"}),
            patch: json!({"notes": "big"}),
            bad: json!({"name": ""}),
            bad_field: "name",
        },
    )
    .await;
    crud(
        &s,
        &t,
        &t.member,
        Case {
            resource: "tags",
            new: json!({"name": "billing", "color": "#ff0000"}),
            patch: json!({"name": "invoices"}),
            bad: json!({"name": "x", "color": "red-ish"}),
            bad_field: "color",
        },
    )
    .await;
    crud(
        &s,
        &t,
        &t.member,
        Case {
            resource: "canned-responses",
            new: json!({"name": "Thanks", "body": "Thank you for writing."}),
            patch: json!({"body": "Thanks!"}),
            bad: json!({"name": "Empty", "body": ""}),
            bad_field: "body",
        },
    )
    .await;
    crud(
        &s,
        &t,
        &t.owner,
        Case {
            resource: "custom-fields",
            new: json!({"name": "Tier", "type": "select", "options": ["gold", "silver"]}),
            patch: json!({"featured": true}),
            bad: json!({"name": "Bad", "type": "colour"}),
            bad_field: "type",
        },
    )
    .await;
}

#[tokio::test]
async fn sla_policies_are_for_owners() {
    let s = TestServer::start().await;
    let t = s.team().await;
    let policy = json!({
        "name": "Standard",
        "targets": [
            {"priority": "urgent", "first_response_minutes": 30, "resolution_minutes": 240},
            {"priority": "low", "first_response_minutes": 480, "resolution_minutes": 2880}
        ]
    });
    let base = format!("/workspaces/{}/sla-policies", t.ws);
    let (status, body) = s
        .call(&t.member, Method::POST, &base, Some(policy.clone()))
        .await;
    assert_eq!(status, 403, "{body}");
    crud(
        &s,
        &t,
        &t.owner,
        Case {
            resource: "sla-policies",
            new: policy.clone(),
            patch: json!({"pause_on_pending": true}),
            bad: json!({"name": "Broken", "targets": [{"priority": "urgent", "first_response_minutes": 0, "resolution_minutes": 10}]}),
            bad_field: "targets.first_response_minutes",
        },
    )
    .await;

    s.stop().await;
}
