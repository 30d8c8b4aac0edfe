//! Tickets, messages and notes, trash, spam, bulk actions, tags and activities over HTTP.

mod common;

use common::{TestServer, json};
use reqwest::Method;
use serde_json::{Value, json};

async fn ticket(s: &TestServer, user: &common::User, ws: &str, body: Value) -> Value {
    let (status, t) = s
        .call(
            user,
            Method::POST,
            &format!("/workspaces/{ws}/tickets"),
            Some(body),
        )
        .await;
    assert_eq!(status, 201, "{t}");
    t
}

#[tokio::test]
async fn create_list_filter_get_and_update() {
    let s = TestServer::start().await;
    let t = s.team().await;
    let ws = &t.ws;
    let (_, contact) = s
        .call(
            &t.member,
            Method::POST,
            &format!("/workspaces/{ws}/contacts"),
            Some(json!({"email": "jo@customer.test", "name": "Jo"})),
        )
        .await;
    let (_, tag) = s
        .call(
            &t.member,
            Method::POST,
            &format!("/workspaces/{ws}/tags"),
            Some(json!({"name": "billing"})),
        )
        .await;
    let a = ticket(&s, &t.member, ws, json!({"subject": "Printer on fire", "priority": "urgent", "contact_id": contact["id"], "tag_ids": [tag["id"]]})).await;
    assert_eq!(a["number"], 1);
    assert_eq!(a["status"], "open");
    let b = ticket(
        &s,
        &t.member,
        ws,
        json!({"subject": "Refund please", "priority": "low", "agent_id": t.member.id}),
    )
    .await;
    assert_eq!(b["number"], 2);

    let base = format!("/workspaces/{ws}/tickets");
    let (status, list) = s
        .call(&t.owner, Method::GET, &format!("{base}?sort=number"), None)
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        list["meta"],
        json!({"page": 1, "per_page": 25, "total": 2, "last_page": 1})
    );
    assert_eq!(list["data"][0]["number"], 1);

    let (_, urgent) = s
        .call(
            &t.owner,
            Method::GET,
            &format!("{base}?priority=urgent,high"),
            None,
        )
        .await;
    assert_eq!(urgent["meta"]["total"], 1);
    assert_eq!(urgent["data"][0]["subject"], "Printer on fire");
    let (_, mine) = s
        .call(
            &t.owner,
            Method::GET,
            &format!("{base}?agent_id={}", t.member.id),
            None,
        )
        .await;
    assert_eq!(mine["data"][0]["number"], 2);
    let (_, found) = s
        .call(
            &t.owner,
            Method::GET,
            &format!("{base}?search=refund"),
            None,
        )
        .await;
    assert_eq!(found["meta"]["total"], 1);
    let (_, tagged) = s
        .call(
            &t.owner,
            Method::GET,
            &format!("{base}?tag=billing&with=contact,agent,tags"),
            None,
        )
        .await;
    assert_eq!(tagged["meta"]["total"], 1);
    assert_eq!(tagged["data"][0]["contact"]["email"], "jo@customer.test");
    assert_eq!(tagged["data"][0]["tags"][0]["name"], "billing");
    let (_, paged) = s
        .call(
            &t.owner,
            Method::GET,
            &format!("{base}?per_page=1&page=2&sort=-number"),
            None,
        )
        .await;
    assert_eq!(paged["meta"]["last_page"], 2);
    assert_eq!(paged["data"][0]["number"], 1);
    let (_, dated) = s
        .call(
            &t.owner,
            Method::GET,
            &format!("{base}?date_to=2000-01-01"),
            None,
        )
        .await;
    assert_eq!(dated["meta"]["total"], 0);

    for bad in [
        "status=done",
        "priority=meh",
        "sort=password",
        "per_page=500&page=0",
        "with=everything",
        "date_from=yesterday",
        "agent_id=nope",
    ] {
        let (status, body) = s
            .call(&t.owner, Method::GET, &format!("{base}?{bad}"), None)
            .await;
        assert_eq!(status, 422, "{bad}: {body}");
        assert!(body["errors"].is_object(), "{bad}: {body}");
    }

    let id = a["id"].as_str().expect("id");
    let (status, got) = s
        .call(
            &t.member,
            Method::GET,
            &format!("{base}/{id}?with=contact"),
            None,
        )
        .await;
    assert_eq!((status, got["contact"]["name"].as_str()), (200, Some("Jo")));
    let (status, upd) = s
        .call(
            &t.member,
            Method::PATCH,
            &format!("{base}/{id}"),
            Some(json!({"status": "pending", "agent_id": t.owner.id})),
        )
        .await;
    assert_eq!(status, 200, "{upd}");
    assert_eq!(upd["status"], "pending");
    let (status, cleared) = s
        .call(
            &t.member,
            Method::PATCH,
            &format!("{base}/{id}"),
            Some(json!({"agent_id": null})),
        )
        .await;
    assert_eq!((status, cleared["agent_id"].clone()), (200, Value::Null));
    let (status, body) = s
        .call(
            &t.member,
            Method::PATCH,
            &format!("{base}/{id}"),
            Some(json!({"status": "done"})),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    assert!(body["errors"]["status"].is_array(), "{body}");
    let (status, body) = s
        .call(&t.member, Method::POST, &base, Some(json!({"subject": ""})))
        .await;
    assert_eq!(status, 422);
    assert!(body["errors"]["subject"].is_array(), "{body}");

    let (status, acts) = s
        .call(
            &t.member,
            Method::GET,
            &format!("{base}/{id}/activities"),
            None,
        )
        .await;
    assert_eq!(status, 200);
    assert!(
        acts["meta"]["total"].as_u64().expect("total") >= 2,
        "{acts}"
    );
    s.stop().await;
}

#[tokio::test]
async fn other_workspaces_and_anonymous_callers_see_nothing() {
    let s = TestServer::start().await;
    let t = s.team().await;
    let a = ticket(&s, &t.owner, &t.ws, json!({"subject": "Secret"})).await;
    let id = a["id"].as_str().expect("id");
    let own = format!("/workspaces/{}/tickets/{id}", t.ws);
    let theirs = format!("/workspaces/{}/tickets/{id}", t.other_ws);
    for (method, suffix, body) in [
        (Method::GET, "", None),
        (Method::PATCH, "", Some(json!({"subject": "mine now"}))),
        (Method::DELETE, "", None),
        (Method::GET, "/messages", None),
        (
            Method::POST,
            "/messages",
            Some(json!({"body": "hi", "internal": true})),
        ),
        (Method::GET, "/activities", None),
        (Method::PUT, "/tags", Some(json!({"tag_ids": []}))),
        (Method::POST, "/spam", None),
        (Method::POST, "/restore", None),
        (Method::DELETE, "/permanent", None),
    ] {
        let (status, _) = s
            .call(
                &t.outsider,
                method.clone(),
                &format!("{own}{suffix}"),
                body.clone(),
            )
            .await;
        assert_eq!(status, 404, "outsider {method} {own}{suffix}");
        let (status, _) = s
            .call(
                &t.outsider,
                method.clone(),
                &format!("{theirs}{suffix}"),
                body.clone(),
            )
            .await;
        assert_eq!(
            status, 404,
            "outsider through own workspace {method} {theirs}{suffix}"
        );
        let mut r = s.req(method.clone(), &format!("{own}{suffix}"));
        if let Some(b) = &body {
            r = r.json(b);
        }
        assert_eq!(
            r.send().await.expect("send").status().as_u16(),
            401,
            "anonymous {method} {suffix}"
        );
    }
    let (_, list) = s
        .call(
            &t.outsider,
            Method::GET,
            &format!("/workspaces/{}/tickets", t.other_ws),
            None,
        )
        .await;
    assert_eq!(list["meta"]["total"], 0);
    assert_eq!(
        s.call(&t.owner, Method::GET, &own, None).await.0,
        200,
        "untouched"
    );
    s.stop().await;
}

#[tokio::test]
async fn trash_spam_permanent_deletion_and_bulk() {
    let s = TestServer::start().await;
    let t = s.team().await;
    let ws = &t.ws;
    let base = format!("/workspaces/{ws}/tickets");
    let a = ticket(&s, &t.member, ws, json!({"subject": "A"})).await;
    let b = ticket(&s, &t.member, ws, json!({"subject": "B"})).await;
    let c = ticket(&s, &t.member, ws, json!({"subject": "C"})).await;
    let (ida, idb, idc) = (
        a["id"].as_str().expect("a"),
        b["id"].as_str().expect("b"),
        c["id"].as_str().expect("c"),
    );

    assert_eq!(
        s.call(&t.member, Method::DELETE, &format!("{base}/{ida}"), None)
            .await
            .0,
        200
    );
    let (_, trash) = s
        .call(&t.member, Method::GET, &format!("{base}/trash"), None)
        .await;
    assert_eq!(trash["meta"]["total"], 1);
    let (_, queue) = s.call(&t.member, Method::GET, &base, None).await;
    assert_eq!(queue["meta"]["total"], 2);
    assert_eq!(
        s.call(
            &t.member,
            Method::POST,
            &format!("{base}/{ida}/restore"),
            None
        )
        .await
        .0,
        200
    );

    assert_eq!(
        s.call(&t.member, Method::POST, &format!("{base}/{idb}/spam"), None)
            .await
            .0,
        200
    );
    let (_, spam) = s
        .call(&t.member, Method::GET, &format!("{base}/spam"), None)
        .await;
    assert_eq!(spam["data"][0]["id"], idb);
    assert_eq!(
        s.call(
            &t.member,
            Method::DELETE,
            &format!("{base}/{idb}/spam"),
            None
        )
        .await
        .0,
        200
    );
    assert_eq!(
        s.call(&t.member, Method::POST, &format!("{base}/{idb}/spam"), None)
            .await
            .0,
        200
    );
    assert_eq!(
        s.call(&t.member, Method::DELETE, &format!("{base}/spam"), None)
            .await
            .0,
        403
    );
    let (status, deleted) = s
        .call(&t.owner, Method::DELETE, &format!("{base}/spam"), None)
        .await;
    assert_eq!((status, deleted["deleted"].as_u64()), (200, Some(1)));

    assert_eq!(
        s.call(
            &t.member,
            Method::DELETE,
            &format!("{base}/{idc}/permanent"),
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
            &format!("{base}/{idc}/permanent"),
            None
        )
        .await
        .0,
        204
    );
    assert_eq!(
        s.call(&t.owner, Method::GET, &format!("{base}/{idc}"), None)
            .await
            .0,
        404
    );

    // Bulk: one result per id; another workspace's id fails alone.
    let foreign = ticket(&s, &t.outsider, &t.other_ws, json!({"subject": "theirs"})).await;
    let (status, report) = s
        .call(
            &t.member,
            Method::POST,
            &format!("{base}/bulk"),
            Some(json!({"ids": [ida, foreign["id"]], "action": "status", "status": "resolved"})),
        )
        .await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(
        (report["succeeded"].as_u64(), report["failed"].as_u64()),
        (Some(1), Some(1))
    );
    assert_eq!(report["results"][1]["status"], 404);
    let (_, got) = s
        .call(&t.member, Method::GET, &format!("{base}/{ida}"), None)
        .await;
    assert_eq!(got["status"], "resolved");
    let (status, body) = s
        .call(
            &t.member,
            Method::POST,
            &format!("{base}/bulk"),
            Some(json!({"ids": [ida], "action": "explode"})),
        )
        .await;
    assert_eq!(status, 422);
    assert!(body["errors"]["action"].is_array(), "{body}");

    // Tags: replace the set.
    let (_, tag) = s
        .call(
            &t.member,
            Method::POST,
            &format!("/workspaces/{ws}/tags"),
            Some(json!({"name": "vip"})),
        )
        .await;
    let (status, tagged) = s
        .call(
            &t.member,
            Method::PUT,
            &format!("{base}/{ida}/tags"),
            Some(json!({"tag_ids": [tag["id"]]})),
        )
        .await;
    assert_eq!(status, 200, "{tagged}");
    assert_eq!(tagged["tag_ids"], json!([tag["id"]]));
    let (status, _) = s
        .call(
            &t.member,
            Method::PUT,
            &format!("{base}/{ida}/tags"),
            Some(json!({"tag_ids": [foreign["id"]]})),
        )
        .await;
    assert_eq!(status, 404, "a tag id of nothing in this workspace");
    s.stop().await;
}

#[tokio::test]
async fn notes_and_replies_on_a_ticket() {
    let s = TestServer::start().await;
    let t = s.team().await;
    let ws = &t.ws;
    let (_, contact) = s
        .call(
            &t.member,
            Method::POST,
            &format!("/workspaces/{ws}/contacts"),
            Some(json!({"email": "jo@customer.test"})),
        )
        .await;
    let a = ticket(
        &s,
        &t.member,
        ws,
        json!({"subject": "Help", "contact_id": contact["id"]}),
    )
    .await;
    let base = format!(
        "/workspaces/{ws}/tickets/{}/messages",
        a["id"].as_str().expect("id")
    );

    let (status, note) = s
        .call(
            &t.member,
            Method::POST,
            &base,
            Some(json!({"body": "call them back", "internal": true})),
        )
        .await;
    assert_eq!(status, 201, "{note}");
    assert_eq!(note["kind"], "note");
    let nid = note["id"].as_str().expect("id");
    let (status, edited) = s
        .call(
            &t.member,
            Method::PATCH,
            &format!("{base}/{nid}"),
            Some(json!({"body": "called"})),
        )
        .await;
    assert_eq!(
        (status, edited["body_text"].as_str()),
        (200, Some("called")),
        "{edited}"
    );

    let (status, reply) = s
        .call(
            &t.member,
            Method::POST,
            &base,
            Some(json!({"body": "We are on it."})),
        )
        .await;
    assert_eq!(status, 201, "{reply}");
    assert_eq!(reply["kind"], "outbound");
    assert_eq!(reply["to"][0]["email"], "jo@customer.test");
    assert_eq!(reply["delivery"]["status"], "queued");

    let (status, body) = s
        .call(&t.member, Method::POST, &base, Some(json!({"body": ""})))
        .await;
    assert_eq!(status, 422, "{body}");
    let (status, body) = s
        .call(
            &t.member,
            Method::POST,
            &base,
            Some(json!({"body": "x", "to": [{"email": "not an address"}]})),
        )
        .await;
    assert_eq!(status, 422, "{body}");

    let (_, thread) = s.call(&t.owner, Method::GET, &base, None).await;
    assert_eq!(thread["meta"]["total"], 2);
    assert_eq!(
        s.call(&t.member, Method::DELETE, &format!("{base}/{nid}"), None)
            .await
            .0,
        204
    );
    let (_, thread) = s.call(&t.owner, Method::GET, &base, None).await;
    assert_eq!(thread["meta"]["total"], 1);
    let res = s.req(Method::GET, &base).send().await.expect("send");
    assert_eq!(json(res).await.0, 401);
    s.stop().await;
}
