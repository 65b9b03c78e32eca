//! The state every handler shares: configuration, the engine and the image limits.

use std::sync::Arc;

use crate::config::Config;
use crate::engine::{Engine, EventBus};
use crate::imaging::Limits;
use crate::jobs::Jobs;
use crate::plugins::Plugins;

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
}

impl AppState {
    /// Builds the state from a configuration and a started engine.
    pub fn new(config: Config, engine: Engine, jobs: Jobs, plugins: Plugins) -> Self {
        let limits = Limits::new(config.max_pixels);
        Self {
            config: Arc::new(config),
            engine,
            limits,
            jobs,
            plugins,
        }
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
