//! Calls log 1,000,000 times, then returns its input; the host must rate-limit.

use mend_sdk::{Frame, Hooks, Manifest, Params, PluginError, Processor};

struct Plugin;

fn manifest() -> Manifest {
    Manifest::processor("test-log-flood", "Log flood", env!("CARGO_PKG_VERSION"))
        .with_hooks(Hooks::TOOL)
        .with_description(
            "Calls log 1,000,000 times, then returns its input; the host must rate-limit.",
        )
}

/// How many lines it logs.
pub const LINES: u32 = 1_000_000;

impl Processor for Plugin {
    fn manifest() -> Manifest {
        manifest()
    }

    fn process(input: Frame, _params: &Params) -> Result<Frame, PluginError> {
        for i in 0..LINES {
            mend_sdk::info(&format!("log-flood line {i}"));
        }
        Ok(input)
    }
}

mend_sdk::export_processor!(Plugin);
