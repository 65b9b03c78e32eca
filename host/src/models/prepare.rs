//! Prepares a model for loading: checks that this build can run it, fetches missing weights
//! (reporting progress on the event bus, so Socket.IO clients see `model_download`), and
//! returns the [`ModelSource`] the engine loads it from.

use mend_models::catalogue::{self, CatalogueEntry};

use super::ensure::{ExtraWeights, FileProgress, WeightsContext, ensure_weights};
use crate::Result;
use crate::engine::adapted::Adapter;
use crate::engine::factory::{self, ModelSource};
use crate::engine::{EngineEvent, EventBus};
use crate::plugins::adapters::ModelDescription;

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
        adapter: None,
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

/// Fetches the weights of a model that a model-adapter plugin provides (a built-in model's
/// from the catalogue, with its overrides; any other from the adapter's URL, checked against
/// its md5) and returns its source.
pub async fn prepare_adapted_with(
    model: &ModelDescription,
    adapter: Adapter,
    ctx: &WeightsContext,
    progress: &(dyn Fn(FileProgress) + Send + Sync),
) -> Result<ModelSource> {
    let weights = match catalogue::find(&model.name) {
        Some(entry) => ensure_weights(entry, ctx, progress).await?,
        None => vec![
            ExtraWeights::resolve(&model.name, &model.weights_url, &model.weights_md5, ctx)
                .ensure(ctx, progress)
                .await?,
        ],
    };
    Ok(ModelSource {
        name: model.name.clone(),
        weights,
        adapter: Some(adapter),
    })
}

/// [`prepare_adapted_with`], reporting download progress as [`EngineEvent::ModelDownload`],
/// in its own task (a download goes on when the caller goes away).
pub async fn prepare_adapted(
    model: &ModelDescription,
    adapter: Adapter,
    ctx: &WeightsContext,
    events: &EventBus,
) -> Result<ModelSource> {
    let (model, ctx, events) = (model.clone(), ctx.clone(), events.clone());
    tokio::spawn(async move {
        prepare_adapted_with(&model, adapter, &ctx, &|p| events.send(download_event(&p))).await
    })
    .await
    .map_err(|e| crate::Error::Task(e.to_string()))?
}
