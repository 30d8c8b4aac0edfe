//! Registration, login, logout, the account and its tokens; bearer auth and rate limits.

mod common;

use common::{TestServer, json};
use gopimi_http::HttpConfig;
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn register_login_me_and_logout() {
    let s = TestServer::start().await;
    let ada = s.register("ada@example.com").await;
    assert!(ada.token.starts_with("gpm_"));

    let (status, me) = s.call(&ada, Method::GET, "/me", None).await;
    assert_eq!(status, 200);
    assert_eq!(me["email"], "ada@example.com");
    assert!(
        me.get("password_hash").is_none(),
        "never shows the hash: {me}"
    );

    let (status, body) = json(
        s.req(Method::POST, "/auth/login")
            .json(&json!({"email": "ADA@example.com", "password": "correct horse battery"}))
            .send()
            .await
            .expect("login"),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let session = common::User {
        token: body["token"].as_str().expect("token").to_owned(),
        ..ada.clone()
    };
    let (status, _) = s.call(&session, Method::POST, "/auth/logout", None).await;
    assert_eq!(status, 204);
    let (status, body) = s.call(&session, Method::GET, "/me", None).await;
    assert_eq!(status, 401);
    assert_eq!(body["status"], 401);
    // The first token still works.
    assert_eq!(s.call(&ada, Method::GET, "/me", None).await.0, 200);
    s.stop().await;
}

#[tokio::test]
async fn bad_input_is_named_field_by_field() {
    let s = TestServer::start().await;
    let post = |body: &'static str, ct: &'static str| {
        s.req(Method::POST, "/auth/register")
            .header("content-type", ct)
            .body(body)
            .send()
    };
    let (status, body) = json(
        post(
            r#"{"name":"A","email":"not-an-address","password":"correct horse battery"}"#,
            "application/json",
        )
        .await
        .expect("send"),
    )
    .await;
    assert_eq!(status, 422);
    assert!(body["errors"]["email"].is_array(), "{body}");
    let (status, body) = json(
        post(
            r#"{"name":"A","email":"a@b.test","password":"short"}"#,
            "application/json",
        )
        .await
        .expect("send"),
    )
    .await;
    assert_eq!(status, 422);
    assert!(body["errors"]["password"].is_array(), "{body}");
    let (status, body) = json(
        post(r#"{"name":"A","email":"a@b.test"}"#, "application/json")
            .await
            .expect("send"),
    )
    .await;
    assert_eq!(status, 422);
    assert!(
        body["errors"]["password"].is_array(),
        "missing field named: {body}"
    );
    assert_eq!(
        post("{\"name\":", "application/json")
            .await
            .expect("send")
            .status()
            .as_u16(),
        400
    );
    assert_eq!(
        post("{}", "text/plain")
            .await
            .expect("send")
            .status()
            .as_u16(),
        415
    );
    s.stop().await;
}

#[tokio::test]
async fn duplicate_email_is_refused_on_the_field_and_wrong_password_401() {
    let s = TestServer::start().await;
    s.register("ada@example.com").await;
    let (status, body) = json(
        s.req(Method::POST, "/auth/register")
            .json(&json!({"name": "Other", "email": "Ada@Example.com", "password": "correct horse battery"}))
            .send()
            .await
            .expect("send"),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert!(body["errors"]["email"].is_array(), "{body}");
    let (status, _) = json(
        s.req(Method::POST, "/auth/login")
            .json(&json!({"email": "ada@example.com", "password": "wrong password!"}))
            .send()
            .await
            .expect("send"),
    )
    .await;
    assert_eq!(status, 401);
    s.stop().await;
}

#[tokio::test]
async fn profile_password_tokens_export_and_account_deletion() {
    let s = TestServer::start().await;
    let ada = s.register("ada@example.com").await;
    let (status, me) = s
        .call(&ada, Method::PATCH, "/me", Some(json!({"name": "Ada L."})))
        .await;
    assert_eq!((status, me["name"].as_str()), (200, Some("Ada L.")));

    // Personal tokens: shown once, listed without secrets, revocable.
    let (status, tok) = s
        .call(
            &ada,
            Method::POST,
            "/me/tokens",
            Some(json!({"name": "ci"})),
        )
        .await;
    assert_eq!(status, 201, "{tok}");
    let secret = tok["token_secret"].as_str().expect("secret").to_owned();
    let pat = common::User {
        token: secret.clone(),
        ..ada.clone()
    };
    assert_eq!(s.call(&pat, Method::GET, "/me", None).await.0, 200);
    let (_, list) = s.call(&ada, Method::GET, "/me/tokens", None).await;
    assert_eq!(list["meta"]["total"], 1);
    assert!(
        !list.to_string().contains(&secret),
        "secrets are never listed"
    );
    assert!(!list.to_string().contains("token_hash"));
    let id = tok["id"].as_str().expect("id");
    assert_eq!(
        s.call(&ada, Method::DELETE, &format!("/me/tokens/{id}"), None)
            .await
            .0,
        204
    );
    assert_eq!(s.call(&pat, Method::GET, "/me", None).await.0, 401);
    let (status, _) = s
        .call(&ada, Method::POST, "/me/tokens", Some(json!({"name": ""})))
        .await;
    assert_eq!(status, 422);

    // Password change keeps this token and needs the current password.
    let (status, body) = s
        .call(
            &ada,
            Method::PUT,
            "/me/password",
            Some(json!({"current_password": "nope nope", "password": "a new long password"})),
        )
        .await;
    assert_eq!(status, 422);
    assert!(body["errors"]["current_password"].is_array(), "{body}");
    let (status, _) = s
        .call(&ada, Method::PUT, "/me/password", Some(json!({"current_password": "correct horse battery", "password": "a new long password"})))
        .await;
    assert_eq!(status, 204);
    assert_eq!(s.call(&ada, Method::GET, "/me", None).await.0, 200);

    let (status, export) = s.call(&ada, Method::GET, "/me/export", None).await;
    assert_eq!(status, 200);
    assert!(export.to_string().contains("ada@example.com"));
    assert!(
        !export.to_string().contains("argon2"),
        "no password hash in the export"
    );

    assert_eq!(s.call(&ada, Method::DELETE, "/me", None).await.0, 204);
    assert_eq!(s.call(&ada, Method::GET, "/me", None).await.0, 401);
    s.stop().await;
}

#[tokio::test]
async fn authenticated_routes_need_a_valid_token() {
    let s = TestServer::start().await;
    for (method, path) in [
        (Method::GET, "/me"),
        (Method::GET, "/workspaces"),
        (Method::POST, "/auth/logout"),
        (Method::GET, "/me/tokens"),
    ] {
        let res = s.req(method.clone(), path).send().await.expect("send");
        assert_eq!(res.status().as_u16(), 401, "{method} {path}");
        assert_eq!(res.headers()["content-type"], "application/problem+json");
        let res = s
            .req(method.clone(), path)
            .bearer_auth("gpm_not-a-real-token")
            .send()
            .await
            .expect("send");
        assert_eq!(res.status().as_u16(), 401, "{method} {path}");
    }
    s.stop().await;
}

#[tokio::test]
async fn tokens_are_rate_limited_with_headers() {
    let s = TestServer::with_config(HttpConfig {
        rate_limit_per_minute: 3,
        ..HttpConfig::default()
    })
    .await;
    let ada = s.register("ada@example.com").await;
    for left in (0..3).rev() {
        let res = s
            .as_user(&ada, Method::GET, "/me")
            .send()
            .await
            .expect("send");
        assert_eq!(res.status().as_u16(), 200);
        assert_eq!(res.headers()["ratelimit-limit"], "3");
        assert_eq!(
            res.headers()["ratelimit-remaining"],
            left.to_string().as_str()
        );
    }
    let res = s
        .as_user(&ada, Method::GET, "/me")
        .send()
        .await
        .expect("send");
    assert_eq!(res.status().as_u16(), 429);
    let retry: u64 = res.headers()["retry-after"]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("seconds");
    assert!((1..=60).contains(&retry));
    let (_, body) = json(res).await;
    assert_eq!(body["status"], 429);
    // Another user's token has its own budget.
    let bob = s.register("bob@example.com").await;
    assert_eq!(s.call(&bob, Method::GET, "/me", None).await.0, 200);
    s.stop().await;
}

#[tokio::test]
async fn auth_routes_are_rate_limited_per_address() {
    let s = TestServer::with_config(HttpConfig {
        auth_rate_limit_per_minute: 2,
        ..HttpConfig::default()
    })
    .await;
    let login = || {
        s.req(Method::POST, "/auth/login")
            .json(&json!({"email": "nobody@example.com", "password": "whatever123"}))
            .send()
    };
    assert_eq!(login().await.expect("send").status().as_u16(), 401);
    assert_eq!(login().await.expect("send").status().as_u16(), 401);
    let res = login().await.expect("send");
    assert_eq!(res.status().as_u16(), 429);
    assert!(res.headers().contains_key("retry-after"));
    s.stop().await;
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_client_address_has_its_budget() {
    let s = TestServer::with_config(HttpConfig {
        auth_rate_limit_per_minute: 1,
        trust_forwarded_for: true,
        ..HttpConfig::default()
    })
    .await;
    let login = |client: &'static str| {
        s.req(Method::POST, "/auth/login")
            .header("x-forwarded-for", format!("198.51.100.1, {client}"))
            .json(&json!({"email": "nobody@example.com", "password": "whatever123"}))
            .send()
    };
    assert_eq!(
        login("203.0.113.1").await.expect("send").status().as_u16(),
        401
    );
    assert_eq!(
        login("203.0.113.1").await.expect("send").status().as_u16(),
        429
    );
    assert_eq!(
        login("203.0.113.2").await.expect("send").status().as_u16(),
        401,
        "another client"
    );
    s.stop().await;
}
