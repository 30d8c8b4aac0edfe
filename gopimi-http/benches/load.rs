//! Load benchmark of the HTTP API: requests per second and p99 latency for the ticket list and
//! ticket creation, beside the raw ceiling of an axum hello-world JSON route measured in the same
//! run with the same client (see `LIMITS.md`: the ratio is what carries across machines).
//!
//! ```sh
//! cargo bench -p gopimi-http --bench load                      # in-memory store
//! GOPIMI_BENCH_DATABASE_URL=sqlite:///tmp/bench.db cargo bench -p gopimi-http --bench load
//! GOPIMI_BENCH_DATABASE_URL=postgres://... cargo bench -p gopimi-http --features postgres --bench load
//! ```
//! `GOPIMI_BENCH_SECONDS` (default 5) and `GOPIMI_BENCH_CONCURRENCY` (default 32) tune a run.
//! Traffic goes to 127.0.0.1 only, and every loop stops by itself.

use gopimi_core::blob::MemoryBlobStore;
use gopimi_core::service::Helpdesk;
use gopimi_http::{AppState, HttpConfig};
use reqwest::Client;
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::{Duration, Instant};

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

struct Figures {
    rps: f64,
    p50_ms: f64,
    p99_ms: f64,
    errors: u64,
}

/// Runs `concurrency` workers for `secs` seconds, each sending requests built by `make` and
/// recording latencies. At most 5 million requests in all.
async fn drive<F>(client: &Client, concurrency: u64, secs: u64, make: F) -> Figures
where
    F: Fn(&Client, u64) -> reqwest::RequestBuilder + Send + Sync + 'static,
{
    let make = Arc::new(make);
    let deadline = Instant::now() + Duration::from_secs(secs);
    let start = Instant::now();
    let mut tasks = Vec::new();
    for w in 0..concurrency {
        let client = client.clone();
        let make = make.clone();
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            let mut errors = 0u64;
            let mut i = 0u64;
            while Instant::now() < deadline && i < 5_000_000 / concurrency.max(1) {
                let t = Instant::now();
                match make(&client, w * 1_000_000 + i).send().await {
                    Ok(r) if r.status().is_success() => {
                        let _ = r.bytes().await;
                    }
                    _ => errors += 1,
                }
                lat.push(t.elapsed());
                i += 1;
            }
            (lat, errors)
        }));
    }
    let mut all = Vec::new();
    let mut errors = 0;
    for t in tasks {
        if let Ok((lat, e)) = t.await {
            all.extend(lat);
            errors += e;
        }
    }
    let elapsed = start.elapsed().as_secs_f64();
    all.sort();
    let pct = |p: f64| -> f64 {
        if all.is_empty() {
            return 0.0;
        }
        let i = ((all.len() as f64 * p).ceil() as usize).clamp(1, all.len()) - 1;
        all[i].as_secs_f64() * 1000.0
    };
    Figures {
        rps: all.len() as f64 / elapsed,
        p50_ms: pct(0.50),
        p99_ms: pct(0.99),
        errors,
    }
}

async fn serve(app: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(gopimi_http::server::serve(
        listener,
        app,
        std::future::pending(),
    ));
    format!("http://{addr}")
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(run());
}

async fn run() {
    let secs = env_num("GOPIMI_BENCH_SECONDS", 5);
    let conc = env_num("GOPIMI_BENCH_CONCURRENCY", 32);
    let url = std::env::var("GOPIMI_BENCH_DATABASE_URL").unwrap_or_else(|_| "memory://".into());
    let opened = gopimi_http::backend::open(&url).await.expect("open store");
    let helpdesk = Helpdesk::builder(opened.store.clone())
        .blobs(Arc::new(MemoryBlobStore::new()))
        .build();
    let config = HttpConfig {
        rate_limit_per_minute: u32::MAX,
        auth_rate_limit_per_minute: u32::MAX,
        ..HttpConfig::default()
    };
    let api = serve(gopimi_http::router(AppState::new(helpdesk, config))).await;
    let ceiling = serve(axum::Router::new().route(
        "/hello",
        axum::routing::get(|| async { axum::Json(json!({"hello": "world"})) }),
    ))
    .await;
    let client = Client::builder()
        .pool_max_idle_per_host(conc as usize)
        .build()
        .expect("client");

    // A user, a workspace, and 500 tickets to list.
    let email = format!("bench-{}@example.com", uuid::Uuid::now_v7());
    let reg: Value = client
        .post(format!("{api}/api/v1/auth/register"))
        .json(&json!({"name": "Bench", "email": email, "password": "correct horse battery"}))
        .send()
        .await
        .expect("register")
        .json()
        .await
        .expect("json");
    let token = reg["token"].as_str().expect("token").to_owned();
    let ws: Value = client
        .post(format!("{api}/api/v1/workspaces"))
        .bearer_auth(&token)
        .json(&json!({"name": "Bench"}))
        .send()
        .await
        .expect("workspace")
        .json()
        .await
        .expect("json");
    let ws = ws["id"].as_str().expect("id").to_owned();
    let tickets = format!("{api}/api/v1/workspaces/{ws}/tickets");
    for i in 0..500 {
        client
            .post(&tickets)
            .bearer_auth(&token)
            .json(&json!({"subject": format!("Seed ticket {i}")}))
            .send()
            .await
            .expect("seed");
    }

    let hello = format!("{ceiling}/hello");
    let raw = drive(&client, conc, secs, move |c, _| c.get(&hello)).await;
    let (t1, l1) = (token.clone(), format!("{tickets}?per_page=25"));
    let list = drive(&client, conc, secs, move |c, _| c.get(&l1).bearer_auth(&t1)).await;
    let (t2, l2) = (token.clone(), tickets.clone());
    let create = drive(&client, conc, secs, move |c, i| {
        c.post(&l2)
            .bearer_auth(&t2)
            .json(&json!({"subject": format!("Load ticket {i}"), "priority": "high"}))
    })
    .await;

    println!(
        "gopimi-http load: store {:?}, {conc} connections, {secs} s each, client on the same machine",
        opened.backend
    );
    println!(
        "{:<34} {:>10} {:>9} {:>9} {:>8} {:>8}",
        "scenario", "req/s", "p50 ms", "p99 ms", "errors", "ratio"
    );
    for (name, f) in [
        ("ceiling: axum hello-world JSON", &raw),
        ("GET tickets (25 per page)", &list),
        ("POST tickets", &create),
    ] {
        println!(
            "{:<34} {:>10.0} {:>9.2} {:>9.2} {:>8} {:>7.1}%",
            name,
            f.rps,
            f.p50_ms,
            f.p99_ms,
            f.errors,
            100.0 * f.rps / raw.rps.max(1.0)
        );
    }
}
