//! The erase-model trait and the request settings erase models read.

use image::{GrayImage, RgbImage};
use serde::{Deserialize, Serialize};

use crate::Result;

/// OpenCV's inpainting algorithm selector, as IOPaint's `cv2_flag` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Cv2Flag {
    /// Navier–Stokes based inpainting (IOPaint's default).
    #[default]
    #[serde(rename = "INPAINT_NS")]
    Ns,
    /// Telea's fast marching method.
    #[serde(rename = "INPAINT_TELEA")]
    Telea,
}

/// IOPaint's high-resolution strategy for erase models.
///
/// IOPaint accepts any string here and treats unknown values like `Original`; mend parses the
/// three known names and maps anything else to [`HdStrategy::Original`] the same way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum HdStrategy {
    /// Run the model on the whole image.
    Original,
    /// Downscale so the longer side is at most `hd_strategy_resize_limit`, run, upscale.
    Resize,
    /// Run the model on crops around each mask region (with a margin).
    #[default]
    Crop,
}

impl HdStrategy {
    /// Parses IOPaint's string; unknown values behave like `Original`, as upstream.
    pub fn from_iopaint(s: &str) -> Self {
        match s {
            "Crop" => Self::Crop,
            "Resize" => Self::Resize,
            _ => Self::Original,
        }
    }
}

/// The request settings erase models read (a subset of IOPaint's `InpaintRequest`).
#[derive(Debug, Clone, PartialEq)]
pub struct InpaintConfig {
    /// High-resolution strategy.
    pub hd_strategy: HdStrategy,
    /// Crop runs only when the image's longer side exceeds this.
    pub hd_strategy_crop_trigger_size: u32,
    /// Context margin around each mask box for Crop.
    pub hd_strategy_crop_margin: u32,
    /// Longer-side target for Resize (only when the image is larger).
    pub hd_strategy_resize_limit: u32,
    /// Keep pixels outside the mask bit-exact (IOPaint's `sd_keep_unmasked_area`).
    pub keep_unmasked_area: bool,
    /// cv2 algorithm.
    pub cv2_flag: Cv2Flag,
    /// cv2 neighbourhood radius in pixels.
    pub cv2_radius: u32,
}

impl Default for InpaintConfig {
    fn default() -> Self {
        Self {
            hd_strategy: HdStrategy::Crop,
            hd_strategy_crop_trigger_size: 800,
            hd_strategy_crop_margin: 128,
            hd_strategy_resize_limit: 1280,
            keep_unmasked_area: true,
            cv2_flag: Cv2Flag::Ns,
            cv2_radius: 4,
        }
    }
}

/// Receives progress while a model runs. `fraction` is in `[0, 1]`.
///
/// Returning `false` asks the model to stop; it then returns [`crate::Error::Cancelled`] at the
/// next point where it can.
pub trait Progress: Send + Sync {
    /// Reports progress; returns whether to continue.
    fn report(&self, fraction: f32) -> bool;
}

/// A [`Progress`] that ignores reports and never cancels.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoProgress;

impl Progress for NoProgress {
    fn report(&self, _fraction: f32) -> bool {
        true
    }
}

/// An erase model: fills the masked pixels of an RGB image.
///
/// Implementations only see already padded input (see [`crate::hd_strategy`]): `forward`
/// receives an image whose sides are multiples of [`InpaintModel::pad_mod`] and at least
/// [`InpaintModel::min_size`], and a binary mask (0 = keep, 255 = fill) of the same size.
pub trait InpaintModel: Send {
    /// The model's name as IOPaint's API uses it (`cv2`, `lama`, …).
    fn name(&self) -> &str;
    /// Input sides are padded to a multiple of this.
    fn pad_mod(&self) -> u32 {
        1
    }
    /// Minimum input side after padding, if any.
    fn min_size(&self) -> Option<u32> {
        None
    }
    /// Whether input is padded to a square.
    fn pad_to_square(&self) -> bool {
        false
    }
    /// Fills the masked pixels. `image` and `mask` have the same size.
    fn forward(
        &mut self,
        image: &RgbImage,
        mask: &GrayImage,
        config: &InpaintConfig,
        progress: &dyn Progress,
    ) -> Result<RgbImage>;

    /// Runs one request end to end: by default [`crate::hd_strategy::run`] around
    /// [`Self::forward`] (HD strategy, padding, unmasked area kept). A wrapper that processes
    /// the request as a whole (a model adapter's pre- and post-processing) overrides it.
    fn inpaint(
        &mut self,
        image: &RgbImage,
        mask: &GrayImage,
        config: &InpaintConfig,
        progress: &dyn Progress,
    ) -> Result<RgbImage> {
        crate::hd_strategy::run(self, image, mask, config, progress)
    }
}
