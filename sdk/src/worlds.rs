//! One trait per world. Plugin types implement one and export it with the matching macro
//! (`export_processor!`, `export_mask_generator!`, `export_model_adapter!`).
//!
//! Every method except `manifest` (and `describe_model`) has a default body, so a method
//! added to a world in a later API version never breaks an existing plugin.

use crate::{
    GrayMask, Image, Manifest, Mask, PLUGIN_API_VERSION, Param, Params, PluginError, PluginKind,
    Point, Rgba8Image,
};

pub use crate::bindings::model_adapter::ModelDescription;
pub use crate::bindings::processor::Frame;

impl Frame {
    /// A frame from checked parts.
    pub fn from_parts(image: Option<Rgba8Image>, mask: Option<GrayMask>) -> Self {
        Frame {
            image: image.map(Into::into),
            mask: mask.map(Into::into),
        }
    }

    /// Splits the frame into checked parts; a part whose buffer length does not match its
    /// size is an [`PluginError::InvalidInput`].
    pub fn into_parts(self) -> Result<(Option<Rgba8Image>, Option<GrayMask>), PluginError> {
        let image = self.image.map(Rgba8Image::try_from).transpose()?;
        let mask = self.mask.map(GrayMask::try_from).transpose()?;
        Ok((image, mask))
    }
}

/// A plugin of the `processor` world: transforms an image and/or a mask.
pub trait Processor {
    /// What the plugin says about itself. Called once when the host loads the plugin and
    /// by the SDK on each call (for parameter defaults), so keep it cheap.
    fn manifest() -> Manifest;

    /// Processes one frame. `params` resolves values against the manifest's specs.
    fn process(input: Frame, params: &Params) -> Result<Frame, PluginError> {
        let _ = (input, params);
        Err(PluginError::unsupported("process"))
    }
}

/// A plugin of the `mask-generator` world: image (and clicks) to mask.
pub trait MaskGenerator {
    /// What the plugin says about itself (see [`Processor::manifest`]).
    fn manifest() -> Manifest;

    /// Computes a mask for `image`; `points` are the user's clicks, possibly none.
    fn generate(image: Image, points: Vec<Point>, params: &Params) -> Result<Mask, PluginError> {
        let _ = (image, points, params);
        Err(PluginError::unsupported("generate"))
    }
}

/// A plugin of the `model-adapter` world: describes an erase model a host architecture runs.
pub trait ModelAdapter {
    /// What the plugin says about itself (see [`Processor::manifest`]).
    fn manifest() -> Manifest;

    /// The model this adapter provides.
    fn describe_model() -> ModelDescription;

    /// Prepares the model input. The default passes image and mask through.
    fn preprocess(image: Image, mask: Mask, params: &Params) -> Result<(Image, Mask), PluginError> {
        let _ = params;
        Ok((image, mask))
    }

    /// Turns the model's output into the final result. The default returns `output`.
    fn postprocess(output: Image, original: Image, mask: Mask) -> Result<Image, PluginError> {
        let _ = (original, mask);
        Ok(output)
    }
}

/// Glue the export macros expand to. Not a stable API.
#[doc(hidden)]
pub mod private {
    use super::*;

    /// The manifest with the SDK's API version and the world's kind forced, so a plugin
    /// cannot claim a version it was not built against.
    pub fn manifest(mut manifest: Manifest, kind: PluginKind) -> Manifest {
        PLUGIN_API_VERSION.clone_into(&mut manifest.api_version);
        manifest.kind = kind;
        manifest
    }

    pub fn processor_manifest<T: Processor>() -> Manifest {
        manifest(T::manifest(), PluginKind::Processor)
    }

    pub fn processor_process<T: Processor>(
        input: Frame,
        params: Vec<Param>,
    ) -> Result<Frame, PluginError> {
        T::process(input, &Params::new(params, T::manifest().params))
    }

    pub fn mask_generator_manifest<T: MaskGenerator>() -> Manifest {
        manifest(T::manifest(), PluginKind::MaskGenerator)
    }

    pub fn mask_generator_generate<T: MaskGenerator>(
        image: Image,
        points: Vec<Point>,
        params: Vec<Param>,
    ) -> Result<Mask, PluginError> {
        T::generate(image, points, &Params::new(params, T::manifest().params))
    }

    pub fn model_adapter_manifest<T: ModelAdapter>() -> Manifest {
        manifest(T::manifest(), PluginKind::ModelAdapter)
    }

    pub fn model_adapter_preprocess<T: ModelAdapter>(
        image: Image,
        mask: Mask,
        params: Vec<Param>,
    ) -> Result<(Image, Mask), PluginError> {
        T::preprocess(image, mask, &Params::new(params, T::manifest().params))
    }

    /// The API version as a fixed-size array, for the `mend:api-version` custom section.
    pub const fn api_version_bytes<const N: usize>() -> [u8; N] {
        let src = PLUGIN_API_VERSION.as_bytes();
        let mut out = [0u8; N];
        let mut i = 0;
        while i < N && i < src.len() {
            out[i] = src[i];
            i += 1;
        }
        out
    }
}
