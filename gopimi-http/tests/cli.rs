//! The `gopimi` binary: help for every subcommand, serving on the default-free memory store,
//! clean exit on SIGTERM.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_gopimi");

#[test]
fn every_subcommand_has_help() {
    for args in [
        vec!["--help"],
        vec!["serve", "--help"],
        vec!["worker", "--help"],
        vec!["migrate", "--help"],
        vec!["ingest", "--help"],
        vec!["user", "create", "--help"],
        vec!["token", "create", "--help"],
    ] {
        let out = Command::new(BIN).args(&args).output().expect("run");
        assert!(out.status.success(), "{args:?}");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("Usage: gopimi"), "{args:?}: {text}");
    }
    let out = Command::new(BIN)
        .args(["serve", "--help"])
        .output()
        .expect("run");
    let text = String::from_utf8_lossy(&out.stdout);
    for var in [
        "GOPIMI_DATABASE_URL",
        "GOPIMI_LISTEN",
        "GOPIMI_DATA_DIR",
        "GOPIMI_OUTBOX_DIR",
        "GOPIMI_INBOUND_SECRET",
        "GOPIMI_PLATFORM_DOMAIN",
        "GOPIMI_PUBLIC_URL",
        "GOPIMI_DEFAULT_PLAN",
        "GOPIMI_RATE_LIMIT_PER_MINUTE",
        "GOPIMI_AUTH_RATE_LIMIT_PER_MINUTE",
        "GOPIMI_SLA_SWEEP_SECONDS",
        "GOPIMI_WEBHOOK_ALLOW_PRIVATE",
        "MAILGUN_WEBHOOK_SIGNING_KEY",
        "MAILGUN_API_KEY",
        "MAILGUN_DOMAIN",
        "MAILGUN_API_BASE",
    ] {
        assert!(text.contains(var), "serve --help lists {var}");
    }
}

#[test]
fn secrets_never_show_in_help() {
    let out = Command::new(BIN)
        .args(["serve", "--help"])
        .env("GOPIMI_INBOUND_SECRET", "super-secret-value")
        .env("MAILGUN_API_KEY", "key-very-secret")
        .output()
        .expect("run");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!text.contains("super-secret-value"));
    assert!(!text.contains("key-very-secret"));
}

#[test]
fn serve_prints_where_things_are_answers_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut child = Command::new(BIN)
        .arg("serve")
        .current_dir(dir.path())
        .env("GOPIMI_DATABASE_URL", "memory://")
        .env("GOPIMI_LISTEN", "127.0.0.1:0")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let first = lines.next().expect("a line").expect("utf-8");
    let addr = first
        .strip_prefix("gopimi is listening on http://")
        .expect("the banner names the address")
        .to_owned();
    let banner: Vec<String> = lines.by_ref().take(10).map_while(Result::ok).collect();
    let banner = banner.join("\n");
    assert!(banner.contains("outbox"), "{banner}");
    assert!(
        banner.contains("/auth/register"),
        "how to get a token: {banner}"
    );

    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let status = rt.block_on(async {
        reqwest::get(format!("http://{addr}/api/v1/health"))
            .await
            .expect("get")
            .status()
            .as_u16()
    });
    assert_eq!(status, 200);

    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(killed.success());
    let mut exited = None;
    for _ in 0..100 {
        if let Some(st) = child.try_wait().expect("wait") {
            exited = Some(st);
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let st = exited.unwrap_or_else(|| {
        let _ = child.kill();
        panic!("the server did not stop on SIGTERM");
    });
    assert!(st.success(), "clean exit: {st:?}");
}

#[test]
fn ingest_stores_a_message_and_prints_its_id() {
    let dir = tempfile::tempdir().expect("tempdir");
    let eml = dir.path().join("m.eml");
    std::fs::write(&eml, "From: a@b.test\r\nSubject: hi\r\n\r\nhello\r\n").expect("write");
    let out = Command::new(BIN)
        .args([
            "ingest",
            eml.to_str().expect("path"),
            "--recipient",
            "support@acme.test",
        ])
        .env("GOPIMI_DATABASE_URL", "memory://")
        .output()
        .expect("run");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let id = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    assert!(uuid::Uuid::parse_str(&id).is_ok(), "{id}");
    let out = Command::new(BIN)
        .args(["ingest", eml.to_str().expect("path"), "--recipient", ""])
        .env("GOPIMI_DATABASE_URL", "memory://")
        .output()
        .expect("run");
    assert!(!out.status.success(), "an empty recipient is refused");
}

/// With a store that persists, `user create` and `token create` in separate processes work
/// together, and the token authenticates against a server started afterwards.
#[cfg(feature = "sled")]
#[test]
fn users_and_tokens_persist_across_processes_on_sled() {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sled://{}", dir.path().join("db").display());
    let run = |args: &[&str]| {
        let out = Command::new(BIN)
            .args(args)
            .current_dir(dir.path())
            .env("GOPIMI_DATABASE_URL", &url)
            .env("GOPIMI_USER_PASSWORD", "correct horse battery")
            .output()
            .expect("run");
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let created = run(&[
        "user",
        "create",
        "--email",
        "ada@example.com",
        "--name",
        "Ada",
    ]);
    assert!(created.starts_with("user "), "{created}");
    let token = run(&[
        "token",
        "create",
        "--email",
        "ada@example.com",
        "--name",
        "ci",
    ]);
    let token = token.trim().to_owned();
    assert!(token.starts_with("gpm_"), "{token}");

    let mut child = Command::new(BIN)
        .arg("serve")
        .current_dir(dir.path())
        .env("GOPIMI_DATABASE_URL", &url)
        .env("GOPIMI_LISTEN", "127.0.0.1:0")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let first = lines.next().expect("a line").expect("utf-8");
    let addr = first
        .strip_prefix("gopimi is listening on http://")
        .expect("banner")
        .to_owned();
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let me = rt.block_on(async {
        reqwest::Client::new()
            .get(format!("http://{addr}/api/v1/me"))
            .bearer_auth(&token)
            .send()
            .await
            .expect("get")
            .json::<serde_json::Value>()
            .await
            .expect("json")
    });
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let _ = child.wait();
    assert_eq!(me["email"], "ada@example.com");
}

/// `gopimi ingest` and `gopimi worker --drain` as separate processes over one SQLite database:
/// mail stored by one process becomes a ticket through another.
#[cfg(feature = "sqlite")]
#[test]
fn a_separate_worker_process_turns_ingested_mail_into_a_ticket() {
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite://{}", dir.path().join("data/gopimi.db").display());
    let run = |args: &[&str]| {
        let out = Command::new(BIN)
            .args(args)
            .current_dir(dir.path())
            .env("GOPIMI_DATABASE_URL", &url)
            .env("GOPIMI_USER_PASSWORD", "correct horse battery")
            .env("RUST_LOG", "warn")
            .output()
            .expect("run");
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let created = run(&[
        "user",
        "create",
        "--email",
        "ada@acme.test",
        "--name",
        "Ada",
    ]);
    let token = created
        .lines()
        .find_map(|l| l.strip_prefix("token "))
        .expect("token line")
        .to_owned();

    // A server without workers, to set up the workspace and read the result.
    let mut child = Command::new(BIN)
        .args(["serve", "--no-workers"])
        .current_dir(dir.path())
        .env("GOPIMI_DATABASE_URL", &url)
        .env("GOPIMI_LISTEN", "127.0.0.1:0")
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let first = lines.next().expect("a line").expect("utf-8");
    let base = format!(
        "http://{}/api/v1",
        first
            .strip_prefix("gopimi is listening on http://")
            .expect("banner")
    );
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let client = reqwest::Client::new();
    let ws = rt.block_on(async {
        let ws: serde_json::Value = client
            .post(format!("{base}/workspaces"))
            .bearer_auth(&token)
            .json(&serde_json::json!({"name": "Acme"}))
            .send()
            .await
            .expect("workspace")
            .json()
            .await
            .expect("json");
        let ws = ws["id"].as_str().expect("id").to_owned();
        let res = client
            .post(format!("{base}/workspaces/{ws}/emails"))
            .bearer_auth(&token)
            .json(&serde_json::json!({"address": "support@acme.test", "purpose": "ticket"}))
            .send()
            .await
            .expect("email");
        assert_eq!(res.status().as_u16(), 201);
        ws
    });

    let eml = dir.path().join("m.eml");
    std::fs::write(
        &eml,
        "From: Jo <jo@customer.test>\r\nTo: support@acme.test\r\nSubject: Separate worker\r\nMessage-ID: <sep-1@customer.test>\r\n\r\nhello\r\n",
    )
    .expect("write");
    run(&[
        "ingest",
        eml.to_str().expect("path"),
        "--recipient",
        "support@acme.test",
    ]);
    let drained = run(&["worker", "--drain"]);
    // The inbound processing, and the owner's notification of the new ticket.
    assert!(
        drained.contains("2 claimed, 2 succeeded, 0 retried, 0 dead"),
        "{drained}"
    );

    let tickets: serde_json::Value = rt.block_on(async {
        client
            .get(format!("{base}/workspaces/{ws}/tickets"))
            .bearer_auth(&token)
            .send()
            .await
            .expect("list")
            .json()
            .await
            .expect("json")
    });
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let _ = child.wait();
    assert_eq!(tickets["meta"]["total"], 1, "{tickets}");
    assert_eq!(tickets["data"][0]["subject"], "Separate worker");
}
