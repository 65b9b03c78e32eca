//! MI-GAN's state dict → checked host weights, and the architecture read off it.
//!
//! Keys (as in the traced `migan_traced.pt`, optionally under a common prefix):
//! `encoder.b{R}.fromrgb.{weight,bias}` at the top resolution `R`; per block
//! `{encoder,synthesis}.b{r}.conv{1,2}` separable convolutions with `conv1.{weight,bias}`
//! (depthwise 3×3), `conv2.weight` (1×1), and where the block resamples
//! `downsample.filter.weight` (depthwise 4×4) or `upsample.{insert_zeros,filter}.weight`;
//! synthesis convolutions at `r ≥ 8` add `noise_const` (`[r, r]`) and `noise_strength`;
//! `synthesis.b{r}.torgb.{weight,bias}` and `synthesis.b{r}.upsample.*` for the RGB path.
//! Widths and `R` come from the shapes; every error names the key.

use crate::tensor_map::{HostTensor, TensorMap};
use crate::{Error, Result};

/// The largest resolution accepted (the release is 512).
const MAX_RESOLUTION: usize = 4096;

/// A 1×1 convolution with bias (`fromrgb`, `torgb`): `weight` is `[out, in]` row-major.
#[derive(Debug, Clone)]
pub(crate) struct Pointwise {
    pub inputs: usize,
    pub outputs: usize,
    pub weight: Vec<f32>,
    pub bias: Vec<f32>,
}

/// One separable convolution (see the module docs of [`super`]).
#[derive(Debug, Clone)]
pub(crate) struct SepConv {
    pub inputs: usize,
    pub outputs: usize,
    /// Depthwise 3×3 weights, `[inputs, 3, 3]`.
    pub depthwise: Vec<f32>,
    /// Depthwise bias, `[inputs]`.
    pub depthwise_bias: Vec<f32>,
    /// 1×1 weights without bias, `[outputs, inputs]`.
    pub pointwise: Vec<f32>,
    /// 2× down between the activation and the 1×1: depthwise 4×4 filters, `[inputs, 4, 4]`.
    pub down: Option<Vec<f32>>,
    /// 2× up after the 1×1: depthwise 4×4 filters, `[outputs, 4, 4]`.
    pub up: Option<Vec<f32>>,
    /// `noise_const · noise_strength` (`[r, r]`), added before the last activation.
    pub noise: Option<Vec<f32>>,
}

/// An encoder block: `conv1` (its output is the skip feature), `conv2` (2× down except at 4×4).
#[derive(Debug, Clone)]
pub(crate) struct EncoderBlock {
    pub resolution: usize,
    pub fromrgb: Option<Pointwise>,
    pub conv1: SepConv,
    pub conv2: SepConv,
}

/// A synthesis block: `conv1` (2× up except at 4×4), the skip added, `conv2`, `torgb`; the RGB
/// image so far is upsampled with `upsample` (4×4 filters `[3, 4, 4]`, none at 4×4).
#[derive(Debug, Clone)]
pub(crate) struct SynthesisBlock {
    pub resolution: usize,
    pub conv1: SepConv,
    pub conv2: SepConv,
    pub torgb: Pointwise,
    pub upsample: Option<Vec<f32>>,
}

/// The whole generator's weights, blocks in run order: encoder `R … 8, 4`, synthesis
/// `4, 8 … R`.
#[derive(Debug, Clone)]
pub(crate) struct MiganWeights {
    pub resolution: usize,
    pub encoder: Vec<EncoderBlock>,
    pub synthesis: Vec<SynthesisBlock>,
}

fn invalid(msg: impl Into<String>) -> Error {
    Error::InvalidWeights(msg.into())
}

struct Reader<'a> {
    map: &'a TensorMap,
    prefix: String,
}

impl Reader<'_> {
    fn key(&self, name: &str) -> String {
        format!("{}{name}", self.prefix)
    }

    fn has(&self, name: &str) -> bool {
        self.map.contains_key(&self.key(name))
    }

    /// The tensor `name` with exactly `shape` (a scalar may be `[]` or `[1]`).
    fn get(&self, name: &str, shape: &[usize]) -> Result<&HostTensor> {
        let key = self.key(name);
        let t = self
            .map
            .get(&key)
            .ok_or_else(|| invalid(format!("missing key `{key}`")))?;
        let scalar_ok = shape.is_empty() && t.shape == [1];
        if t.shape != shape && !scalar_ok {
            return Err(invalid(format!(
                "`{key}` has shape {:?}; expected {shape:?}",
                t.shape
            )));
        }
        Ok(t)
    }

    /// The first dimension of a 4-D tensor `name` (its output channels).
    fn outputs(&self, name: &str) -> Result<usize> {
        let key = self.key(name);
        let t = self
            .map
            .get(&key)
            .ok_or_else(|| invalid(format!("missing key `{key}`")))?;
        match t.shape[..] {
            [o, _, _, _] if o > 0 => Ok(o),
            _ => Err(invalid(format!(
                "`{key}` has shape {:?}; a 4-D convolution weight was expected",
                t.shape
            ))),
        }
    }

    fn pointwise(&self, name: &str, inputs: usize) -> Result<Pointwise> {
        let outputs = self.outputs(&format!("{name}.weight"))?;
        let weight = self.get(&format!("{name}.weight"), &[outputs, inputs, 1, 1])?;
        let bias = self.get(&format!("{name}.bias"), &[outputs])?;
        Ok(Pointwise {
            inputs,
            outputs,
            weight: weight.data.clone(),
            bias: bias.data.clone(),
        })
    }

    /// A 2× up: the zero-inserting transposed convolution must be the plain one
    /// (`[[1, 0], [0, 0]]` per channel); its 4×4 filters are returned.
    fn upsample(&self, name: &str, channels: usize) -> Result<Vec<f32>> {
        let zeros = self.get(&format!("{name}.insert_zeros.weight"), &[channels, 1, 2, 2])?;
        if zeros
            .data
            .chunks_exact(4)
            .any(|k| k != [1.0, 0.0, 0.0, 0.0])
        {
            return Err(invalid(format!(
                "`{}` is not [[1, 0], [0, 0]] per channel; only zero insertion is supported",
                self.key(&format!("{name}.insert_zeros.weight"))
            )));
        }
        let filter = self.get(&format!("{name}.filter.weight"), &[channels, 1, 4, 4])?;
        Ok(filter.data.clone())
    }

    fn sep(&self, name: &str, inputs: usize, noise_side: Option<usize>) -> Result<SepConv> {
        let depthwise = self.get(&format!("{name}.conv1.weight"), &[inputs, 1, 3, 3])?;
        let depthwise_bias = self.get(&format!("{name}.conv1.bias"), &[inputs])?;
        let outputs = self.outputs(&format!("{name}.conv2.weight"))?;
        let pointwise = self.get(&format!("{name}.conv2.weight"), &[outputs, inputs, 1, 1])?;
        let down = if self.has(&format!("{name}.downsample.filter.weight")) {
            let f = self.get(
                &format!("{name}.downsample.filter.weight"),
                &[inputs, 1, 4, 4],
            )?;
            Some(f.data.clone())
        } else {
            None
        };
        let up = if self.has(&format!("{name}.upsample.filter.weight")) {
            Some(self.upsample(&format!("{name}.upsample"), outputs)?)
        } else {
            None
        };
        let noise = match noise_side {
            Some(side) if self.has(&format!("{name}.noise_const")) => {
                let c = self.get(&format!("{name}.noise_const"), &[side, side])?;
                let s = self.get(&format!("{name}.noise_strength"), &[])?;
                let strength = s.data.first().copied().unwrap_or(0.0);
                Some(c.data.iter().map(|v| v * strength).collect())
            }
            _ => None,
        };
        Ok(SepConv {
            inputs,
            outputs,
            depthwise: depthwise.data.clone(),
            depthwise_bias: depthwise_bias.data.clone(),
            pointwise: pointwise.data.clone(),
            down,
            up,
            noise,
        })
    }
}

impl MiganWeights {
    /// Reads and checks a MI-GAN generator state dict (see the module docs).
    pub(crate) fn from_state_dict(map: &TensorMap) -> Result<Self> {
        const ANCHOR: &str = "encoder.b4.conv1.conv1.weight";
        let prefix = map
            .keys()
            .find_map(|k| k.strip_suffix(ANCHOR))
            .ok_or_else(|| invalid(format!("no `{ANCHOR}`: not a MI-GAN generator state dict")))?
            .to_owned();
        let r = Reader { map, prefix };
        let resolution = (3..=MAX_RESOLUTION.ilog2())
            .map(|l| 1usize << l)
            .filter(|res| r.has(&format!("encoder.b{res}.fromrgb.weight")))
            .max()
            .ok_or_else(|| {
                invalid(format!(
                    "missing `{}`",
                    r.key("encoder.b{R}.fromrgb.weight")
                ))
            })?;
        let levels: Vec<usize> = (3..=resolution.ilog2())
            .rev()
            .map(|l| 1usize << l)
            .collect();

        let mut encoder = Vec::with_capacity(levels.len() + 1);
        let mut channels = 4usize;
        for (i, &res) in levels.iter().enumerate() {
            let name = format!("encoder.b{res}");
            let fromrgb = if i == 0 {
                let p = r.pointwise(&format!("{name}.fromrgb"), 4)?;
                channels = p.outputs;
                Some(p)
            } else {
                None
            };
            let conv1 = r.sep(&format!("{name}.conv1"), channels, None)?;
            let conv2 = r.sep(&format!("{name}.conv2"), conv1.outputs, None)?;
            if conv2.down.is_none() {
                return Err(invalid(format!(
                    "missing key `{}`",
                    r.key(&format!("{name}.conv2.downsample.filter.weight"))
                )));
            }
            channels = conv2.outputs;
            encoder.push(EncoderBlock {
                resolution: res,
                fromrgb,
                conv1,
                conv2,
            });
        }
        let conv1 = r.sep("encoder.b4.conv1", channels, None)?;
        let conv2 = r.sep("encoder.b4.conv2", conv1.outputs, None)?;
        channels = conv2.outputs;
        encoder.push(EncoderBlock {
            resolution: 4,
            fromrgb: None,
            conv1,
            conv2,
        });

        // Skip widths by resolution, to check the additions line up.
        let skip = |res: usize| {
            encoder
                .iter()
                .find(|b| b.resolution == res)
                .map_or(0, |b| b.conv1.outputs)
        };
        let mut synthesis = Vec::with_capacity(levels.len() + 1);
        for res in std::iter::once(4).chain(levels.iter().rev().copied()) {
            let name = format!("synthesis.b{res}");
            let noise = (res > 4).then_some(res);
            let conv1 = r.sep(&format!("{name}.conv1"), channels, noise)?;
            if conv1.outputs != skip(res) {
                return Err(invalid(format!(
                    "`{}` has {} outputs but the encoder's skip at {res}×{res} has {} channels",
                    r.key(&format!("{name}.conv1.conv2.weight")),
                    conv1.outputs,
                    skip(res)
                )));
            }
            if (res > 4) != conv1.up.is_some() {
                return Err(invalid(format!(
                    "`{}` must upsample exactly when the block is above 4×4",
                    r.key(&format!("{name}.conv1"))
                )));
            }
            let conv2 = r.sep(&format!("{name}.conv2"), conv1.outputs, noise)?;
            let torgb = r.pointwise(&format!("{name}.torgb"), conv2.outputs)?;
            if torgb.outputs != 3 {
                return Err(invalid(format!(
                    "`{}` has {} outputs; RGB (3) was expected",
                    r.key(&format!("{name}.torgb.weight")),
                    torgb.outputs
                )));
            }
            let upsample = if res > 4 {
                Some(r.upsample(&format!("{name}.upsample"), 3)?)
            } else {
                None
            };
            channels = conv2.outputs;
            synthesis.push(SynthesisBlock {
                resolution: res,
                conv1,
                conv2,
                torgb,
                upsample,
            });
        }
        Ok(Self {
            resolution,
            encoder,
            synthesis,
        })
    }

    /// Number of weights (noise constants excluded), for logs.
    pub(crate) fn parameters(&self) -> usize {
        let sep = |s: &SepConv| {
            s.depthwise.len()
                + s.depthwise_bias.len()
                + s.pointwise.len()
                + s.down.as_ref().map_or(0, Vec::len)
                + s.up.as_ref().map_or(0, Vec::len)
        };
        let pw = |p: &Pointwise| p.weight.len() + p.bias.len();
        self.encoder
            .iter()
            .map(|b| sep(&b.conv1) + sep(&b.conv2) + b.fromrgb.as_ref().map_or(0, pw))
            .chain(self.synthesis.iter().map(|b| {
                sep(&b.conv1)
                    + sep(&b.conv2)
                    + pw(&b.torgb)
                    + b.upsample.as_ref().map_or(0, Vec::len)
            }))
            .sum()
    }
}
