//! The CPU forward of the FFC resnet blocks on plain `f32` buffers (the Flex backend's path).
//!
//! burn's Flex backend spends about as long allocating, zero-filling and copying tensors and
//! running single-threaded element-wise ops as it does in its GEMM kernels; here every
//! intermediate is a `Vec<f32>` in `[C, H, W]` (or a transposed) layout, the GEMMs are faer's
//! (strided views, accumulating in place) and the rest runs on rayon. The layer semantics are
//! those of [`super::ffc`] / [`super::fourier`] with the same folded weights; the exact
//! `norm="ortho"` `rfft2` / `irfft2` are real FFTs here ([`NativeDft`]).
//!
//! The 3×3 convolutions run as Winograd F(4×4, 3×3) (Lavin & Gray): weights transformed once
//! at load time (`U = G g Gᵀ`, in `f64`; 36/9 = 4× the memory of the 3×3 weights), input
//! tiles `V = Bᵀ d B`, 36 GEMMs `M_p = U_p · V_p` over all tiles of a strip, and
//! `Y = Aᵀ M A`: 4× fewer multiplies than the direct convolution. Its error is about ten times
//! F(2×2, 3×3)'s (still ~1e-6 relative, see the tests), and over the whole network it stays at
//! the level of re-associated f32 sums (`tests/lama_parity.rs`).

use faer::Par;
use rayon::prelude::*;

use std::sync::Arc;

use super::ffc::HostFfc;
use super::weights::HostConv;
pub(super) use crate::gemm::{View, all_threads, gemm};
use crate::{Error, Result};
use realfft::num_complex::Complex;
use realfft::{ComplexToReal, RealFftPlanner, RealToComplex};
use rustfft::{Fft, FftPlanner};

/// `rows` rows of `n` values: adds `bias[row]` and applies ReLU where asked, in parallel.
fn bias_act(x: &mut [f32], n: usize, bias: Option<&[f32]>, relu: bool) {
    x.par_chunks_mut(n.max(1)).enumerate().for_each(|(r, row)| {
        let b = bias.map_or(0.0, |b| b[r]);
        match (b != 0.0, relu) {
            (true, true) => row.iter_mut().for_each(|v| *v = (*v + b).max(0.0)),
            (true, false) => row.iter_mut().for_each(|v| *v += b),
            (false, true) => row.iter_mut().for_each(|v| *v = v.max(0.0)),
            (false, false) => {}
        }
    });
}

/// The first `n` values of `buf`, grown (never shrunk) as needed. The contents are left
/// from earlier use: every caller overwrites what it reads back.
pub(super) fn scratch(buf: &mut Vec<f32>, n: usize) -> &mut [f32] {
    if buf.capacity() < n {
        // A fresh zeroed allocation: its pages are first touched (and faulted in) by the
        // parallel writers, not by a single-threaded fill here.
        *buf = vec![0.0; n];
    } else if buf.len() < n {
        buf.resize(n, 0.0);
    }
    &mut buf[..n]
}

/// Reusable buffers of one forward: allocating (and page-faulting) tens of MiB per layer
/// costs as much as the arithmetic.
#[derive(Debug, Default)]
pub(crate) struct Workspace {
    padded: Vec<f32>,
    v: Vec<f32>,
    m: Vec<f32>,
    y: Vec<f32>,
    f: Vec<f32>,
    spec: Vec<f32>,
    sum: Vec<f32>,
    out1: Vec<f32>,
    out2: Vec<f32>,
}

pub(super) fn narrow(v: &[f64]) -> Vec<f32> {
    v.iter().map(|&x| x as f32).collect()
}

/// A 1×1 convolution as a dense `[out, in]` matrix with an optional bias.
#[derive(Debug, Clone)]
struct Dense {
    out: usize,
    inp: usize,
    weight: Vec<f32>,
    bias: Option<Vec<f32>>,
}

impl Dense {
    fn new(host: &HostConv) -> Self {
        let [out, inp, _, _] = host.shape;
        Self {
            out,
            inp,
            weight: narrow(&host.weight),
            bias: host.bias.as_deref().map(narrow),
        }
    }

    fn view(&self) -> View<'_> {
        View::new(&self.weight, self.out, self.inp)
    }

    /// `[in, n]` → `y` `[out, n]`, bias added, ReLU if asked.
    fn forward(&self, x: &[f32], n: usize, relu: bool, y: &mut [f32]) {
        gemm(
            y,
            n,
            self.view(),
            View::new(x, self.inp, n),
            false,
            all_threads(),
        );
        bias_act(y, n, self.bias.as_deref(), relu);
    }
}

/// A Winograd F(m×m, 3×3) algorithm: `Y = Aᵀ [(G g Gᵀ) ⊙ (Bᵀ d B)] A` on `α × α` input tiles
/// (`α = m + 2`) that step by `m`. Matrices row-major.
#[derive(Debug)]
struct Kind {
    m: usize,
    bt: &'static [f64],
    g: &'static [f64],
    at: &'static [f64],
}

impl Kind {
    fn alpha(&self) -> usize {
        self.m + 2
    }
}

/// F(2, 3) (Lavin & Gray), points 0, ±1, ∞.
#[cfg_attr(not(test), allow(dead_code))]
const F2: Kind = Kind {
    m: 2,
    bt: &[
        1.0, 0.0, -1.0, 0.0, //
        0.0, 1.0, 1.0, 0.0, //
        0.0, -1.0, 1.0, 0.0, //
        0.0, 1.0, 0.0, -1.0,
    ],
    g: &[
        1.0, 0.0, 0.0, //
        0.5, 0.5, 0.5, //
        0.5, -0.5, 0.5, //
        0.0, 0.0, 1.0,
    ],
    at: &[
        1.0, 1.0, 1.0, 0.0, //
        0.0, 1.0, -1.0, -1.0,
    ],
};

/// F(4, 3) (Lavin & Gray), points 0, ±1, ±2, ∞.
const F4: Kind = Kind {
    m: 4,
    bt: &[
        4.0, 0.0, -5.0, 0.0, 1.0, 0.0, //
        0.0, -4.0, -4.0, 1.0, 1.0, 0.0, //
        0.0, 4.0, -4.0, -1.0, 1.0, 0.0, //
        0.0, -2.0, -1.0, 2.0, 1.0, 0.0, //
        0.0, 2.0, -1.0, -2.0, 1.0, 0.0, //
        0.0, 4.0, 0.0, -5.0, 0.0, 1.0,
    ],
    g: &[
        1.0 / 4.0,
        0.0,
        0.0, //
        -1.0 / 6.0,
        -1.0 / 6.0,
        -1.0 / 6.0, //
        -1.0 / 6.0,
        1.0 / 6.0,
        -1.0 / 6.0, //
        1.0 / 24.0,
        1.0 / 12.0,
        1.0 / 6.0, //
        1.0 / 24.0,
        -1.0 / 12.0,
        1.0 / 6.0, //
        0.0,
        0.0,
        1.0,
    ],
    at: &[
        1.0, 1.0, 1.0, 1.0, 1.0, 0.0, //
        0.0, 1.0, -1.0, 2.0, -2.0, 0.0, //
        0.0, 1.0, 1.0, 4.0, 4.0, 0.0, //
        0.0, 1.0, -1.0, 8.0, -8.0, 1.0,
    ],
};

/// The non-zero entries `(column, value)` of each row of a row-major `rows × cols` matrix.
fn nonzeros(mat: &[f64], cols: usize) -> Vec<Vec<(usize, f32)>> {
    mat.chunks(cols)
        .map(|row| {
            row.iter()
                .enumerate()
                .filter(|&(_, &v)| v != 0.0)
                .map(|(j, &v)| (j, v as f32))
                .collect()
        })
        .collect()
}

/// `dst = Σ coef · src_j` over the non-zero `(j, coef)` of one transform row.
#[inline(always)]
fn combine(dst: &mut [f32], terms: &[(usize, f32)], src: impl Fn(usize) -> usize, data: &[f32]) {
    let n = dst.len();
    match terms {
        [] => dst.fill(0.0),
        [(j0, c0), rest @ ..] => {
            let s0 = &data[src(*j0)..src(*j0) + n];
            dst.iter_mut().zip(s0).for_each(|(d, &v)| *d = c0 * v);
            for &(j, c) in rest {
                let s = &data[src(j)..src(j) + n];
                dst.iter_mut().zip(s).for_each(|(d, &v)| *d += c * v);
            }
        }
    }
}

/// Winograd weights `U_p = (G g Gᵀ)_p`, `[α²][out][in]`, plus the bias.
#[derive(Debug, Clone)]
struct Winograd {
    out: usize,
    inp: usize,
    u: Vec<f32>,
    bias: Option<Vec<f32>>,
}

impl Winograd {
    /// From a `[out, in, 3, 3]` convolution (transformed in `f64`).
    fn new(host: &HostConv, kind: &Kind) -> Self {
        let [out, inp, _, _] = host.shape;
        debug_assert_eq!(&host.shape[2..], &[3, 3]);
        let al = kind.alpha();
        let g_mat = kind.g;
        let mut u = vec![0.0f32; al * al * out * inp];
        u.par_chunks_mut(out * inp).enumerate().for_each(|(p, up)| {
            let (a, b) = (p / al, p % al);
            for (oi, v) in up.iter_mut().enumerate() {
                let g = &host.weight[oi * 9..(oi + 1) * 9];
                // (G g Gᵀ)[a][b] = Σ_kl G[a][k] g[k][l] G[b][l].
                let mut s = 0.0f64;
                for k in 0..3 {
                    for l in 0..3 {
                        s += g_mat[a * 3 + k] * g[k * 3 + l] * g_mat[b * 3 + l];
                    }
                }
                *v = s as f32;
            }
        });
        Self {
            out,
            inp,
            u,
            bias: host.bias.as_deref().map(narrow),
        }
    }

    /// `U_p` as an `[out, in]` view.
    fn position(&self, p: usize) -> View<'_> {
        let len = self.out * self.inp;
        View::new(&self.u[p * len..(p + 1) * len], self.out, self.inp)
    }
}

/// Reflect-pads `[C, h, w]` by one (PyTorch's `ReflectionPad2d(1)`) into
/// `[C, m·ty + 2, m·tx + 2]`, zero-filling the extra rows / columns whole m×m tiles need
/// (they only feed outputs that are dropped). Needs `h, w ≥ 2`.
fn reflect_pad_tiles(
    x: &[f32],
    c: usize,
    h: usize,
    w: usize,
    m: usize,
    buf: &mut Vec<f32>,
) -> (usize, usize) {
    let (ty, tx) = (h.div_ceil(m), w.div_ceil(m));
    let (hp, wp) = (m * ty + 2, m * tx + 2);
    let out = scratch(buf, c * hp * wp);
    let reflect = |i: usize, n: usize| -> usize {
        // Padded index i ↔ source i − 1, reflected at both edges.
        if i == 0 {
            1
        } else if i <= n {
            i - 1
        } else {
            n - 2
        }
    };
    out.par_chunks_mut(hp * wp)
        .zip(x.par_chunks(h * w))
        .for_each(|(dst, src)| {
            for py in 0..h + 2 {
                let sy = reflect(py, h);
                let row = &src[sy * w..(sy + 1) * w];
                let d = &mut dst[py * wp..(py + 1) * wp];
                d[0] = row[1];
                d[1..=w].copy_from_slice(row);
                d[w + 1] = row[w - 2];
                d[w + 2..].fill(0.0);
            }
            dst[(h + 2) * wp..].fill(0.0);
        });
    (hp, wp)
}

/// The fused bottleneck 3×3 convolutions of one FFC: `to_local` over all channels and
/// `l2g` over the local ones, both from one input transform.
#[derive(Debug, Clone)]
struct FfcConvs {
    to_local: Winograd,
    to_global: Winograd,
}

/// The Winograd variant of the bottleneck: F(4×4, 3×3), 4× fewer multiplies than the direct
/// convolution (F(2×2) gives 2.25×); see the tests for its error.
const KIND: &Kind = &F4;

impl FfcConvs {
    /// Tiles per strip: keeps `V` and `M` (α² · channels · tiles each) cache- and RSS-friendly.
    const STRIP_TILES: usize = 512;

    fn new(to_local: &HostConv, to_global: &HostConv) -> Self {
        Self::with_kind(to_local, to_global, KIND)
    }

    fn with_kind(to_local: &HostConv, to_global: &HostConv, kind: &Kind) -> Self {
        Self {
            to_local: Winograd::new(to_local, kind),
            to_global: Winograd::new(to_global, kind),
        }
    }

    /// `x` `[cl + cg, h, w]` → `out`: the local half `ReLU(to_local(x) + b_l)`, the global
    /// half `l2g(x_l) + b_g` (no activation yet).
    fn forward(&self, x: &[f32], h: usize, w: usize, out: &mut [f32], ws: &mut Workspace) {
        self.forward_kind(x, h, w, out, ws, KIND);
    }

    fn forward_kind(
        &self,
        x: &[f32],
        h: usize,
        w: usize,
        out: &mut [f32],
        ws: &mut Workspace,
        kind: &Kind,
    ) {
        let (c, cl, cg) = (self.to_local.inp, self.to_local.out, self.to_global.out);
        let co = cl + cg;
        let (tm, al) = (kind.m, kind.alpha());
        let pn = al * al;
        let bt = nonzeros(kind.bt, al);
        let at = nonzeros(kind.at, al);
        let (hp, wp) = reflect_pad_tiles(x, c, h, w, tm, &mut ws.padded);
        let padded = &ws.padded[..c * hp * wp];
        let (tyn, txn) = ((hp - 2) / tm, (wp - 2) / tm);
        let strip_rows = (Self::STRIP_TILES / txn).clamp(1, tyn);
        let mut ty0 = 0;
        while ty0 < tyn {
            let rows = strip_rows.min(tyn - ty0);
            let nt = rows * txn;
            // Row strides padded off multiples of 4 KiB: the transforms stream α² rows at once.
            let nts = nt.next_multiple_of(16) + 16;
            // V: [C][α²][nts].
            let v = scratch(&mut ws.v, c * pn * nts);
            // Per channel: Bᵀ over the α input rows of every tile row (whole padded rows),
            // gather the α column phases (`g[i][j][t] = (Bᵀd)_i[m·tx + j]` for tile t), then B
            // along the columns as row operations over all tiles of the strip.
            v.par_chunks_mut(pn * nts)
                .zip(padded.par_chunks(hp * wp))
                .for_each_init(
                    || (vec![0.0f32; al * wp], vec![0.0f32; al * al * nt]),
                    |(t, g), (dst, src)| {
                        for r in 0..rows {
                            let y0 = tm * (ty0 + r);
                            for (i, terms) in bt.iter().enumerate() {
                                combine(
                                    &mut t[i * wp..(i + 1) * wp],
                                    terms,
                                    |j| (y0 + j) * wp,
                                    src,
                                );
                            }
                            for i in 0..al {
                                let ti = &t[i * wp..(i + 1) * wp];
                                for j in 0..al {
                                    let gj = &mut g[(i * al + j) * nt + r * txn..][..txn];
                                    for (tx, v) in gj.iter_mut().enumerate() {
                                        *v = ti[tm * tx + j];
                                    }
                                }
                            }
                        }
                        for i in 0..al {
                            for (k, terms) in bt.iter().enumerate() {
                                let row = (i * al + k) * nts;
                                combine(&mut dst[row..row + nt], terms, |j| (i * al + j) * nt, g);
                            }
                        }
                    },
                );
            // M: [α²][co][nts], position blocks `pst` apart.
            let v: &[f32] = v;
            let pst = co * nts + 16;
            let m = scratch(&mut ws.m, pn * pst);
            m.par_chunks_mut(pst).enumerate().for_each(|(p, mp)| {
                let (ml, mg) = mp.split_at_mut(cl * nts);
                let vp = &v[p * nts..];
                gemm(
                    ml,
                    nts,
                    self.to_local.position(p),
                    View::strided(vp, c, nt, pn * nts),
                    false,
                    Par::Seq,
                );
                gemm(
                    mg,
                    nts,
                    self.to_global.position(p),
                    View::strided(vp, self.to_global.inp, nt, pn * nts),
                    false,
                    Par::Seq,
                );
            });
            let m: &[f32] = m;
            let (bl, bg) = (
                self.to_local.bias.as_deref(),
                self.to_global.bias.as_deref(),
            );
            // Per output channel: Aᵀ over the tile rows (`s[i][j] = Σ_k Aᵀ[i][k] M[k·α + j]`)
            // and A along the columns (`q[i][l] = Σ_j Aᵀ[l][j] s[i][j]`) as row operations over
            // all tiles of the strip, then bias, activation and the interleaved store.
            out.par_chunks_mut(h * w).enumerate().for_each_init(
                || (vec![0.0f32; al * nt], vec![0.0f32; tm * nt]),
                |(sb, q), (o, plane)| {
                    let (b, relu) = if o < cl {
                        (bl.map_or(0.0, |b| b[o]), true)
                    } else {
                        (bg.map_or(0.0, |b| b[o - cl]), false)
                    };
                    let base = o * nts;
                    for (i, terms_i) in at.iter().enumerate() {
                        for j in 0..al {
                            combine(
                                &mut sb[j * nt..(j + 1) * nt],
                                terms_i,
                                |k| (k * al + j) * pst + base,
                                m,
                            );
                        }
                        for (l, terms_l) in at.iter().enumerate() {
                            combine(&mut q[l * nt..(l + 1) * nt], terms_l, |j| j * nt, sb);
                        }
                        for r in 0..rows {
                            let y = tm * (ty0 + r) + i;
                            if y >= h {
                                break;
                            }
                            let dst = &mut plane[y * w..(y + 1) * w];
                            for l in 0..tm {
                                let ql = &q[l * nt + r * txn..l * nt + (r + 1) * txn];
                                for (tx, &v) in ql.iter().enumerate() {
                                    let x = tm * tx + l;
                                    if x < w {
                                        let v = v + b;
                                        dst[x] = if relu { v.max(0.0) } else { v };
                                    }
                                }
                            }
                        }
                    }
                },
            );
            ty0 += rows;
        }
    }
}

/// Exact ortho `rfft2` / `irfft2` for one `h × w` on host buffers, as FFTs (realfft over
/// `w`, rustfft over `h`), one channel per task. The inverse follows the C2R convention of
/// pocketfft / MKL / cuFFT: the imaginary parts of the `k = 0` and (even `w`) `k = w/2`
/// columns are ignored (as the DFT matrices of [`super::dft`] do).
pub(crate) struct NativeDft {
    h: usize,
    w: usize,
    wf: usize,
    r2c: Arc<dyn RealToComplex<f32>>,
    c2r: Arc<dyn ComplexToReal<f32>>,
    fwd_h: Arc<dyn Fft<f32>>,
    inv_h: Arc<dyn Fft<f32>>,
}

impl std::fmt::Debug for NativeDft {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NativeDft")
            .field("h", &self.h)
            .field("w", &self.w)
            .finish_non_exhaustive()
    }
}

/// Per-task buffers of [`NativeDft`].
struct FftScratch {
    row: Vec<f32>,
    row_spec: Vec<Complex<f32>>,
    cols: Vec<Complex<f32>>,
    scratch: Vec<Complex<f32>>,
}

fn fft_error(e: realfft::FftError) -> Error {
    Error::Backend(format!("LaMa FFT failed: {e}"))
}

impl NativeDft {
    pub fn new(h: usize, w: usize) -> Self {
        let mut real = RealFftPlanner::<f32>::new();
        let mut complex = FftPlanner::<f32>::new();
        Self {
            h,
            w,
            wf: w / 2 + 1,
            r2c: real.plan_fft_forward(w),
            c2r: real.plan_fft_inverse(w),
            fwd_h: complex.plan_fft_forward(h),
            inv_h: complex.plan_fft_inverse(h),
        }
    }

    pub fn fits(&self, h: usize, w: usize) -> bool {
        self.h == h && self.w == w
    }

    fn scratch(&self) -> FftScratch {
        let len = [
            self.r2c.get_scratch_len(),
            self.c2r.get_scratch_len(),
            self.fwd_h.get_inplace_scratch_len(),
            self.inv_h.get_inplace_scratch_len(),
        ]
        .into_iter()
        .max()
        .unwrap_or(0);
        FftScratch {
            row: vec![0.0; self.w],
            row_spec: vec![Complex::default(); self.wf],
            cols: vec![Complex::default(); self.wf * self.h],
            scratch: vec![Complex::default(); len],
        }
    }

    fn scale(&self) -> f32 {
        (1.0 / ((self.h * self.w) as f64).sqrt()) as f32
    }

    /// `y` `[C, h, w]` → `spec` = `[re (C) ; im (C)]` blocks of `[h, wf]`: `[2C, h·wf]`.
    fn rfft2(&self, y: &[f32], c: usize, spec: &mut [f32]) -> Result<()> {
        let (h, w, wf) = (self.h, self.w, self.wf);
        let scale = self.scale();
        let (re, im) = spec.split_at_mut(c * h * wf);
        re.par_chunks_mut(h * wf)
            .zip(im.par_chunks_mut(h * wf))
            .zip(y.par_chunks(h * w))
            .try_for_each_init(
                || self.scratch(),
                |b, ((re, im), yc)| {
                    // Rows: real FFT over w, stored column-major ([k][r]).
                    for r in 0..h {
                        b.row.copy_from_slice(&yc[r * w..(r + 1) * w]);
                        self.r2c
                            .process_with_scratch(&mut b.row, &mut b.row_spec, &mut b.scratch)
                            .map_err(fft_error)?;
                        for (k, &v) in b.row_spec.iter().enumerate() {
                            b.cols[k * h + r] = v;
                        }
                    }
                    // Columns: complex FFT over h.
                    self.fwd_h.process_with_scratch(&mut b.cols, &mut b.scratch);
                    for r in 0..h {
                        for k in 0..wf {
                            let v = b.cols[k * h + r];
                            re[r * wf + k] = v.re * scale;
                            im[r * wf + k] = v.im * scale;
                        }
                    }
                    Ok(())
                },
            )
    }

    /// `spec` = `[re (C) ; im (C)]` blocks of `[h, wf]` → `out = add + irfft2(spec)`,
    /// `[C, h, w]`.
    fn irfft2_add(&self, spec: &[f32], c: usize, add: &[f32], out: &mut [f32]) -> Result<()> {
        let (h, w, wf) = (self.h, self.w, self.wf);
        let scale = self.scale();
        let (re, im) = spec.split_at(c * h * wf);
        out.par_chunks_mut(h * w)
            .zip(add.par_chunks(h * w))
            .zip(re.par_chunks(h * wf).zip(im.par_chunks(h * wf)))
            .try_for_each_init(
                || self.scratch(),
                |b, ((oc, ac), (re, im))| {
                    for r in 0..h {
                        for k in 0..wf {
                            b.cols[k * h + r] = Complex::new(re[r * wf + k], im[r * wf + k]);
                        }
                    }
                    self.inv_h.process_with_scratch(&mut b.cols, &mut b.scratch);
                    for r in 0..h {
                        for (k, v) in b.row_spec.iter_mut().enumerate() {
                            *v = b.cols[k * h + r];
                        }
                        b.row_spec[0].im = 0.0;
                        if w % 2 == 0 {
                            b.row_spec[wf - 1].im = 0.0;
                        }
                        self.c2r
                            .process_with_scratch(&mut b.row_spec, &mut b.row, &mut b.scratch)
                            .map_err(fft_error)?;
                        let dst = &mut oc[r * w..(r + 1) * w];
                        let base = &ac[r * w..(r + 1) * w];
                        for ((d, &a), &v) in dst.iter_mut().zip(base).zip(&b.row) {
                            *d = a + v * scale;
                        }
                    }
                    Ok(())
                },
            )
    }
}

/// One bottleneck `FFC_BN_ACT` (see [`super::ffc`]).
#[derive(Debug, Clone)]
struct Ffc {
    convs: FfcConvs,
    /// SpectralTransform `conv1` (`c → c/2`, BN folded).
    conv1: Dense,
    /// FourierUnit conv on `[re ; im]` blocks (`c → c`, BN folded, permuted at load).
    fu: Dense,
    /// `conv2` (`c/2 → c`, `bn_g`'s scale folded).
    conv2: Dense,
    local: usize,
}

impl Ffc {
    fn new(host: &HostFfc) -> Self {
        Self {
            convs: FfcConvs::new(&host.to_local, &host.local_to_global),
            conv1: Dense::new(&host.spectral.conv1),
            fu: Dense::new(&host.spectral.fu),
            conv2: Dense::new(&host.spectral.conv2),
            local: host.local,
        }
    }

    /// `x` `[cl + cg, h, w]` → `out`, same shape.
    fn forward(
        &self,
        x: &[f32],
        h: usize,
        w: usize,
        dft: &NativeDft,
        out: &mut [f32],
        ws: &mut Workspace,
    ) -> Result<()> {
        let hw = h * w;
        let wf = dft.wf;
        let half = self.conv1.out;
        self.convs.forward(x, h, w, out, ws);
        let mut y = std::mem::take(&mut ws.y);
        let mut f = std::mem::take(&mut ws.f);
        let mut sum = std::mem::take(&mut ws.sum);
        let y_ = scratch(&mut y, half * hw);
        self.conv1.forward(&x[self.local * hw..], hw, true, y_);
        let f_ = scratch(&mut f, 2 * half * h * wf);
        dft.rfft2(y_, half, f_)?;
        let mut spec = std::mem::take(&mut ws.spec);
        let spec_ = scratch(&mut spec, 2 * half * h * wf);
        self.fu.forward(f_, h * wf, true, spec_);
        let sum_ = scratch(&mut sum, half * hw);
        dft.irfft2_add(spec_, half, y_, sum_)?;
        let global = &mut out[self.local * hw..];
        gemm(
            global,
            hw,
            self.conv2.view(),
            View::new(sum_, half, hw),
            true,
            all_threads(),
        );
        bias_act(global, hw, self.conv2.bias.as_deref(), true);
        ws.y = y;
        ws.f = f;
        ws.spec = spec;
        ws.sum = sum;
        Ok(())
    }
}

/// `FFCResnetBlock` on host buffers: `x + conv2(conv1(x))`.
#[derive(Debug, Clone)]
pub(crate) struct NativeBlock {
    conv1: Ffc,
    conv2: Ffc,
}

impl NativeBlock {
    pub fn new(conv1: &HostFfc, conv2: &HostFfc) -> Self {
        Self {
            conv1: Ffc::new(conv1),
            conv2: Ffc::new(conv2),
        }
    }

    /// `[cl + cg, h, w]` (one image) in place.
    pub fn forward(
        &self,
        x: &mut [f32],
        h: usize,
        w: usize,
        dft: &NativeDft,
        ws: &mut Workspace,
    ) -> Result<()> {
        let mut out1 = std::mem::take(&mut ws.out1);
        let mut out2 = std::mem::take(&mut ws.out2);
        let y1 = scratch(&mut out1, x.len());
        self.conv1.forward(x, h, w, dft, y1, ws)?;
        let y2 = scratch(&mut out2, x.len());
        self.conv2.forward(y1, h, w, dft, y2, ws)?;
        x.par_chunks_mut(h * w)
            .zip(y2.par_chunks(h * w))
            .for_each(|(a, b)| a.iter_mut().zip(b).for_each(|(a, b)| *a += b));
        ws.out1 = out1;
        ws.out2 = out2;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lcg(seed: u64, n: usize) -> Vec<f64> {
        let mut s = seed;
        (0..n)
            .map(|_| {
                s = s
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                ((s >> 33) as f64 / (1u64 << 31) as f64) - 0.5
            })
            .collect()
    }

    /// Direct reflect-padded 3×3 convolution in f64.
    fn direct(x: &[f64], c: usize, h: usize, w: usize, conv: &HostConv) -> Vec<f64> {
        let out = conv.shape[0];
        let refl = |i: isize, n: usize| -> usize {
            if i < 0 {
                (-i) as usize
            } else if i as usize >= n {
                2 * n - 2 - i as usize
            } else {
                i as usize
            }
        };
        let mut y = vec![0.0; out * h * w];
        for o in 0..out {
            for yy in 0..h {
                for xx in 0..w {
                    let mut s = conv.bias.as_ref().map_or(0.0, |b| b[o]);
                    for i in 0..c {
                        for ky in 0..3 {
                            for kx in 0..3 {
                                let sy = refl(yy as isize + ky as isize - 1, h);
                                let sx = refl(xx as isize + kx as isize - 1, w);
                                s += conv.weight[((o * c + i) * 3 + ky) * 3 + kx]
                                    * x[(i * h + sy) * w + sx];
                            }
                        }
                    }
                    y[(o * h + yy) * w + xx] = s;
                }
            }
        }
        y
    }

    #[test]
    fn winograd_matches_a_direct_convolution_on_odd_and_even_sides() {
        let (cl, cg) = (24, 40);
        let c = cl + cg;
        for (kind, bound) in [(&F2, 1e-5), (&F4, 2e-5)] {
            for (h, w) in [(6, 8), (5, 7), (2, 3), (9, 4), (13, 18)] {
                let to_local = HostConv {
                    shape: [cl, c, 3, 3],
                    weight: lcg(1, cl * c * 9).iter().map(|v| v * 0.2).collect(),
                    bias: Some(lcg(2, cl)),
                };
                let to_global = HostConv {
                    shape: [cg, cl, 3, 3],
                    weight: lcg(3, cg * cl * 9).iter().map(|v| v * 0.2).collect(),
                    bias: Some(lcg(4, cg)),
                };
                let x = lcg(5, c * h * w);
                let convs = FfcConvs::with_kind(&to_local, &to_global, kind);
                let mut got = vec![0.0f32; c * h * w];
                convs.forward_kind(&narrow(&x), h, w, &mut got, &mut Workspace::default(), kind);
                let want_l = direct(&x, c, h, w, &to_local);
                let want_g = direct(&x[..cl * h * w], cl, h, w, &to_global);
                let want: Vec<f64> = want_l
                    .iter()
                    .map(|v| v.max(0.0))
                    .chain(want_g.iter().copied())
                    .collect();
                let err = got
                    .iter()
                    .zip(&want)
                    .map(|(&a, &b)| (f64::from(a) - b).abs())
                    .fold(0.0, f64::max);
                let scale = want.iter().map(|v| v.abs()).fold(0.0, f64::max);
                println!(
                    "F({}) {h}x{w}: max abs error {err:.2e} (outputs up to {scale:.2})",
                    kind.m
                );
                assert!(err < bound, "F({}) {h}x{w}: {err}", kind.m);
            }
        }
    }
}
