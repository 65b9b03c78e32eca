//! The translucent mask overlay PNG returned by the plugin mask route and `adjust_mask`.
//!
//! Pixels > 128 become IOPaint's overlay colour [`MASK_OVERLAY_COLOR`], all others are fully
//! transparent. Unlike upstream (OpenCV, zlib level 0: upstream #25) the PNG is compressed,
//! with the same fast preset as every other PNG mend writes.

use image::GrayImage;

use super::encode::write_png;
use super::metadata::ImageMetadata;
use super::{PNG_COMPRESSION, guarded};
use crate::error::{Error, Result};

/// RGBA of a masked pixel in the overlay (IOPaint's `(255, 203, 0, 186)`).
pub const MASK_OVERLAY_COLOR: [u8; 4] = [255, 203, 0, 186];

/// Renders `mask` (255 = area to inpaint) as an RGBA overlay PNG.
pub fn mask_overlay_png(mask: &GrayImage) -> Result<Vec<u8>> {
    let (w, h) = mask.dimensions();
    if w == 0 || h == 0 {
        return Err(Error::ImageEncode("cannot encode an empty mask".into()));
    }
    let mut rgba = Vec::with_capacity(mask.as_raw().len() * 4);
    for &v in mask.as_raw() {
        rgba.extend_from_slice(&if v > 128 {
            MASK_OVERLAY_COLOR
        } else {
            [0, 0, 0, 0]
        });
    }
    guarded(Error::ImageEncode, || {
        write_png(
            w,
            h,
            png::ColorType::Rgba,
            &rgba,
            &ImageMetadata::default(),
            PNG_COMPRESSION,
        )
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn overlay_pixels() {
        let mask = GrayImage::from_raw(4, 1, vec![0, 128, 129, 255]).unwrap();
        let png = mask_overlay_png(&mask).unwrap();
        let mut dec = png::Decoder::new(std::io::Cursor::new(png.as_slice()));
        dec.set_transformations(png::Transformations::IDENTITY);
        let mut reader = dec.read_info().unwrap();
        assert_eq!(reader.info().color_type, png::ColorType::Rgba);
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        reader.next_frame(&mut buf).unwrap();
        assert_eq!(
            buf,
            [
                [0, 0, 0, 0],
                [0, 0, 0, 0],
                MASK_OVERLAY_COLOR,
                MASK_OVERLAY_COLOR
            ]
            .concat()
        );
    }

    #[test]
    fn overlay_is_compressed() {
        let mut mask = GrayImage::new(512, 512);
        for y in 100..300 {
            for x in 50..400 {
                mask.put_pixel(x, y, image::Luma([255]));
            }
        }
        let png = mask_overlay_png(&mask).unwrap();
        // Uncompressed would be > 1 MiB.
        assert!(png.len() < 20_000, "{} bytes", png.len());
    }
}
