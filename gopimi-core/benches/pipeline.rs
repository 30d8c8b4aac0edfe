//! Inbound pipeline throughput on the memory store: the corpus ingested and processed into
//! tickets (parse, route, thread, commit), in messages per second, beside the ceiling of the
//! same messages parsed by mail-parser alone, and the ratio.
//!
//! `cargo bench -p gopimi-core --bench pipeline -- [rounds]` (default 20 rounds of the corpus;
//! each round delivers to a fresh workspace so every message is new).

use gopimi_core::blob::MemoryBlobStore;
use gopimi_core::mail::{InboundEmail, MessageIdSigner, RecordingSender, SpamVerdict};
use gopimi_core::model::Purpose;
use gopimi_core::pipeline::{InboundLimits, ingest_email, pipeline_runner};
use gopimi_core::service::{Caller, Helpdesk, NewWorkspaceEmail, Registration};
use gopimi_core::store::MemoryStore;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

fn corpus() -> Vec<Vec<u8>> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/corpus");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .map(|d| d.filter_map(|e| e.ok()).map(|e| e.path()).collect())
        .unwrap_or_default();
    files.retain(|p: &PathBuf| p.extension().is_some_and(|x| x == "eml"));
    files.sort();
    files.iter().filter_map(|p| std::fs::read(p).ok()).collect()
}

fn main() {
    let rounds: usize = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(20);
    let corpus = corpus();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");

    // Ceiling: mail-parser alone over the same bytes.
    let start = Instant::now();
    let mut parsed = 0usize;
    for _ in 0..rounds {
        for raw in &corpus {
            if mail_parser::MessageParser::default().parse(raw).is_some() {
                parsed += 1;
            }
        }
    }
    let ceiling = parsed as f64 / start.elapsed().as_secs_f64();

    let ours = rt.block_on(async {
        let hd = Helpdesk::builder(Arc::new(MemoryStore::new()))
            .blobs(Arc::new(MemoryBlobStore::new()))
            .build();
        let runner = pipeline_runner(
            &hd,
            Arc::new(RecordingSender::new()),
            MessageIdSigner::new(b"bench secret bench secret bench secret"),
            "bench",
        )
        .batch(64);
        let (owner, _) = hd
            .register(Registration::new(
                "Owner",
                "owner@bench.test",
                "correct horse battery",
            ))
            .await
            .expect("register");
        let caller = Caller::User(owner.id);
        let mut recipients = Vec::new();
        for r in 0..rounds {
            let ws = hd
                .create_workspace(&caller, &format!("Bench {r}"))
                .await
                .expect("ws");
            let address = format!("support-{r}@bench.test");
            hd.create_workspace_email(
                &caller,
                ws.id,
                NewWorkspaceEmail::new(&address, Purpose::Ticket),
            )
            .await
            .expect("email");
            recipients.push(address);
        }
        let start = Instant::now();
        let mut n = 0usize;
        for address in &recipients {
            for raw in &corpus {
                let email = InboundEmail {
                    raw: raw.clone(),
                    recipient: address.clone(),
                    sender: None,
                    provider: "raw".into(),
                    provider_key: None,
                    spam: SpamVerdict::default(),
                    received_at: None,
                };
                ingest_email(&hd, email, &InboundLimits::default())
                    .await
                    .expect("ingest");
                n += 1;
            }
            runner.drain(1000).await.expect("process");
        }
        n as f64 / start.elapsed().as_secs_f64()
    });
    println!(
        "pipeline (ingest + parse + route + thread + commit, memory store): {ours:.0} msg/s over {} messages",
        rounds * corpus.len()
    );
    println!("ceiling (mail-parser parse alone, same bytes): {ceiling:.0} msg/s");
    println!("ratio: {:.3}", ours / ceiling);
}
