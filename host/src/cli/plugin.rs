//! `mend plugin new NAME` (scaffold a plugin crate from the SDK template) and
//! `mend plugin build [DIR]` (build it as a `wasm32-wasip2` component, optionally installing it
//! into the server's plugins folder, where a running server hot-loads it).

use std::path::{Path, PathBuf};
use std::process::Command;

use clap::{Args, Subcommand};

use crate::{Error, Result};

/// `mend plugin …`.
#[derive(Debug, Args)]
pub struct PluginArgs {
    /// What to do.
    #[command(subcommand)]
    pub command: PluginCommand,
}

/// Plugin subcommands.
#[derive(Debug, Subcommand)]
pub enum PluginCommand {
    /// Create a new plugin crate from the template.
    New(NewArgs),
    /// Build a plugin crate into a WebAssembly component.
    Build(BuildArgs),
}

/// Flags of `mend plugin new`.
#[derive(Debug, Args)]
pub struct NewArgs {
    /// Plugin name: lowercase letters, digits and `-` (e.g. `sharpen`).
    pub name: String,
    /// Parent folder of the new crate (default: the current folder).
    #[arg(long, default_value = ".")]
    pub dir: PathBuf,
    /// Path of the `mend-sdk` crate (default: the SDK of the source tree mend was built from).
    #[arg(long)]
    pub sdk_path: Option<PathBuf>,
}

/// Flags of `mend plugin build`.
#[derive(Debug, Args)]
pub struct BuildArgs {
    /// The plugin crate (default: the current folder).
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    /// Copy the built component into this plugins folder (a running server picks it up).
    #[arg(long)]
    pub install: Option<PathBuf>,
}

/// The template files, relative path and contents, with `{{name}}`, `{{crate_name}}` and
/// `{{sdk_path}}` placeholders.
const TEMPLATE: &[(&str, &str)] = &[
    (
        "Cargo.toml",
        include_str!("../../../sdk/template/Cargo.toml"),
    ),
    (
        "src/lib.rs",
        include_str!("../../../sdk/template/src/lib.rs"),
    ),
    ("README.md", include_str!("../../../sdk/template/README.md")),
];

/// Runs `mend plugin …`.
pub fn run(args: &PluginArgs) -> Result<()> {
    match &args.command {
        PluginCommand::New(a) => new(a).map(|dir| {
            println!("created {}", dir.display());
            println!("build it with: mend plugin build {}", dir.display());
        }),
        PluginCommand::Build(a) => build(a).map(|wasm| println!("{}", wasm.display())),
    }
}

/// Checks a plugin name: 1–64 of `a-z`, `0-9`, `-`, starting with a letter.
pub fn validate_name(name: &str) -> Result<()> {
    let ok = (1..=64).contains(&name.len())
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !name.ends_with('-');
    if ok {
        Ok(())
    } else {
        Err(Error::BadRequest(format!(
            "invalid plugin name `{name}`: use lowercase letters, digits and `-`, starting with a letter"
        )))
    }
}

/// Writes the template into `<dir>/<name>` and returns that folder.
pub fn new(args: &NewArgs) -> Result<PathBuf> {
    validate_name(&args.name)?;
    let target = args.dir.join(&args.name);
    if target.exists() {
        return Err(Error::Config(format!(
            "{} already exists",
            target.display()
        )));
    }
    let sdk = args.sdk_path.clone().unwrap_or_else(default_sdk_path);
    let sdk = sdk.canonicalize().unwrap_or(sdk);
    let crate_name = args.name.replace('-', "_");
    for (rel, contents) in TEMPLATE {
        let text = contents
            .replace("{{name}}", &args.name)
            .replace("{{crate_name}}", &crate_name)
            .replace(
                "{{sdk_path}}",
                &sdk.display().to_string().replace('\\', "/"),
            );
        let path = target.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| Error::io(format!("creating {}", parent.display()), e))?;
        }
        std::fs::write(&path, text)
            .map_err(|e| Error::io(format!("writing {}", path.display()), e))?;
    }
    Ok(target)
}

/// The SDK next to the host crate in the source tree this binary was built from.
fn default_sdk_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join("sdk")
}

/// Builds the crate in `args.dir` for `wasm32-wasip2` and returns the component's path.
pub fn build(args: &BuildArgs) -> Result<PathBuf> {
    let manifest = args.dir.join("Cargo.toml");
    let text = std::fs::read_to_string(&manifest)
        .map_err(|e| Error::io(format!("reading {}", manifest.display()), e))?;
    let package = package_name(&text)
        .ok_or_else(|| Error::Config(format!("no [package] name in {}", manifest.display())))?;
    let status = Command::new("cargo")
        .args([
            "build",
            "--release",
            "--target",
            "wasm32-wasip2",
            "--manifest-path",
        ])
        .arg(&manifest)
        .status()
        .map_err(|e| Error::io("running cargo (is Rust installed?)", e))?;
    if !status.success() {
        return Err(Error::Task(format!(
            "cargo build failed ({status}); if the target is missing: rustup target add wasm32-wasip2"
        )));
    }
    let target_dir = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| args.dir.join("target"));
    let wasm = target_dir
        .join("wasm32-wasip2")
        .join("release")
        .join(format!("{}.wasm", package.replace('-', "_")));
    if !wasm.is_file() {
        return Err(Error::MissingPath(wasm));
    }
    if let Some(dir) = &args.install {
        let dest = dir.join(format!("{package}.wasm"));
        let bytes = std::fs::read(&wasm)
            .map_err(|e| Error::io(format!("reading {}", wasm.display()), e))?;
        crate::atomic_write::write_atomically(&dest, &bytes)
            .map_err(|e| Error::io(format!("installing {}", dest.display()), e))?;
        return Ok(dest);
    }
    Ok(wasm)
}

/// The `name` of the `[package]` table of a Cargo.toml.
fn package_name(cargo_toml: &str) -> Option<String> {
    let value: toml::Value = toml::from_str(cargo_toml).ok()?;
    value
        .get("package")?
        .get("name")?
        .as_str()
        .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_validated() {
        for ok in ["sharpen", "my-plugin2", "a"] {
            assert!(validate_name(ok).is_ok(), "{ok}");
        }
        for bad in ["", "Sharpen", "2d", "a_b", "a-", "../x", &"x".repeat(65)] {
            assert!(validate_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn package_name_is_read() {
        assert_eq!(
            package_name("[package]\nname = \"my-plugin\"\n").as_deref(),
            Some("my-plugin")
        );
        assert_eq!(package_name("[workspace]\n"), None);
    }
}
