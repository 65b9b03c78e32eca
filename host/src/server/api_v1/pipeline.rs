//! The local inpaint pipeline shared by every route that runs a local model
//! (`POST /api/v1/inpaint`, `POST /v1/images/edits`): job record → plugin hooks → engine queue
//! → optional resize → encode → history → job succeeded/failed + Socket.IO `Finished`.
//!
//! Routes decode and validate their own input (IOPaint's base64 JSON, OpenAI's multipart) and
//! hand a [`LocalJob`] here; what comes back is the encoded result and the ids to report.

use std::time::Instant;

use image::GrayImage;
use image::imageops::FilterType;
use mend_models::InpaintConfig;

use super::hooks::Hooks;
use crate::engine::{EngineEvent, JobId};
use crate::imaging::{self, DecodedImage, ImageFormatKind};
use crate::server::state::{AppState, blocking};
use crate::storage::records::{FileKind, JobState, NewEntry, Timings};
use crate::{Error, Result};

/// How the result is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutputSpec {
    /// Encoded format.
    pub format: ImageFormatKind,
    /// Resize the result to `(width, height)` before encoding (`None` = the input's size).
    pub size: Option<(u32, u32)>,
    /// JPEG quality (1–100).
    pub quality: u8,
}

/// A decoded, validated request, ready to run on the loaded local model.
pub struct LocalJob {
    /// The job's id when the client chose it (`X-Job-Id`, so it can cancel before the answer
    /// arrives); `None` allocates a new one.
    pub id: Option<JobId>,
    /// Job kind as recorded in the jobs table (`inpaint`, `openai-edit`, …).
    pub kind: &'static str,
    /// The image (its alpha, if any, is carried through to the result).
    pub decoded: DecodedImage,
    /// Binary mask (255 = fill), same size as the image.
    pub mask: GrayImage,
    /// The image as sent, kept for history (`None` when history is off).
    pub input_bytes: Option<Vec<u8>>,
    /// A stored history file holding exactly `input_bytes` (relative to the data dir), linked
    /// instead of written again (see [`NewEntry::input_same_as`]).
    pub input_same_as: Option<String>,
    /// Model settings.
    pub config: InpaintConfig,
    /// The request fields that shaped the result, kept with the history entry.
    pub settings: serde_json::Value,
    /// Plugin hooks to run around the model.
    pub hooks: Hooks,
    /// How to encode the result.
    pub output: OutputSpec,
    /// When the request started (for timings).
    pub started: Instant,
    /// Milliseconds the route spent decoding (recorded in the history timings).
    pub decode_ms: u64,
}

/// The history files of a recorded job, relative to the data dir.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredPaths {
    /// The input as sent.
    pub input: String,
    /// The encoded result.
    pub output: String,
}

/// What a finished local job produced.
#[derive(Debug)]
pub struct LocalOutcome {
    /// The job's id.
    pub job_id: String,
    /// The model that ran.
    pub model: String,
    /// The history entry's id (`None` when history is off).
    pub history_id: Option<String>,
    /// Where history stored the input and the result (`None` when history is off): a later
    /// edit of either image names its file as [`LocalJob::input_same_as`].
    pub stored: Option<StoredPaths>,
    /// The encoded result.
    pub bytes: Vec<u8>,
    /// Its format.
    pub format: ImageFormatKind,
    /// Its `(width, height)`.
    pub size: (u32, u32),
    /// The result's pixels exactly as encoded (alpha and metadata included), so a route can
    /// keep them for the next edit without decoding `bytes` again.
    pub pixels: DecodedImage,
}

/// Runs `job` on the loaded model as a recorded job: creates the job, runs it, marks it
/// succeeded (emitting `Finished`) or failed/cancelled, and returns the encoded result.
pub async fn run_local(state: &AppState, job: LocalJob) -> Result<LocalOutcome> {
    let id = job.id.clone().unwrap_or_else(|| state.engine.next_job_id());
    let model = state.engine.current_model();
    state
        .jobs
        .create(&id, job.kind, &model, job.decoded.rgb.dimensions())
        .await?;
    let mut guard = state.jobs.guard(&id);
    let outcome = run_job(state, id.clone(), model.clone(), job).await;
    guard.disarm();
    let (bytes, recorded, pixels) = match outcome {
        Ok(done) => done,
        Err(e) => {
            let to = if matches!(e, Error::Model(mend_models::Error::Cancelled)) {
                JobState::Cancelled
            } else {
                JobState::Failed
            };
            state
                .jobs
                .transition(id, to, Some(e.to_string()), None)
                .await?;
            return Err(e);
        }
    };
    let (history_id, stored) = recorded.unzip();
    state.jobs.succeed(id.clone(), history_id.clone()).await?;
    state
        .events()
        .send(EngineEvent::Finished { job_id: id.clone() });
    Ok(LocalOutcome {
        job_id: id,
        model,
        history_id,
        stored,
        bytes,
        format: pixels.format,
        size: pixels.dimensions(),
        pixels,
    })
}

/// The encoded result, its history id and files, and its pixels.
type Ran = (Vec<u8>, Option<(String, StoredPaths)>, DecodedImage);

/// Runs the model, encodes the result and records it in history (when enabled).
async fn run_job(state: &AppState, id: String, model: String, job: LocalJob) -> Result<Ran> {
    let LocalJob {
        id: _,
        kind: _,
        decoded,
        mask,
        input_bytes,
        input_same_as,
        config,
        settings,
        hooks,
        output,
        started,
        decode_ms,
    } = job;
    let DecodedImage {
        rgb,
        alpha,
        format: input_format,
        metadata,
    } = decoded;
    let (width, height) = rgb.dimensions();
    let (rgb, alpha, mask) = hooks.before(&state.plugins, rgb, alpha, mask).await?;
    let mask_for_history = input_bytes.is_some().then(|| mask.clone());
    let result = state.engine.inpaint(id.clone(), rgb, mask, config).await?;
    let (result, alpha) = hooks.after(&state.plugins, result, alpha).await?;
    let model_ms = elapsed_ms(started).saturating_sub(decode_ms);

    let (bytes, extras, pixels) = blocking(move || {
        let (result, alpha) = match output.size {
            Some((w, h)) if (w, h) != result.dimensions() => (
                image::imageops::resize(&result, w, h, FilterType::Lanczos3),
                alpha.map(|a| image::imageops::resize(&a, w, h, FilterType::Triangle)),
            ),
            _ => (result, alpha),
        };
        // The result and the history's mask and preview are encoded side by side: on a
        // 12-megapixel photo each takes tens of milliseconds.
        let (bytes, extras) = rayon::join(
            || {
                imaging::encode_image(
                    &result,
                    alpha.as_ref(),
                    output.format,
                    &metadata,
                    output.quality,
                )
            },
            || {
                mask_for_history
                    .map(|mask| {
                        Ok::<_, Error>((imaging::gray_png(&mask)?, imaging::preview_jpeg(&result)?))
                    })
                    .transpose()
            },
        );
        let (bytes, extras) = (bytes?, extras?);
        let pixels = DecodedImage {
            rgb: result,
            alpha,
            format: output.format,
            metadata,
        };
        Ok((bytes, extras, pixels))
    })
    .await?;
    let encode_ms = elapsed_ms(started)
        .saturating_sub(decode_ms)
        .saturating_sub(model_ms);

    let (Some((mask_png, thumbnail_jpeg)), Some(input)) = (extras, input_bytes) else {
        return Ok((bytes, None, pixels));
    };
    let entry = NewEntry {
        id,
        model,
        width,
        height,
        settings,
        timings: Timings {
            decode_ms,
            model_ms,
            encode_ms,
            total_ms: elapsed_ms(started),
        },
        input: (input, input_format.extension(), input_format.mime()),
        input_same_as,
        mask_png,
        output: (
            bytes.clone(),
            output.format.extension(),
            output.format.mime(),
        ),
        thumbnail_jpeg,
    };
    let store = state.jobs.store().clone();
    let entry = blocking(move || store.record_history(entry)).await?;
    tracing::debug!(
        job = %entry.id,
        decode_ms,
        model_ms,
        encode_ms,
        total_ms = elapsed_ms(started),
        "inpaint recorded"
    );
    let stored = StoredPaths {
        input: entry.file_path(FileKind::Input),
        output: entry.file_path(FileKind::Output),
    };
    Ok((bytes, Some((entry.id, stored)), pixels))
}

/// How far a client-chosen id's clock may be from the server's (ms).
const MAX_CLIENT_ID_SKEW_MS: i64 = 24 * 3600 * 1000;

/// The job id a client chose in the `X-Job-Id` header (`None` when absent). The id is also the
/// history entry's id, and history lists by id, so it must be a canonical (lower-case,
/// hyphenated) UUID v7 whose time is within a day of the server's clock; anything else is a
/// 422 before any work is done. A taken id is refused later, with 409, when the job is created.
pub fn client_job_id(headers: &axum::http::HeaderMap) -> Result<Option<JobId>> {
    let Some(value) = headers.get("x-job-id") else {
        return Ok(None);
    };
    let id = value.to_str().unwrap_or_default();
    let invalid = || {
        Error::BadRequest(format!(
            "`X-Job-Id` must be a lower-case UUID v7 made from the current time, got `{id}`"
        ))
    };
    let uuid = uuid::Uuid::try_parse(id).map_err(|_| invalid())?;
    let mut buf = uuid::Uuid::encode_buffer();
    if uuid.hyphenated().encode_lower(&mut buf) != id {
        return Err(invalid());
    }
    let (secs, _) = uuid
        .get_timestamp()
        .filter(|_| uuid.get_version_num() == 7)
        .ok_or_else(invalid)?
        .to_unix();
    let skew = i64::try_from(secs)
        .unwrap_or(i64::MAX)
        .saturating_mul(1000)
        .saturating_sub(crate::storage::records::now_ms());
    if skew.abs() > MAX_CLIENT_ID_SKEW_MS {
        return Err(invalid());
    }
    Ok(Some(id.to_owned()))
}

/// Milliseconds since `since`, saturating.
pub fn elapsed_ms(since: Instant) -> u64 {
    u64::try_from(since.elapsed().as_millis()).unwrap_or(u64::MAX)
}
