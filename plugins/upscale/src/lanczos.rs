//! Lanczos-3 upscaling by an integer factor, separable (rows, then columns), with edge
//! pixels clamped and colour premultiplied by alpha so transparent pixels do not bleed.

/// The Lanczos window `a` (3 lobes).
const A: f32 = 3.0;

fn sinc(x: f32) -> f32 {
    if x.abs() < 1e-6 {
        1.0
    } else {
        let px = std::f32::consts::PI * x;
        px.sin() / px
    }
}

/// The Lanczos-3 kernel: `sinc(x) * sinc(x / 3)` inside `|x| < 3`.
pub fn kernel(x: f32) -> f32 {
    if x.abs() >= A {
        0.0
    } else {
        sinc(x) * sinc(x / A)
    }
}

/// For each output index, the first source index and the normalised weights of the 6 taps
/// `first..first + 6` (indices outside `0..src_len` are clamped when read).
fn taps(src_len: usize, scale: usize) -> Vec<(isize, [f32; 6])> {
    (0..src_len * scale)
        .map(|o| {
            // Pixel centres line up: output centre o + 0.5 maps to (o + 0.5) / scale.
            let center = (o as f32 + 0.5) / scale as f32 - 0.5;
            let first = center.floor() as isize - 2;
            let mut w = [0f32; 6];
            for (k, wk) in w.iter_mut().enumerate() {
                *wk = kernel(center - (first + k as isize) as f32);
            }
            let sum: f32 = w.iter().sum();
            for wk in &mut w {
                *wk /= sum;
            }
            (first, w)
        })
        .collect()
}

fn clamp_index(i: isize, len: usize) -> usize {
    i.clamp(0, len as isize - 1) as usize
}

/// Upscales `channels`-channel float pixels (`width * height * channels`) by `scale`.
///
/// Output rows are not collected: each is handed to `emit` with the fraction done, so the
/// caller converts it to bytes at once and only one float row of the output is ever held.
/// `emit` may stop the work by returning false; the result is then false.
pub fn resample(
    src: &[f32],
    width: usize,
    height: usize,
    channels: usize,
    scale: usize,
    emit: &mut dyn FnMut(&[f32], f32) -> bool,
) -> bool {
    if width == 0 || height == 0 {
        return true;
    }
    let scale = scale.max(1);
    let (ow, oh) = (width * scale, height * scale);
    // Pass 1: rows, width → ow.
    let tx = taps(width, scale);
    let mut mid = vec![0f32; ow * height * channels];
    for y in 0..height {
        let row = &src[y * width * channels..(y + 1) * width * channels];
        let out = &mut mid[y * ow * channels..(y + 1) * ow * channels];
        for (ox, (first, w)) in tx.iter().enumerate() {
            for (k, wk) in w.iter().enumerate() {
                let sx = clamp_index(first + k as isize, width);
                for c in 0..channels {
                    out[ox * channels + c] += wk * row[sx * channels + c];
                }
            }
        }
    }
    // Pass 2: columns, height → oh, one output row at a time.
    let ty = taps(height, scale);
    let stride = ow * channels;
    let mut out = vec![0f32; stride];
    for (oy, (first, w)) in ty.iter().enumerate() {
        out.fill(0.0);
        for (k, wk) in w.iter().enumerate() {
            let sy = clamp_index(first + k as isize, height);
            let row = &mid[sy * stride..(sy + 1) * stride];
            for (o, r) in out.iter_mut().zip(row) {
                *o += wk * r;
            }
        }
        if !emit(&out, (oy + 1) as f32 / oh as f32) {
            return false;
        }
    }
    true
}

/// Upscales RGBA8 pixels by `scale` (premultiplied alpha inside). `on_row` gets the
/// fraction done after each output row; returning false cancels (the result is `None`).
pub fn upscale_rgba(
    pixels: &[u8],
    width: usize,
    height: usize,
    scale: usize,
    on_row: &mut dyn FnMut(f32) -> bool,
) -> Option<Vec<u8>> {
    let mut f = Vec::with_capacity(pixels.len());
    for px in pixels.chunks_exact(4) {
        let a = f32::from(px[3]) / 255.0;
        f.extend_from_slice(&[
            f32::from(px[0]) * a,
            f32::from(px[1]) * a,
            f32::from(px[2]) * a,
            f32::from(px[3]),
        ]);
    }
    let mut bytes = Vec::with_capacity(pixels.len() * scale * scale);
    let done = resample(&f, width, height, 4, scale, &mut |row, fraction| {
        for px in row.chunks_exact(4) {
            let alpha = px[3].round().clamp(0.0, 255.0);
            let a = alpha / 255.0;
            for &c in &px[..3] {
                let v = if a > 0.0 { c / a } else { 0.0 };
                bytes.push(v.round().clamp(0.0, 255.0) as u8);
            }
            bytes.push(alpha as u8);
        }
        on_row(fraction)
    });
    done.then_some(bytes)
}

/// Upscales a single-channel mask by `scale` (see [`upscale_rgba`] for `on_row`).
pub fn upscale_gray(
    pixels: &[u8],
    width: usize,
    height: usize,
    scale: usize,
    on_row: &mut dyn FnMut(f32) -> bool,
) -> Option<Vec<u8>> {
    let f: Vec<f32> = pixels.iter().map(|&v| f32::from(v)).collect();
    let mut bytes = Vec::with_capacity(pixels.len() * scale * scale);
    let done = resample(&f, width, height, 1, scale, &mut |row, fraction| {
        bytes.extend(row.iter().map(|&v| v.round().clamp(0.0, 255.0) as u8));
        on_row(fraction)
    });
    done.then_some(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn go(_: f32) -> bool {
        true
    }

    #[test]
    fn kernel_is_one_at_zero_and_zero_at_integers_and_outside() {
        assert!((kernel(0.0) - 1.0).abs() < 1e-6);
        for x in [1.0, 2.0, -1.0, -2.0, 3.0, 4.5] {
            assert!(kernel(x).abs() < 1e-6, "{x}");
        }
        assert!(kernel(0.5) > 0.5);
        assert!(kernel(1.5) < 0.0, "negative lobe");
    }

    #[test]
    fn flat_images_stay_flat_and_sizes_scale() {
        let px: Vec<u8> = [10u8, 20, 30, 255].repeat(5 * 3);
        for scale in [2, 3, 4] {
            let out = upscale_rgba(&px, 5, 3, scale, &mut go).expect("not cancelled");
            assert_eq!(out.len(), 5 * scale * 3 * scale * 4);
            assert!(out.chunks(4).all(|p| p == [10, 20, 30, 255]));
        }
    }

    #[test]
    fn transparent_pixels_do_not_bleed_colour() {
        // Left half opaque red, right half fully transparent green.
        let mut px = Vec::new();
        for x in 0..8 {
            px.extend_from_slice(if x < 4 {
                &[255, 0, 0, 255]
            } else {
                &[0, 255, 0, 0]
            });
        }
        let out = upscale_rgba(&px, 8, 1, 2, &mut go).expect("not cancelled");
        for p in out.chunks(4).filter(|p| p[3] > 0) {
            assert!(p[1] < 8, "green bled into {p:?}");
        }
    }

    #[test]
    fn an_edge_gets_a_lanczos_overshoot_and_a_mask_stays_in_range() {
        let mut m = vec![0u8; 16];
        m[8..].fill(255);
        let out = upscale_gray(&m, 16, 1, 4, &mut go).expect("not cancelled");
        assert_eq!(out.len(), 64 * 4);
        assert_eq!(out[0], 0);
        assert_eq!(out[63], 255);
        assert!(out.windows(2).any(|w| w[0] != w[1]));
    }

    #[test]
    fn cancelling_stops_the_work() {
        let px = vec![0u8; 4 * 4 * 4];
        let mut calls = 0;
        let r = upscale_rgba(&px, 4, 4, 2, &mut |_| {
            calls += 1;
            calls < 3
        });
        assert!(r.is_none());
        assert_eq!(calls, 3);
    }
}
