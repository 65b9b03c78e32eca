//! Benchmark fixture: a processor whose `kernel` parameter picks one of many generated
//! kernels (see `build.rs`), so the component is large and all of its code is reachable.

use mend_sdk::{Frame, Hooks, Manifest, ParamSpec, Params, PluginError, Processor};

mod kernels {
    include!(concat!(env!("OUT_DIR"), "/kernels.rs"));
}

struct Big;

impl Processor for Big {
    fn manifest() -> Manifest {
        let max = i64::try_from(kernels::KERNELS).unwrap_or(i64::MAX) - 1;
        Manifest::processor(
            "bench-big",
            "Big component (bench)",
            env!("CARGO_PKG_VERSION"),
        )
        .with_hooks(Hooks::TOOL)
        .with_description("Runs one of many generated kernels on the image.")
        .with_param(ParamSpec::integer("kernel", "Kernel", 0..=max, 0))
    }

    fn process(input: Frame, params: &Params) -> Result<Frame, PluginError> {
        let k = usize::try_from(params.integer("kernel")?).unwrap_or(0);
        let (image, mask) = input.into_parts()?;
        let mut image = image.ok_or_else(|| PluginError::invalid_input("needs an image"))?;
        if let Some(f) = kernels::TABLE.get(k) {
            f(image.pixels_mut(), 0);
        }
        Ok(Frame::from_parts(Some(image), mask))
    }
}

mend_sdk::export_processor!(Big);
