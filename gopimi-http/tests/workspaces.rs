//! Workspaces, members and usage over HTTP.

mod common;

use common::TestServer;
use gopimi_core::model::{Plan, PlanLimits, PlanTable, Resource};
use gopimi_http::HttpConfig;
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn workspaces_roles_and_isolation() {
    let s = TestServer::start().await;
    let t = s.team().await;
    let ws = &t.ws;

    let (status, list) = s.call(&t.member, Method::GET, "/workspaces", None).await;
    assert_eq!(status, 200);
    assert_eq!(list["meta"]["total"], 1);
    assert_eq!(list["data"][0]["role"], "member");
    assert_eq!(list["data"][0]["name"], "Acme");

    let (status, got) = s
        .call(&t.owner, Method::GET, &format!("/workspaces/{ws}"), None)
        .await;
    assert_eq!((status, got["role"].as_str()), (200, Some("owner")));
    assert_eq!(
        s.call(&t.outsider, Method::GET, &format!("/workspaces/{ws}"), None)
            .await
            .0,
        404
    );
    assert_eq!(
        s.req(Method::GET, &format!("/workspaces/{ws}"))
            .send()
            .await
            .expect("send")
            .status()
            .as_u16(),
        401
    );

    // Owner-only: rename, delete, member management.
    let rename = Some(json!({"name": "Acme Support"}));
    assert_eq!(
        s.call(
            &t.member,
            Method::PATCH,
            &format!("/workspaces/{ws}"),
            rename.clone()
        )
        .await
        .0,
        403
    );
    let (status, renamed) = s
        .call(
            &t.owner,
            Method::PATCH,
            &format!("/workspaces/{ws}"),
            rename,
        )
        .await;
    assert_eq!(
        (status, renamed["name"].as_str()),
        (200, Some("Acme Support"))
    );
    let (status, body) = s
        .call(
            &t.owner,
            Method::PATCH,
            &format!("/workspaces/{ws}"),
            Some(json!({"name": ""})),
        )
        .await;
    assert_eq!(status, 422);
    assert!(body["errors"]["name"].is_array(), "{body}");
    assert_eq!(
        s.call(
            &t.member,
            Method::DELETE,
            &format!("/workspaces/{ws}"),
            None
        )
        .await
        .0,
        403
    );
    assert_eq!(
        s.call(
            &t.outsider,
            Method::DELETE,
            &format!("/workspaces/{ws}"),
            None
        )
        .await
        .0,
        404
    );

    let (status, usage) = s
        .call(
            &t.member,
            Method::GET,
            &format!("/workspaces/{ws}/usage"),
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(usage["plan"], "business");

    // Members.
    let (status, members) = s
        .call(
            &t.member,
            Method::GET,
            &format!("/workspaces/{ws}/members"),
            None,
        )
        .await;
    assert_eq!((status, members["meta"]["total"].as_u64()), (200, Some(2)));
    let member_id = &t.member.id;
    let path = format!("/workspaces/{ws}/members/{member_id}");
    assert_eq!(
        s.call(
            &t.member,
            Method::PATCH,
            &path,
            Some(json!({"role": "owner"}))
        )
        .await
        .0,
        403
    );
    let (status, body) = s
        .call(
            &t.owner,
            Method::PATCH,
            &path,
            Some(json!({"role": "boss"})),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    let (status, m) = s
        .call(
            &t.owner,
            Method::PATCH,
            &path,
            Some(json!({"role": "owner"})),
        )
        .await;
    assert_eq!((status, m["role"].as_str()), (200, Some("owner")));
    assert_eq!(
        s.call(
            &t.owner,
            Method::PATCH,
            &path,
            Some(json!({"role": "member"}))
        )
        .await
        .0,
        200
    );
    let (status, body) = s
        .call(
            &t.owner,
            Method::POST,
            &format!("/workspaces/{ws}/members"),
            Some(json!({"email": "nobody@nowhere.test"})),
        )
        .await;
    assert_eq!(status, 404, "an unregistered address: {body}");
    let (status, body) = s
        .call(
            &t.owner,
            Method::POST,
            &format!("/workspaces/{ws}/members"),
            Some(json!({"email": t.member.email})),
        )
        .await;
    assert_eq!(status, 422, "already a member: {body}");
    assert_eq!(
        s.call(
            &t.member,
            Method::POST,
            &format!("/workspaces/{ws}/members"),
            Some(json!({"email": t.outsider.email}))
        )
        .await
        .0,
        403
    );
    assert_eq!(s.call(&t.owner, Method::DELETE, &path, None).await.0, 204);
    assert_eq!(
        s.call(&t.member, Method::GET, &format!("/workspaces/{ws}"), None)
            .await
            .0,
        404
    );

    assert_eq!(
        s.call(&t.owner, Method::DELETE, &format!("/workspaces/{ws}"), None)
            .await
            .0,
        204
    );
    assert_eq!(
        s.call(&t.owner, Method::GET, &format!("/workspaces/{ws}"), None)
            .await
            .0,
        404
    );
    s.stop().await;
}

#[tokio::test]
async fn quotas_answer_429_naming_the_resource() {
    let mut plans = PlanTable::default();
    let mut business = plans.limits(Plan::Business);
    business.limits.insert(Resource::Workspaces, Some(1));
    business.limits.insert(Resource::Tickets, Some(2));
    plans.plans.insert(
        Plan::Business,
        PlanLimits {
            limits: business.limits,
        },
    );
    let s = TestServer::with_parts(HttpConfig::default(), plans).await;
    let ada = s.register("ada@example.com").await;
    let ws = s.workspace(&ada, "One").await;
    let (status, body) = s
        .call(
            &ada,
            Method::POST,
            "/workspaces",
            Some(json!({"name": "Two"})),
        )
        .await;
    assert_eq!(status, 429, "{body}");
    assert_eq!(body["resource"], "workspaces");
    assert!(body.get("retry_after").is_none());
    for _ in 0..2 {
        let (status, _) = s
            .call(
                &ada,
                Method::POST,
                &format!("/workspaces/{ws}/tickets"),
                Some(json!({"subject": "x"})),
            )
            .await;
        assert_eq!(status, 201);
    }
    let (status, body) = s
        .call(
            &ada,
            Method::POST,
            &format!("/workspaces/{ws}/tickets"),
            Some(json!({"subject": "x"})),
        )
        .await;
    assert_eq!(
        (status, body["resource"].as_str()),
        (429, Some("tickets")),
        "{body}"
    );
    assert_eq!(body["limit"], 2);
    s.stop().await;
}
