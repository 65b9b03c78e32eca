//! Fills the frame's mask with the host model named by the `model` param through
//! `inference.inpaint` (requests the `inference` capability).

use mend_sdk::{Frame, Hooks, Manifest, ParamSpec, Params, PluginError, Processor, inference};

struct Plugin;

impl Processor for Plugin {
    fn manifest() -> Manifest {
        Manifest::processor(
            "test-inpaint-with",
            "Inpaint with",
            env!("CARGO_PKG_VERSION"),
        )
        .with_hooks(Hooks::TOOL)
        .with_description("Fills the mask with a host model through inference.inpaint.")
        .with_param(ParamSpec::text("model", "Model", "cv2"))
        .with_capability("inference")
    }

    fn process(input: Frame, params: &Params) -> Result<Frame, PluginError> {
        let model = params.text("model")?;
        let (Some(image), Some(mask)) = (&input.image, &input.mask) else {
            return Err(PluginError::invalid_input("needs an image and a mask"));
        };
        let filled = inference::inpaint(&model, image, mask)?;
        Ok(Frame {
            image: Some(filled),
            mask: input.mask,
        })
    }
}

mend_sdk::export_processor!(Plugin);
