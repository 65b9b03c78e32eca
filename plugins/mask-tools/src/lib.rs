//! mask-tools: grows, shrinks, feathers or inverts the mask, like IOPaint's mask adjustment.
//! The image passes through unchanged.

pub mod morph;

use mend_sdk::{Frame, GrayMask, Hooks, Manifest, ParamSpec, Params, PluginError, Processor};

struct MaskTools;

impl Processor for MaskTools {
    fn manifest() -> Manifest {
        Manifest::processor("mask-tools", "Mask tools", env!("CARGO_PKG_VERSION"))
            .with_hooks(Hooks::BEFORE_INPAINT | Hooks::TOOL)
            .with_description("Grows, shrinks, feathers or inverts the mask before inpainting.")
            .with_param(
                ParamSpec::choice(
                    "operation",
                    "Operation",
                    &["grow", "shrink", "feather", "invert"],
                    "grow",
                )
                .with_description("What to do with the mask."),
            )
            .with_param(
                ParamSpec::integer("radius", "Radius", 0..=100, 12)
                    .with_description("Kernel radius in pixels (ignored by invert)."),
            )
    }

    fn process(input: Frame, params: &Params) -> Result<Frame, PluginError> {
        let operation = params.choice("operation")?;
        let radius = params.integer("radius")? as usize;
        let (image, mask) = input.into_parts()?;
        let mask = mask.ok_or_else(|| PluginError::invalid_input("mask-tools needs a mask"))?;
        let (w, h) = (mask.width(), mask.height());
        let (wu, hu) = (w as usize, h as usize);
        let px = mask.pixels();
        let out = match operation.as_str() {
            "grow" => morph::grow(px, wu, hu, radius),
            "shrink" => morph::shrink(px, wu, hu, radius),
            "feather" => morph::feather(px, wu, hu, radius),
            "invert" => morph::invert(px),
            other => return Err(PluginError::invalid_params(format!("operation `{other}`"))),
        };
        Ok(Frame::from_parts(image, Some(GrayMask::new(w, h, out)?)))
    }
}

mend_sdk::export_processor!(MaskTools);
