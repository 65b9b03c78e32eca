//! Decoding images and masks under [`Limits`], with EXIF orientation applied.
//!
//! Order of operations for every format: sniff → parse the header only → check
//! `width * height` against [`Limits::max_pixels`] → hand the same limits to the decoder →
//! allocate and decode. PNG goes through the `png` crate directly (faster than `image`'s
//! wrapper, and it exposes pHYs); the other formats through `image`'s decoders.
//!
//! Differences from IOPaint (upstream #14): alpha is kept for every alpha-carrying mode
//! (RGBA, LA, palette + tRNS, gray + tRNS, 16-bit RGBA, transparent GIF/WebP/BMP/TIFF), not
//! only Pillow's `RGBA`; CMYK JPEGs are converted to RGB and their CMYK ICC profile is dropped.

use std::io::Cursor;

use image::codecs::bmp::BmpDecoder;
use image::codecs::gif::GifDecoder;
use image::codecs::jpeg::JpegDecoder;
use image::codecs::tiff::TiffDecoder;
use image::codecs::webp::WebPDecoder;
use image::metadata::Orientation;
use image::{DynamicImage, GrayImage, ImageBuffer, ImageDecoder, ImageError, RgbImage};

use super::metadata::{
    ImageMetadata, exif_orientation, exif_tiff_body, icc_is_rgb, jpeg_dpi, png_dpi,
    read_png_parameters, reset_exif_orientation,
};
use super::sniff::{ImageFormatKind, sniff};
use super::{Limits, guarded};
use crate::error::{Error, Result};

/// A decoded colour image: RGB pixels, the alpha channel if the input had one, the input's
/// format (the output format of `/inpaint`) and the metadata to write back.
#[derive(Debug, Clone)]
pub struct DecodedImage {
    /// Colour, 8 bits per channel, orientation applied.
    pub rgb: RgbImage,
    /// Alpha channel (same size as `rgb`) for inputs that carry transparency.
    pub alpha: Option<GrayImage>,
    /// The sniffed input format.
    pub format: ImageFormatKind,
    /// Whitelisted metadata (EXIF without orientation, RGB ICC profile, DPI, `parameters`).
    pub metadata: ImageMetadata,
}

impl DecodedImage {
    /// `(width, height)` of the image.
    pub fn dimensions(&self) -> (u32, u32) {
        self.rgb.dimensions()
    }
}

/// Decodes a colour image: EXIF orientation applied, alpha split off, metadata captured.
///
/// Errors: [`Error::UnsupportedFormat`] for bytes that are not PNG/JPEG/WebP/BMP/TIFF/GIF,
/// [`Error::ImageTooLarge`] when the header exceeds `limits` (nothing is allocated),
/// [`Error::ImageDecode`] for corrupt data.
pub fn decode_image(bytes: &[u8], limits: &Limits) -> Result<DecodedImage> {
    let raw = decode_raw(bytes, limits, true)?;
    let format = raw.format;
    let metadata = raw.metadata;
    let mut image = raw.image;
    image.apply_orientation(raw.orientation);
    let (rgb, mut alpha) = split_alpha(image)?;
    // GIF decoders always report RGBA; only keep alpha when a pixel is actually transparent.
    if format == ImageFormatKind::Gif
        && alpha
            .as_ref()
            .is_some_and(|a| a.as_raw().iter().all(|&v| v == 255))
    {
        alpha = None;
    }
    Ok(DecodedImage {
        rgb,
        alpha,
        format,
        metadata,
    })
}

/// Decodes a mask to 8-bit gray like Pillow's `convert("L")`: EXIF orientation applied, gray
/// inputs kept as they are (alpha of LA dropped), colour inputs converted with
/// `L = (19595 R + 38470 G + 7471 B + 0x8000) >> 16` on the un-premultiplied colour,
/// **ignoring alpha** — so the UI's brush colour (255, 204, 0) gives 196 at any opacity.
pub fn decode_mask(bytes: &[u8], limits: &Limits) -> Result<GrayImage> {
    let raw = decode_raw(bytes, limits, false)?;
    let mut image = raw.image;
    image.apply_orientation(raw.orientation);
    luminance(image)
}

/// Image `(width, height)` from the header only (no pixel data decoded), after EXIF
/// orientation (so it matches [`decode_image`]). Fails like [`decode_image`] for unknown,
/// corrupt or over-limit images.
pub fn image_dimensions(bytes: &[u8], limits: &Limits) -> Result<(u32, u32)> {
    let format = sniff(bytes).ok_or(Error::UnsupportedFormat)?;
    guarded(Error::ImageDecode, || {
        let ((w, h), orientation) = match format {
            ImageFormatKind::Png => {
                let mut decoder = png_decoder(bytes, limits);
                let (w, h) = png_header(&mut decoder, limits)?;
                decoder.set_ignore_text_chunk(true);
                decoder.set_ignore_iccp_chunk(true);
                let reader = decoder.read_info().map_err(png_error)?;
                let orientation = png_orientation(reader.info().exif_metadata.as_deref());
                ((w, h), orientation)
            }
            other => {
                let mut decoder = open_decoder(bytes, other)?;
                let (w, h) = decoder.dimensions();
                limits.check(w, h)?;
                let orientation = decoder_orientation(&mut *decoder, other, None);
                ((w, h), orientation)
            }
        };
        Ok(if swaps_axes(orientation) {
            (h, w)
        } else {
            (w, h)
        })
    })
}

/// Whether an orientation exchanges width and height.
fn swaps_axes(o: Orientation) -> bool {
    matches!(
        o,
        Orientation::Rotate90
            | Orientation::Rotate270
            | Orientation::Rotate90FlipH
            | Orientation::Rotate270FlipH
    )
}

/// A decoded image before orientation and channel splitting.
struct RawImage {
    image: DynamicImage,
    orientation: Orientation,
    format: ImageFormatKind,
    metadata: ImageMetadata,
}

fn decode_raw(bytes: &[u8], limits: &Limits, want_metadata: bool) -> Result<RawImage> {
    let format = sniff(bytes).ok_or(Error::UnsupportedFormat)?;
    guarded(Error::ImageDecode, || match format {
        ImageFormatKind::Png => decode_png(bytes, limits, want_metadata),
        other => decode_with_image(bytes, other, limits, want_metadata),
    })
}

fn png_decoder<'a>(bytes: &'a [u8], limits: &Limits) -> png::Decoder<Cursor<&'a [u8]>> {
    let alloc = usize::try_from(limits.max_alloc_bytes()).unwrap_or(usize::MAX);
    png::Decoder::new_with_limits(Cursor::new(bytes), png::Limits { bytes: alloc })
}

/// Reads the IHDR and checks the size limit before anything else is parsed.
fn png_header(decoder: &mut png::Decoder<Cursor<&[u8]>>, limits: &Limits) -> Result<(u32, u32)> {
    let info = decoder.read_header_info().map_err(png_error)?;
    let (w, h) = (info.width, info.height);
    limits.check(w, h)?;
    Ok((w, h))
}

fn png_error(e: png::DecodingError) -> Error {
    Error::ImageDecode(format!("png: {e}"))
}

fn png_orientation(exif: Option<&[u8]>) -> Orientation {
    exif.and_then(exif_orientation)
        .and_then(|v| u8::try_from(v).ok())
        .and_then(Orientation::from_exif)
        .unwrap_or(Orientation::NoTransforms)
}

fn decode_png(bytes: &[u8], limits: &Limits, want_metadata: bool) -> Result<RawImage> {
    let mut decoder = png_decoder(bytes, limits);
    png_header(&mut decoder, limits)?;
    // 8-bit Gray / GrayAlpha / RGB / RGBA out: palettes expanded, tRNS → alpha, 16 → 8 bits
    // by taking the high byte (as Pillow does).
    decoder.set_transformations(png::Transformations::normalize_to_color8());
    decoder.set_ignore_text_chunk(true); // `parameters` is read by a cheap chunk walk below
    if !want_metadata {
        decoder.set_ignore_iccp_chunk(true);
    }
    let mut reader = decoder.read_info().map_err(png_error)?;

    let info = reader.info();
    let orientation = png_orientation(info.exif_metadata.as_deref());
    let metadata = if want_metadata {
        ImageMetadata {
            exif: info.exif_metadata.as_deref().map(clean_exif),
            icc_profile: info
                .icc_profile
                .as_deref()
                .filter(|icc| icc_is_rgb(icc))
                .map(<[u8]>::to_vec),
            dpi: info.pixel_dims.as_ref().and_then(png_dpi),
            parameters: read_png_parameters(bytes),
        }
    } else {
        ImageMetadata::default()
    };

    let (color, _) = reader.output_color_type();
    let size = reader
        .output_buffer_size()
        .ok_or_else(|| Error::ImageDecode("png: image too large for this platform".into()))?;
    let mut buf = vec![0u8; size];
    let frame = reader.next_frame(&mut buf).map_err(png_error)?;
    buf.truncate(frame.buffer_size());
    let (w, h) = (frame.width, frame.height);
    let image = match color {
        png::ColorType::Grayscale => ImageBuffer::from_raw(w, h, buf).map(DynamicImage::ImageLuma8),
        png::ColorType::GrayscaleAlpha => {
            ImageBuffer::from_raw(w, h, buf).map(DynamicImage::ImageLumaA8)
        }
        png::ColorType::Rgb => ImageBuffer::from_raw(w, h, buf).map(DynamicImage::ImageRgb8),
        png::ColorType::Rgba => ImageBuffer::from_raw(w, h, buf).map(DynamicImage::ImageRgba8),
        png::ColorType::Indexed => None,
    }
    .ok_or_else(|| Error::ImageDecode("png: unexpected decoded buffer layout".into()))?;

    Ok(RawImage {
        image,
        orientation,
        format: ImageFormatKind::Png,
        metadata,
    })
}

/// Copies an EXIF blob without its `Exif\0\0` prefix and with Orientation reset to 1.
fn clean_exif(exif: &[u8]) -> Vec<u8> {
    let mut out = exif_tiff_body(exif).to_vec();
    let _ = reset_exif_orientation(&mut out);
    out
}

/// Opens a header-parsing decoder of the `image` crate (no pixel buffers yet).
fn open_decoder<'a>(
    bytes: &'a [u8],
    format: ImageFormatKind,
) -> Result<Box<dyn ImageDecoder + 'a>> {
    let c = Cursor::new(bytes);
    let decoder: Box<dyn ImageDecoder + 'a> = match format {
        ImageFormatKind::Jpeg => Box::new(JpegDecoder::new(c).map_err(image_error)?),
        ImageFormatKind::Webp => Box::new(WebPDecoder::new(c).map_err(image_error)?),
        ImageFormatKind::Bmp => Box::new(BmpDecoder::new(c).map_err(image_error)?),
        ImageFormatKind::Tiff => Box::new(TiffDecoder::new(c).map_err(image_error)?),
        ImageFormatKind::Gif => Box::new(GifDecoder::new(c).map_err(image_error)?),
        ImageFormatKind::Png => {
            Box::new(image::codecs::png::PngDecoder::new(c).map_err(image_error)?)
        }
    };
    Ok(decoder)
}

/// The orientation of an opened decoder; TIFF keeps it in its own tag, the others in EXIF.
fn decoder_orientation(
    decoder: &mut dyn ImageDecoder,
    format: ImageFormatKind,
    exif: Option<&[u8]>,
) -> Orientation {
    match (format, exif) {
        (ImageFormatKind::Tiff, _) | (_, None) => {
            decoder.orientation().unwrap_or(Orientation::NoTransforms)
        }
        (_, Some(exif)) => png_orientation(Some(exif)),
    }
}

fn decode_with_image(
    bytes: &[u8],
    format: ImageFormatKind,
    limits: &Limits,
    want_metadata: bool,
) -> Result<RawImage> {
    let mut decoder = open_decoder(bytes, format)?;
    let (w, h) = decoder.dimensions();
    limits.check(w, h)?;
    decoder
        .set_limits(limits.to_image_limits())
        .map_err(|e| limit_error(e, w, h, limits))?;

    let exif = decoder.exif_metadata().ok().flatten();
    let orientation = decoder_orientation(&mut *decoder, format, exif.as_deref());
    let metadata = if want_metadata {
        ImageMetadata {
            exif: exif.as_deref().map(clean_exif),
            icc_profile: decoder
                .icc_profile()
                .ok()
                .flatten()
                .filter(|icc| icc_is_rgb(icc)),
            dpi: if format == ImageFormatKind::Jpeg {
                jpeg_dpi(bytes)
            } else {
                None
            },
            parameters: None,
        }
    } else {
        ImageMetadata::default()
    };
    let image = DynamicImage::from_decoder(decoder).map_err(|e| limit_error(e, w, h, limits))?;
    Ok(RawImage {
        image,
        orientation,
        format,
        metadata,
    })
}

fn image_error(e: ImageError) -> Error {
    match e {
        ImageError::Unsupported(u) => Error::ImageDecode(format!("unsupported image feature: {u}")),
        other => Error::ImageDecode(other.to_string()),
    }
}

/// Maps a limit violation reported by a decoder to [`Error::ImageTooLarge`].
fn limit_error(e: ImageError, w: u32, h: u32, limits: &Limits) -> Error {
    match e {
        ImageError::Limits(_) => Error::ImageTooLarge {
            width: w,
            height: h,
            pixels: u64::from(w) * u64::from(h),
            limit: limits.max_pixels,
        },
        other => image_error(other),
    }
}

/// Splits colour and alpha; images without an alpha channel get `None`.
pub(crate) fn split_alpha(image: DynamicImage) -> Result<(RgbImage, Option<GrayImage>)> {
    if !image.color().has_alpha() {
        return Ok((image.into_rgb8(), None));
    }
    let rgba = image.into_rgba8();
    let (w, h) = rgba.dimensions();
    let (pixels, _) = rgba.as_raw().as_chunks::<4>();
    let mut rgb = Vec::with_capacity(pixels.len() * 3);
    let mut alpha = Vec::with_capacity(pixels.len());
    for &[r, g, b, a] in pixels {
        rgb.extend_from_slice(&[r, g, b]);
        alpha.push(a);
    }
    let rgb = RgbImage::from_raw(w, h, rgb);
    let alpha = GrayImage::from_raw(w, h, alpha);
    match (rgb, alpha) {
        (Some(rgb), Some(alpha)) => Ok((rgb, Some(alpha))),
        _ => Err(Error::ImageDecode("inconsistent RGBA buffer".into())),
    }
}

/// Pillow's `L` conversion of one pixel (ITU-R 601-2 luma, 16-bit fixed point, rounded).
#[inline]
pub(crate) fn luma(r: u8, g: u8, b: u8) -> u8 {
    let l = (u32::from(r) * 19595 + u32::from(g) * 38470 + u32::from(b) * 7471 + 0x8000) >> 16;
    // l <= 255 for all inputs (19595 + 38470 + 7471 = 65536).
    u8::try_from(l).unwrap_or(u8::MAX)
}

/// Converts to gray like Pillow's `convert("L")`, ignoring alpha.
fn luminance(image: DynamicImage) -> Result<GrayImage> {
    let (w, h) = (image.width(), image.height());
    let gray: Vec<u8> = match image {
        DynamicImage::ImageLuma8(g) => return Ok(g),
        DynamicImage::ImageLumaA8(la) => {
            let (px, _) = la.as_raw().as_chunks::<2>();
            px.iter().map(|&[l, _]| l).collect()
        }
        DynamicImage::ImageRgb8(rgb) => {
            let (px, _) = rgb.as_raw().as_chunks::<3>();
            px.iter().map(|&[r, g, b]| luma(r, g, b)).collect()
        }
        DynamicImage::ImageRgba8(rgba) => {
            let (px, _) = rgba.as_raw().as_chunks::<4>();
            px.iter().map(|&[r, g, b, _]| luma(r, g, b)).collect()
        }
        other if !other.color().has_color() => {
            // 16-bit / float gray (with or without alpha): alpha is dropped, not blended.
            let la = other.into_luma_alpha8();
            let (px, _) = la.as_raw().as_chunks::<2>();
            px.iter().map(|&[l, _]| l).collect()
        }
        other => {
            // 16-bit / float colour: Rgba conversion keeps colour un-premultiplied.
            let rgba = other.into_rgba8();
            let (px, _) = rgba.as_raw().as_chunks::<4>();
            px.iter().map(|&[r, g, b, _]| luma(r, g, b)).collect()
        }
    };
    GrayImage::from_raw(w, h, gray).ok_or_else(|| Error::ImageDecode("inconsistent buffer".into()))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn pillow_luma() {
        assert_eq!(luma(255, 204, 0), 196);
        assert_eq!(luma(255, 255, 255), 255);
        assert_eq!(luma(0, 0, 0), 0);
        assert_eq!(luma(255, 0, 0), 76);
        assert_eq!(luma(0, 255, 0), 150);
        assert_eq!(luma(0, 0, 255), 29);
    }

    #[test]
    fn luminance_ignores_alpha() {
        let mut rgba = image::RgbaImage::new(2, 1);
        rgba.put_pixel(0, 0, image::Rgba([255, 204, 0, 0x10]));
        rgba.put_pixel(1, 0, image::Rgba([0, 0, 0, 0]));
        let g = luminance(DynamicImage::ImageRgba8(rgba)).unwrap();
        assert_eq!(g.as_raw(), &[196, 0]);
        let mut la = image::GrayAlphaImage::new(1, 1);
        la.put_pixel(0, 0, image::LumaA([200, 3]));
        assert_eq!(
            luminance(DynamicImage::ImageLumaA8(la)).unwrap().as_raw(),
            &[200]
        );
    }

    #[test]
    fn split_rgba() {
        let mut rgba = image::RgbaImage::new(2, 1);
        rgba.put_pixel(1, 0, image::Rgba([1, 2, 3, 4]));
        let (rgb, a) = split_alpha(DynamicImage::ImageRgba8(rgba)).unwrap();
        assert_eq!(rgb.as_raw(), &[0, 0, 0, 1, 2, 3]);
        assert_eq!(a.unwrap().as_raw(), &[0, 4]);
        let (_, a) = split_alpha(DynamicImage::new_rgb8(3, 3)).unwrap();
        assert!(a.is_none());
    }
}
