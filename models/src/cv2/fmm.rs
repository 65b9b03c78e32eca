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
            let k = (img + 1).saturating_sub(origin).clamp(1, len.saturating_sub(2).max(1));
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
        let mut color = vec![[0.0f32; 4]; n];
        let img_raw = image.as_raw();
        let mut to_fill = 0;
        for y in 0..rh {
            let iy = y0 + y;
            let src = img_raw.get((iy * iw + x0) * 3..(iy * iw + x1 + 1) * 3).unwrap_or(&[]);
            let dst_start = (y + 1) * pw + 1;
            let dst = color.get_mut(dst_start..dst_start + rw).unwrap_or(&mut []);
            for (d, s) in dst.iter_mut().zip(src.chunks_exact(3)) {
                if let [r, g, b] = *s {
                    *d = [f32::from(r), f32::from(g), f32::from(b), 0.0];
                }
            }
            let frow = flags.get_mut((y + 1) * pw + 1..(y + 1) * pw + 1 + rw).unwrap_or(&mut []);
            for (x, f) in frow.iter_mut().enumerate() {
                if selected(x0 + x, iy) {
                    *f = INSIDE;
                    to_fill += 1;
                }
            }
        }

        // The band: known pixels 4-adjacent to the hole, in raster order (OpenCV's insertion
        // order). The frame is never part of it.
        let mut band = Vec::new();
        let mut t = vec![FAR; n];
        for k in 1..ph - 1 {
            for l in 1..pw - 1 {
                let p = k * pw + l;
                if flags[p] == KNOWN
                    && (flags[p - 1] == INSIDE
                        || flags[p + 1] == INSIDE
                        || flags[p - pw] == INSIDE
                        || flags[p + pw] == INSIDE)
                {
                    band.push(p);
                    t[p] = 0.0;
                }
            }
        }

        let mut nb = vec![0u8; n];
        for k in 1..ph - 1 {
            for l in 1..pw - 1 {
                let p = k * pw + l;
                let known = |q: usize, bit: u8| if flags[q] == INSIDE { 0 } else { bit };
                nb[p] = known(p, NB_SELF)
                    | known(p + 1, NB_RIGHT)
                    | known(p - 1, NB_LEFT)
                    | known(p + pw, NB_DOWN)
                    | known(p - pw, NB_UP);
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
    /// Chebyshev distance `radius` of the hole, starting from the band, and stores those
    /// distances negated in [`Grid::t`] (the band gets `-0`).
    pub(crate) fn march_outward(&mut self, radius: usize) {
        let (pw, ph) = (self.pw, self.ph);
        // `near`: within Chebyshev distance `radius` of a hole pixel (separable dilation by a
        // (2r+1)² square, done with distance-to-last-hit sweeps).
        let mut near = vec![false; pw * ph];
        let mut line = vec![false; pw];
        for k in 0..ph {
            let row = &self.flags[k * pw..(k + 1) * pw];
            dilate_line(row.iter().map(|&f| f == INSIDE), radius, &mut line);
            near[k * pw..(k + 1) * pw].copy_from_slice(&line);
        }
        // Vertical pass, row by row: rows since the last hit above / below each column.
        let mut since = vec![usize::MAX; pw];
        let mut down = vec![false; pw * ph];
        for k in 0..ph {
            for l in 0..pw {
                since[l] = if near[k * pw + l] { 0 } else { since[l].saturating_add(1) };
                down[k * pw + l] = since[l] <= radius;
            }
        }
        since.fill(usize::MAX);
        for k in (0..ph).rev() {
            for l in 0..pw {
                since[l] = if near[k * pw + l] { 0 } else { since[l].saturating_add(1) };
                down[k * pw + l] |= since[l] <= radius;
            }
        }
        let near = down;

        // Region flags for the march: the ring (minus the band and the frame) is "inside", every
        // other pixel (the hole included, with T = 10⁶) is known.
        let mut f = vec![KNOWN; pw * ph];
        for k in 1..ph - 1 {
            for l in 1..pw - 1 {
                let p = k * pw + l;
                if near[p] && self.flags[p] == KNOWN && self.t[p] != 0.0 {
                    f[p] = INSIDE;
                }
            }
        }
        drop(near);

        let mut front = self.band_front();
        let t = &mut self.t;
        while let Some(p) = front.pop() {
            f[p] = CHANGE;
            for q in [p - pw, p - 1, p + pw, p + 1] {
                if f[q] == INSIDE {
                    let dist = arrival(&f, t, q, pw);
                    t[q] = dist;
                    f[q] = BAND;
                    front.push(q, dist);
                }
            }
        }
        for (tv, &fv) in t.iter_mut().zip(&f) {
            if fv == CHANGE {
                *tv = -*tv;
            }
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
                    if filled % REPORT_EVERY == 0 && !progress(filled as f32 / total) {
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

/// Marks every position within `radius` of a `true` input in `out` (1-D dilation).
fn dilate_line(input: impl DoubleEndedIterator<Item = bool> + Clone, radius: usize, out: &mut [bool]) {
    // Forward sweep: distance since the last hit on the left.
    let mut since = usize::MAX;
    for (o, v) in out.iter_mut().zip(input.clone()) {
        since = if v { 0 } else { since.saturating_add(1) };
        *o = since <= radius;
    }
    // Backward sweep: hits on the right.
    let mut since = usize::MAX;
    for (o, v) in out.iter_mut().rev().zip(input.rev()) {
        since = if v { 0 } else { since.saturating_add(1) };
        *o |= since <= radius;
    }
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
        Self { heap: BinaryHeap::with_capacity(n), seq: 0 }
    }

    /// Pushes `p` with arrival time `t` (never negative, so its bit pattern orders like the
    /// value).
    #[inline]
    fn push(&mut self, p: usize, t: f32) {
        // `+ 0.0` turns a -0 into +0 so that the bit pattern orders correctly.
        // Key: T's bits above the push sequence. The sequence wraps only after 2³² pushes,
        // which would merely change the order of equal-T ties.
        let bits = (t + 0.0).max(0.0).to_bits();
        self.heap.push(Reverse(((u64::from(bits) << 32) | u64::from(self.seq), p)));
        self.seq = self.seq.wrapping_add(1);
    }

    #[inline]
    fn pop(&mut self) -> Option<usize> {
        self.heap.pop().map(|Reverse((_, p))| p)
    }
}
