//! The inpaint engine: one worker thread owns the loaded model (and, with burn, the device);
//! every inpaint and model switch goes through one bounded queue, so model work is serialised
//! by construction. A full queue is refused immediately ([`crate::Error::QueueFull`]) instead of
//! growing without bound.
//!
//! Decoding and encoding are not done here: request handlers do them on tokio's blocking pool
//! in parallel, and only the model step waits for the worker.

pub mod events;
pub mod factory;
mod worker;

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, RwLock};

use image::{GrayImage, RgbImage};
use mend_models::InpaintConfig;
use tokio::sync::{mpsc, oneshot};

pub use events::{EngineEvent, EventBus};

use crate::config::Device;
use crate::{Error, Result};

/// Identifies one job for progress events.
pub type JobId = u64;

/// A unit of work for the worker.
enum Work {
    Inpaint {
        image: RgbImage,
        mask: GrayImage,
        config: Box<InpaintConfig>,
        reply: oneshot::Sender<Result<RgbImage>>,
    },
    SwitchModel {
        name: String,
        reply: oneshot::Sender<Result<()>>,
    },
}

/// A queued job: its id, its work and a flag that cancels it.
struct Job {
    id: JobId,
    work: Work,
    cancel: Arc<AtomicBool>,
}

/// Shared, lock-light state readable from any request.
#[derive(Debug)]
struct Shared {
    model: RwLock<String>,
    device: ResolvedDevice,
    queue_depth: usize,
    queued: AtomicUsize,
    next_id: AtomicU64,
}

/// The device the engine actually uses, after probing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ResolvedDevice {
    /// The CPU.
    Cpu,
}

impl ResolvedDevice {
    /// Chooses the device for `requested`. The classical `cv2` model is CPU-only (as in IOPaint);
    /// GPU backends arrive with the burn model runtime, so `auto` and `gpu` resolve to the CPU
    /// here, with a log line saying so.
    pub fn resolve(requested: Device) -> Self {
        match requested {
            Device::Cpu => {}
            Device::Auto => tracing::info!("no GPU backend in this build; using the CPU"),
            Device::Gpu => tracing::warn!(
                "--device gpu: this build has no GPU backend yet; cv2 runs on the CPU"
            ),
        }
        Self::Cpu
    }

    /// The device's name as reported by `mend list` and server-config.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Cpu => "cpu",
        }
    }
}

/// Handle to the engine; cheap to clone.
#[derive(Clone)]
pub struct Engine {
    tx: mpsc::Sender<Job>,
    shared: Arc<Shared>,
    events: EventBus,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine").field("shared", &self.shared).finish()
    }
}

impl Engine {
    /// Loads `model` and starts the worker thread. Fails if the model cannot be created.
    pub fn start(
        model: &str,
        device: Device,
        queue_depth: usize,
        events: EventBus,
    ) -> Result<Self> {
        let device = ResolvedDevice::resolve(device);
        let loaded = factory::create(model)?;
        let (tx, rx) = mpsc::channel(queue_depth.max(1));
        let shared = Arc::new(Shared {
            model: RwLock::new(model.to_owned()),
            device,
            queue_depth: queue_depth.max(1),
            queued: AtomicUsize::new(0),
            next_id: AtomicU64::new(1),
        });
        worker::spawn(loaded, rx, Arc::clone(&shared), events.clone())?;
        Ok(Self { tx, shared, events })
    }

    /// The name of the model currently loaded (or being switched to, once the switch succeeded).
    pub fn current_model(&self) -> String {
        self.shared
            .model
            .read()
            .map(|m| m.clone())
            .unwrap_or_else(|poisoned| poisoned.into_inner().clone())
    }

    /// The device in use.
    pub fn device(&self) -> ResolvedDevice {
        self.shared.device
    }

    /// Jobs waiting or running right now.
    pub fn queued(&self) -> usize {
        self.shared.queued.load(Ordering::Relaxed)
    }

    /// The event bus the engine reports progress on.
    pub fn events(&self) -> &EventBus {
        &self.events
    }

    /// Allocates a job id (also used by callers that report their own events).
    pub fn next_job_id(&self) -> JobId {
        self.shared.next_id.fetch_add(1, Ordering::Relaxed)
    }

    /// Runs an inpaint on the worker. Dropping the returned future (e.g. the client went away)
    /// cancels the job at the model's next progress point.
    pub async fn inpaint(
        &self,
        id: JobId,
        image: RgbImage,
        mask: GrayImage,
        config: InpaintConfig,
    ) -> Result<RgbImage> {
        let (reply, rx) = oneshot::channel();
        let work = Work::Inpaint {
            image,
            mask,
            config: Box::new(config),
            reply,
        };
        self.submit(id, work, rx).await
    }

    /// Switches the loaded model after the jobs already queued have run.
    pub async fn switch_model(&self, name: &str) -> Result<()> {
        // Validate before queueing so an unknown name is a client error, not a queued job.
        factory::check_available(name)?;
        let (reply, rx) = oneshot::channel();
        let id = self.next_job_id();
        let work = Work::SwitchModel {
            name: name.to_owned(),
            reply,
        };
        self.submit(id, work, rx).await
    }

    async fn submit<T>(&self, id: JobId, work: Work, rx: oneshot::Receiver<Result<T>>) -> Result<T> {
        let cancel = Arc::new(AtomicBool::new(false));
        let mut guard = CancelOnDrop {
            flag: Arc::clone(&cancel),
            armed: true,
        };
        let job = Job { id, work, cancel };
        // Count first: the worker may finish the job before `try_send` returns.
        self.shared.queued.fetch_add(1, Ordering::Relaxed);
        if let Err(e) = self.tx.try_send(job) {
            self.shared.queued.fetch_sub(1, Ordering::Relaxed);
            return Err(match e {
                mpsc::error::TrySendError::Full(_) => Error::QueueFull {
                    depth: self.shared.queue_depth,
                },
                mpsc::error::TrySendError::Closed(_) => Error::EngineStopped,
            });
        }
        let result = rx.await.map_err(|_| Error::EngineStopped)?;
        guard.disarm();
        result
    }
}

/// Sets the job's cancel flag when the waiting request is dropped before the job finished.
struct CancelOnDrop {
    flag: Arc<AtomicBool>,
    armed: bool,
}

impl CancelOnDrop {
    fn disarm(&mut self) {
        self.armed = false;
    }
}

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        if self.armed {
            self.flag.store(true, Ordering::Relaxed);
        }
    }
}
