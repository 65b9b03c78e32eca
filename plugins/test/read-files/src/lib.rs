//! Tries to read host files, directories and the environment, and reports what it got.

use mend_sdk::{Frame, Hooks, Manifest, Params, PluginError, Processor};

struct Plugin;

fn manifest() -> Manifest {
    Manifest::processor("test-read-files", "Read files", env!("CARGO_PKG_VERSION"))
        .with_hooks(Hooks::TOOL)
        .with_description(
            "Tries to read host files, directories and the environment, and reports what it got.",
        )
}

use mend_sdk::ParamSpec;

/// Marker in the report for anything the sandbox let through.
pub const LEAK: &str = "LEAKED";

fn try_file(path: &str, report: &mut Vec<String>) {
    match std::fs::read(path) {
        Ok(bytes) => report.push(format!("{path}: {LEAK} {} bytes", bytes.len())),
        Err(e) => report.push(format!("{path}: denied ({e})")),
    }
}

fn try_dir(path: &str, report: &mut Vec<String>) {
    match std::fs::read_dir(path) {
        Ok(entries) => {
            let names: Vec<String> = entries
                .filter_map(Result::ok)
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect();
            report.push(format!("{path}/: {LEAK} dir [{}]", names.join(", ")));
        }
        Err(e) => report.push(format!("{path}/: denied ({e})")),
    }
}

impl Processor for Plugin {
    fn manifest() -> Manifest {
        manifest().with_param(
            ParamSpec::text("path", "Extra path", "")
                .with_description("Another file or folder to try, e.g. the server's data dir."),
        )
    }

    /// Always fails; the error lists every attempt, each either `denied (…)` or marked
    /// [`LEAK`]. A host test passes the data dir as `path` and asserts `LEAKED` is absent.
    fn process(_input: Frame, params: &Params) -> Result<Frame, PluginError> {
        let mut report = Vec::new();
        for file in ["/etc/passwd", "/etc/hostname", "/proc/self/environ"] {
            try_file(file, &mut report);
        }
        let vars: Vec<String> = std::env::vars().map(|(k, _)| k).collect();
        if vars.is_empty() {
            report.push("env: empty".to_owned());
        } else {
            report.push(format!("env: {LEAK} [{}]", vars.join(", ")));
        }
        let home = std::env::var("HOME").unwrap_or_else(|_| "/root".to_owned());
        for dir in [home.as_str(), "/", ".", "/tmp", "/home"] {
            try_dir(dir, &mut report);
        }
        let extra = params.text("path")?;
        if !extra.is_empty() {
            try_dir(&extra, &mut report);
            try_file(&extra, &mut report);
        }
        Err(PluginError::failed(format!(
            "read-files: {}",
            report.join("; ")
        )))
    }
}

mend_sdk::export_processor!(Plugin);
