//! Conversations of the shared and personal inboxes over HTTP.

mod common;

use common::TestServer;
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn shared_and_personal_conversations() {
    let s = TestServer::start().await;
    let t = s.team().await;
    let base = format!("/workspaces/{}/conversations", t.ws);

    let (status, shared) = s
        .call(
            &t.member,
            Method::POST,
            &base,
            Some(json!({"subject": "Partnership"})),
        )
        .await;
    assert_eq!(status, 201, "{shared}");
    let (status, personal) = s
        .call(
            &t.owner,
            Method::POST,
            &base,
            Some(json!({"subject": "Just mine", "owner_id": t.owner.id})),
        )
        .await;
    assert_eq!(status, 201, "{personal}");

    let (_, list) = s.call(&t.member, Method::GET, &base, None).await;
    assert_eq!(
        list["meta"]["total"], 1,
        "members see the shared inbox: {list}"
    );
    let (_, mine) = s
        .call(
            &t.owner,
            Method::GET,
            &format!("{base}?inbox=personal"),
            None,
        )
        .await;
    assert_eq!(mine["meta"]["total"], 1);
    assert_eq!(mine["data"][0]["subject"], "Just mine");
    let pid = personal["id"].as_str().expect("id");
    assert_eq!(
        s.call(&t.member, Method::GET, &format!("{base}/{pid}"), None)
            .await
            .0,
        404,
        "another's personal inbox"
    );

    let sid = shared["id"].as_str().expect("id");
    let (status, closed) = s
        .call(
            &t.member,
            Method::PATCH,
            &format!("{base}/{sid}"),
            Some(json!({"status": "closed"})),
        )
        .await;
    assert_eq!((status, closed["status"].as_str()), (200, Some("closed")));
    let (status, body) = s
        .call(
            &t.member,
            Method::PATCH,
            &format!("{base}/{sid}"),
            Some(json!({"status": "pending"})),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    let (status, body) = s
        .call(&t.member, Method::POST, &base, Some(json!({"subject": ""})))
        .await;
    assert_eq!(status, 422, "{body}");
    let (status, _) = s
        .call(
            &t.member,
            Method::GET,
            &format!("{base}?inbox=everyone"),
            None,
        )
        .await;
    assert_eq!(status, 422);

    // Messages and notes.
    let (status, note) = s
        .call(
            &t.member,
            Method::POST,
            &format!("{base}/{sid}/messages"),
            Some(json!({"body": "internal", "internal": true})),
        )
        .await;
    assert_eq!(
        (status, note["kind"].as_str()),
        (201, Some("note")),
        "{note}"
    );
    let (_, thread) = s
        .call(
            &t.owner,
            Method::GET,
            &format!("{base}/{sid}/messages"),
            None,
        )
        .await;
    assert_eq!(thread["meta"]["total"], 1);
    let nid = note["id"].as_str().expect("id");
    assert_eq!(
        s.call(
            &t.member,
            Method::PATCH,
            &format!("{base}/{sid}/messages/{nid}"),
            Some(json!({"body": "edited"}))
        )
        .await
        .0,
        200
    );
    assert_eq!(
        s.call(
            &t.member,
            Method::DELETE,
            &format!("{base}/{sid}/messages/{nid}"),
            None
        )
        .await
        .0,
        204
    );

    // Tags, activities, trash, spam, bulk, permanent deletion.
    let (_, tag) = s
        .call(
            &t.member,
            Method::POST,
            &format!("/workspaces/{}/tags", t.ws),
            Some(json!({"name": "lead"})),
        )
        .await;
    let (status, tagged) = s
        .call(
            &t.member,
            Method::PUT,
            &format!("{base}/{sid}/tags"),
            Some(json!({"tag_ids": [tag["id"]]})),
        )
        .await;
    assert_eq!(
        (status, tagged["tag_ids"].clone()),
        (200, json!([tag["id"]]))
    );
    let (status, _) = s
        .call(
            &t.member,
            Method::GET,
            &format!("{base}/{sid}/activities"),
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        s.call(&t.member, Method::DELETE, &format!("{base}/{sid}"), None)
            .await
            .0,
        200
    );
    let (_, trash) = s
        .call(&t.member, Method::GET, &format!("{base}/trash"), None)
        .await;
    assert_eq!(trash["meta"]["total"], 1);
    assert_eq!(
        s.call(
            &t.member,
            Method::POST,
            &format!("{base}/{sid}/restore"),
            None
        )
        .await
        .0,
        200
    );
    assert_eq!(
        s.call(&t.member, Method::POST, &format!("{base}/{sid}/spam"), None)
            .await
            .0,
        200
    );
    let (_, spam) = s
        .call(&t.member, Method::GET, &format!("{base}/spam"), None)
        .await;
    assert_eq!(spam["meta"]["total"], 1);
    assert_eq!(
        s.call(
            &t.member,
            Method::DELETE,
            &format!("{base}/{sid}/spam"),
            None
        )
        .await
        .0,
        200
    );
    let (status, report) = s
        .call(
            &t.member,
            Method::POST,
            &format!("{base}/bulk"),
            Some(json!({"ids": [sid], "action": "status", "status": "open"})),
        )
        .await;
    assert_eq!(
        (status, report["succeeded"].as_u64()),
        (200, Some(1)),
        "{report}"
    );
    assert_eq!(
        s.call(&t.member, Method::DELETE, &format!("{base}/spam"), None)
            .await
            .0,
        403
    );
    assert_eq!(
        s.call(
            &t.member,
            Method::DELETE,
            &format!("{base}/{sid}/permanent"),
            None
        )
        .await
        .0,
        403
    );
    assert_eq!(
        s.call(
            &t.owner,
            Method::DELETE,
            &format!("{base}/{sid}/permanent"),
            None
        )
        .await
        .0,
        204
    );

    // Other workspaces and anonymous callers.
    assert_eq!(
        s.call(&t.outsider, Method::GET, &format!("{base}/{pid}"), None)
            .await
            .0,
        404
    );
    assert_eq!(
        s.call(
            &t.outsider,
            Method::GET,
            &format!("/workspaces/{}/conversations/{pid}", t.other_ws),
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
    s.stop().await;
}
