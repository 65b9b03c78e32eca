//! RMBG-1.4's pre- and post-processing (as BRIA's reference code does it): the image resized
//! to `side × side` (bilinear), scaled to `[0, 1]` and shifted by −0.5; the probability map
//! resized back to the image (bilinear), stretched to `[0, 1]` by its own minimum and maximum,
//! and thresholded into a mask.

use image::imageops::{self, FilterType};
use image::{ImageBuffer, Luma, RgbImage};
use mend_sdk::inference::Tensor;
use mend_sdk::{PluginError, Rgba8Image};

/// The model, as the host's catalogue names it.
pub const MODEL: &str = "rmbg-1.4";

/// Runs the network on one `[1, 3, side, side]` tensor (the host's `inference.run`).
pub type RunModel<'a> = dyn FnMut(Tensor) -> Result<Tensor, PluginError> + 'a;

/// The mask (`w * h` bytes, 255 = selected) of `image`'s foreground, or of its background.
pub fn mask(
    image: &Rgba8Image,
    side: u32,
    threshold: u8,
    background: bool,
    run: &mut RunModel<'_>,
) -> Result<Vec<u8>, PluginError> {
    let (w, h) = (image.width(), image.height());
    let rgb: RgbImage = RgbImage::from_fn(w, h, |x, y| {
        let p = image.pixel(x, y).unwrap_or([0; 4]);
        image::Rgb([p[0], p[1], p[2]])
    });
    let small = imageops::resize(&rgb, side, side, FilterType::Triangle);
    let plane = (side * side) as usize;
    let mut data = vec![0f32; 3 * plane];
    for (i, p) in small.pixels().enumerate() {
        for c in 0..3 {
            data[c * plane + i] = f32::from(p.0[c]) / 255.0 - 0.5;
        }
    }
    let out = run(Tensor {
        shape: vec![1, 3, side, side],
        data,
    })?;
    if out.shape != [1, 1, side, side] || out.data.len() != plane {
        return Err(PluginError::failed(format!(
            "{MODEL} returned shape {:?} for a {side}x{side} input",
            out.shape
        )));
    }
    let prob: ImageBuffer<Luma<f32>, Vec<f32>> = ImageBuffer::from_raw(side, side, out.data)
        .ok_or_else(|| PluginError::failed("probability map has the wrong size"))?;
    let full = imageops::resize(&prob, w, h, FilterType::Triangle);
    let (lo, hi) = full
        .pixels()
        .fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), p| {
            (lo.min(p.0[0]), hi.max(p.0[0]))
        });
    let span = (hi - lo).max(f32::EPSILON);
    let cut = f32::from(threshold) / 255.0;
    Ok(full
        .pixels()
        .map(|p| {
            let foreground = (p.0[0] - lo) / span >= cut;
            if foreground != background { 255 } else { 0 }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A "model" that calls bright pixels foreground (the input is shifted by −0.5).
    fn brightness(t: Tensor) -> Result<Tensor, PluginError> {
        let plane = (t.shape[2] * t.shape[3]) as usize;
        let data = (0..plane)
            .map(|i| (t.data[i] + t.data[plane + i] + t.data[2 * plane + i]) / 3.0 + 0.5)
            .collect();
        Ok(Tensor {
            shape: vec![1, 1, t.shape[2], t.shape[3]],
            data,
        })
    }

    /// A dark 40×30 picture with a bright square at (10..30, 5..25).
    fn picture() -> Rgba8Image {
        let mut img = Rgba8Image::filled(40, 30, [20, 20, 20, 255]).unwrap();
        for y in 5..25 {
            for x in 10..30 {
                img.set_pixel(x, y, [230, 230, 230, 255]);
            }
        }
        img
    }

    #[test]
    fn foreground_and_background_are_complements() {
        let img = picture();
        let fg = mask(&img, 64, 128, false, &mut brightness).unwrap();
        let bg = mask(&img, 64, 128, true, &mut brightness).unwrap();
        assert_eq!(fg.len(), 40 * 30);
        assert!(fg.iter().zip(&bg).all(|(a, b)| a ^ b == 255));
        // The middle of the square is foreground, the corners are not.
        assert_eq!(fg[15 * 40 + 20], 255);
        assert_eq!(fg[0], 0);
        assert_eq!(fg[29 * 40 + 39], 0);
    }

    #[test]
    fn the_model_sees_the_normalised_square_input() {
        let mut seen = None;
        let mut spy = |t: Tensor| {
            seen = Some((
                t.shape.clone(),
                t.data.iter().cloned().fold(f32::MIN, f32::max),
            ));
            brightness(t)
        };
        mask(&picture(), 32, 128, false, &mut spy).unwrap();
        let (shape, max) = seen.unwrap();
        assert_eq!(shape, [1, 3, 32, 32]);
        assert!(max <= 0.5 && max > 0.3, "{max}");
    }

    #[test]
    fn a_wrong_answer_is_an_error() {
        let mut bad = |_t: Tensor| {
            Ok(Tensor {
                shape: vec![1, 1, 2, 2],
                data: vec![0.0; 4],
            })
        };
        assert!(mask(&picture(), 32, 128, false, &mut bad).is_err());
    }
}
