//! Image and mask I/O under explicit limits, compatible with IOPaint's HTTP API.
//!
//! Everything here is synchronous CPU work; the server calls it inside `spawn_blocking`.
//! No function panics on any input: third-party decoders run behind
//! [`std::panic::catch_unwind`] as a last line of defence, and malformed input yields
//! [`Error::Base64`], [`Error::UnsupportedFormat`], [`Error::ImageDecode`] or
//! [`Error::ImageTooLarge`] (never a 500-worthy crash).
//!
//! ## Pipeline
//! 1. [`decode_payload`]: data URL / bare base64 → bytes (lenient, like IOPaint, but parameters
//!    in data URLs are understood).
//! 2. [`sniff`]: magic bytes → [`ImageFormatKind`] (the output format of `/inpaint`).
//! 3. [`decode_image`] / [`decode_mask`]: header checked against [`Limits`] before any pixel
//!    buffer exists; EXIF orientation applied; alpha kept for every alpha-carrying mode;
//!    metadata (EXIF minus orientation, ICC, DPI, PNG `parameters`) captured.
//! 4. [`encode_image`]: same format as the input, metadata written back, fast PNG compression.
//!
//! Plus [`mask_overlay_png`] (plugin/adjust-mask responses), [`read_png_parameters`] and
//! [`split_gen_info`] (`/gen-info`), [`thumbnail`] and [`image_dimensions`] (file manager).

mod decode;
mod encode;
mod mask_overlay;
mod metadata;
mod payload;
mod preview;
mod rgba;
mod sniff;
mod thumbnail;

pub use decode::{DecodedImage, decode_image, decode_mask, image_dimensions};
pub use encode::{PNG_COMPRESSION, PngCompression, encode_image, encode_png};
pub use mask_overlay::{MASK_OVERLAY_COLOR, mask_overlay_png};
pub use metadata::{ImageMetadata, read_png_parameters, reset_exif_orientation, split_gen_info};
pub use payload::decode_payload;
pub use preview::{PREVIEW_MAX_SIDE, gray_png, preview_jpeg};
pub use rgba::{rgba_png, split_rgba, to_rgba};
pub use sniff::{ImageFormatKind, sniff};
pub use thumbnail::{THUMBNAIL_JPEG_QUALITY, Thumbnail, thumbnail, thumbnail_size};

/// Re-exported pixel buffer types used in this module's API.
pub use image::{GrayImage, RgbImage};

use crate::error::{Error, Result};

/// Resource limits applied to every decode.
///
/// The pixel count is checked from the image *header*, before any pixel buffer is allocated;
/// the same bound is also handed to the underlying decoders (`image::Limits`, `png::Limits`)
/// as a second line of defence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest accepted `width * height` (the server's `--max-pixels`).
    pub max_pixels: u64,
}

impl Limits {
    /// The default pixel limit: 8192 × 8192 = 64 Mi pixels.
    pub const DEFAULT_MAX_PIXELS: u64 = 8192 * 8192;

    /// Limits with the given pixel budget.
    pub const fn new(max_pixels: u64) -> Self {
        Self { max_pixels }
    }

    /// Checks header dimensions against the limit; zero-sized images are a decode error.
    pub fn check(&self, width: u32, height: u32) -> Result<()> {
        if width == 0 || height == 0 {
            return Err(Error::ImageDecode(format!(
                "image has an empty dimension ({width}x{height})"
            )));
        }
        let pixels = u64::from(width) * u64::from(height);
        if pixels > self.max_pixels {
            return Err(Error::ImageTooLarge {
                width,
                height,
                pixels,
                limit: self.max_pixels,
            });
        }
        Ok(())
    }

    /// Largest number of bytes a decoder may allocate: 8 bytes (16-bit RGBA) per allowed
    /// pixel plus 16 MiB of slack for tables and metadata.
    pub(crate) fn max_alloc_bytes(&self) -> u64 {
        self.max_pixels
            .saturating_mul(8)
            .saturating_add(16 * 1024 * 1024)
    }

    /// The equivalent `image` crate limits (second line of defence).
    pub(crate) fn to_image_limits(self) -> image::Limits {
        let side = u32::try_from(self.max_pixels).unwrap_or(u32::MAX);
        let mut limits = image::Limits::default();
        limits.max_image_width = Some(side);
        limits.max_image_height = Some(side);
        limits.max_alloc = Some(self.max_alloc_bytes());
        limits
    }
}

impl Default for Limits {
    fn default() -> Self {
        Self::new(Self::DEFAULT_MAX_PIXELS)
    }
}

/// Runs third-party codec code, turning a panic inside it into [`Error::ImageDecode`] (or
/// whatever `on_panic` builds) instead of unwinding into the server.
pub(crate) fn guarded<T>(
    on_panic: impl FnOnce(String) -> Error,
    f: impl FnOnce() -> Result<T>,
) -> Result<T> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(result) => result,
        Err(payload) => {
            let msg = payload
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "codec panicked".to_owned());
            Err(on_panic(format!("internal codec failure: {msg}")))
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn limits_check() {
        let l = Limits::new(100);
        assert!(l.check(10, 10).is_ok());
        assert!(matches!(
            l.check(10, 11),
            Err(Error::ImageTooLarge {
                width: 10,
                height: 11,
                pixels: 110,
                limit: 100
            })
        ));
        assert!(matches!(l.check(0, 5), Err(Error::ImageDecode(_))));
        assert_eq!(Limits::default().max_pixels, 67_108_864);
        // No overflow on extreme values.
        assert!(Limits::new(u64::MAX).check(u32::MAX, u32::MAX).is_ok());
        let il = Limits::new(u64::MAX).to_image_limits();
        assert_eq!(il.max_image_width, Some(u32::MAX));
    }

    #[test]
    fn guarded_catches_panics() {
        let r: Result<()> = guarded(Error::ImageDecode, || panic!("boom"));
        match r {
            Err(Error::ImageDecode(m)) => assert!(m.contains("boom")),
            other => panic!("unexpected {other:?}"),
        }
    }
}
