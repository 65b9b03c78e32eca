//! # mend-sdk
//!
//! The crate plugin authors use to write mend plugins: sandboxed WebAssembly
//! components (`wasm32-wasip2`) that the `mend` host loads while it runs.
//!
//! The plugin contract (WIT package `mend:plugin`) and the guest bindings arrive with the
//! plugin runtime. Until then this crate holds the image helpers that are independent of
//! the bindings, so they can be written and tested once and shared by plugins.

/// The API version of the `mend:plugin` WIT package this SDK targets.
pub const PLUGIN_API_VERSION: &str = "0.1.0";

/// An RGBA8 image as plugins exchange it with the host: `width * height * 4` bytes,
/// row-major, no padding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rgba8Image {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Pixel bytes, `width * height * 4` long.
    pub pixels: Vec<u8>,
}

impl Rgba8Image {
    /// Creates an image filled with one colour. Returns `None` when the size overflows.
    pub fn filled(width: u32, height: u32, rgba: [u8; 4]) -> Option<Self> {
        let len = (width as usize)
            .checked_mul(height as usize)?
            .checked_mul(4)?;
        let mut pixels = Vec::with_capacity(len);
        for _ in 0..(len / 4) {
            pixels.extend_from_slice(&rgba);
        }
        Some(Self {
            width,
            height,
            pixels,
        })
    }

    /// Returns the pixel at `(x, y)`, or `None` outside the image.
    pub fn pixel(&self, x: u32, y: u32) -> Option<[u8; 4]> {
        if x >= self.width || y >= self.height {
            return None;
        }
        let i = (y as usize * self.width as usize + x as usize) * 4;
        let p = self.pixels.get(i..i + 4)?;
        Some([p[0], p[1], p[2], p[3]])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filled_image_has_the_colour_everywhere_and_nothing_outside() {
        let img = Rgba8Image::filled(3, 2, [1, 2, 3, 4]).expect("small size");
        assert_eq!(img.pixels.len(), 24);
        assert_eq!(img.pixel(2, 1), Some([1, 2, 3, 4]));
        assert_eq!(img.pixel(3, 0), None);
        assert_eq!(img.pixel(0, 2), None);
    }

    #[test]
    fn filled_rejects_overflowing_sizes() {
        assert!(Rgba8Image::filled(u32::MAX, u32::MAX, [0; 4]).is_none());
    }
}
