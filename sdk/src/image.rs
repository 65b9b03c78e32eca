//! Owned RGBA images and single-channel masks with checked sizes, and conversions to and from
//! the WIT [`Image`] and [`Mask`] records.

use crate::{Image, Mask, PluginError};

/// Number of bytes `width * height * channels` takes, or `None` when it overflows `usize`.
fn byte_len(width: u32, height: u32, channels: usize) -> Option<usize> {
    (width as usize)
        .checked_mul(height as usize)?
        .checked_mul(channels)
}

/// An RGBA8 image as plugins exchange it with the host: `width * height * 4` bytes,
/// row-major, no padding. The size invariant holds for every value of this type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rgba8Image {
    width: u32,
    height: u32,
    pixels: Vec<u8>,
}

impl Rgba8Image {
    /// Wraps `pixels`, checking that it holds exactly `width * height * 4` bytes.
    pub fn new(width: u32, height: u32, pixels: Vec<u8>) -> Result<Self, PluginError> {
        match byte_len(width, height, 4) {
            Some(len) if len == pixels.len() => Ok(Self {
                width,
                height,
                pixels,
            }),
            _ => Err(PluginError::InvalidInput(format!(
                "image of {width}x{height} needs {} bytes, got {}",
                (width as u64) * (height as u64) * 4,
                pixels.len()
            ))),
        }
    }

    /// Creates an image filled with one colour. Returns `None` when the size overflows.
    pub fn filled(width: u32, height: u32, rgba: [u8; 4]) -> Option<Self> {
        let len = byte_len(width, height, 4)?;
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

    /// Width in pixels.
    pub fn width(&self) -> u32 {
        self.width
    }

    /// Height in pixels.
    pub fn height(&self) -> u32 {
        self.height
    }

    /// The pixel bytes, `width * height * 4` long.
    pub fn pixels(&self) -> &[u8] {
        &self.pixels
    }

    /// The pixel bytes, mutably (the length cannot change).
    pub fn pixels_mut(&mut self) -> &mut [u8] {
        &mut self.pixels
    }

    /// Takes the pixel bytes out.
    pub fn into_pixels(self) -> Vec<u8> {
        self.pixels
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

    /// Sets the pixel at `(x, y)`; returns false (and changes nothing) outside the image.
    pub fn set_pixel(&mut self, x: u32, y: u32, rgba: [u8; 4]) -> bool {
        if x >= self.width || y >= self.height {
            return false;
        }
        let i = (y as usize * self.width as usize + x as usize) * 4;
        match self.pixels.get_mut(i..i + 4) {
            Some(p) => {
                p.copy_from_slice(&rgba);
                true
            }
            None => false,
        }
    }
}

impl TryFrom<Image> for Rgba8Image {
    type Error = PluginError;

    fn try_from(image: Image) -> Result<Self, PluginError> {
        Self::new(image.width, image.height, image.pixels)
    }
}

impl From<Rgba8Image> for Image {
    fn from(image: Rgba8Image) -> Self {
        Image {
            width: image.width,
            height: image.height,
            pixels: image.pixels,
        }
    }
}

/// A single-channel 8-bit mask: `width * height` bytes, 0 keeps a pixel, 255 marks it for
/// filling. The size invariant holds for every value of this type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrayMask {
    width: u32,
    height: u32,
    pixels: Vec<u8>,
}

impl GrayMask {
    /// The value the host treats as the threshold: pixels above it are filled.
    pub const THRESHOLD: u8 = 127;

    /// Wraps `pixels`, checking that it holds exactly `width * height` bytes.
    pub fn new(width: u32, height: u32, pixels: Vec<u8>) -> Result<Self, PluginError> {
        match byte_len(width, height, 1) {
            Some(len) if len == pixels.len() => Ok(Self {
                width,
                height,
                pixels,
            }),
            _ => Err(PluginError::InvalidInput(format!(
                "mask of {width}x{height} needs {} bytes, got {}",
                (width as u64) * (height as u64),
                pixels.len()
            ))),
        }
    }

    /// Creates a mask with every pixel set to `value`. Returns `None` when the size overflows.
    pub fn filled(width: u32, height: u32, value: u8) -> Option<Self> {
        let len = byte_len(width, height, 1)?;
        Some(Self {
            width,
            height,
            pixels: vec![value; len],
        })
    }

    /// Width in pixels.
    pub fn width(&self) -> u32 {
        self.width
    }

    /// Height in pixels.
    pub fn height(&self) -> u32 {
        self.height
    }

    /// The mask bytes, `width * height` long.
    pub fn pixels(&self) -> &[u8] {
        &self.pixels
    }

    /// The mask bytes, mutably (the length cannot change).
    pub fn pixels_mut(&mut self) -> &mut [u8] {
        &mut self.pixels
    }

    /// Takes the mask bytes out.
    pub fn into_pixels(self) -> Vec<u8> {
        self.pixels
    }

    /// Returns the value at `(x, y)`, or `None` outside the mask.
    pub fn get(&self, x: u32, y: u32) -> Option<u8> {
        if x >= self.width || y >= self.height {
            return None;
        }
        self.pixels
            .get(y as usize * self.width as usize + x as usize)
            .copied()
    }

    /// Sets the value at `(x, y)`; returns false (and changes nothing) outside the mask.
    pub fn set(&mut self, x: u32, y: u32, value: u8) -> bool {
        if x >= self.width || y >= self.height {
            return false;
        }
        match self
            .pixels
            .get_mut(y as usize * self.width as usize + x as usize)
        {
            Some(p) => {
                *p = value;
                true
            }
            None => false,
        }
    }

    /// Makes the mask binary (255 above [`Self::THRESHOLD`], else 0) and grows the marked
    /// area by a round brush of `radius` pixels (see [`crate::morph::grow`]).
    pub fn grow(&mut self, radius: u32) {
        for v in &mut self.pixels {
            *v = if *v > Self::THRESHOLD { 255 } else { 0 };
        }
        crate::morph::grow(
            &mut self.pixels,
            self.width as usize,
            self.height as usize,
            radius,
        );
    }

    /// Whether the host would fill the pixel at `(x, y)` (value above [`Self::THRESHOLD`]).
    pub fn is_marked(&self, x: u32, y: u32) -> bool {
        self.get(x, y).is_some_and(|v| v > Self::THRESHOLD)
    }
}

impl TryFrom<Mask> for GrayMask {
    type Error = PluginError;

    fn try_from(mask: Mask) -> Result<Self, PluginError> {
        Self::new(mask.width, mask.height, mask.pixels)
    }
}

impl From<GrayMask> for Mask {
    fn from(mask: GrayMask) -> Self {
        Mask {
            width: mask.width,
            height: mask.height,
            pixels: mask.pixels,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filled_image_has_the_colour_everywhere_and_nothing_outside() {
        let img = Rgba8Image::filled(3, 2, [1, 2, 3, 4]).expect("small size");
        assert_eq!(img.pixels().len(), 24);
        assert_eq!(img.pixel(2, 1), Some([1, 2, 3, 4]));
        assert_eq!(img.pixel(3, 0), None);
        assert_eq!(img.pixel(0, 2), None);
    }

    #[test]
    fn filled_rejects_overflowing_sizes() {
        assert!(Rgba8Image::filled(u32::MAX, u32::MAX, [0; 4]).is_none());
    }

    #[test]
    fn new_checks_the_buffer_length() {
        assert!(Rgba8Image::new(2, 2, vec![0; 16]).is_ok());
        assert!(matches!(
            Rgba8Image::new(2, 2, vec![0; 15]),
            Err(PluginError::InvalidInput(_))
        ));
        assert!(GrayMask::new(2, 3, vec![0; 6]).is_ok());
        assert!(GrayMask::new(2, 3, vec![0; 7]).is_err());
        assert!(GrayMask::new(u32::MAX, u32::MAX, Vec::new()).is_err());
    }

    #[test]
    fn wit_records_round_trip_and_bad_sizes_are_rejected() {
        let img = Rgba8Image::filled(2, 1, [9, 8, 7, 6]).expect("small");
        let wit: Image = img.clone().into();
        assert_eq!(Rgba8Image::try_from(wit).expect("valid"), img);
        let bad = Image {
            width: 4,
            height: 4,
            pixels: vec![0; 3],
        };
        assert!(Rgba8Image::try_from(bad).is_err());

        let mask = GrayMask::filled(3, 1, 200).expect("small");
        let wit: Mask = mask.clone().into();
        assert_eq!(GrayMask::try_from(wit).expect("valid"), mask);
    }

    #[test]
    fn set_and_get_stay_inside() {
        let mut m = GrayMask::filled(2, 2, 0).expect("small");
        assert!(m.set(1, 1, 255));
        assert!(!m.set(2, 0, 255));
        assert!(m.is_marked(1, 1));
        assert!(!m.is_marked(0, 0));
        let mut img = Rgba8Image::filled(1, 1, [0; 4]).expect("small");
        assert!(img.set_pixel(0, 0, [1, 2, 3, 4]));
        assert!(!img.set_pixel(0, 1, [1, 2, 3, 4]));
        assert_eq!(img.pixel(0, 0), Some([1, 2, 3, 4]));
    }
}
