//! The on-disk compile cache: a second start of the server loads a known component from the
//! cache instead of compiling it (the listing's `compile` field and the cache's hit/miss
//! counters say which happened), a changed component is compiled again,
//! `plugin_cache = false` keeps nothing on disk, and an unusable cache folder only turns the
//! cache off.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::{Path, PathBuf};

use mend::config::Config;
use mend::engine::EventBus;
use mend::plugins::{CacheStats, CompileSource, Plugins};
use serde_json::Value;
use support::TestServer;
use support::components::component;

fn config(plugins_dir: &Path, cache_dir: Option<PathBuf>) -> Config {
    Config {
        data_dir: plugins_dir.join("data"),
        plugins_dir: Some(plugins_dir.to_path_buf()),
        plugin_cache: cache_dir.is_some(),
        plugin_cache_dir: cache_dir,
        ..Config::default()
    }
}

/// Loads `file` in a fresh registry (a fresh engine: what a restart does).
async fn load_fresh(cfg: &Config, file: &Path) -> (CompileSource, CacheStats) {
    let plugins = Plugins::new(cfg, EventBus::new(), None).unwrap();
    let id = plugins.load_file(file).await.unwrap();
    let plugin = plugins.get(&id).unwrap();
    (plugin.compile, plugins.runtime().disk_cache_stats())
}

fn files_under(dir: &Path) -> usize {
    let Ok(read) = std::fs::read_dir(dir) else {
        return 0;
    };
    read.filter_map(|e| e.ok())
        .map(|e| {
            let path = e.path();
            if path.is_dir() { files_under(&path) } else { 1 }
        })
        .sum()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_restart_reads_compiled_code_from_disk() {
    let Some(noop) = component("test/noop.wasm") else {
        return;
    };
    let dir = support::temp_dir("plugin-cache");
    let cache = dir.join("cache");
    let cfg = config(&dir, Some(cache.clone()));

    let (first, stats) = load_fresh(&cfg, &noop).await;
    assert_eq!(first, CompileSource::Compiled);
    assert_eq!(stats, CacheStats { hits: 0, misses: 1 });
    assert!(files_under(&cache) >= 1, "the compiled code was written");

    let (second, stats) = load_fresh(&cfg, &noop).await;
    assert_eq!(second, CompileSource::DiskCache);
    assert_eq!(stats, CacheStats { hits: 1, misses: 0 });

    // Different bytes (a custom section appended) are a different entry: compiled again.
    let mut bytes = std::fs::read(&noop).unwrap();
    bytes.extend_from_slice(&[0, 6, 5, b'x', b'-', b'p', b'a', b'd']);
    let changed = dir.join("changed.wasm");
    std::fs::write(&changed, &bytes).unwrap();
    let (third, stats) = load_fresh(&cfg, &changed).await;
    assert_eq!(third, CompileSource::Compiled);
    assert_eq!(stats, CacheStats { hits: 0, misses: 1 });
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread")]
async fn turned_off_it_compiles_every_time_and_writes_nothing() {
    let Some(noop) = component("test/noop.wasm") else {
        return;
    };
    let dir = support::temp_dir("plugin-cache-off");
    let cfg = config(&dir, None);
    assert_eq!(cfg.plugin_cache_dir(), None);
    for _ in 0..2 {
        let (source, stats) = load_fresh(&cfg, &noop).await;
        assert_eq!(source, CompileSource::Compiled);
        assert_eq!(stats, CacheStats::default());
    }
    assert!(!cfg.data_dir.join("plugin-cache").exists());
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unusable_cache_dir_turns_the_cache_off_not_the_plugins() {
    let Some(noop) = component("test/noop.wasm") else {
        return;
    };
    let dir = support::temp_dir("plugin-cache-bad");
    let file = dir.join("not-a-dir");
    std::fs::write(&file, b"x").unwrap();
    let cfg = config(&dir, Some(file.join("cache")));
    let (source, stats) = load_fresh(&cfg, &noop).await;
    assert_eq!(source, CompileSource::Compiled);
    assert_eq!(stats, CacheStats::default());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_default_cache_dir_is_under_the_data_dir() {
    let cfg = Config {
        data_dir: PathBuf::from("/srv/mend"),
        ..Config::default()
    };
    assert_eq!(
        cfg.plugin_cache_dir(),
        Some(PathBuf::from("/srv/mend/plugin-cache"))
    );
}

async fn listed_compile(server: &TestServer) -> Value {
    let list: Value = server
        .client
        .get(server.at("/api/v1/plugins"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    list["plugins"][0]["compile"].clone()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_second_server_start_does_not_recompile() {
    let Some(noop) = component("test/noop.wasm") else {
        return;
    };
    let dir = support::temp_dir("plugin-cache-server");
    let plugins_dir = dir.join("plugins");
    std::fs::create_dir_all(&plugins_dir).unwrap();
    std::fs::copy(&noop, plugins_dir.join("noop.wasm")).unwrap();
    let tweak = |c: &mut Config| {
        c.plugins_dir = Some(plugins_dir.clone());
        c.plugin_cache_dir = Some(dir.join("cache"));
    };
    let server = TestServer::start_with(tweak).await;
    assert_eq!(listed_compile(&server).await, "compiled");
    drop(server);
    let server = TestServer::start_with(tweak).await;
    assert_eq!(listed_compile(&server).await, "disk-cache");
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}
