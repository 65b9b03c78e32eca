//! Returns its input unchanged; the host uses it to measure call overhead.

use mend_sdk::{Frame, Hooks, Manifest, Params, PluginError, Processor};

struct Plugin;

fn manifest() -> Manifest {
    Manifest::processor("test-noop", "Noop", env!("CARGO_PKG_VERSION"))
        .with_hooks(Hooks::TOOL)
        .with_description("Returns its input unchanged; the host uses it to measure call overhead.")
}

impl Processor for Plugin {
    fn manifest() -> Manifest {
        manifest()
    }

    fn process(input: Frame, _params: &Params) -> Result<Frame, PluginError> {
        Ok(input)
    }
}

mend_sdk::export_processor!(Plugin);
