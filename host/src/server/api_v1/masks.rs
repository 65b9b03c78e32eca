//! `POST /api/v1/adjust_mask`: expand, shrink or invert a mask.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use mend_models::mask::{MaskOp, adjust_mask as adjust};

use super::schema::{AdjustMaskRequest, AdjustOperation};
use crate::Error;
use crate::imaging;
use crate::server::error::ApiResult;
use crate::server::extract::AppJson;
use crate::server::state::{AppState, blocking};

/// Largest accepted kernel radius (the UI's slider goes to 100).
const MAX_KERNEL_SIZE: i64 = 1000;

/// Expands, shrinks or inverts a mask; answers an RGBA overlay PNG.
#[utoipa::path(post, path = "/api/v1/adjust_mask", tag = "iopaint",
    request_body = AdjustMaskRequest,
    responses(
        (status = 200, description = "RGBA PNG: mask pixels (255, 203, 0, 186), others transparent", content_type = "image/png"),
        (status = 422, body = crate::server::error::ErrorBody),
    ))]
pub async fn adjust_mask(
    State(state): State<AppState>,
    AppJson(req): AppJson<AdjustMaskRequest>,
) -> ApiResult<Response> {
    let kernel = u32::try_from(req.kernel_size)
        .ok()
        .filter(|k| i64::from(*k) <= MAX_KERNEL_SIZE)
        .ok_or_else(|| {
            Error::BadRequest(format!(
                "`kernel_size` must be within 0..={MAX_KERNEL_SIZE}, got {}",
                req.kernel_size
            ))
        })?;
    let op = match req.operate {
        AdjustOperation::Expand => MaskOp::Expand,
        AdjustOperation::Shrink => MaskOp::Shrink,
        AdjustOperation::Reverse => MaskOp::Reverse,
    };
    let limits = state.limits;
    let png = blocking(move || {
        let bytes = imaging::decode_payload(&req.mask)?;
        let mask = imaging::decode_mask(&bytes, &limits)?;
        imaging::mask_overlay_png(&adjust(&mask, op, kernel))
    })
    .await?;
    Ok(([(header::CONTENT_TYPE, "image/png")], png).into_response())
}
