//! Accounts and tokens: passwords are hashed, tokens are shown once and stored hashed,
//! revocation and password changes take effect, accounts can be exported and deleted.

use crate::common::{desk_with, env, invalid_field, not_found};
use gopimi_core::Error;
use gopimi_core::model::{Plan, PlanTable, Role};
use gopimi_core::service::{NewTicket, Registration};
use gopimi_core::store::{Kind, Query, Store};

fn unauthenticated<T: std::fmt::Debug>(r: Result<T, Error>) -> bool {
    matches!(r, Err(Error::Unauthenticated { .. }))
}

#[tokio::test]
async fn register_login_and_tokens() {
    let (d, store, _) = desk_with(Plan::Business, PlanTable::default());
    let (user, session) = d
        .register(Registration::new(
            "Ada",
            "Ada@Example.com",
            "correct horse battery",
        ))
        .await
        .expect("register");
    assert!(
        user.password_hash
            .as_deref()
            .is_some_and(|h| h.starts_with("$argon2id$"))
    );
    assert_eq!(
        invalid_field(
            d.register(Registration::new(
                "Ada 2",
                "ada@example.COM",
                "another password"
            ))
            .await
        ),
        "email"
    );
    let (who, _) = d
        .authenticate(&session.secret)
        .await
        .expect("session works");
    assert_eq!(who.id, user.id);

    assert!(unauthenticated(
        d.login("ada@example.com", "wrong password").await
    ));
    assert!(unauthenticated(
        d.login("nobody@example.com", "correct horse battery").await
    ));
    let (_, login) = d
        .login("ADA@example.com", "correct horse battery")
        .await
        .expect("login");

    let pat = d
        .create_token(user.id, "CI script", None)
        .await
        .expect("token");
    assert!(pat.secret.starts_with("gpm_"));
    let listed = d.list_tokens(user.id).await.expect("tokens");
    assert_eq!(
        listed.iter().map(|t| t.id).collect::<Vec<_>>(),
        vec![pat.token.id]
    );
    // Only the hash is stored: no stored row contains a secret.
    let rows = store
        .query(&Query::new(Kind::ApiToken, None))
        .await
        .expect("rows")
        .rows;
    assert_eq!(rows.len(), 3);
    for secret in [&session.secret, &login.secret, &pat.secret] {
        assert!(rows.iter().all(|r| !r.body.contains(secret.as_str())));
    }
    assert!(d.authenticate(&pat.secret).await.is_ok());
    assert!(unauthenticated(d.authenticate("gpm_made-up").await));
    assert!(unauthenticated(d.authenticate("").await));

    // Another user cannot revoke it; its owner can.
    let (other, _) = d
        .register(Registration::new(
            "Bo",
            "bo@example.com",
            "bo's long password",
        ))
        .await
        .expect("register");
    assert_eq!(
        not_found(d.revoke_token(other.id, pat.token.id).await),
        "token"
    );
    d.revoke_token(user.id, pat.token.id).await.expect("revoke");
    assert!(unauthenticated(d.authenticate(&pat.secret).await));

    // Changing the password keeps the current session and ends the others.
    assert_eq!(
        invalid_field(
            d.change_password(user.id, "not it", "new long password", None)
                .await
        ),
        "current_password"
    );
    d.change_password(
        user.id,
        "correct horse battery",
        "new long password",
        Some(login.token.id),
    )
    .await
    .expect("change");
    assert!(d.authenticate(&login.secret).await.is_ok());
    assert!(unauthenticated(d.authenticate(&session.secret).await));
    assert!(unauthenticated(
        d.login("ada@example.com", "correct horse battery").await
    ));
    assert!(
        d.login("ada@example.com", "new long password")
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn an_expired_token_no_longer_works() {
    use chrono::{Duration, TimeZone, Utc};
    use gopimi_core::clock::{Clock, ManualClock};
    use std::sync::Arc;
    let clock = ManualClock::new(
        Utc.with_ymd_and_hms(2025, 1, 1, 9, 0, 0)
            .single()
            .expect("time"),
    );
    let d = gopimi_core::Helpdesk::builder(Arc::new(gopimi_core::store::MemoryStore::new()))
        .clock(Arc::new(clock.clone()))
        .build();
    let (user, _) = d
        .register(Registration::new(
            "Ada",
            "ada@example.com",
            "long enough pass",
        ))
        .await
        .expect("register");
    let t = d
        .create_token(
            user.id,
            "short-lived",
            Some(clock.now() + Duration::hours(1)),
        )
        .await
        .expect("token");
    assert!(d.authenticate(&t.secret).await.is_ok());
    clock.advance(Duration::hours(2));
    assert!(unauthenticated(d.authenticate(&t.secret).await));
}

#[tokio::test]
async fn export_holds_the_users_data_without_secrets() {
    let e = env().await;
    let (mid, _) = e.member("Mo Member", Role::Member).await;
    e.desk
        .create_ticket(&e.owner, e.ws, NewTicket::new("exported subject"))
        .await
        .expect("ticket");
    let owner_export = e.desk.export_user_data(e.owner_id).await.expect("export");
    let text = owner_export.to_string();
    assert!(
        text.contains("exported subject"),
        "owned workspace data is included"
    );
    assert!(!text.contains("password_hash") && !text.contains("$argon2"));
    assert!(!text.contains("token_hash"));
    assert_eq!(owner_export["memberships"][0]["role"], "owner");
    let member_export = e.desk.export_user_data(mid).await.expect("export");
    assert_eq!(member_export["memberships"][0]["role"], "member");
    assert_eq!(
        member_export["owned_workspaces"].as_array().map(Vec::len),
        Some(0)
    );
}

#[tokio::test]
async fn deleting_an_account_respects_shared_workspaces() {
    let e = env().await;
    let d = &e.desk;
    let (mid, member) = e.member("Mo Member", Role::Member).await;
    // The sole owner of a workspace with other members cannot just disappear.
    assert_eq!(invalid_field(d.delete_account(e.owner_id).await), "account");
    // A member can; the workspace stays.
    d.delete_account(mid).await.expect("member leaves for good");
    assert_eq!(not_found(d.user(mid).await), "user");
    assert!(d.workspace(&e.owner, e.ws).await.is_ok());
    assert_eq!(not_found(d.workspace(&member, e.ws).await), "workspace");
    // Now alone, the owner's deletion takes the workspace with it.
    d.delete_account(e.owner_id).await.expect("owner deletes");
    let store_rows = e
        .store
        .query(&Query::new(Kind::Ticket, Some(e.ws.0)))
        .await
        .expect("q");
    assert!(store_rows.rows.is_empty());
    assert!(
        e.store
            .get(Kind::Workspace, None, e.ws.0)
            .await
            .expect("get")
            .is_none()
    );
}
