//! Encoding results in the input's format, with the input's whitelisted metadata.
//!
//! * PNG: `png` crate, fast compression ([`PNG_COMPRESSION`]); RGBA when alpha is present;
//!   writes `pHYs`, `iCCP`, `eXIf` and a `parameters` text chunk (tEXt, or iTXt when the
//!   text is not Latin-1).
//! * JPEG: `jpeg-encoder` (SIMD), given quality (clamped to 1–100; 4:4:4 at ≥ 90), JFIF
//!   density, ICC (split across APP2 segments) and EXIF (APP1, dropped if over 64 KiB).
//!   Alpha is dropped: IOPaint fails with a 500 here, mend returns the opaque image.
//! * WebP: `image`'s encoder, which is **lossless only** (IOPaint writes lossy WebP at the
//!   server quality); ICC and EXIF are kept.
//! * BMP (32-bit BGRA when alpha is present), TIFF (ICC kept), GIF (palette-quantised, binary
//!   transparency): `image`'s encoders.
//!
//! An alpha channel whose size differs from the colour image (e.g. after outpainting) is
//! resized bilinearly, as IOPaint does.

use std::borrow::Cow;
use std::io::Cursor;

use image::codecs::bmp::BmpEncoder;
use image::codecs::gif::GifEncoder;
use image::codecs::tiff::TiffEncoder;
use image::codecs::webp::WebPEncoder;
use image::imageops::FilterType;
use image::{ExtendedColorType, GrayImage, ImageEncoder, RgbImage};

use super::guarded;
use super::metadata::{ImageMetadata, dpi_to_jfif, dpi_to_png};
use super::sniff::ImageFormatKind;
use crate::error::{Error, Result};

/// PNG compression presets (all use the `png` crate's encoder).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PngCompression {
    /// fdeflate "ultra fast" + `Up` filter (`png::Compression::Fastest`).
    Fastest,
    /// fdeflate "ultra fast" + adaptive filter (`png::Compression::Fast`).
    Fast,
    /// zlib level 6 + adaptive filter (`png::Compression::Balanced`; Pillow's default level).
    Balanced,
}

impl PngCompression {
    fn to_png(self) -> png::Compression {
        match self {
            Self::Fastest => png::Compression::Fastest,
            Self::Fast => png::Compression::Fast,
            Self::Balanced => png::Compression::Balanced,
        }
    }
}

/// The compression mend uses for every PNG it writes (results, mask overlays, thumbnails).
///
/// Measured at 1024² on three photos (2-core machine, release build): `Fast` is 8–19 %
/// smaller than `Fastest` for 1–2 ms more (6–7 ms vs 5–6 ms), while `Balanced` (zlib 6,
/// Pillow's default) takes 160–240 ms for files at most 15 % smaller than `Fast`.
pub const PNG_COMPRESSION: PngCompression = PngCompression::Fast;

/// Encodes `rgb` (+ optional `alpha`) as `format`, writing `metadata` back where the format
/// can hold it. `quality` (1–100) applies to JPEG only (WebP output is lossless).
pub fn encode_image(
    rgb: &RgbImage,
    alpha: Option<&GrayImage>,
    format: ImageFormatKind,
    metadata: &ImageMetadata,
    quality: u8,
) -> Result<Vec<u8>> {
    let (w, h) = rgb.dimensions();
    if w == 0 || h == 0 {
        return Err(Error::ImageEncode("cannot encode an empty image".into()));
    }
    guarded(Error::ImageEncode, || {
        let resized;
        let alpha = match alpha {
            Some(a) if a.dimensions() != (w, h) => {
                resized = image::imageops::resize(a, w, h, FilterType::Triangle);
                Some(&resized)
            }
            other => other,
        };
        let alpha = if format.supports_alpha() { alpha } else { None };
        match format {
            ImageFormatKind::Png => encode_png(rgb, alpha, metadata, PNG_COMPRESSION),
            ImageFormatKind::Jpeg => encode_jpeg(rgb, metadata, quality),
            other => encode_with_image(rgb, alpha, other, metadata),
        }
    })
}

/// Interleaves colour and alpha into RGBA8.
pub(crate) fn interleave_rgba(rgb: &RgbImage, alpha: &GrayImage) -> Vec<u8> {
    let (px, _) = rgb.as_raw().as_chunks::<3>();
    let mut out = Vec::with_capacity(px.len() * 4);
    for (&[r, g, b], &a) in px.iter().zip(alpha.as_raw()) {
        out.extend_from_slice(&[r, g, b, a]);
    }
    out
}

fn png_encode_error(e: png::EncodingError) -> Error {
    Error::ImageEncode(format!("png: {e}"))
}

/// Encodes a PNG with the given compression preset (the public entry point is
/// [`encode_image`]; this one exists for benchmarks and special responses).
/// `alpha` must have the same size as `rgb`.
pub fn encode_png(
    rgb: &RgbImage,
    alpha: Option<&GrayImage>,
    metadata: &ImageMetadata,
    compression: PngCompression,
) -> Result<Vec<u8>> {
    let (w, h) = rgb.dimensions();
    let interleaved;
    let (data, color): (&[u8], _) = match alpha {
        Some(a) if a.dimensions() == (w, h) => {
            interleaved = interleave_rgba(rgb, a);
            (&interleaved, png::ColorType::Rgba)
        }
        Some(_) => {
            return Err(Error::ImageEncode(
                "alpha channel size differs from the image".into(),
            ));
        }
        None => (rgb.as_raw(), png::ColorType::Rgb),
    };
    write_png(w, h, color, data, metadata, compression)
}

/// Writes an 8-bit PNG of `color` with the metadata chunks.
pub(crate) fn write_png(
    w: u32,
    h: u32,
    color: png::ColorType,
    data: &[u8],
    metadata: &ImageMetadata,
    compression: PngCompression,
) -> Result<Vec<u8>> {
    let mut info = png::Info::with_size(w, h);
    info.color_type = color;
    info.bit_depth = png::BitDepth::Eight;
    info.pixel_dims = metadata.dpi.and_then(dpi_to_png);
    info.icc_profile = metadata.icc_profile.as_deref().map(Cow::Borrowed);
    info.exif_metadata = metadata.exif.as_deref().map(Cow::Borrowed);

    let mut out = Vec::with_capacity(data.len() / 2 + 1024);
    let mut encoder = png::Encoder::with_info(&mut out, info).map_err(png_encode_error)?;
    encoder.set_compression(compression.to_png());
    if let Some(text) = &metadata.parameters {
        if text.chars().all(|c| u32::from(c) <= 0xff) {
            encoder.add_text_chunk("parameters".to_owned(), text.clone())
        } else {
            encoder.add_itxt_chunk("parameters".to_owned(), text.clone())
        }
        .map_err(png_encode_error)?;
    }
    let mut writer = encoder.write_header().map_err(png_encode_error)?;
    writer.write_image_data(data).map_err(png_encode_error)?;
    writer.finish().map_err(png_encode_error)?;
    Ok(out)
}

/// Largest EXIF payload that fits one APP1 segment after the `Exif\0\0` header.
const MAX_JPEG_EXIF: usize = 65_527;

fn encode_jpeg(rgb: &RgbImage, metadata: &ImageMetadata, quality: u8) -> Result<Vec<u8>> {
    let (w, h) = rgb.dimensions();
    let (Ok(w16), Ok(h16)) = (u16::try_from(w), u16::try_from(h)) else {
        return Err(Error::ImageEncode(format!(
            "{w}x{h} exceeds JPEG's 65535 pixel side limit"
        )));
    };
    let jpeg_error = |e: jpeg_encoder::EncodingError| Error::ImageEncode(format!("jpeg: {e}"));
    let mut out = Vec::with_capacity(rgb.as_raw().len() / 4 + 1024);
    let mut encoder = jpeg_encoder::Encoder::new(&mut out, quality.clamp(1, 100));
    if let Some((x, y)) = metadata.dpi.and_then(dpi_to_jfif) {
        encoder.set_density(jpeg_encoder::PixelDensity {
            density: (x, y),
            unit: jpeg_encoder::PixelDensityUnit::Inches,
        });
    }
    if let Some(exif) = metadata
        .exif
        .as_deref()
        .filter(|e| e.len() <= MAX_JPEG_EXIF)
    {
        encoder.add_exif_metadata(exif).map_err(jpeg_error)?;
    }
    if let Some(icc) = &metadata.icc_profile {
        encoder.add_icc_profile(icc).map_err(jpeg_error)?;
    }
    encoder
        .encode(rgb.as_raw(), w16, h16, jpeg_encoder::ColorType::Rgb)
        .map_err(jpeg_error)?;
    Ok(out)
}

fn encode_with_image(
    rgb: &RgbImage,
    alpha: Option<&GrayImage>,
    format: ImageFormatKind,
    metadata: &ImageMetadata,
) -> Result<Vec<u8>> {
    let (w, h) = rgb.dimensions();
    let image_error = |e: image::ImageError| Error::ImageEncode(format!("{format}: {e}"));
    let interleaved;
    let (data, color): (&[u8], _) = match alpha {
        Some(a) => {
            interleaved = interleave_rgba(rgb, a);
            (&interleaved, ExtendedColorType::Rgba8)
        }
        None => (rgb.as_raw(), ExtendedColorType::Rgb8),
    };
    let mut out = Vec::new();
    match format {
        ImageFormatKind::Webp => {
            let mut encoder = WebPEncoder::new_lossless(&mut out);
            if let Some(icc) = &metadata.icc_profile {
                let _ = encoder.set_icc_profile(icc.clone());
            }
            if let Some(exif) = &metadata.exif {
                let _ = encoder.set_exif_metadata(exif.clone());
            }
            encoder
                .write_image(data, w, h, color)
                .map_err(image_error)?;
        }
        ImageFormatKind::Bmp => {
            BmpEncoder::new(&mut out)
                .write_image(data, w, h, color)
                .map_err(image_error)?;
        }
        ImageFormatKind::Tiff => {
            let mut encoder = TiffEncoder::new(Cursor::new(&mut out));
            if let Some(icc) = &metadata.icc_profile {
                let _ = encoder.set_icc_profile(icc.clone());
            }
            encoder
                .write_image(data, w, h, color)
                .map_err(image_error)?;
        }
        ImageFormatKind::Gif => {
            let (Ok(_), Ok(_)) = (u16::try_from(w), u16::try_from(h)) else {
                return Err(Error::ImageEncode(format!(
                    "{w}x{h} exceeds GIF's 65535 pixel side limit"
                )));
            };
            GifEncoder::new_with_speed(&mut out, 10)
                .write_image(data, w, h, color)
                .map_err(image_error)?;
        }
        ImageFormatKind::Png | ImageFormatKind::Jpeg => {
            return Err(Error::ImageEncode(format!("{format} is not handled here")));
        }
    }
    Ok(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn interleave() {
        let rgb = RgbImage::from_raw(2, 1, vec![1, 2, 3, 4, 5, 6]).unwrap();
        let a = GrayImage::from_raw(2, 1, vec![7, 8]).unwrap();
        assert_eq!(interleave_rgba(&rgb, &a), vec![1, 2, 3, 7, 4, 5, 6, 8]);
    }

    #[test]
    fn empty_image_is_error() {
        let rgb = RgbImage::new(0, 0);
        assert!(matches!(
            encode_image(
                &rgb,
                None,
                ImageFormatKind::Png,
                &ImageMetadata::default(),
                90
            ),
            Err(Error::ImageEncode(_))
        ));
    }

    #[test]
    fn jpeg_side_limit() {
        let rgb = RgbImage::new(70_000, 1);
        assert!(matches!(
            encode_image(
                &rgb,
                None,
                ImageFormatKind::Jpeg,
                &ImageMetadata::default(),
                90
            ),
            Err(Error::ImageEncode(_))
        ));
    }
}
