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

/// One tap of a convolution: its `[out, in]` weights sit at `index` of the weight list and it
/// reads the source at a fixed offset.
#[derive(Debug, Clone)]
struct TapConv {
    out: usize,
    inp: usize,
    taps: usize,
    /// `[taps][out][in]` (per-tap GEMMs) or `[out][taps][in]` (`im2col`).
    weight: Vec<f32>,
    im2col: bool,
}

impl TapConv {
    /// Inputs below this are gathered into one deep GEMM per strip.
    const IM2COL_BELOW: usize = 32;
    /// Output columns per strip (rounded to whole rows).
    const STRIP_COLS: usize = 2048;
    /// Strips computed between two epilogues (bounds the accumulator memory).
    const GROUP: usize = 8;

    /// `taps[t]` is `[out, in]` row-major.
    fn new(taps: Vec<Vec<f32>>, out: usize, inp: usize) -> Self {
        let n = taps.len();
        let im2col = inp < Self::IM2COL_BELOW;
        let weight = if im2col {
            let mut w = vec![0.0f32; out * n * inp];
            for (t, m) in taps.iter().enumerate() {
                for o in 0..out {
                    w[(o * n + t) * inp..(o * n + t + 1) * inp]
                        .copy_from_slice(&m[o * inp..(o + 1) * inp]);
                }
            }
            w
        } else {
            taps.concat()
        };
        Self {
            out,
            inp,
            taps: n,
            weight,
            im2col,
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

    /// `acc[o, y·ow + x] = Σ_t W_t · src[offs[t] + c·cs + y·ow + x]` for `h` rows of width
    /// `ow`; after each group of strips, `epilogue(o, out_plane_o, y, acc_row)` runs for every
    /// output channel and row (in parallel over channels; `acc_row` has `ow` values, those
    /// past the last valid column are junk). `len` is the number of columns the taps can
    /// read (`h · ow` minus the largest in-row overhang).
    #[allow(clippy::too_many_arguments)]
    fn forward(
        &self,
        src: &[f32],
        cs: usize,
        offs: &[usize],
        ow: usize,
        h: usize,
        len: usize,
        out: &mut [f32],
        plane: usize,
        acc: &mut Vec<f32>,
        epilogue: impl Fn(usize, &mut [f32], usize, &[f32]) + Sync,
    ) {
        debug_assert_eq!(offs.len(), self.taps);
        let (co, ci, nt) = (self.out, self.inp, self.taps);
        let rows = (Self::STRIP_COLS / ow).clamp(1, h.div_ceil(4).max(1));
        let s = rows * ow;
        let strips = h.div_ceil(rows);
        let group = scratch(acc, Self::GROUP * co * s);
        let mut g0 = 0;
        while g0 < strips {
            let g1 = (g0 + Self::GROUP).min(strips);
            group[..(g1 - g0) * co * s]
                .par_chunks_mut(co * s)
                .enumerate()
                .for_each_init(Vec::new, |col, (i, dst)| {
                    let start = (g0 + i) * s;
                    let n = s.min(len - start);
                    if self.im2col {
                        let col = scratch(col, nt * ci * n);
                        for (t, &off) in offs.iter().enumerate() {
                            for c in 0..ci {
                                let from = off + c * cs + start;
                                col[(t * ci + c) * n..(t * ci + c + 1) * n]
                                    .copy_from_slice(&src[from..from + n]);
                            }
                        }
                        gemm(
                            dst,
                            s,
                            View::new(&self.weight, co, nt * ci),
                            View::new(col, nt * ci, n),
                            false,
                            Par::Seq,
                        );
                    } else {
                        for (t, &off) in offs.iter().enumerate() {
                            gemm(
                                dst,
                                s,
                                View::new(&self.weight[t * co * ci..(t + 1) * co * ci], co, ci),
                                View::strided(&src[off + start..], ci, n, cs),
                                t > 0,
                                Par::Seq,
                            );
                        }
                    }
                });
            let group: &[f32] = group;
            out.par_chunks_mut(plane)
                .enumerate()
                .for_each(|(o, out_plane)| {
                    for sidx in g0..g1 {
                        let base = (sidx - g0) * co * s + o * s;
                        for yl in 0..rows.min(h - sidx * rows) {
                            let row = &group[base + yl * ow..base + (yl + 1) * ow];
                            epilogue(o, out_plane, sidx * rows + yl, row);
                        }
                    }
                });
            g0 = g1;
        }
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

/// Scratch buffers of the outer layers.
#[derive(Debug, Default)]
pub(crate) struct OuterWorkspace {
    padded: Vec<f32>,
    phases: Vec<f32>,
    acc: Vec<f32>,
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

    /// `[in, h, w]` → `[out, h, w]`.
    pub fn forward(&self, x: &[f32], h: usize, w: usize, ws: &mut OuterWorkspace) -> Vec<f32> {
        let (k, p) = (self.k, self.k / 2);
        let (hp, wp) = reflect_pad(x, self.conv.inp, h, w, p, 0, &mut ws.padded);
        let offs: Vec<usize> = (0..k * k).map(|t| (t / k) * wp + t % k).collect();
        let mut out = vec![0.0f32; self.conv.out * h * w];
        let bias = &self.bias;
        self.conv.forward(
            &ws.padded[..self.conv.inp * hp * wp],
            hp * wp,
            &offs,
            wp,
            h,
            h * wp - (k - 1),
            &mut out,
            h * w,
            &mut ws.acc,
            |o, plane, y, row| relu_bias(&row[..w], bias[o], &mut plane[y * w..(y + 1) * w]),
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

    /// `[in, h, w]` → `[out, ⌈h/2⌉, ⌈w/2⌉]`... for the even sides LaMa uses: `[out, h/2, w/2]`.
    pub fn forward(
        &self,
        x: &[f32],
        h: usize,
        w: usize,
        ws: &mut OuterWorkspace,
    ) -> (Vec<f32>, usize, usize) {
        let c = self.conv.inp;
        // Padded sides are made even with a zero row / column the convolution never reads.
        let extra_row = (h + 2) % 2;
        let (hp, wp) = reflect_pad(x, c, h, w, 1, extra_row, &mut ws.padded);
        let (a, b) = (hp / 2, wp.div_ceil(2));
        let (ho, wo) = ((h + 2 - 3) / 2 + 1, (w + 2 - 3) / 2 + 1);
        let padded = &ws.padded[..c * hp * wp];
        let phases = scratch(&mut ws.phases, 4 * c * a * b);
        phases
            .par_chunks_mut(a * b)
            .enumerate()
            .for_each(|(idx, dst)| {
                let (ph, ch) = (idx / c, idx % c);
                let (py, px) = (ph / 2, ph % 2);
                let src = &padded[ch * hp * wp..(ch + 1) * hp * wp];
                for i in 0..a {
                    let row = &src[(2 * i + py) * wp..(2 * i + py + 1) * wp];
                    let d = &mut dst[i * b..(i + 1) * b];
                    for (j, v) in d.iter_mut().enumerate() {
                        *v = row.get(2 * j + px).copied().unwrap_or(0.0);
                    }
                }
            });
        let offs: Vec<usize> = (0..9)
            .map(|t| {
                let (ky, kx) = (t / 3, t % 3);
                ((ky % 2) * 2 + kx % 2) * c * a * b + (ky / 2) * b + kx / 2
            })
            .collect();
        let mut out = vec![0.0f32; self.conv.out * ho * wo];
        let bias = &self.bias;
        self.conv.forward(
            phases,
            a * b,
            &offs,
            b,
            ho,
            ho * b - 1,
            &mut out,
            ho * wo,
            &mut ws.acc,
            |o, plane, y, row| relu_bias(&row[..wo], bias[o], &mut plane[y * wo..(y + 1) * wo]),
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

    /// `[in, h, w]` → `[out, 2h, 2w]`.
    pub fn forward(&self, x: &[f32], h: usize, w: usize, ws: &mut OuterWorkspace) -> Vec<f32> {
        let c = x.len() / (h * w);
        // Extend by one zero row and column: the last output row / column reads past the input.
        let (he, we) = (h + 1, w + 1);
        let ext = scratch(&mut ws.padded, c * he * we);
        ext.par_chunks_mut(he * we)
            .zip(x.par_chunks(h * w))
            .for_each(|(dst, src)| {
                for y in 0..h {
                    dst[y * we..y * we + w].copy_from_slice(&src[y * w..(y + 1) * w]);
                    dst[y * we + w] = 0.0;
                }
                dst[h * we..].fill(0.0);
            });
        let ext: &[f32] = ext;
        let (ho, wo) = (2 * h, 2 * w);
        let mut out = vec![0.0f32; self.out * ho * wo];
        let bias = &self.bias;
        for (ph, (conv, shifts)) in self.phases.iter().enumerate() {
            let (a, b) = (ph / 2, ph % 2);
            let offs: Vec<usize> = shifts.iter().map(|&(dy, dx)| dy * we + dx).collect();
            conv.forward(
                ext,
                he * we,
                &offs,
                we,
                h,
                h * we - 1,
                &mut out,
                ho * wo,
                &mut ws.acc,
                |o, plane, y, row| {
                    let dst = &mut plane[(2 * y + a) * wo..(2 * y + a + 1) * wo];
                    for (x, &v) in row[..w].iter().enumerate() {
                        dst[2 * x + b] = (v + bias[o]).max(0.0);
                    }
                },
            );
        }
        out
    }
}

/// The reflect-padded k×k head with few outputs and a sigmoid: one GEMM to `out · k²` tap
/// planes per strip of rows, then `k²` shifted adds (as [`super::conv::FewOutputsConv`]).
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
    const STRIP_ROWS: usize = 16;

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
                let n = (rows + k - 1) * wp;
                let z = scratch(z, co * kk * n);
                gemm(
                    z,
                    n,
                    View::new(&self.taps, co * kk, ci),
                    View::strided(&padded[y0 * wp..], ci, n, hp * wp),
                    false,
                    Par::Seq,
                );
                let mut res = vec![0.0f32; co * rows * w];
                for o in 0..co {
                    for yl in 0..rows {
                        let dst = &mut res[(o * rows + yl) * w..(o * rows + yl + 1) * w];
                        dst.fill(self.bias[o]);
                        for t in 0..kk {
                            let (ky, kx) = (t / k, t % k);
                            let from = (o * kk + t) * n + (yl + ky) * wp + kx;
                            dst.iter_mut()
                                .zip(&z[from..from + w])
                                .for_each(|(d, v)| *d += v);
                        }
                        dst.iter_mut().for_each(|v| *v = 1.0 / (1.0 + (-*v).exp()));
                    }
                }
                res
            })
            .collect();
        let mut out = vec![0.0f32; co * h * w];
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
