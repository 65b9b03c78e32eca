//! Small encodings for stored history entries: the binarised mask as a grayscale PNG and a
//! JPEG preview of the result.

use image::{GrayImage, RgbImage, imageops};

use super::encode::{PNG_COMPRESSION, write_png};
use super::{ImageFormatKind, ImageMetadata, encode_image};
use crate::{Error, Result};

/// Longest side of history previews, in pixels.
pub const PREVIEW_MAX_SIDE: u32 = 256;

/// JPEG quality of history previews.
pub const PREVIEW_JPEG_QUALITY: u8 = 85;

/// Encodes a mask as an 8-bit grayscale PNG.
pub fn gray_png(mask: &GrayImage) -> Result<Vec<u8>> {
    let (w, h) = mask.dimensions();
    if w == 0 || h == 0 {
        return Err(Error::ImageEncode("cannot encode an empty mask".into()));
    }
    write_png(
        w,
        h,
        png::ColorType::Grayscale,
        mask.as_raw(),
        &ImageMetadata::default(),
        PNG_COMPRESSION,
    )
}

/// A JPEG preview whose longer side is at most [`PREVIEW_MAX_SIDE`] (never upscaled).
pub fn preview_jpeg(image: &RgbImage) -> Result<Vec<u8>> {
    let (w, h) = image.dimensions();
    let longer = w.max(h);
    let scaled;
    let source = if longer > PREVIEW_MAX_SIDE {
        let tw = (u64::from(w) * u64::from(PREVIEW_MAX_SIDE) / u64::from(longer)).max(1);
        let th = (u64::from(h) * u64::from(PREVIEW_MAX_SIDE) / u64::from(longer)).max(1);
        // Both are at most PREVIEW_MAX_SIDE, so the conversions cannot fail.
        let (tw, th) = (
            u32::try_from(tw).unwrap_or(PREVIEW_MAX_SIDE),
            u32::try_from(th).unwrap_or(PREVIEW_MAX_SIDE),
        );
        scaled = imageops::thumbnail(image, tw, th);
        &scaled
    } else {
        image
    };
    encode_image(
        source,
        None,
        ImageFormatKind::Jpeg,
        &ImageMetadata::default(),
        PREVIEW_JPEG_QUALITY,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preview_fits_and_mask_png_round_trips() {
        let img = RgbImage::from_pixel(1000, 400, image::Rgb([10, 200, 30]));
        let jpeg = preview_jpeg(&img).unwrap();
        let back = image::load_from_memory(&jpeg).unwrap();
        assert_eq!((back.width(), back.height()), (256, 102));
        let small = RgbImage::new(20, 10);
        let back = image::load_from_memory(&preview_jpeg(&small).unwrap()).unwrap();
        assert_eq!((back.width(), back.height()), (20, 10), "never upscaled");

        let mask = GrayImage::from_fn(9, 7, |x, _| image::Luma([if x > 4 { 255 } else { 0 }]));
        let png = gray_png(&mask).unwrap();
        assert_eq!(image::load_from_memory(&png).unwrap().to_luma8(), mask);
    }
}
