//! Mask helpers: binarisation, bounding boxes of mask regions, crop rectangles and IOPaint's
//! `adjust_mask` (expand / shrink / reverse).
//!
//! Masks are single-channel 8-bit images where 255 means "area to inpaint" and 0 means "keep".
//!
//! ## Threshold rules
//! IOPaint uses two cut-offs for the same value 127 (spec 2.4, 10 #17):
//! - `/inpaint` and the HD strategies: `value > 127` is masked ([`binarize`] with
//!   [`INPAINT_THRESHOLD`]);
//! - `adjust_mask` (and the CLI batch mode): `value >= 127` is masked ([`binarize_at_least`]
//!   with [`ADJUST_THRESHOLD`]).
//!
//! Both are kept so that mend answers exactly like IOPaint; the difference only matters for
//! pixels whose value is exactly 127.

use image::GrayImage;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// The `/inpaint` rule: pixels `> 127` are masked.
pub const INPAINT_THRESHOLD: u8 = 127;

/// The `adjust_mask` rule: pixels `>= 127` are masked.
pub const ADJUST_THRESHOLD: u8 = 127;

/// Sets every pixel `> threshold` to 255 and the rest to 0 (IOPaint's `/inpaint` rule uses 127).
pub fn binarize(mask: &mut GrayImage, threshold: u8) {
    for p in mask.pixels_mut() {
        p.0[0] = if p.0[0] > threshold { 255 } else { 0 };
    }
}

/// Sets every pixel `>= threshold` to 255 and the rest to 0 (IOPaint's `adjust_mask` rule
/// uses 127).
pub fn binarize_at_least(mask: &mut GrayImage, threshold: u8) {
    for p in mask.pixels_mut() {
        p.0[0] = if p.0[0] >= threshold { 255 } else { 0 };
    }
}

/// An axis-aligned rectangle `[x1, x2) × [y1, y2)` in pixel coordinates (right and bottom
/// edges exclusive), IOPaint's `[x1, y1, x2, y2]` box.
///
/// Used both for mask region boxes ([`mask_boxes`]) and for crop rectangles ([`crop_box`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct MaskBox {
    /// Left edge (inclusive).
    pub x1: u32,
    /// Top edge (inclusive).
    pub y1: u32,
    /// Right edge (exclusive).
    pub x2: u32,
    /// Bottom edge (exclusive).
    pub y2: u32,
}

impl MaskBox {
    /// Width (`x2 - x1`, 0 if the box is inverted).
    pub fn width(&self) -> u32 {
        self.x2.saturating_sub(self.x1)
    }

    /// Height (`y2 - y1`, 0 if the box is inverted).
    pub fn height(&self) -> u32 {
        self.y2.saturating_sub(self.y1)
    }

    /// Whether the box covers no pixel.
    pub fn is_empty(&self) -> bool {
        self.width() == 0 || self.height() == 0
    }
}

/// One bounding box per outer mask region, like IOPaint's `boxes_from_mask`.
///
/// Pixels `> 127` are foreground. This is equivalent to OpenCV
/// `findContours(RETR_EXTERNAL)` + `boundingRect` on that threshold:
/// - foreground regions are 8-connected (background therefore 4-connected);
/// - pixels on the image edge count as touching the outside (OpenCV pads with a zero frame);
/// - a region that lies inside a hole of another region is not reported (its contour is not
///   external); only regions that touch the outer background get a box.
///
/// **Order:** descending raster order of each region's start point (its topmost, then leftmost
/// pixel), i.e. the region found last by a top-to-bottom, left-to-right scan comes first. This
/// is the order the classic OpenCV implementation returns external contours in (it prepends
/// each new contour), so crops that overlap are pasted in the same order as upstream.
///
/// Boxes are `[x, y, x + w, y + h)` and always lie inside the image.
///
/// Only the foreground's bounding box, grown by one background pixel where it does not reach
/// the image edge, is analysed: everything outside it is background 4-connected to the image
/// edge, so the regions, their being external and their raster order are the same as for the
/// whole mask. A stroke on a 12-megapixel photo thus costs one scan for the box, not two
/// flood fills over the whole image.
pub fn mask_boxes(mask: &GrayImage) -> Vec<MaskBox> {
    let Some(fg) = foreground_box(mask) else {
        return Vec::new();
    };
    let (w, h) = mask.dimensions();
    let area = MaskBox {
        x1: fg.x1.saturating_sub(1),
        y1: fg.y1.saturating_sub(1),
        x2: (fg.x2 + 1).min(w),
        y2: (fg.y2 + 1).min(h),
    };
    if (area.width(), area.height()) == (w, h) {
        return region_boxes(mask);
    }
    let sub =
        image::imageops::crop_imm(mask, area.x1, area.y1, area.width(), area.height()).to_image();
    region_boxes(&sub)
        .into_iter()
        .map(|b| MaskBox {
            x1: b.x1 + area.x1,
            y1: b.y1 + area.y1,
            x2: b.x2 + area.x1,
            y2: b.y2 + area.y1,
        })
        .collect()
}

/// The bounding box of the pixels `> 127`, `None` when there are none.
pub fn foreground_box(mask: &GrayImage) -> Option<MaskBox> {
    let w = mask.width() as usize;
    if w == 0 {
        return None;
    }
    let is_fg = |v: &u8| *v > INPAINT_THRESHOLD;
    let mut rows = mask
        .as_raw()
        .chunks_exact(w)
        .enumerate()
        .filter(|(_, row)| row.iter().any(is_fg));
    let (y1, first) = rows.next()?;
    let mut b = MaskBox {
        x1: u32::MAX,
        y1: to_u32(y1),
        x2: 0,
        y2: to_u32(y1 + 1),
    };
    let mut widen = |y: usize, row: &[u8]| {
        if let (Some(l), Some(r)) = (row.iter().position(is_fg), row.iter().rposition(is_fg)) {
            b.x1 = b.x1.min(to_u32(l));
            b.x2 = b.x2.max(to_u32(r + 1));
            b.y2 = to_u32(y + 1);
        }
    };
    widen(y1, first);
    for (y, row) in rows {
        widen(y, row);
    }
    Some(b)
}

/// [`mask_boxes`] over the whole of `mask`.
fn region_boxes(mask: &GrayImage) -> Vec<MaskBox> {
    let (w, h) = (mask.width() as usize, mask.height() as usize);
    if w == 0 || h == 0 {
        return Vec::new();
    }
    let fg: Vec<bool> = mask
        .as_raw()
        .iter()
        .map(|&v| v > INPAINT_THRESHOLD)
        .collect();

    // 1. The outer background: background pixels 4-connected to the (virtual) zero frame.
    let mut outer = vec![false; w * h];
    let mut stack: Vec<usize> = Vec::new();
    let push_outer = |i: usize, outer: &mut Vec<bool>, stack: &mut Vec<usize>| {
        if let (Some(false), Some(o)) = (fg.get(i).copied(), outer.get_mut(i))
            && !*o
        {
            *o = true;
            stack.push(i);
        }
    };
    for x in 0..w {
        push_outer(x, &mut outer, &mut stack);
        push_outer((h - 1) * w + x, &mut outer, &mut stack);
    }
    for y in 0..h {
        push_outer(y * w, &mut outer, &mut stack);
        push_outer(y * w + w - 1, &mut outer, &mut stack);
    }
    while let Some(i) = stack.pop() {
        let (x, y) = (i % w, i / w);
        if x > 0 {
            push_outer(i - 1, &mut outer, &mut stack);
        }
        if x + 1 < w {
            push_outer(i + 1, &mut outer, &mut stack);
        }
        if y > 0 {
            push_outer(i - w, &mut outer, &mut stack);
        }
        if y + 1 < h {
            push_outer(i + w, &mut outer, &mut stack);
        }
    }

    // Whether a foreground pixel touches the outside (image edge or outer background).
    let touches_outside = |x: usize, y: usize| -> bool {
        if x == 0 || y == 0 || x + 1 == w || y + 1 == h {
            return true;
        }
        let i = y * w + x;
        [i - 1, i + 1, i - w, i + w]
            .iter()
            .any(|&j| outer.get(j).copied().unwrap_or(false))
    };

    // 2. 8-connected foreground components in raster order of their start point.
    let mut seen = vec![false; w * h];
    let mut boxes = Vec::new();
    for start in 0..w * h {
        let unvisited_fg =
            fg.get(start).copied().unwrap_or(false) && !seen.get(start).copied().unwrap_or(true);
        if !unvisited_fg {
            continue;
        }
        if let Some(s) = seen.get_mut(start) {
            *s = true;
        }
        stack.push(start);
        let (mut x1, mut y1, mut x2, mut y2) = (usize::MAX, usize::MAX, 0usize, 0usize);
        let mut external = false;
        while let Some(i) = stack.pop() {
            let (x, y) = (i % w, i / w);
            x1 = x1.min(x);
            y1 = y1.min(y);
            x2 = x2.max(x);
            y2 = y2.max(y);
            external = external || touches_outside(x, y);
            for ny in y.saturating_sub(1)..=(y + 1).min(h - 1) {
                for nx in x.saturating_sub(1)..=(x + 1).min(w - 1) {
                    let j = ny * w + nx;
                    if fg.get(j).copied().unwrap_or(false)
                        && let Some(s) = seen.get_mut(j)
                        && !*s
                    {
                        *s = true;
                        stack.push(j);
                    }
                }
            }
        }
        if external {
            boxes.push(MaskBox {
                x1: to_u32(x1),
                y1: to_u32(y1),
                x2: to_u32(x2 + 1),
                y2: to_u32(y2 + 1),
            });
        }
    }
    boxes.reverse();
    boxes
}

/// Converts an in-image coordinate back to `u32` (always fits: it came from a `u32` size).
fn to_u32(v: usize) -> u32 {
    u32::try_from(v).unwrap_or(u32::MAX)
}

/// The crop rectangle IOPaint's Crop strategy runs the model on for one mask box
/// (`InpaintModel._crop_box`, spec 7.3 step 3), for an image of `width × height`.
///
/// With `m = margin`, integer floor division and signed arithmetic:
/// `cx = (x1 + x2) // 2`, `w = box_w + 2m`, `l0 = cx - w // 2`, `r0 = cx + w // 2` (same for
/// y); clamp to the image; near an edge shift the rectangle inwards by the amount cut off
/// (`if l0 < 0: r += -l0`, `if r0 > W: l -= r0 - W`, …); clamp again.
///
/// Like upstream, an odd-sized box with a zero margin can lose its last column/row (e.g. a
/// 1-pixel-wide box with margin 0 gives an empty rectangle); callers skip empty rectangles.
pub fn crop_box(b: MaskBox, margin: u32, width: u32, height: u32) -> MaskBox {
    let (l, r) = crop_axis(b.x1, b.x2, margin, width);
    let (t, bottom) = crop_axis(b.y1, b.y2, margin, height);
    MaskBox {
        x1: l,
        y1: t,
        x2: r,
        y2: bottom,
    }
}

/// One axis of [`crop_box`]: returns `(start, end)` within `[0, size]`.
fn crop_axis(lo: u32, hi: u32, margin: u32, size: u32) -> (u32, u32) {
    let (lo, hi, m, size) = (
        i64::from(lo),
        i64::from(hi),
        i64::from(margin),
        i64::from(size),
    );
    let len = hi - lo;
    let c = (lo + hi).div_euclid(2);
    let w = len + 2 * m;
    let s0 = c - w.div_euclid(2);
    let e0 = c + w.div_euclid(2);
    let mut s = s0.max(0);
    let mut e = e0.min(size);
    if s0 < 0 {
        e += -s0;
    }
    if e0 > size {
        s -= e0 - size;
    }
    let s = s.clamp(0, size);
    let e = e.clamp(0, size);
    let cvt = |v: i64| u32::try_from(v).unwrap_or(0);
    (cvt(s), cvt(e))
}

/// The `operate` of IOPaint's `AdjustMaskRequest`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MaskOp {
    /// Dilate with the elliptical kernel (`"expand"`).
    Expand,
    /// Erode with the elliptical kernel (`"shrink"`).
    Shrink,
    /// Invert (`"reverse"`); the kernel size is ignored.
    Reverse,
}

impl MaskOp {
    /// Parses IOPaint's `operate` string (`expand`, `shrink`, `reverse`).
    pub fn from_iopaint(s: &str) -> Option<Self> {
        match s {
            "expand" => Some(Self::Expand),
            "shrink" => Some(Self::Shrink),
            "reverse" => Some(Self::Reverse),
            _ => None,
        }
    }
}

/// Row half-widths of OpenCV's `getStructuringElement(MORPH_ELLIPSE, (2k+1, 2k+1))`.
///
/// Returns `2k + 1` values; entry `i` (row `dy = i - k`) is the half-width `dx` such that the
/// row is set for columns `k - dx ..= k + dx`. OpenCV computes, with `r = c = k`,
/// `dx = saturate_cast<int>(c * sqrt((r² - dy²) / r²))` (round half to even). For `k = 0` the
/// kernel is the single pixel `[1]`.
///
/// This allocates `2k + 1` values; for the morphology itself only `|dy| <= image height` rows
/// are computed (see [`adjust_mask`]).
pub fn ellipse_half_widths(k: u32) -> Vec<u32> {
    (0..=2 * u64::from(k))
        .map(|i| ellipse_half_width(k, i.abs_diff(u64::from(k))))
        .collect()
}

/// Half-width of row `|dy|` of the `(2k+1)²` OpenCV ellipse (see [`ellipse_half_widths`]).
fn ellipse_half_width(k: u32, dy: u64) -> u32 {
    let r = u64::from(k);
    if dy > r {
        return 0;
    }
    if r == 0 {
        return 0;
    }
    let inv_r2 = 1.0 / ((r as f64) * (r as f64));
    let dx = (r as f64) * (((r * r - dy * dy) as f64) * inv_r2).sqrt();
    let dx = dx.round_ties_even();
    // `dx` is in `[0, k]` (up to rounding); the kernel is clipped to its own width.
    if dx <= 0.0 {
        0
    } else if dx >= r as f64 {
        k
    } else {
        dx as u32
    }
}

/// IOPaint's `adjust_mask` on a grayscale mask, returning a binary mask (0 / 255).
///
/// 1. Threshold: `>= 127` → 255, else 0 ([`binarize_at_least`], IOPaint's rule for this route).
/// 2. [`MaskOp::Reverse`] inverts. [`MaskOp::Expand`] / [`MaskOp::Shrink`] dilate / erode once
///    with OpenCV's `(2k+1)×(2k+1)` `MORPH_ELLIPSE` kernel ([`ellipse_half_widths`]), `k =
///    kernel_size`, anchor at the centre. Borders follow OpenCV's morphology default: pixels
///    outside the image never set a pixel when dilating and never clear one when eroding.
///
/// The colour conversion of the route's response (RGBA PNG) is left to the caller.
///
/// Runs in `O(W·H·min(2k+1, H))` simple vectorisable byte operations (per row, the horizontal
/// distance to the nearest set pixel is precomputed once; each output row then ORs one
/// comparison per kernel row), parallel over rows.
pub fn adjust_mask(mask: &GrayImage, op: MaskOp, kernel_size: u32) -> GrayImage {
    let (w, h) = mask.dimensions();
    let raw: Vec<u8> = match op {
        MaskOp::Reverse => mask
            .as_raw()
            .iter()
            .map(|&v| if v >= ADJUST_THRESHOLD { 0 } else { 255 })
            .collect(),
        MaskOp::Expand => morph(mask.as_raw(), w, h, kernel_size, false),
        MaskOp::Shrink => morph(mask.as_raw(), w, h, kernel_size, true),
    };
    GrayImage::from_raw(w, h, raw).unwrap_or_else(|| GrayImage::new(w, h))
}

/// Dilation (`erode == false`) or erosion of the mask thresholded at `>= 127` with the OpenCV
/// ellipse; returns 0 / 255 pixels.
///
/// Erosion is computed as the complement of the dilation of the complement; since the outside
/// is "unset" for the complement's dilation, it is "set" for the erosion, like OpenCV.
fn morph(mask: &[u8], w: u32, h: u32, k: u32, erode: bool) -> Vec<u8> {
    if w <= u32::from(u16::MAX) {
        dilate_rows::<u16>(mask, w as usize, h as usize, k, erode)
    } else {
        dilate_rows::<u32>(mask, w as usize, h as usize, k, erode)
    }
}

/// An unsigned distance type for [`dilate_rows`].
trait Dist: Copy + Ord + Send + Sync {
    /// Zero.
    const ZERO: Self;
    /// "No set pixel in this row" (larger than any real distance).
    const INF: Self;
    /// Converts, saturating at `INF`.
    fn sat(v: usize) -> Self;
    /// Adds one, saturating at `INF`.
    fn inc(self) -> Self;
}

impl Dist for u16 {
    const ZERO: Self = 0;
    const INF: Self = u16::MAX;
    fn sat(v: usize) -> Self {
        u16::try_from(v).unwrap_or(Self::INF)
    }
    fn inc(self) -> Self {
        self.saturating_add(1)
    }
}

impl Dist for u32 {
    const ZERO: Self = 0;
    const INF: Self = u32::MAX;
    fn sat(v: usize) -> Self {
        u32::try_from(v).unwrap_or(Self::INF)
    }
    fn inc(self) -> Self {
        self.saturating_add(1)
    }
}

/// Binary dilation with the `(2k+1)²` OpenCV ellipse of the set `{v >= 127} XOR erode` of
/// `mask` (`w × h`, row-major); the result is XORed with `erode` again and returned as 0 / 255.
/// `T` must hold `w - 1` below `T::INF`.
fn dilate_rows<T: Dist>(mask: &[u8], w: usize, h: usize, k: u32, erode: bool) -> Vec<u8> {
    let (on, off) = if erode { (0u8, 255u8) } else { (255u8, 0u8) };
    let mut out = vec![off; w * h];
    if w == 0 || h == 0 {
        return out;
    }
    let is_set = |v: u8| (v >= ADJUST_THRESHOLD) != erode;
    // Per row: distance from each pixel to the nearest set pixel of the same row (saturating
    // at INF), and whether the row has any / only set pixels.
    let mut dist = vec![T::INF; w * h];
    let mut rows = vec![(false, false); h];
    dist.par_chunks_mut(w)
        .zip(mask.par_chunks(w))
        .zip(rows.par_iter_mut())
        .for_each(|((d, s), flags)| {
            let count = s.iter().filter(|&&v| is_set(v)).count();
            *flags = (count > 0, count == w);
            if count == 0 || count == w {
                // Never read: empty rows are skipped, full rows fill the output directly.
                return;
            }
            let mut run = T::INF;
            for (dv, &sv) in d.iter_mut().zip(s) {
                run = if is_set(sv) { T::ZERO } else { run.inc() };
                *dv = run;
            }
            let mut run = T::INF;
            for (dv, &sv) in d.iter_mut().zip(s).rev() {
                run = if is_set(sv) { T::ZERO } else { run.inc() };
                *dv = (*dv).min(run);
            }
        });
    // Only rows within the image matter; half-widths beyond `w - 1` cover the whole row.
    let kk = usize::try_from(k).unwrap_or(usize::MAX).min(h - 1);
    let half: Vec<T> = (0..=kk)
        .map(|dy| T::sat((ellipse_half_width(k, dy as u64) as usize).min(w - 1)))
        .collect();
    out.par_chunks_mut(w).enumerate().for_each(|(y, o)| {
        let lo = y.saturating_sub(kk);
        let hi = (y + kk).min(h - 1);
        // A completely set source row in range sets the whole output row.
        if rows
            .get(lo..=hi)
            .is_some_and(|r| r.iter().any(|&(_, full)| full))
        {
            o.fill(on);
            return;
        }
        // Accumulate 0 / 1 hits in place, then map to the output levels.
        o.fill(0);
        for sy in lo..=hi {
            if !rows.get(sy).is_some_and(|&(any, _)| any) {
                continue;
            }
            let Some(&t) = half.get(sy.abs_diff(y)) else {
                continue;
            };
            let Some(d) = dist.get(sy * w..(sy + 1) * w) else {
                continue;
            };
            for (ov, &dv) in o.iter_mut().zip(d) {
                *ov |= u8::from(dv <= t);
            }
        }
        for ov in o.iter_mut() {
            *ov = if *ov != 0 { on } else { off };
        }
    });
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// Renders the half-widths as 0/1 rows like OpenCV's kernel matrix.
    fn kernel(k: u32) -> Vec<String> {
        let size = 2 * k + 1;
        ellipse_half_widths(k)
            .iter()
            .map(|&dx| {
                (0..size)
                    .map(|j| if j + dx >= k && j <= k + dx { '1' } else { '0' })
                    .collect()
            })
            .collect()
    }

    fn from_rows(rows: &[&str]) -> GrayImage {
        let h = rows.len() as u32;
        let w = rows.first().map_or(0, |r| r.len()) as u32;
        GrayImage::from_fn(w, h, |x, y| {
            let c = rows[y as usize].as_bytes()[x as usize];
            image::Luma([if c == b'#' { 255 } else { 0 }])
        })
    }

    fn to_rows(img: &GrayImage) -> Vec<String> {
        (0..img.height())
            .map(|y| {
                (0..img.width())
                    .map(|x| {
                        if img.get_pixel(x, y).0[0] == 255 {
                            '#'
                        } else {
                            '.'
                        }
                    })
                    .collect()
            })
            .collect()
    }

    /// Naive reference: OpenCV semantics written out directly.
    fn naive(bin: &GrayImage, k: u32, erode: bool) -> GrayImage {
        let hw = ellipse_half_widths(k);
        let (w, h) = bin.dimensions();
        let k = k as i64;
        GrayImage::from_fn(w, h, |x, y| {
            let mut acc = erode;
            let mut hit = false;
            for (i, &dx) in hw.iter().enumerate() {
                let dy = i as i64 - k;
                for ddx in -(dx as i64)..=dx as i64 {
                    let (sx, sy) = (x as i64 + ddx, y as i64 + dy);
                    if sx < 0 || sy < 0 || sx >= w as i64 || sy >= h as i64 {
                        continue;
                    }
                    let v = bin.get_pixel(sx as u32, sy as u32).0[0] == 255;
                    if erode && !v {
                        hit = true;
                    }
                    if !erode && v {
                        hit = true;
                    }
                }
            }
            if hit {
                acc = !acc;
            }
            // dilate: acc starts false, hit → true; erode: starts true, hit (unset) → false
            image::Luma([if acc { 255 } else { 0 }])
        })
    }

    #[test]
    fn ellipse_kernels_match_opencv() {
        assert_eq!(kernel(0), ["1"]);
        assert_eq!(kernel(1), ["010", "111", "010"]);
        assert_eq!(kernel(2), ["00100", "11111", "11111", "11111", "00100"]);
        assert_eq!(
            kernel(3),
            [
                "0001000", "0111110", "1111111", "1111111", "1111111", "0111110", "0001000"
            ]
        );
        // k = 5 (11×11), as printed by cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (11, 11)).
        assert_eq!(
            kernel(5),
            [
                "00000100000",
                "00111111100",
                "01111111110",
                "11111111111",
                "11111111111",
                "11111111111",
                "11111111111",
                "11111111111",
                "01111111110",
                "00111111100",
                "00000100000",
            ]
        );
    }

    #[test]
    fn thresholds() {
        let mut a = GrayImage::from_raw(4, 1, vec![0, 126, 127, 128]).unwrap();
        let mut b = a.clone();
        binarize(&mut a, INPAINT_THRESHOLD);
        binarize_at_least(&mut b, ADJUST_THRESHOLD);
        assert_eq!(a.as_raw(), &[0, 0, 0, 255]);
        assert_eq!(b.as_raw(), &[0, 0, 255, 255]);
    }

    #[test]
    fn expand_single_pixel_k1_and_k2() {
        let m = from_rows(&[".....", ".....", "..#..", ".....", "....."]);
        assert_eq!(
            to_rows(&adjust_mask(&m, MaskOp::Expand, 1)),
            [".....", "..#..", ".###.", "..#..", "....."]
        );
        assert_eq!(
            to_rows(&adjust_mask(&m, MaskOp::Expand, 2)),
            ["..#..", "#####", "#####", "#####", "..#.."]
        );
        assert_eq!(to_rows(&adjust_mask(&m, MaskOp::Expand, 0)), to_rows(&m));
    }

    #[test]
    fn expand_near_border_clips() {
        let m = from_rows(&["#...", "....", "...."]);
        assert_eq!(
            to_rows(&adjust_mask(&m, MaskOp::Expand, 2)),
            ["###.", "###.", "#..."]
        );
    }

    #[test]
    fn shrink_keeps_border_and_erodes_holes() {
        // All-set: the outside counts as set for erosion, so nothing changes.
        let full = from_rows(&["####", "####", "####"]);
        assert_eq!(
            to_rows(&adjust_mask(&full, MaskOp::Shrink, 3)),
            to_rows(&full)
        );
        // A hole grows by the cross-shaped k = 1 kernel.
        let m = from_rows(&["#####", "#####", "##.##", "#####", "#####"]);
        assert_eq!(
            to_rows(&adjust_mask(&m, MaskOp::Shrink, 1)),
            ["#####", "##.##", "#...#", "##.##", "#####"]
        );
        // A 3×3 square shrinks to its centre with k = 1.
        let sq = from_rows(&[".....", ".###.", ".###.", ".###.", "....."]);
        assert_eq!(
            to_rows(&adjust_mask(&sq, MaskOp::Shrink, 1)),
            [".....", ".....", "..#..", ".....", "....."]
        );
    }

    #[test]
    fn reverse_and_threshold_rule() {
        let m = GrayImage::from_raw(3, 1, vec![0, 127, 200]).unwrap();
        assert_eq!(adjust_mask(&m, MaskOp::Reverse, 5).as_raw(), &[255, 0, 0]);
        // 127 counts as masked for adjust_mask (>= rule).
        assert_eq!(adjust_mask(&m, MaskOp::Expand, 0).as_raw(), &[0, 255, 255]);
    }

    #[test]
    fn morphology_matches_naive_reference() {
        // Deterministic pseudo-random masks of awkward sizes.
        let mut seed = 0x1234_5678u32;
        // (width, height, k, one pixel in `density` set): dense, sparse (many empty rows) and
        // nearly full (many full rows) masks; grey levels around the 127 cut-off included.
        for (w, h, k, density) in [
            (17, 9, 1, 7),
            (9, 17, 2, 7),
            (23, 21, 3, 7),
            (31, 7, 5, 3),
            (5, 40, 12, 7),
            (1, 1, 4, 2),
            (40, 60, 7, 90),
            (33, 25, 4, 1),
            (64, 48, 9, 40),
        ] {
            let img = GrayImage::from_fn(w, h, |_, _| {
                seed ^= seed << 13;
                seed ^= seed >> 17;
                seed ^= seed << 5;
                let level = if seed.is_multiple_of(density) {
                    127 + (seed >> 8) % 129
                } else {
                    (seed >> 8) % 127
                };
                image::Luma([level as u8])
            });
            let mut bin = img.clone();
            binarize_at_least(&mut bin, ADJUST_THRESHOLD);
            for erode in [false, true] {
                let op = if erode {
                    MaskOp::Shrink
                } else {
                    MaskOp::Expand
                };
                assert_eq!(
                    adjust_mask(&img, op, k),
                    naive(&bin, k, erode),
                    "{w}x{h} k={k} erode={erode}"
                );
            }
        }
    }

    #[test]
    fn huge_kernel_and_tiny_images_do_not_panic() {
        for (w, h) in [(0, 0), (1, 1), (0, 3), (3, 0), (1, 5), (5, 1)] {
            let m = GrayImage::from_pixel(w, h, image::Luma([255]));
            for op in [MaskOp::Expand, MaskOp::Shrink, MaskOp::Reverse] {
                for k in [0, 1, 100, u32::MAX] {
                    let out = adjust_mask(&m, op, k);
                    assert_eq!(out.dimensions(), (w, h));
                }
            }
            let _ = mask_boxes(&m);
        }
        let mut m = GrayImage::new(7, 5);
        m.put_pixel(3, 2, image::Luma([255]));
        let out = adjust_mask(&m, MaskOp::Expand, u32::MAX);
        assert!(out.pixels().all(|p| p.0[0] == 255));
    }

    #[test]
    fn boxes_of_the_foreground_area_equal_boxes_of_the_whole_mask() {
        // Random blobs, rings with regions inside their holes, and strokes touching the image
        // edges, somewhere in a larger picture: analysing only the foreground's box (plus a
        // background ring) must give the same boxes in the same order as the whole mask.
        let mut seed = 0x9e37_79b9u32;
        let mut next = |n: u32| {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            seed % n
        };
        for case in 0..300 {
            let (w, h) = (8 + next(60), 8 + next(60));
            let mut m = GrayImage::new(w, h);
            for _ in 0..1 + next(4) {
                let (cx, cy, r) = (next(w), next(h), 1 + next(8));
                let ring = next(3) == 0;
                for y in cy.saturating_sub(r)..(cy + r + 1).min(h) {
                    for x in cx.saturating_sub(r)..(cx + r + 1).min(w) {
                        let d = (x.abs_diff(cx)).max(y.abs_diff(cy));
                        if !ring || d == r || d == 0 {
                            m.put_pixel(x, y, image::Luma([128 + next(128) as u8]));
                        }
                    }
                }
            }
            assert_eq!(mask_boxes(&m), region_boxes(&m), "case {case}");
            let fg = foreground_box(&m).unwrap();
            assert!(
                m.enumerate_pixels()
                    .all(|(x, y, p)| p.0[0] <= INPAINT_THRESHOLD
                        || (fg.x1..fg.x2).contains(&x) && (fg.y1..fg.y2).contains(&y))
            );
        }
        assert_eq!(foreground_box(&GrayImage::new(5, 5)), None);
        let faint = GrayImage::from_pixel(5, 5, image::Luma([INPAINT_THRESHOLD]));
        assert_eq!(foreground_box(&faint), None);
    }

    #[test]
    fn boxes_basic_order_and_nesting() {
        // Two regions; the lower one (later start point) comes first.
        let m = from_rows(&[
            "##......", //
            "##......", //
            "........", //
            ".....#..", //
            "......#.", // diagonal → same region (8-connectivity)
        ]);
        assert_eq!(
            mask_boxes(&m),
            [
                MaskBox {
                    x1: 5,
                    y1: 3,
                    x2: 7,
                    y2: 5
                },
                MaskBox {
                    x1: 0,
                    y1: 0,
                    x2: 2,
                    y2: 2
                },
            ]
        );
        // A ring with a region in its hole: only the ring is external.
        let ring = from_rows(&[
            ".......", //
            ".#####.", //
            ".#...#.", //
            ".#.#.#.", //
            ".#...#.", //
            ".#####.", //
            ".......", //
        ]);
        assert_eq!(
            mask_boxes(&ring),
            [MaskBox {
                x1: 1,
                y1: 1,
                x2: 6,
                y2: 6
            }]
        );
        // A ring broken on its side: the inner pixel's background reaches the outside.
        let open = from_rows(&[
            ".......", //
            ".#####.", //
            ".#...#.", //
            ".#.#...", //
            ".#...#.", //
            ".#####.", //
            ".......", //
        ]);
        assert_eq!(
            mask_boxes(&open),
            [
                MaskBox {
                    x1: 3,
                    y1: 3,
                    x2: 4,
                    y2: 4
                },
                MaskBox {
                    x1: 1,
                    y1: 1,
                    x2: 6,
                    y2: 6
                },
            ]
        );
        // A ring closed only diagonally still encloses (background is 4-connected).
        let diag = from_rows(&[
            ".....", //
            "..#..", //
            ".#.#.", //
            "..#..", //
            ".....", //
        ]);
        assert_eq!(
            mask_boxes(&diag),
            [MaskBox {
                x1: 1,
                y1: 1,
                x2: 4,
                y2: 4
            }]
        );
        // A region touching the image edge with a hole that is not connected to the outside.
        let edge = from_rows(&["###", "#.#", "###"]);
        assert_eq!(
            mask_boxes(&edge),
            [MaskBox {
                x1: 0,
                y1: 0,
                x2: 3,
                y2: 3
            }]
        );
        assert!(mask_boxes(&GrayImage::new(4, 4)).is_empty());
        // 127 is background (> 127 rule), 128 foreground.
        let t = GrayImage::from_raw(3, 1, vec![127, 0, 128]).unwrap();
        assert_eq!(
            mask_boxes(&t),
            [MaskBox {
                x1: 2,
                y1: 0,
                x2: 3,
                y2: 1
            }]
        );
    }

    #[test]
    fn crop_box_matches_spec_formula() {
        let b = |x1, y1, x2, y2| MaskBox { x1, y1, x2, y2 };
        // Centre of a 1000×800 image, margin 128: box 400..500 × 300..350.
        // cx = 450, w = 356, l0 = 272, r0 = 628; cy = 325, h = 306, t0 = 172, b0 = 478.
        assert_eq!(
            crop_box(b(400, 300, 500, 350), 128, 1000, 800),
            b(272, 172, 628, 478)
        );
        // Near the top-left: box 10..30 × 5..15, margin 50.
        // cx = 20, w = 120, l0 = -40 → l = 0, r = 80 + 40 = 120;
        // cy = 10, h = 110, t0 = -45 → t = 0, b = 65 + 45 = 110.
        assert_eq!(crop_box(b(10, 5, 30, 15), 50, 1000, 800), b(0, 0, 120, 110));
        // Near the bottom-right of 1000×800: box 980..1000 × 790..800, margin 50.
        // cx = 990, w = 120, r0 = 1050 → r = 1000, l = 930 - 50 = 880;
        // cy = 795, h = 110, b0 = 850 → b = 800, t = 740 - 50 = 690.
        assert_eq!(
            crop_box(b(980, 790, 1000, 800), 50, 1000, 800),
            b(880, 690, 1000, 800)
        );
        // Crop larger than the image on both sides: clamped to the whole image.
        assert_eq!(crop_box(b(40, 40, 60, 60), 500, 100, 80), b(0, 0, 100, 80));
        // Odd box, zero margin: upstream loses the last column/row (floor division).
        // cx = (3 + 6) // 2 = 4, w = 3, l0 = 3, r0 = 5.
        assert_eq!(crop_box(b(3, 3, 6, 6), 0, 10, 10), b(3, 3, 5, 5));
        assert!(crop_box(b(3, 3, 4, 4), 0, 10, 10).is_empty());
        // Degenerate image.
        assert!(crop_box(b(0, 0, 1, 1), 10, 0, 0).is_empty());
    }
}
