//! color-adjust: brightness, contrast, saturation, exposure (EV) and gamma on the image, as
//! a tool or on the inpainting result. The mask passes through unchanged.

pub mod adjust;

use adjust::Settings;
use mend_sdk::{Frame, Hooks, Manifest, ParamSpec, Params, PluginError, Processor};

struct ColorAdjust;

impl Processor for ColorAdjust {
    fn manifest() -> Manifest {
        Manifest::processor("color-adjust", "Color adjust", env!("CARGO_PKG_VERSION"))
            .with_hooks(Hooks::AFTER_INPAINT | Hooks::TOOL)
            .with_description("Adjusts brightness, contrast, saturation, exposure and gamma.")
            .with_param(
                ParamSpec::number("brightness", "Brightness", -1.0..=1.0, 0.01, 0.0)
                    .with_description("Added to every channel, as a fraction of full range."),
            )
            .with_param(
                ParamSpec::number("contrast", "Contrast", -1.0..=1.0, 0.01, 0.0)
                    .with_description("Stretch around mid-grey; -1 is flat grey."),
            )
            .with_param(
                ParamSpec::number("saturation", "Saturation", 0.0..=2.0, 0.01, 1.0)
                    .with_description("0 is greyscale, 1 unchanged."),
            )
            .with_param(
                ParamSpec::number("exposure", "Exposure (EV)", -5.0..=5.0, 0.1, 0.0)
                    .with_description("Each EV doubles or halves the light."),
            )
            .with_param(
                ParamSpec::number("gamma", "Gamma", 0.1..=5.0, 0.05, 1.0)
                    .with_description("Above 1 brightens mid-tones, below 1 darkens them."),
            )
            .with_param(
                ParamSpec::boolean("masked_only", "Only the masked area", false)
                    .with_description("Change only pixels the mask marks (when there is a mask)."),
            )
    }

    fn process(input: Frame, params: &Params) -> Result<Frame, PluginError> {
        let settings = Settings {
            brightness: params.number("brightness")? as f32,
            contrast: params.number("contrast")? as f32,
            saturation: params.number("saturation")? as f32,
            exposure: params.number("exposure")? as f32,
            gamma: params.number("gamma")? as f32,
        };
        let masked_only = params.boolean("masked_only")?;
        let (image, mask) = input.into_parts()?;
        let mut image =
            image.ok_or_else(|| PluginError::invalid_input("color-adjust needs an image"))?;
        let only = match (&mask, masked_only) {
            (Some(m), true) => {
                if (m.width(), m.height()) != (image.width(), image.height()) {
                    return Err(PluginError::invalid_input("mask and image sizes differ"));
                }
                Some(m.pixels())
            }
            _ => None,
        };
        adjust::apply(image.pixels_mut(), &settings, only);
        Ok(Frame::from_parts(Some(image), mask))
    }
}

mend_sdk::export_processor!(ColorAdjust);
