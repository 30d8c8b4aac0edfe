//! Parse throughput over the test corpus: `parse_email` (everything the pipeline needs from a
//! message) beside the raw ceiling, mail-parser alone parsing the same bytes with the same
//! configuration (and, for reference, with its default configuration, which also parses every
//! `Received` header).
//!
//! `cargo bench -p gopimi-core --bench parse`

use gopimi_core::mail::html_sanitize::sanitize_html;
use gopimi_core::mail::parse::message_parser;
use gopimi_core::mail::{ParseOptions, parse_email};
use mail_parser::MessageParser;
use std::hint::black_box;
use std::path::PathBuf;
use std::time::{Duration, Instant};

fn corpus() -> Vec<Vec<u8>> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("corpus folder")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "eml"))
        .collect();
    files.sort();
    files
        .iter()
        .map(|p| std::fs::read(p).expect("corpus file"))
        .collect()
}

/// Messages per second of `f` over the corpus, measured for at least `budget`.
fn rate(messages: &[Vec<u8>], budget: Duration, mut f: impl FnMut(&[u8])) -> f64 {
    // Warm up.
    for m in messages {
        f(m);
    }
    let start = Instant::now();
    let mut count = 0u64;
    while start.elapsed() < budget {
        for m in messages {
            f(m);
        }
        count += messages.len() as u64;
    }
    count as f64 / start.elapsed().as_secs_f64()
}

fn main() {
    let messages = corpus();
    let bytes: usize = messages.iter().map(Vec::len).sum();
    let budget = Duration::from_secs(3);
    let options = ParseOptions::default();
    let parser = message_parser();
    let default_parser = MessageParser::default();

    let ours = rate(&messages, budget, |m| {
        let _ = black_box(parse_email(black_box(m), &options));
    });
    let ceiling = rate(&messages, budget, |m| {
        let _ = black_box(parser.parse(black_box(m)));
    });
    let default_ceiling = rate(&messages, budget, |m| {
        let _ = black_box(default_parser.parse(black_box(m)));
    });

    // Where the difference goes: HTML sanitizing is the largest single cost.
    let htmls: Vec<String> = messages
        .iter()
        .filter_map(|m| parser.parse(m))
        .filter_map(|msg| {
            msg.html_body
                .iter()
                .find_map(|id| match msg.parts.get(*id as usize).map(|p| &p.body) {
                    Some(mail_parser::PartType::Html(h)) => Some(h.to_string()),
                    _ => None,
                })
        })
        .collect();
    let sanitize = rate(
        &htmls
            .iter()
            .map(|h| h.as_bytes().to_vec())
            .collect::<Vec<_>>(),
        budget,
        |h| {
            let _ = black_box(sanitize_html(std::str::from_utf8(h).unwrap_or_default()));
        },
    );

    println!(
        "corpus: {} messages, {:.1} KiB",
        messages.len(),
        bytes as f64 / 1024.0
    );
    println!("parse_email (gopimi):   {ours:>10.0} messages/s");
    println!("mail-parser alone:      {ceiling:>10.0} messages/s  (raw ceiling)");
    println!(
        "ratio:                  {:>10.2} of the ceiling",
        ours / ceiling
    );
    println!(
        "mail-parser, defaults:  {default_ceiling:>10.0} messages/s  (parses Received headers too)"
    );
    println!(
        "html sanitizing alone:  {sanitize:>10.0} bodies/s over the {} HTML bodies",
        htmls.len()
    );
}
