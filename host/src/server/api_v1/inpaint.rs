//! `POST /api/v1/inpaint`: decode → queue → model → encode, returning image bytes in the
//! input's format with IOPaint's `X-Seed` header.

use axum::extract::State;
use axum::http::{HeaderName, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use mend_models::{Cv2Flag, HdStrategy, InpaintConfig};

use super::schema::{Cv2FlagField, InpaintRequest};
use crate::engine::EngineEvent;
use crate::imaging::{self, DecodedImage};
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
    AppJson(req): AppJson<InpaintRequest>,
) -> ApiResult<Response> {
    let started = std::time::Instant::now();
    let config = model_config(&req)?;
    let seed = effective_seed(req.sd_seed);
    let image_b64 = req
        .image
        .ok_or_else(|| Error::BadRequest("field `image` is required".to_owned()))?;
    let mask_b64 = req
        .mask
        .ok_or_else(|| Error::BadRequest("field `mask` is required".to_owned()))?;

    let limits = state.limits;
    let (decoded, mask) = blocking(move || decode_pair(&image_b64, &mask_b64, limits)).await?;
    let DecodedImage {
        rgb,
        alpha,
        format,
        metadata,
    } = decoded;
    let decoded_at = started.elapsed();

    let job_id = state.engine.next_job_id();
    let result = state.engine.inpaint(job_id, rgb, mask, config).await?;
    let inpainted_at = started.elapsed();

    let quality = state.config.quality;
    let bytes = blocking(move || {
        imaging::encode_image(&result, alpha.as_ref(), format, &metadata, quality)
    })
    .await?;
    tracing::debug!(
        job = job_id,
        decode_ms = decoded_at.as_millis(),
        model_ms = (inpainted_at - decoded_at).as_millis(),
        total_ms = started.elapsed().as_millis(),
        "inpaint done"
    );
    state.events().send(EngineEvent::Finished { job_id });

    let headers = [
        (
            header::CONTENT_TYPE,
            HeaderValue::from_static(format.mime()),
        ),
        (HeaderName::from_static("x-seed"), HeaderValue::from(seed)),
    ];
    Ok((headers, bytes).into_response())
}

/// Decodes image and mask, binarises the mask (> 127 → 255) and checks the sizes match.
fn decode_pair(
    image_b64: &str,
    mask_b64: &str,
    limits: imaging::Limits,
) -> Result<(DecodedImage, image::GrayImage)> {
    // Image and mask decode independently: do both at once.
    let (decoded, mask) = rayon::join(
        || imaging::decode_payload(image_b64).and_then(|b| imaging::decode_image(&b, &limits)),
        || imaging::decode_payload(mask_b64).and_then(|b| imaging::decode_mask(&b, &limits)),
    );
    let (decoded, mut mask) = (decoded?, mask?);
    if decoded.rgb.dimensions() != mask.dimensions() {
        return Err(Error::SizeMismatch {
            image_w: decoded.rgb.width(),
            image_h: decoded.rgb.height(),
            mask_w: mask.width(),
            mask_h: mask.height(),
        });
    }
    mend_models::mask::binarize(&mut mask, 127);
    Ok((decoded, mask))
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
fn effective_seed(seed: i64) -> i64 {
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
