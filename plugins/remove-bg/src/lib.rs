//! remove-bg: a mask generator that separates the subject of a photo from its background with
//! BRIA's RMBG-1.4 (an IS-Net), which the host runs on its device through `inference.run`.
//! The mask marks the subject (`select: foreground`, to erase it) or everything else
//! (`select: background`, to replace it).
//!
//! When the host does not have the model (weights not downloaded, or the `inference`
//! capability not granted) the call fails with `model-unavailable` saying how to get it; see
//! [`segment`] for the pre- and post-processing.

pub mod segment;

use mend_sdk::{
    GrayMask, Image, Manifest, Mask, MaskGenerator, ParamSpec, Params, PluginError, Point,
    Rgba8Image, inference,
};

struct RemoveBg;

impl MaskGenerator for RemoveBg {
    fn manifest() -> Manifest {
        Manifest::mask_generator("remove-bg", "Remove background", env!("CARGO_PKG_VERSION"))
            .with_description(
                "Selects the subject of a photo (or its background) with RMBG-1.4 on the \
                 server. Needs the rmbg-1.4 model (download it under Settings → Model).",
            )
            .with_param(
                ParamSpec::choice(
                    "select",
                    "Select",
                    &["foreground", "background"],
                    "foreground",
                )
                .with_description("The subject, or everything around it."),
            )
            .with_param(
                ParamSpec::choice("resolution", "Resolution", &["512", "1024"], "512")
                    .with_description(
                        "Size the model sees. 1024 (the model's own) gives finer edges and is \
                         about five times slower; on a CPU it may need a longer plugin deadline.",
                    ),
            )
            .with_param(
                ParamSpec::integer("threshold", "Threshold", 1..=254, 128)
                    .with_description("How sure the model must be that a pixel is the subject."),
            )
            .with_capability("inference")
    }

    fn generate(image: Image, _points: Vec<Point>, params: &Params) -> Result<Mask, PluginError> {
        let side: u32 = params
            .choice("resolution")?
            .parse()
            .map_err(|_| PluginError::invalid_params("resolution must be 1024 or 512"))?;
        let threshold = u8::try_from(params.integer("threshold")?)
            .map_err(|_| PluginError::invalid_params("threshold must be 1–254"))?;
        let background = params.choice("select")? == "background";
        if !inference::available_models()
            .iter()
            .any(|m| m == segment::MODEL)
        {
            return Err(PluginError::ModelUnavailable(format!(
                "{} is not available on this server: download it (Settings → Model, or `mend \
                 download {}`) and make sure the remove-bg plugin is granted `inference`",
                segment::MODEL,
                segment::MODEL
            )));
        }
        let image = Rgba8Image::try_from(image)?;
        let mut run = |t| {
            inference::run(segment::MODEL, &[t])?
                .pop()
                .ok_or_else(|| PluginError::failed("the model returned no tensor"))
        };
        let mask = segment::mask(&image, side, threshold, background, &mut run)?;
        Ok(GrayMask::new(image.width(), image.height(), mask)?.into())
    }
}

mend_sdk::export_mask_generator!(RemoveBg);
