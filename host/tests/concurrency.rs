//! Many clients at once: every request succeeds, and a full queue answers 503 with
//! Retry-After instead of growing without bound.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use image::ImageFormat;
use serde_json::json;
use support::*;

fn body(side: u32) -> serde_json::Value {
    json!({
        "image": data_url("image/png", &encode_rgb(&photo(side, side), ImageFormat::Png)),
        "mask": data_url("image/png", &encode_gray_png(&rect_mask(side, side, side / 4, side / 4, side / 2, side / 2))),
        "cv2_flag": "INPAINT_TELEA",
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sixteen_concurrent_clients_with_mixed_sizes_all_succeed() {
    let s = TestServer::start().await;
    let bodies: Vec<_> = [64u32, 256, 128, 512]
        .iter()
        .map(|&side| (side, body(side)))
        .collect();
    let mut tasks = Vec::new();
    for i in 0..16 {
        let client = s.client.clone();
        let url = s.at("/api/v1/inpaint");
        let (side, body) = bodies[i % bodies.len()].clone();
        tasks.push(tokio::spawn(async move {
            let res = client.post(url).json(&body).send().await.expect("sent");
            let status = res.status();
            let bytes = res.bytes().await.expect("body");
            (side, status, bytes)
        }));
    }
    for task in tasks {
        let (side, status, bytes) = task.await.unwrap();
        assert_eq!(status, 200);
        let img = decode(&bytes);
        assert_eq!((img.width(), img.height()), (side, side));
    }
    // Health checks answer while the queue is busy: the executor was never blocked.
    let res = s
        .client
        .get(s.at("/api/v1/server-config"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_full_queue_answers_503_with_retry_after() {
    let s = TestServer::start_with(|c| c.queue_depth = 1).await;
    let big = body(1536);
    let mut tasks = Vec::new();
    for _ in 0..12 {
        let client = s.client.clone();
        let url = s.at("/api/v1/inpaint");
        let big = big.clone();
        tasks.push(tokio::spawn(async move {
            let res = client.post(url).json(&big).send().await.expect("sent");
            let retry = res
                .headers()
                .get("retry-after")
                .map(|v| v.to_str().unwrap_or("").to_owned());
            (
                res.status().as_u16(),
                retry,
                res.bytes().await.unwrap_or_default(),
            )
        }));
    }
    let mut ok = 0;
    let mut busy = 0;
    for task in tasks {
        let (status, retry, body) = task.await.unwrap();
        match status {
            200 => ok += 1,
            503 => {
                busy += 1;
                assert!(retry.is_some(), "503 without Retry-After");
                let err: serde_json::Value = serde_json::from_slice(&body).unwrap();
                assert_eq!(err["error"], "QueueFull");
            }
            other => panic!("unexpected status {other}"),
        }
    }
    assert!(ok >= 1, "nothing succeeded");
    assert!(
        busy >= 1,
        "12 large requests against a queue of 1 never filled it ({ok} ok)"
    );
}
