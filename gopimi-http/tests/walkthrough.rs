//! The walk-through a new user follows, end to end on a real socket: register, create a
//! workspace and its ticket email, receive mail on `/inbound/raw`, open a ticket, upload an
//! attachment and reply with it, and find the reply queued for sending.
//!
//! Inbound processing (mail into tickets) and the sending job are the pipeline's; this test
//! checks what the HTTP layer owes them: the raw mail is durable with its processing job, and
//! the reply is written with its `mail.send` job in the same commit.

mod common;

use common::{TestServer, json};
use gopimi_core::model::Job;
use gopimi_core::pipeline::{INBOUND_QUEUE, SEND_QUEUE};
use gopimi_core::store::{Filter, Kind, Query, StoreExt};
use gopimi_http::HttpConfig;
use reqwest::Method;
use reqwest::multipart::{Form, Part};
use serde_json::json;

const MAIL: &str = "From: Jo Customer <jo@customer.test>\r\nTo: support@acme.test\r\nSubject: Printer on fire\r\nMessage-ID: <walk-1@customer.test>\r\nDate: Mon, 23 Nov 2026 08:00:00 +0000\r\n\r\nIt is on fire. Please help.\r\n";

async fn jobs(s: &TestServer, queue: &str) -> Vec<Job> {
    s.store
        .find(&Query::new(Kind::Job, None).filter(Filter::Eq("queue", queue.into())))
        .await
        .expect("jobs")
}

#[tokio::test]
async fn register_to_reply_with_an_attachment() {
    let s = TestServer::with_config(HttpConfig {
        inbound_secret: Some("inbound-secret".into()),
        ..HttpConfig::default()
    })
    .await;
    let ada = s.register("ada@acme.test").await;
    let ws = s.workspace(&ada, "Acme Support").await;
    let (status, email) = s
        .call(
            &ada,
            Method::POST,
            &format!("/workspaces/{ws}/emails"),
            Some(json!({"address": "support@acme.test", "purpose": "ticket"})),
        )
        .await;
    assert_eq!(status, 201, "{email}");

    // Mail arrives.
    let (status, accepted) = json(
        s.req(Method::POST, "/inbound/raw?recipient=support@acme.test")
            .bearer_auth("inbound-secret")
            .header("content-type", "message/rfc822")
            .body(MAIL)
            .send()
            .await
            .expect("send"),
    )
    .await;
    assert_eq!(status, 202, "{accepted}");
    assert_eq!(
        jobs(&s, INBOUND_QUEUE).await.len(),
        1,
        "processing is queued with the mail"
    );

    // An agent opens a ticket for the customer and replies with an attachment.
    let (_, contact) = s
        .call(
            &ada,
            Method::POST,
            &format!("/workspaces/{ws}/contacts"),
            Some(json!({"email": "jo@customer.test", "name": "Jo Customer"})),
        )
        .await;
    let (status, ticket) = s
        .call(&ada, Method::POST, &format!("/workspaces/{ws}/tickets"),
            Some(json!({"subject": "Printer on fire", "priority": "urgent", "contact_id": contact["id"], "workspace_email_id": email["id"]})))
        .await;
    assert_eq!(status, 201, "{ticket}");
    let tid = ticket["id"].as_str().expect("id");
    let form = Form::new().part(
        "file",
        Part::bytes(b"step 1: unplug it".to_vec())
            .file_name("howto.txt")
            .mime_str("text/plain")
            .expect("mime"),
    );
    let (status, att) = json(
        s.as_user(&ada, Method::POST, &format!("/workspaces/{ws}/attachments"))
            .multipart(form)
            .send()
            .await
            .expect("upload"),
    )
    .await;
    assert_eq!(status, 201, "{att}");
    let (status, reply) = s
        .call(
            &ada,
            Method::POST,
            &format!("/workspaces/{ws}/tickets/{tid}/messages"),
            Some(
                json!({"body": "Unplug it first; steps attached.", "attachment_ids": [att["id"]]}),
            ),
        )
        .await;
    assert_eq!(status, 201, "{reply}");
    assert_eq!(reply["to"][0]["email"], "jo@customer.test");
    assert_eq!(reply["attachment_ids"], json!([att["id"]]));

    let sends = jobs(&s, SEND_QUEUE).await;
    assert_eq!(
        sends.len(),
        1,
        "the reply is queued for sending with its commit"
    );
    assert!(
        sends[0]
            .payload
            .to_string()
            .contains(reply["id"].as_str().expect("id"))
    );

    // The thread, the queue and the attachment's link all show it.
    let (_, thread) = s
        .call(
            &ada,
            Method::GET,
            &format!("/workspaces/{ws}/tickets/{tid}/messages"),
            None,
        )
        .await;
    assert_eq!(thread["meta"]["total"], 1);
    let (_, queue) = s
        .call(
            &ada,
            Method::GET,
            &format!("/workspaces/{ws}/tickets?priority=urgent&with=contact"),
            None,
        )
        .await;
    assert_eq!(queue["data"][0]["contact"]["name"], "Jo Customer");
    s.stop().await;
}
