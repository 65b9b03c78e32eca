//! Recurses without bound; the stack overflow must trap.

use mend_sdk::{Frame, Hooks, Manifest, Params, PluginError, Processor};

struct Plugin;

fn manifest() -> Manifest {
    Manifest::processor(
        "test-deep-recursion",
        "Deep recursion",
        env!("CARGO_PKG_VERSION"),
    )
    .with_hooks(Hooks::TOOL)
    .with_description("Recurses without bound; the stack overflow must trap.")
}

#[inline(never)]
fn recurse(depth: u64) -> u64 {
    // Never true at runtime (the stack runs out long before); it keeps the recursion
    // conditional for the compiler.
    if depth == u64::MAX {
        return 0;
    }
    // A frame with some weight, kept alive across the call so it is no tail call.
    let frame = std::hint::black_box([depth; 32]);
    let below = recurse(std::hint::black_box(depth + 1));
    below.wrapping_add(frame[(depth % 32) as usize])
}

impl Processor for Plugin {
    fn manifest() -> Manifest {
        manifest()
    }

    fn process(_input: Frame, _params: &Params) -> Result<Frame, PluginError> {
        let n = recurse(0);
        Err(PluginError::failed(format!("deep-recursion returned {n}")))
    }
}

mend_sdk::export_processor!(Plugin);
