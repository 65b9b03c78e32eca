//! IOPaint's LaMa pre- and post-processing around the generator (spec 1.2, 3.5–3.7):
//! image `/ 255` as RGB `f32`, mask `> 0 → 1`, the wrapper's `image · (1 − mask)` + mask input,
//! the composite `mask · pred + (1 − mask) · image`, and the conversion back to `u8` by
//! truncation of `clip(x · 255, 0, 255)`.
//!
//! Padding to a multiple of 8, cropping and keeping the unmasked area bit-exact happen in
//! [`crate::hd_strategy::pad_forward`].

use burn::tensor::{Device, Tensor, TensorData};
use image::{GrayImage, RgbImage};

use crate::{Error, Result};

/// `image` as `[1, 3, H, W]` in `[0, 1]` and `mask` as `[1, 1, H, W]` in `{0, 1}`.
pub fn to_tensors(image: &RgbImage, mask: &GrayImage, device: &Device) -> (Tensor<4>, Tensor<4>) {
    let (w, h) = image.dimensions();
    let (w, h) = (w as usize, h as usize);
    let plane = w * h;
    let mut chw = vec![0f32; 3 * plane];
    for (i, px) in image.pixels().enumerate() {
        for (c, &v) in px.0.iter().enumerate() {
            chw[c * plane + i] = f32::from(v) / 255.0;
        }
    }
    let m: Vec<f32> = mask
        .as_raw()
        .iter()
        .map(|&v| if v > 0 { 1.0 } else { 0.0 })
        .collect();
    (
        Tensor::from_data(TensorData::new(chw, [1, 3, h, w]), device),
        Tensor::from_data(TensorData::new(m, [1, 1, h, w]), device),
    )
}

/// The generator input of the traced wrapper: `cat([image · (1 − mask), mask])`.
pub fn generator_input(image: Tensor<4>, mask: Tensor<4>) -> Tensor<4> {
    let masked = image * (mask.clone().neg() + 1.0);
    Tensor::cat(vec![masked, mask], 1)
}

/// The wrapper's output: `mask · pred + (1 − mask) · image`.
pub fn composite(pred: Tensor<4>, image: Tensor<4>, mask: Tensor<4>) -> Tensor<4> {
    pred * mask.clone() + image * (mask.neg() + 1.0)
}

/// Reads a tensor back as row-major `f32` values.
pub fn to_vec(t: Tensor<4>) -> Result<Vec<f32>> {
    t.try_into_data()
        .map_err(|e| Error::Backend(format!("reading the model output failed: {e:?}")))?
        .try_into_vec::<f32>()
        .map_err(|e| Error::Backend(format!("unexpected model output type: {e:?}")))
}

/// `[1, 3, H, W]` in `[0, 1]` → RGB `u8` by IOPaint's `clip(x · 255, 0, 255).astype(uint8)`
/// (truncation).
pub fn to_image(t: Tensor<4>) -> Result<RgbImage> {
    let [n, c, h, w] = t.dims();
    if n != 1 || c != 3 {
        return Err(Error::Backend(format!(
            "model output has shape [{n}, {c}, {h}, {w}], expected one RGB image"
        )));
    }
    let data = to_vec(t)?;
    let plane = h * w;
    let mut raw = Vec::with_capacity(3 * plane);
    for i in 0..plane {
        for ch in 0..3 {
            raw.push(to_u8(data.get(ch * plane + i).copied().unwrap_or(0.0)));
        }
    }
    let (w, h) = (
        u32::try_from(w).map_err(|_| Error::Backend("output too wide".into()))?,
        u32::try_from(h).map_err(|_| Error::Backend("output too high".into()))?,
    );
    RgbImage::from_raw(w, h, raw).ok_or_else(|| Error::Backend("output size mismatch".into()))
}

/// `clip(v · 255, 0, 255)` truncated to `u8`; NaN (undefined in NumPy's cast) becomes 0.
pub fn to_u8(v: f32) -> u8 {
    let x = v * 255.0;
    if x.is_nan() {
        0
    } else {
        x.clamp(0.0, 255.0) as u8
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncates_like_numpy() {
        assert_eq!(to_u8(0.999), 254);
        assert_eq!(to_u8(1.0), 255);
        assert_eq!(to_u8(1.5), 255);
        assert_eq!(to_u8(-0.1), 0);
        assert_eq!(to_u8(100.0 / 255.0), 100);
        assert_eq!(to_u8(f32::NAN), 0);
    }
}
