//! MI-GAN (`migan`): Picsart's mobile inpainting GAN as IOPaint runs it from
//! `migan_traced.pt` (spec `lama-model.md` §7, `iopaint-compat.md` 7.4).
//!
//! The generator works at one fixed square resolution `R` (512 for the release; read off the
//! state dict): an encoder of separable-convolution blocks from `R` down to 4×4 whose first
//! convolution of each block is kept as a skip feature, and a synthesis path back up to `R`
//! that adds those skips, injects fixed noise and sums an RGB image over all scales. Every
//! separable convolution is depthwise 3×3 (+ bias) → activation → optional 2× down → 1×1 →
//! optional 2× up → optional noise → activation, the activation being leaky ReLU (0.2) · √2
//! clamped to ±256. Resampling is a depthwise 4×4 filter (`[1, 3, 3, 1]` outer product in the
//! release, read from the file).
//!
//! - [`weights`]: state-dict keys and checks; [`native`]: the CPU forward on host buffers;
//!   [`burn_net`]: the forward on burn tensors (GPUs).
//! - [`Migan`] is the erase model: IOPaint's wrapper (image to `[-1, 1]`, mask `> 120`, input
//!   `cat([0.5 − mask, image · (1 − mask)])`, output `· 127.5 + 127.5` rounded half to even)
//!   and its own strategy, [`crate::hd_strategy::run_fixed_side`]: each mask region cropped
//!   with a 128-px margin and resized to fit `R`, whatever the request's HD strategy says.

mod burn_net;
mod native;
mod weights;

use burn::tensor::Device;
use image::{GrayImage, RgbImage};

use self::burn_net::BurnMigan;
use self::native::NativeMigan;
use self::weights::MiganWeights;
use crate::tensor_map::{HostTensor, TensorMap};
use crate::{Error, InpaintConfig, InpaintModel, Progress, Result};

/// The activation's clamp.
const CLAMP: f32 = 256.0;

/// IOPaint's mask threshold for MI-GAN (`mask > 120`).
pub const MASK_THRESHOLD: u8 = 120;

/// Leaky ReLU (slope 0.2) times √2, clamped to ±256, in `f32` as PyTorch computes it.
fn activation(v: f32) -> f32 {
    let l = if v > 0.0 { v } else { v * 0.2 };
    (l * std::f32::consts::SQRT_2).clamp(-CLAMP, CLAMP)
}

fn keep_going_or_cancel(keep_going: bool) -> Result<()> {
    if keep_going {
        Ok(())
    } else {
        Err(Error::Cancelled)
    }
}

enum Net {
    Native(NativeMigan),
    Burn(BurnMigan),
}

/// The MI-GAN erase model.
pub struct Migan {
    net: Net,
    resolution: usize,
    parameters: usize,
}

impl std::fmt::Debug for Migan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Migan")
            .field("resolution", &self.resolution)
            .field("parameters", &self.parameters)
            .field(
                "path",
                &match self.net {
                    Net::Native(_) => "native cpu",
                    Net::Burn(_) => "burn",
                },
            )
            .finish()
    }
}

impl Migan {
    /// Builds the model from a state dict (keys as in `migan_traced.pt`, see [`weights`]) on
    /// `device`: natively on the CPU (burn Flex), on burn tensors elsewhere. Errors name the
    /// missing or mis-shaped key.
    pub fn from_state_dict(map: &TensorMap, device: &Device) -> Result<Self> {
        Self::build(map, device, *device == Device::flex())
    }

    /// [`Migan::from_state_dict`] on burn tensors also on the CPU (the GPU code path; for
    /// parity tests).
    #[doc(hidden)]
    pub fn from_state_dict_burn_only(map: &TensorMap, device: &Device) -> Result<Self> {
        Self::build(map, device, false)
    }

    fn build(map: &TensorMap, device: &Device, native: bool) -> Result<Self> {
        let weights = MiganWeights::from_state_dict(map)?;
        let resolution = weights.resolution;
        let parameters = weights.parameters();
        let net = if native {
            Net::Native(NativeMigan::new(weights))
        } else {
            Net::Burn(BurnMigan::new(&weights, device))
        };
        Ok(Self {
            net,
            resolution,
            parameters,
        })
    }

    /// The fixed input side `R`.
    pub fn resolution(&self) -> usize {
        self.resolution
    }

    /// Number of weights (noise constants excluded).
    pub fn parameters(&self) -> usize {
        self.parameters
    }

    /// The bare generator: `[1, 4, R, R]` → `[1, 3, R, R]` (what the traced module computes).
    pub fn generator(&self, input: &HostTensor) -> Result<HostTensor> {
        let r = self.resolution;
        if input.shape != [1, 4, r, r] {
            return Err(Error::InvalidParameter {
                name: "input",
                reason: format!("shape {:?}; [1, 4, {r}, {r}] was expected", input.shape),
            });
        }
        let out = self.run(&input.data, &mut |_, _| true)?;
        HostTensor::new(vec![1, 3, r, r], out)
    }

    fn run(
        &self,
        input: &[f32],
        keep_going: &mut dyn FnMut(usize, usize) -> bool,
    ) -> Result<Vec<f32>> {
        match &self.net {
            Net::Native(n) => n.forward(input, keep_going),
            Net::Burn(b) => b.forward(input, keep_going),
        }
    }
}

/// IOPaint's input: `[0.5 − m, (x / 255 · 2 − 1) · (1 − m)]` with `m = mask > 120`, planar.
fn wrapper_input(image: &RgbImage, mask: &GrayImage) -> Vec<f32> {
    let n = image.as_raw().len() / 3;
    let mut out = vec![0f32; 4 * n];
    let (m_plane, rgb) = out.split_at_mut(n);
    for (i, (px, m)) in image.pixels().zip(mask.as_raw()).enumerate() {
        let m = if *m > MASK_THRESHOLD { 1.0f32 } else { 0.0 };
        m_plane[i] = 0.5 - m;
        for (c, &v) in px.0.iter().enumerate() {
            rgb[c * n + i] = (f32::from(v) / 255.0 * 2.0 - 1.0) * (1.0 - m);
        }
    }
    out
}

/// `round_half_even(v · 127.5 + 127.5)` clamped to `u8` (NaN → 0).
fn to_u8(v: f32) -> u8 {
    let x = (v * 127.5 + 127.5).round_ties_even();
    if x.is_nan() {
        0
    } else {
        x.clamp(0.0, 255.0) as u8
    }
}

impl InpaintModel for Migan {
    fn name(&self) -> &str {
        "migan"
    }

    fn pad_mod(&self) -> u32 {
        u32::try_from(self.resolution).unwrap_or(u32::MAX)
    }

    fn min_size(&self) -> Option<u32> {
        Some(self.pad_mod())
    }

    fn pad_to_square(&self) -> bool {
        true
    }

    /// The network on an `R × R` image (anything else is an [`Error::InvalidParameter`]:
    /// [`Self::inpaint`] always crops, resizes and pads to `R`).
    fn forward(
        &mut self,
        image: &RgbImage,
        mask: &GrayImage,
        _config: &InpaintConfig,
        progress: &dyn Progress,
    ) -> Result<RgbImage> {
        let r = self.pad_mod();
        if image.dimensions() != (r, r) || mask.dimensions() != (r, r) {
            return Err(Error::InvalidParameter {
                name: "image",
                reason: format!(
                    "MI-GAN runs on {r}×{r} only; got {}×{} (mask {}×{})",
                    image.width(),
                    image.height(),
                    mask.width(),
                    mask.height()
                ),
            });
        }
        let input = wrapper_input(image, mask);
        let mut keep_going = |done: usize, total: usize| {
            progress.report(0.05 + 0.9 * done as f32 / total.max(1) as f32)
        };
        let out = self.run(&input, &mut keep_going)?;
        let n = input.len() / 4;
        let mut raw = Vec::with_capacity(3 * n);
        for i in 0..n {
            for c in 0..3 {
                raw.push(to_u8(out.get(c * n + i).copied().unwrap_or(0.0)));
            }
        }
        RgbImage::from_raw(r, r, raw).ok_or_else(|| Error::Backend("output size mismatch".into()))
    }

    fn inpaint(
        &mut self,
        image: &RgbImage,
        mask: &GrayImage,
        config: &InpaintConfig,
        progress: &dyn Progress,
    ) -> Result<RgbImage> {
        let side = self.pad_mod();
        crate::hd_strategy::run_fixed_side(self, image, mask, side, config, progress)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn activation_leaks_scales_and_clamps() {
        assert_eq!(activation(1.0), std::f32::consts::SQRT_2);
        assert_eq!(activation(-1.0), -0.2 * std::f32::consts::SQRT_2);
        assert_eq!(activation(1e6), 256.0);
        assert_eq!(activation(-1e6), -256.0);
        assert_eq!(activation(0.0), 0.0);
    }

    #[test]
    fn output_rounds_half_to_even_like_torch() {
        assert_eq!(to_u8(-1.0), 0);
        assert_eq!(to_u8(1.0), 255);
        assert_eq!(to_u8(2.0), 255);
        // 0 → 127.5 exactly, a tie: the even neighbour.
        assert_eq!(to_u8(0.0), 128);
        assert_eq!(to_u8(f32::NAN), 0);
    }
}
