//! `POST /api/v1/inpaint`: decode → queue → model → encode, returning image bytes in the
//! input's format with IOPaint's `X-Seed` header.

use axum::extract::State;
use axum::http::{HeaderMap, HeaderName, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use mend_models::{Cv2Flag, HdStrategy, InpaintConfig};

use super::hooks::Hooks;
use super::pipeline::{LocalJob, LocalOutcome, OutputSpec, client_job_id, elapsed_ms, run_local};
use super::schema::{Cv2FlagField, InpaintRequest};
use std::time::Instant;

use crate::imaging::{self, DecodedImage, ImageFormatKind};
use crate::server::error::ApiResult;
use crate::server::extract::AppJson;
use crate::server::state::{AppState, blocking};
use crate::{Error, Result};

/// Largest accepted cv2 radius; OpenCV accepts any, but huge radii only burn CPU.
const MAX_CV2_RADIUS: i64 = 100;

/// Inpaints the masked area of an image.
#[utoipa::path(
    post,
    path = "/api/v1/inpaint",
    tag = "iopaint",
    request_body = InpaintRequest,
    params(("X-Job-Id" = Option<String>, Header, description = "mend: the job (and history) id to use, a lower-case UUID v7 of the current time, so the client can cancel with `DELETE /api/v1/jobs/{id}` before the answer arrives; 409 if taken")),
    responses(
        (status = 200, description = "The result, encoded like the input (PNG in, PNG out); header `X-Seed`", content_type = "image/png"),
        (status = 400, description = "Undecodable image or size mismatch", body = crate::server::error::ErrorBody),
        (status = 413, description = "Body or image larger than the limits", body = crate::server::error::ErrorBody),
        (status = 422, description = "Invalid field", body = crate::server::error::ErrorBody),
        (status = 503, description = "Queue full; see Retry-After", body = crate::server::error::ErrorBody),
    )
)]
pub async fn inpaint(
    State(state): State<AppState>,
    headers: HeaderMap,
    AppJson(req): AppJson<InpaintRequest>,
) -> ApiResult<Response> {
    let started = Instant::now();
    let id = client_job_id(&headers)?;
    let config = model_config(&req)?;
    let settings = settings_json(&req);
    let seed = effective_seed(req.sd_seed);
    let image_b64 = req
        .image
        .ok_or_else(|| Error::BadRequest("field `image` is required".to_owned()))?;
    let mask_b64 = req
        .mask
        .ok_or_else(|| Error::BadRequest("field `mask` is required".to_owned()))?;

    let hooks = Hooks::resolve(&state.plugins, &req.plugins)?;
    let limits = state.limits;
    let keep_input = state.config.history;
    let (decoded, mask, input_bytes) =
        blocking(move || decode_pair(&image_b64, &mask_b64, limits, keep_input)).await?;
    let format = decoded.format;
    let job = LocalJob {
        id,
        kind: "inpaint",
        decoded,
        mask,
        input_bytes,
        input_same_as: None,
        config,
        settings,
        hooks,
        output: OutputSpec {
            format,
            size: None,
            quality: state.config.quality,
        },
        started,
        decode_ms: elapsed_ms(started),
    };
    let LocalOutcome {
        job_id,
        history_id,
        bytes,
        ..
    } = run_local(&state, job).await?;
    Ok(image_response(
        format,
        seed,
        &job_id,
        history_id.as_deref(),
        bytes,
    ))
}

/// The answer of an inpaint: the bytes with IOPaint's `Content-Type` and `X-Seed`, plus
/// mend's `X-Job-Id` and `X-History-Id`.
pub(crate) fn image_response(
    format: ImageFormatKind,
    seed: i64,
    job_id: &str,
    history_id: Option<&str>,
    bytes: Vec<u8>,
) -> Response {
    let mut response = (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static(format.mime()),
            ),
            (HeaderName::from_static("x-seed"), HeaderValue::from(seed)),
        ],
        bytes,
    )
        .into_response();
    let headers = response.headers_mut();
    for (name, value) in [("x-job-id", Some(job_id)), ("x-history-id", history_id)] {
        if let Some(Ok(v)) = value.map(HeaderValue::from_str) {
            headers.insert(HeaderName::from_static(name), v);
        }
    }
    response
}

/// The request fields that shaped the result, kept with the history entry.
pub(crate) fn settings_json(req: &InpaintRequest) -> serde_json::Value {
    serde_json::json!({
        "hd_strategy": req.hd_strategy,
        "hd_strategy_crop_trigger_size": req.hd_strategy_crop_trigger_size,
        "hd_strategy_crop_margin": req.hd_strategy_crop_margin,
        "hd_strategy_resize_limit": req.hd_strategy_resize_limit,
        "sd_keep_unmasked_area": req.sd_keep_unmasked_area,
        "cv2_flag": req.cv2_flag,
        "cv2_radius": req.cv2_radius,
        "sd_seed": req.sd_seed,
        "plugins": req.plugins.iter().map(|p| serde_json::json!({"id": p.id, "params": p.params})).collect::<Vec<_>>(),
    })
}

/// Decodes image and mask, binarises the mask (> 127 → 255) and checks the sizes match.
/// Also returns the image's bytes when `keep_input` (for history).
pub(crate) fn decode_pair(
    image_b64: &str,
    mask_b64: &str,
    limits: imaging::Limits,
    keep_input: bool,
) -> Result<(DecodedImage, image::GrayImage, Option<Vec<u8>>)> {
    // Image and mask decode independently: do both at once.
    let (decoded, mask) = rayon::join(
        || imaging::decode_payload(image_b64).and_then(|b| decode_input(b, limits, keep_input)),
        || imaging::decode_payload(mask_b64).and_then(|b| imaging::decode_mask(&b, &limits)),
    );
    let ((decoded, input), mut mask) = (decoded?, mask?);
    check_mask(decoded.rgb.dimensions(), &mut mask)?;
    Ok((decoded, mask, input))
}

/// Decodes an inpaint input under `limits`; returns its bytes too when `keep_input`.
pub(crate) fn decode_input(
    bytes: Vec<u8>,
    limits: imaging::Limits,
    keep_input: bool,
) -> Result<(DecodedImage, Option<Vec<u8>>)> {
    let decoded = imaging::decode_image(&bytes, &limits)?;
    Ok((decoded, keep_input.then_some(bytes)))
}

/// Checks that `mask` is `image`-sized (`(width, height)`) and binarises it (> 127 → 255).
pub(crate) fn check_mask(image: (u32, u32), mask: &mut image::GrayImage) -> Result<()> {
    if image != mask.dimensions() {
        return Err(Error::SizeMismatch {
            image_w: image.0,
            image_h: image.1,
            mask_w: mask.width(),
            mask_h: mask.height(),
        });
    }
    mend_models::mask::binarize(mask, 127);
    Ok(())
}

/// Validates the fields erase models read and converts them to the model's settings.
pub(crate) fn model_config(req: &InpaintRequest) -> Result<InpaintConfig> {
    let non_negative = |name: &str, v: i64| -> Result<u32> {
        u32::try_from(v).map_err(|_| {
            Error::BadRequest(format!("`{name}` must be a non-negative integer, got {v}"))
        })
    };
    if !(req.sd_scale > 0.0 && req.sd_scale <= 1.0) {
        return Err(Error::BadRequest(format!(
            "`sd_scale` must be in (0, 1], got {}",
            req.sd_scale
        )));
    }
    if req.sd_strength > 1.0 {
        return Err(Error::BadRequest(format!(
            "`sd_strength` must be at most 1, got {}",
            req.sd_strength
        )));
    }
    for (name, v) in [
        (
            "controlnet_conditioning_scale",
            req.controlnet_conditioning_scale,
        ),
        (
            "brushnet_conditioning_scale",
            req.brushnet_conditioning_scale,
        ),
    ] {
        if !(0.0..=1.0).contains(&v) {
            return Err(Error::BadRequest(format!(
                "`{name}` must be in [0, 1], got {v}"
            )));
        }
    }
    if !(req.fitting_degree > 0.0 && req.fitting_degree <= 1.0) {
        return Err(Error::BadRequest(format!(
            "`fitting_degree` must be in (0, 1], got {}",
            req.fitting_degree
        )));
    }
    if !(0..=MAX_CV2_RADIUS).contains(&req.cv2_radius) {
        return Err(Error::BadRequest(format!(
            "`cv2_radius` must be within 0..={MAX_CV2_RADIUS}, got {}",
            req.cv2_radius
        )));
    }
    Ok(InpaintConfig {
        hd_strategy: HdStrategy::from_iopaint(&req.hd_strategy),
        hd_strategy_crop_trigger_size: non_negative(
            "hd_strategy_crop_trigger_size",
            req.hd_strategy_crop_trigger_size,
        )?,
        hd_strategy_crop_margin: non_negative(
            "hd_strategy_crop_margin",
            req.hd_strategy_crop_margin,
        )?,
        hd_strategy_resize_limit: non_negative(
            "hd_strategy_resize_limit",
            req.hd_strategy_resize_limit,
        )?
        .max(1),
        keep_unmasked_area: req.sd_keep_unmasked_area,
        cv2_flag: match req.cv2_flag {
            Cv2FlagField::InpaintNs => Cv2Flag::Ns,
            Cv2FlagField::InpaintTelea => Cv2Flag::Telea,
        },
        cv2_radius: non_negative("cv2_radius", req.cv2_radius)?,
    })
}

/// IOPaint replaces a seed of -1 with a random one in [1, 99999999] and echoes it.
pub(crate) fn effective_seed(seed: i64) -> i64 {
    if seed != -1 {
        return seed;
    }
    // No RNG dependency for one number: the clock's nanoseconds are random enough here.
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(42);
    1 + i64::from(nanos) % 99_999_999
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_map_to_iopaint_defaults() {
        let cfg = model_config(&InpaintRequest::default()).unwrap();
        assert_eq!(cfg, InpaintConfig::default());
    }

    #[test]
    fn out_of_range_fields_are_rejected() {
        let bad = [
            InpaintRequest {
                sd_scale: 0.0,
                ..Default::default()
            },
            InpaintRequest {
                sd_strength: 1.5,
                ..Default::default()
            },
            InpaintRequest {
                cv2_radius: -1,
                ..Default::default()
            },
            InpaintRequest {
                hd_strategy_crop_margin: -5,
                ..Default::default()
            },
            InpaintRequest {
                fitting_degree: 0.0,
                ..Default::default()
            },
        ];
        for req in bad {
            assert!(
                matches!(model_config(&req), Err(Error::BadRequest(_))),
                "{req:?}"
            );
        }
    }

    #[test]
    fn random_seed_is_in_range() {
        for _ in 0..100 {
            let s = effective_seed(-1);
            assert!((1..=99_999_999).contains(&s));
        }
        assert_eq!(effective_seed(7), 7);
    }
}
