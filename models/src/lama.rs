//! LaMa (`lama`, `anime-lama`): the big-lama Fourier-convolution inpainting generator on burn,
//! with IOPaint's pre/post-processing (spec `lama-model.md`).
//!
//! - [`config`]: architecture hyper-parameters ([`LamaConfig::big_lama`], a tiny test config).
//! - [`weights`]: state-dict keys, shape checks and BatchNorm folding (f64, at load time).
//! - [`conv`] (with [`tap_gemm`] on the Flex backend), [`fourier`], [`ffc`], [`generator`]: the
//!   network on burn tensors (GPUs); [`dft`]: the exact `rfft2`/`irfft2` (`norm="ortho"`, any
//!   size) as matmuls.
//! - [`native`], [`native_convs`]: the same network on host buffers, the CPU forward (faer
//!   GEMMs, Winograd F(4×4, 3×3) at the bottleneck, real FFTs, rayon).
//! - [`keys`]: the state-dict inventory and random weights for benchmarks.
//! - [`processing`]: image/mask ↔ tensors, the wrapper's composite and `u8` truncation.
//!
//! [`Lama`] implements [`InpaintModel`]; run it through [`crate::hd_strategy::run`], which
//! pads to a multiple of 8 (at least 16, see [`InpaintModel::min_size`]), crops and keeps the
//! unmasked area.

pub mod config;
mod conv;
pub mod dft;
mod ffc;
mod fourier;
pub mod generator;
pub mod keys;
mod native;
mod native_convs;
pub mod processing;
mod tap_gemm;
mod weights;

use burn::tensor::{Device, Tensor};
use image::{GrayImage, RgbImage};

pub use config::LamaConfig;
pub use generator::Generator;

use crate::tensor_map::TensorMap;
use crate::{Error, InpaintConfig, InpaintModel, Progress, Result};

/// The LaMa erase model: a [`Generator`] plus IOPaint's wrapper around it.
#[derive(Debug)]
pub struct Lama {
    name: String,
    generator: Generator,
}

impl Lama {
    /// Builds the model from a state dict (keys `model.generator.model.*` as in the traced
    /// `big-lama.pt`; `generator.model.*` and `model.*` are accepted too) for `config` on
    /// `device`. Errors name the missing or mis-shaped key.
    pub fn from_tensor_map(map: &TensorMap, config: &LamaConfig, device: &Device) -> Result<Self> {
        Ok(Self {
            name: "lama".to_owned(),
            generator: Generator::from_tensor_map(map, config, device)?,
        })
    }

    /// Renames the model (e.g. `anime-lama`, which shares architecture and code).
    pub fn with_name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// Builds the model from a state dict whose architecture is read off its shapes
    /// ([`LamaConfig::big_lama`] for the released `big-lama.pt`).
    pub fn from_state_dict(map: &TensorMap, device: &Device) -> Result<Self> {
        let config = weights::Loader::new(map, device)?.infer_config()?;
        Self::from_tensor_map(map, &config, device)
    }

    /// The generator (for tests and benchmarks).
    pub fn generator_mut(&mut self) -> &mut Generator {
        &mut self.generator
    }

    /// What the traced `big-lama.pt` computes: `image` `[1, 3, H, W]` in `[0, 1]`, `mask`
    /// `[1, 1, H, W]` in `{0, 1}` → the composite `mask · pred + (1 − mask) · image`.
    pub fn forward_tensors(
        &mut self,
        image: Tensor<4>,
        mask: Tensor<4>,
        progress: &dyn Progress,
    ) -> Result<Tensor<4>> {
        let x = processing::generator_input(image.clone(), mask.clone());
        let mut keep_going = |done: usize, total: usize| {
            progress.report(0.05 + 0.9 * done as f32 / total.max(1) as f32)
        };
        let pred = self.generator.forward(x, &mut keep_going)?;
        Ok(processing::composite(pred, image, mask))
    }
}

impl InpaintModel for Lama {
    fn name(&self) -> &str {
        &self.name
    }

    fn pad_mod(&self) -> u32 {
        self.generator.config().pad_mod()
    }

    /// 16: reflect padding at 1/8 resolution needs two pixels there (upstream crashes on an
    /// 8-pixel side; mend pads it symmetrically instead).
    fn min_size(&self) -> Option<u32> {
        Some(self.generator.config().min_side())
    }

    fn forward(
        &mut self,
        image: &RgbImage,
        mask: &GrayImage,
        _config: &InpaintConfig,
        progress: &dyn Progress,
    ) -> Result<RgbImage> {
        if image.dimensions() != mask.dimensions() {
            return Err(Error::SizeMismatch {
                image_w: image.width(),
                image_h: image.height(),
                mask_w: mask.width(),
                mask_h: mask.height(),
            });
        }
        if !progress.report(0.0) {
            return Err(Error::Cancelled);
        }
        let (img, m) = processing::to_tensors(image, mask, self.generator.device());
        let out = self.forward_tensors(img, m, progress)?;
        let result = processing::to_image(out)?;
        if !progress.report(1.0) {
            return Err(Error::Cancelled);
        }
        Ok(result)
    }
}
