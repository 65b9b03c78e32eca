//! Released WIT versions: their folders never change, and the host still loads and runs a
//! component built against each of them.
//!
//! `wit/frozen.sha256` lists the SHA-256 of every file of every released `wit/since_vX.Y.Z/`
//! folder. For each released version there is a fixture plugin, `plugins/test/wit-vX_Y_Z`,
//! built straight from that folder with plain `wit-bindgen` (not the SDK, which follows the
//! newest version), by `scripts/build-plugins`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use mend::config::Config;
use mend::engine::EventBus;
use mend::plugins::Plugins;
use mend::plugins::loader::check_header;
use mend::plugins::wit::{self, ApiVersion, latest::Frame, latest::types as wt};
use serde_json::{Map, json};
use sha2::{Digest, Sha256};
use support::components::component;

fn wit_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../wit")
}

/// `(relative path, hex sha256)` lines of `wit/frozen.sha256`.
fn frozen() -> Vec<(String, String)> {
    let text = std::fs::read_to_string(wit_dir().join("frozen.sha256")).unwrap();
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let (hash, path) = l.split_once("  ").expect("`<sha256>  <path>` lines");
            (path.trim().to_owned(), hash.trim().to_owned())
        })
        .collect()
}

/// Released versions: the folders named in `frozen.sha256`, e.g. `since_v0.1.0` → 0.1.0.
fn released() -> BTreeSet<(String, ApiVersion)> {
    frozen()
        .iter()
        .map(|(path, _)| {
            let folder = path.split('/').next().unwrap().to_owned();
            let version = folder
                .strip_prefix("since_v")
                .and_then(ApiVersion::parse)
                .unwrap_or_else(|| panic!("`{folder}` is not `since_vX.Y.Z`"));
            (folder, version)
        })
        .collect()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn released_wit_folders_never_change() {
    let entries = frozen();
    assert!(!entries.is_empty(), "0.1.0 is released");
    for (path, hash) in &entries {
        let bytes = std::fs::read(wit_dir().join(path))
            .unwrap_or_else(|e| panic!("frozen file wit/{path} is gone: {e}"));
        assert_eq!(
            &hex(&Sha256::digest(&bytes)),
            hash,
            "wit/{path} changed after its release: add a new since_vX.Y.Z folder instead \
             (and note the change in wit/PENDING_CHANGES.md)"
        );
    }
    // No file added to (or removed from) a released folder either.
    for (folder, _) in released() {
        let on_disk: BTreeSet<String> = std::fs::read_dir(wit_dir().join(&folder))
            .unwrap()
            .map(|e| format!("{folder}/{}", e.unwrap().file_name().to_string_lossy()))
            .collect();
        let listed: BTreeSet<String> = entries
            .iter()
            .filter(|(p, _)| p.starts_with(&format!("{folder}/")))
            .map(|(p, _)| p.clone())
            .collect();
        assert_eq!(on_disk, listed, "files of released wit/{folder}");
    }
}

#[test]
fn every_released_version_has_host_bindings_and_is_supported() {
    let bindings = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/plugins/wit");
    for (folder, version) in released() {
        let module = folder.replace('.', "_");
        assert!(
            bindings.join(format!("{module}.rs")).is_file(),
            "host bindings for {folder} (host/src/plugins/wit/{module}.rs) must stay"
        );
        assert!(wit::supported(version), "the host still supports {version}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_host_runs_a_component_of_every_released_version() {
    for (_, version) in released() {
        let fixture = format!(
            "test/wit-v{}_{}_{}.wasm",
            version.major, version.minor, version.patch
        );
        let Some(path) = component(&fixture) else {
            return;
        };
        let bytes = std::fs::read(&path).unwrap();
        assert_eq!(check_header(&bytes), Ok(Some(version)), "{fixture} stamp");

        let dir = support::temp_dir("wit-versions");
        let config = Config {
            data_dir: dir.clone(),
            plugins_dir: Some(dir.join("plugins")),
            plugin_cache: false,
            ..Config::default()
        };
        let plugins = Plugins::new(&config, EventBus::new(), None).unwrap();
        let id = plugins
            .load_file(&path)
            .await
            .unwrap_or_else(|e| panic!("{fixture} loads: {e}"));
        let listing = plugins.list().into_iter().find(|p| p.id == id).unwrap();
        assert_eq!(listing.manifest.api_version, version.to_string());

        let frame = Frame {
            image: Some(wt::Image {
                width: 2,
                height: 1,
                pixels: vec![10, 20, 30, 255, 250, 0, 0, 7],
            }),
            mask: Some(wt::Mask {
                width: 2,
                height: 1,
                pixels: vec![0, 200],
            }),
        };
        let params = Map::from_iter([("offset".to_owned(), json!(10))]);
        let (out, _) = plugins.process(&id, frame, &params).await.unwrap();
        assert_eq!(
            out.image.unwrap().pixels,
            vec![20, 30, 40, 255, 255, 10, 10, 7]
        );
        assert_eq!(out.mask.unwrap().pixels, vec![255, 55]);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
