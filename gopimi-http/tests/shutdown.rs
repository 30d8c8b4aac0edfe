//! Graceful shutdown: a request in flight when shutdown begins still gets its answer, and new
//! connections are refused.

mod common;

use common::TestServer;
use futures::StreamExt;
use reqwest::Method;
use std::time::Duration;

#[tokio::test]
async fn requests_in_flight_finish_after_shutdown_begins() {
    let mut s = TestServer::start().await;
    let ada = s.register("ada@example.com").await;
    let ws = s.workspace(&ada, "Acme").await;

    // A multipart upload whose second half arrives only after shutdown has begun.
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Vec<u8>, std::io::Error>>(4);
    let boundary = "gopimi-boundary";
    let head = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"slow.txt\"\r\nContent-Type: text/plain\r\n\r\nfirst half, "
    );
    let tail = format!("second half\r\n--{boundary}--\r\n");
    let body = reqwest::Body::wrap_stream(tokio_stream_from(rx));
    let request = s
        .as_user(&ada, Method::POST, &format!("/workspaces/{ws}/attachments"))
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(body)
        .send();
    let in_flight = tokio::spawn(request);
    tx.send(Ok(head.into_bytes())).await.expect("send head");
    tokio::time::sleep(Duration::from_millis(100)).await;

    s.begin_shutdown();
    tokio::time::sleep(Duration::from_millis(100)).await;
    tx.send(Ok(tail.into_bytes())).await.expect("send tail");
    drop(tx);

    let res = in_flight.await.expect("join").expect("answered");
    assert_eq!(
        res.status().as_u16(),
        201,
        "the request in flight completed"
    );
    let base = s.base.clone();
    s.stop().await;
    let after = reqwest::get(format!("{base}/health")).await;
    assert!(after.is_err(), "no new connections after shutdown");
}

fn tokio_stream_from(
    mut rx: tokio::sync::mpsc::Receiver<Result<Vec<u8>, std::io::Error>>,
) -> impl futures::Stream<Item = Result<Vec<u8>, std::io::Error>> {
    futures::stream::poll_fn(move |cx| rx.poll_recv(cx)).boxed()
}
