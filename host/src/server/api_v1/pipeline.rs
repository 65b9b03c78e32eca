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
use crate::engine::EngineEvent;
use crate::imaging::{self, DecodedImage, ImageFormatKind};
use crate::server::state::{AppState, blocking};
use crate::storage::records::{JobState, NewEntry, Timings};
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
    /// Job kind as recorded in the jobs table (`inpaint`, `openai-edit`, …).
    pub kind: &'static str,
    /// The image (its alpha, if any, is carried through to the result).
    pub decoded: DecodedImage,
    /// Binary mask (255 = fill), same size as the image.
    pub mask: GrayImage,
    /// The image as sent, kept for history (`None` when history is off).
    pub input_bytes: Option<Vec<u8>>,
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

/// What a finished local job produced.
#[derive(Debug)]
pub struct LocalOutcome {
    /// The job's id.
    pub job_id: String,
    /// The model that ran.
    pub model: String,
    /// The history entry's id (`None` when history is off).
    pub history_id: Option<String>,
    /// The encoded result.
    pub bytes: Vec<u8>,
    /// Its format.
    pub format: ImageFormatKind,
    /// Its `(width, height)`.
    pub size: (u32, u32),
}

/// Runs `job` on the loaded model as a recorded job: creates the job, runs it, marks it
/// succeeded (emitting `Finished`) or failed/cancelled, and returns the encoded result.
pub async fn run_local(state: &AppState, job: LocalJob) -> Result<LocalOutcome> {
    let id = state.engine.next_job_id();
    let model = state.engine.current_model();
    state
        .jobs
        .create(&id, job.kind, &model, job.decoded.rgb.dimensions())
        .await?;
    let mut guard = state.jobs.guard(&id);
    let outcome = run_job(state, id.clone(), model.clone(), job).await;
    guard.disarm();
    let (bytes, history_id, format, size) = match outcome {
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
    state.jobs.succeed(id.clone(), history_id.clone()).await?;
    state
        .events()
        .send(EngineEvent::Finished { job_id: id.clone() });
    Ok(LocalOutcome {
        job_id: id,
        model,
        history_id,
        bytes,
        format,
        size,
    })
}

type Ran = (Vec<u8>, Option<String>, ImageFormatKind, (u32, u32));

/// Runs the model, encodes the result and records it in history (when enabled).
async fn run_job(state: &AppState, id: String, model: String, job: LocalJob) -> Result<Ran> {
    let LocalJob {
        kind: _,
        decoded,
        mask,
        input_bytes,
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

    let (bytes, extras, size) = blocking(move || {
        let (result, alpha) = match output.size {
            Some((w, h)) if (w, h) != result.dimensions() => (
                image::imageops::resize(&result, w, h, FilterType::Lanczos3),
                alpha.map(|a| image::imageops::resize(&a, w, h, FilterType::Triangle)),
            ),
            _ => (result, alpha),
        };
        let bytes = imaging::encode_image(
            &result,
            alpha.as_ref(),
            output.format,
            &metadata,
            output.quality,
        )?;
        let extras = match mask_for_history {
            Some(mask) => Some((imaging::gray_png(&mask)?, imaging::preview_jpeg(&result)?)),
            None => None,
        };
        Ok((bytes, extras, result.dimensions()))
    })
    .await?;
    let encode_ms = elapsed_ms(started)
        .saturating_sub(decode_ms)
        .saturating_sub(model_ms);

    let (Some((mask_png, thumbnail_jpeg)), Some(input)) = (extras, input_bytes) else {
        return Ok((bytes, None, output.format, size));
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
    Ok((bytes, Some(entry.id), output.format, size))
}

/// Milliseconds since `since`, saturating.
pub fn elapsed_ms(since: Instant) -> u64 {
    u64::try_from(since.elapsed().as_millis()).unwrap_or(u64::MAX)
}
