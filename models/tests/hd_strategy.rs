//! Behaviour of the HD strategies (`mend_models::hd_strategy`) with small real test models,
//! and a timing check for `adjust_mask` (ignored by default; run with `--ignored`).

#![allow(clippy::unwrap_used)]

use std::sync::Mutex;
use std::time::Instant;

use image::{GrayImage, Luma, Rgb, RgbImage};
use mend_models::hd_strategy::{self, crop_rects, pad_symmetric};
use mend_models::mask::{MaskBox, MaskOp, adjust_mask};
use mend_models::model::NoProgress;
use mend_models::{Error, HdStrategy, InpaintConfig, InpaintModel, Progress, Result};

const FILL: Rgb<u8> = Rgb([1, 2, 3]);

/// Fills masked (255) pixels with [`FILL`] and records every input it was called with.
#[derive(Default)]
struct FillModel {
    pad_mod: u32,
    min_size: Option<u32>,
    square: bool,
    /// When set, every output pixel (masked or not) becomes `Rgb([n, n, n])` on call `n`
    /// (1-based), to make pasting order and the blend visible.
    paint_all: bool,
    /// Returns an image one pixel too wide.
    wrong_size: bool,
    calls: Vec<(RgbImage, GrayImage)>,
}

impl FillModel {
    fn sizes(&self) -> Vec<(u32, u32)> {
        self.calls.iter().map(|(i, _)| i.dimensions()).collect()
    }
}

impl InpaintModel for FillModel {
    fn name(&self) -> &str {
        "fill"
    }
    fn pad_mod(&self) -> u32 {
        self.pad_mod.max(1)
    }
    fn min_size(&self) -> Option<u32> {
        self.min_size
    }
    fn pad_to_square(&self) -> bool {
        self.square
    }
    fn forward(
        &mut self,
        image: &RgbImage,
        mask: &GrayImage,
        _config: &InpaintConfig,
        progress: &dyn Progress,
    ) -> Result<RgbImage> {
        assert_eq!(image.dimensions(), mask.dimensions());
        self.calls.push((image.clone(), mask.clone()));
        let n = self.calls.len() as u8;
        if self.wrong_size {
            return Ok(RgbImage::new(image.width() + 1, image.height()));
        }
        let mut out = image.clone();
        for (o, m) in out.pixels_mut().zip(mask.pixels()) {
            if self.paint_all {
                *o = Rgb([n, n, n]);
            } else if m.0[0] == 255 {
                *o = FILL;
            }
        }
        if !progress.report(0.5) || !progress.report(1.0) {
            return Err(Error::Cancelled);
        }
        Ok(out)
    }
}

/// Records reports; cancels once `cancel_after` reports were seen.
#[derive(Default)]
struct Recorder {
    seen: Mutex<Vec<f32>>,
    cancel_after: Option<usize>,
}

impl Progress for Recorder {
    fn report(&self, fraction: f32) -> bool {
        let mut s = self.seen.lock().unwrap();
        s.push(fraction);
        self.cancel_after.is_none_or(|n| s.len() < n)
    }
}

/// A non-uniform image so that copies and mirrors are visible.
fn pattern(w: u32, h: u32) -> RgbImage {
    RgbImage::from_fn(w, h, |x, y| {
        Rgb([(x % 251) as u8, (y % 241) as u8, ((x + 3 * y) % 239) as u8])
    })
}

fn mask_with(w: u32, h: u32, rects: &[(u32, u32, u32, u32)]) -> GrayImage {
    GrayImage::from_fn(w, h, |x, y| {
        let inside = rects
            .iter()
            .any(|&(x1, y1, x2, y2)| x >= x1 && x < x2 && y >= y1 && y < y2);
        Luma([if inside { 255 } else { 0 }])
    })
}

fn config(strategy: HdStrategy) -> InpaintConfig {
    InpaintConfig {
        hd_strategy: strategy,
        ..InpaintConfig::default()
    }
}

/// Every pixel where `mask` is 0 equals `original`; every masked pixel is `FILL`.
fn assert_filled_exactly(out: &RgbImage, original: &RgbImage, mask: &GrayImage) {
    for ((o, i), m) in out.pixels().zip(original.pixels()).zip(mask.pixels()) {
        if m.0[0] == 255 {
            assert_eq!(*o, FILL);
        } else {
            assert_eq!(o, i);
        }
    }
}

#[test]
fn size_mismatch_is_an_error_and_model_not_called() {
    let mut m = FillModel::default();
    let r = hd_strategy::run(
        &mut m,
        &pattern(10, 10),
        &GrayImage::new(10, 11),
        &config(HdStrategy::Original),
        &NoProgress,
    );
    assert!(matches!(
        r,
        Err(Error::SizeMismatch {
            image_w: 10,
            image_h: 10,
            mask_w: 10,
            mask_h: 11
        })
    ));
    assert!(m.calls.is_empty());
}

#[test]
fn crop_at_trigger_runs_original() {
    // Longer side 800 == trigger: not above it → Original on the whole image.
    let img = pattern(800, 600);
    let mask = mask_with(800, 600, &[(10, 10, 20, 20)]);
    let mut m = FillModel::default();
    let out =
        hd_strategy::run(&mut m, &img, &mask, &config(HdStrategy::Crop), &NoProgress).unwrap();
    assert_eq!(m.sizes(), [(800, 600)]);
    assert_filled_exactly(&out, &img, &mask);
}

#[test]
fn crop_above_trigger_uses_spec_rectangle() {
    // 1000×800, box 400..500 × 300..350, margin 128:
    // cx = 450, w = 356 → 272..628; cy = 325, h = 306 → 172..478.
    let img = pattern(1000, 800);
    let mask = mask_with(1000, 800, &[(400, 300, 500, 350)]);
    assert_eq!(
        crop_rects(&mask, 128),
        [MaskBox {
            x1: 272,
            y1: 172,
            x2: 628,
            y2: 478
        }]
    );
    let mut m = FillModel::default();
    let out =
        hd_strategy::run(&mut m, &img, &mask, &config(HdStrategy::Crop), &NoProgress).unwrap();
    assert_eq!(m.sizes(), [(356, 306)]);
    // The model saw exactly that crop of the original image and mask.
    let (seen_img, seen_mask) = &m.calls[0];
    assert_eq!(
        *seen_img,
        image::imageops::crop_imm(&img, 272, 172, 356, 306).to_image()
    );
    assert_eq!(
        *seen_mask,
        image::imageops::crop_imm(&mask, 272, 172, 356, 306).to_image()
    );
    assert_filled_exactly(&out, &img, &mask);
}

#[test]
fn crop_near_edges_shifts_inwards() {
    // Box at the top-left corner 0..10 × 0..4 of a 900×500 image, margin 128:
    // cx = 5, w = 266, l0 = -128 → l = 0, r = 138 + 128 = 266;
    // cy = 2, h = 260, t0 = -128 → t = 0, b = 132 + 128 = 260.
    // Box at the bottom-right 890..900 × 496..500:
    // cx = 895, r0 = 1028 → r = 900, l = 762 - 128 = 634;
    // cy = 498, b0 = 628 → b = 500, t = 368 - 128 = 240.
    let mask = mask_with(900, 500, &[(0, 0, 10, 4), (890, 496, 900, 500)]);
    assert_eq!(
        crop_rects(&mask, 128),
        [
            MaskBox {
                x1: 634,
                y1: 240,
                x2: 900,
                y2: 500
            },
            MaskBox {
                x1: 0,
                y1: 0,
                x2: 266,
                y2: 260
            },
        ]
    );
    let img = pattern(900, 500);
    let mut m = FillModel::default();
    let out =
        hd_strategy::run(&mut m, &img, &mask, &config(HdStrategy::Crop), &NoProgress).unwrap();
    assert_eq!(m.sizes(), [(266, 260), (266, 260)]);
    assert_filled_exactly(&out, &img, &mask);
}

#[test]
fn crop_multiple_boxes_paste_in_box_order() {
    // Two regions whose crop rectangles overlap; box order is bottom region first.
    let img = pattern(1200, 900);
    let mask = mask_with(1200, 900, &[(300, 300, 320, 320), (360, 500, 380, 520)]);
    let rects = crop_rects(&mask, 128);
    // Bottom box: cx = 370, w = 276 → 232..508; cy = 510, h = 276 → 372..648.
    // Top box:    cx = 310, w = 276 → 172..448; cy = 310, h = 276 → 172..448.
    assert_eq!(
        rects,
        [
            MaskBox {
                x1: 232,
                y1: 372,
                x2: 508,
                y2: 648
            },
            MaskBox {
                x1: 172,
                y1: 172,
                x2: 448,
                y2: 448
            },
        ]
    );
    let mut m = FillModel {
        paint_all: true,
        ..FillModel::default()
    };
    let cfg = InpaintConfig {
        keep_unmasked_area: false,
        ..config(HdStrategy::Crop)
    };
    let out = hd_strategy::run(&mut m, &img, &mask, &cfg, &NoProgress).unwrap();
    assert_eq!(m.calls.len(), 2);
    // Overlap (232..448 × 372..448): the later (second, top) crop wins.
    assert_eq!(*out.get_pixel(300, 400), Rgb([2, 2, 2]));
    // Only in the first crop.
    assert_eq!(*out.get_pixel(500, 600), Rgb([1, 1, 1]));
    // Outside both crops: original.
    assert_eq!(out.get_pixel(100, 100), img.get_pixel(100, 100));
    assert_eq!(out.get_pixel(1000, 800), img.get_pixel(1000, 800));

    // Crops are independent: the second crop is cut from the original image, not from the
    // first crop's result.
    let (second, _) = &m.calls[1];
    assert_eq!(
        *second,
        image::imageops::crop_imm(&img, 172, 172, 276, 276).to_image()
    );

    // With keep_unmasked_area the crops' unmasked pixels stay original.
    let mut m = FillModel::default();
    let out =
        hd_strategy::run(&mut m, &img, &mask, &config(HdStrategy::Crop), &NoProgress).unwrap();
    assert_filled_exactly(&out, &img, &mask);
}

#[test]
fn crop_nested_region_is_not_a_separate_box() {
    // A ring 100..200 with a blob inside its hole: one box, one model call.
    let img = pattern(1000, 1000);
    let mut mask = mask_with(1000, 1000, &[(100, 100, 200, 200)]);
    for y in 110..190 {
        for x in 110..190 {
            mask.put_pixel(x, y, Luma([0]));
        }
    }
    for y in 140..160 {
        for x in 140..160 {
            mask.put_pixel(x, y, Luma([255]));
        }
    }
    let mut m = FillModel::default();
    let out =
        hd_strategy::run(&mut m, &img, &mask, &config(HdStrategy::Crop), &NoProgress).unwrap();
    assert_eq!(m.calls.len(), 1);
    // The nested blob is filled too (it is inside the ring's crop).
    assert_filled_exactly(&out, &img, &mask);
}

#[test]
fn crop_without_boxes_returns_original_without_inference() {
    let img = pattern(1000, 900);
    let mut m = FillModel::default();
    let out = hd_strategy::run(
        &mut m,
        &img,
        &GrayImage::new(1000, 900),
        &config(HdStrategy::Crop),
        &NoProgress,
    )
    .unwrap();
    assert_eq!(out, img);
    assert!(m.calls.is_empty());
    // Original with an empty mask still runs the model (upstream), and the blend restores all.
    let out = hd_strategy::run(
        &mut m,
        &img,
        &GrayImage::new(1000, 900),
        &config(HdStrategy::Original),
        &NoProgress,
    )
    .unwrap();
    assert_eq!(out, img);
    assert_eq!(m.calls.len(), 1);
}

#[test]
fn crop_progress_is_spread_and_cancel_stops() {
    let img = pattern(1000, 1000);
    let mask = mask_with(1000, 1000, &[(10, 10, 20, 20), (700, 700, 720, 720)]);
    let rec = Recorder::default();
    let mut m = FillModel::default();
    hd_strategy::run(&mut m, &img, &mask, &config(HdStrategy::Crop), &rec).unwrap();
    // Per crop: model 0.5 and 1.0 mapped into its half, then the strategy's own report.
    assert_eq!(*rec.seen.lock().unwrap(), [0.25, 0.5, 0.5, 0.75, 1.0, 1.0]);

    // Cancel on the third report (the strategy's report after crop 1): crop 2 never runs.
    let rec = Recorder {
        cancel_after: Some(3),
        ..Recorder::default()
    };
    let mut m = FillModel::default();
    let r = hd_strategy::run(&mut m, &img, &mask, &config(HdStrategy::Crop), &rec);
    assert!(matches!(r, Err(Error::Cancelled)));
    assert_eq!(m.calls.len(), 1);
}

#[test]
fn resize_sizes_and_unmasked_bit_exact() {
    for ((w, h), (sw, sh)) in [
        ((2000u32, 1000u32), (1280u32, 640u32)),
        ((1001, 1999), (641, 1280)),
    ] {
        let img = pattern(w, h);
        let mask = mask_with(w, h, &[(w / 3, h / 3, w / 3 + 50, h / 3 + 37)]);
        let mut m = FillModel {
            pad_mod: 8,
            ..FillModel::default()
        };
        let out = hd_strategy::run(
            &mut m,
            &img,
            &mask,
            &config(HdStrategy::Resize),
            &NoProgress,
        )
        .unwrap();
        // Model input: resized, then padded to a multiple of 8.
        assert_eq!(m.sizes(), [(sw.div_ceil(8) * 8, sh.div_ceil(8) * 8)]);
        assert_eq!(out.dimensions(), (w, h));
        // The mask the model received is binary again (upstream bug #17 fixed).
        assert!(m.calls[0].1.pixels().all(|p| p.0[0] == 0 || p.0[0] == 255));
        for ((o, i), mk) in out.pixels().zip(img.pixels()).zip(mask.pixels()) {
            if mk.0[0] == 0 {
                assert_eq!(o, i);
            }
        }
        // Deep inside the mask the fill colour survives the bicubic round trip.
        let (cx, cy) = (w / 3 + 25, h / 3 + 18);
        let p = out.get_pixel(cx, cy).0;
        assert!(
            p.iter().zip(FILL.0).all(|(a, b)| a.abs_diff(b) <= 2),
            "{p:?}"
        );
    }
}

#[test]
fn resize_below_limit_runs_original() {
    let img = pattern(1280, 700);
    let mask = mask_with(1280, 700, &[(5, 5, 9, 9)]);
    let mut m = FillModel::default();
    let out = hd_strategy::run(
        &mut m,
        &img,
        &mask,
        &config(HdStrategy::Resize),
        &NoProgress,
    )
    .unwrap();
    assert_eq!(m.sizes(), [(1280, 700)]);
    assert_filled_exactly(&out, &img, &mask);
}

#[test]
fn padding_sizes_reach_the_model() {
    let cases = [
        // (pad_mod, min_size, square, input, padded)
        (8, None, false, (1001, 1003), (1008, 1008)),
        (8, None, false, (13, 24), (16, 24)),
        (8, Some(512), false, (100, 600), (512, 600)),
        (8, Some(512), true, (100, 600), (600, 600)),
        (8, Some(512), true, (1, 1), (512, 512)),
        (1, None, false, (7, 5), (7, 5)),
    ];
    for (pad_mod, min_size, square, (w, h), padded) in cases {
        let img = pattern(w, h);
        let mask = mask_with(w, h, &[(0, 0, 1, 1)]);
        let mut m = FillModel {
            pad_mod,
            min_size,
            square,
            ..FillModel::default()
        };
        let out = hd_strategy::run(
            &mut m,
            &img,
            &mask,
            &config(HdStrategy::Original),
            &NoProgress,
        )
        .unwrap();
        assert_eq!(
            m.sizes(),
            [padded],
            "{pad_mod} {min_size:?} {square} {w}x{h}"
        );
        assert_eq!(out.dimensions(), (w, h));
        assert_filled_exactly(&out, &img, &mask);
    }
}

#[test]
fn symmetric_padding_values() {
    // One row a b c, padded to 8 (pad_mod 8): a b c | c b a | a b.
    let v = |x: u32| Rgb([10 * (x as u8 + 1), 0, 0]);
    let img = RgbImage::from_fn(3, 1, |x, _| v(x));
    let mask = GrayImage::from_raw(3, 1, vec![0, 255, 0]).unwrap();
    let mut m = FillModel {
        pad_mod: 8,
        ..FillModel::default()
    };
    hd_strategy::run(
        &mut m,
        &img,
        &mask,
        &config(HdStrategy::Original),
        &NoProgress,
    )
    .unwrap();
    let (pi, pm) = &m.calls[0];
    assert_eq!(pi.dimensions(), (8, 8));
    let row: Vec<u8> = (0..8).map(|x| pi.get_pixel(x, 0).0[0]).collect();
    assert_eq!(row, [10, 20, 30, 30, 20, 10, 10, 20]);
    // Rows repeat the single source row (height 1: every row mirrors row 0).
    assert!((0..8).all(|y| pi.get_pixel(5, y).0[0] == 10));
    let mrow: Vec<u8> = (0..8).map(|x| pm.get_pixel(x, 0).0[0]).collect();
    assert_eq!(mrow, [0, 255, 0, 0, 255, 0, 0, 255]);

    // Pad much larger than the image (3 → 16), both axes: repeated reflection, period 6.
    let g = GrayImage::from_fn(3, 2, |x, y| Luma([(10 * y + x) as u8]));
    let p = pad_symmetric(&g, 16, 5);
    let row0: Vec<u8> = (0..16).map(|x| p.get_pixel(x, 0).0[0]).collect();
    assert_eq!(row0, [0, 1, 2, 2, 1, 0, 0, 1, 2, 2, 1, 0, 0, 1, 2, 2]);
    let col0: Vec<u8> = (0..5).map(|y| p.get_pixel(0, y).0[0]).collect();
    assert_eq!(col0, [0, 10, 10, 0, 0]);
    // Source pixels stay top-left.
    assert_eq!(*p.get_pixel(2, 1), Luma([12]));
}

#[test]
fn keep_unmasked_area_off_keeps_model_output() {
    let img = pattern(20, 10);
    let mask = mask_with(20, 10, &[(2, 2, 4, 4)]);
    let mut m = FillModel {
        paint_all: true,
        ..FillModel::default()
    };
    let cfg = InpaintConfig {
        keep_unmasked_area: false,
        ..config(HdStrategy::Original)
    };
    let out = hd_strategy::run(&mut m, &img, &mask, &cfg, &NoProgress).unwrap();
    assert!(out.pixels().all(|p| *p == Rgb([1, 1, 1])));
    // With the blend only the masked pixels change.
    let mut m = FillModel {
        paint_all: true,
        ..FillModel::default()
    };
    let out = hd_strategy::run(
        &mut m,
        &img,
        &mask,
        &config(HdStrategy::Original),
        &NoProgress,
    )
    .unwrap();
    for ((o, i), mk) in out.pixels().zip(img.pixels()).zip(mask.pixels()) {
        assert_eq!(*o, if mk.0[0] == 255 { Rgb([1, 1, 1]) } else { *i });
    }
}

#[test]
fn non_binary_mask_is_binarised_above_127() {
    let img = pattern(3, 1);
    let mask = GrayImage::from_raw(3, 1, vec![127, 128, 40]).unwrap();
    let mut m = FillModel::default();
    let out = hd_strategy::run(
        &mut m,
        &img,
        &mask,
        &config(HdStrategy::Original),
        &NoProgress,
    )
    .unwrap();
    assert_eq!(m.calls[0].1.as_raw(), &[0, 255, 0]);
    assert_eq!(out.get_pixel(0, 0), img.get_pixel(0, 0));
    assert_eq!(*out.get_pixel(1, 0), FILL);
}

#[test]
fn wrong_model_output_size_is_an_error() {
    let mut m = FillModel {
        wrong_size: true,
        ..FillModel::default()
    };
    let r = hd_strategy::run(
        &mut m,
        &pattern(4, 4),
        &mask_with(4, 4, &[(0, 0, 2, 2)]),
        &config(HdStrategy::Original),
        &NoProgress,
    );
    assert!(matches!(
        r,
        Err(Error::ModelOutputSize {
            expected_w: 4,
            expected_h: 4,
            got_w: 5,
            got_h: 4,
            ..
        })
    ));
}

#[test]
fn tiny_and_empty_images_never_panic() {
    for (w, h) in [(0, 0), (0, 5), (5, 0), (1, 1), (2, 1), (1, 3)] {
        for strategy in [HdStrategy::Original, HdStrategy::Resize, HdStrategy::Crop] {
            for (pad_mod, min_size, square) in
                [(1, None, false), (8, Some(512), true), (64, None, false)]
            {
                for limit in [0, 1, 2] {
                    let img = pattern(w, h);
                    let mask = GrayImage::from_pixel(w, h, Luma([255]));
                    let cfg = InpaintConfig {
                        hd_strategy: strategy,
                        hd_strategy_crop_trigger_size: limit,
                        hd_strategy_resize_limit: limit,
                        hd_strategy_crop_margin: limit,
                        ..InpaintConfig::default()
                    };
                    let mut m = FillModel {
                        pad_mod,
                        min_size,
                        square,
                        ..FillModel::default()
                    };
                    let out = hd_strategy::run(&mut m, &img, &mask, &cfg, &NoProgress).unwrap();
                    assert_eq!(out.dimensions(), (w, h));
                    if w == 0 || h == 0 {
                        assert!(m.calls.is_empty());
                    }
                }
            }
        }
    }
}

/// Timing of `adjust_mask` on a 2048² mask (release build): `cargo test --release -p
/// mend-models --test hd_strategy -- --ignored --nocapture`.
#[test]
#[ignore = "timing, run manually"]
fn adjust_mask_timing() {
    let mask = GrayImage::from_fn(2048, 2048, |x, y| {
        let (dx, dy) = (x as i64 - 1024, y as i64 - 1024);
        let ring = dx * dx + dy * dy < 600 * 600 && dx * dx + dy * dy > 300 * 300;
        let dots = (x / 16 + y / 16) % 13 == 0;
        Luma([if ring || dots { 255 } else { 0 }])
    });
    for k in [0u32, 1, 12, 100] {
        for op in [MaskOp::Expand, MaskOp::Shrink] {
            let _ = adjust_mask(&mask, op, k); // warm-up
            let t = Instant::now();
            let runs = 5;
            for _ in 0..runs {
                std::hint::black_box(adjust_mask(&mask, op, k));
            }
            let ms = t.elapsed().as_secs_f64() * 1000.0 / f64::from(runs);
            println!("adjust_mask {op:?} k={k} 2048x2048: {ms:.1} ms");
        }
    }
}

/// A model at one fixed side (MI-GAN's shape): pad_mod = min_size = side, square.
fn fixed_side_model(side: u32) -> FillModel {
    FillModel {
        pad_mod: side,
        min_size: Some(side),
        square: true,
        ..FillModel::default()
    }
}

#[test]
fn fixed_side_crops_with_margin_128_resizes_and_ignores_the_request_strategy() {
    // 1000×800, box 400..500 × 300..350 → the 128-margin crop 272..628 × 172..478 (356×306),
    // which fits 512: run as is, padded to 512², whatever the request's strategy or margin.
    let img = pattern(1000, 800);
    let mask = mask_with(1000, 800, &[(400, 300, 500, 350)]);
    for strategy in [HdStrategy::Original, HdStrategy::Resize, HdStrategy::Crop] {
        let mut m = fixed_side_model(512);
        let cfg = InpaintConfig {
            hd_strategy_crop_margin: 7,
            ..config(strategy)
        };
        let out = hd_strategy::run_fixed_side(&mut m, &img, &mask, 512, &cfg, &NoProgress).unwrap();
        assert_eq!(m.sizes(), [(512, 512)], "{strategy:?}");
        // The padded input starts with exactly that crop.
        let seen = image::imageops::crop_imm(&m.calls[0].0, 0, 0, 356, 306).to_image();
        assert_eq!(
            seen,
            image::imageops::crop_imm(&img, 272, 172, 356, 306).to_image()
        );
        assert_filled_exactly(&out, &img, &mask);
    }
}

#[test]
fn fixed_side_downscales_large_crops_and_restores_the_unmasked_area() {
    // A 900×700 box: its crop is the whole 1200×1000 image → resized to 512×427, padded to
    // 512², scaled back; outside the mask every pixel is the original's.
    let img = pattern(1200, 1000);
    let mask = mask_with(1200, 1000, &[(150, 150, 1050, 850)]);
    let mut m = fixed_side_model(512);
    let out = hd_strategy::run_fixed_side(
        &mut m,
        &img,
        &mask,
        512,
        &InpaintConfig::default(),
        &NoProgress,
    )
    .unwrap();
    assert_eq!(m.sizes(), [(512, 512)]);
    // The model's mask is binary and covers the scaled box (150/1200·512 = 64 … 448).
    let seen_mask = &m.calls[0].1;
    assert!(seen_mask.pixels().all(|p| p.0[0] == 0 || p.0[0] == 255));
    assert_eq!(seen_mask.get_pixel(256, 200).0[0], 255);
    assert_eq!(seen_mask.get_pixel(20, 20).0[0], 0);
    for ((o, i), mk) in out.pixels().zip(img.pixels()).zip(mask.pixels()) {
        if mk.0[0] == 0 {
            assert_eq!(o, i);
        }
    }
    // Deep inside the box the fill came back (bicubic of a flat FILL area is FILL).
    assert_eq!(*out.get_pixel(600, 500), FILL);
}

#[test]
fn fixed_side_runs_an_exact_size_image_whole_and_skips_empty_masks() {
    let img = pattern(512, 512);
    let mask = mask_with(512, 512, &[(10, 10, 20, 20)]);
    let mut m = fixed_side_model(512);
    let cfg = InpaintConfig::default();
    let out = hd_strategy::run_fixed_side(&mut m, &img, &mask, 512, &cfg, &NoProgress).unwrap();
    assert_eq!(m.sizes(), [(512, 512)]);
    assert_eq!(m.calls[0].0, img);
    assert_filled_exactly(&out, &img, &mask);

    let img = pattern(700, 300);
    let mut m = fixed_side_model(512);
    let out = hd_strategy::run_fixed_side(
        &mut m,
        &img,
        &GrayImage::new(700, 300),
        512,
        &cfg,
        &NoProgress,
    )
    .unwrap();
    assert!(m.calls.is_empty());
    assert_eq!(out, img);
}
