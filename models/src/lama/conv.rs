//! The convolution primitives the generator is made of: padding-free convolutions with folded
//! BatchNorm biases, stride-2 transposed convolutions, and reflect padding.

use burn::tensor::module::{conv_transpose2d, conv2d};
use burn::tensor::ops::{ConvOptions, ConvTransposeOptions, PadMode};
use burn::tensor::Tensor;

use super::weights::{HostConv, Loader};

/// A `Valid` (padding 0) 2-D convolution, PyTorch weight layout `[out, in, kh, kw]`.
#[derive(Debug, Clone)]
pub(crate) struct Conv {
    weight: Tensor<4>,
    bias: Option<Tensor<1>>,
    stride: usize,
}

impl Conv {
    /// Uploads `host` (already folded).
    pub fn new(loader: &Loader<'_>, host: &HostConv, stride: usize) -> Self {
        let (weight, bias) = loader.upload(host);
        Self {
            weight,
            bias,
            stride,
        }
    }

    /// `[N, in, H, W]` → `[N, out, (H − kh)/s + 1, (W − kw)/s + 1]`.
    pub fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        conv2d(
            x,
            self.weight.clone(),
            self.bias.clone(),
            ConvOptions::new([self.stride; 2], [0, 0], [1, 1], 1),
        )
    }
}

/// `ConvTranspose2d(k 3, stride 2, padding 1, output_padding 1)` with bias: doubles H and W.
/// Weight layout `[in, out, 3, 3]`.
#[derive(Debug, Clone)]
pub(crate) struct UpConv {
    weight: Tensor<4>,
    bias: Option<Tensor<1>>,
}

impl UpConv {
    /// Uploads `host` (already folded, transposed layout).
    pub fn new(loader: &Loader<'_>, host: &HostConv) -> Self {
        let (weight, bias) = loader.upload(host);
        Self { weight, bias }
    }

    /// `[N, in, h, w]` → `[N, out, 2h, 2w]`.
    pub fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        conv_transpose2d(
            x,
            self.weight.clone(),
            self.bias.clone(),
            ConvTransposeOptions::new([2, 2], [1, 1], [1, 1], [1, 1], 1),
        )
    }
}

/// PyTorch's `ReflectionPad2d(p)` (edge not repeated); needs `p < H` and `p < W`.
pub(crate) fn reflect_pad(x: Tensor<4>, p: usize) -> Tensor<4> {
    x.pad([(p, p), (p, p)], PadMode::Reflect)
}
