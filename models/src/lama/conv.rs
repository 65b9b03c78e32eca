//! The convolution primitives the generator is made of: padding-free convolutions with folded
//! BatchNorm biases, stride-2 transposed convolutions, and reflect padding.

use burn::tensor::Tensor;
use burn::tensor::module::{conv_transpose2d, conv2d};
use burn::tensor::ops::{ConvOptions, ConvTransposeOptions, PadMode};

use super::tap_gemm::{self, Taps};
use super::weights::{HostConv, Loader};

/// How a convolution's weights are held: burn's layout for `conv2d` (GPU), or one matrix per
/// tap for the shifted-view GEMMs of [`tap_gemm`] (CPU, see [`Loader::uses_tap_gemm`]).
#[derive(Debug, Clone)]
enum Kernel {
    // Boxed: a wgpu tensor handle is hundreds of bytes, and layers hold many kernels.
    Direct(Box<(Tensor<4>, Option<Tensor<1>>)>),
    Taps(Box<Taps>),
}

impl Kernel {
    /// Fewer input channels than this make each tap's GEMM too thin (`K` = inputs): the
    /// 4-channel stem stays on burn's small-channel convolution.
    const MIN_TAP_INPUTS: usize = 16;

    /// The tap form covers strides 1 and 2 (all LaMa uses); others stay direct.
    fn new(loader: &Loader<'_>, host: &HostConv, stride: usize) -> Self {
        if loader.uses_tap_gemm() && stride <= 2 && host.shape[1] >= Self::MIN_TAP_INPUTS {
            Self::Taps(Box::new(loader.taps(host)))
        } else {
            let (weight, bias) = loader.upload(host);
            Self::Direct(Box::new((weight, bias)))
        }
    }
}

/// Runs `f` on each batch item (`[1, …]`) and concatenates: the tap path works on one image.
fn per_item(x: Tensor<4>, f: impl Fn(Tensor<4>) -> Tensor<4>) -> Tensor<4> {
    let [n, c, h, w] = x.dims();
    if n == 1 {
        return f(x);
    }
    let items = (0..n)
        .map(|i| f(x.clone().slice([i..i + 1, 0..c, 0..h, 0..w])))
        .collect();
    Tensor::cat(items, 0)
}

/// A `Valid` (padding 0) 2-D convolution, PyTorch weight layout `[out, in, kh, kw]`.
#[derive(Debug, Clone)]
pub(crate) struct Conv {
    kernel: Kernel,
    stride: usize,
}

impl Conv {
    /// Uploads `host` (already folded).
    pub fn new(loader: &Loader<'_>, host: &HostConv, stride: usize) -> Self {
        Self {
            kernel: Kernel::new(loader, host, stride),
            stride,
        }
    }

    /// `[N, in, H, W]` → `[N, out, (H − kh)/s + 1, (W − kw)/s + 1]`.
    pub fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        match (&self.kernel, self.stride) {
            (Kernel::Taps(taps), 1) => per_item(x, |x| tap_gemm::conv_stride1(x, taps)),
            (Kernel::Taps(taps), _) => per_item(x, |x| tap_gemm::conv_stride2(x, taps)),
            (Kernel::Direct(direct), s) => conv2d(
                x,
                direct.0.clone(),
                direct.1.clone(),
                ConvOptions::new([s; 2], [0, 0], [1, 1], 1),
            ),
        }
    }
}

/// `ConvTranspose2d(k 3, stride 2, padding 1, output_padding 1)` with bias: doubles H and W.
/// Weight layout `[in, out, 3, 3]`. burn's own transposed convolution is used on every
/// backend: on the CPU it beat a four-output-phase tap form (0.37 s vs 0.92 s for big-lama's
/// upsamplers at 512², 2 threads).
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

/// A `Valid` k×k convolution with few output channels (the 7×7, 64 → 3 output head), computed
/// as one 1×1 convolution to `out · k²` "tap" planes followed by `k²` shifted adds.
///
/// An im2col convolution with 3 output channels is a gemm with M = 3 that streams a
/// `64·49`-row column matrix per pixel; the tap form is a well-shaped gemm (M = 147, K = 64)
/// plus cheap adds. It runs in horizontal strips so the tap planes stay small at any size.
#[derive(Debug, Clone)]
pub(crate) struct FewOutputsConv {
    /// `[out · k², in, 1, 1]`: row `o · k² + ky · k + kx` is tap `(ky, kx)` of output `o`.
    taps: Tensor<4>,
    bias: Option<Tensor<4>>,
    out: usize,
    k: usize,
}

impl FewOutputsConv {
    /// Output rows per strip.
    const STRIP_ROWS: usize = 64;

    /// Uploads `host` (`[out, in, k, k]` with optional bias).
    pub fn new(loader: &Loader<'_>, host: &HostConv) -> Self {
        let [out, inp, k, _] = host.shape;
        let kk = k * k;
        let mut taps = vec![0.0f64; out * kk * inp];
        for o in 0..out {
            for i in 0..inp {
                for t in 0..kk {
                    taps[(o * kk + t) * inp + i] = host.weight[(o * inp + i) * kk + t];
                }
            }
        }
        let tap_conv = HostConv {
            shape: [out * kk, inp, 1, 1],
            weight: taps,
            bias: None,
        };
        let (taps, _) = loader.upload(&tap_conv);
        let bias = host.bias.as_ref().map(|b| {
            let bias_conv = HostConv {
                shape: [1, out, 1, 1],
                weight: b.clone(),
                bias: None,
            };
            loader.upload(&bias_conv).0
        });
        Self { taps, bias, out, k }
    }

    /// `[N, in, H + k − 1, W + k − 1]` → `[N, out, H, W]`.
    pub fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        let [n, c, hp, wp] = x.dims();
        let (k, out) = (self.k, self.out);
        let (h, w) = (hp + 1 - k, wp + 1 - k);
        let mut strips = Vec::with_capacity(h.div_ceil(Self::STRIP_ROWS));
        let mut y0 = 0;
        while y0 < h {
            let rows = Self::STRIP_ROWS.min(h - y0);
            let input = x.clone().slice([0..n, 0..c, y0..y0 + rows + k - 1, 0..wp]);
            let z = conv2d(
                input,
                self.taps.clone(),
                None,
                ConvOptions::new([1, 1], [0, 0], [1, 1], 1),
            )
            .reshape([n, out, k * k, rows + k - 1, wp]);
            let mut acc: Option<Tensor<4>> = None;
            for t in 0..k * k {
                let (ky, kx) = (t / k, t % k);
                let tap = z
                    .clone()
                    .slice([0..n, 0..out, t..t + 1, ky..ky + rows, kx..kx + w])
                    .reshape([n, out, rows, w]);
                acc = Some(match acc {
                    Some(a) => a + tap,
                    None => tap,
                });
            }
            if let Some(a) = acc {
                strips.push(match &self.bias {
                    Some(b) => a + b.clone(),
                    None => a,
                });
            }
            y0 += rows;
        }
        Tensor::cat(strips, 2)
    }
}

/// PyTorch's `ReflectionPad2d(p)` (edge not repeated); needs `p < H` and `p < W`.
pub(crate) fn reflect_pad(x: Tensor<4>, p: usize) -> Tensor<4> {
    x.pad([(p, p), (p, p)], PadMode::Reflect)
}
