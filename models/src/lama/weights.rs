//! Reading the generator's tensors from a [`TensorMap`] and folding every BatchNorm into the
//! convolution before it, in `f64` on the host (spec 4.4).
//!
//! Keys follow the traced release (`model.generator.model.<idx>.…`, spec 2.1); the prefix is
//! detected, so a Lightning checkpoint (`generator.model.`) or a bare generator state dict
//! (`model.`) load as well. Every missing key or wrong shape is an
//! [`Error::InvalidWeights`] naming the full key.

use burn::tensor::{Device, Tensor, TensorData};

use super::config::LamaConfig;
use super::tap_gemm::Taps;
use crate::tensor_map::{HostTensor, TensorMap};
use crate::{Error, Result};

/// BatchNorm2d's epsilon (PyTorch default, used by every BN in LaMa).
const BN_EPS: f64 = 1e-5;

/// Prefixes tried in order, most specific first.
const PREFIXES: [&str; 3] = ["model.generator.model.", "generator.model.", "model."];

/// Looks tensors up under the detected prefix.
pub(crate) struct Loader<'a> {
    map: &'a TensorMap,
    prefix: &'static str,
    device: Device,
}

/// A convolution weight (PyTorch layout) with an optional bias, on the host, after folding.
#[derive(Debug, Clone)]
pub(crate) struct HostConv {
    /// PyTorch's layout (`[out, in, kh, kw]`, or `[in, out, kh, kw]` for transposed convs).
    pub shape: [usize; 4],
    /// Row-major weights.
    pub weight: Vec<f64>,
    /// Per output channel bias.
    pub bias: Option<Vec<f64>>,
}

/// An affine per-channel map `x · scale + shift` (a BatchNorm in eval mode).
#[derive(Debug, Clone)]
pub(crate) struct Affine {
    pub scale: Vec<f64>,
    pub shift: Vec<f64>,
}

impl<'a> Loader<'a> {
    /// Detects the key prefix from the stem conv (`1.ffc.convl2l.weight`).
    pub fn new(map: &'a TensorMap, device: &Device) -> Result<Self> {
        let probe = "1.ffc.convl2l.weight";
        let prefix = PREFIXES
            .into_iter()
            .find(|p| map.contains_key(&format!("{p}{probe}")))
            .ok_or_else(|| {
                Error::InvalidWeights(format!(
                    "no LaMa generator found: none of {} exists ({} tensors in the file)",
                    PREFIXES
                        .iter()
                        .map(|p| format!("`{p}{probe}`"))
                        .collect::<Vec<_>>()
                        .join(", "),
                    map.len()
                ))
            })?;
        Ok(Self {
            map,
            prefix,
            device: device.clone(),
        })
    }

    /// The shape of `<prefix><key>`, if present.
    fn shape_of(&self, key: &str) -> Option<&'a [usize]> {
        self.map
            .get(&format!("{}{key}", self.prefix))
            .map(|t| t.shape.as_slice())
    }

    /// Reads the architecture off the tensor shapes: `ngf` and input channels from the stem,
    /// downsamplers and resnet blocks by counting their keys, the global ratio from the first
    /// block's `convl2g`, output channels from the head. big-lama and anime-lama give
    /// [`LamaConfig::big_lama`]; smaller test generators load with their own sizes. Shapes are
    /// checked again, key by key, when the generator is built.
    pub fn infer_config(&self) -> Result<LamaConfig> {
        let bad = |what: &str| Error::InvalidWeights(format!("not a LaMa generator: {what}"));
        let stem = self
            .shape_of("1.ffc.convl2l.weight")
            .filter(|s| s.len() == 4)
            .ok_or_else(|| bad("no 4-D stem convolution"))?;
        let (ngf, input_nc) = (stem[0], stem[1]);
        let mut n_downsampling = 0;
        while self
            .shape_of(&format!("{}.ffc.convl2l.weight", 2 + n_downsampling))
            .is_some()
        {
            n_downsampling += 1;
        }
        let first_block = 2 + n_downsampling;
        let mut n_blocks = 0;
        while self
            .shape_of(&format!(
                "{}.conv1.ffc.convl2l.weight",
                first_block + n_blocks
            ))
            .is_some()
        {
            n_blocks += 1;
        }
        if n_downsampling == 0 || n_blocks == 0 {
            return Err(bad("no downsamplers or no resnet blocks"));
        }
        let l2g = self
            .shape_of(&format!("{first_block}.conv1.ffc.convl2g.weight"))
            .filter(|s| s.len() == 4)
            .ok_or_else(|| bad("the first block has no convl2g"))?;
        let (global, local) = (l2g[0], l2g[1]);
        let bottleneck = global + local;
        let mut config = LamaConfig {
            input_nc,
            ngf,
            n_downsampling,
            n_blocks,
            // `int(bottleneck · ratio)` must give `global` back: nudge off the float boundary.
            global_ratio: (global as f64 + 0.25) / bottleneck as f64,
            ..LamaConfig::big_lama()
        };
        if bottleneck < ngf << n_downsampling {
            config.max_features = bottleneck;
        }
        if let Some(head) = self.shape_of(&format!("{}.weight", config.head_index())) {
            config.output_nc = head.first().copied().unwrap_or(config.output_nc);
        }
        Ok(config)
    }

    /// The tensor `<prefix><key>`, checked against `shape`.
    pub fn tensor(&self, key: &str, shape: &[usize]) -> Result<&'a HostTensor> {
        let full = format!("{}{key}", self.prefix);
        let t = self
            .map
            .get(&full)
            .ok_or_else(|| Error::InvalidWeights(format!("missing tensor `{full}`")))?;
        if t.shape != shape {
            return Err(Error::InvalidWeights(format!(
                "tensor `{full}` has shape {:?}, expected {shape:?}",
                t.shape
            )));
        }
        Ok(t)
    }

    /// A bias-free conv weight `[out, in, k, k]`.
    pub fn conv(&self, key: &str, out: usize, inp: usize, k: usize) -> Result<HostConv> {
        let shape = [out, inp, k, k];
        let t = self.tensor(&format!("{key}.weight"), &shape)?;
        Ok(HostConv {
            shape,
            weight: widen(&t.data),
            bias: None,
        })
    }

    /// A conv weight with its bias (`<key>.weight`, `<key>.bias`); `transposed` means the
    /// ConvTranspose2d layout `[in, out, k, k]`.
    pub fn conv_with_bias(
        &self,
        key: &str,
        out: usize,
        inp: usize,
        k: usize,
        transposed: bool,
    ) -> Result<HostConv> {
        let shape = if transposed {
            [inp, out, k, k]
        } else {
            [out, inp, k, k]
        };
        let w = self.tensor(&format!("{key}.weight"), &shape)?;
        let b = self.tensor(&format!("{key}.bias"), &[out])?;
        Ok(HostConv {
            shape,
            weight: widen(&w.data),
            bias: Some(widen(&b.data)),
        })
    }

    /// BatchNorm `<key>.{weight,bias,running_mean,running_var}` as `scale = γ / √(σ² + ε)`,
    /// `shift = β − μ · scale`.
    pub fn batch_norm(&self, key: &str, c: usize) -> Result<Affine> {
        let g = self.tensor(&format!("{key}.weight"), &[c])?;
        let b = self.tensor(&format!("{key}.bias"), &[c])?;
        let m = self.tensor(&format!("{key}.running_mean"), &[c])?;
        let v = self.tensor(&format!("{key}.running_var"), &[c])?;
        let mut scale = Vec::with_capacity(c);
        let mut shift = Vec::with_capacity(c);
        let stats = g.data.iter().zip(&b.data).zip(m.data.iter().zip(&v.data));
        for (i, ((&gamma, &beta), (&mean, &var))) in stats.enumerate() {
            let var = f64::from(var);
            if var + BN_EPS <= 0.0 || !var.is_finite() {
                return Err(Error::InvalidWeights(format!(
                    "tensor `{}{key}.running_var` has the invalid value {var} at {i}",
                    self.prefix
                )));
            }
            let s = f64::from(gamma) / (var + BN_EPS).sqrt();
            scale.push(s);
            shift.push(f64::from(beta) - f64::from(mean) * s);
        }
        Ok(Affine { scale, shift })
    }

    /// Whether convolutions run as per-tap GEMMs ([`super::tap_gemm`]): on the Flex CPU
    /// backend, where they beat its im2col `conv2d`; GPUs keep burn's convolution kernels.
    pub fn uses_tap_gemm(&self) -> bool {
        self.device == Device::flex()
    }

    /// Uploads a host conv (`[out, in, k, k]`) as one `[out, in]` matrix per tap
    /// (`ky · k + kx`) and a bias column.
    pub fn taps(&self, conv: &HostConv) -> Taps {
        let [out, inp, k, _] = conv.shape;
        let kk = k * k;
        let matrices = (0..kk)
            .map(|t| {
                let mut m = Vec::with_capacity(out * inp);
                for o in 0..out {
                    for i in 0..inp {
                        m.push(conv.weight[(o * inp + i) * kk + t] as f32);
                    }
                }
                Tensor::from_data(TensorData::new(m, [out, inp]), &self.device)
            })
            .collect();
        let bias = conv
            .bias
            .as_ref()
            .map(|b| Tensor::from_data(TensorData::new(narrow(b), [b.len(), 1]), &self.device));
        Taps { matrices, bias, k }
    }

    /// Uploads a host conv as `(weight, bias)` tensors in PyTorch's layout.
    pub fn upload(&self, conv: &HostConv) -> (Tensor<4>, Option<Tensor<1>>) {
        let w = Tensor::from_data(
            TensorData::new(narrow(&conv.weight), conv.shape),
            &self.device,
        );
        let b = conv
            .bias
            .as_ref()
            .map(|b| Tensor::from_data(TensorData::new(narrow(b), [b.len()]), &self.device));
        (w, b)
    }
}

impl HostConv {
    /// Output channels (axis 0, or axis 1 for `transposed`).
    fn out_axis(&self, transposed: bool) -> (usize, usize) {
        let [a, b, kh, kw] = self.shape;
        if transposed {
            (b, kh * kw)
        } else {
            (a, b * kh * kw)
        }
    }

    /// Folds a following affine map: scales output channel `o` by `scale[o]` and sets
    /// `bias = bias · scale + shift` (or `shift` alone); `with_shift = false` only scales
    /// (weights and any bias).
    pub fn fold(mut self, bn: &Affine, with_shift: bool, transposed: bool) -> Self {
        let (outs, inner) = self.out_axis(transposed);
        debug_assert_eq!(outs, bn.scale.len());
        // Transposed weights are `[in, out, k, k]`: the output axis repeats per input channel.
        let per_input = if transposed {
            outs * inner
        } else {
            self.weight.len()
        };
        for block in self.weight.chunks_mut(per_input.max(1)) {
            for (row, &s) in block.chunks_mut(inner.max(1)).zip(&bn.scale) {
                row.iter_mut().for_each(|v| *v *= s);
            }
        }
        if let Some(b) = &mut self.bias {
            b.iter_mut().zip(&bn.scale).for_each(|(v, &s)| *v *= s);
        }
        if with_shift {
            let bias = self.bias.get_or_insert_with(|| vec![0.0; outs]);
            bias.iter_mut().zip(&bn.shift).for_each(|(v, &t)| *v += t);
        }
        self
    }

    /// Concatenates convs along the input axis (same output channels and kernel); the
    /// first one's bias is kept.
    pub fn cat_inputs(parts: &[HostConv]) -> Self {
        let [out, _, kh, kw] = parts[0].shape;
        let inp: usize = parts.iter().map(|p| p.shape[1]).sum();
        let mut weight = Vec::with_capacity(out * inp * kh * kw);
        for o in 0..out {
            for p in parts {
                let row = p.shape[1] * kh * kw;
                weight.extend_from_slice(&p.weight[o * row..(o + 1) * row]);
            }
        }
        Self {
            shape: [out, inp, kh, kw],
            weight,
            bias: parts[0].bias.clone(),
        }
    }

    /// Concatenates convs along the output axis (same inputs and kernel); biases are
    /// concatenated (missing ones as zeros).
    pub fn cat_outputs(parts: &[HostConv]) -> Self {
        let [_, inp, kh, kw] = parts[0].shape;
        let out: usize = parts.iter().map(|p| p.shape[0]).sum();
        let weight = parts
            .iter()
            .flat_map(|p| p.weight.iter().copied())
            .collect();
        let bias = parts
            .iter()
            .flat_map(|p| p.bias.clone().unwrap_or_else(|| vec![0.0; p.shape[0]]))
            .collect();
        Self {
            shape: [out, inp, kh, kw],
            weight,
            bias: Some(bias),
        }
    }

    /// Reorders output and input channels of a (non-transposed) conv: new channel `i` is
    /// old channel `perm[i]`.
    pub fn permute_channels(&self, perm_out: &[usize], perm_in: &[usize]) -> Self {
        let [out, inp, kh, kw] = self.shape;
        let k = kh * kw;
        let mut weight = vec![0.0; self.weight.len()];
        for (o_new, &o_old) in perm_out.iter().enumerate() {
            for (i_new, &i_old) in perm_in.iter().enumerate() {
                let src = (o_old * inp + i_old) * k;
                let dst = (o_new * inp + i_new) * k;
                weight[dst..dst + k].copy_from_slice(&self.weight[src..src + k]);
            }
        }
        let bias = self
            .bias
            .as_ref()
            .map(|b| perm_out.iter().map(|&o| b[o]).collect());
        debug_assert_eq!(perm_out.len(), out);
        Self {
            shape: self.shape,
            weight,
            bias,
        }
    }
}

fn widen(v: &[f32]) -> Vec<f64> {
    v.iter().map(|&x| f64::from(x)).collect()
}

fn narrow(v: &[f64]) -> Vec<f32> {
    v.iter().map(|&x| x as f32).collect()
}

/// The channel order of a FourierUnit's spectrum in mend (`[re_0 … re_{C-1}, im_0 …]`) in
/// terms of PyTorch's interleaved order (`[re_0, im_0, re_1, …]`): `perm[new] = old`.
pub(crate) fn spectrum_permutation(c: usize) -> Vec<usize> {
    (0..c)
        .map(|i| 2 * i)
        .chain((0..c).map(|i| 2 * i + 1))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conv(shape: [usize; 4], bias: Option<Vec<f64>>) -> HostConv {
        let n = shape.iter().product();
        HostConv {
            shape,
            weight: (0..n).map(|i| i as f64).collect(),
            bias,
        }
    }

    #[test]
    fn fold_scales_the_output_axis() {
        let bn = Affine {
            scale: vec![2.0, 3.0],
            shift: vec![0.5, -1.0],
        };
        let c = conv([2, 1, 1, 2], None).fold(&bn, true, false);
        assert_eq!(c.weight, [0.0, 2.0, 6.0, 9.0]);
        assert_eq!(c.bias.unwrap(), [0.5, -1.0]);
        // Transposed: [in 1, out 2, 1, 2], bias 1 each.
        let t = conv([1, 2, 1, 2], Some(vec![1.0, 1.0])).fold(&bn, true, true);
        assert_eq!(t.weight, [0.0, 2.0, 6.0, 9.0]);
        assert_eq!(t.bias.unwrap(), [2.5, 2.0]);
    }

    #[test]
    fn permutation_interleaves() {
        assert_eq!(spectrum_permutation(3), [0, 2, 4, 1, 3, 5]);
        let c = conv([2, 2, 1, 1], Some(vec![7.0, 8.0]));
        let p = c.permute_channels(&[1, 0], &[1, 0]);
        assert_eq!(p.weight, [3.0, 2.0, 1.0, 0.0]);
        assert_eq!(p.bias.unwrap(), [8.0, 7.0]);
    }

    #[test]
    fn concatenation() {
        let a = conv([2, 1, 1, 1], None);
        let b = conv([2, 2, 1, 1], None);
        let c = HostConv::cat_inputs(&[a.clone(), b]);
        assert_eq!(c.shape, [2, 3, 1, 1]);
        assert_eq!(c.weight, [0.0, 0.0, 1.0, 1.0, 2.0, 3.0]);
        let d = HostConv::cat_outputs(&[a.clone(), a]);
        assert_eq!(d.shape, [4, 1, 1, 1]);
        assert_eq!(d.bias.unwrap(), [0.0; 4]);
    }
}
