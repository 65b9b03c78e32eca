//! Images crossing the plugin boundary: size checks before any work, and conversions between
//! the WIT `image`/`mask` records and the host's pixel buffers. A plugin's output is never
//! trusted: `pixels.len()` must be exactly `width * height * 4` (or `* 1` for masks).

use image::{GrayImage, RgbaImage};

use super::wit::latest::types as wt;

/// The most image bytes the host buffers for one plugin image or mask (64 megapixels of
/// RGBA): checked before copying or converting anything.
pub const MAX_HOST_BUFFERED_BYTES: usize = 256 * 1024 * 1024;

/// Checks a plugin image: non-empty, within `max_pixels` and [`MAX_HOST_BUFFERED_BYTES`], and
/// holding exactly `width * height * 4` bytes.
pub fn check_image(img: &wt::Image, max_pixels: u64) -> Result<(), String> {
    check_buffer(
        "image",
        img.width,
        img.height,
        4,
        img.pixels.len(),
        max_pixels,
    )
}

/// Checks a plugin mask: as [`check_image`] with one byte per pixel.
pub fn check_mask(mask: &wt::Mask, max_pixels: u64) -> Result<(), String> {
    check_buffer(
        "mask",
        mask.width,
        mask.height,
        1,
        mask.pixels.len(),
        max_pixels,
    )
}

fn check_buffer(
    what: &str,
    width: u32,
    height: u32,
    channels: u64,
    len: usize,
    max_pixels: u64,
) -> Result<(), String> {
    if width == 0 || height == 0 {
        return Err(format!("the returned {what} is empty ({width}x{height})"));
    }
    let pixels = u64::from(width) * u64::from(height);
    let expected = pixels * channels;
    if pixels > max_pixels || expected > MAX_HOST_BUFFERED_BYTES as u64 {
        return Err(format!(
            "the {what} is {width}x{height}, more than the limit of {max_pixels} pixels"
        ));
    }
    if len as u64 != expected {
        return Err(format!(
            "the {what} is {width}x{height} but holds {len} bytes instead of {expected} \
             (width * height * {channels})"
        ));
    }
    Ok(())
}

/// An RGBA buffer as a WIT image.
pub fn to_wit_image(img: RgbaImage) -> wt::Image {
    wt::Image {
        width: img.width(),
        height: img.height(),
        pixels: img.into_raw(),
    }
}

/// A gray buffer as a WIT mask.
pub fn to_wit_mask(mask: GrayImage) -> wt::Mask {
    wt::Mask {
        width: mask.width(),
        height: mask.height(),
        pixels: mask.into_raw(),
    }
}

/// A checked WIT image as an RGBA buffer.
pub fn from_wit_image(img: wt::Image) -> Result<RgbaImage, String> {
    RgbaImage::from_raw(img.width, img.height, img.pixels)
        .ok_or_else(|| "the image's byte count does not match its size".to_owned())
}

/// A checked WIT mask as a gray buffer.
pub fn from_wit_mask(mask: wt::Mask) -> Result<GrayImage, String> {
    GrayImage::from_raw(mask.width, mask.height, mask.pixels)
        .ok_or_else(|| "the mask's byte count does not match its size".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_counts_must_match_sizes() {
        let ok = wt::Image {
            width: 2,
            height: 2,
            pixels: vec![0; 16],
        };
        assert!(check_image(&ok, 100).is_ok());
        let short = wt::Image {
            pixels: vec![0; 15],
            ..ok.clone()
        };
        let err = check_image(&short, 100).unwrap_err();
        assert!(err.contains("15 bytes instead of 16"), "{err}");
        assert!(check_image(&ok, 3).is_err());
        let empty = wt::Image {
            width: 0,
            height: 2,
            pixels: Vec::new(),
        };
        assert!(check_image(&empty, 100).is_err());
        let mask = wt::Mask {
            width: 2,
            height: 2,
            pixels: vec![0; 4],
        };
        assert!(check_mask(&mask, 100).is_ok());
    }
}
