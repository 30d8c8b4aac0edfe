//! Parses `.eml` files and prints what the mail layer made of them: the normalized message as
//! JSON (attachment bytes left out).
//!
//! `cargo run -p gopimi-core --example parse_eml -- path/to/message.eml [more.eml ...]`

use gopimi_core::mail::{ParseOptions, parse_email};

fn main() {
    let paths: Vec<String> = std::env::args().skip(1).collect();
    if paths.is_empty() {
        eprintln!("usage: parse_eml <file.eml>...");
        std::process::exit(2);
    }
    for path in paths {
        let raw = match std::fs::read(&path) {
            Ok(raw) => raw,
            Err(e) => {
                eprintln!("{path}: {e}");
                continue;
            }
        };
        match parse_email(&raw, &ParseOptions::default()) {
            Ok(mut parsed) => {
                for a in &mut parsed.attachments {
                    a.data.clear();
                }
                let json = serde_json::to_string_pretty(&parsed).unwrap_or_else(|e| e.to_string());
                println!("== {path}\n{json}");
            }
            Err(e) => println!("== {path}\nnot parsed: {e}"),
        }
    }
}
