//! End to end on a real socket with the workers running in-process: mail in through
//! `/inbound/raw` (and Mailgun's signed webhook), a ticket out of it, a reply with an
//! attachment written to the outbox with the right threading headers, and the customer's answer
//! threaded back into the same ticket.

mod common;

use common::{TestServer, User, json};
use gopimi_http::{AppState, HttpConfig};
use mail_parser::{MessageParser, MimeHeaders};
use reqwest::Method;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::time::Duration;

const SECRET: &str = "inbound-secret";

fn config() -> HttpConfig {
    HttpConfig {
        inbound_secret: Some(SECRET.into()),
        ..HttpConfig::default()
    }
}

async fn post_raw(s: &TestServer, mail: &str) -> String {
    let (status, body) = json(
        s.req(Method::POST, "/inbound/raw?recipient=support@acme.test")
            .bearer_auth(SECRET)
            .header("content-type", "message/rfc822")
            .body(mail.to_owned())
            .send()
            .await
            .expect("send"),
    )
    .await;
    assert_eq!(status, 202, "{body}");
    body["id"].as_str().expect("id").to_owned()
}

/// Waits (bounded) until the inbound item is no longer pending; its status document.
async fn settled(s: &TestServer, id: &str) -> Value {
    for _ in 0..400 {
        let (status, body) = json(
            s.req(Method::GET, &format!("/inbound/{id}"))
                .bearer_auth(SECRET)
                .send()
                .await
                .expect("send"),
        )
        .await;
        assert_eq!(status, 200);
        if body["status"] != "pending" {
            return body;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("inbound item {id} was never processed");
}

/// Waits (bounded) until the outbox holds `n` messages; their paths in send order.
/// The first `.eml` in the outbox addressed to `to` (members' notification emails land in
/// the same outbox), waiting for it to be written.
async fn outbox_to(dir: &Path, to: &str) -> Vec<u8> {
    for _ in 0..400 {
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
            .expect("outbox")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "eml"))
            .collect();
        files.sort();
        for f in files {
            let raw = std::fs::read(&f).expect("eml");
            let addressed = MessageParser::default().parse(&raw).is_some_and(|m| {
                m.to().and_then(|a| a.first()).and_then(|a| a.address()) == Some(to)
            });
            if addressed {
                return raw;
            }
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("the outbox never held a message to {to}");
}

async fn set_up(s: &TestServer) -> (User, String) {
    let ada = s.register("ada@acme.test").await;
    let ws = s.workspace(&ada, "Acme Support").await;
    let (status, email) = s
        .call(&ada, Method::POST, &format!("/workspaces/{ws}/emails"),
            Some(json!({"address": "support@acme.test", "purpose": "ticket", "display_name": "Acme Support"})))
        .await;
    assert_eq!(status, 201, "{email}");
    (ada, ws)
}

/// Replies with an attachment; returns the outbox file's parsed Message-ID.
async fn reply_and_read_outbox(
    s: &TestServer,
    ada: &User,
    ws: &str,
    ticket: &str,
    dir: &Path,
    first_id: &str,
) -> String {
    let form = Form::new().part(
        "file",
        Part::bytes(b"Step 1: unplug it.".to_vec())
            .file_name("howto.txt")
            .mime_str("text/plain")
            .expect("mime"),
    );
    let (status, att) = json(
        s.as_user(ada, Method::POST, &format!("/workspaces/{ws}/attachments"))
            .multipart(form)
            .send()
            .await
            .expect("upload"),
    )
    .await;
    assert_eq!(status, 201, "{att}");
    let (status, reply) = s
        .call(
            ada,
            Method::POST,
            &format!("/workspaces/{ws}/tickets/{ticket}/messages"),
            Some(
                json!({"body": "Unplug it first; steps attached.", "attachment_ids": [att["id"]]}),
            ),
        )
        .await;
    assert_eq!(status, 201, "{reply}");

    let raw = outbox_to(dir, "jo@customer.test").await;
    let msg = MessageParser::default().parse(&raw).expect("parses");
    assert_eq!(
        msg.to().and_then(|a| a.first()).and_then(|a| a.address()),
        Some("jo@customer.test")
    );
    assert_eq!(
        msg.in_reply_to().as_text(),
        Some(first_id),
        "In-Reply-To names the customer's mail"
    );
    let refs: Vec<String> = msg
        .references()
        .as_text_list()
        .map(|l| l.iter().map(|r| r.to_string()).collect())
        .or_else(|| msg.references().as_text().map(|r| vec![r.to_owned()]))
        .unwrap_or_default();
    assert!(
        refs.iter().any(|r| r == first_id),
        "References carry the thread: {refs:?}"
    );
    assert!(
        msg.attachments()
            .any(|a| a.attachment_name() == Some("howto.txt")),
        "the attachment travels with the reply"
    );
    msg.message_id().expect("our Message-ID").to_owned()
}

/// The delivery state of our reply `ours`, as the messages list shows it.
async fn our_delivery(s: &TestServer, ada: &User, ws: &str, ticket: &str, ours: &str) -> Value {
    let (_, thread) = s
        .call(
            ada,
            Method::GET,
            &format!("/workspaces/{ws}/tickets/{ticket}/messages"),
            None,
        )
        .await;
    thread["data"]
        .as_array()
        .expect("data")
        .iter()
        .find(|m| m["rfc_message_id"] == ours)
        .map(|m| m["delivery"].clone())
        .expect("our reply")
}

fn answer(our_id: &str, first_id: &str) -> String {
    format!(
        "From: Jo Customer <jo@customer.test>\r\nTo: Acme Support <support@acme.test>\r\nSubject: Re: Printer on fire\r\nMessage-ID: <answer-1@customer.test>\r\nIn-Reply-To: <{our_id}>\r\nReferences: <{first_id}> <{our_id}>\r\nDate: Mon, 23 Nov 2026 09:00:00 +0000\r\n\r\nUnplugged. The fire is out, thanks!\r\n"
    )
}

#[tokio::test]
async fn raw_mail_to_ticket_reply_and_threaded_answer() {
    let dir = tempfile::tempdir().expect("tempdir");
    let s = TestServer::with_workers(config(), dir.path(), |st| st).await;
    let (ada, ws) = set_up(&s).await;

    let first = "From: Jo Customer <jo@customer.test>\r\nTo: support@acme.test\r\nSubject: Printer on fire\r\nMessage-ID: <first-1@customer.test>\r\nDate: Mon, 23 Nov 2026 08:00:00 +0000\r\n\r\nIt is on fire. Please help.\r\n";
    let item = settled(&s, &post_raw(&s, first).await).await;
    assert_eq!(item["status"], "processed", "{item}");
    let ticket = item["ticket_id"].as_str().expect("ticket").to_owned();

    let (status, t) = s
        .call(
            &ada,
            Method::GET,
            &format!("/workspaces/{ws}/tickets/{ticket}?with=contact"),
            None,
        )
        .await;
    assert_eq!(status, 200, "{t}");
    assert_eq!(t["subject"], "Printer on fire");
    assert_eq!(t["contact"]["email"], "jo@customer.test");

    let ours =
        reply_and_read_outbox(&s, &ada, &ws, &ticket, dir.path(), "first-1@customer.test").await;

    let item = settled(
        &s,
        &post_raw(&s, &answer(&ours, "first-1@customer.test")).await,
    )
    .await;
    assert_eq!(item["status"], "processed", "{item}");
    assert_eq!(
        item["ticket_id"].as_str(),
        Some(ticket.as_str()),
        "threaded into the same ticket"
    );
    let (_, thread) = s
        .call(
            &ada,
            Method::GET,
            &format!("/workspaces/{ws}/tickets/{ticket}/messages"),
            None,
        )
        .await;
    let kinds: Vec<&str> = thread["data"]
        .as_array()
        .expect("data")
        .iter()
        .filter_map(|m| m["kind"].as_str())
        .collect();
    assert_eq!(kinds, ["inbound", "outbound", "inbound"], "{thread}");
    let (_, list) = s
        .call(
            &ada,
            Method::GET,
            &format!("/workspaces/{ws}/tickets"),
            None,
        )
        .await;
    assert_eq!(list["meta"]["total"], 1, "no second ticket");

    // Mail to an address nobody owns is kept aside, and says why.
    let stray = "From: x@y.test\r\nTo: nobody@acme.test\r\nSubject: hi\r\nMessage-ID: <stray@y.test>\r\n\r\nhi\r\n";
    let (status, body) = json(
        s.req(Method::POST, "/inbound/raw?recipient=nobody@acme.test")
            .bearer_auth(SECRET)
            .header("content-type", "message/rfc822")
            .body(stray)
            .send()
            .await
            .expect("send"),
    )
    .await;
    assert_eq!(status, 202);
    let item = settled(&s, body["id"].as_str().expect("id")).await;
    assert_eq!(item["status"], "skipped");
    assert!(item["reason"].is_string(), "{item}");
    s.stop().await;
}

#[cfg(feature = "mailgun")]
#[tokio::test]
async fn the_same_through_mailgun_signed_webhooks() {
    use gopimi_core::clock::{Clock, SystemClock};
    use gopimi_mailgun::signature::sign;
    use gopimi_mailgun::{MailgunWebhooks, StoreReplayGuard, WebhookVerifier};
    use std::sync::Arc;

    const KEY: &str = "mailgun-signing-key";
    let dir = tempfile::tempdir().expect("tempdir");
    let s = TestServer::with_workers(config(), dir.path(), |st: AppState| {
        let verifier = WebhookVerifier::new(
            KEY.to_owned(),
            st.clock().clone(),
            Arc::new(StoreReplayGuard::new(st.store().clone())),
        );
        st.with_mailgun(MailgunWebhooks::new(verifier))
    })
    .await;
    let (ada, ws) = set_up(&s).await;
    let mailgun = |mime: String, n: u64| {
        let ts = SystemClock.now().timestamp().to_string();
        let token = format!("{n:050x}");
        let sig = sign(KEY, &ts, &token);
        s.req(Method::POST, "/inbound/mailgun")
            .form(&[
                ("recipient", "support@acme.test".to_owned()),
                ("sender", "jo@customer.test".to_owned()),
                ("body-mime", mime),
                ("timestamp", ts),
                ("token", token),
                ("signature", sig),
            ])
            .send()
    };
    let first = "From: Jo Customer <jo@customer.test>\r\nTo: support@acme.test\r\nSubject: Printer on fire\r\nMessage-ID: <mg-first@customer.test>\r\nDate: Mon, 23 Nov 2026 08:00:00 +0000\r\n\r\nIt is on fire.\r\n";
    let (status, body) = json(mailgun(first.to_owned(), 11).await.expect("send")).await;
    assert_eq!(status, 200, "{body}");
    let item = settled(&s, body["id"].as_str().expect("id")).await;
    assert_eq!(item["status"], "processed", "{item}");
    let ticket = item["ticket_id"].as_str().expect("ticket").to_owned();

    let ours =
        reply_and_read_outbox(&s, &ada, &ws, &ticket, dir.path(), "mg-first@customer.test").await;
    let (status, body) = json(
        mailgun(answer(&ours, "mg-first@customer.test"), 12)
            .await
            .expect("send"),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let item = settled(&s, body["id"].as_str().expect("id")).await;
    assert_eq!(item["ticket_id"].as_str(), Some(ticket.as_str()), "{item}");

    // Mailgun reports on our reply through its event webhook (JSON, as it sends them now;
    // the Message-Id without angle brackets).
    let event = |n: u64, event: &str, severity: Option<&str>, message_id: &str| {
        let ts = SystemClock.now().timestamp().to_string();
        let token = format!("{n:050x}");
        let sig = sign(KEY, &ts, &token);
        let mut data = json!({
            "event": event,
            "id": format!("ev{n}"),
            "timestamp": SystemClock.now().timestamp() as f64 + 0.25,
            "recipient": "jo@customer.test",
            "message": {"headers": {"message-id": message_id, "to": "jo@customer.test"}},
        });
        if let Some(sev) = severity {
            data["severity"] = json!(sev);
            data["reason"] = json!("bounce");
            data["delivery-status"] =
                json!({"code": 550, "message": "5.1.1 The email account does not exist"});
        } else {
            data["delivery-status"] = json!({"code": 250, "message": "OK"});
        }
        let body = json!({"signature": {"timestamp": ts, "token": token, "signature": sig}, "event-data": data});
        s.req(Method::POST, "/inbound/mailgun/events")
            .json(&body)
            .send()
    };
    let (status, body) = json(event(21, "delivered", None, &ours).await.expect("send")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "updated", "{body}");
    assert_eq!(
        our_delivery(&s, &ada, &ws, &ticket, &ours).await["status"],
        "delivered"
    );
    // A hard bounce arriving later is what the agent must see; a replay of it is refused.
    let (status, body) = json(
        event(22, "failed", Some("permanent"), &ours)
            .await
            .expect("send"),
    )
    .await;
    assert_eq!(
        (status, body["delivery_status"].as_str()),
        (200, Some("failed")),
        "{body}"
    );
    let d = our_delivery(&s, &ada, &ws, &ticket, &ours).await;
    assert_eq!(d["status"], "failed");
    assert!(
        d["reason"]
            .as_str()
            .is_some_and(|r| r.contains("jo@customer.test") && r.contains("550")),
        "{d}"
    );
    let (_, log) = s
        .call(
            &ada,
            Method::GET,
            &format!("/workspaces/{ws}/tickets/{ticket}/activities"),
            None,
        )
        .await;
    assert!(
        log["data"]
            .as_array()
            .expect("data")
            .iter()
            .any(|a| a["action"] == "delivery_failed"),
        "{log}"
    );
    assert_eq!(
        event(22, "failed", Some("permanent"), &ours)
            .await
            .expect("send")
            .status()
            .as_u16(),
        401
    );
    // Events about mail we never sent are acknowledged (so Mailgun stops) and change nothing.
    let (status, body) = json(
        event(23, "failed", Some("permanent"), "someone-else@example.net")
            .await
            .expect("send"),
    )
    .await;
    assert_eq!(
        (status, body["status"].as_str()),
        (200, Some("ignored")),
        "{body}"
    );
    s.stop().await;
}
