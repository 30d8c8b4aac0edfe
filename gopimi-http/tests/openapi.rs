//! The OpenAPI document and the router agree: every route of the contract is documented, every
//! documented route is served, and every route group is rate-limited.

mod common;

use common::{TestServer, json};
use gopimi_http::HttpConfig;
use reqwest::Method;

/// The contract's routes (API.md), as documented here.
const CONTRACT: &[(&str, &str)] = &[
    ("post", "/auth/register"),
    ("post", "/auth/login"),
    ("post", "/auth/logout"),
    ("get", "/me"),
    ("patch", "/me"),
    ("put", "/me/password"),
    ("delete", "/me"),
    ("get", "/me/export"),
    ("get", "/me/tokens"),
    ("post", "/me/tokens"),
    ("delete", "/me/tokens/{id}"),
    ("get", "/workspaces"),
    ("post", "/workspaces"),
    ("get", "/workspaces/{ws}"),
    ("patch", "/workspaces/{ws}"),
    ("delete", "/workspaces/{ws}"),
    ("get", "/workspaces/{ws}/usage"),
    ("get", "/workspaces/{ws}/members"),
    ("post", "/workspaces/{ws}/members"),
    ("patch", "/workspaces/{ws}/members/{user_id}"),
    ("delete", "/workspaces/{ws}/members/{user_id}"),
    ("get", "/workspaces/{ws}/tickets"),
    ("post", "/workspaces/{ws}/tickets"),
    ("get", "/workspaces/{ws}/tickets/{id}"),
    ("patch", "/workspaces/{ws}/tickets/{id}"),
    ("delete", "/workspaces/{ws}/tickets/{id}"),
    ("post", "/workspaces/{ws}/tickets/{id}/restore"),
    ("delete", "/workspaces/{ws}/tickets/{id}/permanent"),
    ("get", "/workspaces/{ws}/tickets/trash"),
    ("get", "/workspaces/{ws}/tickets/spam"),
    ("post", "/workspaces/{ws}/tickets/{id}/spam"),
    ("delete", "/workspaces/{ws}/tickets/{id}/spam"),
    ("delete", "/workspaces/{ws}/tickets/spam"),
    ("post", "/workspaces/{ws}/tickets/bulk"),
    ("get", "/workspaces/{ws}/tickets/{id}/messages"),
    ("post", "/workspaces/{ws}/tickets/{id}/messages"),
    (
        "patch",
        "/workspaces/{ws}/tickets/{id}/messages/{message_id}",
    ),
    (
        "delete",
        "/workspaces/{ws}/tickets/{id}/messages/{message_id}",
    ),
    ("get", "/workspaces/{ws}/tickets/{id}/activities"),
    ("put", "/workspaces/{ws}/tickets/{id}/tags"),
    ("get", "/workspaces/{ws}/conversations"),
    ("post", "/workspaces/{ws}/conversations"),
    ("get", "/workspaces/{ws}/conversations/{id}"),
    ("patch", "/workspaces/{ws}/conversations/{id}"),
    ("delete", "/workspaces/{ws}/conversations/{id}"),
    ("get", "/workspaces/{ws}/conversations/{id}/messages"),
    ("post", "/workspaces/{ws}/conversations/{id}/messages"),
    ("get", "/workspaces/{ws}/conversations/spam"),
    ("get", "/workspaces/{ws}/conversations/trash"),
    ("post", "/workspaces/{ws}/conversations/bulk"),
    ("get", "/workspaces/{ws}/contacts"),
    ("post", "/workspaces/{ws}/contacts"),
    ("get", "/workspaces/{ws}/contacts/{id}"),
    ("patch", "/workspaces/{ws}/contacts/{id}"),
    ("delete", "/workspaces/{ws}/contacts/{id}"),
    ("post", "/workspaces/{ws}/contacts/bulk-delete"),
    ("post", "/workspaces/{ws}/contacts/import"),
    ("get", "/workspaces/{ws}/contacts/{id}/tickets"),
    ("get", "/workspaces/{ws}/contacts/{id}/conversations"),
    ("put", "/workspaces/{ws}/contacts/{id}/fields"),
    ("get", "/workspaces/{ws}/organizations"),
    ("post", "/workspaces/{ws}/organizations"),
    ("get", "/workspaces/{ws}/organizations/{id}"),
    ("patch", "/workspaces/{ws}/organizations/{id}"),
    ("delete", "/workspaces/{ws}/organizations/{id}"),
    ("get", "/workspaces/{ws}/custom-fields"),
    ("post", "/workspaces/{ws}/custom-fields"),
    ("get", "/workspaces/{ws}/custom-fields/{id}"),
    ("patch", "/workspaces/{ws}/custom-fields/{id}"),
    ("delete", "/workspaces/{ws}/custom-fields/{id}"),
    ("get", "/workspaces/{ws}/tags"),
    ("post", "/workspaces/{ws}/tags"),
    ("patch", "/workspaces/{ws}/tags/{id}"),
    ("delete", "/workspaces/{ws}/tags/{id}"),
    ("get", "/workspaces/{ws}/canned-responses"),
    ("post", "/workspaces/{ws}/canned-responses"),
    ("patch", "/workspaces/{ws}/canned-responses/{id}"),
    ("delete", "/workspaces/{ws}/canned-responses/{id}"),
    ("get", "/workspaces/{ws}/sla-policies"),
    ("post", "/workspaces/{ws}/sla-policies"),
    ("get", "/workspaces/{ws}/sla-policies/{id}"),
    ("patch", "/workspaces/{ws}/sla-policies/{id}"),
    ("delete", "/workspaces/{ws}/sla-policies/{id}"),
    ("get", "/workspaces/{ws}/emails"),
    ("post", "/workspaces/{ws}/emails"),
    ("get", "/workspaces/{ws}/emails/{id}"),
    ("patch", "/workspaces/{ws}/emails/{id}"),
    ("delete", "/workspaces/{ws}/emails/{id}"),
    ("post", "/workspaces/{ws}/emails/{id}/forwarding"),
    ("get", "/workspaces/{ws}/domains"),
    ("post", "/workspaces/{ws}/domains"),
    ("get", "/workspaces/{ws}/domains/{id}"),
    ("delete", "/workspaces/{ws}/domains/{id}"),
    ("get", "/workspaces/{ws}/domains/{id}/dns-records"),
    ("post", "/workspaces/{ws}/attachments"),
    ("get", "/workspaces/{ws}/attachments/{id}"),
    ("delete", "/workspaces/{ws}/attachments/{id}"),
    ("get", "/workspaces/{ws}/notification-preferences"),
    ("put", "/workspaces/{ws}/notification-preferences"),
    ("get", "/workspaces/{ws}/blocked-senders"),
    ("post", "/workspaces/{ws}/blocked-senders"),
    ("delete", "/workspaces/{ws}/blocked-senders/{id}"),
    ("post", "/inbound/raw"),
    ("get", "/inbound/{id}"),
    ("get", "/health"),
    ("get", "/openapi.json"),
];

async fn document(s: &TestServer) -> serde_json::Value {
    let (status, doc) = json(
        s.req(Method::GET, "/openapi.json")
            .send()
            .await
            .expect("send"),
    )
    .await;
    assert_eq!(status, 200);
    doc
}

#[tokio::test]
async fn every_contract_route_is_documented() {
    let s = TestServer::start().await;
    let doc = document(&s).await;
    let mut missing = Vec::new();
    for (method, path) in CONTRACT {
        if !doc["paths"][format!("/api/v1{path}")][*method].is_object() {
            missing.push(format!("{method} {path}"));
        }
    }
    assert!(missing.is_empty(), "undocumented: {missing:?}");
    s.stop().await;
}

#[tokio::test]
async fn every_documented_route_is_served() {
    let s = TestServer::start().await;
    let doc = document(&s).await;
    let paths = doc["paths"].as_object().expect("paths");
    let mut count = 0;
    for (path, item) in paths {
        let concrete = path
            .split('/')
            .map(|seg| {
                if seg.starts_with('{') {
                    uuid::Uuid::now_v7().to_string()
                } else {
                    seg.to_owned()
                }
            })
            .collect::<Vec<_>>()
            .join("/");
        let url = concrete.strip_prefix("/api/v1").expect("under /api/v1");
        for method in item.as_object().expect("item").keys() {
            let m = Method::from_bytes(method.to_ascii_uppercase().as_bytes()).expect("method");
            let res = s.req(m, url).send().await.expect("send");
            let status = res.status().as_u16();
            let (_, body) = json(res).await;
            let kind = body["type"].as_str().unwrap_or("");
            assert!(
                !kind.ends_with("/no-route") && status != 405,
                "{method} {path} is documented but not served ({status} {body})"
            );
            count += 1;
        }
    }
    assert!(count >= CONTRACT.len(), "{count} operations documented");
    s.stop().await;
}

#[tokio::test]
async fn every_route_group_is_rate_limited() {
    let s = TestServer::with_config(HttpConfig {
        rate_limit_per_minute: 2,
        auth_rate_limit_per_minute: 1000,
        ..HttpConfig::default()
    })
    .await;
    let groups = [
        "/workspaces/{ws}/tickets",
        "/workspaces/{ws}/conversations",
        "/workspaces/{ws}/contacts",
        "/workspaces/{ws}/organizations",
        "/workspaces/{ws}/custom-fields",
        "/workspaces/{ws}/tags",
        "/workspaces/{ws}/canned-responses",
        "/workspaces/{ws}/sla-policies",
        "/workspaces/{ws}/emails",
        "/workspaces/{ws}/domains",
        "/workspaces/{ws}/blocked-senders",
        "/workspaces/{ws}/notification-preferences",
        "/workspaces/{ws}/members",
        "/workspaces/{ws}/usage",
        "/me/tokens",
    ];
    for (i, group) in groups.iter().enumerate() {
        let user = s.register(&format!("user{i}@example.com")).await;
        let ws = s.workspace(&user, "Acme").await;
        let path = group.replace("{ws}", &ws);
        let first = s
            .as_user(&user, Method::GET, &path)
            .send()
            .await
            .expect("send");
        assert_eq!(first.status().as_u16(), 200, "{group}");
        let second = s
            .as_user(&user, Method::GET, &path)
            .send()
            .await
            .expect("send");
        assert_eq!(second.status().as_u16(), 429, "{group}");
        assert!(second.headers().contains_key("retry-after"), "{group}");
    }
    s.stop().await;
}
