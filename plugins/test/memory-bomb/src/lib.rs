//! Allocates 16 MiB chunks until allocation fails; the host's memory limit must stop it.

use mend_sdk::{Frame, Hooks, Manifest, Params, PluginError, Processor};

struct Plugin;

fn manifest() -> Manifest {
    Manifest::processor("test-memory-bomb", "Memory bomb", env!("CARGO_PKG_VERSION"))
        .with_hooks(Hooks::TOOL)
        .with_description(
            "Allocates 16 MiB chunks until allocation fails; the host's memory limit must stop it.",
        )
}

const CHUNK: usize = 16 << 20;

impl Processor for Plugin {
    fn manifest() -> Manifest {
        manifest()
    }

    /// Either the host traps the `memory.grow` (the call fails with a trap) or the grow
    /// fails and the allocator reports it: then the error says how much was allocated, so a
    /// host test can check it against its limit.
    fn process(_input: Frame, _params: &Params) -> Result<Frame, PluginError> {
        let mut chunks: Vec<Vec<u8>> = Vec::new();
        loop {
            let mut chunk: Vec<u8> = Vec::new();
            if chunk.try_reserve_exact(CHUNK).is_err() || chunks.try_reserve(1).is_err() {
                let mib = chunks.len() * (CHUNK >> 20);
                return Err(PluginError::failed(format!(
                    "memory-bomb: allocation failed after {mib} MiB"
                )));
            }
            // Touch every page so the memory is really used.
            chunk.resize(CHUNK, 1);
            chunks.push(std::hint::black_box(chunk));
        }
    }
}

mend_sdk::export_processor!(Plugin);
