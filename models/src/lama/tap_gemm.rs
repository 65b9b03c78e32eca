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
//! - stride 2 splits the padded input into its four even/odd phases, where every tap is a
//!   stride-1 shift of one phase;
//! - the stride-2 transposed convolution (`k 3, padding 1, output_padding 1`) is four
//!   stride-1 convolutions (one per output phase) over the input with one zero row and column
//!   appended, interleaved at the end.
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

/// `ConvTranspose2d(k 3, stride 2, padding 1, output_padding 1)`: `[1, C, h, w]` →
/// `[1, out, 2h, 2w]`. `taps.matrices[ky · 3 + kx]` is `W[:, :, ky, kx]ᵀ` (`[out, in]`).
///
/// Output row `2y + a` takes input row `y` through `ky = 1` when `a = 0`, and input rows
/// `y + 1` (`ky = 0`) and `y` (`ky = 2`) when `a = 1`; columns alike.
pub(crate) fn conv_transpose_stride2(x: Tensor<4>, taps: &Taps) -> Tensor<4> {
    let [_, c, h, w] = x.dims();
    let out = taps.outputs();
    let device = x.device();
    // One zero row and column after the input for the `y + 1` reads of the last row.
    let padded = Tensor::cat(vec![x, Tensor::zeros([1, c, 1, w], &device)], 2);
    let padded = Tensor::cat(vec![padded, Tensor::zeros([1, c, h + 1, 1], &device)], 3);
    let qw = w + 1;
    let flat = padded.reshape([c, (h + 1) * qw]);
    // (kernel index, input shift) per output phase.
    let along = |phase: usize| -> &'static [(usize, usize)] {
        if phase == 0 {
            &[(1, 0)]
        } else {
            &[(0, 1), (2, 0)]
        }
    };
    let len = h * qw - 1;
    let mut phase_out = Vec::with_capacity(4);
    for a in 0..2 {
        for b in 0..2 {
            let terms = along(a)
                .iter()
                .flat_map(|&(ky, dy)| along(b).iter().map(move |&(kx, dx)| (ky, dy, kx, dx)));
            let terms = terms.map(|(ky, dy, kx, dx)| {
                let off = dy * qw + dx;
                (
                    taps.matrices[ky * 3 + kx].clone(),
                    flat.clone().slice([0..c, off..off + len]),
                )
            });
            let acc = accumulate(terms).unwrap_or_else(|| Tensor::zeros([out, len], &device));
            phase_out.push(crop_rows(add_bias(acc, &taps.bias), h, qw, w).reshape([out, h, w]));
        }
    }
    // phase_out[a * 2 + b] → [out, h, 2 (a), w, 2 (b)] → [1, out, 2h, 2w].
    let mut rows = Vec::with_capacity(2);
    for pair in phase_out.chunks(2) {
        rows.push(Tensor::stack::<4>(pair.to_vec(), 3));
    }
    Tensor::stack::<5>(rows, 2).reshape([1, out, 2 * h, 2 * w])
}
