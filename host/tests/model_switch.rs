//! Model management through IOPaint's routes: server-config reports model states, and
//! `POST /api/v1/model` to a model whose weights are missing downloads them from a local HTTP
//! server (progress as `model_download` Socket.IO events), loads them through the factory's
//! built-in LaMa loader (the real TorchScript reader on a torch-written archive of a small
//! LaMa generator, architecture read off its shapes) and switches — while other requests keep
//! being answered; the erase then runs on the burn LaMa and changes the masked area only.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::Path;
use std::time::{Duration, Instant};

use futures_util::FutureExt;
use rust_socketio::Payload;
use rust_socketio::asynchronous::{Client, ClientBuilder};
use serde_json::{Value, json};
use support::weights_server::WeightsServer;
use support::*;
use tokio::sync::mpsc;

fn fixture_bytes() -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../models/tests/fixtures/torchscript/small-lama.pt"),
    )
    .unwrap()
}

async fn model_infos(s: &TestServer) -> Vec<Value> {
    let cfg: Value = s
        .client
        .get(s.at("/api/v1/server-config"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    cfg["modelInfos"].as_array().unwrap().clone()
}

async fn socket_events(url: &str) -> (Client, mpsc::UnboundedReceiver<Value>) {
    let (tx, rx) = mpsc::unbounded_channel::<Value>();
    let client = ClientBuilder::new(url.to_owned())
        .namespace("/")
        .on("model_download", move |payload: Payload, _: Client| {
            let tx = tx.clone();
            async move {
                if let Payload::Text(values) = payload
                    && let Some(v) = values.into_iter().next()
                {
                    let _ = tx.send(v);
                }
            }
            .boxed()
        })
        .connect()
        .await
        .expect("socket.io connects");
    tokio::time::sleep(Duration::from_millis(300)).await;
    (client, rx)
}

#[tokio::test]
async fn switching_to_a_missing_model_downloads_it_with_progress_and_loads_it() {
    let weights = WeightsServer::start(fixture_bytes(), 0).await;
    let s = TestServer::start_with(|c| {
        c.model_files
            .insert("LAMA".into(), weights.file_override("/slow/big-lama.pt"));
    })
    .await;
    let target = s.data_dir.join("models/torch/hub/checkpoints/big-lama.pt");

    // Before: lama and anime-lama are listed as needing a download, unsupported models are not.
    let infos = model_infos(&s).await;
    let names: Vec<&str> = infos.iter().map(|m| m["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["lama", "anime-lama", "cv2", "migan"]);
    assert_eq!(infos[0]["mend_state"], "needs_download");
    assert_eq!(infos[0]["mend_download_bytes"], 205_000_000);
    assert_eq!(infos[1]["mend_state"], "needs_download");
    assert_eq!(infos[2]["mend_state"], "ready");
    assert!(infos[2].get("mend_download_bytes").is_none());
    assert_eq!(infos[3]["mend_state"], "needs_download");
    assert_eq!(infos[0]["model_type"], "inpaint", "IOPaint's fields stay");

    let (socket, mut events) = socket_events(&s.url).await;
    let switch = {
        let client = s.client.clone();
        let at = s.at("/api/v1/model");
        tokio::spawn(async move {
            client
                .post(at)
                .json(&json!({"name": "lama"}))
                .send()
                .await
                .unwrap()
        })
    };
    // While the download runs (~0.3 s at 8 KiB / 20 ms), the server keeps answering, and a
    // second switch to the same model is refused instead of downloading twice.
    let first = tokio::time::timeout(Duration::from_secs(10), events.recv())
        .await
        .expect("a model_download event")
        .unwrap();
    assert_eq!(first["model"], "lama");
    assert_eq!(first["file"], "big-lama.pt");
    let t = Instant::now();
    let current: Value = s
        .client
        .get(s.at("/api/v1/model"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        current["name"], "cv2",
        "still the old model while downloading"
    );
    assert!(t.elapsed() < Duration::from_millis(500));
    let second = s.post_json("/api/v1/model", &json!({"name": "lama"})).await;
    assert_eq!(second.status(), 409);

    let res = switch.await.unwrap();
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["name"], "lama");
    assert!(target.is_file());
    // The converted archive is cached as safetensors beside it for the next load.
    let cached = std::fs::read_dir(target.parent().unwrap())
        .unwrap()
        .flatten()
        .any(|e| e.file_name().to_string_lossy().ends_with(".safetensors"));
    assert!(cached);

    // Progress events: increasing, ending with the complete file.
    let mut all = vec![first];
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    while !all.last().is_some_and(|e| e["done"] == true) {
        match tokio::time::timeout_at(deadline, events.recv()).await {
            Ok(Some(e)) => all.push(e),
            _ => break,
        }
    }
    let last = all.last().unwrap();
    assert_eq!(last["done"], true, "{all:?}");
    assert_eq!(last["downloaded"], weights.file.len());
    assert_eq!(last["total"], weights.file.len());
    let sizes: Vec<u64> = all
        .iter()
        .map(|e| e["downloaded"].as_u64().unwrap())
        .collect();
    assert!(sizes.windows(2).all(|w| w[0] <= w[1]), "{sizes:?}");

    // Now ready, and inpainting runs on the new model.
    let infos = model_infos(&s).await;
    assert_eq!(infos[0]["mend_state"], "ready");
    let img = photo(32, 32);
    let mask = rect_mask(32, 32, 4, 4, 20, 20);
    let res = s
        .post_json(
            "/api/v1/inpaint",
            &json!({
                "image": data_url("image/png", &encode_rgb(&img, image::ImageFormat::Png)),
                "mask": data_url("image/png", &encode_gray_png(&mask)),
            }),
        )
        .await;
    assert_eq!(res.status(), 200);
    let out = image::load_from_memory(&res.bytes().await.unwrap())
        .unwrap()
        .to_rgb8();
    assert_eq!(out.dimensions(), (32, 32));
    let (mut inside_changed, mut outside_changed) = (0, 0);
    for (x, y, m) in mask.enumerate_pixels() {
        let changed = out.get_pixel(x, y) != img.get_pixel(x, y);
        if m.0[0] > 127 {
            inside_changed += usize::from(changed);
        } else {
            outside_changed += usize::from(changed);
        }
    }
    assert_eq!(
        outside_changed, 0,
        "LaMa's composite keeps the unmasked pixels"
    );
    assert!(
        inside_changed > 100,
        "only {inside_changed} masked pixels changed"
    );
    let _ = socket.disconnect().await;
}

#[tokio::test]
async fn unsupported_and_offline_switches_fail_with_clear_json() {
    let s = TestServer::start_with(|c| c.local_files_only = true).await;
    // No runtime in this build: refused before any download.
    let res = s.post_json("/api/v1/model", &json!({"name": "mat"})).await;
    assert_eq!(res.status(), 422);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"], "ModelUnavailable");
    assert!(body["errors"].as_str().unwrap().contains("mat"));

    // Supported (built in) but weights missing and --local-files-only.
    let res = s.post_json("/api/v1/model", &json!({"name": "lama"})).await;
    assert_eq!(res.status(), 422);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"], "WeightsMissing");
    let errors = body["errors"].as_str().unwrap();
    assert!(errors.contains("big-lama.pt"), "{errors}");
    assert!(errors.contains("mend download lama"), "{errors}");
    let current: Value = s
        .client
        .get(s.at("/api/v1/model"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(current["name"], "cv2");
}
