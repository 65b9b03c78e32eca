//! Models that a model-adapter plugin provides: one of the host's architectures (the network,
//! on the host's device) with the adapter's pre- and post-processing around every forward.
//!
//! The engine knows adapters only through [`AdapterHooks`], so it does not depend on the plugin
//! runtime; `crate::plugins::adapters` implements the trait by calling the plugin.

use std::sync::Arc;

use image::{GrayImage, RgbImage};
use mend_models::{InpaintConfig, InpaintModel, Progress};

/// The pre- and post-processing of a model adapter. Called on the engine's worker thread.
pub trait AdapterHooks: Send + Sync {
    /// The adapter's id (names it in errors and logs).
    fn adapter(&self) -> &str;

    /// Prepares the model input; must keep the size.
    fn preprocess(
        &self,
        image: &RgbImage,
        mask: &GrayImage,
    ) -> mend_models::Result<(RgbImage, GrayImage)>;

    /// Turns the model output into the result, given the original image and the mask the
    /// model saw; must keep the size.
    fn postprocess(
        &self,
        output: &RgbImage,
        original: &RgbImage,
        mask: &GrayImage,
    ) -> mend_models::Result<RgbImage>;
}

/// An adapter-provided model: which host architecture runs it, its padding and the adapter's
/// hooks.
#[derive(Clone)]
pub struct Adapter {
    /// The host architecture (a built-in loader name, e.g. `lama`).
    pub architecture: String,
    /// Input sides are padded to a multiple of this (a multiple of what the network needs).
    pub pad_mod: u32,
    /// Minimum input side after padding, if any.
    pub min_size: Option<u32>,
    /// The adapter's processing.
    pub hooks: Arc<dyn AdapterHooks>,
}

impl std::fmt::Debug for Adapter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Adapter")
            .field("architecture", &self.architecture)
            .field("adapter", &self.hooks.adapter())
            .finish()
    }
}

impl PartialEq for Adapter {
    fn eq(&self, other: &Self) -> bool {
        self.architecture == other.architecture && self.hooks.adapter() == other.hooks.adapter()
    }
}

impl Eq for Adapter {}

/// The network of an adapter model, wrapped in its adapter's processing: `preprocess` sees
/// the request's image and mask, the network runs on what it returns through the usual HD
/// strategy and padding (with the adapter's `pad-mod`), and `postprocess` turns the result into
/// the answer.
pub struct AdaptedModel {
    name: String,
    inner: Box<dyn InpaintModel>,
    adapter: Adapter,
}

impl AdaptedModel {
    /// `inner` under the name `name`, wrapped in `adapter`.
    pub fn new(name: &str, inner: Box<dyn InpaintModel>, adapter: Adapter) -> Self {
        Self {
            name: name.to_owned(),
            inner,
            adapter,
        }
    }

    fn size_error(&self, stage: &str, got: (u32, u32), want: (u32, u32)) -> mend_models::Error {
        mend_models::Error::Adapter {
            adapter: self.adapter.hooks.adapter().to_owned(),
            message: format!(
                "changed the size in {stage} from {}x{} to {}x{}",
                want.0, want.1, got.0, got.1
            ),
        }
    }
}

impl InpaintModel for AdaptedModel {
    fn name(&self) -> &str {
        &self.name
    }

    fn pad_mod(&self) -> u32 {
        self.adapter.pad_mod.max(self.inner.pad_mod())
    }

    fn min_size(&self) -> Option<u32> {
        self.adapter.min_size.max(self.inner.min_size())
    }

    fn pad_to_square(&self) -> bool {
        self.inner.pad_to_square()
    }

    /// The network alone (the adapter's processing wraps whole requests, in `inpaint`).
    fn forward(
        &mut self,
        image: &RgbImage,
        mask: &GrayImage,
        config: &InpaintConfig,
        progress: &dyn Progress,
    ) -> mend_models::Result<RgbImage> {
        self.inner.forward(image, mask, config, progress)
    }

    fn inpaint(
        &mut self,
        image: &RgbImage,
        mask: &GrayImage,
        config: &InpaintConfig,
        progress: &dyn Progress,
    ) -> mend_models::Result<RgbImage> {
        let size = image.dimensions();
        let hooks = Arc::clone(&self.adapter.hooks);
        let (prepared, model_mask) = hooks.preprocess(image, mask)?;
        if prepared.dimensions() != size {
            return Err(self.size_error("preprocess", prepared.dimensions(), size));
        }
        if model_mask.dimensions() != size {
            return Err(self.size_error("preprocess", model_mask.dimensions(), size));
        }
        if !progress.report(0.0) {
            return Err(mend_models::Error::Cancelled);
        }
        let output = mend_models::hd_strategy::run(self, &prepared, &model_mask, config, progress)?;
        let result = hooks.postprocess(&output, image, &model_mask)?;
        if result.dimensions() != size {
            return Err(self.size_error("postprocess", result.dimensions(), size));
        }
        Ok(result)
    }
}

#[cfg(test)]
mod tests {
    use image::{Luma, Rgb};
    use mend_models::cv2::Cv2Model;

    use super::*;

    /// Grows the mask by one pixel to the right and paints the result's first pixel red.
    struct Marker;

    impl AdapterHooks for Marker {
        fn adapter(&self) -> &str {
            "marker"
        }

        fn preprocess(
            &self,
            image: &RgbImage,
            mask: &GrayImage,
        ) -> mend_models::Result<(RgbImage, GrayImage)> {
            let grown = GrayImage::from_fn(mask.width(), mask.height(), |x, y| {
                let left = x.checked_sub(1).map_or(0, |l| mask.get_pixel(l, y).0[0]);
                Luma([mask.get_pixel(x, y).0[0].max(left)])
            });
            Ok((image.clone(), grown))
        }

        fn postprocess(
            &self,
            output: &RgbImage,
            _original: &RgbImage,
            _mask: &GrayImage,
        ) -> mend_models::Result<RgbImage> {
            let mut out = output.clone();
            out.put_pixel(0, 0, Rgb([255, 0, 0]));
            Ok(out)
        }
    }

    /// Returns a 1×1 image from preprocess.
    struct Shrinker;

    impl AdapterHooks for Shrinker {
        fn adapter(&self) -> &str {
            "shrinker"
        }

        fn preprocess(
            &self,
            _image: &RgbImage,
            mask: &GrayImage,
        ) -> mend_models::Result<(RgbImage, GrayImage)> {
            Ok((RgbImage::new(1, 1), mask.clone()))
        }

        fn postprocess(
            &self,
            output: &RgbImage,
            _original: &RgbImage,
            _mask: &GrayImage,
        ) -> mend_models::Result<RgbImage> {
            Ok(output.clone())
        }
    }

    struct Always;

    impl Progress for Always {
        fn report(&self, _fraction: f32) -> bool {
            true
        }
    }

    fn adapter(hooks: impl AdapterHooks + 'static) -> Adapter {
        Adapter {
            architecture: "cv2".to_owned(),
            pad_mod: 8,
            min_size: None,
            hooks: Arc::new(hooks),
        }
    }

    fn striped() -> (RgbImage, GrayImage) {
        let image = RgbImage::from_fn(16, 16, |x, _| Rgb([(x * 16) as u8, 40, 200]));
        let mask = GrayImage::from_fn(16, 16, |x, y| {
            Luma([if x == 8 && (4..12).contains(&y) {
                255
            } else {
                0
            }])
        });
        (image, mask)
    }

    #[test]
    fn hooks_wrap_the_model_and_the_model_sees_the_prepared_mask() {
        let (image, mask) = striped();
        let mut adapted = AdaptedModel::new("cv2-marked", Box::new(Cv2Model), adapter(Marker));
        assert_eq!(adapted.name(), "cv2-marked");
        assert_eq!(adapted.pad_mod(), 8, "the adapter's padding");
        let out = adapted
            .inpaint(&image, &mask, &InpaintConfig::default(), &Always)
            .unwrap();
        assert_eq!(out.get_pixel(0, 0), &Rgb([255, 0, 0]), "postprocess ran");
        // Column 9 is inside the grown mask only: the model must have filled it.
        let plain = Cv2Model
            .forward(&image, &mask, &InpaintConfig::default(), &Always)
            .unwrap();
        assert_eq!(plain.get_pixel(9, 6), image.get_pixel(9, 6));
        assert_ne!(out.get_pixel(9, 6), image.get_pixel(9, 6));
        // Outside both masks nothing changes.
        assert_eq!(out.get_pixel(3, 3), image.get_pixel(3, 3));
    }

    #[test]
    fn a_hook_that_changes_the_size_fails_the_job_naming_the_adapter() {
        let (image, mask) = striped();
        let mut adapted = AdaptedModel::new("x", Box::new(Cv2Model), adapter(Shrinker));
        let err = adapted
            .inpaint(&image, &mask, &InpaintConfig::default(), &Always)
            .unwrap_err();
        assert!(
            matches!(&err, mend_models::Error::Adapter { adapter, .. } if adapter == "shrinker"),
            "{err}"
        );
        assert!(err.to_string().contains("16x16 to 1x1"), "{err}");
    }
}
