//! The first-party `remove-bg` mask generator: RMBG-1.4's network (IS-Net) run by the host
//! through `inference.run`. Without the weights the call says how to get them; once
//! `POST /api/v1/models/rmbg-1.4/download` fetched them from a local HTTP server (a narrow IS-Net
//! saved like the release, read by the real loader), both the plugin route and IOPaint's
//! `run_plugin_gen_mask` answer complementary foreground/background masks.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::Path;

use image::{Rgba, RgbaImage};
use serde_json::{Value, json};
use support::components::plugins_dir;
use support::weights_server::WeightsServer;
use support::*;

fn tiny_isnet() -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../models/tests/fixtures/isnet/tiny-isnet.pth"),
    )
    .unwrap()
}

fn picture() -> RgbaImage {
    RgbaImage::from_fn(48, 36, |x, y| {
        if (12..36).contains(&x) && (8..28).contains(&y) {
            Rgba([220, 180, 60, 255])
        } else {
            Rgba([30, 60, (x * 4) as u8, 255])
        }
    })
}

async fn run(s: &TestServer, select: &str) -> reqwest::Response {
    s.post_json(
        "/api/v1/plugins/remove-bg/run",
        &json!({
            "image": data_url("image/png", &encode_rgba_png(&picture())),
            "params": {"select": select, "resolution": "512"},
        }),
    )
    .await
}

async fn mask_of(res: reqwest::Response) -> image::GrayImage {
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    decode(&data_url_bytes(body["mask"].as_str().unwrap())).to_luma8()
}

#[tokio::test]
async fn remove_bg_segments_through_inference_once_rmbg_is_downloaded() {
    let Some(dir) = plugins_dir(&["remove-bg.wasm"]) else {
        return;
    };
    let weights = WeightsServer::start(tiny_isnet(), 0).await;
    let s = TestServer::start_with(|c| {
        c.plugins_dir = Some(dir.clone());
        c.plugin_cache = false;
        c.model_files.insert(
            "RMBG_1_4".into(),
            weights.file_override("/ok/pytorch_model.bin"),
        );
    })
    .await;

    // Listed as a mask generator for IOPaint's UI; without the model a clear answer.
    let cfg = s.get_json("/api/v1/server-config").await;
    assert!(
        cfg["plugins"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["name"] == "remove-bg" && p["support_gen_mask"] == true),
        "{cfg}"
    );
    let res = run(&s, "foreground").await;
    assert_eq!(res.status(), 422);
    let text = res.text().await.unwrap();
    assert!(text.contains("mend download rmbg-1.4"), "{text}");

    let res = s
        .post_json("/api/v1/models/rmbg-1.4/download", &json!({}))
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().await.unwrap()["state"], "ready");

    let fg = mask_of(run(&s, "foreground").await).await;
    let bg = mask_of(run(&s, "background").await).await;
    assert_eq!(fg.dimensions(), (48, 36));
    let marked = fg.pixels().filter(|p| p.0[0] == 255).count();
    assert!(
        marked > 0 && marked < 48 * 36,
        "{marked} pixels: the stretched probability map splits the picture"
    );
    assert!(
        fg.pixels()
            .zip(bg.pixels())
            .all(|(a, b)| a.0[0] ^ b.0[0] == 255)
    );

    // IOPaint's route runs the same generator.
    let res = s
        .post_json(
            "/api/v1/run_plugin_gen_mask",
            &json!({"name": "remove-bg", "image": data_url("image/png", &encode_rgba_png(&picture()))}),
        )
        .await;
    assert_eq!(res.status(), 200);
}
