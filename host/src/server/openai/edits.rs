//! `POST /v1/images/edits`: OpenAI's image edit, run on the loaded local model through the
//! same pipeline as `/api/v1/inpaint` (job, engine queue, Socket.IO events, history) at no
//! cost, or handed to the provider seam for provider models.
//!
//! Mask convention (OpenAI's): **fully transparent mask pixels (alpha 0) are the area to
//! edit**. Without a mask, the image's own fully transparent pixels are the area (the image
//! must then have an alpha channel). Local erase models ignore `prompt`.

use std::time::Instant;

use axum::Json;
use axum::extract::{Request, State};
use axum::http::HeaderMap;
use image::{GrayImage, Luma};
use mend_models::InpaintConfig;

use super::error::{OpenAiError, OpenAiResult};
use super::multipart::Form;
use super::provider_seam::{self, Caller, Route};
use super::request::{EditRequest, ResponseFormat, Upload, parse_size};
use super::response::{ImageData, ImagesResponse, Usage, unix_now};
use crate::imaging::{self, DecodedImage, ImageFormatKind, Limits};
use crate::server::api_v1::hooks::Hooks;
use crate::server::api_v1::pipeline::{LocalJob, OutputSpec, elapsed_ms, run_local};
use crate::server::state::{AppState, blocking};

/// The multipart fields of an edit (documentation only; the handler reads the form itself).
#[derive(Debug, utoipa::ToSchema)]
#[allow(dead_code)]
pub struct EditForm {
    /// The image to edit (PNG, JPEG, WebP, …). `image[]` is accepted too; local models use
    /// the first image.
    #[schema(value_type = String, format = Binary)]
    image: Vec<u8>,
    /// PNG with alpha, same size as the image: fully transparent pixels are edited. Optional
    /// when the image itself has transparent pixels.
    #[schema(value_type = Option<String>, format = Binary)]
    mask: Option<Vec<u8>>,
    /// The prompt (local erase models ignore it).
    prompt: Option<String>,
    /// Model; default: the server's loaded model.
    model: Option<String>,
    /// Number of images, 1–10.
    n: Option<u32>,
    /// `WxH` to resize the result to, or `auto` (the input's size).
    size: Option<String>,
    /// `b64_json` (default) or `url` (needs history).
    response_format: Option<String>,
    /// `png` (default), `jpeg` or `webp`.
    output_format: Option<String>,
    /// JPEG quality, 0–100.
    output_compression: Option<u8>,
    /// `transparent` keeps the image's alpha; `opaque`/`auto` return an opaque image.
    background: Option<String>,
    /// Accepted and recorded; no effect on local models.
    quality: Option<String>,
    /// Accepted and ignored.
    user: Option<String>,
}

/// Edits the transparent area of an image.
#[utoipa::path(
    post,
    path = "/v1/images/edits",
    tag = "openai",
    request_body(content = EditForm, content_type = "multipart/form-data"),
    responses(
        (status = 200, body = ImagesResponse),
        (status = 400, description = "invalid_request_error (missing image or mask, sizes differ, bad n/size/format, model cannot edit)", body = super::error::OpenAiErrorBody),
        (status = 401, description = "API keys are configured and none matched", body = super::error::OpenAiErrorBody),
        (status = 404, description = "model_not_found", body = super::error::OpenAiErrorBody),
        (status = 413, description = "Body or image larger than the limits", body = super::error::OpenAiErrorBody),
        (status = 503, description = "Queue full; see Retry-After", body = super::error::OpenAiErrorBody),
    )
)]
pub async fn edit(
    State(state): State<AppState>,
    req: Request,
) -> OpenAiResult<Json<ImagesResponse>> {
    let started = Instant::now();
    let headers = req.headers().clone();
    let request = Form::read(req, &state).await?.into_edit()?;
    match provider_seam::route(&state, request.model.as_deref()) {
        Route::Local => run_local_edit(&state, &headers, request, started)
            .await
            .map(Json),
        Route::Provider(model) => {
            provider_seam::run_provider_edit(&state, &Caller { headers }, &model, request)
                .await
                .map(Json)
        }
        other => Err(provider_seam::unroutable(&other)
            .unwrap_or_else(|| OpenAiError::invalid("Unroutable model.", Some("model")))),
    }
}

/// The validated output options of a local edit.
#[derive(Debug, Clone, Copy)]
struct Options {
    size: Option<(u32, u32)>,
    format: ImageFormatKind,
    quality: u8,
    transparent: bool,
}

fn options(state: &AppState, req: &EditRequest) -> OpenAiResult<Options> {
    if req
        .extra
        .get("stream")
        .is_some_and(|v| matches!(v.trim(), "true" | "True" | "1"))
    {
        return Err(OpenAiError::invalid(
            "Streaming is not supported by local models; omit 'stream'.",
            Some("stream"),
        ));
    }
    let size = parse_size(req.size.as_deref())?;
    if let Some((w, h)) = size {
        state.limits.check(w, h).map_err(|e| {
            OpenAiError::invalid_code(
                format!("Invalid value for 'size': {e}"),
                Some("size"),
                "invalid_value",
            )
        })?;
    }
    let format = match req.output_format.as_deref().map(str::trim) {
        None | Some("" | "png") => ImageFormatKind::Png,
        Some("jpeg" | "jpg") => ImageFormatKind::Jpeg,
        Some("webp") => ImageFormatKind::Webp,
        Some(other) => {
            return Err(OpenAiError::invalid_code(
                format!(
                    "Invalid value: '{other}'. Supported values are: 'png', 'jpeg' and 'webp'."
                ),
                Some("output_format"),
                "invalid_value",
            ));
        }
    };
    let transparent = match req.background.as_deref().map(str::trim) {
        None | Some("" | "auto" | "opaque") => false,
        Some("transparent") => true,
        Some(other) => {
            return Err(OpenAiError::invalid_code(
                format!(
                    "Invalid value: '{other}'. Supported values are: 'transparent', 'opaque' and 'auto'."
                ),
                Some("background"),
                "invalid_value",
            ));
        }
    };
    if transparent && !format.supports_alpha() {
        return Err(OpenAiError::invalid(
            "Transparent background requires output_format 'png' or 'webp'.",
            Some("background"),
        ));
    }
    let quality = req
        .output_compression
        .map_or(state.config.quality, |q| q.clamp(1, 100));
    Ok(Options {
        size,
        format,
        quality,
        transparent,
    })
}

async fn run_local_edit(
    state: &AppState,
    headers: &HeaderMap,
    mut req: EditRequest,
    started: Instant,
) -> OpenAiResult<ImagesResponse> {
    let opts = options(state, &req)?;
    if req.response_format == ResponseFormat::Url && !state.config.history {
        return Err(OpenAiError::invalid(
            "response_format 'url' needs the server's history (it is disabled with --no-history); use 'b64_json'.",
            Some("response_format"),
        ));
    }
    if req.images.is_empty() {
        return Err(OpenAiError::invalid(
            "Missing required parameter: 'image'.",
            Some("image"),
        ));
    }
    let image = req.images.swap_remove(0);
    let mask = req.mask.take();
    let limits = state.limits;
    let keep_input = state.config.history;
    let (decoded, edit_mask, input_bytes) =
        blocking(move || Ok(decode_edit(&image, mask.as_ref(), limits, keep_input)))
            .await
            .map_err(OpenAiError::from)??;
    let (width, height) = decoded.dimensions();
    let decoded = DecodedImage {
        alpha: if opts.transparent {
            decoded.alpha.map(|mut a| {
                // The edited area is filled in: make it visible.
                for (a, m) in a.pixels_mut().zip(edit_mask.pixels()) {
                    if m.0[0] == 255 {
                        a.0[0] = 255;
                    }
                }
                a
            })
        } else {
            None
        },
        ..decoded
    };
    let job = LocalJob {
        id: None,
        kind: "openai-edit",
        decoded,
        mask: edit_mask,
        input_bytes,
        input_same_as: None,
        config: InpaintConfig::default(),
        settings: settings_json(&req, width, height),
        hooks: Hooks::default(),
        output: OutputSpec {
            format: opts.format,
            size: opts.size,
            quality: opts.quality,
        },
        started,
        decode_ms: elapsed_ms(started),
    };
    let out = run_local(state, job).await?;
    let url = match (&out.history_id, req.response_format) {
        (Some(id), ResponseFormat::Url) => {
            Some(format!("{}/api/v1/history/{id}/output", base_url(headers)))
        }
        _ => None,
    };
    let n = usize::try_from(req.n).unwrap_or(1);
    let data = vec![ImageData::new(req.response_format, &out.bytes, url.as_deref()); n];
    Ok(ImagesResponse {
        created: unix_now(),
        data,
        background: Some(
            if opts.transparent {
                "transparent"
            } else {
                "opaque"
            }
            .to_owned(),
        ),
        output_format: Some(out.format.extension().to_owned()),
        size: Some(format!("{}x{}", out.size.0, out.size.1)),
        usage: Some(Usage::default()),
    })
}

/// What a local edit records with its history entry.
fn settings_json(req: &EditRequest, width: u32, height: u32) -> serde_json::Value {
    serde_json::json!({
        "api": "openai",
        "operation": "edit",
        "prompt": req.prompt,
        "n": req.n,
        "size": req.size,
        "input_size": format!("{width}x{height}"),
        "quality": req.quality,
        "output_format": req.output_format,
        "background": req.background,
        "images_sent": req.images.len() + 1,
    })
}

/// Decodes the image and builds the edit mask (255 = edit) from the mask's alpha or, with no
/// mask, the image's alpha. Errors name the parameter at fault.
fn decode_edit(
    image: &Upload,
    mask: Option<&Upload>,
    limits: Limits,
    keep_input: bool,
) -> OpenAiResult<(DecodedImage, GrayImage, Option<Vec<u8>>)> {
    let decode = |u: &Upload, param: &str| {
        imaging::decode_image(&u.bytes, &limits).map_err(|e| OpenAiError::from(e).with_param(param))
    };
    let (decoded, mask) = match mask {
        Some(mask) => {
            let (decoded, mask) = rayon::join(|| decode(image, "image"), || decode(mask, "mask"));
            (decoded?, Some(mask?))
        }
        None => (decode(image, "image")?, None),
    };
    let (w, h) = decoded.dimensions();
    let edit = match mask {
        Some(mask) => {
            if mask.dimensions() != (w, h) {
                let (mw, mh) = mask.dimensions();
                return Err(OpenAiError::invalid_code(
                    format!(
                        "The mask ({mw}x{mh}) and the image ({w}x{h}) must have the same dimensions."
                    ),
                    Some("mask"),
                    "invalid_mask",
                ));
            }
            let alpha = mask.alpha.ok_or_else(|| {
                OpenAiError::invalid_code(
                    "The mask has no alpha channel: send a PNG whose fully transparent pixels mark the area to edit.",
                    Some("mask"),
                    "invalid_mask",
                )
            })?;
            transparent_pixels(&alpha)
        }
        None => {
            let alpha = decoded.alpha.as_ref().ok_or_else(|| {
                OpenAiError::invalid(
                    "Missing 'mask': send a mask (PNG whose fully transparent pixels mark the area to edit), or an image with transparent pixels.",
                    Some("mask"),
                )
            })?;
            transparent_pixels(alpha)
        }
    };
    let input = keep_input.then(|| image.bytes.to_vec());
    Ok((decoded, edit, input))
}

/// 255 where `alpha` is 0 (fully transparent = edit), 0 elsewhere.
fn transparent_pixels(alpha: &GrayImage) -> GrayImage {
    GrayImage::from_fn(alpha.width(), alpha.height(), |x, y| {
        Luma([if alpha.get_pixel(x, y).0[0] == 0 {
            255
        } else {
            0
        }])
    })
}

/// `scheme://host` of the request (`X-Forwarded-Proto` honoured; relative without `Host`).
fn base_url(headers: &HeaderMap) -> String {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .filter(|v| !v.is_empty())
    };
    let Some(host) = header("host") else {
        return String::new();
    };
    let scheme = match header("x-forwarded-proto") {
        Some("https") => "https",
        _ => "http",
    };
    format!("{scheme}://{host}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_fully_transparent_pixels_are_edited() {
        let alpha = GrayImage::from_raw(4, 1, vec![0, 1, 254, 255]).unwrap();
        assert_eq!(transparent_pixels(&alpha).into_raw(), vec![255, 0, 0, 0]);
    }

    #[test]
    fn base_url_uses_host_and_forwarded_proto() {
        let mut h = HeaderMap::new();
        assert_eq!(base_url(&h), "");
        h.insert("host", "mend.lan:8080".parse().unwrap());
        assert_eq!(base_url(&h), "http://mend.lan:8080");
        h.insert("x-forwarded-proto", "https".parse().unwrap());
        assert_eq!(base_url(&h), "https://mend.lan:8080");
    }
}
