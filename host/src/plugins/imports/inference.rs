//! `mend:plugin/inference`: models the host owns. Every function first checks the
//! `inference` capability (requested by the manifest and granted by the configuration); a
//! plugin without it gets an error naming the capability. `inpaint` runs the native `cv2`
//! model synchronously (the call already runs on a blocking thread) after checking sizes;
//! `run` answers `model-unavailable` until tensor models are exposed to plugins.

use image::{Rgba, RgbaImage};
use mend_models::{InpaintConfig, InpaintModel, Progress, cv2::Cv2Model};

use crate::plugins::capabilities::INFERENCE;
use crate::plugins::images;
use crate::plugins::state::{CancelFlag, HostState};
use crate::plugins::wit::latest::inference::{Host, Tensor};
use crate::plugins::wit::latest::types::{Image, Mask, PluginError};

/// Erase models plugins may run through `inpaint`.
pub const INPAINT_MODELS: &[&str] = &["cv2"];

impl HostState {
    fn require_inference(&self) -> Result<(), PluginError> {
        self.granted
            .check(&self.plugin, INFERENCE)
            .map_err(PluginError::Failed)
    }
}

impl Host for HostState {
    fn available_models(&mut self) -> Vec<String> {
        if self.require_inference().is_err() {
            return Vec::new();
        }
        INPAINT_MODELS.iter().map(|m| (*m).to_owned()).collect()
    }

    fn run(&mut self, model: String, _inputs: Vec<Tensor>) -> Result<Vec<Tensor>, PluginError> {
        self.require_inference()?;
        Err(PluginError::ModelUnavailable(format!(
            "model `{model}` cannot be run on tensors by plugins on this host yet"
        )))
    }

    fn inpaint(&mut self, model: String, image: Image, mask: Mask) -> Result<Image, PluginError> {
        self.require_inference()?;
        if !INPAINT_MODELS.contains(&model.as_str()) {
            return Err(PluginError::ModelUnavailable(format!(
                "model `{model}` is not available to plugins (available: {})",
                INPAINT_MODELS.join(", ")
            )));
        }
        images::check_image(&image, self.max_pixels).map_err(PluginError::InvalidInput)?;
        images::check_mask(&mask, self.max_pixels).map_err(PluginError::InvalidInput)?;
        if (image.width, image.height) != (mask.width, mask.height) {
            return Err(PluginError::InvalidInput(format!(
                "image is {}x{} but mask is {}x{}",
                image.width, image.height, mask.width, mask.height
            )));
        }
        let rgba = images::from_wit_image(image).map_err(PluginError::InvalidInput)?;
        let mut mask = images::from_wit_mask(mask).map_err(PluginError::InvalidInput)?;
        for v in mask.iter_mut() {
            *v = if *v > 127 { 255 } else { 0 };
        }
        let rgb = image::DynamicImage::ImageRgba8(rgba.clone()).into_rgb8();
        let progress = CancelProgress(self.cancel.clone());
        let out = Cv2Model
            .forward(&rgb, &mask, &InpaintConfig::default(), &progress)
            .map_err(|e| PluginError::Failed(format!("cv2 inpaint failed: {e}")))?;
        Ok(images::to_wit_image(with_alpha(&out, &rgba)))
    }
}

/// The model's RGB output with the input's alpha kept.
fn with_alpha(rgb: &image::RgbImage, original: &RgbaImage) -> RgbaImage {
    RgbaImage::from_fn(rgb.width(), rgb.height(), |x, y| {
        let [r, g, b] = rgb.get_pixel(x, y).0;
        let a = original.get_pixel(x, y).0[3];
        Rgba([r, g, b, a])
    })
}

/// Stops the model when the plugin call is cancelled.
struct CancelProgress(CancelFlag);

impl Progress for CancelProgress {
    fn report(&self, _fraction: f32) -> bool {
        !self.0.is_cancelled()
    }
}
