//! A full disk: the real `mend` binary runs with its data dir on a small tmpfs. When the disk
//! fills up, the failing inpaint gets a JSON error (507 Insufficient Storage), nothing
//! acknowledged before is lost or damaged, the failed inpaint leaves no entry and no files,
//! its job is `failed`, the server keeps serving, and once space is freed (deleting history
//! through the API) inpainting works again. A restart on the same tmpfs — also while it is
//! 100 % full — opens the store with the listing intact.
//!
//! Needs `mount -t tmpfs` (root on Linux); elsewhere the test prints why and skips. The
//! store's injected-failure hook is `cfg(test)`-only (not reachable from here), so there is
//! no fallback path.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::HashSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use image::ImageFormat;
use serde_json::{Value, json};
use support::process::{MendProcess as Server, get_bytes, get_json, log_tail};
use support::*;

/// tmpfs tests mount and unmount; run them one at a time.
static TMPFS: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Size of the tmpfs: a few entries of [`SIDE`]² fit, then the disk is full.
const TMPFS_KIB: u64 = 4096;
/// Image side: input + output PNG of this photo are ~1.3 MiB per entry.
const SIDE: u32 = 480;

// ------------------------------------------------------------------------------- tmpfs

/// A tmpfs mounted at a fresh folder; unmounted (and the folder removed) on drop, after
/// everything declared later (the server) has been dropped.
struct Tmpfs(PathBuf);

impl Tmpfs {
    fn mount(kib: u64) -> Result<Self, String> {
        if !cfg!(target_os = "linux") {
            return Err("not Linux".into());
        }
        let dir = temp_dir("diskfull-mnt");
        let out = Command::new("mount")
            .args(["-t", "tmpfs", "-o"])
            .arg(format!("size={kib}k,mode=0755"))
            .arg("tmpfs")
            .arg(&dir)
            .output();
        match out {
            Ok(out) if out.status.success() => Ok(Self(dir)),
            Ok(out) => {
                let _ = std::fs::remove_dir(&dir);
                Err(format!(
                    "mount -t tmpfs failed ({}): {}",
                    out.status,
                    String::from_utf8_lossy(&out.stderr).trim()
                ))
            }
            Err(e) => {
                let _ = std::fs::remove_dir(&dir);
                Err(format!("cannot run mount: {e}"))
            }
        }
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let ok = Command::new("umount")
                .arg(&self.0)
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success());
            if ok {
                break;
            }
            if Instant::now() > deadline {
                eprintln!("umount {} failed; detaching it lazily", self.0.display());
                let _ = Command::new("umount").arg("-l").arg(&self.0).status();
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = std::fs::remove_dir(&self.0);
    }
}

// ------------------------------------------------------------------ the real server process

// --------------------------------------------------------------------------------- helpers

fn body(side: u32, seed: u32) -> Value {
    // A different rectangle per request, so outputs differ.
    let x0 = 8 + (seed * 13) % (side / 3);
    json!({
        "image": data_url("image/png", &encode_rgb(&photo(side, side), ImageFormat::Png)),
        "mask": data_url("image/png", &encode_gray_png(&rect_mask(side, side, x0, 10, x0 + side / 3, side / 3))),
        "cv2_flag": "INPAINT_TELEA",
        "cv2_radius": 2,
    })
}

/// Listed ids (one page suffices here); asserts `total` = the number listed.
async fn listed_ids(client: &reqwest::Client, server: &Server) -> Vec<String> {
    let page = get_json(client, &server.at("/api/v1/history?limit=500")).await;
    let ids: Vec<String> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(page["total"], ids.len(), "`total` = number listed");
    assert!(page["next_before"].is_null());
    ids
}

/// The entry's output equals `output` and its other files decode.
async fn check_entry(client: &reqwest::Client, server: &Server, id: &str, output: &[u8]) {
    let base = server.at(&format!("/api/v1/history/{id}"));
    assert!(
        get_bytes(client, &format!("{base}/output")).await == output,
        "stored output of {id} = the acknowledged response"
    );
    assert_eq!(
        decode(&get_bytes(client, &format!("{base}/input")).await).width(),
        SIDE
    );
    assert_eq!(
        decode(&get_bytes(client, &format!("{base}/mask")).await).width(),
        SIDE
    );
    assert!(decode(&get_bytes(client, &format!("{base}/thumbnail")).await).width() <= 256);
}

/// `(total, items)` of `/api/v1/jobs?state=…`.
async fn jobs(client: &reqwest::Client, server: &Server, state: &str) -> (u64, Vec<Value>) {
    let page = get_json(
        client,
        &server.at(&format!("/api/v1/jobs?state={state}&limit=500")),
    )
    .await;
    (
        page["total"].as_u64().unwrap(),
        page["items"].as_array().unwrap().clone(),
    )
}

/// Folders at entry depth under `files/` and any `*.tmp` files.
fn scan_files(data_dir: &Path) -> (HashSet<String>, Vec<PathBuf>) {
    let mut entries = HashSet::new();
    let mut tmps = Vec::new();
    let mut stack = vec![(data_dir.join("files"), 1)];
    while let Some((dir, depth)) = stack.pop() {
        for item in std::fs::read_dir(&dir).unwrap() {
            let item = item.unwrap();
            let name = item.file_name().to_string_lossy().into_owned();
            if name.ends_with(".tmp") {
                tmps.push(item.path());
            }
            if item.file_type().unwrap().is_dir() {
                if depth == 4 {
                    entries.insert(name);
                }
                stack.push((item.path(), depth + 1));
            }
        }
    }
    (entries, tmps)
}

/// Fills the file system holding `dir` with a file until ENOSPC; returns its path.
fn fill_up(dir: &Path) -> PathBuf {
    let path = dir.join("filler");
    let mut file = std::fs::File::create(&path).unwrap();
    let chunk = vec![0xA5u8; 4096];
    for _ in 0..100_000 {
        if let Err(e) = file.write_all(&chunk) {
            assert_eq!(e.raw_os_error(), Some(28), "ENOSPC expected: {e}");
            // Also take the last partial block.
            for _ in 0..4096 {
                if file.write_all(&[0]).is_err() {
                    break;
                }
            }
            return path;
        }
    }
    panic!("{} never filled up", dir.display());
}

// ------------------------------------------------------------------------------------ test

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn full_disk_gives_json_507_and_corrupts_nothing() {
    let _serial = TMPFS.lock().await;
    let mnt = match Tmpfs::mount(TMPFS_KIB) {
        Ok(mnt) => mnt,
        Err(why) => {
            println!(
                "SKIPPED full_disk_gives_json_507_and_corrupts_nothing: {why} (needs root on Linux)"
            );
            return;
        }
    };
    let data_dir = mnt.0.join("data");
    // The log lives outside the tmpfs, so it never competes for space.
    let log = temp_dir("diskfull-log").join("server.log");
    let _log_dir = LogDir(log.parent().unwrap().to_owned());
    let client = reqwest::Client::new();
    let mut server = Server::try_start(&data_dir, &log, &[]).await.unwrap();

    // 1. Inpaint until the disk is full.
    let mut acks: Vec<(String, Vec<u8>)> = Vec::new();
    let mut failure = None;
    for i in 0..40 {
        let res = client
            .post(server.at("/api/v1/inpaint"))
            .json(&body(SIDE, i))
            .send()
            .await
            .unwrap();
        let status = res.status().as_u16();
        let headers = res.headers().clone();
        let bytes = res.bytes().await.unwrap().to_vec();
        if status == 200 {
            let id = headers["x-history-id"].to_str().unwrap().to_owned();
            acks.push((id, bytes));
        } else {
            failure = Some((status, headers, bytes));
            break;
        }
    }
    let (status, headers, bytes) = failure.expect("the 4 MiB disk never filled up");
    println!(
        "disk full after {} acknowledged inpaints of {SIDE}²: HTTP {status} {}",
        acks.len(),
        String::from_utf8_lossy(&bytes)
    );
    assert!(
        acks.len() >= 2,
        "several entries fit before the disk is full"
    );

    // 2. The failure is a JSON error: 507 (or at worst 500), IOPaint's error body.
    assert!(
        status == 507 || status == 500,
        "HTTP {status}: {}",
        String::from_utf8_lossy(&bytes)
    );
    assert!(
        headers[reqwest::header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("application/json"),
        "error body is JSON: {headers:?}"
    );
    let err: Value = serde_json::from_slice(&bytes).expect("error body parses as JSON");
    for key in ["error", "detail", "errors"] {
        assert!(err[key].is_string(), "`{key}` in {err}");
    }
    if status == 507 {
        assert_eq!(err["error"], "InsufficientStorage");
        assert!(err["errors"].as_str().unwrap().starts_with("507"), "{err}");
    }

    // 3. The server still serves; acknowledged entries are intact, the failed one is absent.
    assert_eq!(
        client
            .get(server.at("/api/v1/server-config"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    let ids = listed_ids(&client, &server).await;
    let acked: Vec<&str> = acks.iter().map(|a| a.0.as_str()).collect();
    let mut expected = acked.clone();
    expected.reverse();
    assert_eq!(
        ids, expected,
        "exactly the acknowledged entries, newest first"
    );
    for (id, output) in &acks {
        check_entry(&client, &server, id, output).await;
    }
    // Its job is failed (nothing left active), and it has no history entry.
    let (failed_total, failed) = jobs(&client, &server, "failed").await;
    assert_eq!(
        failed_total, 1,
        "exactly the failed inpaint's job: {failed:?}"
    );
    let failed_id = failed[0]["id"].as_str().unwrap().to_owned();
    assert!(!ids.contains(&failed_id), "failed inpaint is not listed");
    assert!(failed[0]["history_id"].is_null());
    println!("failed job: {}", failed[0]);
    assert_eq!(jobs(&client, &server, "running").await.0, 0);
    assert_eq!(jobs(&client, &server, "queued").await.0, 0);
    assert_eq!(
        jobs(&client, &server, "succeeded").await.0,
        acks.len() as u64
    );
    // No partial folder or temp file of the failed write.
    let (folders, tmps) = scan_files(&data_dir);
    assert!(tmps.is_empty(), "temp files left: {tmps:?}");
    assert_eq!(
        folders,
        acked
            .iter()
            .map(|s| (*s).to_owned())
            .collect::<HashSet<_>>(),
        "on disk: exactly the acknowledged entries' folders"
    );

    // 4. A restart while the disk is 100 % full: the store opens (recovery commits), the
    //    listing is intact and the files read back.
    assert!(server.stop_gracefully(), "SIGTERM exits 0");
    let filler = fill_up(&mnt.0);
    server = match Server::try_start(&data_dir, &log, &[]).await {
        Ok(server) => server,
        Err(log) => panic!("mend does not restart on a full disk: {log}"),
    };
    assert_eq!(listed_ids(&client, &server).await, expected);
    for (id, output) in &acks {
        check_entry(&client, &server, id, output).await;
    }
    // (No write while it is full: see the ignored test below for why.)
    std::fs::remove_file(filler).unwrap();

    // 5. Free space through the API; inpainting works again.
    for (id, _) in acks.drain(..2) {
        let res = client
            .delete(server.at(&format!("/api/v1/history/{id}")))
            .send()
            .await
            .unwrap();
        let status = res.status();
        let text = res.text().await.unwrap_or_default();
        assert_eq!(
            status,
            200,
            "DELETE {id} after the disk has space again: {text}; log:\n{}",
            log_tail(&log)
        );
    }
    let res = client
        .post(server.at("/api/v1/inpaint"))
        .json(&body(SIDE, 100))
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        200,
        "inpaint after freeing space: {:?}",
        res.text().await
    );
    let id = res.headers()["x-history-id"].to_str().unwrap().to_owned();
    acks.push((id, res.bytes().await.unwrap().to_vec()));
    let expected: Vec<String> = acks.iter().rev().map(|a| a.0.clone()).collect();
    assert_eq!(listed_ids(&client, &server).await, expected);
    assert_eq!(jobs(&client, &server, "running").await.0, 0);

    // 6. Restart on the same tmpfs: the store opens, the listing and the files are intact.
    assert!(server.stop_gracefully(), "SIGTERM exits 0");
    server = Server::try_start(&data_dir, &log, &[]).await.unwrap();
    assert_eq!(listed_ids(&client, &server).await, expected);
    for (id, output) in &acks {
        check_entry(&client, &server, id, output).await;
    }
    assert_eq!(jobs(&client, &server, "running").await.0, 0);
    assert_eq!(jobs(&client, &server, "queued").await.0, 0);
    let (folders, tmps) = scan_files(&data_dir);
    assert!(tmps.is_empty(), "temp files left: {tmps:?}");
    assert_eq!(folders, expected.iter().cloned().collect::<HashSet<_>>());
    drop(server); // before the tmpfs guard unmounts
}

/// The disk fills up completely while the server runs (another process fills it), one inpaint
/// fails, then space is freed. The server must recover without a restart: deleting history
/// (the way a user frees space) and inpainting work again, and no job stays active.
///
/// After a redb commit hits ENOSPC, redb refuses every later transaction ("Previous I/O
/// error") until the database is reopened; the store reopens it itself, so freeing space is
/// enough.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_work_again_once_space_is_freed_after_the_database_hit_enospc() {
    let _serial = TMPFS.lock().await;
    let mnt = match Tmpfs::mount(TMPFS_KIB) {
        Ok(mnt) => mnt,
        Err(why) => {
            println!("SKIPPED: {why} (needs root on Linux)");
            return;
        }
    };
    let data_dir = mnt.0.join("data");
    let log = temp_dir("diskfull-log").join("server.log");
    let _log_dir = LogDir(log.parent().unwrap().to_owned());
    let client = reqwest::Client::new();
    let server = Server::try_start(&data_dir, &log, &[]).await.unwrap();
    let small = 96;
    let res = client
        .post(server.at("/api/v1/inpaint"))
        .json(&body(small, 1))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let kept = res.headers()["x-history-id"].to_str().unwrap().to_owned();

    let filler = fill_up(&mnt.0);
    let res = client
        .post(server.at("/api/v1/inpaint"))
        .json(&body(small, 2))
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let err: Value = res.json().await.expect("JSON error body on a full disk");
    println!("inpaint on a full disk: HTTP {status} {err}");
    assert!(status == 507 || status == 500, "HTTP {status}");
    std::fs::remove_file(filler).unwrap();

    // Space is back. Freeing more through the API and inpainting must work.
    let res = client
        .delete(server.at(&format!("/api/v1/history/{kept}")))
        .send()
        .await
        .unwrap();
    let status = res.status();
    let text = res.text().await.unwrap_or_default();
    assert_eq!(
        status,
        200,
        "DELETE once space is free again: {text}\nlog:\n{}",
        log_tail(&log)
    );
    let res = client
        .post(server.at("/api/v1/inpaint"))
        .json(&body(small, 3))
        .send()
        .await
        .unwrap();
    let status = res.status();
    let text = res.text().await.unwrap_or_default();
    assert_eq!(status, 200, "inpaint once space is free again: {text}");
    assert_eq!(
        jobs(&client, &server, "queued").await.0,
        0,
        "no job stuck queued"
    );
    assert_eq!(
        jobs(&client, &server, "running").await.0,
        0,
        "no job stuck running"
    );
    drop(server);
}

/// Removes the log folder on drop.
struct LogDir(PathBuf);

impl Drop for LogDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
