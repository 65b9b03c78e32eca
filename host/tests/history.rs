//! History, jobs and session snapshots over HTTP.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use image::ImageFormat;
use serde_json::{Value, json};
use support::*;

fn body(side: u32) -> Value {
    json!({
        "image": data_url("image/png", &encode_rgb(&photo(side, side), ImageFormat::Png)),
        "mask": data_url("image/png", &encode_gray_png(&rect_mask(side, side, 4, 4, side / 2, side / 2))),
        "cv2_flag": "INPAINT_TELEA",
    })
}

async fn inpaint(s: &TestServer, side: u32) -> (String, Vec<u8>) {
    let res = s.post_json("/api/v1/inpaint", &body(side)).await;
    assert_eq!(res.status(), 200);
    let id = res.headers()["x-history-id"].to_str().unwrap().to_owned();
    assert_eq!(res.headers()["x-job-id"].to_str().unwrap(), id);
    (id, res.bytes().await.unwrap().to_vec())
}

#[tokio::test]
async fn every_inpaint_is_listed_newest_first_with_its_files() {
    let s = TestServer::start().await;
    let mut ids = Vec::new();
    let mut outputs = Vec::new();
    for side in [40, 48, 56] {
        let (id, out) = inpaint(&s, side).await;
        ids.push(id);
        outputs.push(out);
    }
    let page: Value = s
        .client
        .get(s.at("/api/v1/history?limit=2"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(page["total"], 3);
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["id"], ids[2].as_str(), "newest first");
    assert_eq!(items[0]["width"], 56);
    assert_eq!(items[0]["model"], "cv2");
    assert!(items[0]["created_at"].as_i64().unwrap() > 0);
    let thumb_url = items[0]["thumbnail_url"].as_str().unwrap().to_owned();
    let before = page["next_before"].as_str().unwrap();
    let rest: Value = s
        .client
        .get(s.at(&format!("/api/v1/history?limit=2&before={before}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(rest["items"].as_array().unwrap().len(), 1);
    assert_eq!(rest["items"][0]["id"], ids[0].as_str());
    assert!(rest["next_before"].is_null());

    let thumb = s.client.get(s.at(&thumb_url)).send().await.unwrap();
    assert_eq!(thumb.headers()["content-type"], "image/jpeg");
    assert!(decode(&thumb.bytes().await.unwrap()).width() <= 256);

    let detail: Value = s
        .client
        .get(s.at(&format!("/api/v1/history/{}", ids[1])))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(detail["settings"]["cv2_flag"], "INPAINT_TELEA");
    assert!(detail["timings"]["total_ms"].is_u64());
    let output = s
        .client
        .get(s.at(detail["urls"]["output"].as_str().unwrap()))
        .send()
        .await
        .unwrap();
    assert_eq!(output.headers()["content-type"], "image/png");
    assert_eq!(
        output.bytes().await.unwrap().as_ref(),
        outputs[1].as_slice(),
        "stored output = response"
    );
    let mask = s
        .client
        .get(s.at(&format!("/api/v1/history/{}/mask", ids[1])))
        .send()
        .await
        .unwrap();
    let mask = decode(&mask.bytes().await.unwrap()).to_luma8();
    assert_eq!(mask.get_pixel(10, 10).0[0], 255);
    assert_eq!(mask.get_pixel(40, 40).0[0], 0);
    let input = s
        .client
        .get(s.at(&format!("/api/v1/history/{}/input", ids[1])))
        .send()
        .await
        .unwrap();
    assert_eq!(decode(&input.bytes().await.unwrap()).width(), 48);

    assert_eq!(
        s.client
            .get(s.at(&format!("/api/v1/history/{}/secrets", ids[1])))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    assert_eq!(
        s.client
            .get(s.at("/api/v1/history/nope"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
}

#[tokio::test]
async fn delete_clear_and_retention() {
    let s = TestServer::start().await;
    let (a, _) = inpaint(&s, 32).await;
    let (b, _) = inpaint(&s, 32).await;
    let res = s
        .client
        .delete(s.at(&format!("/api/v1/history/{a}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(
        s.client
            .delete(s.at(&format!("/api/v1/history/{a}")))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    assert_eq!(
        s.client
            .get(s.at(&format!("/api/v1/history/{a}/output")))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    assert_eq!(
        s.client
            .get(s.at(&format!("/api/v1/history/{b}/output")))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );

    let res = s
        .client
        .delete(s.at("/api/v1/history"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422, "clearing needs confirmation");
    let res: Value = s
        .client
        .delete(s.at("/api/v1/history?confirm=true"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(res["deleted"], 1);

    let res = s
        .client
        .put(s.at("/api/v1/history/retention"))
        .json(&json!({"max_entries": 2, "max_bytes": 0}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let mut ids = Vec::new();
    for _ in 0..4 {
        ids.push(inpaint(&s, 24).await.0);
    }
    let page: Value = s
        .client
        .get(s.at("/api/v1/history"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(page["total"], 2);
    let listed: Vec<&str> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        listed,
        [ids[3].as_str(), ids[2].as_str()],
        "oldest evicted first"
    );
    let retention: Value = s
        .client
        .get(s.at("/api/v1/history/retention"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(retention["max_entries"], 2);
}

#[tokio::test]
async fn jobs_record_success_and_failure_and_cancel_refuses_finished_jobs() {
    let s = TestServer::start().await;
    let (id, _) = inpaint(&s, 32).await;
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
    assert_eq!(job["history_id"], id.as_str());
    assert_eq!(job["kind"], "inpaint");
    let res = s
        .client
        .post(s.at(&format!("/api/v1/jobs/{id}/cancel")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 409);
    assert_eq!(
        s.client
            .post(s.at("/api/v1/jobs/unknown/cancel"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );

    let list: Value = s
        .client
        .get(s.at("/api/v1/jobs?state=succeeded"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    let none: Value = s
        .client
        .get(s.at("/api/v1/jobs?state=failed"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(none["items"].as_array().unwrap().is_empty());
    assert_eq!(
        s.client
            .get(s.at("/api/v1/jobs?state=bogus"))
            .send()
            .await
            .unwrap()
            .status(),
        422
    );
}

#[tokio::test]
async fn history_can_be_turned_off() {
    let s = TestServer::start_with(|c| c.history = false).await;
    let res = s.post_json("/api/v1/inpaint", &body(32)).await;
    assert_eq!(res.status(), 200);
    assert!(res.headers().get("x-history-id").is_none());
    let job_id = res.headers()["x-job-id"].to_str().unwrap().to_owned();
    let job: Value = s
        .client
        .get(s.at(&format!("/api/v1/jobs/{job_id}")))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        job["state"], "succeeded",
        "jobs are kept even without history"
    );
    let page: Value = s
        .client
        .get(s.at("/api/v1/history"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(page["total"], 0);
}

#[tokio::test]
async fn session_snapshots_round_trip() {
    let s = TestServer::start().await;
    let url = s.at("/api/v1/sessions/tab-1/snapshot");
    assert_eq!(s.client.get(&url).send().await.unwrap().status(), 404);
    let snap = json!({"stack": ["a", "b"], "index": 1});
    assert_eq!(
        s.client
            .put(&url)
            .json(&snap)
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let back: Value = s
        .client
        .get(&url)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(back, snap);
    assert_eq!(s.client.delete(&url).send().await.unwrap().status(), 200);
    assert_eq!(s.client.get(&url).send().await.unwrap().status(), 404);
    let bad = s
        .client
        .put(s.at("/api/v1/sessions/..%2F..%2Fetc/snapshot"))
        .json(&snap)
        .send()
        .await
        .unwrap();
    assert!(bad.status().is_client_error());
}
