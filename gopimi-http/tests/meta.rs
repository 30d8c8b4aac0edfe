//! The cross-cutting behaviour every route shares: health, the OpenAPI document, problem
//! details for unknown routes, request ids, CORS.

mod common;

use common::{TestServer, json};
use gopimi_http::HttpConfig;
use reqwest::Method;

#[tokio::test]
async fn health_reports_the_store() {
    let s = TestServer::start().await;
    let (status, body) = json(s.req(Method::GET, "/health").send().await.expect("send")).await;
    assert_eq!(status, 200);
    assert_eq!(body["status"], "ok");
    s.stop().await;
}

#[tokio::test]
async fn unknown_routes_are_problems_and_carry_a_request_id() {
    let s = TestServer::start().await;
    let res = s
        .req(Method::GET, "/no/such/route")
        .send()
        .await
        .expect("send");
    assert_eq!(res.status().as_u16(), 404);
    assert_eq!(
        res.headers()["content-type"].to_str().expect("ct"),
        "application/problem+json"
    );
    assert!(res.headers().contains_key("x-request-id"));
    let (_, body) = json(res).await;
    assert_eq!(body["status"], 404);
    assert!(body["type"].as_str().expect("type").ends_with("no-route"));

    let res = s
        .req(Method::DELETE, "/health")
        .header("x-request-id", "abc-123")
        .send()
        .await
        .expect("send");
    assert_eq!(res.status().as_u16(), 405);
    assert_eq!(res.headers()["x-request-id"], "abc-123");
    s.stop().await;
}

#[tokio::test]
async fn openapi_document_is_3_1_and_lists_itself() {
    let s = TestServer::start().await;
    let (status, doc) = json(
        s.req(Method::GET, "/openapi.json")
            .send()
            .await
            .expect("send"),
    )
    .await;
    assert_eq!(status, 200);
    assert!(doc["openapi"].as_str().expect("version").starts_with("3.1"));
    assert!(doc["paths"]["/api/v1/openapi.json"]["get"].is_object());
    assert!(doc["paths"]["/api/v1/health"]["get"].is_object());
    s.stop().await;
}

#[tokio::test]
async fn cors_answers_preflight_for_configured_origins_only() {
    let s = TestServer::with_config(HttpConfig {
        cors_origins: vec!["https://app.example.com".into()],
        ..HttpConfig::default()
    })
    .await;
    let res = s
        .req(Method::OPTIONS, "/health")
        .header("origin", "https://app.example.com")
        .header("access-control-request-method", "GET")
        .send()
        .await
        .expect("send");
    assert_eq!(
        res.headers()["access-control-allow-origin"],
        "https://app.example.com"
    );
    let res = s
        .req(Method::GET, "/health")
        .header("origin", "https://evil.example.net")
        .send()
        .await
        .expect("send");
    assert!(!res.headers().contains_key("access-control-allow-origin"));
    s.stop().await;
}
