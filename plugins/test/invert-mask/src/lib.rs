//! Inverts the mask (255 - value); the image passes through.

use mend_sdk::{Frame, Hooks, Manifest, Params, PluginError, Processor};

struct Plugin;

fn manifest() -> Manifest {
    Manifest::processor("test-invert-mask", "Invert mask", env!("CARGO_PKG_VERSION"))
        .with_hooks(Hooks::TOOL)
        .with_description("Inverts the mask (255 - value); the image passes through.")
}

impl Processor for Plugin {
    fn manifest() -> Manifest {
        manifest()
    }

    fn process(input: Frame, _params: &Params) -> Result<Frame, PluginError> {
        let (image, mask) = input.into_parts()?;
        let mut mask = mask.ok_or_else(|| PluginError::invalid_input("a mask is required"))?;
        for v in mask.pixels_mut() {
            *v = 255 - *v;
        }
        Ok(Frame::from_parts(image, Some(mask)))
    }
}

mend_sdk::export_processor!(Plugin);
