//! Weight downloads against a local HTTP server: full download, resume after a dropped
//! connection and across runs, servers ignoring `Range`, 416, md5 mismatch, 404, offline, and
//! `ensure_weights` with `--local-files-only` and config overrides.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::sync::Mutex;
use std::time::Duration;

use mend::Error;
use mend::models::download::{self, DownloadProgress, DownloadRequest, RetryPolicy, part_path};
use mend::models::{FileProgress, WeightsContext, ensure_weights};
use mend_models::catalogue;
use mend_models::weights::checksum::md5_bytes;
use support::temp_dir;
use support::weights_server::{WeightsServer, generated_bytes};

const SIZE: usize = 3 * 1024 * 1024 + 17;

fn fast_retries() -> RetryPolicy {
    RetryPolicy {
        attempts: 3,
        first_delay: Duration::from_millis(10),
    }
}

async fn fetch(
    server: &WeightsServer,
    path: &str,
    md5: Option<String>,
    target: &std::path::Path,
) -> (mend::Result<u64>, Vec<DownloadProgress>) {
    let seen = Mutex::new(Vec::new());
    let req = DownloadRequest {
        url: server.at(path),
        target: target.to_path_buf(),
        md5,
    };
    let client = download::client().unwrap();
    let result = download::download(&client, &req, fast_retries(), &|p| {
        seen.lock().unwrap().push(p);
    })
    .await;
    (result, seen.into_inner().unwrap())
}

#[tokio::test]
async fn downloads_verifies_and_renames_into_place() {
    let server = WeightsServer::start(generated_bytes(SIZE, 1), 0).await;
    let dir = temp_dir("dl-ok");
    let target = dir.join("nested/big-lama.pt");
    let md5 = md5_bytes(&server.file);
    let (result, progress) = fetch(&server, "/ok/big-lama.pt", Some(md5), &target).await;
    assert_eq!(result.unwrap(), SIZE as u64);
    assert_eq!(std::fs::read(&target).unwrap(), server.file.to_vec());
    assert!(!part_path(&target).exists());
    let last = progress.last().unwrap();
    assert_eq!(
        (last.downloaded, last.total),
        (SIZE as u64, Some(SIZE as u64))
    );
    assert!(
        progress
            .windows(2)
            .all(|w| w[0].downloaded <= w[1].downloaded)
    );
    assert_eq!(server.ranges(), vec![None]);
    std::fs::remove_dir_all(dir).ok();
}

#[tokio::test]
async fn a_dropped_connection_is_resumed_with_a_range_request() {
    let server = WeightsServer::start(generated_bytes(SIZE, 2), 2).await;
    let dir = temp_dir("dl-flaky");
    let target = dir.join("f.pt");
    let md5 = md5_bytes(&server.file);
    let (result, _) = fetch(&server, "/flaky/f.pt", Some(md5), &target).await;
    assert_eq!(result.unwrap(), SIZE as u64);
    assert_eq!(std::fs::read(&target).unwrap(), server.file.to_vec());
    let ranges = server.ranges();
    // 1st: whole file, dropped after half; 2nd: resumes at half, dropped after half of the
    // rest; 3rd: resumes there and completes.
    let half = SIZE / 2;
    let quarter = half + (SIZE - half) / 2;
    assert_eq!(
        ranges,
        vec![
            None,
            Some(format!("bytes={half}-")),
            Some(format!("bytes={quarter}-"))
        ]
    );
    std::fs::remove_dir_all(dir).ok();
}

#[tokio::test]
async fn an_interrupted_download_resumes_in_a_later_run() {
    let server = WeightsServer::start(generated_bytes(SIZE, 3), 10).await;
    let dir = temp_dir("dl-later");
    let target = dir.join("f.pt");
    let md5 = md5_bytes(&server.file);
    // Every try is cut: the run fails, keeping the partial file.
    let (result, _) = fetch(&server, "/flaky/f.pt", Some(md5.clone()), &target).await;
    let err = result.unwrap_err();
    assert!(matches!(err, Error::Download { .. }), "{err}");
    let msg = err.to_string();
    assert!(
        msg.contains("/flaky/f.pt") && msg.contains("place it at"),
        "{msg}"
    );
    let kept = std::fs::metadata(part_path(&target)).unwrap().len();
    assert!(kept > 0 && kept < SIZE as u64);
    assert!(!target.exists());
    // The next run continues from there (the /ok/ route serves the same bytes).
    let (result, _) = fetch(&server, "/ok/f.pt", Some(md5), &target).await;
    assert_eq!(result.unwrap(), SIZE as u64);
    assert_eq!(std::fs::read(&target).unwrap(), server.file.to_vec());
    assert_eq!(
        server.ranges().last().unwrap().as_deref(),
        Some(format!("bytes={kept}-").as_str())
    );
    std::fs::remove_dir_all(dir).ok();
}

#[tokio::test]
async fn a_server_ignoring_range_restarts_the_file() {
    let server = WeightsServer::start(generated_bytes(SIZE, 4), 0).await;
    let dir = temp_dir("dl-norange");
    let target = dir.join("f.pt");
    std::fs::write(part_path(&target), b"stale bytes from another file").unwrap();
    let md5 = md5_bytes(&server.file);
    let (result, _) = fetch(&server, "/norange/f.pt", Some(md5), &target).await;
    assert_eq!(result.unwrap(), SIZE as u64);
    assert_eq!(std::fs::read(&target).unwrap(), server.file.to_vec());
    assert_eq!(server.ranges(), vec![Some("bytes=29-".to_owned())]);
    std::fs::remove_dir_all(dir).ok();
}

#[tokio::test]
async fn range_not_satisfiable_completes_or_restarts() {
    let server = WeightsServer::start(generated_bytes(SIZE, 5), 0).await;
    let md5 = md5_bytes(&server.file);
    // A complete part (e.g. the process died before the rename): 416, then verified and kept.
    let dir = temp_dir("dl-416");
    let target = dir.join("f.pt");
    std::fs::write(part_path(&target), &server.file).unwrap();
    let (result, _) = fetch(&server, "/ok/f.pt", Some(md5.clone()), &target).await;
    assert_eq!(result.unwrap(), SIZE as u64);
    assert_eq!(std::fs::read(&target).unwrap(), server.file.to_vec());
    assert_eq!(
        server
            .seen
            .requests
            .load(std::sync::atomic::Ordering::Relaxed),
        1
    );
    // A part longer than the file: 416, dropped, downloaded again.
    let target2 = dir.join("g.pt");
    let mut longer = server.file.to_vec();
    longer.extend_from_slice(b"trailing garbage");
    std::fs::write(part_path(&target2), &longer).unwrap();
    let (result, _) = fetch(&server, "/ok/g.pt", Some(md5), &target2).await;
    assert_eq!(result.unwrap(), SIZE as u64);
    assert_eq!(std::fs::read(&target2).unwrap(), server.file.to_vec());
    std::fs::remove_dir_all(dir).ok();
}

#[tokio::test]
async fn md5_mismatch_deletes_the_download_and_says_so() {
    let server = WeightsServer::start(generated_bytes(4096, 6), 0).await;
    let dir = temp_dir("dl-md5");
    let target = dir.join("f.pt");
    let wrong = "0123456789abcdef0123456789abcdef".to_owned();
    let (result, _) = fetch(&server, "/ok/f.pt", Some(wrong.clone()), &target).await;
    let msg = result.unwrap_err().to_string();
    assert!(msg.contains("md5 mismatch"), "{msg}");
    assert!(
        msg.contains(&wrong) && msg.contains(&md5_bytes(&server.file)),
        "{msg}"
    );
    assert!(msg.contains(&target.display().to_string()), "{msg}");
    assert!(!target.exists() && !part_path(&target).exists());
    std::fs::remove_dir_all(dir).ok();
}

#[tokio::test]
async fn not_found_fails_at_once_and_offline_names_url_and_path() {
    let server = WeightsServer::start(generated_bytes(10, 7), 0).await;
    let dir = temp_dir("dl-404");
    let target = dir.join("f.pt");
    let (result, _) = fetch(&server, "/missing/f.pt", None, &target).await;
    let msg = result.unwrap_err().to_string();
    assert!(msg.contains("404"), "{msg}");
    assert_eq!(
        server
            .seen
            .requests
            .load(std::sync::atomic::Ordering::Relaxed),
        1,
        "no retry"
    );

    // Nothing listens on a just-closed port.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let req = DownloadRequest {
        url: format!("http://127.0.0.1:{port}/big-lama.pt"),
        target: target.clone(),
        md5: None,
    };
    let client = download::client().unwrap();
    let err = download::download(&client, &req, fast_retries(), &|_| {})
        .await
        .unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains(&req.url), "{msg}");
    assert!(msg.contains(&target.display().to_string()), "{msg}");
    std::fs::remove_dir_all(dir).ok();
}

#[tokio::test]
async fn ensure_weights_downloads_into_iopaints_layout_or_explains_offline() {
    let server = WeightsServer::start(generated_bytes(100_000, 8), 0).await;
    let model_dir = temp_dir("ensure");
    let lama = catalogue::find("lama").unwrap();
    let expected = model_dir.join("torch/hub/checkpoints/big-lama.pt");

    // Offline: the error names the file, the URL and `mend download`.
    let mut offline = WeightsContext::new(&model_dir, true);
    offline
        .overrides
        .insert("LAMA_MODEL_URL".into(), server.at("/ok/big-lama.pt"));
    let err = ensure_weights(lama, &offline, &|_| {}).await.unwrap_err();
    assert!(matches!(err, Error::WeightsMissing { .. }), "{err}");
    let msg = err.to_string();
    assert!(msg.contains(&expected.display().to_string()), "{msg}");
    assert!(
        msg.contains("/ok/big-lama.pt") && msg.contains("mend download lama"),
        "{msg}"
    );
    assert_eq!(
        server
            .seen
            .requests
            .load(std::sync::atomic::Ordering::Relaxed),
        0
    );

    // Online, through a config-style override with md5: downloaded where IOPaint keeps it.
    let mut online = WeightsContext::new(&model_dir, false);
    online.overrides = offline.overrides.clone();
    online
        .overrides
        .insert("LAMA_MODEL_MD5".into(), md5_bytes(&server.file));
    let events = Mutex::new(Vec::<FileProgress>::new());
    let paths = ensure_weights(lama, &online, &|p| events.lock().unwrap().push(p))
        .await
        .unwrap();
    assert_eq!(paths, vec![expected.clone()]);
    assert_eq!(std::fs::read(&expected).unwrap(), server.file.to_vec());
    let events = events.into_inner().unwrap();
    let last = events.last().unwrap();
    assert!(last.done && last.model == "lama" && last.file == "big-lama.pt");

    // Present files are used as they are, even offline, without a request.
    let before = server
        .seen
        .requests
        .load(std::sync::atomic::Ordering::Relaxed);
    assert_eq!(
        ensure_weights(lama, &offline, &|_| {}).await.unwrap(),
        vec![expected]
    );
    assert_eq!(
        server
            .seen
            .requests
            .load(std::sync::atomic::Ordering::Relaxed),
        before
    );

    // A local-path override that does not exist is an error naming it.
    let mut local = WeightsContext::new(&model_dir, false);
    local
        .overrides
        .insert("MIGAN_MODEL_URL".into(), "/no/such/migan.pt".into());
    let migan = catalogue::find("migan").unwrap();
    let msg = ensure_weights(migan, &local, &|_| {})
        .await
        .unwrap_err()
        .to_string();
    assert!(
        msg.contains("/no/such/migan.pt") && msg.contains("MIGAN_MODEL_URL"),
        "{msg}"
    );
    std::fs::remove_dir_all(model_dir).ok();
}
