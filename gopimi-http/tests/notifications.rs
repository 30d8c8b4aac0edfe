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

const SECRET: &str = "inbound-secret";

/// Posts raw customer mail to the support address and waits (bounded) until it is processed.
async fn inbound(s: &TestServer, n: u32) {
    let mail = format!(
        "From: Jo <jo@customer.test>\r\nTo: support@acme.test\r\nSubject: Question {n}\r\nMessage-ID: <q{n}@customer.test>\r\n\r\nHello {n}\r\n"
    );
    let res = s
        .req(Method::POST, "/inbound/raw?recipient=support@acme.test")
        .bearer_auth(SECRET)
        .header("content-type", "message/rfc822")
        .body(mail)
        .send()
        .await
        .expect("send");
    let (status, body) = common::json(res).await;
    assert_eq!(status, 202);
    let id = body["id"].as_str().expect("id").to_owned();
    for _ in 0..400 {
        let (_, item) = common::json(
            s.req(Method::GET, &format!("/inbound/{id}"))
                .bearer_auth(SECRET)
                .send()
                .await
                .expect("status"),
        )
        .await;
        if item["status"] != "pending" {
            assert_eq!(item["status"], "processed", "{item}");
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!("inbound mail {n} was never processed");
}

/// The notification emails in the outbox addressed to `to`, waiting (bounded) for `n`.
async fn notifications_to(dir: &std::path::Path, to: &str, n: usize) -> Vec<String> {
    let mut found = Vec::new();
    for _ in 0..400 {
        found = std::fs::read_dir(dir)
            .expect("outbox")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "eml"))
            .filter_map(|p| std::fs::read_to_string(p).ok())
            .filter(|m| m.contains(&format!("<{to}>")) && m.contains("List-Unsubscribe-Post"))
            .collect();
        if found.len() >= n {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    found
}

#[tokio::test]
async fn one_click_unsubscribe_from_a_notification_email_turns_that_event_off() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = gopimi_http::HttpConfig {
        inbound_secret: Some(SECRET.into()),
        ..gopimi_http::HttpConfig::default()
    };
    let s = TestServer::with_workers(config, dir.path(), |st| st).await;
    let ada = s.register("ada@acme.test").await;
    let ws = s.workspace(&ada, "Acme").await;
    let (status, _) = s
        .call(
            &ada,
            Method::POST,
            &format!("/workspaces/{ws}/emails"),
            Some(json!({"address": "support@acme.test", "purpose": "ticket"})),
        )
        .await;
    assert_eq!(status, 201);

    // A customer writes; Ada (the only member, nobody assigned) is told, with a one-click link.
    inbound(&s, 1).await;
    let mails = notifications_to(dir.path(), "ada@acme.test", 1).await;
    assert_eq!(mails.len(), 1, "one notification to Ada");
    let link = mails[0]
        .lines()
        .find_map(|l| l.strip_prefix("List-Unsubscribe: <"))
        .and_then(|l| l.strip_suffix('>'))
        .expect("List-Unsubscribe header")
        .to_owned();
    assert!(mails[0].contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click"));
    assert!(link.starts_with(&s.base), "{link} points at this server");

    // Opening the link (or a mail scanner fetching it) only asks.
    let page = s
        .client
        .get(&link)
        .header("accept", "text/html")
        .send()
        .await
        .expect("get");
    assert_eq!(page.status().as_u16(), 200);
    let html = page.text().await.expect("html");
    assert!(html.contains("<form method=\"post\""), "{html}");
    let prefs_path = format!("/workspaces/{ws}/notification-preferences");
    let (_, prefs) = s.call(&ada, Method::GET, &prefs_path, None).await;
    assert_eq!(prefs["ticket_reply"], true, "a GET changes nothing");

    // A forged link (one character changed) is refused.
    let mut forged = link.clone();
    let last = forged.pop().expect("char");
    forged.push(if last == 'A' { 'B' } else { 'A' });
    let res = s.client.post(&forged).send().await.expect("post");
    assert_eq!(res.status().as_u16(), 401);

    // The RFC 8058 one-click POST, as a mail client sends it, without a session.
    let res = s
        .client
        .post(&link)
        .form(&[("List-Unsubscribe", "One-Click")])
        .send()
        .await
        .expect("post");
    let (status, body) = common::json(res).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "unsubscribed");
    assert_eq!(body["event"], "ticket_reply");
    assert_eq!(body["workspace_name"], "Acme");
    let (_, prefs) = s.call(&ada, Method::GET, &prefs_path, None).await;
    assert_eq!(prefs["ticket_reply"], false);
    assert_eq!(prefs["ticket_assigned"], true, "only that event is off");

    // Clicking again succeeds without changing anything.
    let (status, body) = common::json(s.client.post(&link).send().await.expect("post")).await;
    assert_eq!(
        (status, body["status"].as_str()),
        (200, Some("already_unsubscribed"))
    );

    // The next customer mail no longer notifies Ada; once she turns it back on, it does, and
    // the old link does not turn it off again.
    inbound(&s, 2).await;
    let (status, _) = s
        .call(
            &ada,
            Method::PUT,
            &prefs_path,
            Some(json!({"ticket_reply": true})),
        )
        .await;
    assert_eq!(status, 200);
    inbound(&s, 3).await;
    let mails = notifications_to(dir.path(), "ada@acme.test", 2).await;
    assert_eq!(
        mails.len(),
        2,
        "question 2 sent nothing; question 3 notified again"
    );
    assert!(mails.iter().all(|m| !m.contains("Question 2")));
    let (status, _) = common::json(s.client.post(&link).send().await.expect("post")).await;
    assert_eq!(status, 200);
    let (_, prefs) = s.call(&ada, Method::GET, &prefs_path, None).await;
    assert_eq!(
        prefs["ticket_reply"], true,
        "a used link cannot unsubscribe again"
    );
    s.stop().await;
}
