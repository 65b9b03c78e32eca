//! `POST /api/v1/cloud/edit`: the editor's paid edit. Takes the image and a mend/IOPaint mask
//! (white = change), sends the provider a copy scaled to the model size closest to the
//! image's shape with an OpenAI mask (transparent = change), scales the answer back and
//! composites it inside the mask only, so pixels outside it stay exactly as they were. The
//! answer is encoded like the input and recorded in history.

use axum::extract::State;
use axum::http::{HeaderName, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use image::{GrayImage, RgbImage, RgbaImage, imageops::FilterType};
use serde::Deserialize;
use utoipa::ToSchema;

use super::budget::session_or_default;
use crate::budget::{Operation, find_model};
use crate::cloud::{CloudRequest, Finish};
use crate::imaging::{self, DecodedImage};
use crate::providers::ProviderImage;
use crate::server::api_v1::inpaint::decode_pair;
use crate::server::error::ApiResult;
use crate::server::extract::AppJson;
use crate::server::state::{AppState, blocking};
use crate::storage::budget::micros_to_usd;
use crate::storage::records::{NewEntry, Timings};
use crate::{Error, Result};

/// A paid edit from the editor.
#[derive(Debug, Deserialize, ToSchema)]
pub struct CloudEditRequest {
    /// The image, base64 or a data URL.
    pub image: String,
    /// The mask (white = area to change), base64 or a data URL, same size as the image.
    pub mask: String,
    /// What to put there.
    #[serde(default)]
    pub prompt: String,
    /// Provider model (`gpt-image-1`, `dall-e-2`, …).
    pub model: String,
    /// Provider size (`WxH`); the model size closest to the image's shape when absent.
    pub size: Option<String>,
    /// Quality; the model's default when absent.
    pub quality: Option<String>,
    /// Number of images; the editor shows one, so only 1 is accepted.
    #[serde(default = "one")]
    pub n: u32,
    /// The budget session (default `default`).
    pub session_id: Option<String>,
}

fn one() -> u32 {
    1
}

/// Edits the masked area with a paid model through the budget guard.
#[utoipa::path(post, path = "/api/v1/cloud/edit", tag = "budget",
    request_body = CloudEditRequest,
    responses(
        (status = 200, description = "The result, encoded like the input; headers `X-Mend-Job-Id`, `X-Mend-Cost-Usd`, `X-Mend-Dedupe`", content_type = "image/png"),
        (status = 402, description = "A budget cap would be exceeded", body = crate::server::error::ErrorBody),
        (status = 422, description = "Invalid field, unknown model, size or quality", body = crate::server::error::ErrorBody),
        (status = 429, description = "Rate limited; see Retry-After", body = crate::server::error::ErrorBody),
        (status = 502, description = "The provider failed", body = crate::server::error::ErrorBody),
        (status = 503, description = "No provider API key configured", body = crate::server::error::ErrorBody),
    ))]
pub async fn edit(
    State(state): State<AppState>,
    AppJson(req): AppJson<CloudEditRequest>,
) -> ApiResult<Response> {
    let started = std::time::Instant::now();
    if req.n != 1 {
        return Err(Error::BadRequest("`n` must be 1 for editor edits".into()).into());
    }
    let prices = find_model(&req.model)
        .ok_or_else(|| Error::BadRequest(format!("`{}` is not a known paid model", req.model)))?;
    if !prices.operations.contains(&Operation::Edit) {
        return Err(Error::BadRequest(format!("model `{}` cannot edit images", req.model)).into());
    }
    let limits = state.limits;
    let keep_history = state.config.history;
    let (image_b64, mask_b64) = (req.image, req.mask);
    let (decoded, mask, input_bytes, binary_mask_png) = blocking(move || {
        let (decoded, mask, input) = decode_pair(&image_b64, &mask_b64, limits, true)?;
        let input = input.ok_or_else(|| Error::Task("the input bytes were not kept".into()))?;
        // Identical edits are recognised from what the user sent, before any scaling.
        let mask_png = imaging::gray_png(&mask)?;
        Ok((decoded, mask, input, mask_png))
    })
    .await?;
    let (width, height) = decoded.rgb.dimensions();
    let size = match req.size.filter(|s| s != "auto") {
        Some(size) => size,
        None => closest_size(&prices.sizes, width, height).to_owned(),
    };
    let (tw, th) = parse_size(&size)?;
    let session = session_or_default(req.session_id);
    // Refuse early (no scaling or encoding) when the guard would refuse anyway.
    let estimate = crate::budget::estimate(
        &req.model,
        Operation::Edit,
        Some(&size),
        req.quality.as_deref(),
        1,
        1,
    )?;
    let dedupe_key = crate::budget::dedupe_key(&crate::budget::DedupeInput {
        model: &req.model,
        operation: Operation::Edit.as_str(),
        prompt: &req.prompt,
        images: &[&input_bytes],
        mask: Some(&binary_mask_png),
        size: Some(&size),
        quality: req.quality.as_deref(),
        n: 1,
        extra: &Default::default(),
    });
    state
        .cloud
        .precheck(
            &dedupe_key,
            &session,
            &estimate,
            Operation::Edit,
            (width, height),
        )
        .await?;
    let rgba = imaging::to_rgba(&decoded.rgb, decoded.alpha.as_ref());
    let mask_for_provider = mask.clone();
    let (image_png, mask_png) = blocking(move || {
        let scaled = image::imageops::resize(&rgba, tw, th, FilterType::CatmullRom);
        let scaled_mask = image::imageops::resize(&mask_for_provider, tw, th, FilterType::Nearest);
        Ok((imaging::rgba_png(&scaled)?, openai_mask_png(&scaled_mask)?))
    })
    .await?;
    let request = CloudRequest {
        operation: Operation::Edit,
        model: req.model.clone(),
        prompt: req.prompt.clone(),
        images: vec![png_part("image.png", image_png)],
        mask: Some(png_part("mask.png", mask_png)),
        size: Some(size),
        quality: req.quality.clone(),
        n: 1,
        extra: Default::default(),
        session,
        job_size: (width, height),
        dedupe_key: Some(dedupe_key),
    };
    let format = decoded.format;
    let quality = state.config.quality;
    let settings = serde_json::json!({
        "cloud": true,
        "prompt": req.prompt,
        "model": req.model,
        "quality": req.quality,
    });
    let model = req.model;
    let finish: Finish = Box::new(move |job_id, images| {
        let first = images.first().ok_or_else(|| Error::Provider {
            status: None,
            message: "no image returned".into(),
        })?;
        let answer = imaging::decode_image(first, &limits)?;
        let composed = composite(&decoded, &answer.rgb, &mask);
        let bytes = imaging::encode_image(
            &composed,
            decoded.alpha.as_ref(),
            format,
            &decoded.metadata,
            quality,
        )?;
        let entry = if keep_history {
            Some(NewEntry {
                id: job_id.to_owned(),
                model,
                width,
                height,
                settings,
                timings: Timings {
                    total_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
                    ..Timings::default()
                },
                input: (input_bytes, format.extension(), format.mime()),
                input_same_as: None,
                mask_png: binary_mask_png,
                output: (bytes.clone(), format.extension(), format.mime()),
                thumbnail_jpeg: imaging::preview_jpeg(&composed)?,
            })
        } else {
            None
        };
        Ok((vec![bytes], entry))
    });
    let result = state.cloud.run(request, finish).await?;
    let bytes = result.images.into_iter().next().unwrap_or_default();
    let mut response = (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static(format.mime()),
        )],
        bytes,
    )
        .into_response();
    let headers = response.headers_mut();
    let cost = format!("{:.6}", micros_to_usd(result.cost_micros));
    let pairs = [
        ("x-mend-job-id", Some(result.job_id)),
        ("x-mend-cost-usd", Some(cost)),
        (
            "x-mend-dedupe",
            Some(if result.dedupe_hit { "hit" } else { "miss" }.to_owned()),
        ),
        ("x-history-id", result.history_id),
    ];
    for (name, value) in pairs {
        if let Some(Ok(v)) = value.as_deref().map(HeaderValue::from_str) {
            headers.insert(HeaderName::from_static(name), v);
        }
    }
    Ok(response)
}

fn png_part(name: &str, bytes: Vec<u8>) -> ProviderImage {
    ProviderImage {
        bytes,
        file_name: name.to_owned(),
        content_type: "image/png".to_owned(),
    }
}

/// The model size whose aspect ratio is closest to the image's.
fn closest_size<'a>(sizes: &[&'a str], width: u32, height: u32) -> &'a str {
    let aspect = f64::from(width) / f64::from(height.max(1));
    sizes
        .iter()
        .copied()
        .min_by(|a, b| {
            let d = |s: &str| {
                parse_size(s)
                    .map(|(w, h)| (f64::from(w) / f64::from(h) / aspect).ln().abs())
                    .unwrap_or(f64::INFINITY)
            };
            d(a).total_cmp(&d(b))
        })
        .unwrap_or("1024x1024")
}

/// Parses `WxH`.
pub fn parse_size(size: &str) -> Result<(u32, u32)> {
    let parsed = size
        .split_once('x')
        .and_then(|(w, h)| Some((w.parse::<u32>().ok()?, h.parse::<u32>().ok()?)))
        .filter(|(w, h)| (1..=8192).contains(w) && (1..=8192).contains(h));
    parsed
        .ok_or_else(|| Error::BadRequest(format!("`size` must look like 1024x1024, got `{size}`")))
}

/// OpenAI's mask convention: fully transparent where the image is to change.
pub fn openai_mask_png(mask: &GrayImage) -> Result<Vec<u8>> {
    let rgba = RgbaImage::from_fn(mask.width(), mask.height(), |x, y| {
        if mask.get_pixel(x, y).0[0] > 0 {
            image::Rgba([0, 0, 0, 0])
        } else {
            image::Rgba([0, 0, 0, 255])
        }
    });
    imaging::rgba_png(&rgba)
}

/// The provider's answer scaled back to the input's size, used inside the mask only.
fn composite(original: &DecodedImage, answer: &RgbImage, mask: &GrayImage) -> RgbImage {
    let (w, h) = original.rgb.dimensions();
    let scaled = if answer.dimensions() == (w, h) {
        answer.clone()
    } else {
        image::imageops::resize(answer, w, h, FilterType::Lanczos3)
    };
    let mut out = original.rgb.clone();
    for (x, y, px) in out.enumerate_pixels_mut() {
        if mask.get_pixel(x, y).0[0] > 0 {
            *px = *scaled.get_pixel(x, y);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn closest_size_follows_the_aspect_ratio() {
        let sizes = ["1024x1024", "1024x1536", "1536x1024"];
        assert_eq!(closest_size(&sizes, 800, 600), "1536x1024");
        assert_eq!(closest_size(&sizes, 600, 900), "1024x1536");
        assert_eq!(closest_size(&sizes, 500, 510), "1024x1024");
    }

    #[test]
    fn sizes_parse_strictly() {
        assert_eq!(parse_size("1024x1536").unwrap(), (1024, 1536));
        for bad in ["1024", "x", "0x10", "10x99999", "axb"] {
            assert!(parse_size(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn openai_mask_is_transparent_where_the_mend_mask_is_white() {
        let mut mask = GrayImage::new(2, 1);
        mask.put_pixel(0, 0, image::Luma([255]));
        let png = openai_mask_png(&mask).unwrap();
        let decoded = image::load_from_memory(&png).unwrap().to_rgba8();
        assert_eq!(decoded.get_pixel(0, 0).0[3], 0);
        assert_eq!(decoded.get_pixel(1, 0).0[3], 255);
    }
}
