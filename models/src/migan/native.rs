//! MI-GAN's forward on plain `f32` buffers (`[C, H, W]`), the CPU path: depthwise
//! convolutions and resampling per channel on rayon, the 1×1 convolutions as faer GEMMs, the
//! activation fused into the passes that produce its input.

use rayon::prelude::*;

use super::weights::{MiganWeights, Pointwise, SepConv};
use super::{activation, keep_going_or_cancel};
use crate::buffer_pool::BufferPool;
use crate::gemm::{View, all_threads, gemm};
use crate::{Error, Result};

/// The generator on host buffers.
#[derive(Debug)]
pub(crate) struct NativeMigan {
    weights: MiganWeights,
}

/// A feature map: `channels` planes of `side × side`.
struct Map {
    data: Vec<f32>,
    channels: usize,
    side: usize,
}

impl NativeMigan {
    pub(crate) fn new(weights: MiganWeights) -> Self {
        Self { weights }
    }

    /// `[4, R, R]` generator input → `[3, R, R]` output. `keep_going(done, total)` is asked
    /// between blocks; `false` cancels.
    pub(crate) fn forward(
        &self,
        input: &[f32],
        keep_going: &mut dyn FnMut(usize, usize) -> bool,
    ) -> Result<Vec<f32>> {
        let w = &self.weights;
        let r = w.resolution;
        if input.len() != 4 * r * r {
            return Err(Error::Backend(format!(
                "MI-GAN input has {} values; [4, {r}, {r}] was expected",
                input.len()
            )));
        }
        let total = w.encoder.len() + w.synthesis.len();
        let mut done = 0usize;
        let mut step = |done: &mut usize| {
            *done += 1;
            keep_going_or_cancel(keep_going(*done, total))
        };

        let mut pool = BufferPool::default();
        let mut skips = Vec::with_capacity(w.encoder.len());
        let mut h: Option<Map> = None;
        for block in &w.encoder {
            let x = match (&block.fromrgb, h.take()) {
                (Some(p), _) => {
                    let mut y = pointwise(p, input, r, &mut pool);
                    y.par_iter_mut().for_each(|v| *v = activation(*v));
                    Map {
                        data: y,
                        channels: p.outputs,
                        side: r,
                    }
                }
                (None, Some(x)) => x,
                (None, None) => {
                    return Err(Error::Backend("MI-GAN encoder has no input layer".into()));
                }
            };
            let feat = separable(&block.conv1, &x, &mut pool);
            pool.give(x.data);
            h = Some(separable(&block.conv2, &feat, &mut pool));
            skips.push(feat);
            step(&mut done)?;
        }
        let mut h = h.ok_or_else(|| Error::Backend("MI-GAN has no encoder blocks".into()))?;

        let mut img: Option<Map> = None;
        for block in &w.synthesis {
            let mut x = separable(&block.conv1, &h, &mut pool);
            let skip = skips
                .pop()
                .filter(|s| s.channels == x.channels && s.side == x.side)
                .ok_or_else(|| Error::Backend("MI-GAN skip features do not line up".into()))?;
            add_into(&mut x.data, &skip.data);
            pool.give(skip.data);
            let next = separable(&block.conv2, &x, &mut pool);
            pool.give(std::mem::replace(&mut h, next).data);
            pool.give(x.data);
            let rgb = pointwise(&block.torgb, &h.data, h.side, &mut pool);
            img = Some(match (img.take(), &block.upsample) {
                (Some(prev), Some(filters)) => {
                    let mut up = upsample(&prev.data, prev.channels, prev.side, filters, &mut pool);
                    pool.give(prev.data);
                    add_into(&mut up, &rgb);
                    pool.give(rgb);
                    Map {
                        data: up,
                        channels: 3,
                        side: h.side,
                    }
                }
                _ => Map {
                    data: rgb,
                    channels: 3,
                    side: h.side,
                },
            });
            step(&mut done)?;
        }
        img.filter(|m| m.side == r)
            .map(|m| m.data)
            .ok_or_else(|| Error::Backend("MI-GAN produced no image".into()))
    }
}

/// `dst += src`, in parallel.
fn add_into(dst: &mut [f32], src: &[f32]) {
    dst.par_chunks_mut(1 << 14)
        .zip(src.par_chunks(1 << 14))
        .for_each(|(d, s)| d.iter_mut().zip(s).for_each(|(d, s)| *d += s));
}

/// A 1×1 convolution with bias over `side × side` planes.
fn pointwise(p: &Pointwise, x: &[f32], side: usize, pool: &mut BufferPool) -> Vec<f32> {
    let n = side * side;
    let mut out = pool.take(p.outputs * n);
    gemm(
        &mut out,
        n,
        View::new(&p.weight, p.outputs, p.inputs),
        View::new(x, p.inputs, n),
        false,
        all_threads(),
    );
    out.par_chunks_mut(n)
        .zip(&p.bias)
        .for_each(|(plane, b)| plane.iter_mut().for_each(|v| *v += b));
    out
}

/// One separable convolution: depthwise 3×3 + bias, activation, optional 2× down, 1×1,
/// optional 2× up, optional noise, activation.
fn separable(conv: &SepConv, x: &Map, pool: &mut BufferPool) -> Map {
    let mut t = depthwise3(
        &x.data,
        x.channels,
        x.side,
        &conv.depthwise,
        &conv.depthwise_bias,
        pool,
    );
    let mut side = x.side;
    if let Some(filters) = &conv.down {
        let d = downsample(&t, x.channels, side, filters, pool);
        pool.give(std::mem::replace(&mut t, d));
        side /= 2;
    }
    let n = side * side;
    let mut y = pool.take(conv.outputs * n);
    gemm(
        &mut y,
        n,
        View::new(&conv.pointwise, conv.outputs, conv.inputs),
        View::new(&t, conv.inputs, n),
        false,
        all_threads(),
    );
    pool.give(t);
    if let Some(filters) = &conv.up {
        let u = upsample(&y, conv.outputs, side, filters, pool);
        pool.give(std::mem::replace(&mut y, u));
        side *= 2;
    }
    match &conv.noise {
        Some(noise) if noise.len() == side * side => {
            y.par_chunks_mut(side * side).for_each(|plane| {
                plane
                    .iter_mut()
                    .zip(noise)
                    .for_each(|(v, n)| *v = activation(*v + n));
            });
        }
        _ => y.par_iter_mut().for_each(|v| *v = activation(*v)),
    }
    Map {
        data: y,
        channels: conv.outputs,
        side,
    }
}

/// Depthwise 3×3 convolution (zero padding 1) plus bias, then the activation.
fn depthwise3(
    x: &[f32],
    channels: usize,
    side: usize,
    k: &[f32],
    bias: &[f32],
    pool: &mut BufferPool,
) -> Vec<f32> {
    let n = side * side;
    let mut out = pool.take(channels * n);
    out.par_chunks_mut(n)
        .zip(x.par_chunks(n))
        .zip(k.par_chunks(9).zip(bias.par_iter()))
        .for_each(|((o, src), (k, &b))| {
            for y in 0..side {
                let row = &mut o[y * side..(y + 1) * side];
                row.fill(b);
                for ky in 0..3 {
                    let Some(sy) = (y + ky).checked_sub(1).filter(|&sy| sy < side) else {
                        continue;
                    };
                    let s = &src[sy * side..(sy + 1) * side];
                    let (k0, k1, k2) = (k[ky * 3], k[ky * 3 + 1], k[ky * 3 + 2]);
                    row.iter_mut().zip(s).for_each(|(r, v)| *r += k1 * v);
                    row[1..]
                        .iter_mut()
                        .zip(&s[..side - 1])
                        .for_each(|(r, v)| *r += k0 * v);
                    row[..side - 1]
                        .iter_mut()
                        .zip(&s[1..])
                        .for_each(|(r, v)| *r += k2 * v);
                }
                row.iter_mut().for_each(|v| *v = activation(*v));
            }
        });
    out
}

/// Depthwise 4×4 convolution, stride 2, zero padding 1: `side` → `side / 2`.
fn downsample(
    x: &[f32],
    channels: usize,
    side: usize,
    filters: &[f32],
    pool: &mut BufferPool,
) -> Vec<f32> {
    let half = side / 2;
    let mut out = pool.take(channels * half * half);
    out.par_chunks_mut(half * half)
        .zip(x.par_chunks(side * side))
        .zip(filters.par_chunks(16))
        .for_each(|((o, src), f)| {
            // A source row with one zero in front and two behind: taps `2·ox + kx` for
            // `kx` in 0..4 stay inside.
            let mut padded = vec![0f32; side + 3];
            for oy in 0..half {
                let row = &mut o[oy * half..(oy + 1) * half];
                row.fill(0.0);
                for ky in 0..4 {
                    let Some(sy) = (2 * oy + ky).checked_sub(1).filter(|&sy| sy < side) else {
                        continue;
                    };
                    padded[1..=side].copy_from_slice(&src[sy * side..(sy + 1) * side]);
                    let fk = &f[ky * 4..ky * 4 + 4];
                    for (ox, r) in row.iter_mut().enumerate() {
                        let p = &padded[2 * ox..2 * ox + 4];
                        *r += fk[0] * p[0] + fk[1] * p[1] + fk[2] * p[2] + fk[3] * p[3];
                    }
                }
            }
        });
    out
}

/// 2× up: zeros inserted after every pixel, zero padding (2, 1) on each axis, depthwise 4×4
/// convolution with `filters`. Output `(2·oy + a, 2·ox + b)` takes input rows `oy` (filter
/// row 2) and `oy − 1` (row 0) for even `a`, `oy` (row 1) and `oy + 1` (row 3) for odd.
fn upsample(
    x: &[f32],
    channels: usize,
    side: usize,
    filters: &[f32],
    pool: &mut BufferPool,
) -> Vec<f32> {
    let big = 2 * side;
    let mut out = pool.take(channels * big * big);
    out.par_chunks_mut(big * big)
        .zip(x.par_chunks(side * side))
        .zip(filters.par_chunks(16))
        .for_each(|((o, src), f)| {
            for oy in 0..big {
                let (m, odd) = (oy / 2, oy % 2 == 1);
                let taps = if odd {
                    [(Some(m), 1), (Some(m + 1).filter(|&i| i < side), 3)]
                } else {
                    [(Some(m), 2), (m.checked_sub(1), 0)]
                };
                let row = &mut o[oy * big..(oy + 1) * big];
                row.fill(0.0);
                for (iy, ty) in taps {
                    let Some(iy) = iy else { continue };
                    let s = &src[iy * side..(iy + 1) * side];
                    let fk = &f[ty * 4..ty * 4 + 4];
                    for (n, pair) in row.chunks_exact_mut(2).enumerate() {
                        let v = s[n];
                        let left = if n > 0 { s[n - 1] } else { 0.0 };
                        let right = s.get(n + 1).copied().unwrap_or(0.0);
                        pair[0] += v * fk[2] + left * fk[0];
                        pair[1] += v * fk[1] + right * fk[3];
                    }
                }
            }
        });
    out
}
