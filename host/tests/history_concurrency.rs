//! Concurrent writers over HTTP: many clients inpainting at once each get their own,
//! complete history entry, and the listing, its paging and its counters agree.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::HashSet;
use std::sync::Arc;

use image::ImageFormat;
use serde_json::{Value, json};
use support::*;

const CLIENTS: u32 = 8;
const PER_CLIENT: u32 = 10;

async fn get_json(s: &TestServer, path: &str) -> Value {
    let res = s.client.get(s.at(path)).send().await.unwrap();
    assert_eq!(res.status(), 200, "GET {path}");
    res.json().await.unwrap()
}

async fn get_bytes(s: &TestServer, path: &str) -> Vec<u8> {
    let res = s.client.get(s.at(path)).send().await.unwrap();
    assert_eq!(res.status(), 200, "GET {path}");
    res.bytes().await.unwrap().to_vec()
}

/// One acknowledged inpaint: (history id, image side, response body).
type Ack = (String, u32, Vec<u8>);

async fn client(s: Arc<TestServer>, n: u32) -> Vec<Ack> {
    let mut acks = Vec::new();
    for i in 0..PER_CLIENT {
        // Every client and request a different size, so entries cannot be mixed up.
        let side = 40 + 8 * n + 2 * i;
        let body = json!({
            "image": data_url("image/png", &encode_rgb(&photo(side, side), ImageFormat::Png)),
            "mask": data_url("image/png", &encode_gray_png(&rect_mask(side, side, 6, 6, side / 2, side / 2))),
            "cv2_flag": if i % 2 == 0 { "INPAINT_TELEA" } else { "INPAINT_NS" },
        });
        let res = s.post_json("/api/v1/inpaint", &body).await;
        assert_eq!(res.status(), 200, "client {n} request {i}");
        let id = res.headers()["x-history-id"].to_str().unwrap().to_owned();
        assert_eq!(res.headers()["x-job-id"].to_str().unwrap(), id);
        acks.push((id, side, res.bytes().await.unwrap().to_vec()));
    }
    acks
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn eight_clients_times_ten_inpaints_give_eighty_complete_entries() {
    let s = Arc::new(TestServer::start().await);
    let tasks: Vec<_> = (0..CLIENTS)
        .map(|n| tokio::spawn(client(Arc::clone(&s), n)))
        .collect();
    let mut acks: Vec<Ack> = Vec::new();
    for task in tasks {
        acks.extend(task.await.unwrap());
    }
    let expected = (CLIENTS * PER_CLIENT) as usize;
    assert_eq!(acks.len(), expected);
    let ids: HashSet<&str> = acks.iter().map(|a| a.0.as_str()).collect();
    assert_eq!(ids.len(), expected, "every inpaint got its own id");

    // One page: everything, newest first, `total` = 80.
    let page = get_json(&s, "/api/v1/history?limit=500").await;
    assert_eq!(page["total"], expected);
    let listed: Vec<String> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(listed.len(), expected);
    assert!(listed.windows(2).all(|w| w[0] > w[1]), "newest first");
    assert_eq!(
        listed.iter().map(String::as_str).collect::<HashSet<_>>(),
        ids
    );
    assert!(page["next_before"].is_null());

    // Small pages with `before` give the same sequence, each page with the same total.
    let mut paged: Vec<String> = Vec::new();
    let mut before: Option<String> = None;
    for _ in 0..100 {
        let path = match &before {
            Some(b) => format!("/api/v1/history?limit=7&before={b}"),
            None => "/api/v1/history?limit=7".to_owned(),
        };
        let page = get_json(&s, &path).await;
        assert_eq!(page["total"], expected);
        paged.extend(
            page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| i["id"].as_str().unwrap().to_owned()),
        );
        match page["next_before"].as_str() {
            Some(next) => before = Some(next.to_owned()),
            None => break,
        }
    }
    assert_eq!(paged, listed, "paging = one page");

    // Every entry's files: output = the response, the others decode at the right size.
    for (id, side, output) in &acks {
        let base = format!("/api/v1/history/{id}");
        let detail = get_json(&s, &base).await;
        assert_eq!(detail["width"], *side);
        assert_eq!(detail["height"], *side);
        assert_eq!(
            &get_bytes(&s, &format!("{base}/output")).await,
            output,
            "stored output of {id} = its response"
        );
        let input = decode(&get_bytes(&s, &format!("{base}/input")).await);
        assert_eq!(input.width(), *side);
        let mask = decode(&get_bytes(&s, &format!("{base}/mask")).await).to_luma8();
        assert_eq!(mask.dimensions(), (*side, *side));
        assert_eq!(mask.get_pixel(8, 8).0[0], 255);
        assert_eq!(mask.get_pixel(side - 2, side - 2).0[0], 0);
        let thumb = decode(&get_bytes(&s, &format!("{base}/thumbnail")).await);
        assert!(thumb.width() > 0 && thumb.width() <= 256);
        let job = get_json(&s, &format!("/api/v1/jobs/{id}")).await;
        assert_eq!(job["state"], "succeeded");
        assert_eq!(job["history_id"], id.as_str());
    }

    // Jobs agree, nothing is left active.
    assert_eq!(
        get_json(&s, "/api/v1/jobs?state=succeeded&limit=500").await["total"],
        expected
    );
    for state in ["queued", "running", "failed", "cancelled"] {
        assert_eq!(
            get_json(&s, &format!("/api/v1/jobs?state={state}")).await["total"],
            0,
            "{state}"
        );
    }

    // On disk: exactly 80 entry folders, no temp files.
    let mut folders = 0;
    let mut stack = vec![(s.data_dir.join("files"), 1)];
    while let Some((dir, depth)) = stack.pop() {
        for item in std::fs::read_dir(&dir).unwrap() {
            let item = item.unwrap();
            let name = item.file_name().to_string_lossy().into_owned();
            assert!(
                !name.ends_with(".tmp"),
                "temp file {}",
                item.path().display()
            );
            if depth == 4 {
                assert!(ids.contains(name.as_str()), "unknown folder {name}");
                for file in std::fs::read_dir(item.path()).unwrap() {
                    let file = file.unwrap().file_name().to_string_lossy().into_owned();
                    assert!(!file.ends_with(".tmp"), "temp file {file} in {name}");
                }
                folders += 1;
            } else if item.file_type().unwrap().is_dir() {
                stack.push((item.path(), depth + 1));
            }
        }
    }
    assert_eq!(folders, expected);
}
