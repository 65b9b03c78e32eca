//! IOPaint `/api/v1` compatibility, over HTTP against a real server on a free port.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use image::{GenericImageView, ImageFormat, Rgba, RgbaImage};
use serde_json::{Value, json};
use support::*;

fn inpaint_body(image: &[u8], image_mime: &str, mask: &[u8]) -> Value {
    json!({
        "image": data_url(image_mime, image),
        "mask": data_url("image/png", mask),
    })
}

#[tokio::test]
async fn server_config_model_and_samplers_have_iopaints_shape() {
    let s = TestServer::start().await;
    let cfg: Value = s
        .client
        .get(s.at("/api/v1/server-config"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    for key in [
        "plugins",
        "modelInfos",
        "removeBGModel",
        "removeBGModels",
        "realesrganModel",
        "realesrganModels",
        "interactiveSegModel",
        "interactiveSegModels",
        "enableFileManager",
        "enableAutoSaving",
        "enableControlnet",
        "controlnetMethod",
        "disableModelSwitch",
        "isDesktop",
        "samplers",
    ] {
        assert!(cfg.get(key).is_some(), "server-config lacks {key}");
    }
    // Ready or downloadable models are listed (LaMa's weights are fetched on first use).
    let infos = cfg["modelInfos"].as_array().unwrap();
    let names: Vec<&str> = infos.iter().map(|m| m["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["lama", "anime-lama", "cv2", "migan"]);
    assert!(infos.iter().all(|m| m["model_type"] == "inpaint"));
    // The rest of IOPaint's erase models are reported honestly, outside `modelInfos`.
    let unsupported = cfg["mendUnsupportedModels"].as_array().unwrap();
    let names: Vec<&str> = unsupported
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["ldm", "zits", "mat", "fcf", "manga"]);
    assert!(unsupported.iter().all(|m| m["mend_state"] == "unsupported"));
    assert_eq!(cfg["removeBGModels"].as_array().unwrap().len(), 15);
    assert_eq!(cfg["samplers"].as_array().unwrap().len(), 19);
    assert_eq!(cfg["enableFileManager"], false);

    let model: Value = s
        .client
        .get(s.at("/api/v1/model"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(model["name"], "cv2");
    assert_eq!(model["need_prompt"], false);
    let samplers: Vec<String> = s
        .client
        .get(s.at("/api/v1/samplers"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(samplers.first().map(String::as_str), Some("DPM++ 2M"));
    assert_eq!(samplers.last().map(String::as_str), Some("LCM"));
}

#[tokio::test]
async fn inpaint_png_fills_the_mask_and_keeps_everything_else() {
    let s = TestServer::start().await;
    let img = photo(96, 80);
    let mask = rect_mask(96, 80, 30, 20, 60, 50);
    let res = s
        .post_json(
            "/api/v1/inpaint",
            &inpaint_body(
                &encode_rgb(&img, ImageFormat::Png),
                "image/png",
                &encode_gray_png(&mask),
            ),
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "image/png");
    assert_eq!(res.headers()["x-seed"], "42");
    let out = decode(&res.bytes().await.unwrap()).to_rgb8();
    assert_eq!(out.dimensions(), (96, 80));
    let mut changed = 0;
    for (x, y, p) in out.enumerate_pixels() {
        if mask.get_pixel(x, y).0[0] == 0 {
            assert_eq!(
                p,
                img.get_pixel(x, y),
                "pixel ({x},{y}) outside the mask changed"
            );
        } else if p != img.get_pixel(x, y) {
            changed += 1;
        }
    }
    assert!(
        changed > 30 * 30 / 2,
        "only {changed} masked pixels changed"
    );
}

#[tokio::test]
async fn inpaint_answers_in_the_input_format_and_keeps_alpha() {
    let s = TestServer::start().await;
    let mask = encode_gray_png(&rect_mask(64, 64, 10, 10, 30, 30));

    let jpeg = encode_rgb(&photo(64, 64), ImageFormat::Jpeg);
    let res = s
        .post_json("/api/v1/inpaint", &inpaint_body(&jpeg, "image/jpeg", &mask))
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "image/jpeg");
    assert_eq!(
        image::guess_format(&res.bytes().await.unwrap()).unwrap(),
        ImageFormat::Jpeg
    );

    let rgba = RgbaImage::from_fn(64, 64, |x, y| {
        Rgba([x as u8 * 3, y as u8 * 3, 90, (x * 4) as u8])
    });
    let res = s
        .post_json(
            "/api/v1/inpaint",
            &inpaint_body(&encode_rgba_png(&rgba), "image/png", &mask),
        )
        .await;
    assert_eq!(res.status(), 200);
    let out = decode(&res.bytes().await.unwrap());
    assert!(out.color().has_alpha(), "alpha channel dropped");
    assert_eq!(out.get_pixel(50, 50).0[3], rgba.get_pixel(50, 50).0[3]);
    assert_eq!(
        out.get_pixel(20, 20).0[3],
        rgba.get_pixel(20, 20).0[3],
        "alpha inside the mask kept"
    );
}

#[tokio::test]
async fn ui_brush_masks_count_whatever_their_alpha() {
    let s = TestServer::start().await;
    let img = photo(48, 48);
    let res = s
        .post_json(
            "/api/v1/inpaint",
            &inpaint_body(
                &encode_rgb(&img, ImageFormat::Png),
                "image/png",
                &ui_brush_mask(48, 48, 10, 10, 30, 30),
            ),
        )
        .await;
    assert_eq!(res.status(), 200);
    let out = decode(&res.bytes().await.unwrap()).to_rgb8();
    let changed = (10..30)
        .flat_map(|y| (10..30).map(move |x| (x, y)))
        .filter(|&(x, y)| out.get_pixel(x, y) != img.get_pixel(x, y))
        .count();
    assert!(
        changed > 100,
        "brush-coloured mask was not applied ({changed} pixels changed)"
    );
}

async fn error_of(res: reqwest::Response) -> (u16, Value) {
    let status = res.status().as_u16();
    let body: Value = res.json().await.expect("error body is JSON");
    for key in ["error", "detail", "errors"] {
        assert!(body.get(key).is_some(), "error body lacks `{key}`: {body}");
    }
    (status, body)
}

#[tokio::test]
async fn bad_input_gets_a_4xx_json_error() {
    let s = TestServer::start().await;
    let png = encode_rgb(&photo(32, 32), ImageFormat::Png);
    let mask = encode_gray_png(&rect_mask(32, 32, 4, 4, 8, 8));
    let other_mask = encode_gray_png(&rect_mask(16, 32, 4, 4, 8, 8));

    let (status, body) = error_of(
        s.post_json(
            "/api/v1/inpaint",
            &inpaint_body(&png, "image/png", &other_mask),
        )
        .await,
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("Image size(32, 32) and mask size(32, 16) not match"),
        "{body}"
    );

    let cases: Vec<(Value, u16)> = vec![
        (
            json!({"image": "!!!not base64!!!", "mask": data_url("image/png", &mask)}),
            400,
        ),
        (
            json!({"image": data_url("image/png", b"definitely not an image"), "mask": data_url("image/png", &mask)}),
            415,
        ),
        (json!({"mask": data_url("image/png", &mask)}), 422),
        (
            json!({"image": data_url("image/png", &png), "mask": data_url("image/png", &mask), "cv2_radius": "abc"}),
            422,
        ),
        (
            json!({"image": data_url("image/png", &png), "mask": data_url("image/png", &mask), "cv2_flag": "INPAINT_FOO"}),
            422,
        ),
        (
            json!({"image": data_url("image/png", &png), "mask": data_url("image/png", &mask), "sd_scale": 0}),
            422,
        ),
        (json!({"image": 5, "mask": []}), 422),
        (json!([1, 2, 3]), 422),
    ];
    for (body, expected) in cases {
        let (status, err) = error_of(s.post_json("/api/v1/inpaint", &body).await).await;
        assert_eq!(status, expected, "{body} -> {err}");
    }

    let res = s
        .client
        .post(s.at("/api/v1/inpaint"))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(error_of(res).await.0, 400);
    let res = s
        .client
        .post(s.at("/api/v1/inpaint"))
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(error_of(res).await.0, 415);
}

#[tokio::test]
async fn lenient_numbers_and_misspelled_ui_keys_are_accepted() {
    let s = TestServer::start().await;
    let png = encode_rgb(&photo(32, 32), ImageFormat::Png);
    let mask = encode_gray_png(&rect_mask(32, 32, 4, 4, 12, 12));
    let body = json!({
        "image": data_url("image/png", &png),
        "mask": data_url("image/png", &mask),
        "cv2_radius": "5",
        "hd_strategy_crop_margin": 128.0,
        "sd_keep_unmasked_area": "true",
        "sd_seed": -1,
        "hd_strategy_crop_triger_size": 640,
        "hd_trategy_resize_imit": 2048,
        "some_future_field": {"x": 1},
    });
    let res = s.post_json("/api/v1/inpaint", &body).await;
    assert_eq!(res.status(), 200);
    let seed: i64 = res.headers()["x-seed"].to_str().unwrap().parse().unwrap();
    assert!((1..=99_999_999).contains(&seed), "random seed {seed}");
}

#[tokio::test]
async fn decompression_bombs_and_oversized_bodies_are_refused() {
    let s = TestServer::start_with(|c| {
        c.max_pixels = 100 * 100;
        c.max_body_bytes = 64 * 1024;
    })
    .await;
    let mask = encode_gray_png(&rect_mask(8, 8, 1, 1, 4, 4));
    // A valid PNG header announcing 100000 x 100000 pixels, with no pixel data behind it.
    let bomb = png_header_only(100_000, 100_000);
    let (status, body) = error_of(
        s.post_json("/api/v1/inpaint", &inpaint_body(&bomb, "image/png", &mask))
            .await,
    )
    .await;
    assert_eq!(status, 413, "{body}");
    assert_eq!(body["error"], "ImageTooLarge");

    let big = encode_rgb(&photo(101, 100), ImageFormat::Png);
    let (status, _) = error_of(
        s.post_json("/api/v1/inpaint", &inpaint_body(&big, "image/png", &mask))
            .await,
    )
    .await;
    assert_eq!(status, 413);

    let huge = "A".repeat(200 * 1024);
    let (status, body) = error_of(
        s.post_json("/api/v1/inpaint", &json!({"image": huge, "mask": ""}))
            .await,
    )
    .await;
    assert_eq!(status, 413, "{body}");

    // The server is still fine.
    let res = s
        .client
        .get(s.at("/api/v1/server-config"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
}

/// PNG signature + IHDR for the given size + IEND, with correct CRCs.
fn png_header_only(width: u32, height: u32) -> Vec<u8> {
    fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let mut crc_input = kind.to_vec();
        crc_input.extend_from_slice(data);
        out.extend_from_slice(&crc_input);
        out.extend_from_slice(&crc32(&crc_input).to_be_bytes());
    }
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    chunk(&mut out, b"IHDR", &ihdr);
    chunk(&mut out, b"IEND", &[]);
    out
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xffff_ffffu32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xedb8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

#[tokio::test]
async fn model_switching() {
    let s = TestServer::start().await;
    let res = s.post_json("/api/v1/model", &json!({"name": "cv2"})).await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().await.unwrap()["name"], "cv2");
    let (status, body) = error_of(
        s.post_json("/api/v1/model", &json!({"name": "no-such-model"}))
            .await,
    )
    .await;
    assert_eq!(status, 404, "{body}");
    // A catalogue model this build cannot run.
    let (status, body) =
        error_of(s.post_json("/api/v1/model", &json!({"name": "mat"})).await).await;
    assert_eq!(status, 422, "{body}");
    let model: Value = s
        .client
        .get(s.at("/api/v1/model"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        model["name"], "cv2",
        "a failed switch keeps the current model"
    );
}

#[tokio::test]
async fn adjust_mask_expands_shrinks_and_inverts() {
    let s = TestServer::start().await;
    let mask = encode_gray_png(&rect_mask(40, 40, 15, 15, 25, 25));
    let overlay = |bytes: &[u8]| decode(bytes).to_rgba8();
    let run = |op: &'static str| {
        let body = json!({"mask": data_url("image/png", &mask), "operate": op, "kernel_size": 3});
        let s = &s;
        async move { s.post_json("/api/v1/adjust_mask", &body).await }
    };
    let res = run("expand").await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "image/png");
    let out = overlay(&res.bytes().await.unwrap());
    assert_eq!(
        out.get_pixel(13, 20).0,
        [255, 203, 0, 186],
        "grown by the kernel"
    );
    assert_eq!(out.get_pixel(5, 5).0[3], 0);
    let out = overlay(&run("shrink").await.bytes().await.unwrap());
    assert_eq!(out.get_pixel(15, 20).0[3], 0, "edge eroded");
    assert_eq!(out.get_pixel(20, 20).0, [255, 203, 0, 186]);
    let out = overlay(&run("reverse").await.bytes().await.unwrap());
    assert_eq!(out.get_pixel(5, 5).0, [255, 203, 0, 186]);
    assert_eq!(out.get_pixel(20, 20).0[3], 0);

    let (status, _) = error_of(
        s.post_json(
            "/api/v1/adjust_mask",
            &json!({"mask": data_url("image/png", &mask), "operate": "twist"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 422);
}

#[tokio::test]
async fn unknown_routes_and_plugin_routes_answer_json() {
    let s = TestServer::start().await;
    let (status, _) = error_of(s.client.get(s.at("/api/v1/nope")).send().await.unwrap()).await;
    assert_eq!(status, 404);
    let res = s
        .client
        .get(s.at("/definitely/not/here"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    assert_eq!(
        res.json::<Value>().await.unwrap(),
        json!({"detail": "Not Found"})
    );
    let png = data_url("image/png", &encode_rgb(&photo(8, 8), ImageFormat::Png));
    for route in [
        "/api/v1/run_plugin_gen_mask",
        "/api/v1/run_plugin_gen_image",
    ] {
        let (status, body) = error_of(
            s.post_json(route, &json!({"name": "RemoveBG", "image": png}))
                .await,
        )
        .await;
        assert_eq!(status, 404, "{route}");
        assert!(body["detail"].as_str().unwrap().contains("RemoveBG"));
    }
    let (status, _) = error_of(
        s.post_json(
            "/api/v1/switch_plugin_model",
            &json!({"plugin_name": "RealESRGAN", "model_name": "x"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn cors_allows_local_pages_and_exposes_x_seed_but_not_foreign_sites() {
    let s = TestServer::start().await;
    let preflight = |origin: &'static str| {
        s.client
            .request(reqwest::Method::OPTIONS, s.at("/api/v1/inpaint"))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "content-type")
            .send()
    };
    let res = preflight("http://localhost:5173").await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.headers()["access-control-allow-origin"],
        "http://localhost:5173"
    );
    assert_eq!(res.headers()["access-control-max-age"], "600");
    let res = preflight("https://evil.example").await.unwrap();
    assert!(res.headers().get("access-control-allow-origin").is_none());

    let res = s
        .client
        .get(s.at("/api/v1/model"))
        .header("origin", "http://127.0.0.1:3000")
        .send()
        .await
        .unwrap();
    let exposed = res.headers()["access-control-expose-headers"]
        .to_str()
        .unwrap()
        .to_ascii_lowercase();
    assert!(exposed.contains("x-seed"));

    let open = TestServer::start_with(|c| {
        c.cors_origins = mend::config::CorsOrigins::List(vec!["*".into()])
    })
    .await;
    let res = open
        .client
        .get(open.at("/api/v1/model"))
        .header("origin", "https://anywhere.example")
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.headers()["access-control-allow-origin"],
        "https://anywhere.example"
    );
}

#[tokio::test]
async fn openapi_document_and_docs_page() {
    let s = TestServer::start().await;
    let doc: Value = s
        .client
        .get(s.at("/api/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    for path in [
        "/api/v1/inpaint",
        "/api/v1/server-config",
        "/api/v1/adjust_mask",
        "/api/v1/media_file",
    ] {
        assert!(doc["paths"].get(path).is_some(), "openapi lacks {path}");
    }
    let page = s.client.get(s.at("/api/docs/")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(
        page.text()
            .await
            .unwrap()
            .to_lowercase()
            .contains("swagger")
    );
}

#[tokio::test]
async fn web_ui_is_served_at_the_root() {
    let s = TestServer::start().await;
    let res = s.client.get(s.at("/")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert_eq!(res.headers()["cache-control"], "no-cache");
    let html = res.text().await.unwrap();
    assert!(html.contains("mend"));
    // The first script the page loads (`/assets/index-<hash>.js` of the React build, or the lite
    // editor's `/app.js`) is served with a JavaScript content type.
    let script = html.find("<script").unwrap();
    let start = script + html[script..].find("src=\"").unwrap() + "src=\"".len();
    let src = format!(
        "/{}",
        html[start..start + html[start..].find('"').unwrap()].trim_start_matches('/')
    );
    let js = s.client.get(s.at(&src)).send().await.unwrap();
    assert_eq!(js.status(), 200);
    assert!(
        js.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/javascript")
    );
    if src.starts_with("/assets/") {
        assert_eq!(
            js.headers()["cache-control"],
            "public, max-age=31536000, immutable"
        );
    }
}

#[tokio::test]
async fn web_dir_serves_a_folder_with_api_routes_still_first() {
    let dir = temp_dir("webdir");
    std::fs::write(dir.join("index.html"), "<html>custom ui</html>").unwrap();
    std::fs::create_dir_all(dir.join("assets")).unwrap();
    std::fs::write(dir.join("assets/app.js"), "console.log(1)").unwrap();
    let s = TestServer::start_with(|c| c.web_dir = Some(dir.clone())).await;
    assert_eq!(
        s.client
            .get(s.at("/"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
        "<html>custom ui</html>"
    );
    assert_eq!(
        s.client
            .get(s.at("/assets/app.js"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let res = s.client.get(s.at("/missing.js")).send().await.unwrap();
    assert_eq!(res.status(), 404);
    assert_eq!(
        res.json::<Value>().await.unwrap(),
        json!({"detail": "Not Found"})
    );
    assert_eq!(
        s.client
            .get(s.at("/api/v1/model"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    std::fs::remove_dir_all(dir).ok();
}
