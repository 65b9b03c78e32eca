//! `POST /api/v1/edit`: mend's binary inpaint for its editor. The same edit as IOPaint's
//! `POST /api/v1/inpaint` (same settings, same pipeline, same answer), but as
//! `multipart/form-data` with the image and mask as files, no base64 and no JSON around them.
//!
//! The image can also be named by the SHA-256 of its bytes (`image_sha256`) when the server
//! already has it: every image uploaded here and every lossless result is kept in the
//! [`ImageCache`](crate::server::image_cache::ImageCache), so an editor sends an image once and
//! then only masks. A name the cache does not hold answers 412 and the client uploads again.
//! The client may choose the job id (`X-Job-Id`) so it can cancel before the answer arrives.
//!
//! With `crop=changed` the answer is only the rectangle of the result that differs from the
//! input (PNG, its place in `X-Crop`), so an editor that already shows the input decodes and
//! draws a few kilobytes instead of the whole picture; the whole result is still encoded,
//! kept for the next stroke (`X-Image-Sha256`) and recorded in history (`X-History-Id`), where
//! the client fetches its bytes when it needs them. Without history, when the result is
//! written in a lossy format or when the rectangle is not opaque, the whole result is
//! answered as usual (no `X-Crop`).

use std::sync::OnceLock;
use std::time::Instant;

use axum::extract::{FromRequest, Multipart, Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode};
use axum::response::Response;
use bytes::Bytes;
use serde::Deserialize;
use utoipa::ToSchema;

use image::{GrayImage, RgbImage};

use crate::imaging::{self, DecodedImage, ImageFormatKind, ImageMetadata};
use crate::server::api_v1::hooks::Hooks;
use crate::server::api_v1::inpaint::{
    check_mask, effective_seed, image_response, model_config, settings_json,
};
use crate::server::api_v1::pipeline::{
    LocalJob, LocalOutcome, OutputSpec, client_job_id, elapsed_ms, run_local,
};
use crate::server::api_v1::schema::InpaintRequest;
use crate::server::error::{ApiError, ApiResult};
use crate::server::image_cache::{CachedImage, ImageCache};
use crate::server::state::{AppState, blocking};
use crate::{Error, Result};

/// The form of `POST /api/v1/edit` (documentation only; the route reads the parts itself;
/// named apart from the OpenAI route's `EditForm`, which would otherwise replace it in the
/// OpenAPI document).
#[derive(Debug, Deserialize, ToSchema)]
pub struct MendEditForm {
    /// The image file (PNG, JPEG, WebP, BMP, TIFF, GIF). Required unless `image_sha256` names
    /// an image the server holds.
    #[schema(value_type = Option<String>, format = Binary)]
    pub image: Option<String>,
    /// SHA-256 (hex) of an image sent before or of a result (`X-Image-Sha256`).
    pub image_sha256: Option<String>,
    /// The mask file, same size as the image; luminance > 127 = area to fill. A one-channel
    /// PNG is smallest.
    #[schema(value_type = String, format = Binary)]
    pub mask: String,
    /// The other fields of IOPaint's `InpaintRequest` as JSON (`image` and `mask` not allowed
    /// there); defaults when absent.
    pub settings: Option<String>,
    /// `changed`: answer only the rectangle of the result whose pixels differ from the input,
    /// as a PNG, with its place in the `X-Crop` header (`x,y,width,height`, pixels of the
    /// whole result; a 1×1 rectangle at 0,0 when nothing changed). Pixels outside it equal
    /// the input's. Honoured when history is on (the whole result is then at
    /// `GET /api/v1/history/{X-History-Id}/output`), the result is written losslessly (PNG,
    /// WebP, BMP, TIFF) and the rectangle is opaque (a client draws it over the input);
    /// otherwise the whole result is answered, without `X-Crop`.
    pub crop: Option<String>,
}

/// Inpaints the masked area; the editor's binary alternative to `POST /api/v1/inpaint`.
#[utoipa::path(
    post,
    path = "/api/v1/edit",
    tag = "mend",
    request_body(content = MendEditForm, content_type = "multipart/form-data"),
    params(("X-Job-Id" = Option<String>, Header, description = "The job (and history) id to use, a lower-case UUID v7 of the current time, so the client can cancel with `DELETE /api/v1/jobs/{id}` before the answer arrives; 409 if taken")),
    responses(
        (status = 200, description = "The result, encoded like the input; headers `X-Seed`, `X-Job-Id`, `X-History-Id`, `X-Input-Sha256` (the image was kept) and `X-Image-Sha256` (the result was kept: send it as `image_sha256` next time). With `crop=changed` (when honoured): only the changed rectangle of the result as PNG, placed by `X-Crop: x,y,width,height`; the other headers still describe the whole result", content_type = "image/png"),
        (status = 400, description = "Undecodable image, malformed form or size mismatch", body = crate::server::error::ErrorBody),
        (status = 409, description = "The job id is taken", body = crate::server::error::ErrorBody),
        (status = 412, description = "`image_sha256` names no image the server holds: send the image", body = crate::server::error::ErrorBody),
        (status = 413, description = "Body or image larger than the limits", body = crate::server::error::ErrorBody),
        (status = 422, description = "Invalid field", body = crate::server::error::ErrorBody),
        (status = 503, description = "Queue full; see Retry-After", body = crate::server::error::ErrorBody),
    )
)]
pub async fn edit(State(state): State<AppState>, request: Request) -> ApiResult<Response> {
    let started = Instant::now();
    let id = client_job_id(request.headers())?;
    let form = EditParts::read(request, &state).await?;
    let req = form.settings()?;
    let config = model_config(&req)?;
    let settings = settings_json(&req);
    let seed = effective_seed(req.sd_seed);
    let hooks = Hooks::resolve(&state.plugins, &req.plugins)?;
    let crop = form.crop()?;

    let (limits, keep_input, cache) = (state.limits, state.config.history, state.images.clone());
    let source = match (form.image, form.image_sha256) {
        (Some(bytes), _) => Source::Upload(bytes),
        (None, Some(key)) => Source::Cached(
            cache
                .get(&key)
                .ok_or_else(|| ApiError::from(Error::ImageNotCached(key)))?,
        ),
        (None, None) => {
            return Err(Error::BadRequest(
                "send the image as the file part `image`, or name a kept one in `image_sha256`"
                    .into(),
            )
            .into());
        }
    };
    let mask_bytes = form.mask;
    let (decoded, mask, input_bytes, input_key) = blocking(move || {
        let (image, mask) = rayon::join(
            || match source {
                Source::Upload(bytes) => {
                    let bytes = bytes.to_vec();
                    let decoded = imaging::decode_image(&bytes, &limits)?;
                    let key = ImageCache::key(&bytes);
                    cache.insert(
                        key.clone(),
                        CachedImage {
                            decoded: decoded.clone(),
                            bytes: bytes.clone(),
                            stored_at: OnceLock::new(),
                        },
                    );
                    let input = keep_input.then_some((bytes, None));
                    Ok::<_, Error>((decoded, input, Some(key)))
                }
                Source::Cached(kept) => Ok((
                    kept.decoded.clone(),
                    keep_input.then(|| (kept.bytes.clone(), kept.stored_at.get().cloned())),
                    None,
                )),
            },
            || imaging::decode_mask(&mask_bytes, &limits),
        );
        let ((decoded, input, key), mut mask) = (image?, mask?);
        check_mask(decoded.rgb.dimensions(), &mut mask)?;
        Ok((decoded, mask, input, key))
    })
    .await?;
    // What the result is compared with for `crop=changed`.
    let before = (crop && keep_input && lossless(decoded.format))
        .then(|| (decoded.rgb.clone(), decoded.alpha.clone()));
    let format = decoded.format;
    let (input_bytes, input_same_as) = input_bytes.unzip();
    let job = LocalJob {
        id,
        kind: "inpaint",
        decoded,
        mask,
        input_bytes,
        input_same_as: input_same_as.flatten(),
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
        stored,
        bytes,
        pixels,
        ..
    } = run_local(&state, job).await?;
    let (input_path, output_path) = stored.map(|s| (s.input, s.output)).unzip();
    // An upload's bytes are now in history too: the next edit of it links that file.
    if let (Some(key), Some(path)) = (&input_key, input_path)
        && let Some(kept) = state.images.get(key)
    {
        // Already set when an earlier edit recorded the same bytes; either file will do.
        let _ = kept.stored_at.set(path);
    }
    // `crop=changed`: the rectangle that differs from the input, encoded on its own, while the
    // whole result's key is hashed (both scan the whole picture).
    let before = before.filter(|_| history_id.is_some());
    let hash = lossless(format);
    let (pixels, bytes, cropped, key) = blocking(move || {
        let (cropped, key) = rayon::join(
            || before.map(|b| changed_crop(&b, &pixels)).transpose(),
            || hash.then(|| ImageCache::key(&bytes)),
        );
        Ok((pixels, bytes, cropped?.flatten(), key))
    })
    .await?;
    let (body_format, crop_header, body, whole) = match cropped {
        Some((rect, png)) => (ImageFormatKind::Png, Some(rect), png, Some(bytes)),
        None => (format, None, bytes, None),
    };
    // A lossless result decodes to exactly these pixels: keep them for the next stroke.
    let result_key = key.inspect(|key| {
        let bytes = whole.unwrap_or_else(|| body.clone());
        state.images.insert(
            key.clone(),
            CachedImage {
                decoded: pixels,
                bytes,
                stored_at: output_path.map(OnceLock::from).unwrap_or_default(),
            },
        );
    });
    let mut response = image_response(body_format, seed, &job_id, history_id.as_deref(), body);
    for (name, key) in [
        ("x-input-sha256", input_key),
        ("x-image-sha256", result_key),
        ("x-crop", crop_header),
    ] {
        if let Some(Ok(v)) = key.as_deref().map(HeaderValue::from_str) {
            response
                .headers_mut()
                .insert(HeaderName::from_static(name), v);
        }
    }
    Ok(response)
}

/// Where the image comes from.
enum Source {
    /// Sent in this request.
    Upload(Bytes),
    /// Kept from an earlier request.
    Cached(std::sync::Arc<CachedImage>),
}

/// The rectangle `(x, y, width, height)` of `after` whose pixels (colour and alpha) differ
/// from `before`, as `x,y,width,height`, and that rectangle of `after` as PNG. `None` when the
/// sizes or the presence of alpha differ, or the rectangle is not opaque (the caller then
/// answers the whole result).
fn changed_crop(
    before: &(RgbImage, Option<GrayImage>),
    after: &DecodedImage,
) -> Result<Option<(String, Vec<u8>)>> {
    let (rgb, alpha) = before;
    if rgb.dimensions() != after.rgb.dimensions() || alpha.is_some() != after.alpha.is_some() {
        return Ok(None);
    }
    let w = rgb.width();
    let rect = [
        changed_rect(rgb.as_raw(), after.rgb.as_raw(), w, 3),
        match (alpha, &after.alpha) {
            (Some(a), Some(b)) => changed_rect(a.as_raw(), b.as_raw(), w, 1),
            _ => None,
        },
    ]
    .into_iter()
    .flatten()
    .reduce(|a, b| (a.0.min(b.0), a.1.min(b.1), a.2.max(b.2), a.3.max(b.3)));
    // Nothing changed: one unchanged pixel (an empty PNG does not exist).
    let (x0, y0, x1, y1) = rect.unwrap_or((0, 0, 1, 1));
    let (cw, ch) = (x1 - x0, y1 - y0);
    let crop_rgb = image::imageops::crop_imm(&after.rgb, x0, y0, cw, ch).to_image();
    let crop_alpha = after
        .alpha
        .as_ref()
        .map(|a| image::imageops::crop_imm(a, x0, y0, cw, ch).to_image());
    // A client draws the rectangle over the input: that shows the result only where it is
    // opaque.
    if crop_alpha
        .as_ref()
        .is_some_and(|a| a.iter().any(|&v| v < 255))
    {
        return Ok(None);
    }
    let png = imaging::encode_png(
        &crop_rgb,
        crop_alpha.as_ref(),
        &ImageMetadata::default(),
        imaging::PngCompression::Fast,
    )?;
    Ok(Some((format!("{x0},{y0},{cw},{ch}"), png)))
}

/// The bounding box `[x0, x1) × [y0, y1)` of the pixels that differ between two images of
/// `width` pixels of `channels` bytes each, row-major; `None` when they are equal.
fn changed_rect(a: &[u8], b: &[u8], width: u32, channels: usize) -> Option<(u32, u32, u32, u32)> {
    let stride = usize::try_from(width).ok()?.checked_mul(channels)?;
    if stride == 0 {
        return None;
    }
    let (mut x0, mut y0, mut x1, mut y1) = (usize::MAX, usize::MAX, 0, 0);
    for (y, (ra, rb)) in a
        .chunks_exact(stride)
        .zip(b.chunks_exact(stride))
        .enumerate()
    {
        if ra == rb {
            continue;
        }
        let first = ra.iter().zip(rb).position(|(p, q)| p != q).unwrap_or(0);
        let last = ra
            .iter()
            .zip(rb)
            .rposition(|(p, q)| p != q)
            .unwrap_or(first);
        x0 = x0.min(first / channels);
        x1 = x1.max(last / channels + 1);
        y0 = y0.min(y);
        y1 = y + 1;
    }
    let to = |v: usize| u32::try_from(v).ok();
    (y0 != usize::MAX).then_some(())?;
    Some((to(x0)?, to(y0)?, to(x1)?, to(y1)?))
}

/// Formats mend writes losslessly (decoding the answer gives the result's pixels back).
fn lossless(format: ImageFormatKind) -> bool {
    matches!(
        format,
        ImageFormatKind::Png | ImageFormatKind::Webp | ImageFormatKind::Bmp | ImageFormatKind::Tiff
    )
}

/// The parts of the form, read under the body limit.
#[derive(Debug, Default)]
struct EditParts {
    image: Option<Bytes>,
    image_sha256: Option<String>,
    mask: Bytes,
    settings: Option<String>,
    crop: Option<String>,
}

impl EditParts {
    async fn read(request: Request, state: &AppState) -> Result<Self, ApiError> {
        let mut multipart = Multipart::from_request(request, state).await.map_err(|e| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "BadRequest",
                format!("expected a multipart/form-data body: {}", e.body_text()),
            )
        })?;
        let mut form = Self::default();
        let mut mask = None;
        loop {
            let field = match multipart.next_field().await {
                Ok(Some(field)) => field,
                Ok(None) => break,
                Err(e) => return Err(multipart_error(e.status(), &e.body_text())),
            };
            let name = field.name().unwrap_or_default().to_owned();
            let data = field
                .bytes()
                .await
                .map_err(|e| multipart_error(e.status(), &e.body_text()))?;
            match name.as_str() {
                "image" => form.image = Some(data),
                "mask" => mask = Some(data),
                "image_sha256" => form.image_sha256 = Some(text(&name, &data)?),
                "settings" => form.settings = Some(text(&name, &data)?),
                "crop" => form.crop = Some(text(&name, &data)?),
                other => {
                    return Err(Error::BadRequest(format!("unknown form field `{other}`")).into());
                }
            }
        }
        form.mask = mask.ok_or_else(|| Error::BadRequest("field `mask` is required".into()))?;
        Ok(form)
    }

    /// Whether the client asked for only the changed rectangle (`crop=changed`).
    fn crop(&self) -> Result<bool> {
        match self.crop.as_deref() {
            None | Some("") | Some("none") => Ok(false),
            Some("changed") => Ok(true),
            Some(other) => Err(Error::BadRequest(format!(
                "`crop` must be `changed` or `none`, got `{other}`"
            ))),
        }
    }

    /// The settings as IOPaint's request (defaults when absent).
    fn settings(&self) -> Result<InpaintRequest> {
        let Some(json) = self.settings.as_deref() else {
            return Ok(InpaintRequest::default());
        };
        let req: InpaintRequest = serde_json::from_str(json)
            .map_err(|e| Error::BadRequest(format!("`settings` is not a valid request: {e}")))?;
        if req.image.is_some() || req.mask.is_some() {
            return Err(Error::BadRequest(
                "send `image` and `mask` as file parts, not inside `settings`".into(),
            ));
        }
        Ok(req)
    }
}

fn text(name: &str, data: &Bytes) -> Result<String> {
    String::from_utf8(data.to_vec())
        .map_err(|_| Error::BadRequest(format!("field `{name}` is not UTF-8 text")))
}

/// A multipart read error: 413 over the body limit, 400 for malformed bodies.
fn multipart_error(status: StatusCode, text: &str) -> ApiError {
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::new(
            status,
            "PayloadTooLarge",
            "request body is larger than the server's limit (--max-body-bytes)",
        )
    } else {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "BadRequest",
            format!("malformed multipart body: {text}"),
        )
    }
}
