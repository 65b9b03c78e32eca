//! The worker thread: owns the model, takes jobs from the queue one at a time.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use mend_models::{InpaintModel, Progress};
use tokio::sync::mpsc;

use super::{EngineEvent, EventBus, Job, Shared, Work, factory};
use crate::{Error, Result};

/// Name of the worker thread.
const THREAD_NAME: &str = "mend-engine";

/// Whether the calling thread is an engine worker.
pub(super) fn on_worker_thread() -> bool {
    std::thread::current().name() == Some(THREAD_NAME)
}

/// Starts the worker thread.
pub(super) fn spawn(
    model: Box<dyn InpaintModel>,
    rx: mpsc::Receiver<Job>,
    shared: Arc<Shared>,
    events: EventBus,
) -> Result<()> {
    std::thread::Builder::new()
        .name(THREAD_NAME.to_owned())
        .spawn(move || run(model, rx, &shared, &events))
        .map(|_| ())
        .map_err(|e| Error::io("starting the engine thread", e))
}

fn run(
    mut model: Box<dyn InpaintModel>,
    mut rx: mpsc::Receiver<Job>,
    shared: &Shared,
    events: &EventBus,
) {
    while let Some(job) = rx.blocking_recv() {
        match job.work {
            Work::Inpaint {
                image,
                mask,
                config,
                reply,
            } => {
                let result = if job.cancel.load(Ordering::Relaxed) || reply.is_closed() {
                    Err(Error::Model(mend_models::Error::Cancelled))
                } else {
                    events.send(EngineEvent::Started {
                        job_id: job.id.clone(),
                    });
                    let progress = JobProgress {
                        id: &job.id,
                        cancel: &job.cancel,
                        events,
                    };
                    // A panicking model must fail its job, not the engine.
                    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        model.inpaint(&image, &mask, &config, &progress)
                    }))
                    .unwrap_or_else(|_| {
                        tracing::error!(job = job.id, "model panicked");
                        Err(mend_models::Error::InvalidParameter {
                            name: "model",
                            reason: "the model failed unexpectedly".to_owned(),
                        })
                    })
                    .map_err(Error::from)
                };
                if let Err(e) = &result {
                    events.send(EngineEvent::Failed {
                        job_id: job.id.clone(),
                        error: e.to_string(),
                    });
                }
                shared.finish(&job.id);
                // Done before replying, so a caller that got its answer sees the count drop.
                shared.queued.fetch_sub(1, Ordering::Relaxed);
                // The requester may have gone away; nothing to do then.
                let _ = reply.send(result);
            }
            Work::SwitchModel { source, reply } => {
                shared.finish(&job.id);
                let name = source.name.clone();
                // A panicking loader must fail the switch, not the engine.
                let created = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    factory::create_from(&source, shared.device.compute())
                }))
                .unwrap_or_else(|_| {
                    tracing::error!(model = %name, "model loader panicked");
                    Err(Error::ModelUnavailable {
                        name: name.clone(),
                        reason: "loading it failed unexpectedly".to_owned(),
                    })
                });
                let result = created.map(|new_model| {
                    model = new_model;
                    shared.set_model(&name, source.plugin());
                    tracing::info!(model = %name, "switched model");
                    events.send(EngineEvent::ModelSwitched { name: name.clone() });
                });
                shared.queued.fetch_sub(1, Ordering::Relaxed);
                let _ = reply.send(result);
            }
        }
    }
    tracing::debug!("engine queue closed; worker exits");
}

/// Forwards model progress to the event bus and reports cancellation back.
struct JobProgress<'a> {
    id: &'a str,
    cancel: &'a AtomicBool,
    events: &'a EventBus,
}

impl Progress for JobProgress<'_> {
    fn report(&self, fraction: f32) -> bool {
        self.events.send(EngineEvent::Progress {
            job_id: self.id.to_owned(),
            fraction: fraction.clamp(0.0, 1.0),
        });
        !self.cancel.load(Ordering::Relaxed)
    }
}
