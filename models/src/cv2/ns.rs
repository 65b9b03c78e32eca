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

use super::fmm::{Grid, INSIDE, Stopped, effective_radius};
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
            v.push(Offset { dk, dl, dst: 1.0 / (l2 * l2 + 1.0), len2: l2 });
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

/// Computes the colour of hole pixel `p` from the known pixels around it.
#[inline]
fn fill(g: &mut Grid, p: usize, offsets: &[Offset], radius: usize) {
    let pw = g.pw;
    let (f, col) = (&g.flags, &g.color);
    let i = p / pw;
    let j = p % pw;

    let mut ia = [0.0f32; 3];
    let mut s = [1.0e-20f32; 3];

    let interior = i > radius && j > radius && i + radius < g.ph - 1 && j + radius < pw - 1;
    for o in offsets {
        let k = i as isize + o.dk;
        let l = j as isize + o.dl;
        if !interior && (k < 1 || l < 1 || k as usize >= g.ph - 1 || l as usize >= pw - 1) {
            continue;
        }
        let (k, l) = (k as usize, l as usize);
        let q = k * pw + l;
        if f[q] == INSIDE {
            continue;
        }
        let rx = o.dl as f32;
        let ry = o.dk as f32;

        let (rm, rmm, rp, rpn) = (g.rows.m[k], g.rows.m_prev[k], g.rows.p[k], g.rows.p_next[k]);
        let (cm, cmm, cp, cpn) = (g.cols.m[l], g.cols.m_prev[l], g.cols.p[l], g.cols.p_next[l]);
        let center = (rm + cm) * 3;
        let down = f[q + pw] != INSIDE;
        let up = f[q - pw] != INSIDE;
        let right = f[q + 1] != INSIDE;
        let left = f[q - 1] != INSIDE;
        // Vertical variation (`gradI.x` in OpenCV) on column lm: |I(kp+1)−I(kp)| and
        // |I(kp)−I(km−1)|, doubled when only one side is known.
        let vmid = (rp + cm) * 3;
        let (vd, vu) = ((rpn + cm) * 3, (rmm + cm) * 3);
        // Horizontal variation (`gradI.y`) on row km.
        let (hr, hl) = ((rm + cpn) * 3, (rm + cmm) * 3);
        let hmid = (rm + cp) * 3;
        let _ = hmid;
        for c in 0..3 {
            let gx = match (down, up) {
                (true, true) => {
                    (col[vd + c] - col[vmid + c]).abs() + (col[vmid + c] - col[vu + c]).abs()
                }
                (true, false) => (col[vd + c] - col[vmid + c]).abs() * 2.0,
                (false, true) => (col[vmid + c] - col[vu + c]).abs() * 2.0,
                (false, false) => 0.0,
            };
            let gy = match (right, left) {
                (true, true) => {
                    (col[hr + c] - col[center + c]).abs() + (col[center + c] - col[hl + c]).abs()
                }
                (true, false) => (col[hr + c] - col[center + c]).abs() * 2.0,
                (false, true) => (col[center + c] - col[hl + c]).abs() * 2.0,
                (false, false) => 0.0,
            };
            let gx = -gx;
            let dot = rx * gx + ry * gy;
            let dir = if dot.abs() <= 0.01 {
                0.000_001
            } else {
                (dot / (o.len2 * (gx * gx + gy * gy)).sqrt()).abs()
            };
            let w = o.dst * dir;
            ia[c] += w * col[center + c];
            s[c] += w;
        }
    }

    let base = p * 3;
    for c in 0..3 {
        let v = f64::from(ia[c]) / f64::from(s[c]);
        g.color[base + c] = v.round_ties_even().clamp(0.0, 255.0) as f32;
    }
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
            Luma([if (16..112).contains(&x) && (10..90).contains(&y) { 255 } else { 0 }])
        });
        let out = inpaint(&img, &mask, 4);
        assert!(out.pixels().all(|p| *p == Rgb([100, 100, 100])));
    }

    #[test]
    fn border_masks_keep_unmasked_pixels() {
        let img = RgbImage::from_fn(33, 21, |x, y| Rgb([(x * 7) as u8, (y * 11) as u8, 200]));
        let mask = GrayImage::from_fn(33, 21, |x, y| {
            Luma([if x == 0 || y == 20 || x == 32 || (x == y) { 255 } else { 0 }])
        });
        let out = inpaint(&img, &mask, 5);
        for (x, y, m) in mask.enumerate_pixels() {
            if m[0] == 0 {
                assert_eq!(out.get_pixel(x, y), img.get_pixel(x, y));
            }
        }
    }
}
