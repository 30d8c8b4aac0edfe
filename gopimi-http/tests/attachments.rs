//! Attachments: multipart upload, download, limits, and a reply that carries one.

mod common;

use common::{TestServer, json};
use gopimi_http::HttpConfig;
use reqwest::Method;
use reqwest::multipart::{Form, Part};
use serde_json::json;

fn file(bytes: Vec<u8>, name: &str, ct: &str) -> Form {
    Form::new().part(
        "file",
        Part::bytes(bytes)
            .file_name(name.to_owned())
            .mime_str(ct)
            .expect("mime"),
    )
}

#[tokio::test]
async fn upload_download_attach_and_delete() {
    let s = TestServer::start().await;
    let t = s.team().await;
    let base = format!("/workspaces/{}/attachments", t.ws);
    let bytes = b"%PDF-1.4 not really a pdf".to_vec();
    let (status, a) = json(
        s.as_user(&t.member, Method::POST, &base)
            .multipart(file(bytes.clone(), "invoice.pdf", "application/pdf"))
            .send()
            .await
            .expect("send"),
    )
    .await;
    assert_eq!(status, 201, "{a}");
    assert_eq!(a["filename"], "invoice.pdf");
    assert_eq!(a["size"], bytes.len());
    assert!(a.get("blob_key").is_none());
    let id = a["id"].as_str().expect("id");

    let res = s
        .as_user(&t.owner, Method::GET, &format!("{base}/{id}"))
        .send()
        .await
        .expect("send");
    assert_eq!(res.status().as_u16(), 200);
    assert_eq!(res.headers()["content-type"], "application/pdf");
    assert!(
        res.headers()["content-disposition"]
            .to_str()
            .expect("ascii")
            .contains("invoice.pdf")
    );
    assert_eq!(res.headers()["x-content-type-options"], "nosniff");
    assert_eq!(res.bytes().await.expect("bytes").to_vec(), bytes);
    assert_eq!(
        s.call(&t.outsider, Method::GET, &format!("{base}/{id}"), None)
            .await
            .0,
        404
    );
    assert_eq!(
        s.call(
            &t.outsider,
            Method::GET,
            &format!("/workspaces/{}/attachments/{id}", t.other_ws),
            None
        )
        .await
        .0,
        404
    );
    assert_eq!(
        s.req(Method::GET, &format!("{base}/{id}"))
            .send()
            .await
            .expect("send")
            .status()
            .as_u16(),
        401
    );

    // A reply carrying it.
    let (_, contact) = s
        .call(
            &t.member,
            Method::POST,
            &format!("/workspaces/{}/contacts", t.ws),
            Some(json!({"email": "jo@customer.test"})),
        )
        .await;
    let (_, ticket) = s
        .call(
            &t.member,
            Method::POST,
            &format!("/workspaces/{}/tickets", t.ws),
            Some(json!({"subject": "Invoice", "contact_id": contact["id"]})),
        )
        .await;
    let (status, reply) = s
        .call(
            &t.member,
            Method::POST,
            &format!(
                "/workspaces/{}/tickets/{}/messages",
                t.ws,
                ticket["id"].as_str().expect("id")
            ),
            Some(json!({"body": "Attached.", "attachment_ids": [id]})),
        )
        .await;
    assert_eq!(status, 201, "{reply}");
    assert_eq!(reply["attachment_ids"], json!([id]));

    // Another upload, deleted before use.
    let (_, b) = json(
        s.as_user(&t.member, Method::POST, &base)
            .multipart(file(b"x".to_vec(), "x.txt", "text/plain"))
            .send()
            .await
            .expect("send"),
    )
    .await;
    let bid = b["id"].as_str().expect("id");
    assert_eq!(
        s.call(&t.member, Method::DELETE, &format!("{base}/{bid}"), None)
            .await
            .0,
        204
    );
    assert_eq!(
        s.call(&t.member, Method::GET, &format!("{base}/{bid}"), None)
            .await
            .0,
        404
    );
    s.stop().await;
}

#[tokio::test]
async fn uploads_past_the_limit_and_bad_forms_are_refused() {
    let s = TestServer::with_config(HttpConfig {
        attachment_limit: 1024,
        ..HttpConfig::default()
    })
    .await;
    let ada = s.register("ada@example.com").await;
    let ws = s.workspace(&ada, "Acme").await;
    let base = format!("/workspaces/{ws}/attachments");
    let res = s
        .as_user(&ada, Method::POST, &base)
        .multipart(file(
            vec![b'a'; 2048],
            "big.bin",
            "application/octet-stream",
        ))
        .send()
        .await
        .expect("send");
    assert_eq!(res.status().as_u16(), 413);
    // A body far past the route's limit is cut off before it is read.
    let res = s
        .as_user(&ada, Method::POST, &base)
        .multipart(file(
            vec![b'a'; 512 * 1024],
            "huge.bin",
            "application/octet-stream",
        ))
        .send()
        .await;
    if let Ok(res) = res {
        assert_eq!(res.status().as_u16(), 413);
    }
    let res = s
        .as_user(&ada, Method::POST, &base)
        .json(&json!({}))
        .send()
        .await
        .expect("send");
    assert_eq!(res.status().as_u16(), 415);
    let (status, body) = json(
        s.as_user(&ada, Method::POST, &base)
            .multipart(Form::new().text("note", "no file here"))
            .send()
            .await
            .expect("send"),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert!(body["errors"]["file"].is_array());
    s.stop().await;
}

#[tokio::test]
async fn json_bodies_past_the_limit_are_413() {
    let s = TestServer::with_config(HttpConfig {
        json_body_limit: 1024,
        ..HttpConfig::default()
    })
    .await;
    let ada = s.register("ada@example.com").await;
    let big = json!({"name": "x".repeat(4096)});
    let res = s
        .as_user(&ada, Method::POST, "/workspaces")
        .json(&big)
        .send()
        .await
        .expect("send");
    assert_eq!(res.status().as_u16(), 413);
    assert_eq!(res.headers()["content-type"], "application/problem+json");
    s.stop().await;
}
