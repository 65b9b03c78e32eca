//! Plugin runtime tests against the real test components built by `scripts/build-plugins`
//! (`$CARGO_TARGET_DIR/plugins/dist/*.wasm`). Without them every test fails, unless
//! `MEND_SKIP_PLUGIN_TESTS=1` says to skip.
//!
//! Each hostile plugin must be contained (deadline, memory, stack, no files, no sockets, no
//! crash, bounded output), and afterwards `noop` must still work and the server still answer.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use mend::config::Config;
use mend::engine::EventBus;
use mend::plugins::wit::latest::{Frame, types as wt};
use mend::plugins::{CallStats, Plugins};
use serde_json::{Map, Value};
use support::TestServer;

/// Where the built test components are.
fn dist_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("MEND_PLUGINS_DIST") {
        return PathBuf::from(dir);
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cache/mend/target")
        });
    target.join("plugins").join("dist")
}

/// The built component `name`, or `None` (skip) when `MEND_SKIP_PLUGIN_TESTS=1`.
fn component(name: &str) -> Option<PathBuf> {
    // Test plugins live in `dist/test/`, first-party ones in `dist/`.
    let test = dist_dir().join("test").join(format!("{name}.wasm"));
    if test.is_file() {
        return Some(test);
    }
    let path = dist_dir().join(format!("{name}.wasm"));
    if path.is_file() {
        return Some(path);
    }
    if std::env::var("MEND_SKIP_PLUGIN_TESTS").is_ok_and(|v| v == "1") {
        eprintln!(
            "skipping: {} is missing (MEND_SKIP_PLUGIN_TESTS=1)",
            path.display()
        );
        return None;
    }
    panic!(
        "test plugin {} is missing: run scripts/build-plugins first (or set \
         MEND_SKIP_PLUGIN_TESTS=1 to skip plugin tests)",
        path.display()
    );
}

const DEADLINE_MS: u64 = 500;
/// The manifest id of `test/noop.wasm`.
const NOOP: &str = "test-noop";
const MEMORY_MIB: u64 = 64;

fn config(dir: &Path) -> Config {
    Config {
        data_dir: dir.to_path_buf(),
        plugins_dir: Some(dir.join("plugins")),
        plugin_deadline_ms: DEADLINE_MS,
        plugin_memory_mib: MEMORY_MIB,
        ..Config::default()
    }
}

/// A registry with `noop` and `name` loaded; returns `(plugins, name's id)`.
async fn registry_with(name: &str) -> Option<(Plugins, String)> {
    let noop = component("noop")?;
    let hostile = component(name)?;
    let dir = support::temp_dir("plugins");
    let plugins = Plugins::new(&config(&dir), EventBus::new(), None).unwrap();
    let noop_id = plugins.load_file(&noop).await.unwrap();
    assert_eq!(noop_id, NOOP);
    let id = plugins
        .load_file(&hostile)
        .await
        .unwrap_or_else(|e| panic!("{name} loads: {e}"));
    Some((plugins, id))
}

fn small_frame() -> Frame {
    Frame {
        image: Some(wt::Image {
            width: 8,
            height: 8,
            pixels: vec![7; 8 * 8 * 4],
        }),
        mask: Some(wt::Mask {
            width: 8,
            height: 8,
            pixels: vec![255; 8 * 8],
        }),
    }
}

/// `noop` still round-trips an image.
async fn noop_still_works(plugins: &Plugins) {
    let frame = small_frame();
    let (out, _) = plugins
        .process(NOOP, frame.clone(), &Map::new())
        .await
        .expect("noop works after a hostile plugin");
    assert_eq!(out.image, frame.image);
}

/// Runs `id` as a processor on a small frame; the error text or the success.
async fn run_hostile(plugins: &Plugins, id: &str) -> (Result<CallStats, String>, Duration) {
    run_with(plugins, id, Map::new()).await
}

async fn run_with(
    plugins: &Plugins,
    id: &str,
    params: Map<String, Value>,
) -> (Result<CallStats, String>, Duration) {
    let started = Instant::now();
    let r = plugins.process(id, small_frame(), &params).await;
    (
        r.map(|(_, s)| s).map_err(|e| e.to_string()),
        started.elapsed(),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn loop_forever_is_stopped_at_its_deadline() {
    let Some((plugins, id)) = registry_with("loop-forever").await else {
        return;
    };
    let (r, elapsed) = run_hostile(&plugins, &id).await;
    let err = r.expect_err("an endless loop cannot succeed");
    assert!(
        err.contains(&format!("`{id}`")) && err.contains("deadline"),
        "{err}"
    );
    assert!(
        elapsed < Duration::from_millis(DEADLINE_MS + 100),
        "stopped after {elapsed:?}"
    );
    assert!(
        elapsed >= Duration::from_millis(DEADLINE_MS - 20),
        "{elapsed:?}"
    );
    noop_still_works(&plugins).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn memory_bomb_runs_out_of_memory() {
    let Some((plugins, id)) = registry_with("memory-bomb").await else {
        return;
    };
    let (r, _) = run_hostile(&plugins, &id).await;
    let err = r.expect_err("the bomb cannot succeed");
    assert!(
        err.contains("out of memory") && err.contains("64 MiB"),
        "{err}"
    );
    noop_still_works(&plugins).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn deep_recursion_traps() {
    let Some((plugins, id)) = registry_with("deep-recursion").await else {
        return;
    };
    let (r, _) = run_hostile(&plugins, &id).await;
    let err = r.expect_err("unbounded recursion cannot succeed");
    assert!(err.contains(&format!("`{id}`")), "{err}");
    assert!(
        err.contains("stack overflow") || err.contains("memory"),
        "{err}"
    );
    noop_still_works(&plugins).await;
}

/// The text a "try something forbidden" plugin reported: its error, or its log.
fn no_leak(result: &Result<CallStats, String>, forbidden: &[&str]) {
    if let Err(text) = result {
        for f in forbidden {
            assert!(!text.contains(f), "leaked `{f}`: {text}");
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn read_files_cannot_read_anything() {
    let Some((plugins, id)) = registry_with("read-files").await else {
        return;
    };
    let mut params = Map::new();
    let data_dir = plugins.dir().parent().unwrap().display().to_string();
    params.insert("path".to_owned(), Value::String(data_dir));
    let (r, _) = run_with(&plugins, &id, params).await;
    let err = r
        .clone()
        .expect_err("read-files always reports its attempts as an error");
    assert!(
        err.contains("read-files") && err.contains("denied"),
        "{err}"
    );
    // /etc/passwd, /proc, the environment and the data dir are all out of reach.
    no_leak(&r, &["LEAKED", "root:x:0", "PATH="]);
    noop_still_works(&plugins).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn open_socket_cannot_connect() {
    let Some((plugins, id)) = registry_with("open-socket").await else {
        return;
    };
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let (r, _) = run_hostile(&plugins, &id).await;
    let err = r
        .clone()
        .expect_err("open-socket always reports its attempts as an error");
    assert!(err.contains("open-socket"), "{err}");
    no_leak(&r, &["LEAKED"]);
    assert!(
        listener.accept().is_err(),
        "nothing may connect to the host"
    );
    noop_still_works(&plugins).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn panics_fail_with_an_error_naming_the_plugin() {
    let Some((plugins, id)) = registry_with("panics").await else {
        return;
    };
    let (r, _) = run_hostile(&plugins, &id).await;
    let err = r.expect_err("a panic fails the call");
    assert!(err.contains(&format!("plugin `{id}`")), "{err}");
    assert!(err.contains("panicked") || err.contains("crashed"), "{err}");
    noop_still_works(&plugins).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_image_is_rejected_clearly() {
    let Some((plugins, id)) = registry_with("bad-image").await else {
        return;
    };
    let (r, _) = run_hostile(&plugins, &id).await;
    let err = r.expect_err("a malformed image is refused");
    assert!(
        err.contains(&format!("`{id}`")) && err.contains("invalid image"),
        "{err}"
    );
    noop_still_works(&plugins).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn log_flood_is_bounded() {
    let Some((plugins, id)) = registry_with("log-flood").await else {
        return;
    };
    let (r, elapsed) = run_hostile(&plugins, &id).await;
    if let Ok(stats) = &r {
        assert!(
            stats.log_lines <= mend::plugins::state::MAX_LOG_LINES_PER_CALL,
            "{stats:?}"
        );
    }
    assert!(
        elapsed < Duration::from_millis(DEADLINE_MS + 100),
        "{elapsed:?}"
    );
    noop_still_works(&plugins).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn hostile_plugins_leave_the_server_serving() {
    let Some(noop) = component("noop") else {
        return;
    };
    let names = [
        "loop-forever",
        "memory-bomb",
        "deep-recursion",
        "panics",
        "bad-image",
    ];
    let mut files = Vec::new();
    for n in names {
        let Some(f) = component(n) else { return };
        files.push(f);
    }
    let server = TestServer::start_with(|c| {
        c.plugin_deadline_ms = DEADLINE_MS;
        c.plugin_memory_mib = MEMORY_MIB;
    })
    .await;
    let dir = server.data_dir.join("plugins");
    std::fs::copy(&noop, dir.join("test-noop.wasm")).unwrap();
    for f in &files {
        std::fs::copy(f, dir.join(f.file_name().unwrap())).unwrap();
    }
    wait_for(&server, |list| list.len() > names.len()).await;
    let image = support::data_url(
        "image/png",
        &support::encode_rgba_png(&image::RgbaImage::new(16, 16)),
    );
    for id in list_ids(&server).await.into_iter().filter(|id| id != NOOP) {
        let res = server
            .post_json(
                &format!("/api/v1/plugins/{id}/run"),
                &serde_json::json!({ "image": image }),
            )
            .await;
        assert_eq!(res.status().as_u16(), 422, "{id}");
        let body: Value = res.json().await.unwrap();
        assert!(
            body["detail"]
                .as_str()
                .unwrap()
                .contains(&format!("`{id}`")),
            "{body}"
        );
        let res = server
            .post_json(
                &format!("/api/v1/plugins/{NOOP}/run"),
                &serde_json::json!({ "image": image }),
            )
            .await;
        let status = res.status().as_u16();
        assert_eq!(
            status,
            200,
            "noop after {id}: {}",
            res.text().await.unwrap()
        );
        let cfg = server
            .client
            .get(server.at("/api/v1/server-config"))
            .send()
            .await
            .unwrap();
        assert_eq!(cfg.status().as_u16(), 200);
    }
}

async fn list(server: &TestServer) -> Value {
    server
        .client
        .get(server.at("/api/v1/plugins"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

async fn list_ids(server: &TestServer) -> Vec<String> {
    list(server).await["plugins"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap().to_owned())
        .collect()
}

/// Polls the listing until `done` holds (at most 3 s).
async fn wait_for(server: &TestServer, done: impl Fn(&Vec<Value>) -> bool) -> Vec<Value> {
    let started = Instant::now();
    loop {
        let plugins = list(server).await["plugins"].as_array().unwrap().clone();
        if done(&plugins) {
            return plugins;
        }
        assert!(
            started.elapsed() < Duration::from_secs(3),
            "timed out; listing: {plugins:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn hot_load_replace_and_delete() {
    let (Some(noop), Some(other)) = (component("noop"), component("panics")) else {
        return;
    };
    let server = TestServer::start().await;
    let dir = server.data_dir.join("plugins");
    let file = dir.join("hot.wasm");
    std::fs::copy(&noop, &file).unwrap();
    let started = Instant::now();
    let listed = wait_for(&server, |l| l.iter().any(|p| p["id"] == NOOP)).await;
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    let hash = listed[0]["hash"].clone();
    let cfg: Value = server
        .client
        .get(server.at("/api/v1/server-config"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        cfg["plugins"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["name"] == NOOP),
        "{cfg}"
    );

    // Replace the file with another component: the new version swaps in.
    std::fs::copy(&other, &file).unwrap();
    let listed = wait_for(&server, |l| l.len() == 1 && l[0]["hash"] != hash).await;
    assert_ne!(listed[0]["id"], NOOP);

    std::fs::remove_file(&file).unwrap();
    wait_for(&server, Vec::is_empty).await;
}

/// `bytes` with a top-level `mend:api-version` custom section appended.
fn with_version_section(bytes: &[u8], version: &str) -> Vec<u8> {
    let name = b"mend:api-version";
    let mut payload = vec![name.len() as u8];
    payload.extend_from_slice(name);
    payload.extend_from_slice(version.as_bytes());
    let mut out = bytes.to_vec();
    out.push(0);
    out.push(payload.len() as u8);
    out.extend(payload);
    out
}

async fn upload(server: &TestServer, name: &str, bytes: Vec<u8>) -> reqwest::Response {
    let part = reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned());
    let form = reqwest::multipart::Form::new().part("file", part);
    server
        .client
        .post(server.at("/api/v1/plugins"))
        .multipart(form)
        .send()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn upload_validates_before_going_live() {
    let Some(noop) = component("noop") else {
        return;
    };
    let server = TestServer::start().await;
    let bytes = std::fs::read(&noop).unwrap();

    let res = upload(&server, "junk.wasm", b"not wasm at all".to_vec()).await;
    assert_eq!(res.status().as_u16(), 400);
    let body: Value = res.json().await.unwrap();
    assert!(
        body["detail"]
            .as_str()
            .unwrap()
            .contains("not a WebAssembly"),
        "{body}"
    );

    let core = b"\0asm\x01\0\0\0".to_vec();
    let res = upload(&server, "core.wasm", core).await;
    assert_eq!(res.status().as_u16(), 400);
    let body: Value = res.json().await.unwrap();
    assert!(
        body["detail"].as_str().unwrap().contains("not a component"),
        "{body}"
    );

    let res = upload(
        &server,
        "future.wasm",
        with_version_section(&bytes, "9.9.9"),
    )
    .await;
    assert_eq!(res.status().as_u16(), 400);
    let body: Value = res.json().await.unwrap();
    assert!(body["detail"].as_str().unwrap().contains("9.9.9"), "{body}");
    assert!(list_ids(&server).await.is_empty());

    let res = upload(&server, "noop.wasm", bytes).await;
    assert_eq!(res.status().as_u16(), 201);
    let file = server.data_dir.join(format!("plugins/{NOOP}.wasm"));
    assert!(file.is_file());
    assert_eq!(list_ids(&server).await, [NOOP]);

    // Disable, enable, remove.
    let res = server
        .client
        .post(server.at(&format!("/api/v1/plugins/{NOOP}/disable")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let cfg: Value = server
        .client
        .get(server.at("/api/v1/server-config"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(cfg["plugins"].as_array().unwrap().is_empty(), "{cfg}");
    let res = server
        .client
        .post(server.at(&format!("/api/v1/plugins/{NOOP}/enable")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let res = server
        .client
        .delete(server.at(&format!("/api/v1/plugins/{NOOP}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 204);
    assert!(!file.exists());
    assert!(list_ids(&server).await.is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn iopaint_routes_answer_404_for_unknown_plugins() {
    let server = TestServer::start().await;
    let res = server
        .post_json(
            "/api/v1/run_plugin_gen_image",
            &serde_json::json!({ "name": "nope", "image": "" }),
        )
        .await;
    assert_eq!(res.status().as_u16(), 404);
    let res = server
        .post_json(
            "/api/v1/switch_plugin_model",
            &serde_json::json!({ "plugin_name": "nope", "model_name": "x" }),
        )
        .await;
    assert_eq!(res.status().as_u16(), 404);
}

#[test]
fn inference_is_denied_without_a_grant() {
    use mend::plugins::capabilities::{CapabilityGranter, INFERENCE};
    use mend::plugins::state::HostState;
    use mend::plugins::wit::latest::inference::Host;
    use std::collections::BTreeMap;
    use std::sync::Arc;

    let image = wt::Image {
        width: 4,
        height: 4,
        pixels: vec![9; 64],
    };
    let mask = wt::Mask {
        width: 4,
        height: 4,
        pixels: vec![255; 16],
    };
    let requested = vec![INFERENCE.to_owned()];
    // Requested but not granted.
    let denied = CapabilityGranter::default().grant("p", &requested);
    let mut state = HostState::new(
        Arc::from("p"),
        Arc::new(denied),
        1 << 20,
        1 << 20,
        Default::default(),
    );
    assert!(state.available_models().is_empty());
    let err = state
        .inpaint("cv2".to_owned(), image.clone(), mask.clone())
        .unwrap_err();
    assert!(
        matches!(&err, wt::PluginError::Failed(m) if m.contains("`inference`") && m.contains("`p`")),
        "{err:?}"
    );

    // Requested and granted: cv2 runs, sizes checked.
    let mut grants = BTreeMap::new();
    grants.insert("p".to_owned(), requested.clone());
    let granted = CapabilityGranter::new(grants).grant("p", &requested);
    let mut state = HostState::new(
        Arc::from("p"),
        Arc::new(granted),
        1 << 20,
        1 << 20,
        Default::default(),
    );
    assert_eq!(state.available_models(), ["cv2"]);
    let out = state
        .inpaint("cv2".to_owned(), image.clone(), mask.clone())
        .unwrap();
    assert_eq!((out.width, out.height, out.pixels.len()), (4, 4, 64));
    let short = wt::Image {
        pixels: vec![0; 63],
        ..image
    };
    assert!(matches!(
        state.inpaint("cv2".to_owned(), short, mask),
        Err(wt::PluginError::InvalidInput(_))
    ));
}

/// Processors named in an inpaint request run at their hooks: mask-tools (before-inpaint)
/// grows the mask, so more pixels are filled; color-adjust (after-inpaint) changes the result
/// everywhere. A plugin that is not a pipeline processor is refused with 4xx.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inpaint_runs_processors_at_their_hooks() {
    let (Some(mask_tools), Some(color), Some(noop)) = (
        component("mask-tools"),
        component("color-adjust"),
        component("noop"),
    ) else {
        return;
    };
    let server = TestServer::start().await;
    let dir = server.data_dir.join("plugins");
    for f in [&mask_tools, &color, &noop] {
        std::fs::copy(f, dir.join(f.file_name().unwrap())).unwrap();
    }
    wait_for(&server, |list| list.len() >= 3).await;

    let photo = support::photo(64, 64);
    let mask = support::rect_mask(64, 64, 24, 24, 40, 40);
    let body = |plugins: Value| {
        serde_json::json!({
            "image": support::data_url("image/png", &support::encode_rgb(&photo, image::ImageFormat::Png)),
            "mask": support::data_url("image/png", &support::encode_gray_png(&mask)),
            "cv2_flag": "INPAINT_TELEA",
            "plugins": plugins,
        })
    };
    let run = |plugins: Value| {
        let req = body(plugins);
        let server = &server;
        async move {
            let res = server.post_json("/api/v1/inpaint", &req).await;
            let status = res.status().as_u16();
            (status, res.bytes().await.unwrap().to_vec())
        }
    };
    let changed = |bytes: &[u8], region: &dyn Fn(u32, u32) -> bool| {
        let out = support::decode(bytes).to_rgb8();
        out.enumerate_pixels()
            .filter(|(x, y, p)| region(*x, *y) && *p != photo.get_pixel(*x, *y))
            .count()
    };
    let outside_mask = |x: u32, y: u32| !(24..40).contains(&x) || !(24..40).contains(&y);

    let (status, plain) = run(serde_json::json!([])).await;
    assert_eq!(status, 200);
    assert_eq!(
        changed(&plain, &outside_mask),
        0,
        "without hooks only the mask changes"
    );

    let grow =
        serde_json::json!([{"id": "mask-tools", "params": {"operation": "grow", "radius": 4}}]);
    let (status, grown) = run(grow).await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&grown));
    assert!(
        changed(&grown, &outside_mask) > 100,
        "a grown mask fills pixels around the original hole"
    );

    let brighten = serde_json::json!([{"id": "color-adjust", "params": {"brightness": 0.3}}]);
    let (status, bright) = run(brighten).await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&bright));
    assert!(
        changed(&bright, &outside_mask) > 64 * 64 / 2,
        "after-inpaint colour adjustment applies to the result"
    );

    let (status, body) = run(serde_json::json!([{"id": NOOP}])).await;
    assert_eq!(
        status,
        422,
        "noop only has the tool hook: {}",
        String::from_utf8_lossy(&body)
    );
    let (status, _) = run(serde_json::json!([{"id": "no-such-plugin"}])).await;
    assert_eq!(status, 404);
}

/// Resident memory of this process in KiB (Linux).
fn rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// 1,000 hot-load / unload / call cycles of a cached component keep resident memory flat: the
/// registry, compile cache and instance pool do not grow per load.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn load_unload_cycles_keep_memory_flat() {
    let Some(noop) = component("noop") else {
        return;
    };
    let Some(_) = rss_kib() else {
        eprintln!("skipping: no /proc/self/status");
        return;
    };
    let dir = support::temp_dir("plugins-cycles");
    let plugins = Plugins::new(&config(&dir), EventBus::new(), None).unwrap();
    let cycle = |plugins: &Plugins| {
        let plugins = plugins.clone();
        let noop = noop.clone();
        async move {
            let id = plugins.load_file(&noop).await.unwrap();
            let (out, _) = plugins
                .process(&id, small_frame(), &serde_json::Map::new())
                .await
                .unwrap();
            assert_eq!(out.image.map(|i| i.pixels.len()), Some(8 * 8 * 4));
            plugins.unload_file(&noop);
        }
    };
    // Warm up: the first load compiles, the pool and allocator settle.
    for _ in 0..100 {
        cycle(&plugins).await;
    }
    let before = rss_kib().unwrap();
    let started = std::time::Instant::now();
    for _ in 0..1000 {
        cycle(&plugins).await;
    }
    let per_cycle = started.elapsed() / 1000;
    let after = rss_kib().unwrap();
    println!(
        "1000 load/call/unload cycles: RSS {before} KiB -> {after} KiB, {per_cycle:?} per cycle"
    );
    assert!(
        after <= before + 16 * 1024,
        "RSS grew by {} KiB over 1000 cycles",
        after.saturating_sub(before)
    );
    std::fs::remove_dir_all(dir).ok();
}
