//! Crash safety of the history, end to end: the real `mend` binary is killed with SIGKILL
//! while clients keep sending inpaints, then restarted on the same data dir, round after
//! round. Every acknowledged inpaint (a 200 with `X-History-Id` whose body arrived in full)
//! must survive every kill with byte-identical output; recovery must leave no job
//! `queued`/`running`, no `*.tmp` file and no folder that no entry references.
//!
//! Rounds: `MEND_KILL_ROUNDS` (default 12); seed: `MEND_KILL_SEED` (default fixed).
//! `MEND_KILL_ROUNDS=50 cargo test --release -p mend --test crash_safety -- --nocapture`

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use image::ImageFormat;
use serde_json::{Value, json};
use support::process::{MendProcess as Server, get_bytes, get_json, log_tail};
use support::*;

/// Image sides the clients cycle through (small to medium, so every round has several
/// writes in flight when the kill lands).
const SIDES: [u32; 6] = [64, 96, 128, 192, 256, 384];
/// Concurrent client loops per round.
const CLIENTS: u64 = 3;
/// Kill delay after the server is ready, in milliseconds: `[MIN, MIN + SPAN)`.
const KILL_MIN_MS: u64 = 50;
const KILL_SPAN_MS: u64 = 351;
/// The files every entry folder holds (the clients send PNG, so input/output are PNG).
const ENTRY_FILES: [&str; 5] = [
    "input.png",
    "mask.png",
    "output.png",
    "thumbnail.jpg",
    "meta.json",
];

/// xorshift64*: a tiny deterministic PRNG (no rand crate).
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Self {
        // splitmix64 of the seed, so nearby seeds give unrelated streams; never 0.
        let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        Self((z ^ (z >> 31)) | 1)
    }

    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn env_u64(name: &str, default: u64) -> u64 {
    match std::env::var(name) {
        Ok(v) => v
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("{name}={v} is not a number")),
        Err(_) => default,
    }
}

// ------------------------------------------------------------------ the real server process

/// Removes the data dir on drop (also when an assertion failed, unless `MEND_KEEP_DATA`).
struct DirGuard(PathBuf);

impl Drop for DirGuard {
    fn drop(&mut self) {
        if std::env::var_os("MEND_KEEP_DATA").is_some() {
            eprintln!("keeping {}", self.0.display());
        } else {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

/// The counters of the last `RecoveryReport { interrupted_jobs: N, … }` the server logged.
fn last_recovery_report(log: &Path) -> HashMap<String, u64> {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let Some(start) = text.rfind("RecoveryReport {") else {
        return HashMap::new();
    };
    let rest = &text[start + "RecoveryReport {".len()..];
    let body = &rest[..rest.find('}').unwrap_or(rest.len())];
    body.split(',')
        .filter_map(|kv| {
            let (k, v) = kv.split_once(':')?;
            Some((k.trim().to_owned(), v.trim().parse().ok()?))
        })
        .collect()
}

// ------------------------------------------------------------------------------- clients

/// Request bodies, one per side, built once and shared by every round.
fn bodies() -> &'static [(u32, &'static [u8])] {
    static BODIES: OnceLock<Vec<(u32, &'static [u8])>> = OnceLock::new();
    BODIES.get_or_init(|| {
        SIDES
            .iter()
            .map(|&side| {
                let body = json!({
                    "image": data_url("image/png", &encode_rgb(&photo(side, side), ImageFormat::Png)),
                    "mask": data_url(
                        "image/png",
                        &encode_gray_png(&rect_mask(side, side, side / 4, side / 4, side / 2, side / 2 + 3)),
                    ),
                    "cv2_flag": "INPAINT_TELEA",
                    "cv2_radius": 3,
                });
                let bytes: &'static [u8] = Vec::leak(serde_json::to_vec(&body).unwrap());
                (side, bytes)
            })
            .collect()
    })
}

/// One acknowledged inpaint.
#[derive(Debug, Clone)]
struct Ack {
    id: String,
    side: u32,
    output: Vec<u8>,
    round: u64,
}

#[derive(Default)]
struct Outcome {
    acks: Vec<Ack>,
    /// 200s whose body did not arrive in full (killed mid-response): not acknowledged.
    cut: u64,
    /// When the first acknowledgement arrived, after the round's traffic started.
    first_ack: Option<Duration>,
    /// Anything that is neither a 200, a 503 (queue full) nor a failure after the kill.
    unexpected: Vec<String>,
}

async fn client_loop(
    client: reqwest::Client,
    url: String,
    t0: Instant,
    mut rng: Rng,
    round: u64,
    stop: Arc<AtomicBool>,
    outcome: Arc<Mutex<Outcome>>,
) {
    let bodies = bodies();
    while !stop.load(Ordering::SeqCst) {
        let (side, body) = bodies[rng.below(bodies.len() as u64) as usize];
        let sent = client
            .post(&url)
            .header("content-type", "application/json")
            .body(body)
            .timeout(Duration::from_secs(30))
            .send()
            .await;
        let res = match sent {
            Ok(res) => res,
            Err(e) => {
                if !stop.load(Ordering::SeqCst) {
                    outcome
                        .lock()
                        .unwrap()
                        .unexpected
                        .push(format!("request failed before the kill: {e}"));
                }
                break;
            }
        };
        let status = res.status().as_u16();
        let history_id = res
            .headers()
            .get("x-history-id")
            .map(|v| v.to_str().unwrap().to_owned());
        let job_id = res
            .headers()
            .get("x-job-id")
            .map(|v| v.to_str().unwrap().to_owned());
        let body = res.bytes().await;
        let mut out = outcome.lock().unwrap();
        match (status, body) {
            (200, Ok(bytes)) => {
                let Some(id) = history_id else {
                    out.unexpected.push("200 without X-History-Id".into());
                    continue;
                };
                if job_id.as_deref() != Some(id.as_str()) {
                    out.unexpected
                        .push(format!("X-Job-Id {job_id:?} != X-History-Id {id}"));
                }
                out.first_ack.get_or_insert(t0.elapsed());
                out.acks.push(Ack {
                    id,
                    side,
                    output: bytes.to_vec(),
                    round,
                });
            }
            (200, Err(_)) => out.cut += 1,
            (503, _) => {} // queue full: retry
            (_, Err(_)) if stop.load(Ordering::SeqCst) => out.cut += 1,
            (status, body) => {
                let text = body
                    .map(|b| String::from_utf8_lossy(&b[..b.len().min(300)]).into_owned())
                    .unwrap_or_default();
                out.unexpected.push(format!("HTTP {status}: {text}"));
            }
        }
    }
}

// ------------------------------------------------------------------------------ checking

async fn list_all_history(client: &reqwest::Client, server: &Server) -> Vec<Value> {
    let mut items: Vec<Value> = Vec::new();
    let mut before: Option<String> = None;
    let mut total = None;
    for _ in 0..10_000 {
        let url = match &before {
            Some(b) => server.at(&format!("/api/v1/history?limit=500&before={b}")),
            None => server.at("/api/v1/history?limit=500"),
        };
        let page = get_json(client, &url).await;
        let page_total = page["total"].as_u64().unwrap();
        assert_eq!(*total.get_or_insert(page_total), page_total, "total moved");
        items.extend(page["items"].as_array().unwrap().iter().cloned());
        match page["next_before"].as_str() {
            Some(next) => before = Some(next.to_owned()),
            None => break,
        }
    }
    assert_eq!(
        total.unwrap_or(0),
        items.len() as u64,
        "`total` must equal the number of listed entries"
    );
    let ids: Vec<&str> = items.iter().map(|i| i["id"].as_str().unwrap()).collect();
    assert!(
        ids.windows(2).all(|w| w[0] > w[1]),
        "ids unique and newest first"
    );
    items
}

async fn jobs_total(client: &reqwest::Client, server: &Server, state: &str) -> (u64, usize) {
    let page = get_json(
        client,
        &server.at(&format!("/api/v1/jobs?state={state}&limit=500")),
    )
    .await;
    (
        page["total"].as_u64().unwrap(),
        page["items"].as_array().unwrap().len(),
    )
}

/// Checks one entry's four files over HTTP; `ack` (when known) gives the expected output.
async fn check_entry_files(client: &reqwest::Client, server: &Server, id: &str, ack: Option<&Ack>) {
    let base = server.at(&format!("/api/v1/history/{id}"));
    let output = get_bytes(client, &format!("{base}/output")).await;
    let input = decode(&get_bytes(client, &format!("{base}/input")).await);
    let mask = decode(&get_bytes(client, &format!("{base}/mask")).await);
    let thumb = decode(&get_bytes(client, &format!("{base}/thumbnail")).await);
    let out = decode(&output);
    assert_eq!(out.width(), input.width(), "{id}: output/input size");
    assert_eq!(mask.width(), input.width(), "{id}: mask/input size");
    assert!(thumb.width() <= 256 && thumb.width() > 0, "{id}: thumbnail");
    if let Some(ack) = ack {
        assert_eq!(input.width(), ack.side, "{id}: input size");
        assert!(
            output == ack.output,
            "{id} (acknowledged in round {}): stored output ({} bytes) != the acknowledged \
             response ({} bytes)",
            ack.round,
            output.len(),
            ack.output.len()
        );
    }
}

/// Walks `data_dir/files/YYYY/MM/DD/<id>/`: no `*.tmp` anywhere, no stray files or empty
/// date folders, every entry folder named after a listed id and holding exactly
/// [`ENTRY_FILES`]. Returns the number of entry folders.
fn check_file_tree(data_dir: &Path, listed: &HashSet<String>) -> usize {
    fn walk(dir: &Path, depth: usize, listed: &HashSet<String>, found: &mut usize) {
        let mut children = 0;
        for item in std::fs::read_dir(dir).unwrap() {
            let item = item.unwrap();
            children += 1;
            let path = item.path();
            let name = item.file_name().to_string_lossy().into_owned();
            assert!(
                !name.ends_with(".tmp"),
                "temp file left: {}",
                path.display()
            );
            let is_dir = item.file_type().unwrap().is_dir();
            if depth < 4 {
                assert!(is_dir, "stray file above entry level: {}", path.display());
                walk(&path, depth + 1, listed, found);
            } else {
                assert!(is_dir, "stray file at entry level: {}", path.display());
                assert!(
                    listed.contains(&name),
                    "orphan entry folder (no listed entry): {}",
                    path.display()
                );
                let mut files: Vec<String> = std::fs::read_dir(&path)
                    .unwrap()
                    .map(|f| f.unwrap().file_name().to_string_lossy().into_owned())
                    .collect();
                files.sort();
                let mut expected: Vec<String> =
                    ENTRY_FILES.iter().map(|s| (*s).to_owned()).collect();
                expected.sort();
                assert_eq!(files, expected, "files of {}", path.display());
                *found += 1;
            }
        }
        if depth > 1 {
            assert!(children > 0, "empty date folder left: {}", dir.display());
        }
    }
    let mut found = 0;
    walk(&data_dir.join("files"), 1, listed, &mut found);
    found
}

// ---------------------------------------------------------------------------------- test

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn acknowledged_inpaints_survive_sigkill() {
    let rounds = env_u64("MEND_KILL_ROUNDS", 12);
    let seed = env_u64("MEND_KILL_SEED", 0x6d65_6e64);
    let data_dir = temp_dir("crash");
    let _cleanup = DirGuard(data_dir.clone());
    // The server's log lives at the top of the data dir (recovery only looks at `files/`).
    let log = data_dir.join("server.log");
    let client = reqwest::Client::new();
    let started = Instant::now();
    bodies();

    let mut all_acks: HashMap<String, Ack> = HashMap::new();
    let mut interrupted_total = 0u64;
    let mut cut_total = 0u64;
    let mut orphans_total = 0u64;
    let mut tmps_total = 0u64;
    let mut failed_before = 0u64;
    let mut server = Server::start(&data_dir, &log, &[]).await;

    for round in 0..rounds {
        let mut rng = Rng::new(seed ^ round.wrapping_mul(0x0100_0000_01B3));
        let delay = Duration::from_millis(KILL_MIN_MS + rng.below(KILL_SPAN_MS));
        let stop = Arc::new(AtomicBool::new(false));
        let outcome = Arc::new(Mutex::new(Outcome::default()));
        let url = server.at("/api/v1/inpaint");
        let t0 = Instant::now();
        let tasks: Vec<_> = (0..CLIENTS)
            .map(|c| {
                tokio::spawn(client_loop(
                    client.clone(),
                    url.clone(),
                    t0,
                    Rng::new(rng.next() ^ c),
                    round,
                    Arc::clone(&stop),
                    Arc::clone(&outcome),
                ))
            })
            .collect();
        tokio::time::sleep(delay).await;
        // Flag first, then kill: a client error seen with the flag clear happened before the
        // kill and is a real failure.
        stop.store(true, Ordering::SeqCst);
        server.kill9();
        for task in tasks {
            tokio::time::timeout(Duration::from_secs(40), task)
                .await
                .expect("client loop ends after the kill")
                .unwrap();
        }
        let outcome = std::mem::take(&mut *outcome.lock().unwrap());
        assert!(
            outcome.unexpected.is_empty(),
            "round {round}: unexpected responses before the kill: {:#?}\nlog:\n{}",
            outcome.unexpected,
            log_tail(&log)
        );
        cut_total += outcome.cut;

        let restart = Instant::now();
        server = Server::start(&data_dir, &log, &[]).await;
        let restart_ms = restart.elapsed().as_millis();
        let report = last_recovery_report(&log);
        assert_eq!(
            report.get("broken_entries_removed"),
            Some(&0),
            "round {round}: recovery found committed entries with missing files: {report:?}"
        );
        let orphans = report.get("orphan_dirs_removed").copied().unwrap_or(0);
        let tmps = report.get("tmp_files_removed").copied().unwrap_or(0);
        orphans_total += orphans;
        tmps_total += tmps;

        // Every acknowledged entry, of this round and all before, is listed.
        let items = list_all_history(&client, &server).await;
        let listed: HashSet<String> = items
            .iter()
            .map(|i| i["id"].as_str().unwrap().to_owned())
            .collect();
        for ack in outcome.acks.iter().chain(all_acks.values()) {
            assert!(
                listed.contains(&ack.id),
                "LOST: entry {} acknowledged in round {} is not listed after the kill in \
                 round {round}; log:\n{}",
                ack.id,
                ack.round,
                log_tail(&log)
            );
        }
        // This round's acknowledged entries: files intact, job succeeded.
        for ack in &outcome.acks {
            check_entry_files(&client, &server, &ack.id, Some(ack)).await;
            let job = get_json(&client, &server.at(&format!("/api/v1/jobs/{}", ack.id))).await;
            assert_eq!(job["state"], "succeeded", "job of acknowledged {}", ack.id);
            assert_eq!(job["history_id"], ack.id.as_str());
        }
        // Recovery left nothing active; interrupted jobs are failed.
        assert_eq!(jobs_total(&client, &server, "running").await, (0, 0));
        assert_eq!(jobs_total(&client, &server, "queued").await, (0, 0));
        let failed_page =
            get_json(&client, &server.at("/api/v1/jobs?state=failed&limit=500")).await;
        let failed = failed_page["total"].as_u64().unwrap();
        for job in failed_page["items"].as_array().unwrap() {
            assert_eq!(
                job["error"], "interrupted",
                "only kills fail jobs here: {job}"
            );
        }
        let interrupted = failed - failed_before;
        failed_before = failed;
        interrupted_total += interrupted;
        // The file tree holds exactly the listed entries.
        let folders = check_file_tree(&data_dir, &listed);
        assert_eq!(folders, listed.len(), "every listed entry has its folder");

        let acked = outcome.acks.len();
        for ack in outcome.acks {
            all_acks.insert(ack.id.clone(), ack);
        }
        println!(
            "round {round:>3}: kill after {:>3} ms, acknowledged {acked:>3} (first after {}), cut {:>2}, \
             interrupted jobs {interrupted}, swept {orphans} orphan folders + {tmps} tmp files, \
             listed {:>4} (unacknowledged but committed {}), restart {restart_ms} ms",
            delay.as_millis(),
            outcome
                .first_ack
                .map_or("-".to_owned(), |d| format!("{} ms", d.as_millis())),
            outcome.cut,
            listed.len(),
            listed.len() - all_acks.len(),
        );
    }

    // Final pass over everything: every listed entry's files decode; acknowledged outputs
    // match byte for byte.
    let items = list_all_history(&client, &server).await;
    for item in &items {
        let id = item["id"].as_str().unwrap();
        check_entry_files(&client, &server, id, all_acks.get(id)).await;
    }
    let listed: HashSet<&str> = items.iter().map(|i| i["id"].as_str().unwrap()).collect();
    let lost = all_acks
        .keys()
        .filter(|id| !listed.contains(id.as_str()))
        .count();
    assert!(server.stop_gracefully(), "SIGTERM exits 0 after the rounds");
    println!(
        "crash_safety summary: rounds {rounds} (SIGKILLs {rounds}), acknowledged {}, lost {lost}, \
         listed {}, interrupted jobs {interrupted_total}, swept orphan folders {orphans_total}, \
         swept tmp files {tmps_total}, responses cut by the kill {cut_total}, {:.1} s",
        all_acks.len(),
        items.len(),
        started.elapsed().as_secs_f64()
    );
    assert_eq!(lost, 0);
}
