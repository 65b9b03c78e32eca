//! Mask morphology plugins share: growing a selection by a round brush.

/// Dilates `mask` (`width * height` bytes) by a disc of `radius` pixels: a pixel is set when a
/// set pixel lies within Euclidean distance `radius`. A row pass finds the horizontal distance
/// to the nearest set pixel, a column pass checks the rows within `radius`: O(n · radius).
pub fn grow(mask: &mut [u8], width: usize, height: usize, radius: u32) {
    // A buffer that is not `width * height` is left alone rather than indexed out of bounds.
    if radius == 0 || width == 0 || height == 0 || mask.len() != width * height {
        return;
    }
    let r = radius as usize;
    // Horizontal pass: distance (in columns) to the nearest set pixel in the same row, capped.
    let cap = r + 1;
    let mut dx = vec![cap; width * height];
    for y in 0..height {
        let row = &mask[y * width..(y + 1) * width];
        let out = &mut dx[y * width..(y + 1) * width];
        let mut last: Option<usize> = None;
        for x in 0..width {
            if row[x] != 0 {
                last = Some(x);
            }
            if let Some(l) = last {
                out[x] = (x - l).min(cap);
            }
        }
        last = None;
        for x in (0..width).rev() {
            if row[x] != 0 {
                last = Some(x);
            }
            if let Some(l) = last {
                out[x] = out[x].min((l - x).min(cap));
            }
        }
    }
    // Vertical pass: set when some row within `r` has a horizontal distance inside the disc.
    let r2 = r * r;
    for y in 0..height {
        let lo = y.saturating_sub(r);
        let hi = (y + r).min(height - 1);
        for x in 0..width {
            let i = y * width + x;
            if mask[i] != 0 {
                continue;
            }
            let hit = (lo..=hi).any(|yy| {
                let d = dx[yy * width + x];
                let dy = yy.abs_diff(y);
                d < cap && d * d + dy * dy <= r2
            });
            if hit {
                mask[i] = 255;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(mask: &[u8]) -> usize {
        mask.iter().filter(|&&v| v != 0).count()
    }

    #[test]
    fn grow_dilates_by_a_disc() {
        let (w, h) = (9, 9);
        let mut mask = vec![0u8; w * h];
        mask[4 * w + 4] = 255;
        grow(&mut mask, w, h, 2);
        // A disc of radius 2 has 13 pixels (distance² ≤ 4).
        assert_eq!(count(&mask), 13);
        assert_eq!(mask[4 * w + 6], 255);
        assert_eq!(mask[6 * w + 6], 0, "corner at distance √8 > 2 stays out");
        // Clipped at the border, never out of bounds.
        let mut edge = vec![0u8; 4];
        edge[0] = 255;
        grow(&mut edge, 2, 2, 5);
        assert_eq!(edge, vec![255; 4]);
    }
}
