//! MI-GAN through IOPaint's routes: `POST /api/v1/model {"name": "migan"}` downloads a
//! torch-traced small MI-GAN (R 32, `models/scripts/migan_reference.py`) from a local HTTP
//! server, loads it with the built-in loader (real TorchScript reader) and erases with
//! IOPaint's MI-GAN strategy: each mask region cropped, resized to the model's side, run and
//! pasted back — the request's HD strategy ignored — with every unmasked pixel kept.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::Path;

use image::{GrayImage, Luma, RgbImage};
use serde_json::{Value, json};
use support::weights_server::WeightsServer;
use support::*;

fn fixture_bytes() -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../models/tests/fixtures/migan/tiny-migan.pt"),
    )
    .unwrap()
}

async fn erase(s: &TestServer, img: &RgbImage, mask: &GrayImage, strategy: &str) -> RgbImage {
    let res = s
        .post_json(
            "/api/v1/inpaint",
            &json!({
                "image": data_url("image/png", &encode_rgb(img, image::ImageFormat::Png)),
                "mask": data_url("image/png", &encode_gray_png(mask)),
                "hd_strategy": strategy,
                "hd_strategy_crop_trigger_size": 40,
            }),
        )
        .await;
    assert_eq!(res.status(), 200);
    decode(&res.bytes().await.unwrap()).to_rgb8()
}

/// (masked pixels changed, unmasked pixels changed)
fn changes(before: &RgbImage, after: &RgbImage, mask: &GrayImage) -> (usize, usize) {
    assert_eq!(before.dimensions(), after.dimensions());
    let (mut inside, mut outside) = (0, 0);
    for (x, y, m) in mask.enumerate_pixels() {
        let changed = usize::from(before.get_pixel(x, y) != after.get_pixel(x, y));
        if m.0[0] > 127 {
            inside += changed;
        } else {
            outside += changed;
        }
    }
    (inside, outside)
}

#[tokio::test]
async fn migan_downloads_loads_and_erases_each_region_keeping_the_rest() {
    let weights = WeightsServer::start(fixture_bytes(), 0).await;
    let s = TestServer::start_with(|c| {
        c.model_files
            .insert("MIGAN".into(), weights.file_override("/ok/migan_traced.pt"));
    })
    .await;
    let res = s
        .post_json("/api/v1/model", &json!({"name": "migan"}))
        .await;
    let status = res.status();
    let body: Value = res.json().await.unwrap();
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["name"], "migan");
    assert!(
        s.data_dir
            .join("models/torch/hub/checkpoints/migan_traced.pt")
            .is_file()
    );
    let cfg = s.get_json("/api/v1/server-config").await;
    let info = cfg["modelInfos"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == "migan")
        .unwrap()
        .clone();
    assert_eq!(info["mend_state"], "ready");

    // Two regions far apart on a 150×100 image: two crops, each resized to fit 32×32.
    let img = photo(150, 100);
    let mut mask = rect_mask(150, 100, 10, 10, 30, 28);
    for y in 60..90 {
        for x in 110..140 {
            mask.put_pixel(x, y, Luma([255]));
        }
    }
    let out = erase(&s, &img, &mask, "Crop").await;
    let (inside, outside) = changes(&img, &out, &mask);
    assert_eq!(outside, 0, "unmasked pixels are kept");
    assert!(inside > 800, "only {inside} of 1260 masked pixels changed");
    // Both regions were filled.
    let region = |x0: u32, y0: u32, x1: u32, y1: u32| {
        (y0..y1)
            .flat_map(|y| (x0..x1).map(move |x| (x, y)))
            .filter(|&(x, y)| out.get_pixel(x, y) != img.get_pixel(x, y))
            .count()
    };
    assert!(region(10, 10, 30, 28) > 200 && region(110, 60, 140, 90) > 500);

    // The request's HD strategy is ignored (IOPaint's MI-GAN always crops): same bytes.
    let original = erase(&s, &img, &mask, "Original").await;
    assert_eq!(original.as_raw(), out.as_raw());

    // An image of exactly the model's side runs whole.
    let small = photo(32, 32);
    let small_mask = rect_mask(32, 32, 8, 8, 20, 24);
    let out = erase(&s, &small, &small_mask, "Crop").await;
    let (inside, outside) = changes(&small, &out, &small_mask);
    assert_eq!(outside, 0);
    assert!(inside > 100, "only {inside} masked pixels changed");

    // No mask: the image comes back unchanged.
    let blank = GrayImage::new(150, 100);
    let out = erase(&s, &img, &blank, "Crop").await;
    assert_eq!(out.as_raw(), img.as_raw());
}
