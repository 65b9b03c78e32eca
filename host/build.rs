//! Embeds the web UI: generates `$OUT_DIR/web_assets.rs`, a table of every file of
//! `web_app/dist` (the React editor built by `npm run build`) as `include_bytes!` entries.
//! When `web_app/dist/index.html` is missing (a Rust-only checkout or build), the dependency-free
//! lite editor in `web_app/dist-lite` is embedded instead and cargo prints a warning, so
//! `cargo build` never needs node.

use std::fmt::Write as _;
use std::io;
use std::path::{Path, PathBuf};

fn main() -> io::Result<()> {
    let manifest_dir = PathBuf::from(env_var("CARGO_MANIFEST_DIR")?);
    let web_app = manifest_dir.join("..").join("web_app");
    let dist = web_app.join("dist");
    let lite = web_app.join("dist-lite");

    let (source, root) = if dist.join("index.html").is_file() {
        println!("cargo:rerun-if-changed={}", dist.display());
        ("dist", dist)
    } else {
        // Watch the whole folder so that a later `npm run build` creating `dist` is noticed.
        println!("cargo:rerun-if-changed={}", web_app.display());
        println!(
            "cargo:warning=web_app/dist is missing: embedding the lite editor (web_app/dist-lite). \
             Build the full UI with `cd web_app && npm ci && npm run build`."
        );
        ("dist-lite", lite)
    };
    println!("cargo:rerun-if-changed={}", root.display());

    let mut files = Vec::new();
    collect(&root, &root, &mut files)?;
    files.sort();

    let mut out = String::new();
    let _ = writeln!(
        out,
        "/// Which folder of `web_app/` the embedded UI came from."
    );
    let _ = writeln!(out, "pub const SOURCE: &str = {source:?};");
    let _ = writeln!(
        out,
        "/// Every embedded file: URL path (`/index.html`, `/assets/…`), strong ETag and bytes."
    );
    let _ = writeln!(out, "pub static ASSETS: &[(&str, &str, &[u8])] = &[");
    for (url, path) in &files {
        let abs = path.canonicalize()?;
        let etag = etag(&std::fs::read(&abs)?);
        let _ = writeln!(
            out,
            "    ({url:?}, {etag:?}, include_bytes!({:?})),",
            abs.display().to_string()
        );
    }
    let _ = writeln!(out, "];");

    let out_dir = PathBuf::from(env_var("OUT_DIR")?);
    std::fs::write(out_dir.join("web_assets.rs"), out)
}

/// A strong ETag from the file's bytes (SipHash with fixed keys: stable across builds).
fn etag(bytes: &[u8]) -> String {
    use std::hash::{DefaultHasher, Hasher};
    let mut h = DefaultHasher::new();
    h.write(bytes);
    format!("\"{:016x}-{:x}\"", h.finish(), bytes.len())
}

fn env_var(name: &str) -> io::Result<String> {
    std::env::var(name).map_err(|e| io::Error::other(format!("{name}: {e}")))
}

/// Collects `(url path, file path)` of every non-hidden file under `dir`.
fn collect(root: &Path, dir: &Path, out: &mut Vec<(String, PathBuf)>) -> io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        let name = entry.file_name();
        if name.to_string_lossy().starts_with('.') {
            continue;
        }
        if entry.file_type()?.is_dir() {
            collect(root, &path, out)?;
        } else if let Ok(rel) = path.strip_prefix(root) {
            let url = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/");
            out.push((format!("/{url}"), path));
        }
    }
    Ok(())
}
