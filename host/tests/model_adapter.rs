//! Model-adapter plugins and plugins' `inference` on the engine, through the HTTP API with the
//! real components (`scripts/build-plugins`) and a torch-traced small LaMa served by a local
//! HTTP server as the weights:
//!
//! - the first-party `anime-lama` adapter wraps the built-in `anime-lama` model: listed with
//!   `mend_plugin`, selected like any model (download, md5, load on the `lama` architecture),
//!   its `preprocess` grows the mask by its configured `line_margin`, and when it is disabled
//!   the model it wrapped fails with an error naming it until the model is selected again;
//! - `test-lama-adapter` adds a model of its own name, `test-lama`, whose weights go to
//!   IOPaint's layout under the model's own override prefix (`TEST_LAMA_MODEL_URL`);
//! - `test-inpaint-with` runs the loaded learned model through `inference.inpaint`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::Path;

use image::{GrayImage, RgbImage};
use serde_json::{Value, json};
use support::components::plugins_dir;
use support::weights_server::WeightsServer;
use support::*;

fn fixture_bytes() -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../models/tests/fixtures/torchscript/small-lama.pt"),
    )
    .unwrap()
}

async fn model_info(s: &TestServer, name: &str) -> Value {
    let cfg = s.get_json("/api/v1/server-config").await;
    cfg["modelInfos"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == name)
        .cloned()
        .unwrap_or(Value::Null)
}

fn request(img: &RgbImage, mask: &GrayImage) -> Value {
    json!({
        "image": data_url("image/png", &encode_rgb(img, image::ImageFormat::Png)),
        "mask": data_url("image/png", &encode_gray_png(mask)),
    })
}

async fn inpaint(s: &TestServer, img: &RgbImage, mask: &GrayImage) -> RgbImage {
    let res = s.post_json("/api/v1/inpaint", &request(img, mask)).await;
    assert_eq!(res.status(), 200);
    decode(&res.bytes().await.unwrap()).to_rgb8()
}

const SIDE: u32 = 48;

/// The test picture and a mask over `16..32 × 16..32`.
fn scene() -> (RgbImage, GrayImage) {
    (photo(SIDE, SIDE), rect_mask(SIDE, SIDE, 16, 16, 32, 32))
}

/// Changed pixels: inside the mask, in the 2-pixel ring around it, and farther out.
fn changes(img: &RgbImage, out: &RgbImage) -> (usize, usize, usize) {
    let (mut inside, mut ring, mut far) = (0, 0, 0);
    for (x, y, p) in out.enumerate_pixels() {
        if p == img.get_pixel(x, y) {
            continue;
        }
        // Distance (Chebyshev) from the masked square.
        let d = x
            .saturating_sub(31)
            .max(16u32.saturating_sub(x))
            .max(y.saturating_sub(31).max(16u32.saturating_sub(y)));
        match d {
            0 => inside += 1,
            1..=2 => ring += 1,
            _ => far += 1,
        }
    }
    (inside, ring, far)
}

#[tokio::test]
async fn the_anime_lama_adapter_wraps_the_built_in_model_while_it_is_enabled() {
    let Some(dir) = plugins_dir(&["anime-lama.wasm"]) else {
        return;
    };
    let weights = WeightsServer::start(fixture_bytes(), 0).await;
    let s = TestServer::start_with(|c| {
        c.plugins_dir = Some(dir.clone());
        c.plugin_cache = false;
        c.model_files.insert(
            "ANIME_LAMA".into(),
            weights.file_override("/ok/anime-manga-big-lama.pt"),
        );
    })
    .await;

    // Listed as the built-in model with the adapter's processing; lama is untouched.
    let anime = model_info(&s, "anime-lama").await;
    assert_eq!(anime["mend_plugin"], "anime-lama", "{anime}");
    assert_eq!(anime["mend_state"], "needs_download");
    assert!(model_info(&s, "lama").await.get("mend_plugin").is_none());
    let plugins = s.get_json("/api/v1/plugins").await;
    let listing = plugins["plugins"]
        .as_array()
        .or_else(|| plugins.as_array())
        .unwrap()
        .iter()
        .find(|p| p["id"] == "anime-lama")
        .cloned()
        .unwrap();
    assert_eq!(listing["model"]["architecture"], "lama", "{listing}");
    assert_eq!(listing["model"]["pad_mod"], 8);

    // Selecting it downloads the weights (md5-checked) and loads the network under the adapter.
    let res = s
        .post_json("/api/v1/model", &json!({"name": "anime-lama"}))
        .await;
    assert_eq!(res.status(), 200);
    let current: Value = res.json().await.unwrap();
    assert_eq!(current["name"], "anime-lama");
    assert_eq!(current["mend_plugin"], "anime-lama");
    assert!(
        s.data_dir
            .join("models/torch/hub/checkpoints/anime-manga-big-lama.pt")
            .is_file()
    );

    // preprocess grew the mask by line_margin = 2: the ring around the square is redrawn too,
    // and nothing farther out changes.
    let (img, mask) = scene();
    let (inside, ring, far) = changes(&img, &inpaint(&s, &img, &mask).await);
    assert!(inside > 200, "{inside} masked pixels changed");
    assert!(
        ring > 20,
        "only {ring} ring pixels changed: the mask was not grown"
    );
    assert_eq!(far, 0);

    // Its settings apply to the next run: no margin, no ring.
    let res = s
        .client
        .put(s.at("/api/v1/plugins/anime-lama/config"))
        .json(&json!({"line_margin": 0}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let (inside, ring, far) = changes(&img, &inpaint(&s, &img, &mask).await);
    assert!(inside > 200);
    assert_eq!((ring, far), (0, 0));

    // Disabled: the listing drops it, and the loaded model refuses to run without it.
    let res = s
        .post_json("/api/v1/plugins/anime-lama/disable", &json!({}))
        .await;
    assert_eq!(res.status(), 200);
    assert!(
        model_info(&s, "anime-lama")
            .await
            .get("mend_plugin")
            .is_none()
    );
    let res = s.post_json("/api/v1/inpaint", &request(&img, &mask)).await;
    assert_eq!(res.status(), 422);
    let body: Value = res.json().await.unwrap();
    let detail = body.to_string();
    assert!(
        detail.contains("anime-lama") && detail.contains("not available"),
        "{detail}"
    );

    // Selecting the name again loads the built-in model as it is (the file is already there).
    let res = s
        .post_json("/api/v1/model", &json!({"name": "anime-lama"}))
        .await;
    assert_eq!(res.status(), 200);
    let current: Value = res.json().await.unwrap();
    assert!(current.get("mend_plugin").is_none(), "{current}");
    let (inside, ring, far) = changes(&img, &inpaint(&s, &img, &mask).await);
    assert!(inside > 200);
    assert_eq!((ring, far), (0, 0));
}

#[tokio::test]
async fn an_adapter_adds_a_model_of_its_own_name() {
    let Some(dir) = plugins_dir(&["test/lama-adapter.wasm"]) else {
        return;
    };
    let weights = WeightsServer::start(fixture_bytes(), 0).await;
    let s = TestServer::start_with(|c| {
        c.plugins_dir = Some(dir.clone());
        c.plugin_cache = false;
        // The model's own override prefix: `test-lama` → TEST_LAMA.
        c.model_files.insert(
            "TEST_LAMA".into(),
            weights.file_override("/ok/test-lama.pt"),
        );
    })
    .await;

    let info = model_info(&s, "test-lama").await;
    assert_eq!(info["mend_plugin"], "test-lama-adapter", "{info}");
    assert_eq!(info["mend_state"], "needs_download");
    let res = s
        .post_json("/api/v1/model", &json!({"name": "test-lama"}))
        .await;
    assert_eq!(res.status(), 200);
    assert!(
        s.data_dir
            .join("models/torch/hub/checkpoints/test-lama.pt")
            .is_file()
    );
    assert_eq!(model_info(&s, "test-lama").await["mend_state"], "ready");

    let (img, mask) = scene();
    let out = inpaint(&s, &img, &mask).await;
    assert_eq!(
        out.get_pixel(0, 0).0,
        [255, 0, 255],
        "postprocess marks the result"
    );
    let (inside, ring, _) = changes(&img, &out);
    assert!(inside > 200);
    assert_eq!(ring, 0, "preprocess passes the mask through");

    // A wrong md5 is refused and nothing is loaded.
    let bad = TestServer::start_with(|c| {
        c.plugins_dir = Some(dir.clone());
        c.plugin_cache = false;
        let mut wrong = weights.file_override("/ok/test-lama.pt");
        wrong.md5 = Some("0".repeat(32));
        c.model_files.insert("TEST_LAMA".into(), wrong);
    })
    .await;
    let res = bad
        .post_json("/api/v1/model", &json!({"name": "test-lama"}))
        .await;
    assert_eq!(res.status(), 502);
    assert!(res.text().await.unwrap().contains("md5"));
    assert_eq!(
        bad.get_json("/api/v1/model").await["name"],
        "cv2",
        "the old model stays"
    );
}

#[tokio::test]
async fn plugins_run_the_loaded_learned_model_through_inference() {
    let Some(dir) = plugins_dir(&["test/inpaint-with.wasm"]) else {
        return;
    };
    let weights = WeightsServer::start(fixture_bytes(), 0).await;
    let s = TestServer::start_with(|c| {
        c.plugins_dir = Some(dir.clone());
        c.plugin_cache = false;
        c.plugin_grants
            .insert("test-inpaint-with".into(), vec!["inference".into()]);
        c.model_files
            .insert("LAMA".into(), weights.file_override("/ok/big-lama.pt"));
    })
    .await;
    let (img, mask) = scene();
    let run = |model: &str| {
        json!({
            "image": data_url("image/png", &encode_rgb(&img, image::ImageFormat::Png)),
            "mask": data_url("image/png", &encode_gray_png(&mask)),
            "params": {"model": model},
        })
    };

    // lama is not loaded yet: a clear error listing what is.
    let res = s
        .post_json("/api/v1/plugins/test-inpaint-with/run", &run("lama"))
        .await;
    assert_eq!(res.status(), 422);
    let text = res.text().await.unwrap();
    assert!(
        text.contains("not loaded") && text.contains("cv2"),
        "{text}"
    );

    let res = s.post_json("/api/v1/model", &json!({"name": "lama"})).await;
    assert_eq!(res.status(), 200);
    let res = s
        .post_json("/api/v1/plugins/test-inpaint-with/run", &run("lama"))
        .await;
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    let through_plugin = decode(&data_url_bytes(body["image"].as_str().unwrap())).to_rgb8();
    // The same model on the same input through the API gives the same pixels.
    let direct = inpaint(&s, &img, &mask).await;
    assert_eq!(through_plugin, direct);
    let (inside, ring, far) = changes(&img, &through_plugin);
    assert!(inside > 200);
    assert_eq!((ring, far), (0, 0));
}
