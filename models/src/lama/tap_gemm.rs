//! Convolutions as a sum of per-tap matrix products on shifted views: the CPU (Flex) path.
//!
//! A `Valid` k×k convolution over a padded input `[C, Hp, Wp]` is
//! `out[:, y, x] = Σ_taps W_t · x[:, y + ky, x + kx]`. Flattening the input to `[C, Hp·Wp]`,
//! the tap `(ky, kx)` reads the contiguous window starting at `ky·Wp + kx` for every output
//! position `y·Wp + x` — one strided view per tap, no im2col buffer. Computing the output
//! over the padded width `Wp` (the last `k − 1` columns of each row are discarded) turns the
//! convolution into `k²` well-shaped GEMMs (`M = out`, `K = C`, `N ≈ H·Wp`) that burn's
//! Flex backend hands to its parallel gemm kernel straight from the views.
//!
//! Stride 2 splits the padded input into its four even/odd phases, where every tap is a
//! stride-1 shift of one phase.
//!
//! The sums run in the same order as PyTorch's reference up to float re-association; the
//! parity fixtures (`tests/lama_parity.rs`) bound the difference.

use burn::tensor::Tensor;

/// One `[out, in]` matrix per kernel tap, row-major taps (`ky · k + kx`), plus the bias as a
/// column `[out, 1]`.
#[derive(Debug, Clone)]
pub(crate) struct Taps {
    pub matrices: Vec<Tensor<2>>,
    pub bias: Option<Tensor<2>>,
    pub k: usize,
}

impl Taps {
    /// Output channels.
    fn outputs(&self) -> usize {
        self.matrices.first().map_or(0, |m| m.dims()[0])
    }
}

/// Accumulates `Σ W · view(offset)` over `terms` on a flattened `[C, L]` plane set and
/// returns `[out, len]`.
fn accumulate(terms: impl Iterator<Item = (Tensor<2>, Tensor<2>)>) -> Option<Tensor<2>> {
    let mut acc: Option<Tensor<2>> = None;
    for (w, view) in terms {
        let y = w.matmul(view);
        acc = Some(match acc {
            Some(a) => a + y,
            None => y,
        });
    }
    acc
}

/// `[out, rows · row_width − (row_width − width)]` laid on rows of `row_width` → the
/// `[1, out, rows, width]` result (the trailing discarded columns are filled, then cropped).
fn crop_rows(acc: Tensor<2>, rows: usize, row_width: usize, width: usize) -> Tensor<4> {
    let [out, len] = acc.dims();
    let full = rows * row_width;
    let acc = if len < full {
        let device = acc.device();
        Tensor::cat(vec![acc, Tensor::zeros([out, full - len], &device)], 1)
    } else {
        acc
    };
    acc.reshape([1, out, rows, row_width])
        .slice([0..1, 0..out, 0..rows, 0..width])
}

fn add_bias(acc: Tensor<2>, bias: &Option<Tensor<2>>) -> Tensor<2> {
    match bias {
        Some(b) => acc + b.clone(),
        None => acc,
    }
}

/// Stride-1 `Valid` convolution of a padded `[1, C, Hp, Wp]` input.
pub(crate) fn conv_stride1(x: Tensor<4>, taps: &Taps) -> Tensor<4> {
    let [_, c, hp, wp] = x.dims();
    let k = taps.k;
    let (h, w) = (hp + 1 - k, wp + 1 - k);
    let flat = x.reshape([c, hp * wp]);
    // The last output position read by the last tap ends exactly at the end of the plane.
    let len = h * wp - (k - 1);
    let terms = (0..k * k).map(|t| {
        let off = (t / k) * wp + t % k;
        (
            taps.matrices[t].clone(),
            flat.clone().slice([0..c, off..off + len]),
        )
    });
    match accumulate(terms) {
        Some(acc) => crop_rows(add_bias(acc, &taps.bias), h, wp, w),
        None => Tensor::zeros([1, taps.outputs(), h, w], &flat.device()),
    }
}

/// Splits `[1, C, 2a, 2b]` into its four phases `[(py, px)] → [C, a·b]` (flattened).
fn phases(x: Tensor<4>) -> [Tensor<2>; 4] {
    let [_, c, hp, wp] = x.dims();
    let (a, b) = (hp / 2, wp / 2);
    let split = x.reshape([c, a, 2, b, 2]);
    [(0, 0), (0, 1), (1, 0), (1, 1)].map(|(py, px)| {
        split
            .clone()
            .slice([0..c, 0..a, py..py + 1, 0..b, px..px + 1])
            .reshape([c, a * b])
    })
}

/// Appends a zero row / column to odd sides: a stride-2 `Valid` convolution never reads it.
fn pad_to_even(x: Tensor<4>) -> Tensor<4> {
    let [n, c, h, w] = x.dims();
    let device = x.device();
    let x = if h % 2 == 1 {
        Tensor::cat(vec![x, Tensor::zeros([n, c, 1, w], &device)], 2)
    } else {
        x
    };
    let h = h + h % 2;
    if w % 2 == 1 {
        Tensor::cat(vec![x, Tensor::zeros([n, c, h, 1], &device)], 3)
    } else {
        x
    }
}

/// Stride-2 `Valid` convolution of a padded `[1, C, Hp, Wp]` input.
pub(crate) fn conv_stride2(x: Tensor<4>, taps: &Taps) -> Tensor<4> {
    let x = pad_to_even(x);
    let [_, c, hp, wp] = x.dims();
    let k = taps.k;
    let (h, w) = ((hp - k) / 2 + 1, (wp - k) / 2 + 1);
    let qw = wp / 2;
    let planes = phases(x);
    let shift_max = (k - 1) / 2;
    let len = h * qw - shift_max;
    let terms = (0..k * k).map(|t| {
        let (ky, kx) = (t / k, t % k);
        let plane = &planes[(ky % 2) * 2 + kx % 2];
        let off = (ky / 2) * qw + kx / 2;
        (
            taps.matrices[t].clone(),
            plane.clone().slice([0..c, off..off + len]),
        )
    });
    match accumulate(terms) {
        Some(acc) => crop_rows(add_bias(acc, &taps.bias), h, qw, w),
        None => Tensor::zeros([1, taps.outputs(), h, w], &planes[0].device()),
    }
}
