//! Image metadata kept across a decode/encode round trip, and the helpers that read it.
//!
//! mend copies a whitelist (IOPaint copies every Pillow `info` key, which breaks on palette
//! transparency and copies CMYK ICC profiles onto RGB output, upstream #14):
//! EXIF with the Orientation tag reset to 1 (the pixels are already transposed), an ICC
//! profile only when it describes RGB data, DPI, and the PNG `parameters` text written by
//! A1111-style generators (read by `/gen-info`).

use std::io::Cursor;

use super::sniff::PNG_SIGNATURE;

/// Metadata captured from an input image and written back by [`super::encode_image`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ImageMetadata {
    /// Raw EXIF as a TIFF structure (starts with `II*\0` or `MM\0*`, no `Exif\0\0` prefix),
    /// with the Orientation tag already reset to 1.
    pub exif: Option<Vec<u8>>,
    /// ICC profile; only kept when its colour space is RGB (the decoded pixels are RGB).
    pub icc_profile: Option<Vec<u8>>,
    /// Resolution in dots per inch `(x, y)` (PNG `pHYs` in metres, JFIF in inches or cm).
    pub dpi: Option<(f64, f64)>,
    /// PNG `parameters` text (tEXt, zTXt or iTXt), as written by A1111-style generators.
    pub parameters: Option<String>,
}

impl ImageMetadata {
    /// Whether nothing was captured.
    pub fn is_empty(&self) -> bool {
        self.exif.is_none()
            && self.icc_profile.is_none()
            && self.dpi.is_none()
            && self.parameters.is_none()
    }
}

/// The EXIF Orientation tag number.
const TAG_ORIENTATION: u16 = 0x0112;

/// Byte offset of the Orientation value inside a TIFF-structured EXIF blob, its byte order
/// (`true` = little endian), its field type, and its current value.
fn locate_orientation(tiff: &[u8]) -> Option<(usize, bool, u16, u16)> {
    let le = match tiff.get(0..4)? {
        [0x49, 0x49, 0x2a, 0x00] => true,
        [0x4d, 0x4d, 0x00, 0x2a] => false,
        _ => return None,
    };
    let ifd0 = usize::try_from(read_u32(tiff, 4, le)?).ok()?;
    let count = read_u16(tiff, ifd0, le)?;
    for i in 0..usize::from(count) {
        let entry = ifd0.checked_add(2)?.checked_add(i.checked_mul(12)?)?;
        let tag = read_u16(tiff, entry, le)?;
        if tag != TAG_ORIENTATION {
            continue;
        }
        let field_type = read_u16(tiff, entry + 2, le)?;
        let value_at = entry + 8;
        let value = match field_type {
            3 => read_u16(tiff, value_at, le)?,                      // SHORT
            4 => u16::try_from(read_u32(tiff, value_at, le)?).ok()?, // LONG (non-standard)
            _ => return None,
        };
        return Some((value_at, le, field_type, value));
    }
    None
}

fn read_u16(b: &[u8], at: usize, le: bool) -> Option<u16> {
    let s: [u8; 2] = b.get(at..at.checked_add(2)?)?.try_into().ok()?;
    Some(if le {
        u16::from_le_bytes(s)
    } else {
        u16::from_be_bytes(s)
    })
}

fn read_u32(b: &[u8], at: usize, le: bool) -> Option<u32> {
    let s: [u8; 4] = b.get(at..at.checked_add(4)?)?.try_into().ok()?;
    Some(if le {
        u32::from_le_bytes(s)
    } else {
        u32::from_be_bytes(s)
    })
}

/// Strips an optional `Exif\0\0` APP1 prefix.
pub(crate) fn exif_tiff_body(exif: &[u8]) -> &[u8] {
    exif.strip_prefix(b"Exif\0\0").unwrap_or(exif)
}

/// Reads the EXIF Orientation (1–8) from an EXIF blob (with or without `Exif\0\0` prefix).
pub(crate) fn exif_orientation(exif: &[u8]) -> Option<u16> {
    locate_orientation(exif_tiff_body(exif))
        .map(|(_, _, _, v)| v)
        .filter(|v| (1..=8).contains(v))
}

/// Sets the EXIF Orientation tag to 1 ("top-left") in place, in either byte order, and returns
/// the previous value. `None` (and no change) when there is no well-formed Orientation tag.
/// Accepts a blob with or without the `Exif\0\0` prefix.
pub fn reset_exif_orientation(exif: &mut [u8]) -> Option<u16> {
    let offset = if exif.starts_with(b"Exif\0\0") { 6 } else { 0 };
    let body = exif.get_mut(offset..)?;
    let (at, le, field_type, old) = locate_orientation(body)?;
    let len = if field_type == 3 { 2 } else { 4 };
    let slot = body.get_mut(at..at + len)?;
    match (field_type, le) {
        (3, true) => slot.copy_from_slice(&1u16.to_le_bytes()),
        (3, false) => slot.copy_from_slice(&1u16.to_be_bytes()),
        (_, true) => slot.copy_from_slice(&1u32.to_le_bytes()),
        (_, false) => slot.copy_from_slice(&1u32.to_be_bytes()),
    }
    Some(old)
}

/// Whether an ICC profile describes RGB data (header colour space `RGB `).
pub(crate) fn icc_is_rgb(icc: &[u8]) -> bool {
    icc.len() >= 128 && icc.get(16..20) == Some(b"RGB ")
}

/// One PNG chunk found by [`png_chunks`].
pub(crate) struct PngChunk<'a> {
    /// Chunk type, e.g. `*b"tEXt"`.
    pub kind: [u8; 4],
    /// Chunk payload.
    pub data: &'a [u8],
}

/// Walks the chunks of a PNG file (CRCs are not checked); stops at `IEND`, at the first
/// malformed length or at the end of the data.
pub(crate) fn png_chunks(bytes: &[u8]) -> impl Iterator<Item = PngChunk<'_>> {
    let mut pos = if bytes.starts_with(&PNG_SIGNATURE) {
        PNG_SIGNATURE.len()
    } else {
        bytes.len()
    };
    let mut done = false;
    std::iter::from_fn(move || {
        if done {
            return None;
        }
        let len = usize::try_from(read_u32(bytes, pos, false)?).ok()?;
        let kind: [u8; 4] = bytes.get(pos + 4..pos + 8)?.try_into().ok()?;
        let data_start = pos + 8;
        let data_end = data_start.checked_add(len)?;
        let data = bytes.get(data_start..data_end)?;
        pos = data_end.checked_add(4)?; // skip CRC
        if &kind == b"IEND" {
            done = true;
        }
        Some(PngChunk { kind, data })
    })
}

/// Largest decompressed `parameters` text accepted from a zTXt/iTXt chunk.
const MAX_TEXT_BYTES: usize = 8 * 1024 * 1024;

/// Keyword of the A1111 generation-parameters text chunk.
const PARAMETERS_KEY: &[u8] = b"parameters";

/// Reads the PNG `parameters` text (tEXt, zTXt or iTXt, before or after the image data).
/// `None` for non-PNG input, a missing chunk or anything malformed; never fails.
/// The image data is not decompressed, so this is cheap even for large files.
pub fn read_png_parameters(bytes: &[u8]) -> Option<String> {
    if !bytes.starts_with(&PNG_SIGNATURE) {
        return None;
    }
    png_chunks(bytes).find_map(|chunk| chunk_parameters(&chunk.kind, chunk.data))
}

/// The `parameters` text of one text chunk; `None` for other keys, other chunks or garbage.
fn chunk_parameters(kind: &[u8; 4], data: &[u8]) -> Option<String> {
    if !matches!(kind, b"tEXt" | b"zTXt" | b"iTXt") {
        return None;
    }
    let (key, rest) = split_nul(data)?;
    if key != PARAMETERS_KEY {
        return None;
    }
    match kind {
        b"tEXt" => Some(latin1(rest)),
        b"zTXt" => decompress_text_chunk(b"zTXt", data),
        _ => {
            let (&compressed, rest) = rest.split_first()?;
            if compressed == 0 {
                // compression method, language tag \0, translated keyword \0, text
                let rest = rest.get(1..)?;
                let (_lang, rest) = split_nul(rest)?;
                let (_translated, text) = split_nul(rest)?;
                Some(String::from_utf8_lossy(text).into_owned())
            } else {
                decompress_text_chunk(b"iTXt", data)
            }
        }
    }
}

fn split_nul(b: &[u8]) -> Option<(&[u8], &[u8])> {
    let i = b.iter().position(|&c| c == 0)?;
    Some((b.get(..i)?, b.get(i + 1..)?))
}

fn latin1(b: &[u8]) -> String {
    b.iter().map(|&c| char::from(c)).collect()
}

/// Decompresses a zTXt or compressed iTXt chunk with the `png` crate's own text decoder: the
/// chunk is placed into a minimal 1×1 PNG, so no extra inflate dependency is needed and the
/// (possibly huge) image data of the real file is never touched.
fn decompress_text_chunk(kind: &[u8; 4], data: &[u8]) -> Option<String> {
    fn push_chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) -> Option<()> {
        out.extend_from_slice(&u32::try_from(data.len()).ok()?.to_be_bytes());
        out.extend_from_slice(kind);
        out.extend_from_slice(data);
        out.extend_from_slice(&[0; 4]); // CRC: checksums are ignored below
        Some(())
    }
    let mut mini = Vec::with_capacity(data.len() + 80);
    mini.extend_from_slice(&PNG_SIGNATURE);
    push_chunk(&mut mini, b"IHDR", &[0, 0, 0, 1, 0, 0, 0, 1, 8, 0, 0, 0, 0])?;
    push_chunk(&mut mini, kind, data)?;
    // zlib stream of one filtered row [filter 0, pixel 0]
    push_chunk(
        &mut mini,
        b"IDAT",
        &[
            0x78, 0x01, 0x01, 0x02, 0x00, 0xfd, 0xff, 0, 0, 0x00, 0x02, 0x00, 0x01,
        ],
    )?;
    push_chunk(&mut mini, b"IEND", &[])?;

    let mut decoder = png::Decoder::new(Cursor::new(mini.as_slice()));
    decoder.ignore_checksums(true);
    let reader = decoder.read_info().ok()?;
    let info = reader.info();
    if kind == b"zTXt" {
        let mut chunk = info
            .compressed_latin1_text
            .iter()
            .find(|c| c.keyword.as_bytes() == PARAMETERS_KEY)?
            .clone();
        chunk.decompress_text_with_limit(MAX_TEXT_BYTES).ok()?;
        chunk.get_text().ok()
    } else {
        let mut chunk = info
            .utf8_text
            .iter()
            .find(|c| c.keyword.as_bytes() == PARAMETERS_KEY)?
            .clone();
        chunk.decompress_text_with_limit(MAX_TEXT_BYTES).ok()?;
        chunk.get_text().ok()
    }
}

/// Splits A1111 generation parameters into `(prompt, negative_prompt)` as IOPaint does: the
/// text before the first `Negative prompt: ` (trimmed) is the prompt; the first line after it
/// (trimmed) is the negative prompt. Text without the marker is all prompt.
pub fn split_gen_info(text: &str) -> (String, String) {
    match text.split_once("Negative prompt: ") {
        Some((prompt, rest)) => {
            let negative = rest.split('\n').next().unwrap_or_default();
            (prompt.trim().to_owned(), negative.trim().to_owned())
        }
        None => (text.trim().to_owned(), String::new()),
    }
}

/// PNG `pHYs` (pixels per metre) → DPI; `None` when the unit is unspecified (aspect only).
pub(crate) fn png_dpi(dims: &png::PixelDimensions) -> Option<(f64, f64)> {
    match dims.unit {
        png::Unit::Meter if dims.xppu > 0 && dims.yppu > 0 => {
            Some((f64::from(dims.xppu) * 0.0254, f64::from(dims.yppu) * 0.0254))
        }
        _ => None,
    }
}

/// DPI → PNG `pHYs` (pixels per metre).
pub(crate) fn dpi_to_png(dpi: (f64, f64)) -> Option<png::PixelDimensions> {
    let conv = |d: f64| {
        let v = (d / 0.0254).round();
        (v.is_finite() && v >= 1.0 && v <= f64::from(u32::MAX)).then_some(v as u32)
    };
    Some(png::PixelDimensions {
        xppu: conv(dpi.0)?,
        yppu: conv(dpi.1)?,
        unit: png::Unit::Meter,
    })
}

/// DPI → JFIF density in inches.
pub(crate) fn dpi_to_jfif(dpi: (f64, f64)) -> Option<(u16, u16)> {
    let conv = |d: f64| {
        let v = d.round();
        (v.is_finite() && v >= 1.0 && v <= f64::from(u16::MAX)).then_some(v as u16)
    };
    Some((conv(dpi.0)?, conv(dpi.1)?))
}

/// Reads the JFIF APP0 density of a JPEG as DPI (units: inch, or cm × 2.54); walks the
/// marker segments up to the start of scan only.
pub(crate) fn jpeg_dpi(bytes: &[u8]) -> Option<(f64, f64)> {
    let mut pos = 2usize;
    loop {
        if *bytes.get(pos)? != 0xff {
            return None;
        }
        while *bytes.get(pos)? == 0xff {
            pos += 1;
        }
        let marker = *bytes.get(pos)?;
        pos += 1;
        match marker {
            0x01 | 0xd0..=0xd8 => continue, // no length
            0xd9 | 0xda => return None,     // EOI / start of scan
            _ => {}
        }
        let len = usize::from(read_u16(bytes, pos, false)?);
        let seg = bytes.get(pos + 2..pos.checked_add(len)?)?;
        if marker == 0xe0 && seg.starts_with(b"JFIF\0") {
            let unit = *seg.get(7)?;
            let x = f64::from(read_u16(seg, 8, false)?);
            let y = f64::from(read_u16(seg, 10, false)?);
            if x == 0.0 || y == 0.0 {
                return None;
            }
            return match unit {
                1 => Some((x, y)),
                2 => Some((x * 2.54, y * 2.54)),
                _ => None,
            };
        }
        pos += len;
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
pub(crate) mod tests {
    use super::*;

    /// A minimal EXIF blob with IFD0 = { ImageDescription?, Orientation = `orientation` }.
    pub(crate) fn exif_blob(little_endian: bool, orientation: u16) -> Vec<u8> {
        let w16 = |v: u16| {
            if little_endian {
                v.to_le_bytes()
            } else {
                v.to_be_bytes()
            }
        };
        let w32 = |v: u32| {
            if little_endian {
                v.to_le_bytes()
            } else {
                v.to_be_bytes()
            }
        };
        let mut b = Vec::new();
        b.extend_from_slice(if little_endian { b"II" } else { b"MM" });
        b.extend_from_slice(&w16(42));
        b.extend_from_slice(&w32(8));
        b.extend_from_slice(&w16(2)); // two entries
        // XResolution-ish dummy: tag 0x010e ImageDescription, ASCII, count 4, inline "abc\0"
        b.extend_from_slice(&w16(0x010e));
        b.extend_from_slice(&w16(2));
        b.extend_from_slice(&w32(4));
        b.extend_from_slice(b"abc\0");
        // Orientation SHORT 1 value
        b.extend_from_slice(&w16(0x0112));
        b.extend_from_slice(&w16(3));
        b.extend_from_slice(&w32(1));
        b.extend_from_slice(&w16(orientation));
        b.extend_from_slice(&[0, 0]);
        b.extend_from_slice(&w32(0)); // next IFD
        b
    }

    #[test]
    fn orientation_reset_both_byte_orders() {
        for le in [true, false] {
            let mut blob = exif_blob(le, 6);
            assert_eq!(exif_orientation(&blob), Some(6));
            let before = blob.clone();
            assert_eq!(reset_exif_orientation(&mut blob), Some(6));
            assert_eq!(exif_orientation(&blob), Some(1));
            assert_eq!(
                image::metadata::Orientation::from_exif_chunk(&blob).map(|o| o.to_exif()),
                Some(1)
            );
            // Only the two value bytes changed.
            let diff = before.iter().zip(&blob).filter(|(a, b)| a != b).count();
            assert_eq!(diff, 1);
            assert_eq!(blob.len(), before.len());

            // With the APP1 prefix.
            let mut prefixed = b"Exif\0\0".to_vec();
            prefixed.extend_from_slice(&exif_blob(le, 8));
            assert_eq!(exif_orientation(&prefixed), Some(8));
            assert_eq!(reset_exif_orientation(&mut prefixed), Some(8));
            assert_eq!(exif_orientation(&prefixed), Some(1));
        }
    }

    #[test]
    fn orientation_malformed_is_none() {
        assert_eq!(reset_exif_orientation(&mut []), None);
        assert_eq!(reset_exif_orientation(&mut b"II*\0".to_vec()), None);
        let mut blob = exif_blob(true, 6);
        // IFD offset pointing past the end.
        blob[4] = 0xff;
        assert_eq!(reset_exif_orientation(&mut blob.clone()), None);
        let full = exif_blob(false, 3);
        for n in 0..full.len() {
            let mut t = full[..n].to_vec();
            let _ = reset_exif_orientation(&mut t);
            let _ = exif_orientation(&t);
        }
        // Invalid value 0 is not an orientation.
        assert_eq!(exif_orientation(&exif_blob(true, 0)), None);
    }

    #[test]
    fn gen_info_split() {
        let text = "a cat, best quality\nNegative prompt: ugly, blurry \nSteps: 20, Sampler: Euler";
        assert_eq!(
            split_gen_info(text),
            ("a cat, best quality".into(), "ugly, blurry".into())
        );
        assert_eq!(
            split_gen_info("  just a prompt \n"),
            ("just a prompt".into(), String::new())
        );
        assert_eq!(split_gen_info(""), (String::new(), String::new()));
        assert_eq!(
            split_gen_info("Negative prompt: x\nNegative prompt: y"),
            (String::new(), "x".into())
        );
    }

    #[test]
    fn dpi_conversions() {
        let d = png_dpi(&png::PixelDimensions {
            xppu: 2835,
            yppu: 2835,
            unit: png::Unit::Meter,
        })
        .unwrap();
        assert!((d.0 - 72.009).abs() < 0.01);
        assert_eq!(dpi_to_png(d).unwrap().xppu, 2835);
        assert_eq!(dpi_to_jfif((299.6, 72.0)), Some((300, 72)));
        assert_eq!(dpi_to_jfif((0.0, 72.0)), None);
        assert!(dpi_to_png((f64::NAN, 72.0)).is_none());
        assert!(
            png_dpi(&png::PixelDimensions {
                xppu: 1,
                yppu: 1,
                unit: png::Unit::Unspecified
            })
            .is_none()
        );
    }

    #[test]
    fn jpeg_density_walk() {
        let mut j = vec![0xff, 0xd8, 0xff, 0xe0, 0, 16];
        j.extend_from_slice(b"JFIF\0\x01\x01\x02\x00\x76\x00\x76\0\0");
        j.extend_from_slice(&[0xff, 0xda]);
        let d = jpeg_dpi(&j).unwrap();
        assert!((d.0 - 118.0 * 2.54).abs() < 1e-9);
        for n in 0..j.len() {
            let _ = jpeg_dpi(&j[..n]);
        }
        assert_eq!(jpeg_dpi(&[0xff, 0xd8, 0xff, 0xda]), None);
    }

    #[test]
    fn png_text_garbage_is_none() {
        assert_eq!(read_png_parameters(b""), None);
        assert_eq!(read_png_parameters(b"not a png"), None);
        let mut p = PNG_SIGNATURE.to_vec();
        p.extend_from_slice(&[0xff, 0xff, 0xff, 0xff, b't', b'E', b'X', b't']);
        assert_eq!(read_png_parameters(&p), None);
        assert!(icc_is_rgb(
            &[&[0u8; 16][..], b"RGB ", &[0u8; 108][..]].concat()
        ));
        assert!(!icc_is_rgb(
            &[&[0u8; 16][..], b"CMYK", &[0u8; 108][..]].concat()
        ));
    }
}
