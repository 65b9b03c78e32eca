//! Telea's fast-marching inpainting (OpenCV's `INPAINT_TELEA`).
//!
//! A. Telea, "An Image Inpainting Technique Based on the Fast Marching Method", 2004, with
//! OpenCV's concrete weighting: each hole pixel, in fast-marching order, becomes a weighted
//! average of the known pixels within `radius` (Euclidean), weighted by
//! direction (`|r·∇T|`, with OpenCV's 10⁻⁶ floor when `|r·∇T| ≤ 0.01`),
//! level-set distance (`1 / (1 + |T(q) − T(p)|)`, with `T` negative outside the hole from a
//! second, outward march) and geometric distance (`1 / |r|³`), plus OpenCV's image-gradient
//! term `(Jx + Jy) / |J|`, `J = −Σ w ∇I ⊙ r`. OpenCV's border arithmetic (its padded matrix and
//! the shifted reads on the first and last row and column) is reproduced.
//!
//! One deliberate difference by default ([`Accumulation::Float`]): OpenCV adds 0.5 and rounds
//! every filled pixel to 8 bits before later pixels read it, which makes deep holes drift
//! brighter. mend keeps filled pixels in `f32` and rounds once at the end;
//! [`Accumulation::OpenCv`] reproduces OpenCV's rounding for parity checks.

use image::{GrayImage, RgbImage};

use super::fmm::{
    Grid, INSIDE, NB_DOWN, NB_LEFT, NB_RIGHT, NB_SELF, NB_UP, Stopped, effective_radius, to_u8,
};
use crate::{Error, Progress, Result};

/// How filled pixels are stored while the hole is being filled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Accumulation {
    /// Keep filled pixels in `f32` and round once at the end (no brightening drift).
    #[default]
    Float,
    /// OpenCV's behaviour: add 0.5 and round each filled pixel to 8 bits as soon as it is
    /// computed (deep holes drift brighter, exactly as in `cv2.inpaint`).
    OpenCv,
}

/// Fills the pixels where `mask != 0` with Telea's method and `radius` (OpenCV's
/// `inpaintRadius`; 0 behaves as 1, values above 100 as 100).
///
/// Pixels outside the mask are returned unchanged. A mask smaller than the image selects
/// nothing beyond its own extent; an empty or all-covering mask returns a copy of the image
/// (as OpenCV does).
pub fn inpaint(image: &RgbImage, mask: &GrayImage, radius: u32) -> RgbImage {
    match run(image, mask, radius, Accumulation::Float, &mut |_| true) {
        Ok(out) => out,
        // Unreachable: the progress callback above never cancels.
        Err(Stopped) => image.clone(),
    }
}

/// [`inpaint`] with a choice of [`Accumulation`] and progress reporting; returns
/// [`Error::Cancelled`] when `progress` asks to stop.
pub fn inpaint_with(
    image: &RgbImage,
    mask: &GrayImage,
    radius: u32,
    accumulation: Accumulation,
    progress: &dyn Progress,
) -> Result<RgbImage> {
    run(image, mask, radius, accumulation, &mut |f| {
        progress.report(f)
    })
    .map_err(|Stopped| Error::Cancelled)
}

/// One weighting offset within the radius.
struct Offset {
    dk: isize,
    dl: isize,
    /// `1 / |r|³` as OpenCV computes it.
    dst: f32,
}

fn offsets(radius: usize) -> Vec<Offset> {
    let r = radius as isize;
    let mut v = Vec::new();
    for dk in -r..=r {
        for dl in -r..=r {
            let len2 = dk * dk + dl * dl;
            // (0, 0) is the pixel being filled, which is never a source.
            if len2 == 0 || len2 > r * r {
                continue;
            }
            let l2 = len2 as f32;
            let dst = (1.0 / (f64::from(l2) * f64::from(l2).sqrt())) as f32;
            v.push(Offset { dk, dl, dst });
        }
    }
    v
}

fn run(
    image: &RgbImage,
    mask: &GrayImage,
    radius: u32,
    accumulation: Accumulation,
    progress: &mut dyn FnMut(f32) -> bool,
) -> std::result::Result<RgbImage, Stopped> {
    let mut out = image.clone();
    let radius = effective_radius(radius);
    let Some(mut grid) = Grid::new(image, mask, radius) else {
        return Ok(out);
    };
    grid.march_outward();
    let offsets = offsets(radius);
    let bias = match accumulation {
        Accumulation::Float => 0.0,
        Accumulation::OpenCv => 0.5,
    };
    grid.march_inward(progress, |g, p, t_p| {
        fill(g, p, t_p, &offsets, radius, accumulation, bias)
    })?;
    grid.write_back(mask, &mut out);
    Ok(out)
}

/// Where one source pixel's image gradient is sampled: `(a − b) · scale` per axis.
#[derive(Clone, Copy)]
struct Taps {
    own: usize,
    xa: usize,
    xb: usize,
    xs: f32,
    ya: usize,
    yb: usize,
    ys: f32,
}

/// OpenCV's one-sided / central difference choice from the known-neighbour bits of a source:
/// `(a offset, b offset, scale)` for `(next known, prev known)` = (no, no), (yes, no), (no, yes),
/// (yes, yes). The central difference is scaled by 2 (OpenCV's, not ½).
const DIFF: [(isize, isize, f32); 4] = [(0, 0, 0.0), (1, 0, 1.0), (0, -1, 1.0), (1, -1, 2.0)];

/// Gradient taps of source `q` (grid row `k`, column `l`) away from the image edge.
#[inline]
fn taps_interior(q: usize, nb: u8, pw: usize) -> Taps {
    let pwi = pw as isize;
    let (xa, xb, xs) = DIFF[usize::from((nb / NB_RIGHT) & 3)];
    let (ya, yb, ys) = DIFF[usize::from((nb / NB_DOWN) & 3)];
    let at = |d: isize| q.wrapping_add_signed(d);
    Taps {
        own: q,
        xa: at(xa),
        xb: at(xb),
        xs,
        ya: at(ya * pwi),
        yb: at(yb * pwi),
        ys,
    }
}

/// Gradient taps of source `q` with OpenCV's edge arithmetic (see [`super::fmm::EdgeMap`]).
#[inline]
fn taps_edge(g: &Grid, q: usize, k: usize, l: usize, nb: u8) -> Taps {
    let (r, c) = (&g.rows, &g.cols);
    let (rm, rmm, rp, rpn) = (r.m[k], r.m_prev[k], r.p[k], r.p_next[k]);
    let (cm, cmm, cp, cpn) = (c.m[l], c.m_prev[l], c.p[l], c.p_next[l]);
    let center = rm + cm;
    let (xa, xb, xs) = match (nb & NB_RIGHT != 0, nb & NB_LEFT != 0) {
        (true, true) => (rm + cpn, rm + cmm, 2.0),
        (true, false) => (rm + cpn, center, 1.0),
        (false, true) => (rm + cp, rm + cmm, 1.0),
        (false, false) => (center, center, 0.0),
    };
    let (ya, yb, ys) = match (nb & NB_DOWN != 0, nb & NB_UP != 0) {
        (true, true) => (rpn + cm, rmm + cm, 2.0),
        (true, false) => (rpn + cm, center, 1.0),
        (false, true) => (rp + cm, rmm + cm, 1.0),
        (false, false) => (center, center, 0.0),
    };
    Taps {
        own: q,
        xa,
        xb,
        xs,
        ya,
        yb,
        ys,
    }
}

/// Computes the colour of hole pixel `p` (arrival time `t_p`) from the known pixels around it.
#[inline]
fn fill(
    g: &mut Grid,
    p: usize,
    t_p: f32,
    offsets: &[Offset],
    radius: usize,
    accumulation: Accumulation,
    bias: f32,
) {
    let pw = g.pw;
    let (f, t, col) = (&g.flags, &g.t, &g.color);
    let i = p / pw;
    let j = p % pw;

    // ∇T at p, one-sided where a neighbour is still in the hole.
    let grad = |prev: usize, next: usize| -> f32 {
        match (f[next] != INSIDE, f[prev] != INSIDE) {
            (true, true) => (t[next] - t[prev]) * 0.5,
            (true, false) => t[next] - t_p,
            (false, true) => t_p - t[prev],
            (false, false) => 0.0,
        }
    };
    let gtx = grad(p - 1, p + 1);
    let gty = grad(p - pw, p + pw);

    let mut ia = [0.0f32; 4];
    let mut jx = [0.0f32; 4];
    let mut jy = [0.0f32; 4];
    let mut s = 1.0e-20f32;

    // The window and its gradient taps stay off the frame and the image edge: plain offsets.
    let interior = i > radius + 1 && j > radius + 1 && i + radius + 2 < g.ph && j + radius + 2 < pw;
    for o in offsets {
        let k = i.wrapping_add_signed(o.dk);
        let l = j.wrapping_add_signed(o.dl);
        if !interior && (k < 1 || l < 1 || k >= g.ph - 1 || l >= pw - 1) {
            continue;
        }
        let q = k * pw + l;
        let nb = g.nb[q];
        if nb & NB_SELF == 0 {
            continue;
        }
        // r points from the source q to p.
        let rx = -o.dl as f32;
        let ry = -o.dk as f32;
        let lev = (1.0 / (1.0 + f64::from((t[q] - t_p).abs()))) as f32;
        let mut dir = rx * gtx + ry * gty;
        if dir.abs() <= 0.01 {
            dir = 0.000_001;
        }
        let w = (o.dst * lev * dir).abs();

        let tp = if interior {
            taps_interior(q, nb, pw)
        } else {
            taps_edge(g, q, k, l, nb)
        };
        let (own, xa, xb, ya, yb) = (col[tp.own], col[tp.xa], col[tp.xb], col[tp.ya], col[tp.yb]);
        for c in 0..4 {
            let gix = (xa[c] - xb[c]) * tp.xs;
            let giy = (ya[c] - yb[c]) * tp.ys;
            ia[c] += w * own[c];
            jx[c] -= w * (gix * rx);
            jy[c] -= w * (giy * ry);
        }
        s += w;
    }

    let mut v = [0.0f32; 4];
    for c in 0..3 {
        let norm = (jx[c] * jx[c] + jy[c] * jy[c]).sqrt() + 1.0e-20;
        let sat = ia[c] / s + (jx[c] + jy[c]) / norm + bias;
        v[c] = match accumulation {
            Accumulation::Float => sat.clamp(0.0, 255.0),
            Accumulation::OpenCv => f32::from(to_u8(sat)),
        };
    }
    g.color[p] = v;
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{Luma, Rgb};

    fn flat(w: u32, h: u32, v: u8) -> RgbImage {
        RgbImage::from_pixel(w, h, Rgb([v, v, v]))
    }

    #[test]
    fn tiny_and_degenerate_inputs_do_not_panic() {
        for (w, h) in [(1, 1), (1, 5), (5, 1), (2, 2), (3, 7)] {
            let img = RgbImage::from_fn(w, h, |x, y| Rgb([(x * 40) as u8, (y * 30) as u8, 7]));
            for m in [0u8, 255] {
                let mask = GrayImage::from_pixel(w, h, Luma([m]));
                // Empty and full masks leave the image as it is (OpenCV does the same).
                assert_eq!(inpaint(&img, &mask, 4), img);
            }
            let mut mask = GrayImage::new(w, h);
            mask.put_pixel(0, 0, Luma([255]));
            for r in [0, 1, 4, 200] {
                let out = inpaint(&img, &mask, r);
                assert_eq!(out.dimensions(), img.dimensions());
            }
        }
    }

    #[test]
    fn mismatched_mask_sizes_are_tolerated() {
        let img = flat(8, 8, 50);
        let mask = GrayImage::from_pixel(3, 20, Luma([255]));
        let out = inpaint(&img, &mask, 3);
        assert_eq!(out.get_pixel(7, 7), &Rgb([50, 50, 50]));
    }

    #[test]
    fn border_masks_fill_and_keep_the_rest() {
        let img = RgbImage::from_fn(40, 30, |x, y| Rgb([(x * 6) as u8, (y * 8) as u8, 128]));
        let mut mask = GrayImage::new(40, 30);
        for y in 0..30 {
            for x in 0..40 {
                if x < 3 || y >= 27 || (x + y) % 17 == 0 {
                    mask.put_pixel(x, y, Luma([255]));
                }
            }
        }
        let out = inpaint(&img, &mask, 4);
        for (x, y, m) in mask.enumerate_pixels() {
            if m[0] == 0 {
                assert_eq!(out.get_pixel(x, y), img.get_pixel(x, y));
            }
        }
        // A smooth ramp stays close to the ramp.
        let p = out.get_pixel(20, 29);
        assert!((i32::from(p[0]) - 120).abs() <= 12, "{p:?}");
    }

    #[test]
    fn flat_image_with_big_hole_stays_flat_in_float_mode() {
        let img = flat(96, 96, 100);
        let mut mask = GrayImage::new(96, 96);
        for y in 20..76 {
            for x in 20..76 {
                mask.put_pixel(x, y, Luma([255]));
            }
        }
        let out = inpaint(&img, &mask, 4);
        assert!(
            out.pixels().all(|p| p[0].abs_diff(100) <= 1),
            "float Telea drifted"
        );
    }

    #[test]
    fn cancellation_is_reported() {
        struct Stop;
        impl Progress for Stop {
            fn report(&self, _: f32) -> bool {
                false
            }
        }
        let img = flat(128, 128, 10);
        let mask = GrayImage::from_fn(128, 128, |x, _| Luma([if x > 10 { 255 } else { 0 }]));
        let r = inpaint_with(&img, &mask, 4, Accumulation::Float, &Stop);
        assert!(matches!(r, Err(Error::Cancelled)));
    }
}
