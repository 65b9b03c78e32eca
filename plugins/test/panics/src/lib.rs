//! Panics in process; the call must fail with a trap.

use mend_sdk::{Frame, Hooks, Manifest, Params, PluginError, Processor};

struct Plugin;

fn manifest() -> Manifest {
    Manifest::processor("test-panics", "Panics", env!("CARGO_PKG_VERSION"))
        .with_hooks(Hooks::TOOL)
        .with_description("Panics in process; the call must fail with a trap.")
}

impl Processor for Plugin {
    fn manifest() -> Manifest {
        manifest()
    }

    fn process(_input: Frame, _params: &Params) -> Result<Frame, PluginError> {
        panic!("deliberate panic from the panics test plugin");
    }
}

mend_sdk::export_processor!(Plugin);
