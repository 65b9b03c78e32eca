//! The first-party `magic-wand` mask generator, run through the host: in the registry, through
//! mend's run route (what the editor's wand tool calls) and IOPaint's `run_plugin_gen_mask`.
//! The test image is a blue background with a red 10×10 square at (10, 5) and a darker red
//! 4×4 patch inside it at (12, 7).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use image::{Rgba, RgbaImage};
use mend::config::Config;
use mend::engine::EventBus;
use mend::plugins::Plugins;
use mend::plugins::wit::latest::types as wt;
use serde_json::{Map, Value, json};
use support::TestServer;
use support::components::component;

const W: u32 = 40;
const H: u32 = 30;

fn in_square(x: u32, y: u32) -> bool {
    (10..20).contains(&x) && (5..15).contains(&y)
}

fn in_patch(x: u32, y: u32) -> bool {
    (12..16).contains(&x) && (7..11).contains(&y)
}

fn scene() -> RgbaImage {
    RgbaImage::from_fn(W, H, |x, y| {
        if in_patch(x, y) {
            Rgba([150, 20, 20, 255])
        } else if in_square(x, y) {
            Rgba([220, 30, 30, 255])
        } else {
            Rgba([40, 60, 200, 255])
        }
    })
}

fn params(pairs: Value) -> Map<String, Value> {
    pairs.as_object().cloned().unwrap_or_default()
}

fn point(x: i32, y: i32, positive: bool) -> wt::Point {
    wt::Point { x, y, positive }
}

async fn registry() -> Option<(Plugins, std::path::PathBuf)> {
    let wasm = component("magic-wand.wasm")?;
    let dir = support::temp_dir("magic-wand");
    let config = Config {
        data_dir: dir.clone(),
        plugins_dir: Some(dir.join("plugins")),
        plugin_cache: false,
        ..Config::default()
    };
    let plugins = Plugins::new(&config, EventBus::new(), None).unwrap();
    assert_eq!(plugins.load_file(&wasm).await.unwrap(), "magic-wand");
    Some((plugins, dir))
}

fn wit_scene() -> wt::Image {
    wt::Image {
        width: W,
        height: H,
        pixels: scene().into_raw(),
    }
}

/// Selected pixels as `(x, y)` predicates checked over the whole image.
fn assert_mask(mask: &wt::Mask, expect: impl Fn(u32, u32) -> bool) {
    assert_eq!((mask.width, mask.height), (W, H));
    for y in 0..H {
        for x in 0..W {
            let got = mask.pixels[(y * W + x) as usize];
            assert_eq!(got == 255, expect(x, y), "pixel ({x}, {y}) = {got}");
            assert!(got == 0 || got == 255);
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn selects_the_clicked_region_by_tolerance_and_grows_it() {
    let Some((plugins, dir)) = registry().await else {
        return;
    };
    let generate = |points: Vec<wt::Point>, p: Value| {
        let plugins = plugins.clone();
        async move {
            plugins
                .generate("magic-wand", wit_scene(), points, &params(p))
                .await
        }
    };
    // Tolerance 32: the darker patch (70 away in red) is left out.
    let (mask, _) = generate(vec![point(10, 5, true)], json!({"grow": 0}))
        .await
        .unwrap();
    assert_mask(&mask, |x, y| in_square(x, y) && !in_patch(x, y));
    // Tolerance 80 takes the patch too.
    let (mask, _) = generate(
        vec![point(10, 5, true)],
        json!({"grow": 0, "tolerance": 80}),
    )
    .await
    .unwrap();
    assert_mask(&mask, in_square);
    // Clicks add up (square + patch), and a negative click carves the patch back out.
    let (mask, _) = generate(
        vec![point(10, 5, true), point(13, 8, true)],
        json!({"grow": 0}),
    )
    .await
    .unwrap();
    assert_mask(&mask, in_square);
    let (mask, _) = generate(
        vec![point(10, 5, true), point(13, 8, true), point(14, 9, false)],
        json!({"grow": 0}),
    )
    .await
    .unwrap();
    assert_mask(&mask, |x, y| in_square(x, y) && !in_patch(x, y));
    // Grow 2 (a disc): 2 px beyond each edge, corners rounded.
    let (mask, _) = generate(
        vec![point(10, 5, true)],
        json!({"grow": 2, "tolerance": 80}),
    )
    .await
    .unwrap();
    assert_mask(&mask, |x, y| {
        let dx = 10u32.saturating_sub(x).max(x.saturating_sub(19));
        let dy = 5u32.saturating_sub(y).max(y.saturating_sub(14));
        dx * dx + dy * dy <= 4
    });
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread")]
async fn contiguous_off_takes_every_similar_pixel_and_no_click_is_an_error() {
    let Some((plugins, dir)) = registry().await else {
        return;
    };
    // Two separate red squares; the click is in the first.
    let mut img = scene();
    for y in 20..25 {
        for x in 30..35 {
            img.put_pixel(x, y, Rgba([220, 30, 30, 255]));
        }
    }
    let image = wt::Image {
        width: W,
        height: H,
        pixels: img.into_raw(),
    };
    let count = |m: &wt::Mask| m.pixels.iter().filter(|&&v| v == 255).count();
    let (near, _) = plugins
        .generate(
            "magic-wand",
            image.clone(),
            vec![point(10, 5, true)],
            &params(json!({"grow": 0})),
        )
        .await
        .unwrap();
    let (all, _) = plugins
        .generate(
            "magic-wand",
            image.clone(),
            vec![point(10, 5, true)],
            &params(json!({"grow": 0, "contiguous": false})),
        )
        .await
        .unwrap();
    assert_eq!(count(&near), 100 - 16);
    assert_eq!(count(&all), 100 - 16 + 25);

    let err = plugins
        .generate("magic-wand", image, Vec::new(), &Map::new())
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("click on the image"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread")]
async fn runs_through_the_http_routes() {
    let Some(wasm) = component("magic-wand.wasm") else {
        return;
    };
    let dir = support::temp_dir("magic-wand-http");
    std::fs::copy(&wasm, dir.join("magic-wand.wasm")).unwrap();
    let server = TestServer::start_with(|c| c.plugins_dir = Some(dir.clone())).await;
    let image = support::data_url("image/png", &support::encode_rgba_png(&scene()));

    let config: Value = server
        .client
        .get(server.at("/api/v1/server-config"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        config["plugins"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["name"] == "magic-wand"
                && p["support_gen_mask"] == true
                && p["mend_params"][0]["name"] == "tolerance"),
        "{config}"
    );

    // mend's route: JSON with the mask as a data URL.
    let res = server
        .post_json(
            "/api/v1/plugins/magic-wand/run",
            &json!({"image": image, "points": [[15, 12, true]], "params": {"grow": 0, "tolerance": 80}}),
        )
        .await;
    assert_eq!(res.status().as_u16(), 200);
    let body: Value = res.json().await.unwrap();
    let png = support::data_url_bytes(body["mask"].as_str().unwrap());
    let mask = support::decode(&png).to_luma8();
    for (x, y, v) in mask.enumerate_pixels() {
        assert_eq!(v.0[0] == 255, in_square(x, y), "({x}, {y})");
    }

    // IOPaint's route: clicks `[x, y, label]`, an RGBA overlay PNG back.
    let res = server
        .post_json(
            "/api/v1/run_plugin_gen_mask",
            &json!({"name": "magic-wand", "image": image, "clicks": [[15, 12, 1]]}),
        )
        .await;
    assert_eq!(res.status().as_u16(), 200);
    let overlay = support::decode(&res.bytes().await.unwrap()).to_rgba8();
    assert!(
        overlay.get_pixel(10, 5).0[3] > 0,
        "the square is in the overlay"
    );
    assert_eq!(overlay.get_pixel(0, 0).0[3], 0, "the background is not");
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}
