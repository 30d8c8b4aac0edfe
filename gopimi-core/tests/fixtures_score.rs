//! Scores the mail layer against real-world fixtures collected by other projects, without
//! copying them: runs only when `GOPIMI_FIXTURES_DIR` points at the shared fixtures folder
//! (e.g. `GOPIMI_FIXTURES_DIR=/work/shared/fixtures cargo test -p gopimi-core --test
//! fixtures_score -- --nocapture`). Prints the scores; fails when one drops below the floor
//! measured when the heuristics were last tuned. `GOPIMI_FIXTURES_VERBOSE=1` lists misses.

use gopimi_core::mail::{DeliveryOutcome, ParseOptions, ParsedEmail, parse_email};
use serde_json::Value;
use std::path::{Path, PathBuf};

fn fixtures_dir() -> Option<PathBuf> {
    std::env::var_os("GOPIMI_FIXTURES_DIR").map(PathBuf::from)
}

fn verbose() -> bool {
    std::env::var_os("GOPIMI_FIXTURES_VERBOSE").is_some()
}

fn read_json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).expect("expected.json readable");
    serde_json::from_str(&text).expect("expected.json is JSON")
}

/// Wraps a forwarded body the way the fixture's description says a runner should: a text/plain
/// message from an agent, with the subject file's content or "Fwd: <original subject>".
fn wrap_forward(body: &str, subject: &str) -> Vec<u8> {
    format!(
        "From: Agent <agent@help.example>\r\nTo: support@help.example\r\nSubject: {subject}\r\nMessage-ID: <fixture@help.example>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n{body}"
    )
    .into_bytes()
}

fn opt_str(v: &Value) -> Option<String> {
    v.as_str().map(str::to_string)
}

#[test]
fn forwarded_sender_recovery_score() {
    let Some(root) = fixtures_dir() else {
        eprintln!("GOPIMI_FIXTURES_DIR not set: forwarded fixtures not scored");
        return;
    };
    let base = root.join("forwarded/email-forward-parser");
    let expected = read_json(&base.join("expected.json"));
    let default_subject = format!(
        "Fwd: {}",
        expected["constants"]["SUBJECT"]
            .as_str()
            .unwrap_or_default()
    );
    let cases = expected["cases"].as_array().expect("cases");
    let (mut detection, mut sender, mut subject, mut notes, mut notes_total) = (0, 0, 0, 0, 0);
    for case in cases {
        let body_file = case["body_file"].as_str().expect("body_file");
        let body = std::fs::read_to_string(base.join(body_file)).expect("body readable");
        let subject_line = case["subject_file"]
            .as_str()
            .map(|f| std::fs::read_to_string(base.join(f)).expect("subject readable"))
            .map(|s| s.trim().to_string())
            .unwrap_or_else(|| default_subject.clone());
        let parsed = parse_email(
            &wrap_forward(&body, &subject_line),
            &ParseOptions::default(),
        )
        .expect("wrapped fixture parses");
        let want = &case["expected"];
        let want_forwarded = want["forwarded"].as_bool().unwrap_or(false);
        let got = parsed.forwarded.as_ref();
        let detected_ok = got.is_some() == want_forwarded;
        detection += usize::from(detected_ok);

        let sender_ok = if want_forwarded {
            got.is_some_and(|f| {
                let addr_ok = f.from_address.as_deref().map(str::to_lowercase)
                    == opt_str(&want["original_from_address"]).map(|s| s.to_lowercase());
                let name_ok = f.from_name == opt_str(&want["original_from_name"]);
                addr_ok && name_ok
            })
        } else {
            got.is_none()
        };
        sender += usize::from(sender_ok);
        let subject_ok = if want_forwarded {
            got.and_then(|f| f.subject.clone()) == opt_str(&want["original_subject"])
        } else {
            got.is_none()
        };
        subject += usize::from(subject_ok);
        if let Some(note) = want.get("forwarder_note") {
            notes_total += 1;
            let got_note = got.and_then(|f| f.note.clone());
            if got_note == opt_str(note) {
                notes += 1;
            } else if verbose() {
                println!("note miss {body_file}: {got_note:?}");
            }
        }
        if verbose() && !(sender_ok && subject_ok) {
            println!(
                "miss {body_file} [{subject_line}]: forwarded={} from={:?} <{:?}> subject={:?}",
                got.is_some(),
                got.and_then(|f| f.from_name.clone()),
                got.and_then(|f| f.from_address.clone()),
                got.and_then(|f| f.subject.clone())
            );
        }
    }
    let n = cases.len();
    println!("forwarded: {sender}/{n} original sender correct");
    println!("forwarded: {detection}/{n} forwarded-or-not correct");
    println!("forwarded: {subject}/{n} original subject correct");
    println!("forwarded: {notes}/{notes_total} forwarder note correct");
    assert!(
        sender * 100 >= n * 95,
        "sender recovery fell to {sender}/{n}"
    );
    assert!(
        detection * 100 >= n * 97,
        "forward detection fell to {detection}/{n}"
    );
}

fn kind_of(p: &ParsedEmail) -> &'static str {
    if let Some(b) = &p.bounce {
        if b.outcome == DeliveryOutcome::Delivered {
            "dsn-delivered"
        } else {
            "bounce"
        }
    } else if p.feedback_report.is_some() {
        "feedback-report"
    } else if p.is_automatic() {
        "auto-reply"
    } else {
        "not-bounce"
    }
}

#[test]
fn bounce_detection_score() {
    let Some(root) = fixtures_dir() else {
        eprintln!("GOPIMI_FIXTURES_DIR not set: bounce fixtures not scored");
        return;
    };
    let base = root.join("bounces/sisimai-set-of-emails");
    let expected = read_json(&base.join("expected.json"));
    let items = expected["items"].as_object().expect("items");
    let (mut kind_ok, mut bounces, mut bounces_found) = (0, 0, 0);
    let (mut status_total, mut status_ok) = (0, 0);
    let (mut rcpt_total, mut rcpt_found) = (0, 0);
    let (mut original_found, mut errors) = (0, 0);
    for (file, want) in items {
        let raw = std::fs::read(base.join(file)).expect("fixture readable");
        let parsed = match parse_email(&raw, &ParseOptions::default()) {
            Ok(p) => p,
            Err(e) => {
                errors += 1;
                println!("parse error {file}: {e}");
                continue;
            }
        };
        let want_kind = want["kind"].as_str().unwrap_or_default();
        let got_kind = kind_of(&parsed);
        if got_kind == want_kind {
            kind_ok += 1;
        } else if verbose() {
            println!(
                "kind miss {file}: want {want_kind}, got {got_kind} (subject {:?})",
                parsed.subject
            );
        }
        if want_kind != "bounce" {
            continue;
        }
        bounces += 1;
        let Some(bounce) = &parsed.bounce else {
            continue;
        };
        bounces_found += 1;
        if bounce.original_message_id.is_some() {
            original_found += 1;
        } else if verbose() {
            println!("original id miss {file}");
        }
        let rows = want["expected_from_sisimai_tests"].as_array();
        let first = rows.and_then(|r| r.first());
        // sisimai's x.x.9xx codes are its own inventions, never in the mail.
        if let Some(status) = first
            .and_then(|r| r["status"].as_str())
            .filter(|s| !s.is_empty())
            .filter(|s| {
                s.rsplit('.')
                    .next()
                    .and_then(|d| d.parse::<u32>().ok())
                    .is_some_and(|d| d < 900)
            })
        {
            status_total += 1;
            if bounce.status() == Some(status) {
                status_ok += 1;
            } else if verbose() {
                println!(
                    "status miss {file}: want {status}, got {:?}",
                    bounce.status()
                );
            }
        }
        if first.is_some() {
            rcpt_total += 1;
            if bounce.recipients.iter().any(|r| !r.address.is_empty()) {
                rcpt_found += 1;
            }
        }
    }
    let n = items.len();
    println!(
        "bounces: {kind_ok}/{n} kind correct (bounce / auto-reply / feedback-report / dsn-delivered / not-bounce)"
    );
    println!("bounces: {bounces_found}/{bounces} bounces detected");
    println!(
        "bounces: {status_ok}/{status_total} DSN status code correct (sisimai x.x.9xx codes excluded)"
    );
    println!("bounces: {rcpt_found}/{rcpt_total} failed recipient found");
    println!("bounces: {original_found}/{bounces_found} original Message-ID recovered");
    assert_eq!(errors, 0, "every fixture parses");
    assert!(
        bounces_found * 100 >= bounces * 95,
        "bounce detection fell to {bounces_found}/{bounces}"
    );
    assert!(
        kind_ok * 100 >= n * 93,
        "kind accuracy fell to {kind_ok}/{n}"
    );
}
