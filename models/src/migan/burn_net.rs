//! MI-GAN's forward on burn tensors (the GPU path; also runs on the CPU backend for the
//! parity tests). Layer for layer what the traced module computes: grouped convolutions for
//! the depthwise layers and the down filter, a grouped transposed convolution + zero pad +
//! grouped convolution for the 2× up.

use burn::tensor::activation::leaky_relu;
use burn::tensor::module::{conv_transpose2d, conv2d};
use burn::tensor::ops::{ConvOptions, ConvTransposeOptions, PadMode};
use burn::tensor::{Device, Tensor, TensorData};

use super::keep_going_or_cancel;
use super::weights::{MiganWeights, Pointwise, SepConv};
use crate::{Error, Result};

fn upload<const D: usize>(data: &[f32], shape: [usize; D], device: &Device) -> Tensor<D> {
    Tensor::from_data(TensorData::new(data.to_vec(), shape), device)
}

/// The activation: leaky ReLU (0.2) · √2, clamped to ±256.
fn act(x: Tensor<4>) -> Tensor<4> {
    leaky_relu(x, 0.2)
        .mul_scalar(std::f32::consts::SQRT_2)
        .clamp(-super::CLAMP, super::CLAMP)
}

struct BurnPointwise {
    weight: Tensor<4>,
    bias: Tensor<1>,
}

impl BurnPointwise {
    fn new(p: &Pointwise, device: &Device) -> Self {
        Self {
            weight: upload(&p.weight, [p.outputs, p.inputs, 1, 1], device),
            bias: upload(&p.bias, [p.outputs], device),
        }
    }

    fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        conv2d(
            x,
            self.weight.clone(),
            Some(self.bias.clone()),
            ConvOptions::new([1, 1], [0, 0], [1, 1], 1),
        )
    }
}

/// The 2× up: zero-inserting transposed convolution, pad (2, 1, 2, 1), 4×4 filter.
struct BurnUp {
    insert_zeros: Tensor<4>,
    filter: Tensor<4>,
    channels: usize,
}

impl BurnUp {
    fn new(filters: &[f32], channels: usize, device: &Device) -> Self {
        let zeros: Vec<f32> = (0..channels).flat_map(|_| [1.0, 0.0, 0.0, 0.0]).collect();
        Self {
            insert_zeros: upload(&zeros, [channels, 1, 2, 2], device),
            filter: upload(filters, [channels, 1, 4, 4], device),
            channels,
        }
    }

    fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        let c = self.channels;
        let z = conv_transpose2d(
            x,
            self.insert_zeros.clone(),
            None,
            ConvTransposeOptions::new([2, 2], [0, 0], [0, 0], [1, 1], c),
        );
        let z = z.pad((2, 1, 2, 1), PadMode::Constant(0.0));
        conv2d(
            z,
            self.filter.clone(),
            None,
            ConvOptions::new([1, 1], [0, 0], [1, 1], c),
        )
    }
}

struct BurnSep {
    inputs: usize,
    depthwise: Tensor<4>,
    depthwise_bias: Tensor<1>,
    pointwise: Tensor<4>,
    down: Option<Tensor<4>>,
    up: Option<BurnUp>,
    noise: Option<Tensor<4>>,
}

impl BurnSep {
    fn new(s: &SepConv, side: usize, device: &Device) -> Self {
        Self {
            inputs: s.inputs,
            depthwise: upload(&s.depthwise, [s.inputs, 1, 3, 3], device),
            depthwise_bias: upload(&s.depthwise_bias, [s.inputs], device),
            pointwise: upload(&s.pointwise, [s.outputs, s.inputs, 1, 1], device),
            down: s
                .down
                .as_ref()
                .map(|f| upload(f, [s.inputs, 1, 4, 4], device)),
            up: s.up.as_ref().map(|f| BurnUp::new(f, s.outputs, device)),
            noise: s
                .noise
                .as_ref()
                .map(|n| upload(n, [1, 1, side, side], device)),
        }
    }

    fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        let c = self.inputs;
        let mut x = act(conv2d(
            x,
            self.depthwise.clone(),
            Some(self.depthwise_bias.clone()),
            ConvOptions::new([1, 1], [1, 1], [1, 1], c),
        ));
        if let Some(f) = &self.down {
            x = conv2d(
                x,
                f.clone(),
                None,
                ConvOptions::new([2, 2], [1, 1], [1, 1], c),
            );
        }
        x = conv2d(
            x,
            self.pointwise.clone(),
            None,
            ConvOptions::new([1, 1], [0, 0], [1, 1], 1),
        );
        if let Some(up) = &self.up {
            x = up.forward(x);
        }
        if let Some(noise) = &self.noise {
            x = x + noise.clone();
        }
        act(x)
    }
}

struct BurnEncoderBlock {
    fromrgb: Option<BurnPointwise>,
    conv1: BurnSep,
    conv2: BurnSep,
}

struct BurnSynthesisBlock {
    conv1: BurnSep,
    conv2: BurnSep,
    torgb: BurnPointwise,
    upsample: Option<BurnUp>,
}

/// The generator as burn tensors on one device.
pub(crate) struct BurnMigan {
    resolution: usize,
    encoder: Vec<BurnEncoderBlock>,
    synthesis: Vec<BurnSynthesisBlock>,
    device: Device,
}

impl std::fmt::Debug for BurnMigan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BurnMigan")
            .field("resolution", &self.resolution)
            .finish_non_exhaustive()
    }
}

impl BurnMigan {
    pub(crate) fn new(w: &MiganWeights, device: &Device) -> Self {
        let encoder = w
            .encoder
            .iter()
            .map(|b| BurnEncoderBlock {
                fromrgb: b.fromrgb.as_ref().map(|p| BurnPointwise::new(p, device)),
                conv1: BurnSep::new(&b.conv1, b.resolution, device),
                conv2: BurnSep::new(&b.conv2, b.resolution, device),
            })
            .collect();
        let synthesis = w
            .synthesis
            .iter()
            .map(|b| BurnSynthesisBlock {
                conv1: BurnSep::new(&b.conv1, b.resolution, device),
                conv2: BurnSep::new(&b.conv2, b.resolution, device),
                torgb: BurnPointwise::new(&b.torgb, device),
                upsample: b.upsample.as_ref().map(|f| BurnUp::new(f, 3, device)),
            })
            .collect();
        Self {
            resolution: w.resolution,
            encoder,
            synthesis,
            device: device.clone(),
        }
    }

    /// `[4, R, R]` generator input → `[3, R, R]` output (see [`super::native::NativeMigan`]).
    pub(crate) fn forward(
        &self,
        input: &[f32],
        keep_going: &mut dyn FnMut(usize, usize) -> bool,
    ) -> Result<Vec<f32>> {
        let r = self.resolution;
        if input.len() != 4 * r * r {
            return Err(Error::Backend(format!(
                "MI-GAN input has {} values; [4, {r}, {r}] was expected",
                input.len()
            )));
        }
        let total = self.encoder.len() + self.synthesis.len();
        let mut done = 0usize;
        let x = upload(input, [1, 4, r, r], &self.device);
        let mut h = None;
        let mut skips = Vec::with_capacity(self.encoder.len());
        for block in &self.encoder {
            let x = match (&block.fromrgb, h.take()) {
                (Some(p), _) => act(p.forward(x.clone())),
                (None, Some(h)) => h,
                (None, None) => {
                    return Err(Error::Backend("MI-GAN encoder has no input layer".into()));
                }
            };
            let feat = block.conv1.forward(x);
            h = Some(block.conv2.forward(feat.clone()));
            skips.push(feat);
            done += 1;
            keep_going_or_cancel(keep_going(done, total))?;
        }
        let mut h = h.ok_or_else(|| Error::Backend("MI-GAN has no encoder blocks".into()))?;
        let mut img: Option<Tensor<4>> = None;
        for block in &self.synthesis {
            let skip = skips
                .pop()
                .ok_or_else(|| Error::Backend("MI-GAN skip features do not line up".into()))?;
            h = block.conv2.forward(block.conv1.forward(h) + skip);
            let rgb = block.torgb.forward(h.clone());
            img = Some(match (img.take(), &block.upsample) {
                (Some(prev), Some(up)) => up.forward(prev) + rgb,
                _ => rgb,
            });
            done += 1;
            keep_going_or_cancel(keep_going(done, total))?;
        }
        let img = img.ok_or_else(|| Error::Backend("MI-GAN produced no image".into()))?;
        crate::lama::processing::to_vec(img)
    }
}
