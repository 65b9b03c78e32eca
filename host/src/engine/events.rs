//! Engine events, broadcast to whoever listens (the Socket.IO bridge, tests).
//!
//! Events are sent from the worker thread and request handlers through a tokio broadcast
//! channel; the Socket.IO bridge forwards them from the server's own runtime. Slow listeners
//! lose old events rather than slowing the engine down.

use tokio::sync::broadcast;

use super::JobId;

/// Something the engine reports.
#[derive(Debug, Clone, PartialEq)]
pub enum EngineEvent {
    /// The worker started running a job.
    Started {
        /// The job.
        job_id: JobId,
    },
    /// A job's stored record changed state (queued, running, succeeded, …).
    JobChanged(Box<crate::storage::records::Job>),
    /// A job made progress; `fraction` is in `[0, 1]`.
    Progress {
        /// The job.
        job_id: JobId,
        /// Completed fraction.
        fraction: f32,
    },
    /// A job finished successfully and its response is about to be sent.
    Finished {
        /// The job.
        job_id: JobId,
    },
    /// A job failed.
    Failed {
        /// The job.
        job_id: JobId,
        /// A short description.
        error: String,
    },
    /// The loaded model changed.
    ModelSwitched {
        /// The new model's name.
        name: String,
    },
    /// A model's weights file is being downloaded (sent at most every 100 ms, and once when
    /// the file is complete).
    ModelDownload {
        /// The model's name.
        model: String,
        /// The file's name.
        file: String,
        /// Bytes on disk so far.
        downloaded: u64,
        /// The file's size, when known.
        total: Option<u64>,
        /// The file is complete and verified.
        done: bool,
    },
    /// A plugin was loaded, replaced, enabled, disabled, configured or removed.
    PluginsChanged {
        /// The plugin's id (or file name when it failed to load).
        id: String,
        /// What happened: `loaded`, `replaced`, `enabled`, `disabled`, `configured`,
        /// `removed` or `failed`.
        change: String,
    },
}

/// Capacity of the broadcast ring: plenty for progress at a few events per job.
const EVENT_CAPACITY: usize = 1024;

/// A cloneable sender of [`EngineEvent`]s.
#[derive(Debug, Clone)]
pub struct EventBus {
    tx: broadcast::Sender<EngineEvent>,
}

impl Default for EventBus {
    fn default() -> Self {
        Self::new()
    }
}

impl EventBus {
    /// Creates a bus with no listeners.
    pub fn new() -> Self {
        let (tx, _) = broadcast::channel(EVENT_CAPACITY);
        Self { tx }
    }

    /// Sends an event; having no listener is fine.
    pub fn send(&self, event: EngineEvent) {
        // An error only means nobody is listening right now.
        let _ = self.tx.send(event);
    }

    /// Subscribes to events sent from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<EngineEvent> {
        self.tx.subscribe()
    }
}
