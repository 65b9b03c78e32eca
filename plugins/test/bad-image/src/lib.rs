//! Returns an image whose pixel buffer is one byte short of width * height * 4.

use mend_sdk::{Frame, Hooks, Manifest, Params, PluginError, Processor};

struct Plugin;

fn manifest() -> Manifest {
    Manifest::processor("test-bad-image", "Bad image", env!("CARGO_PKG_VERSION"))
        .with_hooks(Hooks::TOOL)
        .with_description(
            "Returns an image whose pixel buffer is one byte short of width * height * 4.",
        )
}

impl Processor for Plugin {
    fn manifest() -> Manifest {
        manifest()
    }

    fn process(input: Frame, _params: &Params) -> Result<Frame, PluginError> {
        let (width, height) = input
            .image
            .as_ref()
            .map_or((8, 8), |i| (i.width.max(1), i.height.max(1)));
        let len = (width as usize * height as usize * 4).saturating_sub(1);
        Ok(Frame {
            image: Some(mend_sdk::Image {
                width,
                height,
                pixels: vec![0; len],
            }),
            mask: input.mask,
        })
    }
}

mend_sdk::export_processor!(Plugin);
