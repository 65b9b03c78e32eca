//! magic-wand: a mask generator that needs no model. Click on the image and it selects the
//! region of similar colour around the click (like the magic wand of an image editor), grown
//! a little so the edge is covered; the editor merges it into the mask and erases it.
//!
//! Params: `tolerance` (per-channel difference, 0–255), `contiguous` (only the connected
//! region, or every similar pixel), `grow` (dilation radius in pixels). Positive clicks add,
//! negative clicks remove. See [`wand`] for the algorithm.

pub mod wand;

use mend_sdk::{
    GrayMask, Image, Manifest, Mask, MaskGenerator, ParamSpec, Params, PluginError, Point,
    Rgba8Image,
};

struct MagicWand;

impl MaskGenerator for MagicWand {
    fn manifest() -> Manifest {
        Manifest::mask_generator("magic-wand", "Magic wand", env!("CARGO_PKG_VERSION"))
            .with_description(
                "Click on the image to select the area of similar colour around the point.",
            )
            .with_param(
                ParamSpec::integer("tolerance", "Tolerance", 0..=255, 32)
                    .with_description("How different a colour may be and still be selected."),
            )
            .with_param(
                ParamSpec::boolean("contiguous", "Contiguous", true)
                    .with_description("Only the connected area around the click."),
            )
            .with_param(
                ParamSpec::integer("grow", "Grow", 0..=64, 2)
                    .with_description("Widen the selection by this many pixels."),
            )
    }

    fn generate(image: Image, points: Vec<Point>, params: &Params) -> Result<Mask, PluginError> {
        let options = wand::Options {
            tolerance: u8::try_from(params.integer("tolerance")?)
                .map_err(|_| PluginError::invalid_params("tolerance must be 0–255"))?,
            contiguous: params.boolean("contiguous")?,
            grow: u32::try_from(params.integer("grow")?)
                .map_err(|_| PluginError::invalid_params("grow must be 0–64"))?,
        };
        let image = Rgba8Image::try_from(image)?;
        let seeds: Vec<wand::Seed> = points
            .iter()
            .filter_map(|p| {
                Some(wand::Seed {
                    x: u32::try_from(p.x).ok()?,
                    y: u32::try_from(p.y).ok()?,
                    positive: p.positive,
                })
            })
            .collect();
        if !seeds.iter().any(|s| s.positive) {
            return Err(PluginError::invalid_input(
                "click on the image to pick a colour",
            ));
        }
        let (w, h) = (image.width(), image.height());
        let view = wand::View {
            width: w as usize,
            height: h as usize,
            rgba: image.pixels(),
        };
        let mask = wand::select(&view, &seeds, &options);
        Ok(GrayMask::new(w, h, mask)?.into())
    }
}

mend_sdk::export_mask_generator!(MagicWand);
