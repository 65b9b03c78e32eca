//! The WebAssembly components `scripts/build-plugins` builds, for tests that load them:
//! `$CARGO_TARGET_DIR/plugins/dist/` (first-party) and `…/dist/test/` (test plugins), or
//! `$MEND_PLUGINS_DIST`. A missing component fails the test unless
//! `MEND_SKIP_PLUGIN_TESTS=1` says to skip.

use std::path::PathBuf;

/// Where the built components are.
pub fn dist_dir() -> PathBuf {
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

/// The component at `relative` under the dist folder (e.g. `test/noop.wasm`), or `None`
/// (skip) when it is missing and `MEND_SKIP_PLUGIN_TESTS=1`.
pub fn component(relative: &str) -> Option<PathBuf> {
    let path = dist_dir().join(relative);
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
        "component {} is missing: run scripts/build-plugins first (or set \
         MEND_SKIP_PLUGIN_TESTS=1 to skip plugin tests)",
        path.display()
    );
}

/// A fresh plugins folder holding copies of `relative` components, or `None` (skip) as
/// [`component`] decides.
pub fn plugins_dir(relative: &[&str]) -> Option<PathBuf> {
    let dir = super::temp_dir("plugins");
    for r in relative {
        let wasm = component(r)?;
        let name = wasm.file_name().expect("a file name");
        std::fs::copy(&wasm, dir.join(name)).expect("component copied");
    }
    Some(dir)
}
