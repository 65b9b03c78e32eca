//! RGB + separate alpha (how mend decodes images) ↔ interleaved RGBA (how plugins exchange
//! them), and RGBA PNG encoding.

use image::{GrayImage, RgbImage, RgbaImage};

use super::ImageMetadata;
use super::encode::{PNG_COMPRESSION, write_png};
use crate::{Error, Result};

/// RGB plus optional alpha (opaque where absent) as one RGBA image.
pub fn to_rgba(rgb: &RgbImage, alpha: Option<&GrayImage>) -> RgbaImage {
    RgbaImage::from_fn(rgb.width(), rgb.height(), |x, y| {
        let [r, g, b] = rgb.get_pixel(x, y).0;
        let a = alpha
            .and_then(|a| a.get_pixel_checked(x, y))
            .map_or(255, |p| p.0[0]);
        image::Rgba([r, g, b, a])
    })
}

/// RGBA split into RGB and, when `keep_alpha`, its alpha channel.
pub fn split_rgba(rgba: &RgbaImage, keep_alpha: bool) -> (RgbImage, Option<GrayImage>) {
    let rgb = RgbImage::from_fn(rgba.width(), rgba.height(), |x, y| {
        let [r, g, b, _] = rgba.get_pixel(x, y).0;
        image::Rgb([r, g, b])
    });
    let alpha = keep_alpha.then(|| {
        GrayImage::from_fn(rgba.width(), rgba.height(), |x, y| {
            image::Luma([rgba.get_pixel(x, y).0[3]])
        })
    });
    (rgb, alpha)
}

/// Encodes an RGBA image as PNG (fast compression, no metadata).
pub fn rgba_png(img: &RgbaImage) -> Result<Vec<u8>> {
    let (w, h) = img.dimensions();
    if w == 0 || h == 0 {
        return Err(Error::ImageEncode("cannot encode an empty image".into()));
    }
    write_png(
        w,
        h,
        png::ColorType::Rgba,
        img.as_raw(),
        &ImageMetadata::default(),
        PNG_COMPRESSION,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rgba_round_trip_keeps_alpha_only_when_present() {
        let rgb = RgbImage::from_fn(3, 2, |x, y| image::Rgb([x as u8, y as u8, 7]));
        let alpha = GrayImage::from_fn(3, 2, |x, _| image::Luma([x as u8 * 50]));
        let rgba = to_rgba(&rgb, Some(&alpha));
        let (back, a) = split_rgba(&rgba, true);
        assert_eq!(back, rgb);
        assert_eq!(a.as_ref(), Some(&alpha));
        let (back, a) = split_rgba(&to_rgba(&rgb, None), false);
        assert_eq!(back, rgb);
        assert!(a.is_none());
        assert_eq!(to_rgba(&rgb, None).get_pixel(2, 1).0[3], 255);
        let png = rgba_png(&rgba).unwrap();
        assert_eq!(image::load_from_memory(&png).unwrap().to_rgba8(), rgba);
    }
}
