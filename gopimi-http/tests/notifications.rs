//! Notification preferences over HTTP.

mod common;

use common::TestServer;
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn preferences_default_on_and_change_per_member() {
    let s = TestServer::start().await;
    let t = s.team().await;
    let path = format!("/workspaces/{}/notification-preferences", t.ws);
    let (status, prefs) = s.call(&t.member, Method::GET, &path, None).await;
    assert_eq!(status, 200, "{prefs}");
    for e in [
        "ticket_assigned",
        "ticket_reply",
        "conversation_message",
        "ticket_status_changed",
        "sla_breach",
    ] {
        assert_eq!(prefs[e], true, "{e}");
    }
    let (status, prefs) = s
        .call(
            &t.member,
            Method::PUT,
            &path,
            Some(json!({"ticket_reply": false})),
        )
        .await;
    assert_eq!(
        (status, prefs["ticket_reply"].as_bool()),
        (200, Some(false))
    );
    let (_, owner) = s.call(&t.owner, Method::GET, &path, None).await;
    assert_eq!(owner["ticket_reply"], true, "per member");
    let (status, body) = s
        .call(
            &t.member,
            Method::PUT,
            &path,
            Some(json!({"ticket_reply": "nope"})),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    assert!(body["errors"]["ticket_reply"].is_array(), "{body}");
    assert_eq!(s.call(&t.outsider, Method::GET, &path, None).await.0, 404);
    assert_eq!(
        s.req(Method::GET, &path)
            .send()
            .await
            .expect("send")
            .status()
            .as_u16(),
        401
    );
    s.stop().await;
}
