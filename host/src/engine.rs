//! The inpaint engine: one worker thread owns the loaded model (and, with burn, the device);
//! every inpaint and model switch goes through one bounded queue, so model work is serialised
//! by construction. A full queue is refused immediately ([`crate::Error::QueueFull`]) instead of
//! growing without bound.
//!
//! Decoding and encoding are not done here: request handlers do them on tokio's blocking pool
//! in parallel, and only the model step waits for the worker.

pub mod adapted;
pub mod events;
pub mod factory;
pub mod tensor_models;
mod worker;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use image::{GrayImage, RgbImage};
use mend_models::InpaintConfig;
use mend_models::device::{ComputeDevice, DeviceChoice};
use tokio::sync::{mpsc, oneshot};

pub use events::{EngineEvent, EventBus};

use crate::config::Device;
use crate::{Error, Result};

/// Identifies one job (a UUID v7 string, the same id the jobs API and history use).
pub type JobId = String;

/// A unit of work for the worker.
enum Work {
    Inpaint {
        image: RgbImage,
        mask: GrayImage,
        config: Box<InpaintConfig>,
        reply: oneshot::Sender<Result<RgbImage>>,
    },
    SwitchModel {
        source: factory::ModelSource,
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
    /// The model-adapter plugin wrapping the loaded model, if any.
    model_plugin: RwLock<Option<String>>,
    device: ResolvedDevice,
    queue_depth: usize,
    queued: AtomicUsize,
    /// Cancel flags of queued and running jobs, by id.
    active: Mutex<HashMap<JobId, Arc<AtomicBool>>>,
}

impl Shared {
    /// Records the loaded model's name and the adapter plugin wrapping it.
    fn set_model(&self, name: &str, plugin: Option<String>) {
        if let Ok(mut current) = self.model.write() {
            name.clone_into(&mut current);
        }
        if let Ok(mut current) = self.model_plugin.write() {
            *current = plugin;
        }
    }

    fn finish(&self, id: &str) {
        if let Ok(mut active) = self.active.lock() {
            active.remove(id);
        }
    }
}

/// The device the engine actually uses, after probing (`--device auto|cpu|gpu`): burn's CPU
/// backend or a wgpu adapter. The classical `cv2` model always runs natively on the CPU.
#[derive(Debug, Clone)]
pub struct ResolvedDevice {
    compute: ComputeDevice,
}

impl ResolvedDevice {
    /// Resolves `requested`: `auto` takes a hardware GPU when one initialises and otherwise
    /// the CPU (one log line says why); `gpu` fails when no adapter exists (or this build has
    /// no GPU backend); `cpu` never probes.
    pub fn resolve(requested: Device) -> Result<Self> {
        let choice = match requested {
            Device::Auto => DeviceChoice::Auto,
            Device::Cpu => DeviceChoice::Cpu,
            Device::Gpu => DeviceChoice::Gpu,
        };
        Ok(Self {
            compute: ComputeDevice::resolve(choice)?,
        })
    }

    /// The CPU, without probing.
    pub fn cpu() -> Self {
        Self {
            compute: ComputeDevice::cpu(),
        }
    }

    /// `cpu` or `gpu`, as reported by `mend list` and server-config.
    pub fn as_str(&self) -> &'static str {
        if self.compute.is_gpu() { "gpu" } else { "cpu" }
    }

    /// One line naming the backend and adapter (and why `auto` fell back, if it did).
    pub fn describe(&self) -> String {
        self.compute.describe()
    }

    /// The burn device learned models are loaded on.
    pub fn compute(&self) -> &ComputeDevice {
        &self.compute
    }
}

/// Handle to the engine; cheap to clone.
#[derive(Clone)]
pub struct Engine {
    tx: mpsc::Sender<Job>,
    shared: Arc<Shared>,
    events: EventBus,
}

/// A handle to the engine that does not keep its worker alive (held by the plugin runtime,
/// which the engine's models may themselves hold through a model adapter).
#[derive(Clone)]
pub struct WeakEngine {
    tx: mpsc::WeakSender<Job>,
    shared: Arc<Shared>,
    events: EventBus,
}

impl WeakEngine {
    /// The engine, while it runs.
    pub fn upgrade(&self) -> Option<Engine> {
        Some(Engine {
            tx: self.tx.upgrade()?,
            shared: Arc::clone(&self.shared),
            events: self.events.clone(),
        })
    }
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine")
            .field("shared", &self.shared)
            .finish()
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
        Self::start_from(
            &factory::ModelSource::named(model),
            device,
            queue_depth,
            events,
        )
    }

    /// Loads the model of `source` (whose weight files are on disk) and starts the worker.
    pub fn start_from(
        source: &factory::ModelSource,
        device: Device,
        queue_depth: usize,
        events: EventBus,
    ) -> Result<Self> {
        let device = ResolvedDevice::resolve(device)?;
        let loaded = factory::create_from(source, device.compute())?;
        let engine = Self::start_with_model(loaded, device, queue_depth, events)?;
        engine.shared.set_model(&source.name, source.plugin());
        Ok(engine)
    }

    /// Starts the worker with an already created model.
    pub fn start_with_model(
        loaded: Box<dyn mend_models::InpaintModel>,
        device: ResolvedDevice,
        queue_depth: usize,
        events: EventBus,
    ) -> Result<Self> {
        let model = loaded.name().to_owned();
        let (tx, rx) = mpsc::channel(queue_depth.max(1));
        let shared = Arc::new(Shared {
            model: RwLock::new(model),
            model_plugin: RwLock::new(None),
            device,
            queue_depth: queue_depth.max(1),
            queued: AtomicUsize::new(0),
            active: Mutex::new(HashMap::new()),
        });
        worker::spawn(loaded, rx, Arc::clone(&shared), events.clone())?;
        Ok(Self { tx, shared, events })
    }

    /// A handle that does not keep the worker alive.
    pub fn downgrade(&self) -> WeakEngine {
        WeakEngine {
            tx: self.tx.downgrade(),
            shared: Arc::clone(&self.shared),
            events: self.events.clone(),
        }
    }

    /// The name of the model currently loaded (or being switched to, once the switch succeeded).
    pub fn current_model(&self) -> String {
        self.shared
            .model
            .read()
            .map(|m| m.clone())
            .unwrap_or_else(|poisoned| poisoned.into_inner().clone())
    }

    /// The model-adapter plugin whose processing wraps the loaded model (`None` for a
    /// built-in model as it is).
    pub fn current_plugin(&self) -> Option<String> {
        self.shared
            .model_plugin
            .read()
            .map(|m| m.clone())
            .unwrap_or_else(|poisoned| poisoned.into_inner().clone())
    }

    /// The device in use.
    pub fn device(&self) -> &ResolvedDevice {
        &self.shared.device
    }

    /// Jobs waiting or running right now.
    pub fn queued(&self) -> usize {
        self.shared.queued.load(Ordering::Relaxed)
    }

    /// The event bus the engine reports progress on.
    pub fn events(&self) -> &EventBus {
        &self.events
    }

    /// Allocates a new, time-ordered job id.
    pub fn next_job_id(&self) -> JobId {
        crate::storage::records::new_id()
    }

    /// Asks a queued or running job to stop. Returns whether the job was known (a queued job
    /// is dropped when its turn comes; a running one stops at the model's next progress report).
    pub fn cancel(&self, id: &str) -> bool {
        let flag = self
            .shared
            .active
            .lock()
            .ok()
            .and_then(|active| active.get(id).cloned());
        match flag {
            Some(flag) => {
                flag.store(true, Ordering::Relaxed);
                true
            }
            None => false,
        }
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
        self.switch_to(factory::ModelSource::named(name)).await
    }

    /// Switches to the model of `source` (weight files already on disk) after the jobs
    /// already queued have run.
    pub async fn switch_to(&self, source: factory::ModelSource) -> Result<()> {
        // Validate before queueing so an unknown name is a client error, not a queued job.
        // (Adapter models were checked when their plugin loaded.)
        if source.adapter.is_none() {
            factory::check_available(&source.name)?;
        }
        let (reply, rx) = oneshot::channel();
        let id = self.next_job_id();
        let work = Work::SwitchModel { source, reply };
        self.submit(id, work, rx).await
    }

    async fn submit<T>(
        &self,
        id: JobId,
        work: Work,
        rx: oneshot::Receiver<Result<T>>,
    ) -> Result<T> {
        let cancel = self.enqueue(id, work)?;
        let mut guard = CancelOnDrop {
            flag: cancel,
            armed: true,
        };
        let result = rx.await.map_err(|_| Error::EngineStopped)?;
        guard.disarm();
        result
    }

    /// Registers and queues a job; returns its cancel flag.
    fn enqueue(&self, id: JobId, work: Work) -> Result<Arc<AtomicBool>> {
        let cancel = Arc::new(AtomicBool::new(false));
        if let Ok(mut active) = self.shared.active.lock() {
            active.insert(id.clone(), Arc::clone(&cancel));
        }
        let job = Job {
            id: id.clone(),
            work,
            cancel: Arc::clone(&cancel),
        };
        // Count first: the worker may finish the job before `try_send` returns.
        self.shared.queued.fetch_add(1, Ordering::Relaxed);
        if let Err(e) = self.tx.try_send(job) {
            self.shared.queued.fetch_sub(1, Ordering::Relaxed);
            self.shared.finish(&id);
            return Err(match e {
                mpsc::error::TrySendError::Full(_) => Error::QueueFull {
                    depth: self.shared.queue_depth,
                },
                mpsc::error::TrySendError::Closed(_) => Error::EngineStopped,
            });
        }
        Ok(cancel)
    }

    /// Runs an inpaint on the loaded model from a thread outside the async runtime (a
    /// plugin's `inference.inpaint`), queued like any other job. Gives up, cancelling the job,
    /// at `until` or as soon as `stop` returns true. Refused on the engine's own thread (a
    /// model adapter running inside a job would wait for itself).
    pub fn inpaint_blocking(
        &self,
        image: RgbImage,
        mask: GrayImage,
        config: InpaintConfig,
        until: std::time::Instant,
        stop: &dyn Fn() -> bool,
    ) -> Result<RgbImage> {
        if worker::on_worker_thread() {
            return Err(Error::BadRequest(
                "the engine cannot run a model from inside a model's own job".to_owned(),
            ));
        }
        let (reply, mut rx) = oneshot::channel();
        let work = Work::Inpaint {
            image,
            mask,
            config: Box::new(config),
            reply,
        };
        let cancel = self.enqueue(self.next_job_id(), work)?;
        loop {
            match rx.try_recv() {
                Ok(result) => return result,
                Err(oneshot::error::TryRecvError::Closed) => return Err(Error::EngineStopped),
                Err(oneshot::error::TryRecvError::Empty) => {
                    if stop() || std::time::Instant::now() >= until {
                        cancel.store(true, Ordering::Relaxed);
                        return Err(Error::Model(mend_models::Error::Cancelled));
                    }
                    std::thread::sleep(std::time::Duration::from_millis(5));
                }
            }
        }
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

#[cfg(test)]
mod tests {
    use std::sync::Mutex;
    use std::sync::mpsc as std_mpsc;

    use mend_models::{InpaintModel, Progress};

    use super::*;

    /// A model that blocks each `forward` until the test releases it.
    struct GateModel {
        started: std_mpsc::Sender<()>,
        release: Mutex<std_mpsc::Receiver<()>>,
    }

    impl InpaintModel for GateModel {
        fn name(&self) -> &str {
            "gate"
        }

        fn forward(
            &mut self,
            image: &RgbImage,
            _mask: &GrayImage,
            _config: &InpaintConfig,
            progress: &dyn Progress,
        ) -> mend_models::Result<RgbImage> {
            let _ = self.started.send(());
            if let Ok(rx) = self.release.lock() {
                let _ = rx.recv();
            }
            if !progress.report(1.0) {
                return Err(mend_models::Error::Cancelled);
            }
            Ok(image.clone())
        }
    }

    fn job() -> (RgbImage, GrayImage) {
        (
            RgbImage::new(4, 4),
            GrayImage::from_pixel(4, 4, image::Luma([255])),
        )
    }

    #[tokio::test]
    async fn a_full_queue_is_refused_and_queued_jobs_still_run() {
        let (started_tx, started_rx) = std_mpsc::channel();
        let (release_tx, release_rx) = std_mpsc::channel();
        let model = GateModel {
            started: started_tx,
            release: Mutex::new(release_rx),
        };
        let engine =
            Engine::start_with_model(Box::new(model), ResolvedDevice::cpu(), 1, EventBus::new())
                .unwrap();
        let mut events = engine.events().subscribe();

        let (img, mask) = job();
        let e = engine.clone();
        let running = tokio::spawn(async move {
            e.inpaint("1".into(), img, mask, InpaintConfig::default())
                .await
        });
        tokio::task::spawn_blocking(move || started_rx.recv())
            .await
            .unwrap()
            .unwrap();

        let (img, mask) = job();
        let e = engine.clone();
        let queued = tokio::spawn(async move {
            e.inpaint("2".into(), img, mask, InpaintConfig::default())
                .await
        });
        // Wait until the second job sits in the queue.
        while engine.queued() < 2 {
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        let (img, mask) = job();
        let refused = engine
            .inpaint("3".into(), img, mask, InpaintConfig::default())
            .await;
        assert!(
            matches!(refused, Err(Error::QueueFull { depth: 1 })),
            "{refused:?}"
        );

        release_tx.send(()).unwrap();
        release_tx.send(()).unwrap();
        assert!(running.await.unwrap().is_ok());
        assert!(queued.await.unwrap().is_ok());
        assert_eq!(engine.queued(), 0);
        let mut saw_progress = false;
        while let Ok(ev) = events.try_recv() {
            saw_progress |= matches!(&ev, EngineEvent::Progress { job_id, .. } if job_id == "1");
        }
        assert!(saw_progress);
    }

    #[tokio::test]
    async fn a_dropped_request_cancels_its_job() {
        let (started_tx, started_rx) = std_mpsc::channel();
        let (release_tx, release_rx) = std_mpsc::channel();
        let model = GateModel {
            started: started_tx,
            release: Mutex::new(release_rx),
        };
        let engine =
            Engine::start_with_model(Box::new(model), ResolvedDevice::cpu(), 4, EventBus::new())
                .unwrap();
        let mut events = engine.events().subscribe();
        let (img, mask) = job();
        let e = engine.clone();
        let request = tokio::spawn(async move {
            e.inpaint("7".into(), img, mask, InpaintConfig::default())
                .await
        });
        tokio::task::spawn_blocking(move || started_rx.recv())
            .await
            .unwrap()
            .unwrap();
        request.abort();
        let _ = request.await;
        release_tx.send(()).unwrap();
        let failed = tokio::time::timeout(std::time::Duration::from_secs(5), async {
            loop {
                if let Ok(EngineEvent::Failed { job_id, error }) = events.recv().await
                    && job_id == "7"
                {
                    return error;
                }
            }
        })
        .await
        .unwrap();
        assert!(failed.contains("cancelled"), "{failed}");
    }
}
