//! SIGKILL during a paid call: the real `mend` binary is killed while its provider call is in
//! flight (the reservation is visible in the budget), then restarted on the same data dir. The
//! reservation must be released and the job marked failed ("interrupted"); nothing was
//! charged.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::{Duration, Instant};

use image::ImageFormat;
use serde_json::{Value, json};
use support::fake_provider::FakeProvider;
use support::process::{MendProcess, get_json};
use support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_during_a_call_leaves_no_stuck_reservation() {
    let key = "sk-crash-test-key";
    let provider = FakeProvider::start(key).await;
    provider.set(|b| b.delay_ms = 30_000);
    let dir = temp_dir("cloud-crash");
    let data = dir.join("data");
    let key_file = dir.join("key");
    std::fs::write(&key_file, format!("{key}\n")).unwrap();
    let log = dir.join("mend.log");
    let args = [
        "--openai-base-url",
        provider.base_url.as_str(),
        "--openai-api-key-file",
        key_file.to_str().unwrap(),
    ];
    let mut server = MendProcess::start(&data, &log, &args).await;
    let client = reqwest::Client::new();
    let body = json!({
        "image": data_url("image/png", &encode_rgb(&photo(64, 48), ImageFormat::Png)),
        "mask": data_url("image/png", &encode_gray_png(&rect_mask(64, 48, 8, 8, 24, 24))),
        "prompt": "a lamp",
        "model": "gpt-image-1",
        "quality": "low",
        "session_id": "victim",
    });
    let url = server.at("/api/v1/cloud/edit");
    let call = {
        let client = client.clone();
        tokio::spawn(async move { client.post(url).json(&body).send().await })
    };
    let status_url = server.at("/api/v1/budget?session_id=victim");
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let s = get_json(&client, &status_url).await;
        if s["reserved"]["session"].as_f64().unwrap() > 0.0 && provider.calls() == 1 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the call never reached the provider: {s}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    server.kill9();
    assert!(
        call.await.unwrap().is_err(),
        "the killed server cannot have answered"
    );

    let server = MendProcess::start(&data, &log, &args).await;
    let s: Value = get_json(&client, &server.at("/api/v1/budget?session_id=victim")).await;
    assert_eq!(s["reserved"]["session"].as_f64().unwrap(), 0.0, "{s}");
    assert_eq!(s["reserved"]["day"].as_f64().unwrap(), 0.0, "{s}");
    assert_eq!(s["spent"]["day"].as_f64().unwrap(), 0.0, "{s}");
    let failed = get_json(&client, &server.at("/api/v1/jobs?state=failed")).await;
    assert_eq!(failed["total"], 1, "{failed}");
    assert_eq!(failed["items"][0]["error"], "interrupted");
    assert_eq!(failed["items"][0]["provider"], "openai");
    let running = get_json(&client, &server.at("/api/v1/jobs?state=running")).await;
    assert_eq!(running["total"], 0);
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}
