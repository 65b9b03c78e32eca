//! Prepares a model for loading: checks that this build can run it, fetches missing weights
//! (reporting progress on the event bus, so Socket.IO clients see `model_download`), and
//! returns the [`ModelSource`] the engine loads it from.

use mend_models::catalogue::CatalogueEntry;

use super::ensure::{FileProgress, WeightsContext, ensure_weights};
use crate::Result;
use crate::engine::factory::{self, ModelSource};
use crate::engine::{EngineEvent, EventBus};

/// The event announcing `p` on the bus.
pub fn download_event(p: &FileProgress) -> EngineEvent {
    EngineEvent::ModelDownload {
        model: p.model.clone(),
        file: p.file.clone(),
        downloaded: p.downloaded,
        total: p.total,
        done: p.done,
    }
}

/// Checks `name`, fetches its missing weights (progress to `progress`) and returns its source.
pub async fn prepare_with(
    name: &str,
    ctx: &WeightsContext,
    progress: &(dyn Fn(FileProgress) + Send + Sync),
) -> Result<ModelSource> {
    let entry: &CatalogueEntry = factory::check_available(name)?;
    let weights = ensure_weights(entry, ctx, progress).await?;
    Ok(ModelSource {
        name: name.to_owned(),
        weights,
    })
}

/// [`prepare_with`], reporting download progress as [`EngineEvent::ModelDownload`]. The work
/// runs in its own task, so a download goes on (and is kept) when the caller goes away.
pub async fn prepare(name: &str, ctx: &WeightsContext, events: &EventBus) -> Result<ModelSource> {
    let (name, ctx, events) = (name.to_owned(), ctx.clone(), events.clone());
    tokio::spawn(
        async move { prepare_with(&name, &ctx, &|p| events.send(download_event(&p))).await },
    )
    .await
    .map_err(|e| crate::Error::Task(e.to_string()))?
}
