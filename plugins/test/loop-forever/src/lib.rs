//! Spins forever in process; the host's deadline must stop it.

use mend_sdk::{Frame, Hooks, Manifest, Params, PluginError, Processor};

struct Plugin;

fn manifest() -> Manifest {
    Manifest::processor(
        "test-loop-forever",
        "Loop forever",
        env!("CARGO_PKG_VERSION"),
    )
    .with_hooks(Hooks::TOOL)
    .with_description("Spins forever in process; the host's deadline must stop it.")
}

impl Processor for Plugin {
    fn manifest() -> Manifest {
        manifest()
    }

    fn process(_input: Frame, _params: &Params) -> Result<Frame, PluginError> {
        let mut n: u64 = 0;
        loop {
            // `black_box` keeps the optimiser from proving anything about the loop.
            n = std::hint::black_box(n.wrapping_add(1));
        }
    }
}

mend_sdk::export_processor!(Plugin);
