//! Jobs: every inpaint is a job with a stored record (queued → running → succeeded | failed |
//! cancelled). This module owns the state transitions: it writes them to the store (on the
//! blocking pool) and announces them on the event bus, from which Socket.IO forwards
//! `job_state` events.

use std::sync::{Arc, Mutex};

use crate::Result;
use crate::engine::{EngineEvent, EventBus, JobId};
use crate::server::state::blocking;
use crate::storage::Store;
use crate::storage::records::{Job, JobState, RecordId, now_ms};

/// The job service; cheap to clone.
#[derive(Debug, Clone)]
pub struct Jobs {
    store: Store,
    events: EventBus,
    /// Final states whose write failed, written again with the next job write.
    pending: Arc<Mutex<Vec<PendingTransition>>>,
}

/// A job state change still to be written.
#[derive(Debug, Clone)]
struct PendingTransition {
    id: JobId,
    state: JobState,
    error: Option<String>,
    history_id: Option<RecordId>,
}

impl Jobs {
    /// Creates the service and starts the task that marks jobs `running` when the engine
    /// starts them. Must be called inside a tokio runtime.
    pub fn start(store: Store, events: EventBus) -> Self {
        let jobs = Self {
            store,
            events,
            pending: Arc::new(Mutex::new(Vec::new())),
        };
        let tracker = jobs.clone();
        let mut rx = jobs.events.subscribe();
        tokio::spawn(async move {
            loop {
                match rx.recv().await {
                    Ok(EngineEvent::Started { job_id }) => {
                        if let Err(e) = tracker.mark_running(job_id).await {
                            tracing::warn!(error = %e, "could not record a job as running");
                        }
                    }
                    Ok(_) => {}
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(n)) => {
                        tracing::debug!(skipped = n, "job tracker lagged");
                    }
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
                }
            }
        });
        jobs
    }

    /// The store behind the service.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// Records a new queued job.
    pub async fn create(&self, id: &str, kind: &str, model: &str, size: (u32, u32)) -> Result<Job> {
        self.retry_pending().await;
        let now = now_ms();
        let job = Job {
            id: id.to_owned(),
            state: JobState::Queued,
            kind: kind.to_owned(),
            model: model.to_owned(),
            created_at: now,
            updated_at: now,
            progress: 0.0,
            error: None,
            history_id: None,
            width: size.0,
            height: size.1,
            provider: None,
            cost_usd: None,
        };
        let store = self.store.clone();
        let record = job.clone();
        blocking(move || store.create_job(&record)).await?;
        self.announce(&job);
        Ok(job)
    }

    /// Records a job built by the caller (cloud jobs carry a provider and a cost, and a job
    /// refused by the budget guard starts `blocked_budget`).
    pub async fn create_record(&self, job: Job) -> Result<Job> {
        self.retry_pending().await;
        let store = self.store.clone();
        let record = job.clone();
        blocking(move || store.create_job(&record)).await?;
        self.announce(&job);
        Ok(job)
    }

    /// Sets the cost of a cloud job (dollars).
    pub async fn set_cost(&self, id: JobId, cost_usd: f64) -> Result<()> {
        let store = self.store.clone();
        if let Some(job) =
            blocking(move || store.update_job(&id, |job| job.cost_usd = Some(cost_usd))).await?
        {
            self.announce(&job);
        }
        Ok(())
    }

    async fn mark_running(&self, id: JobId) -> Result<()> {
        let store = self.store.clone();
        if let Some(job) = blocking(move || store.mark_job_running(&id)).await? {
            self.announce(&job);
        }
        Ok(())
    }

    /// Records success. When history is on, the history commit already marked the job
    /// `succeeded` (one durable write for both); this then only announces it.
    pub async fn succeed(&self, id: JobId, history_id: Option<RecordId>) -> Result<()> {
        if history_id.is_none() {
            return self
                .transition(id, JobState::Succeeded, None, None)
                .await
                .map(|_| ());
        }
        let store = self.store.clone();
        if let Some(job) = blocking(move || store.get_job(&id)).await? {
            self.announce(&job);
        }
        Ok(())
    }

    /// Moves an active job to `state`. Finished jobs never change again, so a late
    /// "running" cannot overwrite "succeeded".
    pub async fn transition(
        &self,
        id: JobId,
        state: JobState,
        error: Option<String>,
        history_id: Option<RecordId>,
    ) -> Result<Option<Job>> {
        self.retry_pending().await;
        let change = PendingTransition {
            id,
            state,
            error,
            history_id,
        };
        let result = self.write_transition(change.clone()).await;
        if result.is_err() && !matches!(state, JobState::Queued | JobState::Running) {
            // A final state that could not be written (a full disk, say) is kept and written
            // with the next job write that succeeds, so the job does not stay "queued" or
            // "running" until the next restart.
            if let Ok(mut pending) = self.pending.lock() {
                pending.push(change);
            }
        }
        result
    }

    /// Writes the final states that failed earlier; keeps those that fail again.
    async fn retry_pending(&self) {
        let pending = match self.pending.lock() {
            Ok(mut pending) if !pending.is_empty() => std::mem::take(&mut *pending),
            _ => return,
        };
        for p in pending {
            let result = self.write_transition(p.clone()).await;
            if result.is_err()
                && let Ok(mut again) = self.pending.lock()
            {
                again.push(p);
            }
        }
    }

    async fn write_transition(&self, change: PendingTransition) -> Result<Option<Job>> {
        let PendingTransition {
            id,
            state,
            error,
            history_id,
        } = change;
        let store = self.store.clone();
        let changed = blocking(move || {
            let mut changed = false;
            let job = store.update_job(&id, |job| {
                let allowed = match job.state {
                    JobState::Queued => state != JobState::Queued,
                    JobState::Running => !matches!(state, JobState::Queued | JobState::Running),
                    _ => false,
                };
                if allowed {
                    job.state = state;
                    job.error = error;
                    if history_id.is_some() {
                        job.history_id = history_id;
                    }
                    if state == JobState::Succeeded {
                        job.progress = 1.0;
                    }
                    changed = true;
                }
            })?;
            Ok(job.filter(|_| changed))
        })
        .await?;
        if let Some(job) = &changed {
            self.announce(job);
        }
        Ok(changed)
    }

    fn announce(&self, job: &Job) {
        self.events
            .send(EngineEvent::JobChanged(Box::new(job.clone())));
    }

    /// A guard that marks the job cancelled if the request handling it is dropped (the client
    /// went away) before [`JobGuard::disarm`] is called.
    pub fn guard(&self, id: &str) -> JobGuard {
        JobGuard {
            jobs: Arc::new(self.clone()),
            id: Some(id.to_owned()),
        }
    }
}

/// See [`Jobs::guard`].
#[derive(Debug)]
pub struct JobGuard {
    jobs: Arc<Jobs>,
    id: Option<JobId>,
}

impl JobGuard {
    /// The request finished and recorded the job's outcome itself.
    pub fn disarm(&mut self) {
        self.id = None;
    }
}

impl Drop for JobGuard {
    fn drop(&mut self) {
        let Some(id) = self.id.take() else {
            return;
        };
        let jobs = Arc::clone(&self.jobs);
        if let Ok(handle) = tokio::runtime::Handle::try_current() {
            handle.spawn(async move {
                let reason = Some("the client disconnected".to_owned());
                if let Err(e) = jobs.transition(id, JobState::Cancelled, reason, None).await {
                    tracing::warn!(error = %e, "could not record a cancelled job");
                }
            });
        }
    }
}
