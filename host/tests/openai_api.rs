//! The OpenAI-compatible API (`/v1`) against a real server: multipart edits with OpenAI's mask
//! convention (fully transparent = edit), the image-alpha-as-mask path, `n`, `size`, `url`
//! responses, OpenAI-shaped errors, `/v1/models` and bearer-key authentication.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use base64::Engine as _;
use image::{GenericImageView, ImageFormat, Rgb, RgbImage, Rgba, RgbaImage};
use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use serde_json::Value;
use support::{TestServer, encode_rgb, encode_rgba_png, photo};

const W: u32 = 64;
const H: u32 = 48;
/// The edit area: `[X0, X1) × [Y0, Y1)`.
const X0: u32 = 20;
const Y0: u32 = 14;
const X1: u32 = 36;
const Y1: u32 = 30;

fn inside(x: u32, y: u32) -> bool {
    (X0..X1).contains(&x) && (Y0..Y1).contains(&y)
}

/// OpenAI's mask: transparent (alpha 0) inside the area, opaque elsewhere.
fn openai_mask(w: u32, h: u32) -> Vec<u8> {
    encode_rgba_png(&RgbaImage::from_fn(w, h, |x, y| {
        if inside(x, y) {
            Rgba([0, 0, 0, 0])
        } else {
            Rgba([0, 0, 0, 255])
        }
    }))
}

fn png_part(bytes: Vec<u8>, name: &str) -> Part {
    Part::bytes(bytes)
        .file_name(name.to_owned())
        .mime_str("image/png")
        .unwrap()
}

/// An edit form with the test photo and OpenAI's mask.
fn edit_form() -> Form {
    Form::new()
        .part(
            "image",
            png_part(encode_rgb(&photo(W, H), ImageFormat::Png), "in.png"),
        )
        .part("mask", png_part(openai_mask(W, H), "mask.png"))
        .text("prompt", "remove the object")
}

async fn post_form(server: &TestServer, path: &str, form: Form) -> reqwest::Response {
    server
        .client
        .post(server.at(path))
        .multipart(form)
        .send()
        .await
        .unwrap()
}

async fn json(resp: reqwest::Response) -> Value {
    resp.json().await.unwrap()
}

/// Asserts an OpenAI-shaped error with `status`, `type`, and (when given) `param` and `code`.
async fn assert_error(
    resp: reqwest::Response,
    status: StatusCode,
    kind: &str,
    param: Option<&str>,
    code: Option<&str>,
) -> Value {
    assert_eq!(resp.status(), status);
    let body = json(resp).await;
    let err = &body["error"];
    assert!(
        err["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{body}"
    );
    assert_eq!(err["type"], kind, "{body}");
    for key in ["param", "code"] {
        assert!(err.get(key).is_some(), "`{key}` missing: {body}");
    }
    if let Some(param) = param {
        assert_eq!(err["param"], param, "{body}");
    }
    if let Some(code) = code {
        assert_eq!(err["code"], code, "{body}");
    }
    body
}

fn b64_image(item: &Value) -> image::DynamicImage {
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(item["b64_json"].as_str().expect("b64_json"))
        .unwrap();
    assert!(bytes.starts_with(b"\x89PNG"), "PNG by default");
    support::decode(&bytes)
}

/// Pixels outside the area equal the input; inside, the area changed.
fn assert_only_area_changed(out: &RgbImage, input: &RgbImage) {
    assert_eq!(out.dimensions(), input.dimensions());
    let mut changed_inside = 0;
    for (x, y, p) in out.enumerate_pixels() {
        if inside(x, y) {
            changed_inside += usize::from(p != input.get_pixel(x, y));
        } else {
            assert_eq!(
                p,
                input.get_pixel(x, y),
                "pixel ({x}, {y}) outside the mask changed"
            );
        }
    }
    let area = ((X1 - X0) * (Y1 - Y0)) as usize;
    assert!(
        changed_inside > area / 2,
        "only {changed_inside} of {area} pixels changed"
    );
}

#[tokio::test]
async fn edit_changes_exactly_the_transparent_area_of_the_mask() {
    let server = TestServer::start().await;
    let resp = post_form(
        &server,
        "/v1/images/edits",
        edit_form().text("model", "cv2"),
    )
    .await;
    assert_eq!(resp.status(), StatusCode::OK);
    let body = json(resp).await;
    assert!(body["created"].as_u64().unwrap() > 1_700_000_000);
    assert_eq!(body["output_format"], "png");
    assert_eq!(body["size"], format!("{W}x{H}"));
    assert_eq!(body["usage"]["total_tokens"], 0);
    let data = body["data"].as_array().unwrap();
    assert_eq!(data.len(), 1);
    let out = b64_image(&data[0]);
    assert!(!out.color().has_alpha(), "opaque result");
    assert_only_area_changed(&out.to_rgb8(), &photo(W, H));

    // Same pipeline as /api/v1/inpaint: a job and a history entry.
    let history = json(
        server
            .client
            .get(server.at("/api/v1/history"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(history["total"], 1, "{history}");
    assert_eq!(history["items"][0]["model"], "cv2");
    let jobs = json(
        server
            .client
            .get(server.at("/api/v1/jobs"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(jobs["items"][0]["kind"], "openai-edit", "{jobs}");
    assert_eq!(jobs["items"][0]["state"], "succeeded", "{jobs}");
    assert_eq!(jobs["items"][0]["history_id"], history["items"][0]["id"]);
}

#[tokio::test]
async fn without_a_mask_the_transparent_pixels_of_the_image_are_edited() {
    let server = TestServer::start().await;
    let rgb = photo(W, H);
    let rgba = RgbaImage::from_fn(W, H, |x, y| {
        let [r, g, b] = rgb.get_pixel(x, y).0;
        if inside(x, y) {
            Rgba([0, 0, 0, 0])
        } else {
            Rgba([r, g, b, 255])
        }
    });
    let form = Form::new()
        .part("image[]", png_part(encode_rgba_png(&rgba), "hole.png"))
        .text("prompt", "fill");
    let resp = post_form(&server, "/v1/images/edits", form).await;
    assert_eq!(resp.status(), StatusCode::OK);
    let body = json(resp).await;
    assert_eq!(body["background"], "opaque");
    let out = b64_image(&body["data"][0]).to_rgb8();
    // Outside: untouched. Inside: filled from the surroundings, not the hidden black.
    let mut black = rgb.clone();
    for (x, y, p) in black.enumerate_pixels_mut() {
        if inside(x, y) {
            *p = Rgb([0, 0, 0]);
        }
    }
    assert_only_area_changed(&out, &black);
    let centre = out.get_pixel((X0 + X1) / 2, (Y0 + Y1) / 2).0;
    assert!(centre.iter().any(|&c| c > 20), "hole filled: {centre:?}");

    // background=transparent keeps the input's alpha, except the filled area becomes opaque.
    let mut half = rgba.clone();
    half.put_pixel(0, 0, Rgba([9, 9, 9, 128]));
    let form = Form::new()
        .part("image", png_part(encode_rgba_png(&half), "hole.png"))
        .text("background", "transparent");
    let body = json(post_form(&server, "/v1/images/edits", form).await).await;
    assert_eq!(body["background"], "transparent", "{body}");
    let out = b64_image(&body["data"][0]).to_rgba8();
    assert_eq!(out.get_pixel(0, 0).0, [9, 9, 9, 128]);
    assert_eq!(out.get_pixel(X0, Y0).0[3], 255);
    assert_eq!(out.get_pixel(X1, Y1).0[3], 255);
}

#[tokio::test]
async fn n_size_formats_and_url_responses() {
    let server = TestServer::start().await;

    let body = json(post_form(&server, "/v1/images/edits", edit_form().text("n", "2")).await).await;
    let data = body["data"].as_array().unwrap();
    assert_eq!(data.len(), 2, "{body}");
    for item in data {
        assert_eq!(b64_image(item).dimensions(), (W, H));
    }

    let resp = post_form(
        &server,
        "/v1/images/edits",
        edit_form().text("size", "32x24"),
    )
    .await;
    let body = json(resp).await;
    assert_eq!(body["size"], "32x24");
    assert_eq!(b64_image(&body["data"][0]).dimensions(), (32, 24));

    let form = edit_form()
        .text("output_format", "jpeg")
        .text("output_compression", "80");
    let body = json(post_form(&server, "/v1/images/edits", form).await).await;
    assert_eq!(body["output_format"], "jpeg");
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(body["data"][0]["b64_json"].as_str().unwrap())
        .unwrap();
    assert!(bytes.starts_with(&[0xff, 0xd8, 0xff]), "JPEG");

    let body = json(
        post_form(
            &server,
            "/v1/images/edits",
            edit_form().text("response_format", "url"),
        )
        .await,
    )
    .await;
    let url = body["data"][0]["url"].as_str().expect("url");
    assert!(body["data"][0].get("b64_json").is_none(), "{body}");
    assert!(url.starts_with(&server.url), "{url}");
    let fetched = server.client.get(url).send().await.unwrap();
    assert_eq!(fetched.status(), StatusCode::OK);
    assert_eq!(fetched.headers()["content-type"], "image/png");
    let out = support::decode(&fetched.bytes().await.unwrap()).to_rgb8();
    assert_only_area_changed(&out, &photo(W, H));
}

#[tokio::test]
async fn bad_edits_get_openai_shaped_errors() {
    let server = TestServer::start().await;
    const BAD: StatusCode = StatusCode::BAD_REQUEST;
    let inv = "invalid_request_error";

    let form = Form::new()
        .part("mask", png_part(openai_mask(W, H), "m.png"))
        .text("prompt", "x");
    assert_error(
        post_form(&server, "/v1/images/edits", form).await,
        BAD,
        inv,
        Some("image"),
        None,
    )
    .await;

    let form = Form::new()
        .part(
            "image",
            png_part(encode_rgb(&photo(W, H), ImageFormat::Png), "i.png"),
        )
        .part("mask", png_part(openai_mask(W, H + 1), "m.png"));
    assert_error(
        post_form(&server, "/v1/images/edits", form).await,
        BAD,
        inv,
        Some("mask"),
        None,
    )
    .await;

    // An opaque image and no mask: nothing says what to edit.
    let form = Form::new().part(
        "image",
        png_part(encode_rgb(&photo(W, H), ImageFormat::Png), "i.png"),
    );
    assert_error(
        post_form(&server, "/v1/images/edits", form).await,
        BAD,
        inv,
        Some("mask"),
        None,
    )
    .await;

    // A mask without alpha cannot follow OpenAI's convention.
    let form = Form::new()
        .part(
            "image",
            png_part(encode_rgb(&photo(W, H), ImageFormat::Png), "i.png"),
        )
        .part(
            "mask",
            png_part(encode_rgb(&RgbImage::new(W, H), ImageFormat::Png), "m.png"),
        );
    assert_error(
        post_form(&server, "/v1/images/edits", form).await,
        BAD,
        inv,
        Some("mask"),
        None,
    )
    .await;

    for n in ["0", "11", "x"] {
        let resp = post_form(&server, "/v1/images/edits", edit_form().text("n", n)).await;
        assert_error(resp, BAD, inv, Some("n"), None).await;
    }
    for (field, value) in [
        ("size", "huge"),
        ("response_format", "png"),
        ("output_format", "gif"),
        ("background", "pink"),
        ("stream", "true"),
    ] {
        let resp = post_form(&server, "/v1/images/edits", edit_form().text(field, value)).await;
        assert_error(resp, BAD, inv, Some(field), None).await;
    }

    let form = Form::new()
        .part("image", png_part(b"not an image".to_vec(), "i.png"))
        .part("mask", png_part(openai_mask(W, H), "m.png"));
    assert_error(
        post_form(&server, "/v1/images/edits", form).await,
        BAD,
        inv,
        Some("image"),
        None,
    )
    .await;

    let resp = post_form(
        &server,
        "/v1/images/edits",
        edit_form().text("model", "no-such-model"),
    )
    .await;
    assert_error(
        resp,
        StatusCode::NOT_FOUND,
        inv,
        Some("model"),
        Some("model_not_found"),
    )
    .await;

    // A catalogue model that is not loaded: say which one is.
    let resp = post_form(
        &server,
        "/v1/images/edits",
        edit_form().text("model", "lama"),
    )
    .await;
    let body = assert_error(resp, BAD, inv, Some("model"), Some("model_not_loaded")).await;
    assert!(
        body["error"]["message"].as_str().unwrap().contains("cv2"),
        "{body}"
    );

    let resp = server
        .client
        .post(server.at("/v1/images/edits"))
        .json(&serde_json::json!({"prompt": "x"}))
        .send()
        .await
        .unwrap();
    assert_error(resp, BAD, inv, None, None).await;

    // Nothing of the above reached the engine.
    let jobs = json(
        server
            .client
            .get(server.at("/api/v1/jobs"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(jobs["total"], 0, "{jobs}");
}

#[tokio::test]
async fn generations_and_variations_name_the_local_model_and_who_can() {
    let server = TestServer::start().await;
    let resp = server
        .post_json(
            "/v1/images/generations",
            &serde_json::json!({"prompt": "a cat", "model": "cv2"}),
        )
        .await;
    let body = assert_error(
        resp,
        StatusCode::BAD_REQUEST,
        "invalid_request_error",
        Some("model"),
        None,
    )
    .await;
    let msg = body["error"]["message"].as_str().unwrap();
    assert!(msg.contains("cv2") && msg.contains("gpt-image-1"), "{msg}");

    let resp = server
        .post_json(
            "/v1/images/generations",
            &serde_json::json!({"prompt": "a cat", "model": "dall-e-9"}),
        )
        .await;
    assert_error(
        resp,
        StatusCode::NOT_FOUND,
        "invalid_request_error",
        Some("model"),
        Some("model_not_found"),
    )
    .await;

    let resp = server
        .client
        .post(server.at("/v1/images/generations"))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_error(
        resp,
        StatusCode::BAD_REQUEST,
        "invalid_request_error",
        None,
        None,
    )
    .await;

    let form = Form::new().part(
        "image",
        png_part(encode_rgb(&photo(W, H), ImageFormat::Png), "i.png"),
    );
    let resp = post_form(&server, "/v1/images/variations", form).await;
    let body = assert_error(
        resp,
        StatusCode::BAD_REQUEST,
        "invalid_request_error",
        Some("model"),
        None,
    )
    .await;
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("variations")
    );
}

#[tokio::test]
async fn limits_apply_to_multipart_uploads() {
    let server = TestServer::start_with(|c| c.max_pixels = 1000).await;
    let resp = post_form(&server, "/v1/images/edits", edit_form()).await;
    assert_error(
        resp,
        StatusCode::PAYLOAD_TOO_LARGE,
        "invalid_request_error",
        Some("image"),
        Some("image_too_large"),
    )
    .await;

    let server = TestServer::start_with(|c| c.max_body_bytes = 4096).await;
    let big = encode_rgb(&photo(256, 256), ImageFormat::Png);
    assert!(big.len() > 4096);
    let form = Form::new()
        .part("image", png_part(big, "big.png"))
        .part("mask", png_part(openai_mask(256, 256), "m.png"));
    let resp = post_form(&server, "/v1/images/edits", form).await;
    assert_error(
        resp,
        StatusCode::PAYLOAD_TOO_LARGE,
        "invalid_request_error",
        None,
        Some("request_too_large"),
    )
    .await;

    let server = TestServer::start_with(|c| c.history = false).await;
    let resp = post_form(
        &server,
        "/v1/images/edits",
        edit_form().text("response_format", "url"),
    )
    .await;
    assert_error(
        resp,
        StatusCode::BAD_REQUEST,
        "invalid_request_error",
        Some("response_format"),
        None,
    )
    .await;
    // b64 still works without history.
    assert_eq!(
        post_form(&server, "/v1/images/edits", edit_form())
            .await
            .status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn models_list_the_local_model_and_unknown_paths_are_openai_404s() {
    let server = TestServer::start().await;
    let body = json(
        server
            .client
            .get(server.at("/v1/models"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(body["object"], "list");
    let cv2 = body["data"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == "cv2")
        .expect("cv2 listed");
    assert_eq!(cv2["object"], "model");
    assert_eq!(cv2["owned_by"], "mend");
    assert!(cv2["created"].as_u64().unwrap() > 0);

    let one = json(
        server
            .client
            .get(server.at("/v1/models/cv2"))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(one["id"], "cv2");
    let resp = server
        .client
        .get(server.at("/v1/models/gpt-image-1"))
        .send()
        .await
        .unwrap();
    // Paid provider models are listed (owned by the provider).
    assert_eq!(json(resp).await["owned_by"], "openai");
    let resp = server
        .client
        .get(server.at("/v1/models/gpt-99"))
        .send()
        .await
        .unwrap();
    assert_error(
        resp,
        StatusCode::NOT_FOUND,
        "invalid_request_error",
        None,
        Some("model_not_found"),
    )
    .await;

    let resp = server
        .client
        .get(server.at("/v1/chat/completions"))
        .send()
        .await
        .unwrap();
    assert_error(
        resp,
        StatusCode::NOT_FOUND,
        "invalid_request_error",
        None,
        None,
    )
    .await;
    let resp = server
        .client
        .get(server.at("/v1/images/edits"))
        .send()
        .await
        .unwrap();
    assert_error(
        resp,
        StatusCode::METHOD_NOT_ALLOWED,
        "invalid_request_error",
        None,
        None,
    )
    .await;
}

#[tokio::test]
async fn api_keys_are_ignored_by_default_and_required_when_configured() {
    let open = TestServer::start().await;
    let resp = open
        .client
        .get(open.at("/v1/models"))
        .bearer_auth("anything")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);

    let locked = TestServer::start_with(|c| {
        c.openai_api_keys = mend::config::ApiKeys(vec!["sk-lan-1".into(), "sk-lan-2".into()]);
    })
    .await;
    let resp = locked
        .client
        .get(locked.at("/v1/models"))
        .send()
        .await
        .unwrap();
    assert_error(
        resp,
        StatusCode::UNAUTHORIZED,
        "invalid_request_error",
        None,
        None,
    )
    .await;
    let resp = locked
        .client
        .get(locked.at("/v1/models"))
        .bearer_auth("sk-wrong")
        .send()
        .await
        .unwrap();
    assert_error(
        resp,
        StatusCode::UNAUTHORIZED,
        "invalid_request_error",
        None,
        Some("invalid_api_key"),
    )
    .await;
    // Unknown paths and edits are behind the key too.
    let resp = locked
        .client
        .post(locked.at("/v1/images/edits"))
        .multipart(edit_form())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
    let resp = locked
        .client
        .post(locked.at("/v1/images/edits"))
        .bearer_auth("sk-lan-2")
        .multipart(edit_form())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    // IOPaint's API is unaffected.
    let resp = locked
        .client
        .get(locked.at("/api/v1/server-config"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
}
