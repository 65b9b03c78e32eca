//! The first-party `upscale` plugin's learned mode: Real-ESRGAN's compact network run by the
//! host through `inference.run`. Without the weights, `auto` falls back to Lanczos and naming
//! the model is a clear error; once `POST /api/v1/models/{name}/download` fetched the weights
//! from a local HTTP server (a small SRVGGNetCompact saved like Real-ESRGAN's releases, read by
//! the real loader), the plugin's tiles go through the host's network, and the colours equal
//! that network run directly.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::Path;

use image::{Rgba, RgbaImage};
use mend_models::device::ComputeDevice;
use mend_models::srvgg::SrVgg;
use mend_models::tensor_map::HostTensor;
use serde_json::{Value, json};
use support::components::plugins_dir;
use support::weights_server::WeightsServer;
use support::*;

fn tiny_srvgg() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../models/tests/fixtures/srvgg/tiny-srvgg.pth")
}

fn picture() -> RgbaImage {
    RgbaImage::from_fn(23, 17, |x, y| {
        Rgba([
            (x * 11) as u8,
            (y * 15) as u8,
            ((x * y) % 256) as u8,
            255 - (x as u8),
        ])
    })
}

async fn upscale(s: &TestServer, method: &str) -> reqwest::Response {
    s.post_json(
        "/api/v1/plugins/upscale/run",
        &json!({
            "image": data_url("image/png", &encode_rgba_png(&picture())),
            "params": {"scale": "4", "method": method},
        }),
    )
    .await
}

async fn image_of(res: reqwest::Response) -> RgbaImage {
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    decode(&data_url_bytes(body["image"].as_str().unwrap())).to_rgba8()
}

/// The network run directly on the picture's RGB, as the plugin rounds it.
fn direct(pth: &Path) -> Vec<[u8; 3]> {
    let map = mend_models::weights::load_state_dict(pth).unwrap();
    let net = SrVgg::from_state_dict(&map, ComputeDevice::cpu().device()).unwrap();
    let img = picture();
    let (w, h) = (img.width() as usize, img.height() as usize);
    let mut data = vec![0f32; 3 * w * h];
    for (i, p) in img.pixels().enumerate() {
        for c in 0..3 {
            data[c * w * h + i] = f32::from(p.0[c]) / 255.0;
        }
    }
    let out = net
        .run(&HostTensor::new(vec![1, 3, h, w], data).unwrap())
        .unwrap();
    let plane = 16 * w * h;
    (0..plane)
        .map(|i| [0, 1, 2].map(|c| (out.data[c * plane + i].clamp(0.0, 1.0) * 255.0).round() as u8))
        .collect()
}

#[tokio::test]
async fn upscale_uses_real_esrgan_through_inference_once_its_weights_exist() {
    let Some(dir) = plugins_dir(&["upscale.wasm"]) else {
        return;
    };
    let weights = WeightsServer::start(std::fs::read(tiny_srvgg()).unwrap(), 0).await;
    let s = TestServer::start_with(|c| {
        c.plugins_dir = Some(dir.clone());
        c.plugin_cache = false;
        c.model_files.insert(
            "REALESR_GENERAL_X4V3".into(),
            weights.file_override("/ok/realesr-general-x4v3.pth"),
        );
    })
    .await;
    let models = s.get_json("/api/v1/models").await;
    let esrgan = models
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == "realesr-general-x4v3")
        .cloned()
        .unwrap();
    assert_eq!(esrgan["kind"], "upscale");
    assert_eq!(esrgan["state"], "needs_download");
    // Not an erase model: never in IOPaint's model list, never selectable.
    let cfg = s.get_json("/api/v1/server-config").await;
    assert!(
        !cfg["modelInfos"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["name"] == "realesr-general-x4v3")
    );
    let res = s
        .post_json("/api/v1/model", &json!({"name": "realesr-general-x4v3"}))
        .await;
    assert_eq!(res.status(), 422);

    // No weights: auto is Lanczos, and asking for the model says how to get it.
    let lanczos = image_of(upscale(&s, "lanczos").await).await;
    assert_eq!(lanczos.dimensions(), (92, 68));
    assert_eq!(image_of(upscale(&s, "auto").await).await, lanczos);
    let res = upscale(&s, "realesr-general-x4v3").await;
    assert_eq!(res.status(), 422);
    let text = res.text().await.unwrap();
    assert!(
        text.contains("mend download realesr-general-x4v3"),
        "{text}"
    );

    // Fetch the weights without selecting anything.
    let res = s
        .post_json("/api/v1/models/realesr-general-x4v3/download", &json!({}))
        .await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["state"], "ready");
    assert!(
        s.data_dir
            .join("models/torch/hub/checkpoints/realesr-general-x4v3.pth")
            .is_file()
    );
    let res = s
        .post_json("/api/v1/models/no-such-model/download", &json!({}))
        .await;
    assert_eq!(res.status(), 404);

    let learned = image_of(upscale(&s, "auto").await).await;
    assert_eq!(learned.dimensions(), (92, 68));
    assert_ne!(learned, lanczos);
    let want = direct(&tiny_srvgg());
    for (i, p) in learned.pixels().enumerate() {
        assert_eq!([p.0[0], p.0[1], p.0[2]], want[i], "pixel {i}");
    }
    // Alpha is Lanczos-upscaled, as in the Lanczos result.
    assert!(
        learned
            .pixels()
            .zip(lanczos.pixels())
            .all(|(a, b)| a.0[3] == b.0[3])
    );
    assert_eq!(
        image_of(upscale(&s, "realesr-general-x4v3").await).await,
        learned
    );
}
