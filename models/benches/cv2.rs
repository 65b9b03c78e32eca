//! Criterion benchmarks of the `cv2` model's Telea and Navier–Stokes inpainters.
//!
//! Input: the astronaut fixture photo (256²) upscaled to 512², 1024² and 2048² (bilinear),
//! with a ≈ 11 % mask: a centred square of side 0.32·N plus a diagonal stroke N/128 wide — the
//! same geometry as `models/scripts/bench_opencv.py`, which times OpenCV on it.
//! Radius 4 (IOPaint's default). Ids: `cv2/{telea,ns}/{N}x{N}`.
//!
//! `cv2/stroke/{1024x768,4096x3072}`: one brush stroke (a 120×60 box) erased through the model's
//! whole path (HD strategy Crop, IOPaint's defaults) on a 0.8- and a 12.6-megapixel photo; the
//! second over the first says how much a stroke's cost grows with the picture it is on.
//!
//! Run: `cargo bench -p mend-models --bench cv2`.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use image::imageops::{FilterType, resize};
use image::{GrayImage, Luma, RgbImage};
use mend_models::cv2::{Cv2Model, ns, telea};
use mend_models::model::NoProgress;
use mend_models::{InpaintConfig, InpaintModel};

/// The benchmark mask for an `n`×`n` image.
fn bench_mask(n: u32) -> GrayImage {
    let side = (f64::from(n) * 0.32).round() as u32;
    let o = (n - side) / 2;
    let half = (n / 256).max(1);
    GrayImage::from_fn(n, n, |x, y| {
        let square = (o..o + side).contains(&x) && (o..o + side).contains(&y);
        let stroke = x.abs_diff(n - 1 - y) <= half;
        Luma([if square || stroke { 255 } else { 0 }])
    })
}

fn photo(n: u32) -> RgbImage {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/cv2/astronaut.png"
    );
    let base = match image::open(path) {
        Ok(img) => img.to_rgb8(),
        Err(e) => panic!("cannot open {path}: {e}"),
    };
    resize(&base, n, n, FilterType::Triangle)
}

/// A group of 10 samples after 1 s of warm-up, measured for 4 s.
fn group<'a>(
    c: &'a mut Criterion,
    name: &str,
) -> criterion::BenchmarkGroup<'a, criterion::measurement::WallTime> {
    let mut group = c.benchmark_group(name);
    group
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));
    group
}

fn bench(c: &mut Criterion) {
    let mut group = group(c, "cv2");
    for n in [512u32, 1024, 2048] {
        let img = photo(n);
        let mask = bench_mask(n);
        let covered = mask.pixels().filter(|p| p[0] != 0).count() as f64 / f64::from(n * n);
        eprintln!("{n}x{n}: mask covers {:.1} %", covered * 100.0);
        group.bench_function(format!("telea/{n}x{n}"), |b| {
            b.iter(|| telea::inpaint(black_box(&img), black_box(&mask), 4))
        });
        group.bench_function(format!("ns/{n}x{n}"), |b| {
            b.iter(|| ns::inpaint(black_box(&img), black_box(&mask), 4))
        });
    }
    group.finish();
}

fn bench_stroke(c: &mut Criterion) {
    let mut group = group(c, "cv2/stroke");
    let base = photo(256);
    for (w, h) in [(1024u32, 768u32), (4096, 3072)] {
        let img = resize(&base, w, h, FilterType::Triangle);
        let (x0, y0) = (w / 3, h / 3);
        let mask = GrayImage::from_fn(w, h, |x, y| {
            let inside = (x0..x0 + 120).contains(&x) && (y0..y0 + 60).contains(&y);
            Luma([if inside { 255 } else { 0 }])
        });
        let config = InpaintConfig::default();
        let mut model = Cv2Model;
        group.bench_function(format!("{w}x{h}"), |b| {
            b.iter(|| model.inpaint(black_box(&img), black_box(&mask), &config, &NoProgress))
        });
    }
    group.finish();
}

criterion_group!(benches, bench, bench_stroke);
criterion_main!(benches);
