//! Integration tests for `mend::imaging`: fixtures are generated in code (PNG colour modes,
//! metadata chunks, JPEG with a hand-built EXIF blob, crafted oversized headers).

#![allow(clippy::unwrap_used)]

use std::borrow::Cow;
use std::io::Cursor;

use base64::Engine as _;
use image::{GrayImage, ImageDecoder, RgbImage};
use mend::Error;
use mend::imaging::{
    ImageFormatKind, ImageMetadata, Limits, decode_image, decode_mask, decode_payload,
    encode_image, image_dimensions, mask_overlay_png, read_png_parameters, sniff, split_gen_info,
    thumbnail,
};

// ---------------------------------------------------------------------------------------------
// fixture builders

const PARAMS: &str = "a cat on a sofa, masterpiece\nNegative prompt: blurry, lowres\nSteps: 20, Sampler: Euler a, CFG scale: 7";

/// A fake but well-formed-looking RGB ICC profile (header colour space `RGB `).
fn fake_icc(space: &[u8; 4]) -> Vec<u8> {
    let mut icc = vec![0u8; 200];
    icc[0..4].copy_from_slice(&200u32.to_be_bytes());
    icc[12..16].copy_from_slice(b"mntr");
    icc[16..20].copy_from_slice(space);
    icc[20..24].copy_from_slice(b"XYZ ");
    icc[36..40].copy_from_slice(b"acsp");
    for (i, b) in icc.iter_mut().enumerate().skip(128) {
        *b = i as u8;
    }
    icc
}

/// A minimal EXIF (TIFF) blob whose IFD0 holds Make = "mend" and Orientation.
fn exif_blob(little_endian: bool, orientation: u16) -> Vec<u8> {
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
    b.extend_from_slice(&w16(2));
    b.extend_from_slice(&w16(0x010f)); // Make, ASCII, 5 bytes at offset 38
    b.extend_from_slice(&w16(2));
    b.extend_from_slice(&w32(5));
    b.extend_from_slice(&w32(38));
    b.extend_from_slice(&w16(0x0112)); // Orientation, SHORT, 1
    b.extend_from_slice(&w16(3));
    b.extend_from_slice(&w32(1));
    b.extend_from_slice(&w16(orientation));
    b.extend_from_slice(&[0, 0]);
    b.extend_from_slice(&w32(0));
    assert_eq!(b.len(), 38);
    b.extend_from_slice(b"mend\0");
    b
}

/// Photo-ish test content: gradients plus a deterministic pattern.
fn pattern_rgb(w: u32, h: u32) -> RgbImage {
    RgbImage::from_fn(w, h, |x, y| {
        image::Rgb([
            (x * 255 / w.max(1)) as u8,
            (y * 255 / h.max(1)) as u8,
            ((x * 7 + y * 13) % 256) as u8,
        ])
    })
}

struct PngSpec<'a> {
    w: u32,
    h: u32,
    color: png::ColorType,
    depth: png::BitDepth,
    data: &'a [u8],
    palette: Option<&'a [u8]>,
    trns: Option<&'a [u8]>,
    icc: Option<Vec<u8>>,
    exif: Option<Vec<u8>>,
    text: Option<&'a str>,
    ztxt: Option<&'a str>,
    itxt_after_idat: Option<&'a str>,
    dpi_ppm: Option<u32>,
}

impl<'a> PngSpec<'a> {
    fn new(w: u32, h: u32, color: png::ColorType, data: &'a [u8]) -> Self {
        Self {
            w,
            h,
            color,
            depth: png::BitDepth::Eight,
            data,
            palette: None,
            trns: None,
            icc: None,
            exif: None,
            text: None,
            ztxt: None,
            itxt_after_idat: None,
            dpi_ppm: None,
        }
    }

    fn build(&self) -> Vec<u8> {
        let mut info = png::Info::with_size(self.w, self.h);
        info.color_type = self.color;
        info.bit_depth = self.depth;
        info.icc_profile = self.icc.clone().map(Cow::Owned);
        info.exif_metadata = self.exif.clone().map(Cow::Owned);
        info.pixel_dims = self.dpi_ppm.map(|p| png::PixelDimensions {
            xppu: p,
            yppu: p,
            unit: png::Unit::Meter,
        });
        let mut out = Vec::new();
        let mut enc = png::Encoder::with_info(&mut out, info).unwrap();
        if let Some(p) = self.palette {
            enc.set_palette(p.to_vec());
        }
        if let Some(t) = self.trns {
            enc.set_trns(t.to_vec());
        }
        if let Some(t) = self.text {
            enc.add_text_chunk("parameters".into(), t.into()).unwrap();
        }
        if let Some(t) = self.ztxt {
            enc.add_ztxt_chunk("parameters".into(), t.into()).unwrap();
        }
        let mut writer = enc.write_header().unwrap();
        writer.write_image_data(self.data).unwrap();
        if let Some(t) = self.itxt_after_idat {
            let mut chunk = png::text_metadata::ITXtChunk::new("parameters", t);
            chunk.compress_text().unwrap();
            writer.write_text_chunk(&chunk).unwrap();
        }
        writer.finish().unwrap();
        out
    }
}

fn rgba_data(w: u32, h: u32) -> Vec<u8> {
    let mut v = Vec::new();
    for y in 0..h {
        for x in 0..w {
            v.extend_from_slice(&[(x * 10) as u8, (y * 10) as u8, 77, ((x + y) * 9) as u8]);
        }
    }
    v
}

fn jpeg_with_exif(rgb: &RgbImage, exif: Option<&[u8]>, icc: Option<&[u8]>) -> Vec<u8> {
    let mut out = Vec::new();
    let mut enc = jpeg_encoder::Encoder::new(&mut out, 95);
    enc.set_density(jpeg_encoder::PixelDensity::dpi(300));
    if let Some(e) = exif {
        enc.add_exif_metadata(e).unwrap();
    }
    if let Some(i) = icc {
        enc.add_icc_profile(i).unwrap();
    }
    enc.encode(
        rgb.as_raw(),
        rgb.width() as u16,
        rgb.height() as u16,
        jpeg_encoder::ColorType::Rgb,
    )
    .unwrap();
    out
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xffff_ffffu32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xedb8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn png_chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    let mut crc_input = kind.to_vec();
    crc_input.extend_from_slice(data);
    out.extend_from_slice(&crc_input);
    out.extend_from_slice(&crc32(&crc_input).to_be_bytes());
}

/// A tiny PNG whose (valid, CRC-correct) IHDR announces `w`×`h` RGB pixels.
fn png_bomb(w: u32, h: u32) -> Vec<u8> {
    let mut out = vec![0x89, b'P', b'N', b'G', b'\r', b'\n', 0x1a, b'\n'];
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&w.to_be_bytes());
    ihdr.extend_from_slice(&h.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    png_chunk(&mut out, b"IHDR", &ihdr);
    // zlib stream of a few zero bytes (would inflate to far more in a real bomb)
    png_chunk(
        &mut out,
        b"IDAT",
        &[0x78, 0x9c, 0x63, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01],
    );
    png_chunk(&mut out, b"IEND", &[]);
    out
}

fn exif_of_jpeg(bytes: &[u8]) -> Option<Vec<u8>> {
    let mut dec = image::codecs::jpeg::JpegDecoder::new(Cursor::new(bytes)).unwrap();
    dec.exif_metadata().unwrap()
}

fn icc_of_jpeg(bytes: &[u8]) -> Option<Vec<u8>> {
    let mut dec = image::codecs::jpeg::JpegDecoder::new(Cursor::new(bytes)).unwrap();
    dec.icc_profile().unwrap()
}

fn orientation_of(exif: &[u8]) -> Option<u8> {
    image::metadata::Orientation::from_exif_chunk(exif).map(|o| o.to_exif())
}

fn lim() -> Limits {
    Limits::default()
}

/// Fixtures in every supported format (used by the fuzz-ish and limit tests).
fn all_format_fixtures() -> Vec<(ImageFormatKind, Vec<u8>)> {
    let rgb = pattern_rgb(40, 24);
    let dec = decode_image(
        &PngSpec::new(40, 24, png::ColorType::Rgb, rgb.as_raw()).build(),
        &lim(),
    )
    .unwrap();
    let md = ImageMetadata::default();
    let mut v = Vec::new();
    for f in [
        ImageFormatKind::Png,
        ImageFormatKind::Jpeg,
        ImageFormatKind::Webp,
        ImageFormatKind::Bmp,
        ImageFormatKind::Tiff,
        ImageFormatKind::Gif,
    ] {
        v.push((f, encode_image(&dec.rgb, None, f, &md, 90).unwrap()));
    }
    v
}

// ---------------------------------------------------------------------------------------------
// payloads and sniffing

#[test]
fn data_url_of_png_decodes() {
    let png = PngSpec::new(3, 2, png::ColorType::Rgb, pattern_rgb(3, 2).as_raw()).build();
    let b64 = base64::engine::general_purpose::STANDARD.encode(&png);
    for url in [
        format!("data:image/png;base64,{b64}"),
        format!("data:image/png;name=a.png;base64,{b64}"),
        format!("data:application/octet-stream;base64,{b64}"),
        b64.trim_end_matches('=').to_owned(),
        b64.as_bytes()
            .chunks(76)
            .map(|c| std::str::from_utf8(c).unwrap())
            .collect::<Vec<_>>()
            .join("\n"),
    ] {
        let bytes = decode_payload(&url).unwrap();
        assert_eq!(bytes, png);
        assert_eq!(sniff(&bytes), Some(ImageFormatKind::Png));
        assert_eq!(decode_image(&bytes, &lim()).unwrap().dimensions(), (3, 2));
    }
    assert!(matches!(
        decode_payload("data:image/png;base64,@@@"),
        Err(Error::Base64(_))
    ));
}

#[test]
fn garbage_bytes_are_rejected() {
    for bad in [
        &b""[..],
        b"hello",
        b"\0\0\0\0\0\0\0\0\0\0\0\0",
        &[0xffu8; 64][..],
    ] {
        assert!(matches!(
            decode_image(bad, &lim()),
            Err(Error::UnsupportedFormat)
        ));
        assert!(matches!(
            decode_mask(bad, &lim()),
            Err(Error::UnsupportedFormat)
        ));
        assert!(matches!(
            image_dimensions(bad, &lim()),
            Err(Error::UnsupportedFormat)
        ));
        assert!(thumbnail(bad, 10, 10, &lim()).is_err());
    }
    // Right magic, garbage after it.
    for magic in [
        &[0x89, b'P', b'N', b'G', b'\r', b'\n', 0x1a, b'\n'][..],
        &[0xff, 0xd8, 0xff, 0xe0][..],
        b"GIF89a",
        b"RIFF\0\0\0\0WEBPVP8 ",
        b"II*\0",
        b"MM\0*",
        b"BM",
    ] {
        let mut bytes = magic.to_vec();
        bytes.extend(std::iter::repeat_n(0xa5u8, 100));
        let r = decode_image(&bytes, &lim());
        assert!(
            matches!(r, Err(Error::ImageDecode(_) | Error::ImageTooLarge { .. })),
            "{magic:?}: {r:?}"
        );
        assert!(decode_mask(&bytes, &lim()).is_err());
    }
}

#[test]
fn truncated_inputs_never_panic() {
    for (format, bytes) in all_format_fixtures() {
        let step = (bytes.len() / 150).max(1);
        for n in (0..bytes.len()).step_by(step) {
            let cut = &bytes[..n];
            // Must not panic; very short prefixes must be errors.
            let r = decode_image(cut, &lim());
            let _ = decode_mask(cut, &lim());
            let _ = image_dimensions(cut, &lim());
            let _ = read_png_parameters(cut);
            if n < 20 {
                assert!(r.is_err(), "{format}: {n} bytes decoded");
            }
        }
        // Bit flips in the body.
        for i in (8..bytes.len()).step_by(step.max(3)) {
            let mut b = bytes.clone();
            b[i] ^= 0x5a;
            let _ = decode_image(&b, &lim());
        }
    }
}

// ---------------------------------------------------------------------------------------------
// limits

#[test]
fn png_bomb_header_rejected_without_allocating() {
    let bomb = png_bomb(100_000, 100_000);
    assert!(bomb.len() < 100);
    let expect = |r: Result<_, Error>| match r {
        Err(Error::ImageTooLarge {
            width: 100_000,
            height: 100_000,
            pixels: 10_000_000_000,
            limit,
        }) => assert_eq!(limit, Limits::DEFAULT_MAX_PIXELS),
        Err(other) => panic!("unexpected error {other:?}"),
        Ok(_) => panic!("bomb accepted"),
    };
    expect(decode_image(&bomb, &lim()).map(|_| ()));
    expect(decode_mask(&bomb, &lim()).map(|_| ()));
    expect(image_dimensions(&bomb, &lim()).map(|_| ()));
    expect(thumbnail(&bomb, 64, 0, &lim()).map(|_| ()));
    // A header within the limit but with no real data is a plain decode error.
    assert!(matches!(
        decode_image(&png_bomb(64, 64), &lim()),
        Err(Error::ImageDecode(_))
    ));
}

#[test]
fn jpeg_bomb_header_rejected() {
    let mut jpeg = jpeg_with_exif(&pattern_rgb(16, 16), None, None);
    let sof = jpeg.windows(2).position(|w| w == [0xff, 0xc0]).unwrap();
    jpeg[sof + 5..sof + 7].copy_from_slice(&60_000u16.to_be_bytes());
    jpeg[sof + 7..sof + 9].copy_from_slice(&60_000u16.to_be_bytes());
    assert!(matches!(
        decode_image(&jpeg, &lim()),
        Err(Error::ImageTooLarge {
            width: 60_000,
            height: 60_000,
            ..
        })
    ));
}

#[test]
fn every_format_checks_the_pixel_limit() {
    let small = Limits::new(40 * 24 - 1);
    for (format, bytes) in all_format_fixtures() {
        assert_eq!(sniff(&bytes), Some(format));
        assert!(
            matches!(
                decode_image(&bytes, &small),
                Err(Error::ImageTooLarge {
                    width: 40,
                    height: 24,
                    ..
                })
            ),
            "{format}"
        );
        assert!(matches!(
            decode_mask(&bytes, &small),
            Err(Error::ImageTooLarge { .. })
        ));
        assert!(matches!(
            image_dimensions(&bytes, &small),
            Err(Error::ImageTooLarge { .. })
        ));
        assert_eq!(
            image_dimensions(&bytes, &lim()).unwrap(),
            (40, 24),
            "{format}"
        );
        let d = decode_image(&bytes, &lim()).unwrap();
        assert_eq!(d.format, format);
        assert_eq!(d.dimensions(), (40, 24));
        assert!(d.alpha.is_none(), "{format} gained alpha");
    }
}

// ---------------------------------------------------------------------------------------------
// colour modes and alpha

#[test]
fn rgba_png_keeps_alpha_and_round_trips() {
    let data = rgba_data(9, 7);
    let png = PngSpec::new(9, 7, png::ColorType::Rgba, &data).build();
    let d = decode_image(&png, &lim()).unwrap();
    let alpha = d.alpha.as_ref().unwrap();
    assert_eq!(alpha.get_pixel(3, 2).0[0], 45);
    assert_eq!(d.rgb.get_pixel(3, 2).0, [30, 20, 77]);
    let out = encode_image(&d.rgb, d.alpha.as_ref(), d.format, &d.metadata, 100).unwrap();
    let d2 = decode_image(&out, &lim()).unwrap();
    assert_eq!(d2.rgb, d.rgb);
    assert_eq!(d2.alpha, d.alpha);
}

#[test]
fn la_palette_trns_16bit_gray_modes() {
    // LA
    let la: Vec<u8> = (0..12u8).flat_map(|i| [i * 20, 255 - i * 20]).collect();
    let d = decode_image(
        &PngSpec::new(4, 3, png::ColorType::GrayscaleAlpha, &la).build(),
        &lim(),
    )
    .unwrap();
    assert_eq!(d.rgb.get_pixel(1, 0).0, [20, 20, 20]);
    assert_eq!(d.alpha.unwrap().get_pixel(1, 0).0, [235]);

    // Palette + tRNS (upstream #14: 500 in IOPaint)
    let palette = [255, 0, 0, 0, 255, 0, 0, 0, 255];
    let trns = [0, 128];
    let idx = [0u8, 1, 2, 1];
    let mut spec = PngSpec::new(4, 1, png::ColorType::Indexed, &idx);
    spec.palette = Some(&palette);
    spec.trns = Some(&trns);
    let png = spec.build();
    let d = decode_image(&png, &lim()).unwrap();
    assert_eq!(
        d.rgb.as_raw(),
        &[255, 0, 0, 0, 255, 0, 0, 0, 255, 0, 255, 0]
    );
    assert_eq!(d.alpha.as_ref().unwrap().as_raw(), &[0, 128, 255, 128]);
    let out = encode_image(&d.rgb, d.alpha.as_ref(), d.format, &d.metadata, 100).unwrap();
    assert_eq!(decode_image(&out, &lim()).unwrap().alpha, d.alpha);

    // Palette without tRNS: no alpha.
    let mut spec = PngSpec::new(4, 1, png::ColorType::Indexed, &idx);
    spec.palette = Some(&palette);
    assert!(decode_image(&spec.build(), &lim()).unwrap().alpha.is_none());

    // 16-bit RGBA (high byte kept, like Pillow)
    let px16: Vec<u8> = [
        0x1234u16, 0xabcd, 0xff00, 0x8080, 0x0001, 0x0203, 0x0405, 0xfffe,
    ]
    .iter()
    .flat_map(|v| v.to_be_bytes())
    .collect();
    let mut spec = PngSpec::new(2, 1, png::ColorType::Rgba, &px16);
    spec.depth = png::BitDepth::Sixteen;
    let d = decode_image(&spec.build(), &lim()).unwrap();
    assert_eq!(d.rgb.as_raw(), &[0x12, 0xab, 0xff, 0x00, 0x02, 0x04]);
    assert_eq!(d.alpha.unwrap().as_raw(), &[0x80, 0xff]);

    // 16-bit RGB
    let mut spec = PngSpec::new(1, 1, png::ColorType::Rgb, &px16[..6]);
    spec.depth = png::BitDepth::Sixteen;
    let d = decode_image(&spec.build(), &lim()).unwrap();
    assert_eq!(d.rgb.as_raw(), &[0x12, 0xab, 0xff]);
    assert!(d.alpha.is_none());

    // Gray: replicated to RGB, no alpha; mask keeps it as is.
    let gray = [0u8, 100, 200, 255];
    let png = PngSpec::new(2, 2, png::ColorType::Grayscale, &gray).build();
    let d = decode_image(&png, &lim()).unwrap();
    assert_eq!(d.rgb.get_pixel(1, 0).0, [100, 100, 100]);
    assert!(d.alpha.is_none());
    assert_eq!(decode_mask(&png, &lim()).unwrap().as_raw(), &gray);

    // Gray + tRNS → alpha
    let mut spec = PngSpec::new(2, 2, png::ColorType::Grayscale, &gray);
    spec.trns = Some(&[0, 100]);
    let d = decode_image(&spec.build(), &lim()).unwrap();
    assert_eq!(d.alpha.unwrap().as_raw(), &[255, 0, 255, 255]);
}

#[test]
fn cmyk_jpeg_becomes_rgb_and_drops_cmyk_icc() {
    let cmyk: Vec<u8> = (0..64)
        .flat_map(|i| [i as u8 * 3, 0, 255 - i as u8, 10])
        .collect();
    let mut out = Vec::new();
    let mut enc = jpeg_encoder::Encoder::new(&mut out, 95);
    enc.add_icc_profile(&fake_icc(b"CMYK")).unwrap();
    enc.encode(&cmyk, 8, 8, jpeg_encoder::ColorType::Cmyk)
        .unwrap();
    let d = decode_image(&out, &lim()).unwrap();
    assert_eq!(d.dimensions(), (8, 8));
    assert!(d.metadata.icc_profile.is_none());
    assert!(d.alpha.is_none());
}

#[test]
fn alpha_dropped_for_jpeg_and_resized_when_sizes_differ() {
    let data = rgba_data(8, 8);
    let d = decode_image(
        &PngSpec::new(8, 8, png::ColorType::Rgba, &data).build(),
        &lim(),
    )
    .unwrap();
    let jpeg = encode_image(
        &d.rgb,
        d.alpha.as_ref(),
        ImageFormatKind::Jpeg,
        &d.metadata,
        90,
    )
    .unwrap();
    let back = decode_image(&jpeg, &lim()).unwrap();
    assert_eq!(back.format, ImageFormatKind::Jpeg);
    assert!(back.alpha.is_none());

    // Alpha 4×4 for a 8×8 image (e.g. outpainting): resized, not rejected.
    let small_alpha = GrayImage::from_pixel(4, 4, image::Luma([77]));
    let png = encode_image(
        &d.rgb,
        Some(&small_alpha),
        ImageFormatKind::Png,
        &d.metadata,
        90,
    )
    .unwrap();
    let back = decode_image(&png, &lim()).unwrap();
    let a = back.alpha.unwrap();
    assert_eq!(a.dimensions(), (8, 8));
    assert!(a.as_raw().iter().all(|&v| v == 77));
}

#[test]
fn lossless_formats_round_trip_exactly_with_alpha() {
    let data = rgba_data(13, 11);
    let d = decode_image(
        &PngSpec::new(13, 11, png::ColorType::Rgba, &data).build(),
        &lim(),
    )
    .unwrap();
    for f in [
        ImageFormatKind::Webp,
        ImageFormatKind::Bmp,
        ImageFormatKind::Tiff,
    ] {
        let out = encode_image(&d.rgb, d.alpha.as_ref(), f, &ImageMetadata::default(), 80).unwrap();
        assert_eq!(sniff(&out), Some(f));
        let back = decode_image(&out, &lim()).unwrap();
        assert_eq!(back.format, f);
        assert_eq!(back.rgb, d.rgb, "{f}");
        assert_eq!(back.alpha, d.alpha, "{f}");
    }
    // GIF: palette-quantised colours, binary transparency.
    let out = encode_image(
        &d.rgb,
        d.alpha.as_ref(),
        ImageFormatKind::Gif,
        &ImageMetadata::default(),
        80,
    )
    .unwrap();
    let back = decode_image(&out, &lim()).unwrap();
    assert_eq!(back.format, ImageFormatKind::Gif);
    assert_eq!(back.dimensions(), (13, 11));
}

#[test]
fn webp_keeps_icc_and_exif() {
    let rgb = pattern_rgb(10, 10);
    let md = ImageMetadata {
        exif: Some(exif_blob(true, 1)),
        icc_profile: Some(fake_icc(b"RGB ")),
        ..ImageMetadata::default()
    };
    let out = encode_image(&rgb, None, ImageFormatKind::Webp, &md, 90).unwrap();
    let back = decode_image(&out, &lim()).unwrap();
    assert_eq!(back.rgb, rgb);
    assert_eq!(back.metadata.icc_profile, md.icc_profile);
    assert_eq!(back.metadata.exif, md.exif);
}

// ---------------------------------------------------------------------------------------------
// metadata

#[test]
fn png_metadata_round_trip() {
    let rgb = pattern_rgb(20, 10);
    let mut spec = PngSpec::new(20, 10, png::ColorType::Rgb, rgb.as_raw());
    spec.icc = Some(fake_icc(b"RGB "));
    spec.text = Some(PARAMS);
    spec.dpi_ppm = Some(11811); // 300 dpi
    spec.exif = Some(exif_blob(false, 1));
    let png = spec.build();

    let d = decode_image(&png, &lim()).unwrap();
    assert_eq!(
        d.metadata.icc_profile.as_deref(),
        Some(&fake_icc(b"RGB ")[..])
    );
    assert_eq!(d.metadata.parameters.as_deref(), Some(PARAMS));
    let (dx, dy) = d.metadata.dpi.unwrap();
    assert!((dx - 300.0).abs() < 0.01 && (dy - 300.0).abs() < 0.01);
    assert_eq!(d.metadata.exif.as_deref(), Some(&exif_blob(false, 1)[..]));

    let out = encode_image(&d.rgb, None, ImageFormatKind::Png, &d.metadata, 100).unwrap();
    let d2 = decode_image(&out, &lim()).unwrap();
    assert_eq!(d2.rgb, rgb);
    assert_eq!(d2.metadata.icc_profile, d.metadata.icc_profile);
    assert_eq!(d2.metadata.parameters.as_deref(), Some(PARAMS));
    assert_eq!(d2.metadata.exif, d.metadata.exif);
    let (dx2, _) = d2.metadata.dpi.unwrap();
    assert!((dx2 - dx).abs() < 1e-9);
    assert_eq!(read_png_parameters(&out).as_deref(), Some(PARAMS));
}

#[test]
fn gen_info_reads_text_ztxt_and_itxt_after_idat() {
    let rgb = pattern_rgb(4, 4);
    let mut spec = PngSpec::new(4, 4, png::ColorType::Rgb, rgb.as_raw());
    spec.text = Some(PARAMS);
    let (p, n) = split_gen_info(&read_png_parameters(&spec.build()).unwrap());
    assert_eq!(p, "a cat on a sofa, masterpiece");
    assert_eq!(n, "blurry, lowres");

    let mut spec = PngSpec::new(4, 4, png::ColorType::Rgb, rgb.as_raw());
    spec.ztxt = Some(PARAMS);
    assert_eq!(read_png_parameters(&spec.build()).as_deref(), Some(PARAMS));

    let unicode = "ein Kätzchen 🐱\nNegative prompt: 低画質\nSteps: 4";
    let mut spec = PngSpec::new(4, 4, png::ColorType::Rgb, rgb.as_raw());
    spec.itxt_after_idat = Some(unicode);
    let png = spec.build();
    assert_eq!(read_png_parameters(&png).as_deref(), Some(unicode));
    let d = decode_image(&png, &lim()).unwrap();
    assert_eq!(d.metadata.parameters.as_deref(), Some(unicode));
    // Non-Latin-1 text is re-written as iTXt and survives.
    let out = encode_image(&d.rgb, None, ImageFormatKind::Png, &d.metadata, 100).unwrap();
    assert_eq!(read_png_parameters(&out).as_deref(), Some(unicode));

    // Tolerant: no text, JPEG, garbage.
    assert_eq!(
        read_png_parameters(&PngSpec::new(4, 4, png::ColorType::Rgb, rgb.as_raw()).build()),
        None
    );
    assert_eq!(read_png_parameters(&jpeg_with_exif(&rgb, None, None)), None);
    assert_eq!(read_png_parameters(b"\x89PNG\r\n\x1a\n garbage"), None);
}

#[test]
fn jpeg_exif_orientation_6_is_applied_and_reset() {
    // 32 wide × 16 high: left half red, right half blue.
    let rgb = RgbImage::from_fn(32, 16, |x, _| {
        if x < 16 {
            image::Rgb([255, 0, 0])
        } else {
            image::Rgb([0, 0, 255])
        }
    });
    for le in [true, false] {
        let icc = fake_icc(b"RGB ");
        let jpeg = jpeg_with_exif(&rgb, Some(&exif_blob(le, 6)), Some(&icc));
        assert_eq!(image_dimensions(&jpeg, &lim()).unwrap(), (16, 32));

        let d = decode_image(&jpeg, &lim()).unwrap();
        assert_eq!(d.format, ImageFormatKind::Jpeg);
        // Rotated 90° clockwise: the stored left column is now the top row.
        assert_eq!(d.dimensions(), (16, 32));
        let top = d.rgb.get_pixel(8, 4).0;
        let bottom = d.rgb.get_pixel(8, 28).0;
        assert!(top[0] > 200 && top[2] < 60, "top {top:?}");
        assert!(bottom[2] > 200 && bottom[0] < 60, "bottom {bottom:?}");
        let exif = d.metadata.exif.as_deref().unwrap();
        assert_eq!(orientation_of(exif), Some(1));
        assert!(exif.windows(4).any(|w| w == b"mend"), "other tags kept");
        assert_eq!(d.metadata.icc_profile.as_deref(), Some(&icc[..]));
        let (dx, dy) = d.metadata.dpi.unwrap();
        assert_eq!((dx, dy), (300.0, 300.0));

        // Mask decoding applies the same orientation.
        let mask = decode_mask(&jpeg, &lim()).unwrap();
        assert_eq!(mask.dimensions(), (16, 32));

        let out = encode_image(&d.rgb, None, ImageFormatKind::Jpeg, &d.metadata, 95).unwrap();
        let out_exif = exif_of_jpeg(&out).unwrap();
        assert_eq!(orientation_of(&out_exif), Some(1));
        assert_eq!(icc_of_jpeg(&out).as_deref(), Some(&icc[..]));
        let again = decode_image(&out, &lim()).unwrap();
        assert_eq!(again.dimensions(), (16, 32), "not rotated twice");
        assert_eq!(again.metadata.dpi, Some((300.0, 300.0)));
    }
}

#[test]
fn png_exif_orientation_applied() {
    let data = rgba_data(6, 3);
    let mut spec = PngSpec::new(6, 3, png::ColorType::Rgba, &data);
    spec.exif = Some(exif_blob(true, 8));
    let png = spec.build();
    let d = decode_image(&png, &lim()).unwrap();
    assert_eq!(d.dimensions(), (3, 6));
    assert_eq!(d.alpha.as_ref().unwrap().dimensions(), (3, 6));
    assert_eq!(orientation_of(d.metadata.exif.as_deref().unwrap()), Some(1));
    assert_eq!(image_dimensions(&png, &lim()).unwrap(), (3, 6));
}

// ---------------------------------------------------------------------------------------------
// masks

#[test]
fn mask_luminance_ignores_alpha() {
    // The UI brush colour at two alphas, transparent black, opaque white.
    let data = [
        255, 204, 0, 0x10, //
        255, 204, 0, 0xbb, //
        0, 0, 0, 0, //
        255, 255, 255, 255,
    ];
    let png = PngSpec::new(4, 1, png::ColorType::Rgba, &data).build();
    let mask = decode_mask(&png, &lim()).unwrap();
    assert_eq!(mask.as_raw(), &[196, 196, 0, 255]);
    assert!(mask.as_raw()[0] > 127 && mask.as_raw()[1] > 127);

    // RGB JPEG mask: luminance of (near-)white is high.
    let jpeg = jpeg_with_exif(
        &RgbImage::from_pixel(8, 8, image::Rgb([255, 255, 255])),
        None,
        None,
    );
    assert!(
        decode_mask(&jpeg, &lim())
            .unwrap()
            .as_raw()
            .iter()
            .all(|&v| v > 250)
    );

    // Palette mask.
    let palette = [0, 0, 0, 255, 204, 0];
    let mut spec = PngSpec::new(2, 1, png::ColorType::Indexed, &[0, 1]);
    spec.palette = Some(&palette);
    spec.trns = Some(&[0, 0]);
    assert_eq!(
        decode_mask(&spec.build(), &lim()).unwrap().as_raw(),
        &[0, 196]
    );
}

#[test]
fn mask_overlay_round_trip() {
    let mask = GrayImage::from_fn(16, 16, |x, _| image::Luma([if x < 8 { 255 } else { 0 }]));
    let png = mask_overlay_png(&mask).unwrap();
    let d = decode_image(&png, &lim()).unwrap();
    assert_eq!(d.rgb.get_pixel(0, 0).0, [255, 203, 0]);
    assert_eq!(d.alpha.as_ref().unwrap().get_pixel(0, 0).0, [186]);
    assert_eq!(d.alpha.as_ref().unwrap().get_pixel(15, 0).0, [0]);
    // Pillow-style L of the overlay: the brush yellow is > 127 and thus masked again.
    assert!(decode_mask(&png, &lim()).unwrap().get_pixel(0, 0).0[0] > 127);
}

// ---------------------------------------------------------------------------------------------
// thumbnails

#[test]
fn thumbnails_keep_format_and_follow_size_rule() {
    let rgb = pattern_rgb(300, 200);
    let png = PngSpec::new(300, 200, png::ColorType::Rgb, rgb.as_raw()).build();
    let t = thumbnail(&png, 0, 0, &lim()).unwrap();
    assert_eq!(t.format, ImageFormatKind::Png);
    assert_eq!((t.width, t.height), (256, 170));
    assert_eq!(image_dimensions(&t.bytes, &lim()).unwrap(), (256, 170));

    let jpeg = jpeg_with_exif(&rgb, None, None);
    let t = thumbnail(&jpeg, 0, 50, &lim()).unwrap();
    assert_eq!(t.format, ImageFormatKind::Jpeg);
    assert_eq!(sniff(&t.bytes), Some(ImageFormatKind::Jpeg));
    assert_eq!((t.width, t.height), (75, 50));

    // Large downscale (pre-reduction path) and alpha kept for PNG.
    let data = rgba_data(200, 120);
    let png = PngSpec::new(200, 120, png::ColorType::Rgba, &data).build();
    let t = thumbnail(&png, 20, 0, &lim()).unwrap();
    assert_eq!((t.width, t.height), (20, 12));
    let d = decode_image(&t.bytes, &lim()).unwrap();
    assert_eq!(d.dimensions(), (20, 12));
    assert!(d.alpha.is_some());

    // TIFF sources get PNG thumbnails (browsers cannot show TIFF).
    let tiff = encode_image(
        &rgb,
        None,
        ImageFormatKind::Tiff,
        &ImageMetadata::default(),
        90,
    )
    .unwrap();
    let t = thumbnail(&tiff, 30, 0, &lim()).unwrap();
    assert_eq!(t.format, ImageFormatKind::Png);

    // An absurd requested size is rejected by the pixel limit.
    assert!(matches!(
        thumbnail(&png, 100_000, 0, &lim()),
        Err(Error::ImageTooLarge { .. })
    ));
}
