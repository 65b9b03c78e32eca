//! Cloud jobs: paid calls to the external image provider, guarded by the budget. One call:
//! price it → dedupe lookup → (provider configured?) → reserve (caps + rate limit, atomic) →
//! job record → provider call with retries → settle or release → finish (the caller's
//! post-processing and history) → job succeeded with its cost.
//!
//! The provider call and everything after it run in their own task, so a client that goes
//! away mid-call cannot leave a reservation open or a paid result unrecorded: the charge is
//! settled and the result kept in the dedupe cache (a retry is then free).

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use tokio::sync::Notify;

use crate::budget::{self, Clock, DedupeInput, Estimate, Guard, Operation};
use crate::config::Config;
use crate::jobs::Jobs;
use crate::providers::{CommonFields, KeySource, OpenAiProvider, ProviderCall, ProviderImage};
use crate::server::state::blocking;
use crate::storage::Store;
use crate::storage::budget::micros_to_usd;
use crate::storage::records::{Job, JobState, NewEntry, new_id, now_ms};
use crate::{Error, Result};

/// Name recorded as the provider of cloud jobs.
pub const PROVIDER_NAME: &str = "openai";

/// A paid request, in the provider's terms (images and mask already in OpenAI's conventions).
#[derive(Debug, Clone)]
pub struct CloudRequest {
    /// What to do.
    pub operation: Operation,
    /// Provider model.
    pub model: String,
    /// Prompt (empty for variations).
    pub prompt: String,
    /// Input images (edits: one or more; variations: one; generations: none).
    pub images: Vec<ProviderImage>,
    /// OpenAI-convention mask (transparent = edit), edits only.
    pub mask: Option<ProviderImage>,
    /// Requested size (`WxH` or `auto`).
    pub size: Option<String>,
    /// Requested quality.
    pub quality: Option<String>,
    /// Number of images.
    pub n: u32,
    /// Further provider fields.
    pub extra: BTreeMap<String, String>,
    /// The budget session.
    pub session: String,
    /// Image size recorded on the job (0×0 for generations).
    pub job_size: (u32, u32),
    /// The dedupe key, when the caller computed it from the request as the user sent it
    /// (before scaling); otherwise it is computed from the provider images.
    pub dedupe_key: Option<String>,
}

/// The outcome of a paid request.
#[derive(Debug, Clone)]
pub struct CloudResult {
    /// The job.
    pub job_id: String,
    /// Result images (after the caller's finishing step).
    pub images: Vec<Vec<u8>>,
    /// What it cost, micro-dollars (0 for a dedupe hit).
    pub cost_micros: u64,
    /// The estimate it was reserved with, micro-dollars.
    pub estimate_micros: u64,
    /// Whether the result came from the dedupe cache.
    pub dedupe_hit: bool,
    /// The history entry, when the finishing step recorded one.
    pub history_id: Option<String>,
}

/// The caller's finishing step: gets the job id and the provider's images, returns the images
/// to answer with and, optionally, a history entry to record (with the job's id).
pub type Finish =
    Box<dyn FnOnce(&str, Vec<Vec<u8>>) -> Result<(Vec<Vec<u8>>, Option<NewEntry>)> + Send>;

/// The cloud service. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Cloud {
    guard: Guard,
    provider: OpenAiProvider,
    keys: KeySource,
    jobs: Jobs,
    /// Calls in flight, by job id, so a cancel can abandon them.
    active: Arc<Mutex<HashMap<String, Arc<Notify>>>>,
}

impl Cloud {
    /// Builds the service from the configuration (the key from config/env or the key file).
    pub fn new(config: &Config, store: Store, jobs: Jobs, clock: Arc<dyn Clock>) -> Result<Self> {
        let keys = KeySource::new(
            config.cloud.api_key.clone(),
            config.cloud.api_key_file.clone(),
        );
        let provider = OpenAiProvider::new(&config.cloud, keys.clone())?;
        Ok(Self {
            guard: Guard::new(store, clock, config.budget),
            provider,
            keys,
            jobs,
            active: Arc::new(Mutex::new(HashMap::new())),
        })
    }

    /// Abandons a call in flight: its reservation is released and its job stays cancelled.
    /// Returns whether such a call was running.
    pub fn cancel(&self, job_id: &str) -> bool {
        let notify = self
            .active
            .lock()
            .ok()
            .and_then(|active| active.get(job_id).cloned());
        match notify {
            Some(n) => {
                n.notify_one();
                true
            }
            None => false,
        }
    }

    /// The budget guard.
    pub fn guard(&self) -> &Guard {
        &self.guard
    }

    /// The key source (for SIGHUP reloads).
    pub fn keys(&self) -> &KeySource {
        &self.keys
    }

    /// Whether an API key is configured now.
    pub fn provider_configured(&self) -> bool {
        self.provider.has_key()
    }

    /// Prices a request.
    pub fn estimate(&self, req: &CloudRequest) -> Result<Estimate> {
        budget::estimate(
            &req.model,
            req.operation,
            req.size.as_deref(),
            req.quality.as_deref(),
            req.n,
            u32::try_from(req.images.len()).unwrap_or(u32::MAX),
        )
    }

    /// A cheap early refusal before the caller prepares images: unless `dedupe_key` has a
    /// stored result (which is free), if the caps or the rate limit would refuse `estimate`
    /// now, records a `blocked_budget` job (for caps) and returns the refusal. Passing it
    /// decides nothing: [`Cloud::run`] reserves atomically.
    pub async fn precheck(
        &self,
        dedupe_key: &str,
        session: &str,
        estimate: &Estimate,
        operation: Operation,
        job_size: (u32, u32),
    ) -> Result<()> {
        let guard = self.guard.clone();
        let (k, s, e) = (dedupe_key.to_owned(), session.to_owned(), estimate.clone());
        let report = blocking(move || {
            if guard.has_stored_result(&k)? {
                return Ok(None);
            }
            guard.check(&s, &e).map(Some)
        })
        .await?;
        let Some(report) = report else {
            return Ok(());
        };
        if let Some(b) = report.blocked_by {
            let err = Error::BudgetExceeded {
                cap: b.cap,
                limit_usd: b.limit_usd,
                spent_usd: b.spent_usd,
                reserved_usd: b.reserved_usd,
                estimate_usd: b.estimate_usd,
            };
            let mut job = cloud_job(
                &new_id(),
                operation,
                &estimate.model,
                job_size,
                JobState::BlockedBudget,
                0.0,
            );
            job.error = Some(err.to_string());
            self.jobs.create_record(job).await?;
            return Err(err);
        }
        if let Some(secs) = report.retry_after_secs {
            let interval_secs = self.guard.config()?.min_interval_secs;
            return Err(Error::RateLimited {
                retry_after_secs: secs.max(1),
                interval_secs,
            });
        }
        Ok(())
    }

    /// Runs a paid request through the guard. See the module docs for the steps.
    pub async fn run(&self, req: CloudRequest, finish: Finish) -> Result<CloudResult> {
        let estimate = self.estimate(&req)?;
        let key = req.dedupe_key.clone().unwrap_or_else(|| request_key(&req));
        let session = req.session.clone();

        // 1. Dedupe.
        let guard = self.guard.clone();
        let (k, s, e) = (key.clone(), session.clone(), estimate.clone());
        if let Some((_, images)) = blocking(move || guard.dedupe_lookup(&k, &s, &e)).await? {
            return self
                .answer_from_cache(&req, &estimate, images, finish)
                .await;
        }
        if !self.provider_configured() {
            return Err(Error::ProviderNotConfigured(format!(
                "`{}` is a paid model and no API key is configured: set MEND_OPENAI_API_KEY \
                 (or `[cloud] api_key_file` in the config file) and restart mend",
                req.model
            )));
        }

        // 2–3. Rate limit, caps and reservation, atomically.
        let id = new_id();
        let guard = self.guard.clone();
        let (i, s, e) = (id.clone(), session.clone(), estimate.clone());
        match blocking(move || guard.reserve(&i, &s, &e)).await {
            Ok(()) => {}
            Err(err @ Error::BudgetExceeded { .. }) => {
                let mut job = self.job_record(&id, &req, &estimate, JobState::BlockedBudget);
                job.error = Some(err.to_string());
                job.cost_usd = Some(0.0);
                self.jobs.create_record(job).await?;
                return Err(err);
            }
            Err(err) => return Err(err),
        }
        let job = self.job_record(&id, &req, &estimate, JobState::Running);
        if let Err(e) = self.jobs.create_record(job).await {
            let guard = self.guard.clone();
            let i = id.clone();
            blocking(move || guard.release(&i)).await?;
            return Err(e);
        }

        // 4. The call and its bookkeeping, in a task that outlives the request.
        let this = self.clone();
        tokio::spawn(async move { this.call_and_settle(id, req, estimate, key, finish).await })
            .await
            .map_err(|e| Error::Task(e.to_string()))?
    }

    async fn call_and_settle(
        &self,
        id: String,
        req: CloudRequest,
        estimate: Estimate,
        key: String,
        finish: Finish,
    ) -> Result<CloudResult> {
        let call = provider_call(&req);
        let cancelled = Arc::new(Notify::new());
        if let Ok(mut active) = self.active.lock() {
            active.insert(id.clone(), Arc::clone(&cancelled));
        }
        let outcome = tokio::select! {
            r = self.provider.call(&call) => r,
            () = cancelled.notified() => Err(Error::Model(mend_models::Error::Cancelled)),
        };
        if let Ok(mut active) = self.active.lock() {
            active.remove(&id);
        }
        let response = match outcome {
            Ok(r) => r,
            Err(err) => {
                let guard = self.guard.clone();
                let i = id.clone();
                if let Err(e) = blocking(move || guard.release(&i)).await {
                    tracing::error!(error = %e, job = %id, "could not release a reservation");
                }
                let state = if matches!(err, Error::Model(mend_models::Error::Cancelled)) {
                    JobState::Cancelled
                } else {
                    JobState::Failed
                };
                self.jobs
                    .transition(id, state, Some(err.to_string()), None)
                    .await?;
                return Err(err);
            }
        };
        let actual = budget::settled_cost(&estimate, response.usage.as_ref());
        let guard = self.guard.clone();
        let (i, rid) = (id.clone(), response.response_id.clone());
        blocking(move || guard.settle(&i, actual, rid)).await?;
        self.jobs
            .set_cost(id.clone(), micros_to_usd(actual))
            .await?;

        let images = response.images;
        let guard = self.guard.clone();
        let (k, i, stored) = (key, id.clone(), images.clone());
        let kept = blocking(move || {
            let (mime, ext) = image_type(stored.first().map_or(&[][..], Vec::as_slice));
            guard.remember(&k, &i, &stored, mime, ext, actual)
        })
        .await;
        if let Err(e) = kept {
            tracing::warn!(error = %e, job = %id, "could not keep a paid result for dedupe");
        }
        let (images, history_id) = self.finish(&id, images, finish).await?;
        Ok(CloudResult {
            job_id: id,
            images,
            cost_micros: actual,
            estimate_micros: estimate.micros,
            dedupe_hit: false,
            history_id,
        })
    }

    /// Runs the caller's finishing step, records its history entry and marks the job done.
    async fn finish(
        &self,
        id: &str,
        images: Vec<Vec<u8>>,
        finish: Finish,
    ) -> Result<(Vec<Vec<u8>>, Option<String>)> {
        let job_id = id.to_owned();
        let finished = blocking(move || finish(&job_id, images)).await;
        let (images, entry) = match finished {
            Ok(done) => done,
            Err(err) => {
                self.jobs
                    .transition(id.to_owned(), JobState::Failed, Some(err.to_string()), None)
                    .await?;
                return Err(err);
            }
        };
        let history_id = match entry {
            Some(entry) => {
                let store = self.jobs.store().clone();
                let recorded = blocking(move || store.record_history(entry)).await;
                match recorded {
                    Ok(entry) => Some(entry.id),
                    Err(e) => {
                        tracing::warn!(error = %e, job = %id, "could not record a cloud result in history");
                        None
                    }
                }
            }
            None => None,
        };
        self.jobs.succeed(id.to_owned(), history_id.clone()).await?;
        Ok((images, history_id))
    }

    async fn answer_from_cache(
        &self,
        req: &CloudRequest,
        estimate: &Estimate,
        images: Vec<Vec<u8>>,
        finish: Finish,
    ) -> Result<CloudResult> {
        let id = new_id();
        let mut job = self.job_record(&id, req, estimate, JobState::Running);
        job.cost_usd = Some(0.0);
        self.jobs.create_record(job).await?;
        let (images, history_id) = self.finish(&id, images, finish).await?;
        Ok(CloudResult {
            job_id: id,
            images,
            cost_micros: 0,
            estimate_micros: estimate.micros,
            dedupe_hit: true,
            history_id,
        })
    }

    fn job_record(
        &self,
        id: &str,
        req: &CloudRequest,
        estimate: &Estimate,
        state: JobState,
    ) -> Job {
        cloud_job(
            id,
            req.operation,
            &req.model,
            req.job_size,
            state,
            micros_to_usd(estimate.micros),
        )
    }
}

/// A cloud job record in `state` with its provider and cost.
fn cloud_job(
    id: &str,
    operation: Operation,
    model: &str,
    size: (u32, u32),
    state: JobState,
    cost_usd: f64,
) -> Job {
    let now = now_ms();
    Job {
        id: id.to_owned(),
        state,
        kind: format!("cloud_{}", operation.as_str()),
        model: model.to_owned(),
        created_at: now,
        updated_at: now,
        progress: 0.0,
        error: None,
        history_id: None,
        width: size.0,
        height: size.1,
        provider: Some(PROVIDER_NAME.to_owned()),
        cost_usd: Some(cost_usd),
    }
}

fn request_key(req: &CloudRequest) -> String {
    let images: Vec<&[u8]> = req.images.iter().map(|i| i.bytes.as_slice()).collect();
    budget::dedupe_key(&DedupeInput {
        model: &req.model,
        operation: req.operation.as_str(),
        prompt: &req.prompt,
        images: &images,
        mask: req.mask.as_ref().map(|m| m.bytes.as_slice()),
        size: req.size.as_deref(),
        quality: req.quality.as_deref(),
        n: req.n,
        extra: &req.extra,
    })
}

fn provider_call(req: &CloudRequest) -> ProviderCall {
    let common = CommonFields {
        model: req.model.clone(),
        prompt: req.prompt.clone(),
        n: req.n,
        // Send what the user asked for; `auto` and absent stay the provider's choice.
        size: req.size.clone(),
        quality: req.quality.clone(),
        extra: req.extra.clone(),
    };
    match req.operation {
        Operation::Edit => ProviderCall::Edit {
            images: req.images.clone(),
            mask: req.mask.clone(),
            common,
        },
        Operation::Generation => ProviderCall::Generation { common },
        Operation::Variation => ProviderCall::Variation {
            image: req
                .images
                .first()
                .cloned()
                .unwrap_or_else(|| ProviderImage {
                    bytes: Vec::new(),
                    file_name: "image.png".into(),
                    content_type: "image/png".into(),
                }),
            common,
        },
    }
}

/// MIME type and extension of a provider image (PNG unless the bytes say otherwise).
pub fn image_type(bytes: &[u8]) -> (&'static str, &'static str) {
    match crate::imaging::sniff(bytes) {
        Some(format) => (format.mime(), format.extension()),
        None => ("image/png", "png"),
    }
}
