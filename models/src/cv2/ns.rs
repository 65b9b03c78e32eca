//! OpenCV's `INPAINT_NS` ("Navier–Stokes") inpainting.
//!
//! Despite the name, OpenCV's implementation is not a PDE solver: it fills the hole in the same
//! fast-marching order as Telea, and makes each hole pixel a weighted average of the known
//! pixels within `radius` whose weight favours sources lying along the local isophote:
//! `w = 1 / (|r|⁴ + 1) · |cos ∠(r, iso)|`, where `iso` is the rotated absolute-difference
//! gradient of the source (10⁻⁶ instead when `|r·iso| ≤ 0.01`), computed per colour channel.
//! Every filled pixel is rounded to 8 bits before later pixels read it, as in OpenCV (this
//! variant does not drift). OpenCV's border arithmetic is reproduced.

use image::{GrayImage, RgbImage};

use super::fmm::{F4, Grid, NB_DOWN, NB_RIGHT, NB_SELF, Stopped, effective_radius};
use crate::{Error, Progress, Result};

/// Fills the pixels where `mask != 0` with OpenCV's Navier–Stokes-named method and `radius`
/// (OpenCV's `inpaintRadius`; 0 behaves as 1, values above 100 as 100).
///
/// Pixels outside the mask are returned unchanged. A mask smaller than the image selects
/// nothing beyond its own extent; an empty or all-covering mask returns a copy of the image
/// (as OpenCV does).
pub fn inpaint(image: &RgbImage, mask: &GrayImage, radius: u32) -> RgbImage {
    match run(image, mask, radius, &mut |_| true) {
        Ok(out) => out,
        // Unreachable: the progress callback above never cancels.
        Err(Stopped) => image.clone(),
    }
}

/// [`inpaint`] with progress reporting; returns [`Error::Cancelled`] when `progress` asks to
/// stop.
pub fn inpaint_with(
    image: &RgbImage,
    mask: &GrayImage,
    radius: u32,
    progress: &dyn Progress,
) -> Result<RgbImage> {
    run(image, mask, radius, &mut |f| progress.report(f)).map_err(|Stopped| Error::Cancelled)
}

/// One weighting offset within the radius.
struct Offset {
    dk: isize,
    dl: isize,
    /// `1 / (|r|⁴ + 1)`.
    dst: f32,
    /// `|r|²`.
    len2: f32,
}

fn offsets(radius: usize) -> Vec<Offset> {
    let r = radius as isize;
    let mut v = Vec::new();
    for dk in -r..=r {
        for dl in -r..=r {
            let len2 = dk * dk + dl * dl;
            if len2 == 0 || len2 > r * r {
                continue;
            }
            let l2 = len2 as f32;
            v.push(Offset {
                dk,
                dl,
                dst: 1.0 / (l2 * l2 + 1.0),
                len2: l2,
            });
        }
    }
    v
}

fn run(
    image: &RgbImage,
    mask: &GrayImage,
    radius: u32,
    progress: &mut dyn FnMut(f32) -> bool,
) -> std::result::Result<RgbImage, Stopped> {
    let mut out = image.clone();
    let radius = effective_radius(radius);
    let Some(mut grid) = Grid::new(image, mask, radius) else {
        return Ok(out);
    };
    let offsets = offsets(radius);
    grid.march_inward(progress, |g, p, _| fill(g, p, &offsets, radius))?;
    grid.write_back(mask, &mut out);
    Ok(out)
}

/// Where one source pixel's isophote is sampled: the vertical variation is
/// `|v1 − v2| + |v3 − v4|`, the horizontal one `|h1 − h2| + |h3 − h4|` (a one-sided difference
/// appears twice, which doubles it exactly as OpenCV's `· 2` does; no known side gives 0).
#[derive(Clone, Copy)]
struct Taps {
    own: usize,
    v: [usize; 4],
    h: [usize; 4],
}

/// Pairs for `(next known, prev known)` = (no, no), (yes, no), (no, yes), (yes, yes), as
/// offsets in units of the axis stride: `[a, b, c, d]` for `|a − b| + |c − d|`.
const VAR: [[isize; 4]; 4] = [[0, 0, 0, 0], [1, 0, 1, 0], [0, -1, 0, -1], [1, 0, 0, -1]];

/// Isophote taps of source `q` away from the image edge.
#[inline]
fn taps_interior(q: usize, nb: u8, pw: usize) -> Taps {
    let pwi = pw as isize;
    let vo = VAR[usize::from((nb / NB_DOWN) & 3)];
    let ho = VAR[usize::from((nb / NB_RIGHT) & 3)];
    Taps {
        own: q,
        v: vo.map(|d| q.wrapping_add_signed(d * pwi)),
        h: ho.map(|d| q.wrapping_add_signed(d)),
    }
}

/// Isophote taps of source `q` with OpenCV's edge arithmetic (see [`super::fmm::EdgeMap`]):
/// vertical differences around row `kp` on column `lm`, horizontal ones around `lm` on row `km`.
#[inline]
fn taps_edge(g: &Grid, q: usize, k: usize, l: usize, nb: u8) -> Taps {
    let (r, c) = (&g.rows, &g.cols);
    let (rm, rmm, rp, rpn) = (r.m[k], r.m_prev[k], r.p[k], r.p_next[k]);
    let (cm, cmm, cpn) = (c.m[l], c.m_prev[l], c.p_next[l]);
    let (vd, vmid, vu) = (rpn + cm, rp + cm, rmm + cm);
    let (hr, hmid, hl) = (rm + cpn, rm + cm, rm + cmm);
    let pick = |bits: u8, next: usize, mid: usize, prev: usize| match bits & 3 {
        3 => [next, mid, mid, prev],
        1 => [next, mid, next, mid],
        2 => [mid, prev, mid, prev],
        _ => [q, q, q, q],
    };
    Taps {
        own: q,
        v: pick(nb / NB_DOWN, vd, vmid, vu),
        h: pick(nb / NB_RIGHT, hr, hmid, hl),
    }
}

/// Computes the colour of hole pixel `p` from the known pixels around it.
#[inline]
fn fill(g: &mut Grid, p: usize, offsets: &[Offset], radius: usize) {
    let pw = g.pw;
    let col = &g.color;
    let i = p / pw;
    let j = p % pw;

    let mut ia = F4::default();
    let mut s = F4::splat(1.0e-20);

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
        let rx = o.dl as f32;
        let ry = o.dk as f32;
        let tp = if interior {
            taps_interior(q, nb, pw)
        } else {
            taps_edge(g, q, k, l, nb)
        };
        let own = F4(col[tp.own]);
        let [v1, v2, v3, v4] = tp.v.map(|x| F4(col[x]));
        let [h1, h2, h3, h4] = tp.h.map(|x| F4(col[x]));
        // OpenCV's gradI.x (negated vertical variation) and gradI.y (horizontal).
        let gx = -((v1 - v2).abs() + (v3 - v4).abs());
        let gy = (h1 - h2).abs() + (h3 - h4).abs();
        let dot = F4::splat(rx) * gx + F4::splat(ry) * gy;
        let cos = (dot / (F4::splat(o.len2) * (gx * gx + gy * gy)).sqrt()).abs();
        let dir = dot.abs().select_le(0.01, F4::splat(0.000_001), cos);
        let w = F4::splat(o.dst) * dir;
        ia = ia + w * own;
        s = s + w;
    }

    let mut v = [0.0f32; 4];
    for ((o, &a), &w) in v.iter_mut().zip(&ia.0).zip(&s.0).take(3) {
        // OpenCV: saturate_cast<uchar>((double)Ia / s), rounding half to even.
        *o = (f64::from(a) / f64::from(w))
            .round_ties_even()
            .clamp(0.0, 255.0) as f32;
    }
    g.color[p] = v;
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{Luma, Rgb};

    #[test]
    fn tiny_and_degenerate_inputs_do_not_panic() {
        for (w, h) in [(1, 1), (1, 5), (5, 1), (2, 2), (3, 7)] {
            let img = RgbImage::from_fn(w, h, |x, y| Rgb([(x * 40) as u8, (y * 30) as u8, 7]));
            for m in [0u8, 255] {
                let mask = GrayImage::from_pixel(w, h, Luma([m]));
                assert_eq!(inpaint(&img, &mask, 4), img);
            }
            let mut mask = GrayImage::new(w, h);
            mask.put_pixel(w - 1, h - 1, Luma([255]));
            for r in [0, 1, 4, 200] {
                assert_eq!(inpaint(&img, &mask, r).dimensions(), img.dimensions());
            }
        }
    }

    #[test]
    fn flat_grey_with_big_hole_stays_flat() {
        let img = RgbImage::from_pixel(128, 96, Rgb([100, 100, 100]));
        let mask = GrayImage::from_fn(128, 96, |x, y| {
            Luma([if (16..112).contains(&x) && (10..90).contains(&y) {
                255
            } else {
                0
            }])
        });
        let out = inpaint(&img, &mask, 4);
        assert!(out.pixels().all(|p| *p == Rgb([100, 100, 100])));
    }

    #[test]
    fn border_masks_keep_unmasked_pixels() {
        let img = RgbImage::from_fn(33, 21, |x, y| Rgb([(x * 7) as u8, (y * 11) as u8, 200]));
        let mask = GrayImage::from_fn(33, 21, |x, y| {
            Luma([if x == 0 || y == 20 || x == 32 || (x == y) {
                255
            } else {
                0
            }])
        });
        let out = inpaint(&img, &mask, 5);
        for (x, y, m) in mask.enumerate_pixels() {
            if m[0] == 0 {
                assert_eq!(out.get_pixel(x, y), img.get_pixel(x, y));
            }
        }
    }
}
