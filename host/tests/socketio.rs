//! Socket.IO: a real Socket.IO client (rust_socketio, Engine.IO v4) receives IOPaint's
//! `diffusion_progress` / `diffusion_finish` and mend's job events for an erase-model inpaint.

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
    for event in ["diffusion_progress", "diffusion_finish", "mend_progress", "mend_finish"] {
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
    while !seen.iter().any(|(e, _): &(String, String)| e == "mend_finish") {
        match tokio::time::timeout_at(deadline, rx.recv()).await {
            Ok(Some(ev)) => seen.push(ev),
            _ => break,
        }
    }
    let names: Vec<&str> = seen.iter().map(|(e, _)| e.as_str()).collect();
    assert!(names.contains(&"diffusion_finish"), "no diffusion_finish in {names:?}");
    assert!(names.contains(&"mend_finish"), "no mend_finish in {names:?}");
    assert!(names.contains(&"diffusion_progress"), "no diffusion_progress in {names:?}");
    let (_, progress) = seen.iter().find(|(e, _)| e == "diffusion_progress").unwrap();
    assert!(progress.contains("\"step\""), "progress payload {progress}");
    client.disconnect().await.ok();
}
