//! Real-ESRGAN's compact super-resolution network, `SRVGGNetCompact` (the released
//! `realesr-general-x4v3`: 64 features, 32 body convolutions, ×4), on burn.
//!
//! The network: a 3×3 convolution (zero padding 1) from RGB to `F` features and a PReLU, `N`
//! more 3×3 convolutions each followed by a PReLU, a last 3×3 convolution to `3·s²` channels,
//! a pixel shuffle by `s`, and the nearest-neighbour ×`s` upscale of the input added to it.
//! Input and output are RGB in `[0, 1]` (the output is not clamped here).
//!
//! State-dict keys are `body.<i>.weight`/`.bias` (convolutions at even `i`, PReLU slopes at odd
//! `i`), optionally under `params_ema.` or `params.` as Real-ESRGAN saves them (`params_ema` is
//! preferred, as Real-ESRGAN's own loader does). `F`, `N` and `s` are read off the shapes.

use burn::tensor::activation::prelu;
use burn::tensor::module::conv2d;
use burn::tensor::ops::ConvOptions;
use burn::tensor::{Device, Tensor, TensorData};

use crate::tensor_map::{HostTensor, TensorMap};
use crate::{Error, Result};

/// Largest upscale factor accepted from a state dict.
const MAX_SCALE: usize = 8;

struct Layer {
    weight: Tensor<4>,
    bias: Tensor<1>,
    /// The PReLU after it (all layers but the last).
    slope: Option<Tensor<1>>,
}

/// A loaded `SRVGGNetCompact`.
pub struct SrVgg {
    layers: Vec<Layer>,
    scale: usize,
    features: usize,
    device: Device,
}

impl std::fmt::Debug for SrVgg {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SrVgg")
            .field("convs", &self.layers.len())
            .field("features", &self.features)
            .field("scale", &self.scale)
            .finish()
    }
}

fn invalid(msg: impl Into<String>) -> Error {
    Error::InvalidWeights(msg.into())
}

fn upload<const D: usize>(t: &HostTensor, shape: [usize; D], device: &Device) -> Tensor<D> {
    Tensor::from_data(TensorData::new(t.data.clone(), shape), device)
}

impl SrVgg {
    /// Builds the network from a state dict (see the module docs for the keys).
    pub fn from_state_dict(map: &TensorMap, device: &Device) -> Result<Self> {
        let prefix = ["params_ema.", "params.", ""]
            .into_iter()
            .find(|p| map.contains_key(&format!("{p}body.0.weight")))
            .ok_or_else(|| invalid("no `body.0.weight`: not an SRVGGNetCompact state dict"))?;
        let get = |key: String| map.get(&key).map(|t| (key, t));
        let mut layers = Vec::new();
        let mut channels = 3usize;
        let mut i = 0usize;
        while let Some((key, w)) = get(format!("{prefix}body.{i}.weight")) {
            let [out, inp, kh, kw] = w.shape[..] else {
                return Err(invalid(format!("`{key}` has shape {:?}, not 4-D", w.shape)));
            };
            if inp != channels || kh != 3 || kw != 3 {
                return Err(invalid(format!(
                    "`{key}` has shape {:?}; expected [_, {channels}, 3, 3]",
                    w.shape
                )));
            }
            let bias_key = format!("{prefix}body.{i}.bias");
            let bias = map
                .get(&bias_key)
                .filter(|b| b.shape == [out])
                .ok_or_else(|| invalid(format!("missing or misshapen `{bias_key}`")))?;
            let slope_key = format!("{prefix}body.{}.weight", i + 1);
            let slope = match map.get(&slope_key) {
                Some(s) if s.shape == [out] || s.shape == [1] => {
                    Some(upload(s, [s.shape[0]], device))
                }
                Some(s) => {
                    return Err(invalid(format!(
                        "`{slope_key}` has shape {:?}; a PReLU over {out} channels was expected",
                        s.shape
                    )));
                }
                None => None,
            };
            let last = slope.is_none();
            layers.push(Layer {
                weight: upload(w, [out, inp, 3, 3], device),
                bias: upload(bias, [out], device),
                slope,
            });
            channels = out;
            i += 2;
            if last {
                break;
            }
        }
        if layers.len() < 2 {
            return Err(invalid(
                "an SRVGGNetCompact needs at least two convolutions",
            ));
        }
        if layers.last().is_some_and(|l| l.slope.is_some()) {
            return Err(invalid(format!(
                "`{prefix}body.{i}.weight` is missing: the network has no last convolution"
            )));
        }
        let scale = (1..=MAX_SCALE)
            .find(|s| 3 * s * s == channels)
            .ok_or_else(|| {
                invalid(format!(
                    "the last convolution has {channels} outputs; 3·scale² for a scale up to \
                     {MAX_SCALE} was expected"
                ))
            })?;
        let features = layers.first().map_or(0, |l| l.weight.dims()[0]);
        Ok(Self {
            layers,
            scale,
            features,
            device: device.clone(),
        })
    }

    /// The upscale factor.
    pub fn scale(&self) -> usize {
        self.scale
    }

    /// `[N, 3, H, W]` in `[0, 1]` → `[N, 3, s·H, s·W]`.
    pub fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        let [n, _, h, w] = x.dims();
        let s = self.scale;
        let mut out = x.clone();
        for layer in &self.layers {
            out = conv2d(
                out,
                layer.weight.clone(),
                Some(layer.bias.clone()),
                ConvOptions::new([1, 1], [1, 1], [1, 1], 1),
            );
            if let Some(slope) = &layer.slope {
                out = prelu(out, slope.clone());
            }
        }
        // Pixel shuffle: channel `c·s² + i·s + j` goes to pixel `(y·s + i, x·s + j)` of `c`.
        let shuffled = out
            .reshape([n, 3, s, s, h, w])
            .permute([0, 1, 4, 2, 5, 3])
            .reshape([n, 3, h * s, w * s]);
        let base = x
            .reshape([n, 3, h, 1, w, 1])
            .repeat_dim(3, s)
            .repeat_dim(5, s)
            .reshape([n, 3, h * s, w * s]);
        shuffled + base
    }

    /// Runs the network on a host tensor `[1, 3, H, W]` (or `[3, H, W]`) and returns
    /// `[1, 3, s·H, s·W]`.
    pub fn run(&self, input: &HostTensor) -> Result<HostTensor> {
        let (h, w) = match input.shape[..] {
            [1, 3, h, w] | [3, h, w] => (h, w),
            _ => {
                return Err(Error::InvalidParameter {
                    name: "input",
                    reason: format!(
                        "shape {:?}; an RGB image as [1, 3, H, W] was expected",
                        input.shape
                    ),
                });
            }
        };
        if h == 0 || w == 0 {
            return Err(Error::InvalidParameter {
                name: "input",
                reason: "the image is empty".to_owned(),
            });
        }
        let x = upload(input, [1, 3, h, w], &self.device);
        let y = self.forward(x);
        let data = crate::lama::processing::to_vec(y)?;
        HostTensor::new(vec![1, 3, h * self.scale, w * self.scale], data)
    }
}
