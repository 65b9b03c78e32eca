//! The learned mode: Real-ESRGAN's compact ×4 network (`realesr-general-x4v3`), run by the host
//! on its device through `inference.run`, tile by tile so each call stays small. Tiles overlap
//! by [`TILE_PAD`] pixels of context on every side and only their core is kept, like
//! Real-ESRGAN's own tiling. Alpha is upscaled with Lanczos; results for ×2 and ×3 are the ×4
//! result resized down with Lanczos-3.

use image::RgbaImage;
use image::imageops::{self, FilterType};
use mend_sdk::PluginError;
use mend_sdk::inference::Tensor;

use crate::lanczos;

/// The model, as the host's catalogue names it.
pub const MODEL: &str = "realesr-general-x4v3";
/// What the network does.
pub const NET_SCALE: usize = 4;
/// Core side of a tile, in input pixels.
pub const TILE: usize = 192;
/// Context around each tile, in input pixels.
pub const TILE_PAD: usize = 16;

/// Runs the network on one `[1, 3, h, w]` tensor (the host's `inference.run` in the plugin;
/// anything pixel-local in tests).
pub type RunModel<'a> = dyn FnMut(Tensor) -> Result<Tensor, PluginError> + 'a;

/// The tile cores covering `len` pixels: `(start, end)`.
fn spans(len: usize) -> Vec<(usize, usize)> {
    (0..len.div_ceil(TILE))
        .map(|i| (i * TILE, ((i + 1) * TILE).min(len)))
        .collect()
}

/// RGB of `rgba` (`w * h * 4` bytes) upscaled ×4 by `run`, tile by tile, as RGB8.
/// `progress` gets the fraction of tiles done and may cancel by returning false.
pub fn upscale_rgb(
    rgba: &[u8],
    w: usize,
    h: usize,
    run: &mut RunModel<'_>,
    progress: &mut dyn FnMut(f32) -> bool,
) -> Result<Vec<u8>, PluginError> {
    let s = NET_SCALE;
    let (ow, oh) = (w * s, h * s);
    let mut out = vec![0u8; ow * oh * 3];
    let (xs, ys) = (spans(w), spans(h));
    let total = (xs.len() * ys.len()).max(1);
    let mut done = 0;
    for &(y0, y1) in &ys {
        for &(x0, x1) in &xs {
            let (px0, py0) = (x0.saturating_sub(TILE_PAD), y0.saturating_sub(TILE_PAD));
            let (px1, py1) = ((x1 + TILE_PAD).min(w), (y1 + TILE_PAD).min(h));
            let (tw, th) = (px1 - px0, py1 - py0);
            let plane = tw * th;
            let mut data = vec![0f32; 3 * plane];
            for y in 0..th {
                for x in 0..tw {
                    let p = ((py0 + y) * w + px0 + x) * 4;
                    for c in 0..3 {
                        data[c * plane + y * tw + x] = f32::from(rgba[p + c]) / 255.0;
                    }
                }
            }
            let input = Tensor {
                shape: vec![1, 3, th as u32, tw as u32],
                data,
            };
            let result = run(input)?;
            let want = [1, 3, (th * s) as u32, (tw * s) as u32];
            if result.shape != want || result.data.len() != 3 * plane * s * s {
                return Err(PluginError::failed(format!(
                    "{MODEL} returned shape {:?} for a {tw}x{th} tile",
                    result.shape
                )));
            }
            let (rw, rplane) = (tw * s, plane * s * s);
            for y in (y0 - py0) * s..(y1 - py0) * s {
                for x in (x0 - px0) * s..(x1 - px0) * s {
                    let o = ((py0 * s + y) * ow + px0 * s + x) * 3;
                    for c in 0..3 {
                        let v = result.data[c * rplane + y * rw + x];
                        out[o + c] = (v.clamp(0.0, 1.0) * 255.0).round() as u8;
                    }
                }
            }
            done += 1;
            if !progress(done as f32 / total as f32) {
                return Err(PluginError::failed("cancelled by the host"));
            }
        }
    }
    Ok(out)
}

/// `rgba` (`w × h`) upscaled by `scale` (2, 3 or 4) with the network for colour and Lanczos
/// for alpha.
pub fn upscale_rgba(
    rgba: &[u8],
    w: usize,
    h: usize,
    scale: usize,
    run: &mut RunModel<'_>,
    progress: &mut dyn FnMut(f32) -> bool,
) -> Result<RgbaImage, PluginError> {
    let s = NET_SCALE;
    let mut on_tile = |f: f32| progress(f * 0.9);
    let rgb = upscale_rgb(rgba, w, h, run, &mut on_tile)?;
    let alpha: Vec<u8> = rgba.chunks_exact(4).map(|p| p[3]).collect();
    let alpha = lanczos::upscale_gray(&alpha, w, h, s, &mut |_| true)
        .ok_or_else(|| PluginError::failed("cancelled by the host"))?;
    let mut px = Vec::with_capacity(rgb.len() / 3 * 4);
    for (c, a) in rgb.chunks_exact(3).zip(alpha) {
        px.extend_from_slice(&[c[0], c[1], c[2], a]);
    }
    let (ow, oh) = ((w * s) as u32, (h * s) as u32);
    let full = RgbaImage::from_raw(ow, oh, px)
        .ok_or_else(|| PluginError::failed("upscaled buffer has the wrong size"))?;
    if scale == s {
        return Ok(full);
    }
    Ok(imageops::resize(
        &full,
        (w * scale) as u32,
        (h * scale) as u32,
        FilterType::Lanczos3,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Nearest-neighbour ×4, pixel-local like no network is, so tiling must not show.
    fn nearest(t: Tensor) -> Result<Tensor, PluginError> {
        let (h, w) = (t.shape[2] as usize, t.shape[3] as usize);
        let s = NET_SCALE;
        let mut data = vec![0f32; 3 * h * w * s * s];
        for c in 0..3 {
            for y in 0..h * s {
                for x in 0..w * s {
                    data[c * h * w * s * s + y * w * s + x] =
                        t.data[c * h * w + (y / s) * w + x / s];
                }
            }
        }
        Ok(Tensor {
            shape: vec![1, 3, (h * s) as u32, (w * s) as u32],
            data,
        })
    }

    fn picture(w: usize, h: usize) -> Vec<u8> {
        (0..w * h)
            .flat_map(|i| {
                [
                    (i % 251) as u8,
                    (i / 7 % 256) as u8,
                    (i * 13 % 256) as u8,
                    200,
                ]
            })
            .collect()
    }

    #[test]
    fn tiles_cover_the_image_exactly_once() {
        // Odd sizes across several tiles in both directions.
        let (w, h) = (TILE * 2 + 37, TILE + 5);
        let px = picture(w, h);
        let mut calls = 0;
        let mut run = |t: Tensor| {
            calls += 1;
            nearest(t)
        };
        let out = upscale_rgb(&px, w, h, &mut run, &mut |_| true).unwrap();
        assert_eq!(calls, 3 * 2);
        for y in 0..h * 4 {
            for x in 0..w * 4 {
                let src = &px[((y / 4) * w + x / 4) * 4..][..3];
                assert_eq!(&out[(y * w * 4 + x) * 3..][..3], src, "({x}, {y})");
            }
        }
    }

    #[test]
    fn smaller_scales_resize_the_x4_result_and_keep_alpha() {
        let (w, h) = (9, 6);
        let px = picture(w, h);
        let img = upscale_rgba(&px, w, h, 2, &mut nearest, &mut |_| true).unwrap();
        assert_eq!(img.dimensions(), (18, 12));
        assert!(img.pixels().all(|p| p.0[3] == 200));
    }

    #[test]
    fn a_wrong_model_answer_is_an_error() {
        let mut bad = |_t: Tensor| {
            Ok(Tensor {
                shape: vec![1, 3, 1, 1],
                data: vec![0.0; 3],
            })
        };
        assert!(upscale_rgb(&picture(4, 4), 4, 4, &mut bad, &mut |_| true).is_err());
    }

    #[test]
    fn cancelling_stops_between_tiles() {
        let (w, h) = (TILE * 2, TILE);
        let px = picture(w, h);
        let r = upscale_rgb(&px, w, h, &mut nearest, &mut |_| false);
        assert!(r.is_err());
    }
}
