//! Domains through a stand-in of Mailgun's domains API, behind the core's port.
#![cfg(feature = "reqwest")]

mod common;

use common::*;
use gopimi_core::Error;
use gopimi_core::mail::DomainProvider;
use gopimi_mailgun::{MailgunConfig, MailgunDomains};
use std::time::Duration;
use wiremock::matchers::{basic_auth, body_string_contains, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn domains(server: &MockServer) -> MailgunDomains {
    MailgunDomains::new(&config(&server.uri())).expect("client")
}

fn json(rel: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json_fixture(rel))
}

#[tokio::test]
async fn adding_a_domain_returns_its_sending_and_receiving_records() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v4/domains"))
        .and(basic_auth("api", API_KEY))
        .and(body_string_contains("name=help.acme.test"))
        .and(body_string_contains("spam_action=tag"))
        .respond_with(json("api/domain-create.json"))
        .expect(1)
        .mount(&server)
        .await;
    let d = domains(&server)
        .add_domain("Help.Acme.Test")
        .await
        .expect("added");
    assert_eq!(d.name, "help.acme.test");
    assert_eq!(d.state, "unverified");
    let sending: Vec<_> = d
        .records
        .iter()
        .filter(|r| r.purpose == "sending")
        .collect();
    let receiving: Vec<_> = d
        .records
        .iter()
        .filter(|r| r.purpose == "receiving")
        .collect();
    assert_eq!(sending.len(), 3);
    assert_eq!(receiving.len(), 2);
    let spf = sending
        .iter()
        .find(|r| r.value.starts_with("v=spf1"))
        .expect("spf");
    assert_eq!(
        (spf.record_type.as_str(), spf.name.as_str()),
        ("TXT", "help.acme.test")
    );
    assert!(
        sending
            .iter()
            .any(|r| r.name == "k1._domainkey.help.acme.test")
    );
    assert!(
        sending
            .iter()
            .any(|r| r.record_type == "CNAME" && r.value == "mailgun.org")
    );
    let mx = receiving[0];
    assert_eq!(mx.record_type, "MX");
    assert_eq!(
        mx.name, "help.acme.test",
        "MX records belong on the domain itself"
    );
    assert_eq!(mx.priority, Some(10), "priority arrives as a string");
    assert_eq!(mx.valid.as_deref(), Some("unknown"));
}

#[tokio::test]
async fn reading_verifying_and_deleting_a_domain() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v4/domains/help.acme.test"))
        .respond_with(json("api/domain-get.json"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/v4/domains/help.acme.test/verify"))
        .respond_with(json("api/domain-verify.json"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/v3/domains/help.acme.test"))
        .respond_with(json("api/domain-delete.json"))
        .expect(1)
        .mount(&server)
        .await;
    let api = domains(&server);
    let got = api
        .get_domain("help.acme.test")
        .await
        .expect("read")
        .expect("known");
    assert_eq!(got.state, "unverified");
    assert_eq!(got.records.len(), 5);
    let verified = api.verify_domain("help.acme.test").await.expect("verified");
    assert_eq!(verified.state, "active");
    assert!(
        verified
            .records
            .iter()
            .all(|r| r.valid.as_deref() == Some("valid"))
    );
    api.delete_domain("help.acme.test").await.expect("deleted");
}

#[tokio::test]
async fn an_unknown_domain_reads_as_none_and_deletes_as_done() {
    let server = MockServer::start().await;
    for m in ["GET", "DELETE"] {
        Mock::given(method(m))
            .respond_with(
                ResponseTemplate::new(404).set_body_json(json_fixture("api/domain-not-found.json")),
            )
            .expect(1)
            .mount(&server)
            .await;
    }
    let api = domains(&server);
    assert_eq!(api.get_domain("nope.acme.test").await.expect("read"), None);
    api.delete_domain("nope.acme.test")
        .await
        .expect("already gone");
}

#[tokio::test]
async fn domain_calls_are_retried_on_429_and_5xx_but_not_on_400() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(429).set_body_json(serde_json::json!({"retry-seconds": 0})),
        )
        .up_to_n_times(1)
        .with_priority(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .with_priority(2)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(json("api/domain-get.json"))
        .with_priority(3)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(400)
                .set_body_json(serde_json::json!({"message": "Domain name is already taken"})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let api = domains(&server);
    assert!(
        api.get_domain("help.acme.test")
            .await
            .expect("read")
            .is_some()
    );
    let err = api.add_domain("help.acme.test").await.expect_err("taken");
    assert!(matches!(err, Error::Rejected { ref reason } if reason.contains("already taken")));
}

#[tokio::test]
async fn a_domain_api_rate_limit_with_a_long_wait_is_reported() {
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .respond_with(
            ResponseTemplate::new(429).set_body_json(serde_json::json!({"retry-seconds": 60})),
        )
        .expect(1)
        .mount(&server)
        .await;
    let err = domains(&server)
        .verify_domain("help.acme.test")
        .await
        .expect_err("limited");
    assert!(
        matches!(
            err,
            Error::RateLimited {
                retry_after_secs: 60
            }
        ),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_slow_read_times_out_and_is_retried_because_reads_are_idempotent() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(json("api/domain-get.json").set_delay(Duration::from_secs(5)))
        .up_to_n_times(1)
        .with_priority(1)
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(json("api/domain-get.json"))
        .with_priority(2)
        .expect(1)
        .mount(&server)
        .await;
    let cfg = MailgunConfig {
        request_timeout: Duration::from_millis(300),
        ..config(&server.uri())
    };
    let api = MailgunDomains::new(&cfg).expect("client");
    assert!(
        api.get_domain("help.acme.test")
            .await
            .expect("second try")
            .is_some()
    );
}

#[tokio::test]
async fn names_that_are_not_domains_never_reach_mailgun() {
    let server = MockServer::start().await;
    let api = domains(&server);
    for bad in ["../v3/routes", "a/b", "", "x..y"] {
        assert!(
            matches!(api.get_domain(bad).await, Err(Error::Validation { .. })),
            "{bad}"
        );
    }
    assert!(
        server
            .received_requests()
            .await
            .expect("recorded")
            .is_empty()
    );
}

/// The helpdesk's domain operations through Mailgun: a new domain shows its DNS records at
/// once, verification records Mailgun's verdict, and a workspace cannot verify another's.
#[tokio::test]
async fn a_workspace_domain_is_registered_and_verified_through_mailgun() {
    use gopimi_core::model::DomainState;
    use gopimi_core::service::{Caller, Helpdesk, NewDomain, Registration};
    use std::sync::Arc;

    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v4/domains"))
        .and(body_string_contains("name=help.acme.test"))
        .respond_with(json("api/domain-create.json"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v4/domains/help.acme.test"))
        .respond_with(json("api/domain-get.json"))
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/v4/domains/help.acme.test/verify"))
        .respond_with(json("api/domain-verify.json"))
        .expect(1)
        .mount(&server)
        .await;
    let hd = Helpdesk::builder(Arc::new(gopimi_core::store::MemoryStore::new()))
        .domain_provider(Arc::new(domains(&server)))
        .build();
    let (owner, _) = hd
        .register(Registration::new(
            "Olga",
            "olga@acme.test",
            "correct horse battery",
        ))
        .await
        .expect("owner");
    let owner = Caller::User(owner.id);
    let ws = hd.create_workspace(&owner, "Acme").await.expect("ws");
    let d = hd
        .create_domain(
            &owner,
            ws.id,
            NewDomain {
                name: "help.acme.test".into(),
            },
        )
        .await
        .expect("domain");
    assert_eq!(d.state, DomainState::Unverified);
    assert!(!d.dns_records.is_empty(), "records shown at once");

    let (stranger, _) = hd
        .register(Registration::new(
            "Sam",
            "sam@other.test",
            "correct horse battery",
        ))
        .await
        .expect("stranger");
    let stranger = Caller::User(stranger.id);
    let theirs = hd.create_workspace(&stranger, "Other").await.expect("ws");
    let err = hd
        .verify_domain(&stranger, theirs.id, d.id)
        .await
        .expect_err("not theirs");
    assert!(matches!(err, Error::NotFound { .. }), "{err:?}");

    let v = hd
        .verify_domain(&owner, ws.id, d.id)
        .await
        .expect("verified");
    assert_eq!(v.state, DomainState::Active);
    assert!(v.verified_at.is_some());
    assert!(
        v.dns_records
            .iter()
            .all(|r| r.valid.as_deref() == Some("valid"))
    );
}
