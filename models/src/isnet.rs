//! IS-Net (`ISNetDIS`, the network of BRIA's RMBG-1.4 background remover) on burn: a U-Net of
//! residual U-blocks that maps an RGB image to a foreground probability map.
//!
//! The network: a 3×3 stride-2 convolution to 64 channels, six encoder stages (RSU-7, 6, 5, 4,
//! 4F, 4F) with 2×2 max pooling (ceil mode) between them, five decoder stages (RSU-4F, 4, 5, 6,
//! 7) fed with the bilinearly upsampled (half-pixel, as PyTorch's default) deeper result
//! concatenated with the skip connection, and a 3×3 side convolution on the last decoder stage,
//! upsampled to the input size and passed through a sigmoid. Every REBNCONV is a 3×3
//! convolution (padding = dilation) + BatchNorm (folded into the convolution at load, in f64) +
//! ReLU; an RSU-L adds its output to its input convolution's.
//!
//! Keys as the released state dicts name them: `conv_in.*`, `stage1.rebnconvin.conv_s1.*`,
//! `stage1.rebnconvin.bn_s1.{weight,bias,running_mean,running_var}`, …, `stage1d.*`,
//! `side1.*`. Channel counts are read off the shapes; only `side1` is used for inference.

use burn::tensor::activation::{relu, sigmoid};
use burn::tensor::module::{conv2d, interpolate, max_pool2d};
use burn::tensor::ops::{ConvOptions, InterpolateMode, InterpolateOptions, MaxPoolOptions};
use burn::tensor::{Device, Tensor, TensorData};

use crate::tensor_map::{HostTensor, TensorMap};
use crate::{Error, Result};

/// BatchNorm's epsilon in the released networks (PyTorch's default).
const BN_EPS: f64 = 1e-5;

fn invalid(msg: impl Into<String>) -> Error {
    Error::InvalidWeights(msg.into())
}

fn get<'a>(map: &'a TensorMap, key: &str) -> Result<&'a HostTensor> {
    map.get(key)
        .ok_or_else(|| invalid(format!("missing tensor `{key}`")))
}

/// A 3×3 convolution with bias, padding = dilation.
struct Conv {
    weight: Tensor<4>,
    bias: Tensor<1>,
    dilation: usize,
    stride: usize,
}

impl Conv {
    fn upload(weight: Vec<f32>, shape: [usize; 4], bias: Vec<f32>, device: &Device) -> Self {
        Self {
            weight: Tensor::from_data(TensorData::new(weight, shape), device),
            bias: Tensor::from_data(TensorData::new(bias, [shape[0]]), device),
            dilation: 1,
            stride: 1,
        }
    }

    /// A plain convolution `<prefix>.weight` / `.bias` with `inputs` input channels.
    fn plain(map: &TensorMap, prefix: &str, inputs: usize, device: &Device) -> Result<Self> {
        let w = get(map, &format!("{prefix}.weight"))?;
        let shape = conv_shape(&format!("{prefix}.weight"), w, inputs)?;
        let b = get(map, &format!("{prefix}.bias"))?;
        if b.shape != [shape[0]] {
            return Err(invalid(format!("`{prefix}.bias` has shape {:?}", b.shape)));
        }
        Ok(Self::upload(w.data.clone(), shape, b.data.clone(), device))
    }

    fn outputs(&self) -> usize {
        self.weight.dims()[0]
    }

    fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        let d = self.dilation;
        conv2d(
            x,
            self.weight.clone(),
            Some(self.bias.clone()),
            ConvOptions::new([self.stride; 2], [d, d], [d, d], 1),
        )
    }
}

fn conv_shape(key: &str, w: &HostTensor, inputs: usize) -> Result<[usize; 4]> {
    match w.shape[..] {
        [o, i, 3, 3] if i == inputs => Ok([o, i, 3, 3]),
        _ => Err(invalid(format!(
            "`{key}` has shape {:?}; expected [_, {inputs}, 3, 3]",
            w.shape
        ))),
    }
}

/// REBNCONV: convolution with BatchNorm folded in, then ReLU.
fn rebn(
    map: &TensorMap,
    prefix: &str,
    inputs: usize,
    dilation: usize,
    device: &Device,
) -> Result<Conv> {
    let wkey = format!("{prefix}.conv_s1.weight");
    let w = get(map, &wkey)?;
    let shape = conv_shape(&wkey, w, inputs)?;
    let out = shape[0];
    let vec = |name: &str| -> Result<&HostTensor> {
        let t = get(map, &format!("{prefix}.{name}"))?;
        if t.shape == [out] {
            Ok(t)
        } else {
            Err(invalid(format!(
                "`{prefix}.{name}` has shape {:?}, expected [{out}]",
                t.shape
            )))
        }
    };
    let (bias, gamma, beta) = (
        vec("conv_s1.bias")?,
        vec("bn_s1.weight")?,
        vec("bn_s1.bias")?,
    );
    let (mean, var) = (vec("bn_s1.running_mean")?, vec("bn_s1.running_var")?);
    let per_out = w.data.len() / out;
    let mut weight = Vec::with_capacity(w.data.len());
    let mut folded_bias = Vec::with_capacity(out);
    for o in 0..out {
        let scale = f64::from(gamma.data[o]) / (f64::from(var.data[o]) + BN_EPS).sqrt();
        weight.extend(
            w.data[o * per_out..(o + 1) * per_out]
                .iter()
                .map(|&v| (f64::from(v) * scale) as f32),
        );
        folded_bias.push(
            ((f64::from(bias.data[o]) - f64::from(mean.data[o])) * scale + f64::from(beta.data[o]))
                as f32,
        );
    }
    let mut conv = Conv::upload(weight, shape, folded_bias, device);
    conv.dilation = dilation;
    Ok(conv)
}

fn apply(conv: &Conv, x: Tensor<4>) -> Tensor<4> {
    relu(conv.forward(x))
}

fn pool(x: Tensor<4>) -> Tensor<4> {
    let mut options = MaxPoolOptions::new([2, 2]);
    options.ceil_mode = true;
    max_pool2d(x, options)
}

/// Bilinear resize to `[h, w]`, half-pixel centres (PyTorch's `align_corners=False`).
fn resize(x: Tensor<4>, size: [usize; 2]) -> Tensor<4> {
    let [_, _, h, w] = x.dims();
    if [h, w] == size {
        return x;
    }
    let mut options = InterpolateOptions::new(InterpolateMode::Bilinear);
    options.align_corners = false;
    options.output_size = Some(size);
    interpolate(x, options)
}

fn spatial(x: &Tensor<4>) -> [usize; 2] {
    let [_, _, h, w] = x.dims();
    [h, w]
}

/// A residual U-block: RSU-L (`pooled`, heights 4–7) or RSU-4F (dilated, no pooling).
struct Rsu {
    input: Conv,
    encoder: Vec<Conv>,
    decoder: Vec<Conv>,
    pooled: bool,
}

impl Rsu {
    fn load(
        map: &TensorMap,
        prefix: &str,
        height: usize,
        pooled: bool,
        inputs: usize,
        device: &Device,
    ) -> Result<Self> {
        let input = rebn(map, &format!("{prefix}.rebnconvin"), inputs, 1, device)?;
        let out = input.outputs();
        let mut encoder = Vec::with_capacity(height);
        let mut channels = out;
        for i in 1..=height {
            // RSU-L: dilation 1 except the deepest (2); RSU-4F: 1, 2, 4, 8.
            let dilation = match (pooled, i == height) {
                (true, true) => 2,
                (true, false) => 1,
                (false, _) => 1 << (i - 1),
            };
            let conv = rebn(
                map,
                &format!("{prefix}.rebnconv{i}"),
                channels,
                dilation,
                device,
            )?;
            channels = conv.outputs();
            encoder.push(conv);
        }
        let mid = channels;
        let mut decoder = Vec::with_capacity(height - 1);
        for i in (1..height).rev() {
            let dilation = if pooled { 1 } else { 1 << (i - 1) };
            decoder.push(rebn(
                map,
                &format!("{prefix}.rebnconv{i}d"),
                2 * mid,
                dilation,
                device,
            )?);
        }
        if decoder.last().map(Conv::outputs) != Some(out) {
            return Err(invalid(format!(
                "`{prefix}.rebnconv1d` must give the block's {out} output channels"
            )));
        }
        Ok(Self {
            input,
            encoder,
            decoder,
            pooled,
        })
    }

    fn outputs(&self) -> usize {
        self.input.outputs()
    }

    fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        let xin = apply(&self.input, x);
        let height = self.encoder.len();
        let mut skips: Vec<Tensor<4>> = Vec::with_capacity(height);
        let mut h = xin.clone();
        for (i, conv) in self.encoder.iter().enumerate() {
            // Pool before levels 2..height-1 of an RSU-L; the deepest level is dilated instead.
            if self.pooled && i > 0 && i < height - 1 {
                h = pool(h);
            }
            h = apply(conv, h);
            skips.push(h.clone());
        }
        // skips[height-1] is the deepest; the decoder walks back up.
        let mut d = h;
        for (k, conv) in self.decoder.iter().enumerate() {
            let skip = &skips[height - 2 - k];
            if self.pooled && k > 0 {
                d = resize(d, spatial(skip));
            }
            d = apply(conv, Tensor::cat(vec![d, skip.clone()], 1));
        }
        d + xin
    }
}

/// A loaded IS-Net.
pub struct IsNet {
    conv_in: Conv,
    encoder: Vec<Rsu>,
    decoder: Vec<Rsu>,
    side: Conv,
    device: Device,
}

impl std::fmt::Debug for IsNet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IsNet")
            .field("stages", &(self.encoder.len() + self.decoder.len()))
            .finish_non_exhaustive()
    }
}

/// `(height, pooled)` of the encoder stages 1–6 and decoder stages 5d–1d.
const ENCODER: [(usize, bool); 6] = [
    (7, true),
    (6, true),
    (5, true),
    (4, true),
    (4, false),
    (4, false),
];
const DECODER: [(usize, bool); 5] = [(4, false), (4, true), (5, true), (6, true), (7, true)];

impl IsNet {
    /// Builds the network from a state dict (keys as in the module docs, optionally under
    /// `net.` or `module.`).
    pub fn from_state_dict(map: &TensorMap, device: &Device) -> Result<Self> {
        let prefix = ["", "net.", "module."]
            .into_iter()
            .find(|p| map.contains_key(&format!("{p}conv_in.weight")))
            .ok_or_else(|| invalid("no `conv_in.weight`: not an IS-Net state dict"))?;
        let stripped: TensorMap;
        let map = if prefix.is_empty() {
            map
        } else {
            stripped = map
                .iter()
                .filter_map(|(k, v)| k.strip_prefix(prefix).map(|k| (k.to_owned(), v.clone())))
                .collect();
            &stripped
        };
        let mut conv_in = Conv::plain(map, "conv_in", 3, device)?;
        conv_in.stride = 2;
        let mut encoder = Vec::with_capacity(ENCODER.len());
        let mut channels = conv_in.outputs();
        for (i, &(height, pooled)) in ENCODER.iter().enumerate() {
            let rsu = Rsu::load(
                map,
                &format!("stage{}", i + 1),
                height,
                pooled,
                channels,
                device,
            )?;
            channels = rsu.outputs();
            encoder.push(rsu);
        }
        let mut decoder = Vec::with_capacity(DECODER.len());
        for (k, &(height, pooled)) in DECODER.iter().enumerate() {
            let stage = DECODER.len() - k; // 5d, 4d, …, 1d
            let skip = encoder[stage - 1].outputs();
            let rsu = Rsu::load(
                map,
                &format!("stage{stage}d"),
                height,
                pooled,
                channels + skip,
                device,
            )?;
            channels = rsu.outputs();
            decoder.push(rsu);
        }
        let side = Conv::plain(map, "side1", channels, device)?;
        if side.outputs() != 1 {
            return Err(invalid("`side1` must have one output channel"));
        }
        Ok(Self {
            conv_in,
            encoder,
            decoder,
            side,
            device: device.clone(),
        })
    }

    /// `[N, 3, H, W]` (normalised as the model expects) → foreground probability
    /// `[N, 1, H, W]` in `[0, 1]`.
    pub fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        let size = spatial(&x);
        let mut h = self.conv_in.forward(x);
        let mut skips = Vec::with_capacity(self.encoder.len());
        for (i, stage) in self.encoder.iter().enumerate() {
            if i > 0 {
                h = pool(h);
            }
            h = stage.forward(h);
            skips.push(h.clone());
        }
        let mut d = h;
        for (k, stage) in self.decoder.iter().enumerate() {
            let skip = &skips[skips.len() - 2 - k];
            d = resize(d, spatial(skip));
            d = stage.forward(Tensor::cat(vec![d, skip.clone()], 1));
        }
        sigmoid(resize(self.side.forward(d), size))
    }

    /// Runs the network on a host tensor `[1, 3, H, W]` and returns `[1, 1, H, W]`.
    pub fn run(&self, input: &HostTensor) -> Result<HostTensor> {
        let (h, w) = match input.shape[..] {
            [1, 3, h, w] if h > 0 && w > 0 => (h, w),
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
        let x = Tensor::from_data(
            TensorData::new(input.data.clone(), [1, 3, h, w]),
            &self.device,
        );
        let data = crate::lama::processing::to_vec(self.forward(x))?;
        HostTensor::new(vec![1, 1, h, w], data)
    }
}
