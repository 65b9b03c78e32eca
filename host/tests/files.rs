//! File routes: inputimage, save_image, gen-info and the file manager, including the path
//! traversal IOPaint allowed.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use image::ImageFormat;
use reqwest::multipart::{Form, Part};
use serde_json::{Value, json};
use support::*;

fn file_form(name: &str, bytes: Vec<u8>) -> Form {
    Form::new().part("file", Part::bytes(bytes).file_name(name.to_owned()))
}

#[tokio::test]
async fn inputimage_serves_the_configured_file_or_404() {
    let s = TestServer::start().await;
    let res = s
        .client
        .get(s.at("/api/v1/inputimage"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);

    let dir = temp_dir("input");
    let file = dir.join("holiday.jpg");
    let jpeg = encode_rgb(&photo(20, 10), ImageFormat::Jpeg);
    std::fs::write(&file, &jpeg).unwrap();
    let s = TestServer::start_with(|c| c.input = Some(file.clone())).await;
    let res = s
        .client
        .get(s.at("/api/v1/inputimage"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "image/jpeg");
    assert!(
        res.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("holiday.jpg")
    );
    assert_eq!(res.bytes().await.unwrap().as_ref(), jpeg.as_slice());
    std::fs::remove_dir_all(dir).ok();
}

#[tokio::test]
async fn save_image_writes_a_safe_name_into_the_output_dir() {
    let s = TestServer::start().await;
    let png = encode_rgb(&photo(8, 8), ImageFormat::Png);
    let res = s
        .client
        .post(s.at("/api/v1/save_image"))
        .multipart(file_form("a.png", png.clone()))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404, "auto-saving is off without --output-dir");

    let out = temp_dir("output");
    let s = TestServer::start_with(|c| c.output_dir = Some(out.clone())).await;
    let res = s
        .client
        .post(s.at("/api/v1/save_image"))
        .multipart(file_form("../../escape.png", png.clone()))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().await.unwrap(), Value::Null);
    assert_eq!(
        std::fs::read(out.join("escape.png")).unwrap(),
        png,
        "saved under its base name"
    );
    assert!(!out.parent().unwrap().join("escape.png").exists());

    for (name, bytes) in [("..", png.clone()), ("x.png", b"not an image".to_vec())] {
        let res = s
            .client
            .post(s.at("/api/v1/save_image"))
            .multipart(file_form(name, bytes))
            .send()
            .await
            .unwrap();
        assert!(res.status().is_client_error(), "{name}: {}", res.status());
    }
    let res = s
        .client
        .post(s.at("/api/v1/save_image"))
        .multipart(Form::new().text("other", "x"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    std::fs::remove_dir_all(out).ok();
}

#[tokio::test]
async fn gen_info_reads_png_parameters_and_never_fails_on_other_files() {
    let s = TestServer::start().await;
    let png = encode_rgb(&photo(8, 8), ImageFormat::Png);
    let with_text = add_text_chunk(
        &png,
        "parameters",
        "a red fox, snow\nNegative prompt: blurry, dark\nSteps: 20",
    );
    let res = s
        .client
        .post(s.at("/api/v1/gen-info"))
        .multipart(file_form("x.png", with_text))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.json::<Value>().await.unwrap(),
        json!({"prompt": "a red fox, snow", "negative_prompt": "blurry, dark"})
    );
    for bytes in [
        png,
        b"garbage".to_vec(),
        encode_rgb(&photo(8, 8), ImageFormat::Jpeg),
    ] {
        let res = s
            .client
            .post(s.at("/api/v1/gen-info"))
            .multipart(file_form("x", bytes))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        assert_eq!(
            res.json::<Value>().await.unwrap(),
            json!({"prompt": "", "negative_prompt": ""})
        );
    }
}

/// Inserts a tEXt chunk right after IHDR.
fn add_text_chunk(png: &[u8], key: &str, text: &str) -> Vec<u8> {
    let ihdr_end = 8 + 4 + 4 + 13 + 4;
    let mut data = key.as_bytes().to_vec();
    data.push(0);
    data.extend_from_slice(text.as_bytes());
    let mut chunk = (data.len() as u32).to_be_bytes().to_vec();
    let mut body = b"tEXt".to_vec();
    body.extend_from_slice(&data);
    let crc = {
        let mut c = 0xffff_ffffu32;
        for &b in &body {
            c ^= u32::from(b);
            for _ in 0..8 {
                c = if c & 1 == 1 {
                    (c >> 1) ^ 0xedb8_8320
                } else {
                    c >> 1
                };
            }
        }
        !c
    };
    chunk.extend_from_slice(&body);
    chunk.extend_from_slice(&crc.to_be_bytes());
    let mut out = png[..ihdr_end].to_vec();
    out.extend_from_slice(&chunk);
    out.extend_from_slice(&png[ihdr_end..]);
    out
}

#[tokio::test]
async fn file_manager_lists_serves_and_thumbnails_without_escaping() {
    let root = temp_dir("fm");
    let input = root.join("in");
    let output = root.join("out");
    std::fs::create_dir_all(&input).unwrap();
    std::fs::write(
        input.join("b.PNG"),
        encode_rgb(&photo(40, 20), ImageFormat::Png),
    )
    .unwrap();
    std::fs::write(
        input.join("a.jpg"),
        encode_rgb(&photo(30, 30), ImageFormat::Jpeg),
    )
    .unwrap();
    std::fs::write(input.join("notes.txt"), b"hello").unwrap();
    std::fs::write(
        root.join("secret.png"),
        encode_rgb(&photo(4, 4), ImageFormat::Png),
    )
    .unwrap();

    let off = TestServer::start().await;
    assert_eq!(
        off.client
            .get(off.at("/api/v1/medias?tab=input"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );

    let s = TestServer::start_with(|c| {
        c.input = Some(input.clone());
        c.output_dir = Some(output.clone());
    })
    .await;
    let cfg: Value = s
        .client
        .get(s.at("/api/v1/server-config"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(cfg["enableFileManager"], true);
    assert_eq!(cfg["enableAutoSaving"], true);

    let list: Vec<Value> = s
        .client
        .get(s.at("/api/v1/medias?tab=input"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let names: Vec<&str> = list.iter().map(|m| m["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["a.jpg", "b.PNG"]);
    assert_eq!(
        (list[1]["width"].as_u64(), list[1]["height"].as_u64()),
        (Some(40), Some(20))
    );
    let masks: Vec<Value> = s
        .client
        .get(s.at("/api/v1/medias?tab=mask"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(masks.is_empty());
    assert_eq!(
        s.client
            .get(s.at("/api/v1/medias?tab=bogus"))
            .send()
            .await
            .unwrap()
            .status(),
        422
    );

    let res = s
        .client
        .get(s.at("/api/v1/media_file?tab=input&filename=a.jpg"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.headers()["content-type"],
        "image/jpeg",
        "real content type"
    );

    for evil in [
        "../secret.png",
        "%2E%2E%2Fsecret.png",
        "/etc/passwd",
        "..%5Csecret.png",
        "notes.txt/..",
    ] {
        let res = s
            .client
            .get(s.at(&format!("/api/v1/media_file?tab=input&filename={evil}")))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 404, "{evil}");
        let body = res.text().await.unwrap();
        assert!(
            !body.contains(root.to_str().unwrap()),
            "server path leaked: {body}"
        );
        let res = s
            .client
            .get(s.at(&format!(
                "/api/v1/media_thumbnail_file?tab=input&filename={evil}&width=16&height=16"
            )))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 404, "thumbnail {evil}");
    }

    let res = s
        .client
        .get(s.at("/api/v1/media_thumbnail_file?tab=input&filename=b.PNG&width=20&height=0"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "image/png");
    assert_eq!(res.headers()["x-width"], "20");
    assert_eq!(res.headers()["x-height"], "10");
    let thumb = decode(&res.bytes().await.unwrap());
    assert_eq!((thumb.width(), thumb.height()), (20, 10));
    // Served again from the cache, identically.
    let again = s
        .client
        .get(s.at("/api/v1/media_thumbnail_file?tab=input&filename=b.PNG&width=20&height=0"))
        .send()
        .await
        .unwrap();
    assert_eq!(again.headers()["x-width"], "20");
    assert!(
        std::fs::read_dir(s.data_dir.join("thumbnails"))
            .unwrap()
            .count()
            >= 1
    );
    std::fs::remove_dir_all(root).ok();
}
