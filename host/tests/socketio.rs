//! Socket.IO: a real Socket.IO client (rust_socketio, Engine.IO v4) receives IOPaint's
//! `diffusion_progress` / `diffusion_finish` and mend's job events for an erase-model inpaint.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::Duration;

use futures_util::FutureExt;
use image::ImageFormat;
use rust_socketio::Payload;
use rust_socketio::asynchronous::{Client, ClientBuilder};
use serde_json::json;
use support::*;
use tokio::sync::mpsc;

#[tokio::test]
async fn inpaint_emits_progress_and_finish_to_socketio_clients() {
    let s = TestServer::start().await;
    let (tx, mut rx) = mpsc::unbounded_channel::<(String, String)>();
    let mut builder = ClientBuilder::new(s.url.clone()).namespace("/");
    for event in [
        "diffusion_progress",
        "diffusion_finish",
        "mend_progress",
        "mend_finish",
    ] {
        let tx = tx.clone();
        builder = builder.on(event, move |payload: Payload, _: Client| {
            let tx = tx.clone();
            async move {
                let text = match payload {
                    Payload::Text(values) => serde_json::to_string(&values).unwrap_or_default(),
                    other => format!("{other:?}"),
                };
                let _ = tx.send((event.to_owned(), text));
            }
            .boxed()
        });
    }
    let (ctx, mut crx) = mpsc::unbounded_channel::<()>();
    builder = builder.on("open", move |_, _| {
        let ctx = ctx.clone();
        async move {
            let _ = ctx.send(());
        }
        .boxed()
    });
    let client = builder.connect().await.expect("socket.io connects");
    let _ = tokio::time::timeout(Duration::from_secs(5), crx.recv()).await;
    // Give the namespace connect a moment to complete on the server.
    tokio::time::sleep(Duration::from_millis(200)).await;

    let body = json!({
        "image": data_url("image/png", &encode_rgb(&photo(64, 64), ImageFormat::Png)),
        "mask": data_url("image/png", &encode_gray_png(&rect_mask(64, 64, 10, 10, 40, 40))),
    });
    let res = s.post_json("/api/v1/inpaint", &body).await;
    assert_eq!(res.status(), 200);

    let mut seen = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !seen
        .iter()
        .any(|(e, _): &(String, String)| e == "mend_finish")
    {
        match tokio::time::timeout_at(deadline, rx.recv()).await {
            Ok(Some(ev)) => seen.push(ev),
            _ => break,
        }
    }
    let names: Vec<&str> = seen.iter().map(|(e, _)| e.as_str()).collect();
    // rust_socketio does not dispatch argument-less events such as IOPaint's
    // `diffusion_finish`; its exact frame is checked over the polling transport below.
    assert!(
        names.contains(&"mend_finish"),
        "no mend_finish in {names:?}"
    );
    assert!(
        names.contains(&"diffusion_progress"),
        "no diffusion_progress in {names:?}"
    );
    let (_, progress) = seen
        .iter()
        .find(|(e, _)| e == "diffusion_progress")
        .unwrap();
    assert!(progress.contains("\"step\""), "progress payload {progress}");
    client.disconnect().await.ok();
}

/// The raw Engine.IO v4 polling transport, as IOPaint's UI falls back to it: the handshake,
/// the namespace connect, and the exact frames IOPaint sends (`42["diffusion_finish"]` has no
/// argument).
#[tokio::test]
async fn polling_transport_carries_iopaints_exact_frames() {
    let s = TestServer::start().await;
    let base = s.at("/socket.io/?EIO=4&transport=polling");
    let open = s
        .client
        .get(&base)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(open.starts_with('0'), "{open}");
    let handshake: serde_json::Value = serde_json::from_str(&open[1..]).unwrap();
    assert_eq!(handshake["upgrades"], json!(["websocket"]));
    let sid = handshake["sid"].as_str().unwrap().to_owned();
    let url = format!("{base}&sid={sid}");
    let res = s.client.post(&url).body("40").send().await.unwrap();
    assert_eq!(res.status(), 200);
    let connected = s
        .client
        .get(&url)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(connected.contains("40{\"sid\""), "{connected}");

    let body = json!({
        "image": data_url("image/png", &encode_rgb(&photo(32, 32), ImageFormat::Png)),
        "mask": data_url("image/png", &encode_gray_png(&rect_mask(32, 32, 4, 4, 20, 20))),
    });
    assert_eq!(s.post_json("/api/v1/inpaint", &body).await.status(), 200);

    let mut frames = String::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !frames.contains("mend_finish") && tokio::time::Instant::now() < deadline {
        frames.push_str(
            &s.client
                .get(&url)
                .send()
                .await
                .unwrap()
                .text()
                .await
                .unwrap(),
        );
        frames.push('\u{1e}');
    }
    let packets: Vec<&str> = frames.split('\u{1e}').collect();
    assert!(
        packets.contains(&r#"42["diffusion_finish"]"#),
        "{packets:?}"
    );
    assert!(
        packets
            .iter()
            .any(|p| p.starts_with(r#"42["diffusion_progress",{"step":"#)),
        "{packets:?}"
    );
    let finish = packets
        .iter()
        .position(|p| *p == r#"42["diffusion_finish"]"#)
        .unwrap();
    let last_progress = packets
        .iter()
        .rposition(|p| p.contains("diffusion_progress"))
        .unwrap();
    assert!(last_progress < finish, "progress after finish: {packets:?}");
}
