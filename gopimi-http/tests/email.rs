//! Workspace emails, forwarding addresses, domains and blocked senders over HTTP.

mod common;

use common::TestServer;
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn emails_and_forwarding_addresses() {
    let s = TestServer::start().await;
    let t = s.team().await;
    let base = format!("/workspaces/{}/emails", t.ws);
    let new = json!({"address": "support@acme.test", "purpose": "ticket"});
    assert_eq!(
        s.call(&t.member, Method::POST, &base, Some(new.clone()))
            .await
            .0,
        403
    );
    let (status, email) = s
        .call(&t.owner, Method::POST, &base, Some(new.clone()))
        .await;
    assert_eq!(status, 201, "{email}");
    assert_eq!(email["can_receive"], true);
    let (status, body) = s
        .call(
            &t.outsider,
            Method::POST,
            &format!("/workspaces/{}/emails", t.other_ws),
            Some(new),
        )
        .await;
    assert_eq!(status, 422, "an address belongs to one workspace: {body}");
    assert!(body["errors"]["address"].is_array(), "{body}");
    let (status, body) = s
        .call(
            &t.owner,
            Method::POST,
            &base,
            Some(json!({"address": "x@acme.test", "purpose": "fax"})),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    assert!(body["errors"]["purpose"].is_array(), "{body}");

    let id = email["id"].as_str().expect("id");
    let (status, list) = s.call(&t.member, Method::GET, &base, None).await;
    assert_eq!((status, list["meta"]["total"].as_u64()), (200, Some(1)));
    assert_eq!(
        s.call(&t.member, Method::GET, &format!("{base}/{id}"), None)
            .await
            .0,
        200
    );
    assert_eq!(
        s.call(
            &t.member,
            Method::PATCH,
            &format!("{base}/{id}"),
            Some(json!({"can_send": false}))
        )
        .await
        .0,
        403
    );
    let (status, upd) = s
        .call(
            &t.owner,
            Method::PATCH,
            &format!("{base}/{id}"),
            Some(json!({"display_name": "Acme Support"})),
        )
        .await;
    assert_eq!(
        (status, upd["display_name"].as_str()),
        (200, Some("Acme Support"))
    );

    assert_eq!(
        s.call(
            &t.member,
            Method::POST,
            &format!("{base}/{id}/forwarding"),
            None
        )
        .await
        .0,
        403
    );
    let (status, fwd) = s
        .call(
            &t.owner,
            Method::POST,
            &format!("{base}/{id}/forwarding"),
            None,
        )
        .await;
    assert_eq!(status, 200, "{fwd}");
    assert!(
        fwd["forwarding_address"]
            .as_str()
            .expect("address")
            .contains('@')
    );

    assert_eq!(
        s.call(&t.outsider, Method::GET, &format!("{base}/{id}"), None)
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
    assert_eq!(
        s.call(&t.member, Method::DELETE, &format!("{base}/{id}"), None)
            .await
            .0,
        403
    );
    assert_eq!(
        s.call(&t.owner, Method::DELETE, &format!("{base}/{id}"), None)
            .await
            .0,
        204
    );
    s.stop().await;
}

#[tokio::test]
async fn domains_and_their_dns_records() {
    let s = TestServer::start().await;
    let t = s.team().await;
    let base = format!("/workspaces/{}/domains", t.ws);
    assert_eq!(
        s.call(
            &t.member,
            Method::POST,
            &base,
            Some(json!({"name": "acme.test"}))
        )
        .await
        .0,
        403
    );
    let (status, d) = s
        .call(
            &t.owner,
            Method::POST,
            &base,
            Some(json!({"name": "Acme.Test"})),
        )
        .await;
    assert_eq!(status, 201, "{d}");
    assert_eq!(d["name"], "acme.test");
    let (status, body) = s
        .call(
            &t.owner,
            Method::POST,
            &base,
            Some(json!({"name": "not a domain"})),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    let id = d["id"].as_str().expect("id");
    let (status, list) = s.call(&t.member, Method::GET, &base, None).await;
    assert_eq!((status, list["meta"]["total"].as_u64()), (200, Some(1)));
    assert_eq!(
        s.call(&t.member, Method::GET, &format!("{base}/{id}"), None)
            .await
            .0,
        200
    );
    let (status, records) = s
        .call(
            &t.member,
            Method::GET,
            &format!("{base}/{id}/dns-records"),
            None,
        )
        .await;
    assert_eq!(status, 200, "{records}");
    assert!(records["data"].is_array());
    assert_eq!(
        s.call(
            &t.outsider,
            Method::GET,
            &format!("{base}/{id}/dns-records"),
            None
        )
        .await
        .0,
        404
    );
    assert_eq!(
        s.call(&t.member, Method::DELETE, &format!("{base}/{id}"), None)
            .await
            .0,
        403
    );
    assert_eq!(
        s.call(&t.owner, Method::DELETE, &format!("{base}/{id}"), None)
            .await
            .0,
        204
    );
    s.stop().await;
}

#[tokio::test]
async fn blocked_senders() {
    let s = TestServer::start().await;
    let t = s.team().await;
    let base = format!("/workspaces/{}/blocked-senders", t.ws);
    let (status, b) = s
        .call(
            &t.member,
            Method::POST,
            &base,
            Some(json!({"email": "spammer@junk.test", "reason": "spam"})),
        )
        .await;
    assert_eq!(status, 201, "{b}");
    let (status, body) = s
        .call(
            &t.member,
            Method::POST,
            &base,
            Some(json!({"email": "nope"})),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    let (_, list) = s.call(&t.member, Method::GET, &base, None).await;
    assert_eq!(list["meta"]["total"], 1);
    let id = b["id"].as_str().expect("id");
    assert_eq!(
        s.call(
            &t.outsider,
            Method::DELETE,
            &format!("/workspaces/{}/blocked-senders/{id}", t.other_ws),
            None
        )
        .await
        .0,
        404
    );
    assert_eq!(
        s.call(&t.member, Method::DELETE, &format!("{base}/{id}"), None)
            .await
            .0,
        204
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

/// The verification code in the newest verification mail to `to`, waiting (bounded) for it.
async fn verification_code(dir: &std::path::Path, to: &str) -> String {
    for _ in 0..400 {
        let code = std::fs::read_dir(dir)
            .expect("outbox")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter_map(|p| std::fs::read_to_string(p).ok())
            .filter(|m| m.contains(to))
            .filter_map(|m| {
                m.lines()
                    .find_map(|l| l.strip_prefix("gopimi verification code: "))
                    .map(|c| c.trim().to_owned())
            })
            .next();
        if let Some(c) = code {
            return c;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!("no verification mail to {to}");
}

#[tokio::test]
async fn an_owner_verifies_an_address_with_the_code_mailed_to_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let s = TestServer::with_workers(gopimi_http::HttpConfig::default(), dir.path(), |st| st).await;
    let t = s.team().await;
    let (status, email) = s
        .call(
            &t.owner,
            Method::POST,
            &format!("/workspaces/{}/emails", t.ws),
            Some(json!({"address": "help@shop.test", "purpose": "ticket"})),
        )
        .await;
    assert_eq!(status, 201, "{email}");
    assert_eq!(email["verified"], false);
    let verify = format!(
        "/workspaces/{}/emails/{}/verify",
        t.ws,
        email["id"].as_str().expect("id")
    );

    // Only owners, only in their workspace.
    assert_eq!(s.call(&t.member, Method::POST, &verify, None).await.0, 403);
    let elsewhere = format!(
        "/workspaces/{}/emails/{}/verify",
        t.other_ws,
        email["id"].as_str().expect("id")
    );
    assert_eq!(
        s.call(&t.outsider, Method::POST, &elsewhere, None).await.0,
        404
    );
    assert_eq!(
        s.req(Method::POST, &verify)
            .send()
            .await
            .expect("send")
            .status()
            .as_u16(),
        401
    );

    let (status, body) = s.call(&t.owner, Method::POST, &verify, None).await;
    assert_eq!(status, 202, "{body}");
    let code = verification_code(dir.path(), "help@shop.test").await;

    let (status, body) = s
        .call(
            &t.owner,
            Method::POST,
            &verify,
            Some(json!({"code": "AAAA-AAAA-AAAA"})),
        )
        .await;
    assert_eq!(status, 422, "{body}");
    assert!(body["errors"]["code"].is_array(), "{body}");

    let (status, body) = s
        .call(&t.owner, Method::POST, &verify, Some(json!({"code": code})))
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["verified"], true);
    // Asking again for a verified address sends nothing more.
    let (status, body) = s.call(&t.owner, Method::POST, &verify, None).await;
    assert_eq!((status, body["verified"].as_bool()), (200, Some(true)));
    s.stop().await;
}

#[tokio::test]
async fn verifying_a_domain_needs_a_mail_provider() {
    let s = TestServer::start().await;
    let t = s.team().await;
    let (status, d) = s
        .call(
            &t.owner,
            Method::POST,
            &format!("/workspaces/{}/domains", t.ws),
            Some(json!({"name": "shop.test"})),
        )
        .await;
    assert_eq!(status, 201, "{d}");
    let verify = format!(
        "/workspaces/{}/domains/{}/verify",
        t.ws,
        d["id"].as_str().expect("id")
    );
    assert_eq!(s.call(&t.member, Method::POST, &verify, None).await.0, 403);
    let (status, body) = s.call(&t.owner, Method::POST, &verify, None).await;
    assert_eq!(status, 409, "{body}");
    assert!(
        body["detail"]
            .as_str()
            .is_some_and(|d| d.contains("MAILGUN_API_KEY")),
        "{body}"
    );
    s.stop().await;
}
