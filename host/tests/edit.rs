//! `POST /api/v1/edit` (the editor's binary inpaint, images kept by SHA-256), client-chosen
//! job ids (`X-Job-Id`) and cancelling a job with `DELETE /api/v1/jobs/{id}`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::Duration;

use image::ImageFormat;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use support::*;

/// A fresh job id as the editor makes it: a UUID v7 of the current time.
fn job_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn settings() -> String {
    json!({"cv2_flag": "INPAINT_TELEA", "cv2_radius": 5, "hd_strategy": "Original"}).to_string()
}

fn file(bytes: &[u8], mime: &str) -> Part {
    Part::bytes(bytes.to_vec())
        .file_name("f")
        .mime_str(mime)
        .unwrap()
}

/// A form with the image as a file (or by key), the mask and the settings.
fn form(image: Option<&[u8]>, key: Option<&str>, mask: &[u8], settings: &str) -> Form {
    let mut f = Form::new();
    if let Some(bytes) = image {
        f = f.part("image", file(bytes, "image/png"));
    }
    if let Some(key) = key {
        f = f.text("image_sha256", key.to_owned());
    }
    f.part("mask", file(mask, "image/png"))
        .text("settings", settings.to_owned())
}

async fn edit(s: &TestServer, f: Form, job_id: Option<&str>) -> reqwest::Response {
    let mut req = s.client.post(s.at("/api/v1/edit")).multipart(f);
    if let Some(id) = job_id {
        req = req.header("X-Job-Id", id);
    }
    req.send().await.unwrap()
}

fn header(res: &reqwest::Response, name: &str) -> Option<String> {
    res.headers()
        .get(name)
        .map(|v| v.to_str().unwrap().to_owned())
}

async fn error_kind(res: reqwest::Response) -> String {
    let body: Value = res.json().await.unwrap();
    body["error"].as_str().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn edit_answers_what_inpaint_answers_and_keeps_images_by_sha256() {
    let s = TestServer::start().await;
    let image = encode_rgb(&photo(96, 64), ImageFormat::Png);
    let mask = encode_gray_png(&rect_mask(96, 64, 20, 10, 60, 40));

    // IOPaint's JSON route, for reference: the binary route must give the same bytes.
    let mut body: Value = serde_json::from_str(&settings()).unwrap();
    body["image"] = json!(data_url("image/png", &image));
    body["mask"] = json!(data_url("image/png", &mask));
    let reference = s.post_json("/api/v1/inpaint", &body).await;
    assert_eq!(reference.status(), 200);
    let reference = reference.bytes().await.unwrap();

    let res = edit(&s, form(Some(&image), None, &mask, &settings()), None).await;
    assert_eq!(res.status(), 200);
    assert_eq!(header(&res, "content-type").as_deref(), Some("image/png"));
    assert_eq!(header(&res, "x-input-sha256"), Some(sha256(&image)));
    let history = header(&res, "x-history-id").unwrap();
    let result_key = header(&res, "x-image-sha256").unwrap();
    let first = res.bytes().await.unwrap();
    assert_eq!(first, reference, "same edit, same bytes as /api/v1/inpaint");
    assert_eq!(result_key, sha256(&first));
    let input = s
        .client
        .get(s.at(&format!("/api/v1/history/{history}/input")))
        .send()
        .await
        .unwrap();
    assert_eq!(
        input.bytes().await.unwrap(),
        image,
        "history keeps the input"
    );

    // The uploaded image by key: no upload, same answer.
    let res = edit(
        &s,
        form(None, Some(&sha256(&image)), &mask, &settings()),
        None,
    )
    .await;
    assert_eq!(res.status(), 200);
    assert_eq!(header(&res, "x-input-sha256"), None);
    let same_again = header(&res, "x-history-id").unwrap();
    assert_eq!(res.bytes().await.unwrap(), reference);

    // The result by key: the next stroke sends only the mask, and history records the
    // result's bytes as the input.
    let mask2 = encode_gray_png(&rect_mask(96, 64, 0, 50, 30, 64));
    let res = edit(&s, form(None, Some(&result_key), &mask2, &settings()), None).await;
    assert_eq!(res.status(), 200);
    let history2 = header(&res, "x-history-id").unwrap();
    let second = decode(&res.bytes().await.unwrap()).to_rgb8();
    let before = decode(&first).to_rgb8();
    for (x, y, p) in second.enumerate_pixels() {
        if !(x < 30 && y >= 50) {
            assert_eq!(p, before.get_pixel(x, y), "outside the mask at {x},{y}");
        }
    }
    let input2 = s
        .client
        .get(s.at(&format!("/api/v1/history/{history2}/input")))
        .send()
        .await
        .unwrap();
    assert_eq!(input2.bytes().await.unwrap(), first);
    // …and stores those bytes once: this entry's input is the last entry's output, linked,
    // and the upload named again was linked to the first entry's input.
    assert_eq!(
        inode(&s, &history, "input.png").await,
        inode(&s, &same_again, "input.png").await
    );
    assert_eq!(
        inode(&s, &same_again, "output.png").await,
        inode(&s, &history2, "input.png").await
    );

    // A key the server does not hold: 412, the client uploads again.
    let res = edit(
        &s,
        form(None, Some(&"0".repeat(64)), &mask, &settings()),
        None,
    )
    .await;
    assert_eq!(res.status(), 412);
    assert_eq!(error_kind(res).await, "ImageNotCached");
}

/// Device and inode of the file `name` of history entry `id` (its folder from the entry's `dir`).
async fn inode(s: &TestServer, id: &str, name: &str) -> (u64, u64) {
    use std::os::unix::fs::MetadataExt;
    let entry = s.get_json(&format!("/api/v1/history/{id}")).await;
    let dir = entry["dir"].as_str().unwrap();
    let m = std::fs::metadata(s.data_dir.join(dir).join(name)).unwrap();
    (m.dev(), m.ino())
}

/// `X-Crop: x,y,width,height` as numbers.
fn crop_rect(res: &reqwest::Response) -> Option<[u32; 4]> {
    let v: Vec<u32> = header(res, "x-crop")?
        .split(',')
        .map(|n| n.parse().unwrap())
        .collect();
    Some([v[0], v[1], v[2], v[3]])
}

#[tokio::test]
async fn crop_changed_answers_the_changed_rectangle_of_the_same_result() {
    let s = TestServer::start().await;
    let (w, h) = (96, 64);
    let input = photo(w, h);
    let image = encode_rgb(&input, ImageFormat::Png);
    let mask = encode_gray_png(&rect_mask(w, h, 20, 10, 60, 40));

    // The whole result, for reference.
    let res = edit(&s, form(Some(&image), None, &mask, &settings()), None).await;
    assert_eq!(res.status(), 200);
    assert_eq!(header(&res, "x-crop"), None, "no crop unless asked");
    let full_bytes = res.bytes().await.unwrap();
    let full = decode(&full_bytes).to_rgb8();

    // The same edit asked for the changed rectangle only.
    let res = edit(
        &s,
        form(None, Some(&sha256(&image)), &mask, &settings()).text("crop", "changed"),
        None,
    )
    .await;
    assert_eq!(res.status(), 200);
    assert_eq!(header(&res, "content-type").as_deref(), Some("image/png"));
    let [x, y, cw, ch] = crop_rect(&res).expect("X-Crop");
    let history = header(&res, "x-history-id").unwrap();
    let result_key = header(&res, "x-image-sha256").unwrap();
    let crop = decode(&res.bytes().await.unwrap()).to_rgb8();
    assert_eq!(crop.dimensions(), (cw, ch));
    // Inside the mask (the only place the model may change) and not empty.
    assert!(cw > 0 && ch > 0);
    assert!(
        x >= 20 && y >= 10 && x + cw <= 60 && y + ch <= 40,
        "{x},{y},{cw},{ch}"
    );
    // The crop is that rectangle of the whole result, and nothing outside it changed.
    for (cx, cy, p) in crop.enumerate_pixels() {
        assert_eq!(p, full.get_pixel(x + cx, y + cy), "crop pixel {cx},{cy}");
    }
    for (px, py, p) in full.enumerate_pixels() {
        let inside = px >= x && px < x + cw && py >= y && py < y + ch;
        if !inside {
            assert_eq!(
                p,
                input.get_pixel(px, py),
                "changed outside X-Crop at {px},{py}"
            );
        }
    }
    // The other headers still describe the whole result: its bytes are kept and in history.
    assert_eq!(result_key, sha256(&full_bytes));
    let output = s
        .client
        .get(s.at(&format!("/api/v1/history/{history}/output")))
        .send()
        .await
        .unwrap();
    assert_eq!(output.bytes().await.unwrap(), full_bytes);

    // The next stroke on the kept result: again a rectangle inside the image.
    let res = edit(
        &s,
        form(None, Some(&result_key), &mask, &settings()).text("crop", "changed"),
        None,
    )
    .await;
    assert_eq!(res.status(), 200);
    let [x, y, cw, ch] = crop_rect(&res).expect("X-Crop");
    assert!(x + cw <= w && y + ch <= h && cw > 0 && ch > 0);

    // Unknown values are a JSON 422.
    let res = edit(
        &s,
        form(None, Some(&sha256(&image)), &mask, &settings()).text("crop", "everything"),
        None,
    )
    .await;
    assert_eq!(res.status(), 422);
    let body: Value = res.json().await.unwrap();
    assert!(body["detail"].as_str().unwrap().contains("crop"), "{body}");

    // A lossy result is answered whole (a JPEG crop would not match the JPEG's pixels).
    let jpeg = encode_rgb(&input, ImageFormat::Jpeg);
    let mut f = Form::new()
        .part("image", file(&jpeg, "image/jpeg"))
        .part("mask", file(&mask, "image/png"))
        .text("settings", settings());
    f = f.text("crop", "changed");
    let res = edit(&s, f, None).await;
    assert_eq!(res.status(), 200);
    assert_eq!(header(&res, "x-crop"), None);
    assert_eq!(header(&res, "content-type").as_deref(), Some("image/jpeg"));
    assert_eq!(
        decode(&res.bytes().await.unwrap()).to_rgb8().dimensions(),
        (w, h)
    );
}

#[tokio::test]
async fn crop_changed_with_alpha_crops_only_opaque_rectangles() {
    let s = TestServer::start().await;
    let (w, h) = (64, 48);
    let rgb = photo(w, h);
    let mask = encode_gray_png(&rect_mask(w, h, 8, 8, 30, 30));
    let rgba = |alpha: fn(u32, u32) -> u8| {
        image::RgbaImage::from_fn(w, h, |x, y| {
            let p = rgb.get_pixel(x, y);
            image::Rgba([p[0], p[1], p[2], alpha(x, y)])
        })
    };
    let ask = |bytes: Vec<u8>| {
        Form::new()
            .part("image", file(&bytes, "image/png"))
            .part("mask", file(&mask, "image/png"))
            .text("settings", settings())
            .text("crop", "changed")
    };
    // Opaque where it changed: cropped, and the crop carries the (opaque) alpha.
    let opaque = encode_rgba_png(&rgba(|x, _| if x > 40 { 0 } else { 255 }));
    let res = edit(&s, ask(opaque), None).await;
    assert_eq!(res.status(), 200);
    let [x, _, cw, _] = crop_rect(&res).expect("X-Crop");
    assert!(x + cw <= 30);
    let crop = decode(&res.bytes().await.unwrap()).to_rgba8();
    assert!(crop.pixels().all(|p| p[3] == 255));
    // Translucent inside the mask: drawn over the input it would not show the result.
    let translucent = encode_rgba_png(&rgba(|_, _| 128));
    let res = edit(&s, ask(translucent), None).await;
    assert_eq!(res.status(), 200);
    assert_eq!(header(&res, "x-crop"), None);
    assert_eq!(
        decode(&res.bytes().await.unwrap()).to_rgba8().dimensions(),
        (w, h)
    );
}

#[tokio::test]
async fn the_openapi_document_describes_the_edit_form_with_crop() {
    let s = TestServer::start().await;
    let doc = s.get_json("/api/openapi.json").await;
    let body = &doc["paths"]["/api/v1/edit"]["post"]["requestBody"]["content"]["multipart/form-data"]
        ["schema"]["$ref"];
    let name = body.as_str().unwrap().rsplit('/').next().unwrap();
    let form = &doc["components"]["schemas"][name]["properties"];
    for field in ["image", "image_sha256", "mask", "settings", "crop"] {
        assert!(form[field].is_object(), "{field} in {name}: {form}");
    }
    let ok = &doc["paths"]["/api/v1/edit"]["post"]["responses"]["200"]["description"];
    assert!(ok.as_str().unwrap().contains("X-Crop"), "{ok}");
}

#[tokio::test]
async fn crop_changed_without_history_answers_the_whole_result() {
    let s = TestServer::start_with(|c| c.history = false).await;
    let image = encode_rgb(&photo(64, 48), ImageFormat::Png);
    let mask = encode_gray_png(&rect_mask(64, 48, 8, 8, 30, 30));
    let reference = edit(&s, form(Some(&image), None, &mask, &settings()), None).await;
    let reference = reference.bytes().await.unwrap();
    let res = edit(
        &s,
        form(Some(&image), None, &mask, &settings()).text("crop", "changed"),
        None,
    )
    .await;
    assert_eq!(res.status(), 200);
    assert_eq!(header(&res, "x-crop"), None);
    assert_eq!(res.bytes().await.unwrap(), reference);
}

#[tokio::test]
async fn bad_forms_are_json_4xx() {
    let s = TestServer::start_with(|c| {
        c.max_pixels = 100 * 100;
        c.max_body_bytes = 200_000;
    })
    .await;
    let image = encode_rgb(&photo(32, 32), ImageFormat::Png);
    let mask = encode_gray_png(&rect_mask(32, 32, 4, 4, 16, 16));
    let cases: Vec<(Form, u16, &str)> = vec![
        (
            Form::new().part("image", file(&image, "image/png")),
            422,
            "mask is required",
        ),
        (form(None, None, &mask, "{}"), 422, "no image"),
        (
            form(
                Some(&image),
                None,
                &encode_gray_png(&rect_mask(16, 16, 0, 0, 4, 4)),
                "{}",
            ),
            400,
            "size mismatch",
        ),
        (
            form(Some(&image), None, &mask, "{not json"),
            422,
            "bad settings",
        ),
        (
            form(Some(&image), None, &mask, r#"{"cv2_radius": -1}"#),
            422,
            "invalid field",
        ),
        (
            form(Some(&image), None, &mask, r#"{"image": "x"}"#),
            422,
            "image inside settings",
        ),
        (
            form(Some(&image), None, &mask, "{}").text("extra", "1"),
            422,
            "unknown field",
        ),
        (
            form(Some(b"not an image"), None, &mask, "{}"),
            415,
            "not an image",
        ),
        (
            form(
                Some(&encode_rgb(&photo(200, 200), ImageFormat::Png)),
                None,
                &encode_gray_png(&rect_mask(200, 200, 0, 0, 9, 9)),
                "{}",
            ),
            413,
            "over --max-pixels",
        ),
        (
            form(Some(&vec![0; 300_000]), None, &mask, "{}"),
            413,
            "over --max-body-bytes",
        ),
    ];
    for (f, status, what) in cases {
        let res = edit(&s, f, None).await;
        assert_eq!(res.status(), status, "{what}");
        let body: Value = res.json().await.unwrap();
        assert!(body["detail"].as_str().is_some(), "{what}: {body}");
    }
    let res = s
        .client
        .post(s.at("/api/v1/edit"))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400, "not multipart");
}

#[tokio::test]
async fn the_client_chooses_the_job_id() {
    let s = TestServer::start().await;
    let image = encode_rgb(&photo(32, 32), ImageFormat::Png);
    let mask = encode_gray_png(&rect_mask(32, 32, 4, 4, 16, 16));
    let id = job_id();
    let id = id.as_str();
    let res = edit(&s, form(Some(&image), None, &mask, "{}"), Some(id)).await;
    assert_eq!(res.status(), 200);
    assert_eq!(header(&res, "x-job-id").as_deref(), Some(id));
    assert_eq!(header(&res, "x-history-id").as_deref(), Some(id));
    let job: Value = s
        .client
        .get(s.at(&format!("/api/v1/jobs/{id}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(job["state"], "succeeded");

    // Taken ids and malformed ids are refused before any work.
    let res = edit(&s, form(Some(&image), None, &mask, "{}"), Some(id)).await;
    assert_eq!(res.status(), 409);
    // Not a UUID, not lower-case, not v7 (no time), a v7 from 2020: all 422.
    let v4 = "7d0e3c52-5d43-4a5e-9b0c-2f1d7a9e4b11";
    let old_v7 = "01700000-0000-7000-8000-000000000000";
    for bad in ["a/b", &id.to_uppercase(), v4, old_v7] {
        let res = edit(&s, form(Some(&image), None, &mask, "{}"), Some(bad)).await;
        assert_eq!(res.status(), 422, "{bad}");
    }
    // IOPaint's JSON route takes the header too.
    let body = json!({
        "image": data_url("image/png", &image),
        "mask": data_url("image/png", &mask),
    });
    let json_id = job_id();
    let res = s
        .client
        .post(s.at("/api/v1/inpaint"))
        .header("X-Job-Id", &json_id)
        .json(&body)
        .send()
        .await
        .unwrap();
    let job_header = header(&res, "x-job-id");
    assert_eq!(res.status(), 200);
    assert_eq!(job_header, Some(json_id.clone()));

    // DELETE on a finished job removes its record (204), then 404.
    for expected in [204, 404] {
        let res = s
            .client
            .delete(s.at(&format!("/api/v1/jobs/{json_id}")))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), expected);
    }
}

#[tokio::test]
async fn delete_cancels_exactly_the_named_job() {
    let s = TestServer::start().await;
    // A slow first job keeps the worker busy, so the second one waits in the queue.
    let side = 800;
    let slow_image = encode_rgb(&photo(side, side), ImageFormat::Png);
    let slow_mask = encode_gray_png(&rect_mask(side, side, 100, 100, side - 100, side - 100));
    let slow_settings = json!({"cv2_radius": 10, "hd_strategy": "Original"}).to_string();
    let image = encode_rgb(&photo(64, 64), ImageFormat::Png);
    let mask = encode_gray_png(&rect_mask(64, 64, 4, 4, 30, 30));

    let (first_id, second_id) = (job_id(), job_id());
    let first = {
        let f = form(Some(&slow_image), None, &slow_mask, &slow_settings);
        let req = s
            .client
            .post(s.at("/api/v1/edit"))
            .header("X-Job-Id", &first_id)
            .multipart(f);
        tokio::spawn(async move { req.send().await.unwrap().status().as_u16() })
    };
    wait_for_state(&s, &first_id, &["running"]).await;
    let second = {
        let f = form(Some(&image), None, &mask, "{}");
        let req = s
            .client
            .post(s.at("/api/v1/edit"))
            .header("X-Job-Id", &second_id)
            .multipart(f);
        tokio::spawn(async move { req.send().await.unwrap().status().as_u16() })
    };
    wait_for_state(&s, &second_id, &["queued"]).await;

    let res = s
        .client
        .delete(s.at(&format!("/api/v1/jobs/{second_id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let job: Value = res.json().await.unwrap();
    assert_eq!(job["id"], second_id.as_str());
    assert_eq!(job["state"], "cancelled");

    assert_eq!(second.await.unwrap(), 499, "the cancelled request ends");
    assert_eq!(first.await.unwrap(), 200, "the other job is untouched");
    let first_job: Value = s
        .client
        .get(s.at(&format!("/api/v1/jobs/{first_id}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(first_job["state"], "succeeded");
    let res = s
        .client
        .delete(s.at("/api/v1/jobs/no-such-job"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
}

/// Polls the job until it is in one of `states` (the request creating it runs concurrently).
async fn wait_for_state(s: &TestServer, id: &str, states: &[&str]) {
    for _ in 0..2000 {
        let res = s
            .client
            .get(s.at(&format!("/api/v1/jobs/{id}")))
            .send()
            .await
            .unwrap();
        if res.status() == 200 {
            let job: Value = res.json().await.unwrap();
            let state = job["state"].as_str().unwrap_or_default();
            if states.contains(&state) {
                return;
            }
            assert!(
                !matches!(state, "succeeded" | "failed" | "cancelled"),
                "job {id} is already {state}"
            );
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    panic!("job {id} never reached {states:?}");
}
