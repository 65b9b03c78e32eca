//! Socket.IO at `/socket.io/` (Engine.IO v4), IOPaint's events: `diffusion_progress`
//! (`{"step": n}`) and `diffusion_finish`, emitted for every inpaint — erase models included —
//! plus mend's own `mend_progress`/`mend_finish`/`mend_error`/`model_switched`,
//! `model_download` (`{model, file, downloaded, total, done}`) and `job_state` (the job record on every state change), all with the job id.
//!
//! Events are forwarded from the engine's [`EventBus`] by one task on the server's runtime
//! (upstream spins a new event loop per emit from worker threads).

use serde_json::json;
use socketioxide::SocketIo;
use socketioxide::extract::SocketRef;
use socketioxide::layer::SocketIoLayer;

use crate::engine::{EngineEvent, EventBus};

/// Progress is reported as IOPaint's "step" out of this many.
pub const PROGRESS_STEPS: u32 = 100;

/// Creates the Socket.IO layer and starts forwarding engine events to all clients.
pub fn layer(events: &EventBus) -> SocketIoLayer {
    // python-engineio's default payload limit, which IOPaint announces in its handshake.
    let (layer, io) = SocketIo::builder().max_payload(1_000_000).build_layer();
    io.ns("/", async |socket: SocketRef| {
        tracing::debug!(sid = %socket.id, "socket.io client connected");
    });
    let mut rx = events.subscribe();
    tokio::spawn(async move {
        loop {
            match rx.recv().await {
                Ok(event) => forward(&io, event).await,
                Err(tokio::sync::broadcast::error::RecvError::Lagged(n)) => {
                    tracing::debug!(skipped = n, "socket.io bridge lagged; old events dropped");
                }
                Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
            }
        }
    });
    layer
}

async fn forward(io: &SocketIo, event: EngineEvent) {
    let sent = match event {
        EngineEvent::Progress { job_id, fraction } => {
            let step = progress_step(fraction);
            let a = io
                .emit("diffusion_progress", &json!({ "step": step }))
                .await;
            let b = io
                .emit(
                    "mend_progress",
                    &json!({ "job_id": job_id, "progress": fraction }),
                )
                .await;
            a.and(b)
        }
        EngineEvent::Finished { job_id } => {
            // IOPaint's event carries no arguments: an empty tuple-like value sends none.
            let a = io.emit("diffusion_finish", &[(); 0]).await;
            let b = io.emit("mend_finish", &json!({ "job_id": job_id })).await;
            a.and(b)
        }
        EngineEvent::Failed { job_id, error } => {
            io.emit("mend_error", &json!({ "job_id": job_id, "error": error }))
                .await
        }
        EngineEvent::JobChanged(job) => io.emit("job_state", &*job).await,
        // Job starts reach clients as `job_state` once the record says `running`.
        EngineEvent::Started { .. } => Ok(()),
        EngineEvent::PluginsChanged { id, change } => {
            io.emit("plugins_changed", &json!({ "id": id, "change": change }))
                .await
        }
        EngineEvent::ModelDownload {
            model,
            file,
            downloaded,
            total,
            done,
        } => {
            io.emit(
                "model_download",
                &json!({
                    "model": model,
                    "file": file,
                    "downloaded": downloaded,
                    "total": total,
                    "done": done,
                }),
            )
            .await
        }
        EngineEvent::ModelSwitched { name } => {
            io.emit("model_switched", &json!({ "name": name })).await
        }
    };
    if let Err(e) = sent {
        tracing::debug!(error = %e, "socket.io emit failed");
    }
}

/// Maps a fraction to IOPaint's 0-based step out of [`PROGRESS_STEPS`], so the UI's
/// `(step + 1) / steps` shows the same percentage.
pub fn progress_step(fraction: f32) -> u32 {
    let steps = PROGRESS_STEPS as f32;
    ((fraction.clamp(0.0, 1.0) * steps).round() as u32).saturating_sub(1)
}
