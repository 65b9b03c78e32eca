//! Bindings of `mend:plugin@0.1.0` (`wit/since_v0.1.0/`, released and frozen: see
//! `wit/frozen.sha256`; the host must keep loading its components, which
//! `host/tests/wit_versions.rs` checks with the `test/wit-v0_1_0` fixture), one `bindgen!` per
//! world. The shared interfaces (`types`, `host`, `inference`) are generated once, with the
//! `processor` world, and reused by the other two through `with:`, so the host implements
//! each import trait once.
//!
//! Imports are synchronous: plugin calls run on tokio's blocking pool (see
//! `plugins::call`), never on an async worker thread.

use super::ApiVersion;

/// The first version these bindings load.
pub const MIN_VERSION: ApiVersion = ApiVersion::new(0, 1, 0);
/// The last version these bindings load (patch releases keep the interface).
pub const MAX_VERSION: ApiVersion = ApiVersion::new(0, 1, u16::MAX);

/// The `processor` world, plus the shared interfaces.
pub mod processor {
    wasmtime::component::bindgen!({
        path: "../wit/since_v0.1.0",
        world: "processor",
        additional_derives: [PartialEq],
    });
}

/// The `mask-generator` world.
pub mod mask_generator {
    wasmtime::component::bindgen!({
        path: "../wit/since_v0.1.0",
        world: "mask-generator",
        with: {
            "mend:plugin/types": crate::plugins::wit::since_v0_1_0::processor::mend::plugin::types,
            "mend:plugin/host": crate::plugins::wit::since_v0_1_0::processor::mend::plugin::host,
            "mend:plugin/inference": crate::plugins::wit::since_v0_1_0::processor::mend::plugin::inference,
        },
    });
}

/// The `model-adapter` world.
pub mod model_adapter {
    wasmtime::component::bindgen!({
        path: "../wit/since_v0.1.0",
        world: "model-adapter",
        with: {
            "mend:plugin/types": crate::plugins::wit::since_v0_1_0::processor::mend::plugin::types,
            "mend:plugin/host": crate::plugins::wit::since_v0_1_0::processor::mend::plugin::host,
            "mend:plugin/inference": crate::plugins::wit::since_v0_1_0::processor::mend::plugin::inference,
        },
    });
}

pub use mask_generator::{MaskGenerator, MaskGeneratorPre};
pub use model_adapter::{ModelAdapter, ModelAdapterPre, ModelDescription};
pub use processor::mend::plugin::{host, inference, types};
pub use processor::{Frame, Processor, ProcessorPre};
