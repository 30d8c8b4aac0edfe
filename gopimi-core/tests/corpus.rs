//! The corpus in `tests/corpus/`: hand-written messages covering what real mail does to a
//! helpdesk (charsets, encoded words, HTML only, inline images, broken and truncated MIME,
//! Gmail/Outlook replies, auto-replies, bounces, forwards, lists, huge headers, invites).
//! `expected.json` beside them states what a user must see for each one; every message is
//! checked against it. Also: redelivery yields the same message, no prefix of a message
//! panics the parser, and no sanitized body keeps active content.

use gopimi_core::mail::{
    DropReason, ParseError, ParseLimits, ParseOptions, ParsedEmail, parse_email,
};
use serde_json::Value;
use std::path::PathBuf;

fn corpus_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/corpus")
}

fn manifest() -> Vec<Value> {
    let text = std::fs::read_to_string(corpus_dir().join("expected.json")).expect("manifest");
    let v: Value = serde_json::from_str(&text).expect("manifest is JSON");
    v["messages"].as_array().expect("messages").clone()
}

fn options_for(entry: &Value) -> ParseOptions {
    let mut options = ParseOptions::default();
    if let Some(limit) = entry["limits"]["max_attachment_bytes"].as_u64() {
        options.limits = ParseLimits {
            max_attachment_bytes: limit,
            ..ParseLimits::default()
        };
    }
    if let Some(list) = entry["loop_addresses"].as_array() {
        options.loop_addresses = list
            .iter()
            .filter_map(|v| v.as_str().map(String::from))
            .collect();
    }
    options
}

fn read(file: &str) -> Vec<u8> {
    std::fs::read(corpus_dir().join(file)).expect("corpus file")
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

fn marker_kind(m: &gopimi_core::mail::AutoMarker) -> String {
    let v = serde_json::to_value(m).expect("marker serializes");
    v["marker"].as_str().unwrap_or_default().to_string()
}

fn eq(errs: &mut Vec<String>, what: &str, got: String, want: String) {
    if got != want {
        errs.push(format!("{what}: got {got:?}, want {want:?}"));
    }
}

/// Checks one message; returns the mismatches.
fn check(entry: &Value, p: &ParsedEmail) -> Vec<String> {
    let mut errs = Vec::new();
    let obj = entry.as_object().expect("entry object");
    for (key, want) in obj {
        match key.as_str() {
            "file" | "limits" | "loop_addresses" => {}
            "from" => eq(
                &mut errs,
                "from",
                format!("{:?}", p.from.as_ref().map(|m| m.email.clone())),
                format!("{:?}", want.as_str().map(String::from)),
            ),
            "from_name" => eq(
                &mut errs,
                "from_name",
                format!("{:?}", p.from.as_ref().and_then(|m| m.name.clone())),
                format!("{:?}", want.as_str().map(String::from)),
            ),
            "to" => eq(
                &mut errs,
                "to",
                format!(
                    "{:?}",
                    p.to.iter().map(|m| m.email.clone()).collect::<Vec<_>>()
                ),
                format!("{:?}", strings(want)),
            ),
            "cc" => eq(
                &mut errs,
                "cc",
                format!(
                    "{:?}",
                    p.cc.iter().map(|m| m.email.clone()).collect::<Vec<_>>()
                ),
                format!("{:?}", strings(want)),
            ),
            "subject" => eq(
                &mut errs,
                "subject",
                p.subject.clone(),
                want.as_str().unwrap_or_default().into(),
            ),
            "normalized_subject" => eq(
                &mut errs,
                "normalized_subject",
                p.normalized_subject.clone(),
                want.as_str().unwrap_or_default().into(),
            ),
            "message_id" => {
                if want == "derived" {
                    if !p.message_id_derived || !p.message_id.starts_with("derived.") {
                        errs.push(format!("message_id: want derived, got {:?}", p.message_id));
                    }
                } else {
                    eq(
                        &mut errs,
                        "message_id",
                        p.message_id.clone(),
                        want.as_str().unwrap_or_default().into(),
                    );
                }
            }
            "date" => eq(
                &mut errs,
                "date",
                format!("{:?}", p.date.map(|d| d.to_rfc3339())),
                format!("{:?}", want.as_str().map(String::from)),
            ),
            "text" => eq(
                &mut errs,
                "text",
                p.text.clone(),
                want.as_str().unwrap_or_default().into(),
            ),
            "text_contains" => {
                let w = want.as_str().unwrap_or_default();
                if !p.text.contains(w) {
                    errs.push(format!("text does not contain {w:?}: {:?}", p.text));
                }
            }
            "text_from_html" => eq(
                &mut errs,
                "text_from_html",
                p.text_from_html.to_string(),
                want.to_string(),
            ),
            "new_text" => eq(
                &mut errs,
                "new_text",
                format!("{:?}", p.new_text),
                format!("{:?}", want.as_str().map(String::from)),
            ),
            "html" => eq(
                &mut errs,
                "html present",
                p.html.is_some().to_string(),
                want.to_string(),
            ),
            "html_contains" => {
                let html = p.html.clone().unwrap_or_default();
                for w in strings(want) {
                    if !html.contains(&w) {
                        errs.push(format!("html does not contain {w:?}: {html}"));
                    }
                }
            }
            "html_excludes" => {
                let html = p.html.clone().unwrap_or_default().to_lowercase();
                for w in strings(want) {
                    if html.contains(&w.to_lowercase()) {
                        errs.push(format!("html contains {w:?}: {html}"));
                    }
                }
            }
            "attachments" => eq(
                &mut errs,
                "listed attachments",
                p.listed_attachments().count().to_string(),
                want.to_string(),
            ),
            "inline" => eq(
                &mut errs,
                "inline parts",
                p.inline_parts().count().to_string(),
                want.to_string(),
            ),
            "attachment_names" => eq(
                &mut errs,
                "attachment names",
                format!(
                    "{:?}",
                    p.listed_attachments()
                        .map(|a| a.filename.clone())
                        .collect::<Vec<_>>()
                ),
                format!("{:?}", strings(want)),
            ),
            "attachment_types" => eq(
                &mut errs,
                "attachment types",
                format!(
                    "{:?}",
                    p.listed_attachments()
                        .map(|a| a.content_type.clone())
                        .collect::<Vec<_>>()
                ),
                format!("{:?}", strings(want)),
            ),
            "attachment_sizes" => eq(
                &mut errs,
                "attachment sizes",
                format!(
                    "{:?}",
                    p.listed_attachments().map(|a| a.size).collect::<Vec<_>>()
                ),
                format!(
                    "{:?}",
                    want.as_array()
                        .map(|a| a.iter().filter_map(Value::as_u64).collect::<Vec<_>>())
                        .unwrap_or_default()
                ),
            ),
            "attachment_contains" => {
                let first = p
                    .listed_attachments()
                    .next()
                    .map(|a| String::from_utf8_lossy(&a.data).into_owned());
                for w in strings(want) {
                    if !first.as_deref().unwrap_or_default().contains(&w) {
                        errs.push(format!("first attachment does not contain {w:?}"));
                    }
                }
            }
            "inline_content_ids" => eq(
                &mut errs,
                "inline content ids",
                format!(
                    "{:?}",
                    p.inline_parts()
                        .map(|a| a.content_id.clone().unwrap_or_default())
                        .collect::<Vec<_>>()
                ),
                format!("{:?}", strings(want)),
            ),
            "automatic" => eq(
                &mut errs,
                "automatic",
                p.is_automatic().to_string(),
                want.to_string(),
            ),
            "suppress_auto_response" => eq(
                &mut errs,
                "suppress_auto_response",
                p.suppress_auto_response().to_string(),
                want.to_string(),
            ),
            "auto_markers" => {
                let mut got: Vec<String> = p.auto.markers.iter().map(marker_kind).collect();
                let mut w = strings(want);
                got.sort();
                w.sort();
                eq(
                    &mut errs,
                    "auto markers",
                    format!("{got:?}"),
                    format!("{w:?}"),
                );
            }
            "bounce" => match (&p.bounce, want.is_null()) {
                (None, true) => {}
                (Some(b), true) => errs.push(format!("unexpected bounce {b:?}")),
                (None, false) => errs.push("bounce not detected".into()),
                (Some(b), false) => {
                    let bv = serde_json::to_value(b).expect("bounce serializes");
                    for field in ["outcome", "evidence", "original_message_id"] {
                        if let Some(w) = want.get(field) {
                            eq(
                                &mut errs,
                                &format!("bounce.{field}"),
                                bv[field].to_string(),
                                w.to_string(),
                            );
                        }
                    }
                    if let Some(w) = want.get("recipient") {
                        eq(
                            &mut errs,
                            "bounce.recipient",
                            format!("{:?}", b.recipients.first().map(|r| r.address.clone())),
                            format!("{:?}", w.as_str().map(String::from)),
                        );
                    }
                    if let Some(w) = want.get("status") {
                        eq(
                            &mut errs,
                            "bounce.status",
                            format!("{:?}", b.status().map(String::from)),
                            format!("{:?}", w.as_str().map(String::from)),
                        );
                    }
                }
            },
            "feedback_report" => {
                let got = serde_json::to_value(&p.feedback_report).expect("serializes");
                eq(
                    &mut errs,
                    "feedback_report",
                    got.to_string(),
                    want.to_string(),
                );
            }
            "forwarded" => match (&p.forwarded, want.is_null()) {
                (None, true) => {}
                (Some(f), true) => errs.push(format!("unexpected forward {f:?}")),
                (None, false) => errs.push("forward not detected".into()),
                (Some(f), false) => {
                    let fv = serde_json::to_value(f).expect("forward serializes");
                    for (k, field) in [
                        ("from", "from_address"),
                        ("from_name", "from_name"),
                        ("subject", "subject"),
                        ("source", "source"),
                        ("note", "note"),
                    ] {
                        if let Some(w) = want.get(k) {
                            eq(
                                &mut errs,
                                &format!("forwarded.{k}"),
                                fv[field].to_string(),
                                w.to_string(),
                            );
                        }
                    }
                    if let Some(w) = want.get("body_contains").and_then(Value::as_str)
                        && !f.body.as_deref().unwrap_or_default().contains(w)
                    {
                        errs.push(format!(
                            "forwarded body does not contain {w:?}: {:?}",
                            f.body
                        ));
                    }
                }
            },
            "ticket_token" => eq(
                &mut errs,
                "ticket_token",
                format!("{:?}", p.ticket_token),
                format!("{:?}", want.as_i64()),
            ),
            "in_reply_to" => eq(
                &mut errs,
                "in_reply_to",
                format!("{:?}", p.in_reply_to),
                format!("{:?}", want.as_str().map(String::from)),
            ),
            "references" => eq(
                &mut errs,
                "references",
                format!("{:?}", p.references),
                format!("{:?}", strings(want)),
            ),
            "references_count" => eq(
                &mut errs,
                "references count",
                p.references.len().to_string(),
                want.to_string(),
            ),
            "references_first" => eq(
                &mut errs,
                "references first",
                format!("{:?}", p.references.first()),
                format!("{:?}", want.as_str()),
            ),
            "references_last" => eq(
                &mut errs,
                "references last",
                format!("{:?}", p.references.last()),
                format!("{:?}", want.as_str()),
            ),
            "list_id" => eq(
                &mut errs,
                "list_id present",
                p.list_id.is_some().to_string(),
                want.to_string(),
            ),
            "dropped" => {
                let got: Vec<String> = p
                    .dropped
                    .iter()
                    .map(|d| {
                        let reason = match d.reason {
                            DropReason::AttachmentTooLarge { .. } => "attachment_too_large",
                            DropReason::MessageTooLarge { .. } => "message_too_large",
                            DropReason::BodyTruncated { .. } => "body_truncated",
                            DropReason::RawTooLarge { .. } => "raw_too_large",
                        };
                        format!(
                            "{}:{}:{reason}",
                            d.filename.clone().unwrap_or_default(),
                            d.size
                        )
                    })
                    .collect();
                let w: Vec<String> = want
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .map(|d| {
                                format!(
                                    "{}:{}:{}",
                                    d["filename"].as_str().unwrap_or_default(),
                                    d["size"],
                                    d["reason"].as_str().unwrap_or_default()
                                )
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                eq(&mut errs, "dropped", format!("{got:?}"), format!("{w:?}"));
            }
            other => errs.push(format!(
                "manifest key {other:?} is not checked by this test"
            )),
        }
    }
    errs
}

#[test]
fn every_corpus_message_matches_its_manifest_entry() {
    let entries = manifest();
    assert!(entries.len() >= 40, "the corpus holds at least 40 messages");
    let mut failures = Vec::new();
    for entry in &entries {
        let file = entry["file"].as_str().expect("file");
        match parse_email(&read(file), &options_for(entry)) {
            Ok(parsed) => {
                for e in check(entry, &parsed) {
                    failures.push(format!("{file}: {e}"));
                }
            }
            Err(e) => failures.push(format!("{file}: did not parse: {e}")),
        }
    }
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn every_file_in_the_corpus_folder_has_a_manifest_entry() {
    let listed: Vec<String> = manifest()
        .iter()
        .filter_map(|e| e["file"].as_str().map(String::from))
        .collect();
    for entry in std::fs::read_dir(corpus_dir()).expect("corpus dir") {
        let name = entry
            .expect("entry")
            .file_name()
            .to_string_lossy()
            .into_owned();
        if name.ends_with(".eml") {
            assert!(listed.contains(&name), "{name} has no manifest entry");
        }
    }
}

#[test]
fn redelivering_a_message_yields_the_same_message() {
    for entry in manifest() {
        let file = entry["file"].as_str().expect("file");
        let raw = read(file);
        let first = parse_email(&raw, &options_for(&entry)).expect("parses");
        let again = parse_email(&raw, &options_for(&entry)).expect("parses");
        assert_eq!(first.message_id, again.message_id, "{file}");
        assert_eq!(first, again, "{file}: parsing is deterministic");
    }
}

#[test]
fn a_derived_id_survives_relays_adding_trace_headers() {
    let raw = read("11-missing-message-id.eml");
    let relayed = [
        b"Received: from relay.example.net by mx.helpdesk.example; Thu, 14 Mar 2024 07:08:00 +0000\r\nX-Spam-Score: 0.1\r\n".as_slice(),
        raw.as_slice(),
    ]
    .concat();
    let a = parse_email(&raw, &ParseOptions::default()).expect("parses");
    let b = parse_email(&relayed, &ParseOptions::default()).expect("parses");
    assert!(a.message_id_derived);
    assert_eq!(a.message_id, b.message_id);
    let edited = String::from_utf8(raw.clone())
        .expect("utf8")
        .replace("Does the ticket", "Will the ticket");
    let c = parse_email(edited.as_bytes(), &ParseOptions::default()).expect("parses");
    assert_ne!(
        a.message_id, c.message_id,
        "different content, different id"
    );
}

#[test]
fn no_prefix_of_a_message_panics_the_parser() {
    for file in [
        "02-multipart-alternative.eml",
        "06-shift-jis.eml",
        "10-inline-image.eml",
        "14-gmail-reply.eml",
        "24-dsn-postfix.eml",
        "34-forward-as-attachment.eml",
        "35-apple-forward-german.eml",
    ] {
        let raw = read(file);
        for len in 0..=raw.len() {
            match parse_email(&raw[..len], &ParseOptions::default()) {
                Err(ParseError::ParserFailure) => {
                    panic!("{file}: the parser panicked on the first {len} bytes")
                }
                Ok(_) | Err(ParseError::Empty | ParseError::NoHeaders) => {}
            }
        }
    }
}

#[test]
fn sanitized_html_never_keeps_active_content() {
    for entry in manifest() {
        let file = entry["file"].as_str().expect("file");
        let parsed = parse_email(&read(file), &options_for(&entry)).expect("parses");
        let Some(html) = parsed.html else { continue };
        let lower = html.to_lowercase();
        for needle in [
            "<script",
            "javascript:",
            "onerror",
            "onload",
            "onclick",
            "<iframe",
            "<form",
            "url(",
        ] {
            assert!(
                !lower.contains(needle),
                "{file}: sanitized HTML keeps {needle}: {html}"
            );
        }
        for src in lower.split("src=\"").skip(1) {
            assert!(
                src.starts_with("cid:") || src.starts_with("data:image/"),
                "{file}: remote image source kept: {src}"
            );
        }
    }
}

#[test]
fn mutated_messages_never_panic_the_parser() {
    // Deterministic xorshift, so a failure reproduces.
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    const NOISE: &[u8] = b"\r\n-=<>:;\"\\";
    for entry in manifest() {
        let file = entry["file"].as_str().expect("file");
        let raw = read(file);
        for round in 0..200 {
            let mut m = raw.clone();
            for _ in 0..(1 + next() % 8) {
                if m.is_empty() {
                    break;
                }
                let i = (next() as usize) % m.len();
                match next() % 4 {
                    0 => m[i] = next() as u8,
                    1 => {
                        m.remove(i);
                    }
                    2 => m.insert(i, NOISE[(next() as usize) % NOISE.len()]),
                    _ => {
                        let j = (next() as usize) % m.len();
                        m.swap(i, j);
                    }
                }
            }
            if let Err(ParseError::ParserFailure) = parse_email(&m, &ParseOptions::default()) {
                panic!("{file}: mutation round {round} panicked the parser");
            }
        }
    }
}
