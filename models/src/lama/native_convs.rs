//! The CPU forward of the generator's outer layers on host buffers (see [`super::native`]):
//! the 7×7 stem, the stride-2 downsamplers, the transposed-convolution upsamplers and the
//! 7×7 sigmoid head, with the same folded weights as the burn layers in [`super::conv`].
//!
//! Every convolution is a sum of per-tap GEMMs on shifted views of a padded input computed
//! over the padded width (the trick of [`super::tap_gemm`]): stride 2 reads the four even/odd
//! phases, a transposed convolution is four output phases of 1, 2, 2 and 4 taps over the input
//! extended by one zero row and column. The work runs in strips of whole output rows, one
//! strip per task, so each strip's accumulator stays in cache; few input channels (the stem)
//! copy the strip's taps into one `[taps · in, cols]` matrix first (one GEMM with a deep `K`
//! instead of many shallow ones).

use faer::Par;
use rayon::prelude::*;

use super::native::{View, gemm, narrow, scratch};
use super::weights::HostConv;
use crate::buffer_pool::BufferPool;

/// A convolution as one GEMM per strip of output rows: `W [out, taps · in]` times the strip's
/// gathered inputs `[taps · in, rows · w]` (im2col, but only one cache-sized strip at a time).
#[derive(Debug, Clone)]
struct TapConv {
    out: usize,
    inp: usize,
    taps: usize,
    /// `[out][taps][in]`.
    weight: Vec<f32>,
}

impl TapConv {
    /// Floats of one strip's gathered taps (per thread).
    const COL_BUDGET: usize = 1 << 19;
    /// Strips computed between two epilogues (bounds the accumulator memory).
    const GROUP: usize = 8;

    /// `taps[t]` is `[out, in]` row-major.
    fn new(taps: Vec<Vec<f32>>, out: usize, inp: usize) -> Self {
        let n = taps.len();
        let mut weight = vec![0.0f32; out * n * inp];
        for (t, m) in taps.iter().enumerate() {
            for o in 0..out {
                weight[(o * n + t) * inp..(o * n + t + 1) * inp]
                    .copy_from_slice(&m[o * inp..(o + 1) * inp]);
            }
        }
        Self {
            out,
            inp,
            taps: n,
            weight,
        }
    }

    /// `[out, in, k, k]` → one `[out, in]` matrix per tap `ky · k + kx`.
    fn from_conv(host: &HostConv) -> Self {
        let [out, inp, k, _] = host.shape;
        let kk = k * k;
        let taps = (0..kk)
            .map(|t| {
                let mut m = Vec::with_capacity(out * inp);
                for o in 0..out {
                    for i in 0..inp {
                        m.push(host.weight[(o * inp + i) * kk + t] as f32);
                    }
                }
                m
            })
            .collect();
        Self::new(taps, out, inp)
    }

    /// `acc[o, y, x] = Σ_{t, c} W[o, t, c] · in_t[c, y, x]` over `h × w` outputs, where
    /// `gather(t, c, y, row)` writes input row `in_t[c, y, 0..w]`. After each group of strips,
    /// `epilogue(o, out_plane_o, y, acc_row)` runs for every output channel and row (in
    /// parallel over channels).
    #[allow(clippy::too_many_arguments)]
    fn forward(
        &self,
        h: usize,
        w: usize,
        gather: impl Fn(usize, usize, usize, &mut [f32]) + Sync,
        out: &mut [f32],
        plane: usize,
        acc: &mut Vec<f32>,
        epilogue: impl Fn(usize, &mut [f32], usize, &[f32]) + Sync,
    ) {
        forward_multi(
            &[self],
            h,
            w,
            |_, t, c, y, row| gather(t, c, y, row),
            out,
            plane,
            acc,
            |o, plane, y, rows| epilogue(o, plane, y, rows[0]),
        );
    }
}

/// [`TapConv::forward`] for several convolutions with the same outputs over the same rows
/// (the phases of a transposed convolution): `gather(conv, t, c, y, row)`, and
/// `epilogue(o, out_plane_o, y, [acc_row of each conv])`.
#[allow(clippy::too_many_arguments)]
fn forward_multi(
    convs: &[&TapConv],
    h: usize,
    w: usize,
    gather: impl Fn(usize, usize, usize, usize, &mut [f32]) + Sync,
    out: &mut [f32],
    plane: usize,
    acc: &mut Vec<f32>,
    epilogue: impl Fn(usize, &mut [f32], usize, &[&[f32]]) + Sync,
) {
    const MAX_CONVS: usize = 4;
    debug_assert!(!convs.is_empty() && convs.len() <= MAX_CONVS);
    let nc = convs.len().min(MAX_CONVS);
    let co = convs.first().map_or(0, |c| c.out);
    let kmax = convs.iter().map(|c| c.taps * c.inp).max().unwrap_or(0);
    let cols = (TapConv::COL_BUDGET / kmax.max(1)).clamp(256, 4096);
    let rows = (cols / w.max(1)).clamp(1, h.div_ceil(4).max(1));
    let s = rows * w;
    let strips = h.div_ceil(rows);
    let chunk = nc * co * s;
    let group = scratch(acc, TapConv::GROUP * chunk);
    let mut g0 = 0;
    while g0 < strips {
        let g1 = (g0 + TapConv::GROUP).min(strips);
        group[..(g1 - g0) * chunk]
            .par_chunks_mut(chunk)
            .enumerate()
            .for_each_init(Vec::new, |col, (i, dst)| {
                let y0 = (g0 + i) * rows;
                let n = rows.min(h - y0) * w;
                for (ci, conv) in convs.iter().enumerate().take(nc) {
                    let (k, inp) = (conv.taps * conv.inp, conv.inp);
                    let col = scratch(col, k * n);
                    for (r, crow) in col.chunks_mut(n).enumerate() {
                        let (t, c) = (r / inp, r % inp);
                        for (y, seg) in crow.chunks_mut(w).enumerate() {
                            gather(ci, t, c, y0 + y, seg);
                        }
                    }
                    gemm(
                        &mut dst[ci * co * s..(ci + 1) * co * s],
                        s,
                        View::new(&conv.weight, co, k),
                        View::new(col, k, n),
                        false,
                        Par::Seq,
                    );
                }
            });
        let group: &[f32] = group;
        out.par_chunks_mut(plane)
            .enumerate()
            .for_each(|(o, out_plane)| {
                for sidx in g0..g1 {
                    let base = (sidx - g0) * chunk + o * s;
                    for yl in 0..rows.min(h - sidx * rows) {
                        let mut parts: [&[f32]; MAX_CONVS] = [&[]; MAX_CONVS];
                        for (ci, part) in parts.iter_mut().enumerate().take(nc) {
                            let at = base + ci * co * s + yl * w;
                            *part = &group[at..at + w];
                        }
                        epilogue(o, out_plane, sidx * rows + yl, &parts[..nc]);
                    }
                }
            });
        g0 = g1;
    }
}

/// PyTorch's `ReflectionPad2d(p)` of `[C, h, w]` into `buf` as `[C, h + 2p + extra, w + 2p]`
/// (`extra` zero rows at the bottom); needs `p < h` and `p < w`.
fn reflect_pad(
    x: &[f32],
    c: usize,
    h: usize,
    w: usize,
    p: usize,
    extra: usize,
    buf: &mut Vec<f32>,
) -> (usize, usize) {
    let (hp, wp) = (h + 2 * p + extra, w + 2 * p);
    let reflect = |i: usize, n: usize| -> usize {
        // Padded index i ↔ source i − p, reflected at both edges.
        if i < p {
            p - i
        } else if i - p < n {
            i - p
        } else {
            2 * (n - 1) + p - i
        }
    };
    let out = scratch(buf, c * hp * wp);
    out.par_chunks_mut(hp * wp)
        .zip(x.par_chunks(h * w))
        .for_each(|(dst, srcp)| {
            for py in 0..h + 2 * p {
                let row = &srcp[reflect(py, h) * w..(reflect(py, h) + 1) * w];
                let d = &mut dst[py * wp..(py + 1) * wp];
                for (j, v) in d[..p].iter_mut().enumerate() {
                    *v = row[p - j];
                }
                d[p..p + w].copy_from_slice(row);
                for (j, v) in d[p + w..].iter_mut().enumerate() {
                    *v = row[w - 2 - j];
                }
            }
            dst[(h + 2 * p) * wp..].fill(0.0);
        });
    (hp, wp)
}

fn relu_bias(row: &[f32], b: f32, dst: &mut [f32]) {
    dst.iter_mut()
        .zip(row)
        .for_each(|(d, &v)| *d = (v + b).max(0.0));
}

/// Scratch buffers of the outer layers, and a pool of released layer outputs
/// ([`BufferPool`]).
#[derive(Debug, Default)]
pub(crate) struct OuterWorkspace {
    padded: Vec<f32>,
    acc: Vec<f32>,
    pool: BufferPool,
}

impl OuterWorkspace {
    /// Reserves the padded-input buffer for the largest `[c, hp, wp]` of a forward, so it
    /// never moves (and re-faults) while growing.
    pub fn reserve_padded(&mut self, n: usize) {
        self.padded.reserve(n.saturating_sub(self.padded.len()));
    }

    /// A buffer of `n` values (contents unspecified), see [`BufferPool::take`].
    pub fn take(&mut self, n: usize) -> Vec<f32> {
        self.pool.take(n)
    }

    /// Returns a buffer to the pool.
    pub fn give(&mut self, v: Vec<f32>) {
        self.pool.give(v);
    }
}

/// A reflect-padded k×k stride-1 convolution with bias and ReLU (the stem).
#[derive(Debug, Clone)]
pub(crate) struct NativeStem {
    conv: TapConv,
    bias: Vec<f32>,
    k: usize,
}

impl NativeStem {
    pub fn new(host: &HostConv) -> Self {
        Self {
            conv: TapConv::from_conv(host),
            bias: host
                .bias
                .as_deref()
                .map_or_else(|| vec![0.0; host.shape[0]], narrow),
            k: host.shape[2],
        }
    }

    pub fn inputs(&self) -> usize {
        self.conv.inp
    }

    pub fn kernel(&self) -> usize {
        self.k
    }

    /// `[in, h, w]` → `[out, h, w]`.
    pub fn forward(&self, x: &[f32], h: usize, w: usize, ws: &mut OuterWorkspace) -> Vec<f32> {
        let (k, p, ci) = (self.k, self.k / 2, self.conv.inp);
        let mut out = ws.take(self.conv.out * h * w);
        let (hp, wp) = reflect_pad(x, ci, h, w, p, 0, &mut ws.padded);
        let padded = &ws.padded[..ci * hp * wp];
        let bias = &self.bias;
        self.conv.forward(
            h,
            w,
            |t, c, y, row| {
                let from = c * hp * wp + (y + t / k) * wp + t % k;
                row.copy_from_slice(&padded[from..from + w]);
            },
            &mut out,
            h * w,
            &mut ws.acc,
            |o, plane, y, row| relu_bias(row, bias[o], &mut plane[y * w..(y + 1) * w]),
        );
        out
    }
}

/// A reflect-padded (1) 3×3 stride-2 convolution with bias and ReLU (the downsamplers).
#[derive(Debug, Clone)]
pub(crate) struct NativeDown {
    conv: TapConv,
    bias: Vec<f32>,
}

impl NativeDown {
    pub fn new(host: &HostConv) -> Self {
        Self {
            conv: TapConv::from_conv(host),
            bias: host
                .bias
                .as_deref()
                .map_or_else(|| vec![0.0; host.shape[0]], narrow),
        }
    }

    pub fn inputs(&self) -> usize {
        self.conv.inp
    }

    /// `[in, h, w]` → `[out, (h − 1)/2 + 1, (w − 1)/2 + 1]`.
    pub fn forward(
        &self,
        x: &[f32],
        h: usize,
        w: usize,
        ws: &mut OuterWorkspace,
    ) -> (Vec<f32>, usize, usize) {
        let c = self.conv.inp;
        let (ho, wo) = ((h + 2 - 3) / 2 + 1, (w + 2 - 3) / 2 + 1);
        let mut out = ws.take(self.conv.out * ho * wo);
        let (hp, wp) = reflect_pad(x, c, h, w, 1, 0, &mut ws.padded);
        let padded = &ws.padded[..c * hp * wp];
        let bias = &self.bias;
        self.conv.forward(
            ho,
            wo,
            |t, ch, y, row| {
                let from = ch * hp * wp + (2 * y + t / 3) * wp + t % 3;
                let src = &padded[from..from + 2 * wo - 1];
                row.iter_mut()
                    .zip(src.iter().step_by(2))
                    .for_each(|(d, &v)| *d = v);
            },
            &mut out,
            ho * wo,
            &mut ws.acc,
            |o, plane, y, row| relu_bias(row, bias[o], &mut plane[y * wo..(y + 1) * wo]),
        );
        (out, ho, wo)
    }
}

/// `ConvTranspose2d(k 3, stride 2, padding 1, output_padding 1)` with bias and ReLU (the
/// upsamplers), as four output phases.
#[derive(Debug, Clone)]
pub(crate) struct NativeUp {
    /// Output phases `(a, b)` (row / column parity): the convolution and its taps
    /// `(dy, dx)` (input shifts).
    phases: Vec<(TapConv, Vec<(usize, usize)>)>,
    bias: Vec<f32>,
    out: usize,
}

impl NativeUp {
    /// `host` in the transposed layout `[in, out, 3, 3]`.
    pub fn new(host: &HostConv) -> Self {
        let [inp, out, _, _] = host.shape;
        // Output 2m + parity reads input m + d through kernel index k:
        // even: (k 1, d 0); odd: (k 0, d 1), (k 2, d 0).
        let along = |parity: usize| -> Vec<(usize, usize)> {
            if parity == 0 {
                vec![(1, 0)]
            } else {
                vec![(0, 1), (2, 0)]
            }
        };
        let phases = (0..4)
            .map(|ph| {
                let (a, b) = (ph / 2, ph % 2);
                let mut taps = Vec::new();
                let mut shifts = Vec::new();
                for &(ky, dy) in &along(a) {
                    for &(kx, dx) in &along(b) {
                        let mut m = Vec::with_capacity(out * inp);
                        for o in 0..out {
                            for i in 0..inp {
                                m.push(host.weight[((i * out + o) * 3 + ky) * 3 + kx] as f32);
                            }
                        }
                        taps.push(m);
                        shifts.push((dy, dx));
                    }
                }
                (TapConv::new(taps, out, inp), shifts)
            })
            .collect();
        Self {
            phases,
            bias: host.bias.as_deref().map_or_else(|| vec![0.0; out], narrow),
            out,
        }
    }

    /// `[in, h, w]` → `[out, 2h, 2w]`: the four phases of a strip, then each output row
    /// written once, interleaved.
    pub fn forward(&self, x: &[f32], h: usize, w: usize, ws: &mut OuterWorkspace) -> Vec<f32> {
        let (ho, wo) = (2 * h, 2 * w);
        let mut out = ws.take(self.out * ho * wo);
        let bias = &self.bias;
        let convs: Vec<&TapConv> = self.phases.iter().map(|(c, _)| c).collect();
        forward_multi(
            &convs,
            h,
            w,
            // Input row y + dy shifted left by dx; the row / column past the input is 0.
            |ph, t, c, y, row| {
                let (dy, dx) = self.phases[ph].1[t];
                if y + dy >= h {
                    row.fill(0.0);
                    return;
                }
                let from = (c * h + y + dy) * w + dx;
                row[..w - dx].copy_from_slice(&x[from..from + w - dx]);
                row[w - dx..].fill(0.0);
            },
            &mut out,
            ho * wo,
            &mut ws.acc,
            |o, plane, y, parts| {
                let b = bias[o];
                for (a, pair) in parts.chunks(2).enumerate() {
                    let dst = &mut plane[(2 * y + a) * wo..(2 * y + a + 1) * wo];
                    if let [even, odd] = pair {
                        for ((d, &e), &od) in dst.chunks_exact_mut(2).zip(*even).zip(*odd) {
                            d[0] = (e + b).max(0.0);
                            d[1] = (od + b).max(0.0);
                        }
                    }
                }
            },
        );
        out
    }
}

/// `dst[x] += Σ_kx z[kx·n + x + kx]`: the `k` horizontal taps of one kernel row, summed in
/// registers over blocks of 16 outputs.
fn add_shifted_taps(dst: &mut [f32], z: &[f32], n: usize, k: usize) {
    const B: usize = 16;
    let w = dst.len();
    let full = w - w % B;
    for x0 in (0..full).step_by(B) {
        let mut acc = [0.0f32; B];
        acc.copy_from_slice(&dst[x0..x0 + B]);
        for kx in 0..k {
            let src = &z[kx * n + x0 + kx..kx * n + x0 + kx + B];
            for (a, &v) in acc.iter_mut().zip(src) {
                *a += v;
            }
        }
        dst[x0..x0 + B].copy_from_slice(&acc);
    }
    for (x, d) in dst.iter_mut().enumerate().skip(full) {
        for kx in 0..k {
            *d += z[kx * n + x + kx];
        }
    }
}

/// The reflect-padded k×k head with few outputs and a sigmoid. Each padded input row `y'`
/// is multiplied once by all `out · k²` tap rows (`Z = W [out·k², in] · X[:, y', :]`, a
/// well-shaped GEMM where an im2col one would have `M = out`), then every tap row of `Z` is
/// added, shifted by `kx`, into output row `y' − ky`. Tasks own strips of output rows (and
/// re-read the `k − 1` input rows they share); `Z` stays in cache.
#[derive(Debug, Clone)]
pub(crate) struct NativeHead {
    /// `[out · k²][in]`: row `o · k² + t`.
    taps: Vec<f32>,
    bias: Vec<f32>,
    out: usize,
    inp: usize,
    k: usize,
}

impl NativeHead {
    /// Output rows per task.
    const STRIP_ROWS: usize = 32;
    /// Input rows per GEMM.
    const BATCH_ROWS: usize = 2;

    pub fn new(host: &HostConv) -> Self {
        let [out, inp, k, _] = host.shape;
        let kk = k * k;
        let mut taps = vec![0.0f32; out * kk * inp];
        for o in 0..out {
            for i in 0..inp {
                for t in 0..kk {
                    taps[(o * kk + t) * inp + i] = host.weight[(o * inp + i) * kk + t] as f32;
                }
            }
        }
        Self {
            taps,
            bias: host.bias.as_deref().map_or_else(|| vec![0.0; out], narrow),
            out,
            inp,
            k,
        }
    }

    pub fn inputs(&self) -> usize {
        self.inp
    }

    pub fn kernel(&self) -> usize {
        self.k
    }

    /// `[in, h, w]` → `sigmoid(conv)`, `[out, h, w]`.
    pub fn forward(&self, x: &[f32], h: usize, w: usize, ws: &mut OuterWorkspace) -> Vec<f32> {
        let (k, p, co, ci) = (self.k, self.k / 2, self.out, self.inp);
        let kk = k * k;
        let (hp, wp) = reflect_pad(x, ci, h, w, p, 0, &mut ws.padded);
        let padded = &ws.padded[..ci * hp * wp];
        let strips: Vec<Vec<f32>> = (0..h.div_ceil(Self::STRIP_ROWS))
            .into_par_iter()
            .map_init(Vec::new, |z, s| {
                let y0 = s * Self::STRIP_ROWS;
                let rows = Self::STRIP_ROWS.min(h - y0);
                let mut res = vec![0.0f32; co * rows * w];
                for (o, plane) in res.chunks_mut(rows * w).enumerate() {
                    plane.fill(self.bias[o]);
                }
                // Input rows y0 .. y0 + rows + k − 1 feed this strip.
                let mut yi = y0;
                while yi < y0 + rows + k - 1 {
                    let nb = Self::BATCH_ROWS.min(y0 + rows + k - 1 - yi);
                    let n = nb * wp;
                    let z = scratch(z, co * kk * n);
                    gemm(
                        z,
                        n,
                        View::new(&self.taps, co * kk, ci),
                        View::strided(&padded[yi * wp..], ci, n, hp * wp),
                        false,
                        Par::Seq,
                    );
                    for b in 0..nb {
                        let yp = yi + b;
                        for ky in 0..k {
                            // Output row yp − ky, if it is in this strip.
                            let Some(y) = yp.checked_sub(ky) else {
                                continue;
                            };
                            if y < y0 || y >= y0 + rows {
                                continue;
                            }
                            for o in 0..co {
                                let row = (o * rows + y - y0) * w;
                                let taps = (o * kk + ky * k) * n + b * wp;
                                add_shifted_taps(&mut res[row..row + w], &z[taps..], n, k);
                            }
                        }
                    }
                    yi += nb;
                }
                // The logit is clamped to ±30: sigmoid is then 1.0 exactly (f32) above and
                // below 1e-13 (within 1e-13 of the exact value) under, and neither exp nor the
                // division ever overflows or produces a subnormal (both are ~20× slower there,
                // and saturated outputs are common).
                res.iter_mut()
                    .for_each(|v| *v = 1.0 / (1.0 + (-v.clamp(-30.0, 30.0)).exp()));
                res
            })
            .collect();
        let mut out = ws.take(co * h * w);
        for (s, res) in strips.iter().enumerate() {
            let y0 = s * Self::STRIP_ROWS;
            let rows = res.len() / (co * w);
            for o in 0..co {
                out[(o * h + y0) * w..(o * h + y0 + rows) * w]
                    .copy_from_slice(&res[o * rows * w..(o + 1) * rows * w]);
            }
        }
        out
    }
}
