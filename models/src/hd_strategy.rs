//! IOPaint's high-resolution strategies for erase models (`InpaintModel.__call__` in
//! `iopaint/model/base.py`, spec 7.3): Crop, Resize and Original, padding to the model's
//! `pad_mod` / `min_size` / square (pad-forward) and compositing outside the mask.
//!
//! Entry point: [`run`]. Models themselves only implement
//! [`InpaintModel::forward`] and always receive padded input.
//!
//! ## Deviations from upstream (all deliberate)
//! - **Mask threshold.** [`run`] binarises its mask with the `/inpaint` rule (`> 127`) first
//!   (a no-op for the server's already binary masks), so the blend is a pure select and
//!   "restore where the original mask < 127" is "restore where the binary mask is 0".
//! - **Resize re-binarises the downscaled mask** (upstream bug #17): IOPaint feeds the model
//!   a bicubically interpolated, non-binary mask and blends with it fractionally. mend
//!   thresholds the small mask again (`> 127`), so the model sees a clean 0/255 mask like in
//!   every other strategy. Results inside the mask can differ slightly from upstream along
//!   the mask edge; pixels outside the original mask are bit-exact either way.
//! - **Bicubic resampling** uses the `image` crate's Catmull-Rom filter (`a = -0.5`, and it
//!   widens its support when downscaling, i.e. it antialiases), not OpenCV's `INTER_CUBIC`
//!   (`a = -0.75`, no antialiasing). Resize-strategy pixels inside the mask therefore differ
//!   slightly from upstream.
//! - **"Longer side"** is `max(width, height)`; upstream's `max(image.shape)` also counts the
//!   3 channels, which only matters for images under 3 px with trigger/limit sizes under 3.
//! - **Degenerate input** never panics: an empty (0-area) image is returned unchanged without
//!   running the model; a Resize limit of 0 is treated as 1 px; `pad_mod` 0 as 1; empty crop
//!   rectangles (a 1-px box with margin 0, see [`crate::mask::crop_box`]) are skipped; a model
//!   returning an image of the wrong size is an [`Error::ModelOutputSize`].

use std::borrow::Cow;

use image::imageops::{self, FilterType};
use image::{GrayImage, ImageBuffer, Pixel, RgbImage};

use crate::mask::{INPAINT_THRESHOLD, MaskBox, binarize, crop_box, mask_boxes};
use crate::{Error, HdStrategy, InpaintConfig, InpaintModel, Progress, Result};

/// The resampling filter used for Resize (IOPaint uses OpenCV's bicubic).
const RESAMPLE: FilterType = FilterType::CatmullRom;

/// Runs `model` on `image`/`mask` with the strategy in `config` (spec 7.3).
///
/// - [`HdStrategy::Crop`], when the longer side exceeds `hd_strategy_crop_trigger_size`: one
///   [`pad_forward`] per outer mask region ([`mask_boxes`]) on the crop rectangle
///   ([`crop_box`] with `hd_strategy_crop_margin`), every crop taken from the original image;
///   the results are pasted whole into a copy of the original in box order (later crops
///   overwrite earlier ones). No mask region → the original is returned without running the
///   model. Progress is spread evenly over the crops, and a cancel between crops stops.
/// - [`HdStrategy::Resize`], when the longer side exceeds `hd_strategy_resize_limit`: image
///   and mask are downscaled (bicubic) to [`resized_size`], the mask is re-binarised,
///   [`pad_forward`] runs, the result is upscaled back (bicubic) and every pixel outside the
///   original mask is restored bit-exact.
/// - Otherwise ([`HdStrategy::Original`] or below the size thresholds): [`pad_forward`] on
///   the whole image.
///
/// The mask is binarised with `> 127` first. Errors: [`Error::SizeMismatch`] when the sizes
/// differ, and whatever the model returns.
pub fn run<M: InpaintModel + ?Sized>(
    model: &mut M,
    image: &RgbImage,
    mask: &GrayImage,
    config: &InpaintConfig,
    progress: &dyn Progress,
) -> Result<RgbImage> {
    check_sizes(image, mask)?;
    let (w, h) = image.dimensions();
    if w == 0 || h == 0 {
        return Ok(image.clone());
    }
    let mask = binary_mask(mask);
    let longer = w.max(h);
    match config.hd_strategy {
        HdStrategy::Crop if longer > config.hd_strategy_crop_trigger_size => {
            run_crop(model, image, &mask, config, progress)
        }
        HdStrategy::Resize if longer > config.hd_strategy_resize_limit => {
            run_resize(model, image, &mask, config, progress)
        }
        _ => pad_forward(model, image, &mask, config, progress),
    }
}

/// The crop rectangles the Crop strategy runs the model on, in paste order: one
/// [`crop_box`] per [`mask_boxes`] entry with `margin`, empty rectangles left out.
pub fn crop_rects(mask: &GrayImage, margin: u32) -> Vec<MaskBox> {
    let (w, h) = mask.dimensions();
    mask_boxes(mask)
        .into_iter()
        .map(|b| crop_box(b, margin, w, h))
        .filter(|r| !r.is_empty())
        .collect()
}

/// Crop strategy body (sizes checked, mask binary, trigger exceeded).
fn run_crop<M: InpaintModel + ?Sized>(
    model: &mut M,
    image: &RgbImage,
    mask: &GrayImage,
    config: &InpaintConfig,
    progress: &dyn Progress,
) -> Result<RgbImage> {
    on_crops(
        model,
        image,
        mask,
        config.hd_strategy_crop_margin,
        progress,
        |m, crop_img, crop_mask, sub| pad_forward(m, crop_img, crop_mask, config, sub),
    )
}

/// Runs `run` on each [`crop_rects`] rectangle (with `margin`) of `image`/`mask` and pastes
/// its results into a copy of `image` in box order. Progress is spread evenly over the crops,
/// and a cancel between crops stops.
fn on_crops<M: InpaintModel + ?Sized>(
    model: &mut M,
    image: &RgbImage,
    mask: &GrayImage,
    margin: u32,
    progress: &dyn Progress,
    mut run: impl FnMut(&mut M, &RgbImage, &GrayImage, &dyn Progress) -> Result<RgbImage>,
) -> Result<RgbImage> {
    let rects = crop_rects(mask, margin);
    let mut out = image.clone();
    let n = rects.len();
    for (i, r) in rects.iter().enumerate() {
        let crop_img = imageops::crop_imm(image, r.x1, r.y1, r.width(), r.height()).to_image();
        let crop_mask = imageops::crop_imm(mask, r.x1, r.y1, r.width(), r.height()).to_image();
        let sub = ScaledProgress {
            inner: progress,
            offset: i as f32 / n as f32,
            scale: 1.0 / n as f32,
        };
        let result = run(model, &crop_img, &crop_mask, &sub)?;
        // Crops are read from `image`, never from `out`, so pasting right away is the same as
        // pasting after all crops ran (upstream's order).
        imageops::replace(&mut out, &result, i64::from(r.x1), i64::from(r.y1));
        if !progress.report((i + 1) as f32 / n as f32) {
            return Err(Error::Cancelled);
        }
    }
    Ok(out)
}

/// The context margin of [`run_fixed_side`] (upstream overwrites the request's crop margin
/// with it).
pub const FIXED_SIDE_CROP_MARGIN: u32 = 128;

/// The strategy of models that run at one fixed square size (IOPaint's fcf/migan `__call__`,
/// spec 7.4); the request's `hd_strategy` fields are ignored.
///
/// An image of exactly `side × side` goes through [`pad_forward`] whole. Otherwise each outer
/// mask region's [`crop_box`] with a [`FIXED_SIDE_CROP_MARGIN`] margin is cut from the
/// original, downscaled (bicubic) so its longer side is at most `side` ([`resized_size`]),
/// its mask re-binarised, run through [`pad_forward`] (which pads to `side` square), scaled
/// back to the crop's size, restored outside the crop's mask and pasted into a copy of the
/// original in box order. No mask region → the original, without running the model. The
/// mask is binarised with `> 127` first; resampling and re-binarisation deviate from upstream
/// as for Resize (module docs).
pub fn run_fixed_side<M: InpaintModel + ?Sized>(
    model: &mut M,
    image: &RgbImage,
    mask: &GrayImage,
    side: u32,
    config: &InpaintConfig,
    progress: &dyn Progress,
) -> Result<RgbImage> {
    check_sizes(image, mask)?;
    let (w, h) = image.dimensions();
    if w == 0 || h == 0 {
        return Ok(image.clone());
    }
    let mask = binary_mask(mask);
    if (w, h) == (side, side) {
        return pad_forward(model, image, &mask, config, progress);
    }
    on_crops(
        model,
        image,
        &mask,
        FIXED_SIDE_CROP_MARGIN,
        progress,
        |m, crop_img, crop_mask, sub| scaled_pad_forward(m, crop_img, crop_mask, side, config, sub),
    )
}

/// Resize strategy body (sizes checked, mask binary, limit exceeded).
fn run_resize<M: InpaintModel + ?Sized>(
    model: &mut M,
    image: &RgbImage,
    mask: &GrayImage,
    config: &InpaintConfig,
    progress: &dyn Progress,
) -> Result<RgbImage> {
    scaled_pad_forward(
        model,
        image,
        mask,
        config.hd_strategy_resize_limit,
        config,
        progress,
    )
}

/// [`pad_forward`] with the longer side brought down to `limit` ([`resized_size`]) when it is
/// longer: image and mask downscaled (bicubic), the mask re-binarised, the result scaled back;
/// then every pixel outside the (binary) `mask` is restored from `image` bit-exact.
fn scaled_pad_forward<M: InpaintModel + ?Sized>(
    model: &mut M,
    image: &RgbImage,
    mask: &GrayImage,
    limit: u32,
    config: &InpaintConfig,
    progress: &dyn Progress,
) -> Result<RgbImage> {
    let (w, h) = image.dimensions();
    let (nw, nh) = resized_size(w, h, limit);
    let mut out = if (nw, nh) == (w, h) {
        pad_forward(model, image, mask, config, progress)?
    } else {
        let small_image = imageops::resize(image, nw, nh, RESAMPLE);
        let mut small_mask = imageops::resize(mask, nw, nh, RESAMPLE);
        // Upstream bug #17: IOPaint keeps the interpolated grey levels; mend re-binarises.
        binarize(&mut small_mask, INPAINT_THRESHOLD);
        let small_out = pad_forward(model, &small_image, &small_mask, config, progress)?;
        imageops::resize(&small_out, w, h, RESAMPLE)
    };
    // Restore every pixel outside the original mask (upstream: `mask < 127`; binary here).
    for ((o, orig), m) in out.pixels_mut().zip(image.pixels()).zip(mask.pixels()) {
        if m.0[0] == 0 {
            *o = *orig;
        }
    }
    Ok(out)
}

/// The Resize strategy's target size for a `width × height` image (IOPaint's
/// `resize_max_size`): unchanged if the longer side is at most `limit`, else
/// `ratio = limit / max(W, H)` and each side becomes `int(side · ratio + 0.5)` (computed in
/// `f64` like Python). Sides are at least 1 (a `limit` of 0 behaves like 1).
pub fn resized_size(width: u32, height: u32, limit: u32) -> (u32, u32) {
    let longer = width.max(height);
    if longer <= limit {
        return (width, height);
    }
    let ratio = f64::from(limit) / f64::from(longer);
    let side = |s: u32| {
        let v = (f64::from(s) * ratio + 0.5).trunc();
        // `v` is within `[0, s]`; the cast saturates in any case.
        (v as u32).max(1)
    };
    (side(width), side(height))
}

/// Pad-forward (`_pad_forward`, spec 7.3): pads `image` and `mask` on the bottom/right to
/// [`padded_size`] for `model` with NumPy `symmetric` mirroring ([`pad_symmetric`]), runs
/// [`InpaintModel::forward`], crops the result back to the input size (top-left) and, if
/// `config.keep_unmasked_area`, keeps every pixel where `mask <= 127` from `image`
/// bit-exact (IOPaint's float blend `result·m + image·(1 − m)` for a binary mask).
///
/// `mask` should be binary (0 / 255). Errors: [`Error::SizeMismatch`],
/// [`Error::InvalidParameter`] if the padded size does not fit `u32`,
/// [`Error::ModelOutputSize`], and whatever the model returns.
pub fn pad_forward<M: InpaintModel + ?Sized>(
    model: &mut M,
    image: &RgbImage,
    mask: &GrayImage,
    config: &InpaintConfig,
    progress: &dyn Progress,
) -> Result<RgbImage> {
    check_sizes(image, mask)?;
    let (w, h) = image.dimensions();
    let (pw, ph) = padded_size(
        w,
        h,
        model.pad_mod(),
        model.min_size(),
        model.pad_to_square(),
    )
    .ok_or_else(|| Error::InvalidParameter {
        name: "image",
        reason: format!("{w}x{h} is too large to pad for model `{}`", model.name()),
    })?;
    let result = if (pw, ph) == (w, h) {
        model.forward(image, mask, config, progress)?
    } else {
        let padded_image = pad_symmetric(image, pw, ph);
        let padded_mask = pad_symmetric(mask, pw, ph);
        model.forward(&padded_image, &padded_mask, config, progress)?
    };
    if result.dimensions() != (pw, ph) {
        return Err(Error::ModelOutputSize {
            model: model.name().to_owned(),
            expected_w: pw,
            expected_h: ph,
            got_w: result.width(),
            got_h: result.height(),
        });
    }
    let mut result = if (pw, ph) == (w, h) {
        result
    } else {
        imageops::crop_imm(&result, 0, 0, w, h).to_image()
    };
    if config.keep_unmasked_area {
        for ((o, orig), m) in result.pixels_mut().zip(image.pixels()).zip(mask.pixels()) {
            if m.0[0] <= INPAINT_THRESHOLD {
                *o = *orig;
            }
        }
    }
    Ok(result)
}

/// The size pad-forward pads a `width × height` input to (`pad_img_to_modulo`): each side
/// rounded up to a multiple of `pad_mod` (0 counts as 1), then at least `min_size`, then both
/// sides the larger one if `square`. `None` if the result does not fit `u32`.
pub fn padded_size(
    width: u32,
    height: u32,
    pad_mod: u32,
    min_size: Option<u32>,
    square: bool,
) -> Option<(u32, u32)> {
    let m = u64::from(pad_mod.max(1));
    let up = |s: u32| -> Option<u32> {
        let s = u64::from(s).div_ceil(m).checked_mul(m)?;
        let s = s.max(u64::from(min_size.unwrap_or(0)));
        u32::try_from(s).ok()
    };
    let (mut pw, mut ph) = (up(width)?, up(height)?);
    if square {
        let s = pw.max(ph);
        (pw, ph) = (s, s);
    }
    Some((pw, ph))
}

/// Pads `img` on the bottom and right to `width × height` with NumPy's `symmetric` mode:
/// the edge pixel is repeated (`a b c | c b a | a b c …`), reflecting again as often as needed
/// when the pad is larger than the image (period `2n`).
///
/// A target smaller than the image crops it (top-left); an empty source gives a zero-filled
/// image of the target size.
pub fn pad_symmetric<P: Pixel>(
    img: &ImageBuffer<P, Vec<P::Subpixel>>,
    width: u32,
    height: u32,
) -> ImageBuffer<P, Vec<P::Subpixel>> {
    let (w, h) = (img.width() as usize, img.height() as usize);
    if w == 0 || h == 0 {
        return ImageBuffer::new(width, height);
    }
    let c = usize::from(P::CHANNEL_COUNT);
    let row_len = w * c;
    let src = img.as_raw();
    let cols: Vec<usize> = (0..width as usize).map(|x| mirror(x, w)).collect();
    let mut raw: Vec<P::Subpixel> = Vec::with_capacity(width as usize * height as usize * c);
    for y in 0..height as usize {
        let sy = mirror(y, h);
        let Some(row) = src.get(sy * row_len..(sy + 1) * row_len) else {
            return ImageBuffer::new(width, height);
        };
        for &sx in &cols {
            if let Some(px) = row.get(sx * c..(sx + 1) * c) {
                raw.extend_from_slice(px);
            }
        }
    }
    ImageBuffer::from_raw(width, height, raw).unwrap_or_else(|| ImageBuffer::new(width, height))
}

/// NumPy `symmetric` source index for position `i` of an axis of length `n > 0`.
fn mirror(i: usize, n: usize) -> usize {
    let m = i % (2 * n);
    if m < n { m } else { 2 * n - 1 - m }
}

/// [`Error::SizeMismatch`] unless `image` and `mask` have the same size.
fn check_sizes(image: &RgbImage, mask: &GrayImage) -> Result<()> {
    if image.dimensions() != mask.dimensions() {
        return Err(Error::SizeMismatch {
            image_w: image.width(),
            image_h: image.height(),
            mask_w: mask.width(),
            mask_h: mask.height(),
        });
    }
    Ok(())
}

/// `mask` binarised with `> 127`, borrowed when it already is binary.
fn binary_mask(mask: &GrayImage) -> Cow<'_, GrayImage> {
    if mask.as_raw().iter().all(|&v| v == 0 || v == 255) {
        Cow::Borrowed(mask)
    } else {
        let mut m = mask.clone();
        binarize(&mut m, INPAINT_THRESHOLD);
        Cow::Owned(m)
    }
}

/// Maps a crop's progress `[0, 1]` into its share `[offset, offset + scale]` of the request.
struct ScaledProgress<'a> {
    /// The request's progress.
    inner: &'a dyn Progress,
    /// Where this crop starts.
    offset: f32,
    /// This crop's share.
    scale: f32,
}

impl Progress for ScaledProgress<'_> {
    fn report(&self, fraction: f32) -> bool {
        let f = if fraction.is_nan() {
            0.0
        } else {
            fraction.clamp(0.0, 1.0)
        };
        self.inner
            .report((self.offset + self.scale * f).clamp(0.0, 1.0))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn mirror_is_numpy_symmetric() {
        // n = 3: a b c | c b a | a b c | c b a
        let got: Vec<usize> = (0..12).map(|i| mirror(i, 3)).collect();
        assert_eq!(got, [0, 1, 2, 2, 1, 0, 0, 1, 2, 2, 1, 0]);
        // n = 1: edge repeated.
        assert!((0..5).all(|i| mirror(i, 1) == 0));
    }

    #[test]
    fn resized_size_rounds_like_python() {
        assert_eq!(resized_size(2000, 1000, 1280), (1280, 640));
        // 1001 · 1280 / 1999 = 640.96… → 641.
        assert_eq!(resized_size(1999, 1001, 1280), (1280, 641));
        assert_eq!(resized_size(1000, 3000, 1280), (427, 1280));
        assert_eq!(resized_size(1280, 1280, 1280), (1280, 1280));
        assert_eq!(resized_size(5000, 1, 1280), (1280, 1));
        assert_eq!(resized_size(10, 10, 0), (1, 1));
    }

    #[test]
    fn padded_sizes() {
        assert_eq!(padded_size(1001, 1003, 8, None, false), Some((1008, 1008)));
        assert_eq!(padded_size(1000, 13, 8, None, false), Some((1000, 16)));
        assert_eq!(padded_size(100, 600, 8, Some(512), false), Some((512, 600)));
        assert_eq!(padded_size(100, 601, 8, Some(512), true), Some((608, 608)));
        assert_eq!(padded_size(1, 1, 1, None, false), Some((1, 1)));
        assert_eq!(padded_size(0, 0, 8, None, false), Some((0, 0)));
        assert_eq!(padded_size(7, 7, 0, None, false), Some((7, 7)));
        assert_eq!(padded_size(u32::MAX, 1, 8, None, false), None);
    }
}
