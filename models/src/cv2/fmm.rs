//! The fast-marching machinery shared by the Telea and Navier–Stokes inpainters.
//!
//! Both of OpenCV's `cv::inpaint` algorithms fill the hole in the order of a fast-marching
//! front that starts on the known pixels 4-adjacent to the mask (the *band*). This module holds
//! what they share:
//!
//! - [`Grid`]: flat work arrays (state flags, arrival times `T`, colours as `f32`) over the
//!   region of interest — the mask's bounding box grown by the radius plus two pixels, clamped
//!   to the image — with a one-pixel frame around it. Where the region touches the image edge,
//!   the frame plays the part of OpenCV's one-pixel padding (always known, `T` = 10⁶, never a
//!   weighting source); where it does not, nothing ever reads that far.
//! - [`Front`]: the priority queue. OpenCV keeps a sorted list in which an element goes after all
//!   elements with an equal `T`; a binary heap keyed on `(T, push sequence)` pops in exactly
//!   that order, so ties break as in OpenCV.
//! - [`solve`]: OpenCV's first-order upwind solution of the eikonal equation `|∇T| = 1`.
//! - the outward march that gives the known pixels near the hole negative distances (Telea).

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use image::{GrayImage, RgbImage};

/// A pixel whose value is final.
pub(crate) const KNOWN: u8 = 0;
/// A pixel on the marching front (filled, `T` tentative).
pub(crate) const BAND: u8 = 1;
/// A pixel still to be filled.
pub(crate) const INSIDE: u8 = 2;
/// A pixel the outward march has finalised (its `T` is negated afterwards).
const CHANGE: u8 = 3;

/// [`Grid::nb`] bit: the pixel itself is known.
pub(crate) const NB_SELF: u8 = 1;
/// [`Grid::nb`] bit: the right neighbour is known.
pub(crate) const NB_RIGHT: u8 = 2;
/// [`Grid::nb`] bit: the left neighbour is known.
pub(crate) const NB_LEFT: u8 = 4;
/// [`Grid::nb`] bit: the lower neighbour is known.
pub(crate) const NB_DOWN: u8 = 8;
/// [`Grid::nb`] bit: the upper neighbour is known.
pub(crate) const NB_UP: u8 = 16;

/// [`Grid::nb`]: all five bits.
const NB_ALL: u8 = NB_SELF | NB_RIGHT | NB_LEFT | NB_DOWN | NB_UP;

/// [`Grid`]'s reach class: more than `radius + 2` from the hole.
const FAR_AWAY: u8 = 0;
/// [`Grid`]'s reach class: within `radius + 2` of the hole.
const NEAR: u8 = 1;
/// [`Grid`]'s reach class: within `radius` of the hole.
const RING: u8 = 2;

/// OpenCV's "far away" arrival time for every pixel the marches never reach.
const FAR: f32 = 1.0e6;

/// Pixels filled between two progress reports / cancellation checks.
const REPORT_EVERY: usize = 4096;

/// OpenCV's radius rule: `clamp(round(r), 1, 100)`; a radius of 0 behaves like 1.
pub(crate) fn effective_radius(radius: u32) -> usize {
    // `clamp` keeps the value within 1..=100, so the cast cannot truncate.
    radius.clamp(1, 100) as usize
}

/// Why a march stopped early.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Stopped;

/// The work arrays over the region of interest, with a one-pixel frame.
///
/// Coordinates inside the grid are "padded": grid row `k` is image row `y0 + k - 1`.
pub(crate) struct Grid {
    /// Left edge of the region in the image.
    pub x0: usize,
    /// Top edge of the region in the image.
    pub y0: usize,
    /// Grid width (region width + 2).
    pub pw: usize,
    /// Grid height (region height + 2).
    pub ph: usize,
    /// Per-pixel state: [`KNOWN`], [`BAND`] or [`INSIDE`].
    pub flags: Vec<u8>,
    /// Per-pixel arrival time of the front.
    pub t: Vec<f32>,
    /// Colours as `[R, G, B, 0]` per pixel (four lanes so the per-channel arithmetic
    /// vectorises). The frame's entries stay 0 and are never read: [`EdgeMap`] clamps every
    /// image read into the region.
    pub color: Vec<[f32; 4]>,
    /// Per pixel, which of it and its 4-neighbours are no longer in the hole: [`NB_SELF`],
    /// [`NB_RIGHT`], [`NB_LEFT`], [`NB_DOWN`], [`NB_UP`]. Kept up to date by
    /// [`Grid::march_inward`]; only meaningful on the region's real pixels.
    pub nb: Vec<u8>,
    /// Grid index of each padded row `k`'s OpenCV "`k - 1` clamped" rows, see [`EdgeMap`].
    pub rows: EdgeMap,
    /// Same for columns.
    pub cols: EdgeMap,
    /// The initial band in raster order.
    band: Vec<usize>,
    /// Per pixel: [`RING`] within Chebyshev distance `radius` of the hole (the hole included),
    /// [`NEAR`] within `radius + 2`, else [`FAR_AWAY`] (never read by either algorithm).
    reach: Vec<u8>,
    /// Number of pixels to fill.
    pub to_fill: usize,
}

/// OpenCV's neighbour-row (or column) arithmetic for image-gradient samples, per padded index.
///
/// For the image gradient at a source pixel on padded row `k`, OpenCV reads the image rows
/// `km = k-1 + (k==1)` and `kp = k-1 - (k==rows-2)` and their neighbours `km-1` and `kp+1`.
/// Away from the image edge these are the pixel's own row and its two neighbours; on the first
/// and last image rows they shift inwards by one (the source's own value, though, is read from
/// its real position). The entries
/// here are those rows, clamped into the image (OpenCV would read out of bounds on 1-pixel
/// images), converted to padded grid rows, and pre-multiplied by the row stride for rows.
pub(crate) struct EdgeMap {
    /// `km`: where OpenCV reads the pixel's own value.
    pub m: Vec<usize>,
    /// `km - 1`.
    pub m_prev: Vec<usize>,
    /// `kp`.
    pub p: Vec<usize>,
    /// `kp + 1`.
    pub p_next: Vec<usize>,
}

impl EdgeMap {
    /// Builds the map for a grid axis of `len` padded entries whose entry `k` is image index
    /// `origin + k - 1` on an image axis of `image_len` pixels; indices are multiplied by
    /// `stride`.
    fn new(len: usize, origin: usize, image_len: usize, stride: usize) -> Self {
        let last = image_len.saturating_sub(1);
        let to_grid = |img: isize| -> usize {
            // Clamp into the image, then into the grid's real pixels (1..=len-2).
            let img = img.clamp(0, last as isize) as usize;
            let k = (img + 1)
                .saturating_sub(origin)
                .clamp(1, len.saturating_sub(2).max(1));
            k * stride
        };
        let mut map = Self {
            m: Vec::with_capacity(len),
            m_prev: Vec::with_capacity(len),
            p: Vec::with_capacity(len),
            p_next: Vec::with_capacity(len),
        };
        for k in 0..len {
            let img = (origin + k) as isize - 1;
            let km = img + isize::from(img == 0);
            let kp = img - isize::from(img == last as isize);
            map.m.push(to_grid(km));
            map.m_prev.push(to_grid(km - 1));
            map.p.push(to_grid(kp));
            map.p_next.push(to_grid(kp + 1));
        }
        map
    }
}

impl Grid {
    /// Builds the grid for `image`/`mask` and `radius` (already clamped to 1..=100).
    ///
    /// Returns `None` when the mask selects no pixel of the image.
    pub(crate) fn new(image: &RgbImage, mask: &GrayImage, radius: usize) -> Option<Self> {
        let (iw, ih) = (image.width() as usize, image.height() as usize);
        let (mw, mh) = (mask.width() as usize, mask.height() as usize);
        let mask_raw = mask.as_raw();
        // Only the part of the mask over the image counts.
        let selected = |x: usize, y: usize| -> bool {
            x < mw && y < mh && mask_raw.get(y * mw + x).is_some_and(|&m| m != 0)
        };

        // Bounding box of the selected pixels.
        let (mut bx0, mut by0, mut bx1, mut by1) = (usize::MAX, usize::MAX, 0, 0);
        for y in 0..ih.min(mh) {
            let row = mask_raw.get(y * mw..y * mw + iw.min(mw)).unwrap_or(&[]);
            if let Some(first) = row.iter().position(|&v| v != 0) {
                let last = row.iter().rposition(|&v| v != 0).unwrap_or(first);
                bx0 = bx0.min(first);
                bx1 = bx1.max(last);
                by0 = by0.min(y);
                by1 = by1.max(y);
            }
        }
        if bx0 == usize::MAX {
            return None;
        }

        let margin = radius + 2;
        let x0 = bx0.saturating_sub(margin);
        let y0 = by0.saturating_sub(margin);
        let x1 = bx1.saturating_add(margin).min(iw - 1);
        let y1 = by1.saturating_add(margin).min(ih - 1);
        let (rw, rh) = (x1 - x0 + 1, y1 - y0 + 1);
        let (pw, ph) = (rw + 2, rh + 2);
        let n = pw * ph;

        let mut flags = vec![KNOWN; n];
        let mut to_fill = 0;
        for y in 0..rh {
            let iy = y0 + y;
            let frow = flags
                .get_mut((y + 1) * pw + 1..(y + 1) * pw + 1 + rw)
                .unwrap_or(&mut []);
            for (x, f) in frow.iter_mut().enumerate() {
                if selected(x0 + x, iy) {
                    *f = INSIDE;
                    to_fill += 1;
                }
            }
        }
        let reach = reach_classes(&flags, pw, ph, radius);

        // Colours and arrival times only where something can read them; the rest of the
        // (zero-initialised, so lazily mapped) arrays is never touched.
        let mut color = vec![[0.0f32; 4]; n];
        let mut t = vec![0.0f32; n];
        let img_raw = image.as_raw();
        for y in 0..rh {
            let iy = y0 + y;
            let src = img_raw
                .get((iy * iw + x0) * 3..(iy * iw + x1 + 1) * 3)
                .unwrap_or(&[]);
            let start = (y + 1) * pw + 1;
            let dst = color.get_mut(start..start + rw).unwrap_or(&mut []);
            let cls = reach.get(start..start + rw).unwrap_or(&[]);
            for ((d, s), &c) in dst.iter_mut().zip(src.chunks_exact(3)).zip(cls) {
                if c != FAR_AWAY
                    && let [r, g, b] = *s
                {
                    *d = [f32::from(r), f32::from(g), f32::from(b), 0.0];
                }
            }
        }
        for (tv, &c) in t.iter_mut().zip(&reach) {
            if c != FAR_AWAY {
                *tv = FAR;
            }
        }

        // The band: known pixels 4-adjacent to the hole, in raster order (OpenCV's insertion
        // order). The frame is never part of it. `nb` for every pixel that can be a source.
        let mut band = Vec::new();
        let mut nb = vec![0u8; n];
        for k in 1..ph - 1 {
            for l in 1..pw - 1 {
                let p = k * pw + l;
                if reach[p] == FAR_AWAY {
                    continue;
                }
                let known = |q: usize, bit: u8| if flags[q] == INSIDE { 0 } else { bit };
                let bits = known(p, NB_SELF)
                    | known(p + 1, NB_RIGHT)
                    | known(p - 1, NB_LEFT)
                    | known(p + pw, NB_DOWN)
                    | known(p - pw, NB_UP);
                nb[p] = bits;
                if bits & NB_SELF != 0 && bits != NB_ALL {
                    band.push(p);
                    t[p] = 0.0;
                }
            }
        }

        Some(Self {
            x0,
            y0,
            pw,
            ph,
            flags,
            t,
            color,
            nb,
            rows: EdgeMap::new(ph, y0, ih, pw),
            cols: EdgeMap::new(pw, x0, iw, 1),
            band,
            reach,
            to_fill,
        })
    }

    /// The front, seeded with the band at `T = 0` in raster order.
    pub(crate) fn band_front(&self) -> Front {
        let mut front = Front::with_capacity(self.band.len());
        for &p in &self.band {
            front.push(p, 0.0);
        }
        front
    }

    /// Telea's outward march: solves the distance equation over the known pixels within
    /// Chebyshev distance `radius` (the grid's) of the hole, starting from the band, and stores those
    /// distances negated in [`Grid::t`] (the band gets `-0`).
    pub(crate) fn march_outward(&mut self) {
        let (pw, ph) = (self.pw, self.ph);
        // Region flags for the march: the ring (minus the band and the frame) is "inside", every
        // other pixel (the hole included, with T = 10⁶) is known.
        let mut f = vec![KNOWN; pw * ph];
        for k in 1..ph - 1 {
            for l in 1..pw - 1 {
                let p = k * pw + l;
                if self.reach[p] == RING && self.flags[p] == KNOWN && self.t[p] != 0.0 {
                    f[p] = INSIDE;
                }
            }
        }

        let mut front = self.band_front();
        let t = &mut self.t;
        let mut changed = Vec::new();
        while let Some(p) = front.pop() {
            f[p] = CHANGE;
            changed.push(p);
            for q in [p - pw, p - 1, p + pw, p + 1] {
                if f[q] == INSIDE {
                    let dist = arrival(&f, t, q, pw);
                    t[q] = dist;
                    f[q] = BAND;
                    front.push(q, dist);
                }
            }
        }
        for p in changed {
            t[p] = -t[p];
        }
    }

    /// Runs the inward march: pops the front, and for every hole pixel it reaches computes the
    /// arrival time, calls `fill(grid, p, t)` to set the pixel's colour, and pushes it.
    ///
    /// `progress` gets the filled fraction every few thousand pixels; if it returns `false` the
    /// march stops with [`Stopped`].
    pub(crate) fn march_inward(
        &mut self,
        progress: &mut dyn FnMut(f32) -> bool,
        mut fill: impl FnMut(&mut Self, usize, f32),
    ) -> Result<(), Stopped> {
        let pw = self.pw;
        let mut front = self.band_front();
        let total = self.to_fill.max(1) as f32;
        let mut filled = 0usize;
        while let Some(p) = front.pop() {
            self.flags[p] = KNOWN;
            for q in [p - pw, p - 1, p + pw, p + 1] {
                if self.flags[q] == INSIDE {
                    let dist = arrival(&self.flags, &self.t, q, pw);
                    self.t[q] = dist;
                    fill(self, q, dist);
                    self.flags[q] = BAND;
                    self.nb[q] |= NB_SELF;
                    self.nb[q - 1] |= NB_RIGHT;
                    self.nb[q + 1] |= NB_LEFT;
                    self.nb[q - pw] |= NB_DOWN;
                    self.nb[q + pw] |= NB_UP;
                    front.push(q, dist);
                    filled += 1;
                    if filled.is_multiple_of(REPORT_EVERY) && !progress(filled as f32 / total) {
                        return Err(Stopped);
                    }
                }
            }
        }
        Ok(())
    }

    /// Writes the filled pixels into `out` (which starts as a copy of the input), rounding the
    /// colours half to even as OpenCV's `saturate_cast` does. Only hole pixels are written.
    pub(crate) fn write_back(&self, mask: &GrayImage, out: &mut RgbImage) {
        let iw = out.width() as usize;
        let mw = mask.width() as usize;
        let mask_raw = mask.as_raw();
        let raw: &mut [u8] = out;
        let (rw, rh) = (self.pw - 2, self.ph - 2);
        for y in 0..rh {
            let iy = self.y0 + y;
            for x in 0..rw {
                let ix = self.x0 + x;
                if ix >= mw || mask_raw.get(iy * mw + ix).is_none_or(|&m| m == 0) {
                    continue;
                }
                let g = (y + 1) * self.pw + x + 1;
                let o = (iy * iw + ix) * 3;
                if let (Some(src), Some(dst)) = (self.color.get(g), raw.get_mut(o..o + 3)) {
                    for (d, &s) in dst.iter_mut().zip(src) {
                        *d = to_u8(s);
                    }
                }
            }
        }
    }
}

/// OpenCV's `saturate_cast<uchar>` of a float: round half to even, clamp to 0..=255.
#[inline]
pub(crate) fn to_u8(v: f32) -> u8 {
    // Adding and subtracting 2²³ rounds a value in 0..2²³ to an integer, half to even, under
    // the default rounding mode (cheaper than `round_ties_even` without SSE4.1). `as`
    // saturates and maps NaN to 0, so this never panics.
    const MAGIC: f32 = 8_388_608.0;
    ((v.clamp(0.0, 255.0) + MAGIC) - MAGIC) as u8
}

/// Classifies every grid pixel by its Chebyshev distance to the hole: [`RING`] (≤ `radius`),
/// [`NEAR`] (≤ `radius + 2`) or [`FAR_AWAY`]. Separable: a horizontal distance per row, then
/// row-major vertical sweeps counting rows since the last row close enough horizontally.
fn reach_classes(flags: &[u8], pw: usize, ph: usize, radius: usize) -> Vec<u8> {
    // `radius` ≤ 100, so both thresholds fit a `u16` with room for saturation.
    let ring = radius.min(1000) as u16;
    let near = ring + 2;
    let mut hd = vec![u16::MAX; pw * ph];
    for (row, out) in flags.chunks_exact(pw).zip(hd.chunks_exact_mut(pw)) {
        let mut since = u16::MAX;
        for (o, &f) in out.iter_mut().zip(row) {
            since = if f == INSIDE {
                0
            } else {
                since.saturating_add(1)
            };
            *o = since;
        }
        let mut since = u16::MAX;
        for (o, &f) in out.iter_mut().zip(row).rev() {
            since = if f == INSIDE {
                0
            } else {
                since.saturating_add(1)
            };
            *o = (*o).min(since);
        }
    }
    let mut class = vec![FAR_AWAY; pw * ph];
    let mut s_ring = vec![u16::MAX; pw];
    let mut s_near = vec![u16::MAX; pw];
    let sweep = |k: usize, class: &mut [u8], s_ring: &mut [u16], s_near: &mut [u16]| {
        let (row, out) = (&hd[k * pw..(k + 1) * pw], &mut class[k * pw..(k + 1) * pw]);
        for (((o, &h), sr), sn) in out
            .iter_mut()
            .zip(row)
            .zip(s_ring.iter_mut())
            .zip(s_near.iter_mut())
        {
            *sr = if h <= ring { 0 } else { sr.saturating_add(1) };
            *sn = if h <= near { 0 } else { sn.saturating_add(1) };
            let c = if *sr <= ring {
                RING
            } else if *sn <= near {
                NEAR
            } else {
                FAR_AWAY
            };
            *o = (*o).max(c);
        }
    };
    for k in 0..ph {
        sweep(k, &mut class, &mut s_ring, &mut s_near);
    }
    s_ring.fill(u16::MAX);
    s_near.fill(u16::MAX);
    for k in (0..ph).rev() {
        sweep(k, &mut class, &mut s_ring, &mut s_near);
    }
    class
}

/// The arrival time at hole pixel `q` from its four neighbours (OpenCV's `min4` of four
/// [`solve`]s over the quadrant pairs).
#[inline]
fn arrival(f: &[u8], t: &[f32], q: usize, pw: usize) -> f32 {
    let (up, left, down, right) = (q - pw, q - 1, q + pw, q + 1);
    let a = solve(f, t, up, left);
    let b = solve(f, t, down, left);
    let c = solve(f, t, up, right);
    let d = solve(f, t, down, right);
    a.min(b).min(c.min(d))
}

/// OpenCV's `FastMarching_solve`: the upwind solution from two perpendicular neighbours.
#[inline]
fn solve(f: &[u8], t: &[f32], p1: usize, p2: usize) -> f32 {
    let a11 = f64::from(t[p1]);
    let a22 = f64::from(t[p2]);
    let m12 = a11.min(a22);
    let sol = if f[p1] != INSIDE {
        if f[p2] != INSIDE {
            let d = a11 - a22;
            if d.abs() >= 1.0 {
                1.0 + m12
            } else {
                (a11 + a22 + (2.0 - d * d).sqrt()) * 0.5
            }
        } else {
            1.0 + a11
        }
    } else if f[p2] != INSIDE {
        1.0 + a22
    } else {
        1.0 + m12
    };
    sol as f32
}

/// The marching front: a min-heap on `(T, push sequence)` packed into one `u64` key.
pub(crate) struct Front {
    heap: BinaryHeap<Reverse<(u64, usize)>>,
    seq: u32,
}

impl Front {
    fn with_capacity(n: usize) -> Self {
        Self {
            heap: BinaryHeap::with_capacity(n),
            seq: 0,
        }
    }

    /// Pushes `p` with arrival time `t` (never negative, so its bit pattern orders like the
    /// value).
    #[inline]
    fn push(&mut self, p: usize, t: f32) {
        // `+ 0.0` turns a -0 into +0 so that the bit pattern orders correctly.
        // Key: T's bits above the push sequence. The sequence wraps only after 2³² pushes,
        // which would merely change the order of equal-T ties.
        let bits = (t + 0.0).max(0.0).to_bits();
        self.heap
            .push(Reverse(((u64::from(bits) << 32) | u64::from(self.seq), p)));
        self.seq = self.seq.wrapping_add(1);
    }

    #[inline]
    fn pop(&mut self) -> Option<usize> {
        self.heap.pop().map(|Reverse((_, p))| p)
    }
}

/// Four `f32` lanes (R, G, B and a spare) with lane-wise arithmetic written so that LLVM turns
/// it into SIMD instructions. Every operation is the IEEE operation per lane, so results are
/// identical to scalar code.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct F4(pub [f32; 4]);

impl F4 {
    /// All lanes set to `v`.
    #[inline(always)]
    pub(crate) fn splat(v: f32) -> Self {
        Self([v; 4])
    }

    #[inline(always)]
    fn zip(self, o: Self, f: impl Fn(f32, f32) -> f32) -> Self {
        let (a, b) = (self.0, o.0);
        Self([f(a[0], b[0]), f(a[1], b[1]), f(a[2], b[2]), f(a[3], b[3])])
    }

    /// Lane-wise absolute value.
    #[inline(always)]
    pub(crate) fn abs(self) -> Self {
        let a = self.0;
        Self([a[0].abs(), a[1].abs(), a[2].abs(), a[3].abs()])
    }

    /// Lane-wise square root.
    #[inline(always)]
    pub(crate) fn sqrt(self) -> Self {
        let a = self.0;
        Self([a[0].sqrt(), a[1].sqrt(), a[2].sqrt(), a[3].sqrt()])
    }

    /// Lane-wise `if self ≤ limit { a } else { b }`, as bit masks so that it stays
    /// branch-free (and both sides are always computed).
    #[inline(always)]
    pub(crate) fn select_le(self, limit: f32, a: Self, b: Self) -> Self {
        let (s, a, b) = (self.0, a.0, b.0);
        let pick = |i: usize| {
            let m = 0u32.wrapping_sub(u32::from(s[i] <= limit));
            f32::from_bits((m & a[i].to_bits()) | (!m & b[i].to_bits()))
        };
        Self([pick(0), pick(1), pick(2), pick(3)])
    }
}

impl std::ops::Add for F4 {
    type Output = Self;
    #[inline(always)]
    fn add(self, o: Self) -> Self {
        self.zip(o, |a, b| a + b)
    }
}

impl std::ops::Sub for F4 {
    type Output = Self;
    #[inline(always)]
    fn sub(self, o: Self) -> Self {
        self.zip(o, |a, b| a - b)
    }
}

impl std::ops::Mul for F4 {
    type Output = Self;
    #[inline(always)]
    fn mul(self, o: Self) -> Self {
        self.zip(o, |a, b| a * b)
    }
}

impl std::ops::Div for F4 {
    type Output = Self;
    #[inline(always)]
    fn div(self, o: Self) -> Self {
        self.zip(o, |a, b| a / b)
    }
}

impl std::ops::Neg for F4 {
    type Output = Self;
    #[inline(always)]
    fn neg(self) -> Self {
        let a = self.0;
        Self([-a[0], -a[1], -a[2], -a[3]])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn front_pops_by_time_then_push_order() {
        let mut f = Front::with_capacity(4);
        for (p, t) in [
            (10, 1.5),
            (11, 0.0),
            (12, 1.5),
            (13, 0.5),
            (14, 1.5),
            (15, -0.0),
        ] {
            f.push(p, t);
        }
        let order: Vec<usize> = std::iter::from_fn(|| f.pop()).collect();
        assert_eq!(order, [11, 15, 13, 10, 12, 14]);
    }

    #[test]
    fn reach_classes_are_chebyshev_bands() {
        let (pw, ph) = (15, 11);
        let mut flags = vec![KNOWN; pw * ph];
        flags[5 * pw + 7] = INSIDE;
        let class = reach_classes(&flags, pw, ph, 2);
        for k in 0..ph {
            for l in 0..pw {
                let d = k.abs_diff(5).max(l.abs_diff(7));
                let want = if d <= 2 {
                    RING
                } else if d <= 4 {
                    NEAR
                } else {
                    FAR_AWAY
                };
                assert_eq!(class[k * pw + l], want, "({k}, {l})");
            }
        }
    }

    #[test]
    fn to_u8_rounds_half_to_even_and_saturates() {
        let cases = [
            (0.5, 0),
            (1.5, 2),
            (2.5, 2),
            (254.5, 254),
            (300.0, 255),
            (-3.0, 0),
            (f32::NAN, 0),
        ];
        for (v, want) in cases {
            assert_eq!(to_u8(v), want, "{v}");
        }
    }

    #[test]
    fn edge_map_shifts_only_on_the_image_edge() {
        // A 5-row image, region = whole image: grid rows 1..=5 are image rows 0..=4.
        let m = EdgeMap::new(7, 0, 5, 1);
        // Top image row (grid 1): km = image row 1 (grid 2), km-1 = grid 1, kp = grid 1, kp+1 = 2.
        assert_eq!((m.m[1], m.m_prev[1], m.p[1], m.p_next[1]), (2, 1, 1, 2));
        // Interior row (grid 3): identity.
        assert_eq!((m.m[3], m.m_prev[3], m.p[3], m.p_next[3]), (3, 2, 3, 4));
        // Bottom image row (grid 5): kp = image row 3 (grid 4).
        assert_eq!((m.m[5], m.m_prev[5], m.p[5], m.p_next[5]), (5, 4, 4, 5));
        // One-pixel image: everything clamps onto the only row.
        let one = EdgeMap::new(3, 0, 1, 1);
        assert_eq!(
            (one.m[1], one.m_prev[1], one.p[1], one.p_next[1]),
            (1, 1, 1, 1)
        );
    }
}
