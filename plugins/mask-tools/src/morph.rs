//! Mask morphology, the same semantics as IOPaint's `adjust_mask`: threshold at 127 first,
//! then dilate or erode with OpenCV's `MORPH_ELLIPSE` structuring element of size
//! `2 * radius + 1`, pixels outside the image ignored (OpenCV's default border for both).

/// Sets every value `>= 127` to 255 and the rest to 0 (IOPaint thresholds this way).
pub fn threshold(mask: &mut [u8]) {
    for v in mask {
        *v = if *v >= 127 { 255 } else { 0 };
    }
}

/// Half-widths of OpenCV's elliptical kernel, one per row offset `dy` in `-radius..=radius`:
/// the kernel row at `dy` covers `dx` in `-w..=w`. Mirrors `getStructuringElement`:
/// `dx = saturate_cast<int>(c * sqrt((r*r - dy*dy) / (r*r)))`, with `c = r`.
pub fn ellipse_half_widths(radius: usize) -> Vec<usize> {
    let r = radius as f64;
    (0..=2 * radius)
        .map(|i| {
            if radius == 0 {
                return 0;
            }
            let dy = i as f64 - r;
            // OpenCV's saturate_cast rounds half to even.
            (r * ((r * r - dy * dy) / (r * r)).sqrt()).round_ties_even() as usize
        })
        .collect()
}

/// Per row, the running count of marked (`value != 0`) pixels: `prefix[y][x]` counts
/// `mask[y][..x]`, so a window `[a, b)` holds `prefix[b] - prefix[a]`.
fn row_prefix_counts(mask: &[u8], width: usize, height: usize, marked: bool) -> Vec<u32> {
    let stride = width + 1;
    let mut prefix = vec![0u32; stride * height];
    for y in 0..height {
        let row = &mask[y * width..(y + 1) * width];
        let out = &mut prefix[y * stride..(y + 1) * stride];
        for x in 0..width {
            out[x + 1] = out[x] + u32::from((row[x] != 0) == marked);
        }
    }
    prefix
}

/// Shared body of dilate and erode on a thresholded (0/255) mask. `dilate`: a pixel becomes
/// 255 if any in-image kernel pixel is 255. Erode: it stays 255 only if no in-image kernel
/// pixel is 0 — the same as dilating the background.
fn morph(mask: &[u8], width: usize, height: usize, radius: usize, dilate: bool) -> Vec<u8> {
    if radius == 0 || width == 0 || height == 0 {
        return mask.to_vec();
    }
    let widths = ellipse_half_widths(radius);
    // Count what spreads: marked pixels for dilate, background for erode.
    let prefix = row_prefix_counts(mask, width, height, dilate);
    let stride = width + 1;
    let (hit, miss) = if dilate { (255, 0) } else { (0, 255) };
    let mut out = vec![miss; width * height];
    for y in 0..height {
        for (i, &w) in widths.iter().enumerate() {
            let sy = y as isize + i as isize - radius as isize;
            if sy < 0 || sy >= height as isize {
                continue;
            }
            let p = &prefix[sy as usize * stride..(sy as usize + 1) * stride];
            let row = &mut out[y * width..(y + 1) * width];
            for (x, o) in row.iter_mut().enumerate() {
                if *o == hit {
                    continue;
                }
                let a = x.saturating_sub(w);
                let b = (x + w + 1).min(width);
                if p[b] > p[a] {
                    *o = hit;
                }
            }
        }
    }
    out
}

/// Grows the marked area (IOPaint `expand`): threshold, then elliptical dilation.
pub fn grow(mask: &[u8], width: usize, height: usize, radius: usize) -> Vec<u8> {
    let mut m = mask.to_vec();
    threshold(&mut m);
    morph(&m, width, height, radius, true)
}

/// Shrinks the marked area (IOPaint `shrink`): threshold, then elliptical erosion.
pub fn shrink(mask: &[u8], width: usize, height: usize, radius: usize) -> Vec<u8> {
    let mut m = mask.to_vec();
    threshold(&mut m);
    morph(&m, width, height, radius, false)
}

/// Inverts the mask (IOPaint `reverse`): threshold, then `255 - v`.
pub fn invert(mask: &[u8]) -> Vec<u8> {
    mask.iter()
        .map(|&v| if v >= 127 { 0 } else { 255 })
        .collect()
}

/// Softens the mask edge: threshold, then three box blurs of radius `max(1, radius / 3)`
/// (three passes approximate a Gaussian; the edge ramp spans about `radius` pixels each
/// side). Radius 0 only thresholds.
pub fn feather(mask: &[u8], width: usize, height: usize, radius: usize) -> Vec<u8> {
    let mut m = mask.to_vec();
    threshold(&mut m);
    if radius == 0 || width == 0 || height == 0 {
        return m;
    }
    let r = (radius / 3).max(1);
    let mut buf: Vec<f32> = m.iter().map(|&v| f32::from(v)).collect();
    let mut tmp = vec![0f32; buf.len()];
    for _ in 0..3 {
        box_blur_rows(&buf, &mut tmp, width, height, r);
        box_blur_cols(&tmp, &mut buf, width, height, r);
    }
    buf.iter()
        .map(|&v| v.round().clamp(0.0, 255.0) as u8)
        .collect()
}

/// Horizontal box blur, window clamped to the image (edge pixels average fewer samples).
fn box_blur_rows(src: &[f32], dst: &mut [f32], width: usize, height: usize, r: usize) {
    let mut prefix = vec![0f64; width + 1];
    for y in 0..height {
        let row = &src[y * width..(y + 1) * width];
        for x in 0..width {
            prefix[x + 1] = prefix[x] + f64::from(row[x]);
        }
        for x in 0..width {
            let a = x.saturating_sub(r);
            let b = (x + r + 1).min(width);
            dst[y * width + x] = ((prefix[b] - prefix[a]) / (b - a) as f64) as f32;
        }
    }
}

/// Vertical box blur, window clamped to the image.
fn box_blur_cols(src: &[f32], dst: &mut [f32], width: usize, height: usize, r: usize) {
    let mut prefix = vec![0f64; height + 1];
    for x in 0..width {
        for y in 0..height {
            prefix[y + 1] = prefix[y] + f64::from(src[y * width + x]);
        }
        for y in 0..height {
            let a = y.saturating_sub(r);
            let b = (y + r + 1).min(height);
            dst[y * width + x] = ((prefix[b] - prefix[a]) / (b - a) as f64) as f32;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dot(width: usize, height: usize, x: usize, y: usize) -> Vec<u8> {
        let mut m = vec![0u8; width * height];
        m[y * width + x] = 255;
        m
    }

    /// Renders a kernel as OpenCV prints it (rows of 0/1).
    fn kernel_rows(radius: usize) -> Vec<String> {
        let size = 2 * radius + 1;
        let m = grow(&dot(size, size, radius, radius), size, size, radius);
        m.chunks(size)
            .map(|r| {
                r.iter()
                    .map(|&v| if v == 255 { '1' } else { '0' })
                    .collect()
            })
            .collect()
    }

    #[test]
    fn kernels_match_opencv_morph_ellipse() {
        // cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (5, 5))
        assert_eq!(
            kernel_rows(2),
            ["00100", "11111", "11111", "11111", "00100"]
        );
        // cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (7, 7))
        assert_eq!(
            kernel_rows(3),
            [
                "0001000", "0111110", "1111111", "1111111", "1111111", "0111110", "0001000"
            ]
        );
        // (3, 3) is a cross.
        assert_eq!(kernel_rows(1), ["010", "111", "010"]);
    }

    #[test]
    fn threshold_is_at_127_inclusive() {
        let mut m = vec![0, 126, 127, 128, 255];
        threshold(&mut m);
        assert_eq!(m, [0, 0, 255, 255, 255]);
    }

    #[test]
    fn radius_zero_only_thresholds() {
        let m = vec![10, 130, 200, 90];
        assert_eq!(grow(&m, 2, 2, 0), [0, 255, 255, 0]);
        assert_eq!(shrink(&m, 2, 2, 0), [0, 255, 255, 0]);
    }

    #[test]
    fn shrink_undoes_grow_of_a_dot_and_ignores_the_border() {
        let (w, h) = (15, 11);
        let grown = grow(&dot(w, h, 7, 5), w, h, 3);
        assert_eq!(grown.iter().filter(|&&v| v == 255).count(), 33);
        let back = shrink(&grown, w, h, 3);
        assert_eq!(back, dot(w, h, 7, 5));
        // Outside the image counts as neither: a full mask does not erode at its edges.
        let full = vec![255u8; w * h];
        assert_eq!(shrink(&full, w, h, 4), full);
        assert_eq!(grow(&vec![0u8; w * h], w, h, 4), vec![0u8; w * h]);
    }

    #[test]
    fn invert_thresholds_first() {
        assert_eq!(invert(&[0, 126, 127, 255]), [255, 255, 0, 0]);
    }

    #[test]
    fn feather_softens_only_near_the_edge() {
        let (w, h) = (40, 1);
        let mut m = vec![0u8; w];
        m[20..].fill(255);
        let f = feather(&m, w, h, 6);
        assert_eq!(f[0], 0);
        assert_eq!(f[39], 255);
        assert!(f[19] > 0 && f[19] < 255, "{f:?}");
        assert!(f[20] > 0 && f[20] < 255, "{f:?}");
        assert!(f.windows(2).all(|p| p[0] <= p[1]), "monotone ramp: {f:?}");
    }
}
