//! anime-lama: a model adapter. It tells the host about the anime/manga fine-tune of LaMa
//! (IOPaint's `anime-lama`: the same network as big-lama, so the host's `lama` architecture
//! runs it on the host's device) and wraps each run:
//!
//! - `preprocess` grows the mask by `line_margin` pixels. Anime and manga line art is
//!   anti-aliased; a selection drawn along a line leaves its soft dark edge just outside, and
//!   the model then paints a faint halo of the erased line. The margin covers that edge.
//! - `postprocess` keeps every pixel outside the (grown) mask exactly as it was, so flat
//!   colour areas and screentones the user did not select are never touched.
//!
//! The host lists the model as `anime-lama` with `mend_plugin: "anime-lama"`; selecting it
//! downloads the weights (md5-checked) like any built-in model. See [`compose`].

pub mod compose;

use mend_sdk::{
    GrayMask, Image, Manifest, Mask, ModelAdapter, ModelDescription, ParamSpec, Params,
    PluginError, Rgba8Image,
};

/// The released weights (the same file IOPaint downloads for `anime-lama`).
pub const WEIGHTS_URL: &str = "https://github.com/Sanster/models/releases/download/AnimeMangaInpainting/anime-manga-big-lama.pt";
/// Their md5.
pub const WEIGHTS_MD5: &str = "29f284f36a0a510bcacf39ecf4c4d54f";

struct AnimeLama;

impl ModelAdapter for AnimeLama {
    fn manifest() -> Manifest {
        Manifest::model_adapter("anime-lama", "Anime LaMa", env!("CARGO_PKG_VERSION"))
            .with_description(
                "LaMa fine-tuned on anime and manga. Grows the mask over anti-aliased line \
                 edges and leaves everything outside it untouched.",
            )
            .with_param(
                ParamSpec::integer("line_margin", "Line margin", 0..=16, 2).with_description(
                    "Grow the selection by this many pixels so the soft edge of an erased \
                     line goes too.",
                ),
            )
    }

    fn describe_model() -> ModelDescription {
        ModelDescription {
            name: "anime-lama".to_owned(),
            architecture: "lama".to_owned(),
            weights_url: WEIGHTS_URL.to_owned(),
            weights_md5: WEIGHTS_MD5.to_owned(),
            pad_mod: 8,
            min_size: 0,
        }
    }

    fn preprocess(image: Image, mask: Mask, params: &Params) -> Result<(Image, Mask), PluginError> {
        let margin = u32::try_from(params.integer("line_margin")?)
            .map_err(|_| PluginError::invalid_params("line_margin must be 0–16"))?;
        let mut mask = GrayMask::try_from(mask)?;
        mask.grow(margin);
        Ok((image, mask.into()))
    }

    fn postprocess(output: Image, original: Image, mask: Mask) -> Result<Image, PluginError> {
        let output = Rgba8Image::try_from(output)?;
        let original = Rgba8Image::try_from(original)?;
        let mask = GrayMask::try_from(mask)?;
        Ok(compose::keep_unmasked(output, &original, &mask)?.into())
    }
}

mend_sdk::export_model_adapter!(AnimeLama);
