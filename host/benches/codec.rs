//! Codec benchmarks: PNG and JPEG decode/encode of a photo-like image at 512², 1024², 2048².
//!
//! The image is `models/tests/fixtures/cv2/astronaut.png` upscaled (Catmull-Rom) plus a little
//! deterministic noise when the fixture exists, else a smooth gradient with noise texture.
//! Also compares the PNG compression presets (size is printed once per size).
//!
//! Run: `cargo bench -p mend --bench codec`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::path::Path;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use image::RgbImage;
use mend::imaging::{
    ImageFormatKind, ImageMetadata, Limits, PngCompression, decode_image, encode_image, encode_png,
};

/// Deterministic xorshift noise in `-amp..=amp`.
fn noise(state: &mut u32, amp: i32) -> i32 {
    *state ^= *state << 13;
    *state ^= *state >> 17;
    *state ^= *state << 5;
    (*state % (2 * amp as u32 + 1)) as i32 - amp
}

fn photo(size: u32) -> RgbImage {
    let fixture =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../models/tests/fixtures/cv2/astronaut.png");
    let base = std::fs::read(&fixture)
        .ok()
        .and_then(|b| decode_image(&b, &Limits::default()).ok())
        .map(|d| {
            image::imageops::resize(&d.rgb, size, size, image::imageops::FilterType::CatmullRom)
        });
    let mut img = base.unwrap_or_else(|| {
        RgbImage::from_fn(size, size, |x, y| {
            let fx = x as f32 / size as f32;
            let fy = y as f32 / size as f32;
            image::Rgb([
                (255.0 * fx) as u8,
                (255.0 * (0.5 + 0.5 * (fx * 9.0 + fy * 4.0).sin())) as u8,
                (255.0 * fy) as u8,
            ])
        })
    });
    let mut state = 0x9e37_79b9u32;
    for p in img.pixels_mut() {
        for c in &mut p.0 {
            *c = (i32::from(*c) + noise(&mut state, 3)).clamp(0, 255) as u8;
        }
    }
    img
}

fn codec(c: &mut Criterion) {
    let md = ImageMetadata::default();
    let limits = Limits::default();
    let mut group = c.benchmark_group("codec");
    group.sample_size(10);
    for size in [512u32, 1024, 2048] {
        let img = photo(size);
        let png = encode_image(&img, None, ImageFormatKind::Png, &md, 95).expect("png");
        let jpeg = encode_image(&img, None, ImageFormatKind::Jpeg, &md, 95).expect("jpeg");
        for preset in [
            PngCompression::Fastest,
            PngCompression::Fast,
            PngCompression::Balanced,
        ] {
            let bytes = encode_png(&img, None, &md, preset).expect("png");
            eprintln!("{size}²: PNG {preset:?} = {} bytes", bytes.len());
        }
        eprintln!("{size}²: JPEG q95 = {} bytes", jpeg.len());

        group.bench_with_input(BenchmarkId::new("png_decode", size), &png, |b, png| {
            b.iter(|| decode_image(black_box(png), &limits).expect("decode"))
        });
        group.bench_with_input(BenchmarkId::new("png_encode_fast", size), &img, |b, img| {
            b.iter(|| encode_png(black_box(img), None, &md, PngCompression::Fast).expect("enc"))
        });
        group.bench_with_input(
            BenchmarkId::new("png_encode_fastest", size),
            &img,
            |b, img| {
                b.iter(|| {
                    encode_png(black_box(img), None, &md, PngCompression::Fastest).expect("enc")
                })
            },
        );
        if size <= 1024 {
            group.bench_with_input(
                BenchmarkId::new("png_encode_balanced", size),
                &img,
                |b, img| {
                    b.iter(|| {
                        encode_png(black_box(img), None, &md, PngCompression::Balanced)
                            .expect("enc")
                    })
                },
            );
        }
        group.bench_with_input(BenchmarkId::new("jpeg_decode", size), &jpeg, |b, jpeg| {
            b.iter(|| decode_image(black_box(jpeg), &limits).expect("decode"))
        });
        group.bench_with_input(BenchmarkId::new("jpeg_encode_q95", size), &img, |b, img| {
            b.iter(|| {
                encode_image(black_box(img), None, ImageFormatKind::Jpeg, &md, 95).expect("enc")
            })
        });
    }
    group.finish();
}

criterion_group!(benches, codec);
criterion_main!(benches);
