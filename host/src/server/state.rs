//! The state every handler shares: configuration, the engine and the image limits.

use std::sync::Arc;

use crate::budget::{Clock, SystemClock};
use crate::cloud::Cloud;
use crate::config::Config;
use crate::engine::{Engine, EventBus};
use crate::imaging::Limits;
use crate::jobs::Jobs;
use crate::plugins::Plugins;
use crate::server::image_cache::{self, ImageCache};

/// Shared application state; cheap to clone (`Arc`s inside).
#[derive(Debug, Clone)]
pub struct AppState {
    /// The resolved configuration.
    pub config: Arc<Config>,
    /// The inpaint engine.
    pub engine: Engine,
    /// Limits for every decode.
    pub limits: Limits,
    /// Job records (and, through them, the store).
    pub jobs: Jobs,
    /// Loaded plugins.
    pub plugins: Plugins,
    /// Paid calls to the external provider, through the budget guard.
    pub cloud: Cloud,
    /// Images the editor sent or got back, for `POST /api/v1/edit` by SHA-256.
    pub images: ImageCache,
}

impl AppState {
    /// Builds the state from a configuration and a started engine, with the system clock.
    pub fn new(
        config: Config,
        engine: Engine,
        jobs: Jobs,
        plugins: Plugins,
    ) -> crate::Result<Self> {
        Self::with_clock(config, engine, jobs, plugins, Arc::new(SystemClock))
    }

    /// [`AppState::new`] with the budget guard on another clock (tests cross day and month
    /// boundaries with a manual one).
    pub fn with_clock(
        config: Config,
        engine: Engine,
        jobs: Jobs,
        plugins: Plugins,
        clock: Arc<dyn Clock>,
    ) -> crate::Result<Self> {
        let limits = Limits::new(config.max_pixels);
        let cloud = Cloud::new(&config, jobs.store().clone(), jobs.clone(), clock)?;
        // Plugins' `inference` runs the loaded learned model on this engine.
        plugins.runtime().attach_engine(&engine);
        plugins.runtime().attach_tensor_models(Arc::new(
            crate::engine::tensor_models::TensorModels::new(
                crate::models::WeightsContext::from_config(&config),
                engine.device().compute().clone(),
            ),
        ));
        Ok(Self {
            config: Arc::new(config),
            engine,
            limits,
            jobs,
            plugins,
            cloud,
            images: ImageCache::new(image_cache::DEFAULT_MAX_BYTES),
        })
    }

    /// The event bus (progress, finish, model switches).
    pub fn events(&self) -> &EventBus {
        self.engine.events()
    }
}

/// Runs CPU-bound work on tokio's blocking pool, so request handlers never block the executor.
pub async fn blocking<T, F>(f: F) -> crate::Result<T>
where
    F: FnOnce() -> crate::Result<T> + Send + 'static,
    T: Send + 'static,
{
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| crate::Error::Task(e.to_string()))?
}
