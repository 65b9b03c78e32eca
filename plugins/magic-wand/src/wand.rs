//! The selection itself, independent of the plugin glue so it is unit-tested natively.
//!
//! A pixel is *similar* to a seed when every colour channel differs from the seed's by at most
//! `tolerance` (alpha is ignored). With `contiguous`, the region is the 4-connected flood fill
//! of similar pixels from the seed; without, it is every similar pixel of the image. Positive
//! seeds add their regions, negative seeds remove theirs (so a click on a second colour can
//! carve it out). `grow` then dilates the result by a round brush of that radius, which covers
//! the anti-aliased edge of an object the way erasing needs.

/// A click: pixel position and whether it adds (`true`) or removes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Seed {
    /// Column.
    pub x: u32,
    /// Row.
    pub y: u32,
    /// Adds the region (`true`) or removes it.
    pub positive: bool,
}

/// How to select.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// Largest per-channel difference still counted as similar.
    pub tolerance: u8,
    /// Only the connected region around each seed, or every similar pixel.
    pub contiguous: bool,
    /// Dilation radius in pixels, applied after the seeds are combined.
    pub grow: u32,
}

/// An RGBA8 image borrowed for selection.
#[derive(Debug, Clone, Copy)]
pub struct View<'a> {
    /// Width in pixels.
    pub width: usize,
    /// Height in pixels.
    pub height: usize,
    /// `width * height * 4` bytes.
    pub rgba: &'a [u8],
}

impl View<'_> {
    fn rgb(&self, i: usize) -> [u8; 3] {
        match self.rgba.get(i * 4..i * 4 + 3) {
            Some(&[r, g, b]) => [r, g, b],
            _ => [0, 0, 0],
        }
    }
}

fn similar(a: [u8; 3], b: [u8; 3], tolerance: u8) -> bool {
    a.iter().zip(b).all(|(&x, y)| x.abs_diff(y) <= tolerance)
}

/// The region of one seed as 0/1 per pixel, written into `out` with `value`.
fn region(view: &View<'_>, seed: Seed, options: &Options, out: &mut [u8], value: u8) {
    let (w, h) = (view.width, view.height);
    let (sx, sy) = (seed.x as usize, seed.y as usize);
    if sx >= w || sy >= h {
        return;
    }
    let reference = view.rgb(sy * w + sx);
    if !options.contiguous {
        for (i, o) in out.iter_mut().enumerate() {
            if similar(view.rgb(i), reference, options.tolerance) {
                *o = value;
            }
        }
        return;
    }
    let mut seen = vec![false; w * h];
    let mut stack = vec![sy * w + sx];
    if let Some(s) = seen.get_mut(sy * w + sx) {
        *s = true;
    }
    while let Some(i) = stack.pop() {
        if let Some(o) = out.get_mut(i) {
            *o = value;
        }
        let (x, y) = (i % w, i / w);
        let neighbours = [
            (x > 0).then(|| i - 1),
            (x + 1 < w).then(|| i + 1),
            (y > 0).then(|| i - w),
            (y + 1 < h).then(|| i + w),
        ];
        for n in neighbours.into_iter().flatten() {
            if let Some(s) = seen.get_mut(n)
                && !*s
                && similar(view.rgb(n), reference, options.tolerance)
            {
                *s = true;
                stack.push(n);
            }
        }
    }
}

/// Selects from `seeds`: 255 for selected pixels, 0 elsewhere (`width * height` bytes).
pub fn select(view: &View<'_>, seeds: &[Seed], options: &Options) -> Vec<u8> {
    let mut mask = vec![0u8; view.width * view.height];
    for seed in seeds.iter().filter(|s| s.positive) {
        region(view, *seed, options, &mut mask, 255);
    }
    for seed in seeds.iter().filter(|s| !s.positive) {
        region(view, *seed, options, &mut mask, 0);
    }
    mend_sdk::morph::grow(&mut mask, view.width, view.height, options.grow);
    mask
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 6×4: left half red, right half blue, one slightly-off red pixel at (1, 1).
    fn two_halves() -> Vec<u8> {
        let mut px = Vec::new();
        for y in 0..4 {
            for x in 0..6 {
                let c = if x < 3 {
                    [200, 10, 10, 255]
                } else {
                    [10, 10, 200, 255]
                };
                let c = if (x, y) == (1, 1) {
                    [190, 20, 15, 255]
                } else {
                    c
                };
                px.extend_from_slice(&c);
            }
        }
        px
    }

    fn count(mask: &[u8]) -> usize {
        mask.iter().filter(|&&m| m == 255).count()
    }

    const OPTS: Options = Options {
        tolerance: 16,
        contiguous: true,
        grow: 0,
    };

    #[test]
    fn flood_fills_the_clicked_colour_only() {
        let px = two_halves();
        let view = View {
            width: 6,
            height: 4,
            rgba: &px,
        };
        let seed = Seed {
            x: 0,
            y: 0,
            positive: true,
        };
        let mask = select(&view, &[seed], &OPTS);
        assert_eq!(count(&mask), 12);
        assert!(
            mask.chunks(6)
                .all(|row| row[..3] == [255; 3] && row[3..] == [0; 3])
        );
        // Tolerance 5 leaves the slightly-off pixel out.
        let tight = Options {
            tolerance: 5,
            ..OPTS
        };
        let mask = select(&view, &[seed], &tight);
        assert_eq!(count(&mask), 11);
        assert_eq!(mask[6 + 1], 0);
    }

    #[test]
    fn non_contiguous_takes_every_similar_pixel() {
        // Red, blue, red in one row: contiguous stops at blue, global does not.
        let px: Vec<u8> = [[200, 0, 0, 255], [0, 0, 200, 255], [200, 0, 0, 255]].concat();
        let view = View {
            width: 3,
            height: 1,
            rgba: &px,
        };
        let seed = Seed {
            x: 0,
            y: 0,
            positive: true,
        };
        assert_eq!(select(&view, &[seed], &OPTS), vec![255, 0, 0]);
        let global = Options {
            contiguous: false,
            ..OPTS
        };
        assert_eq!(select(&view, &[seed], &global), vec![255, 0, 255]);
    }

    #[test]
    fn negative_seeds_remove_and_outside_seeds_are_ignored() {
        let px = two_halves();
        let view = View {
            width: 6,
            height: 4,
            rgba: &px,
        };
        let add = Seed {
            x: 0,
            y: 0,
            positive: true,
        };
        let add_blue = Seed {
            x: 5,
            y: 3,
            positive: true,
        };
        let remove = Seed {
            x: 4,
            y: 0,
            positive: false,
        };
        let outside = Seed {
            x: 60,
            y: 0,
            positive: true,
        };
        let mask = select(&view, &[add, add_blue, remove, outside], &OPTS);
        assert_eq!(count(&mask), 12);
        assert_eq!(select(&view, &[outside], &OPTS), vec![0; 24]);
    }
}
