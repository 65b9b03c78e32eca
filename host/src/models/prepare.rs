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

/// A model a model-adapter plugin provides: its validated description and the engine's view
/// of the plugin (see `Plugins::adapted`).
pub type Adapted = (ModelDescription, Adapter);

/// Checks `name`, fetches its missing weights (progress to `progress`) and returns its source.
/// With `adapted` (a model-adapter plugin provides `name`), a built-in model's weights come
/// from the catalogue with its overrides, any other from the adapter's URL, checked against
/// its checksum.
pub async fn prepare_with(
    name: &str,
    adapted: Option<Adapted>,
    ctx: &WeightsContext,
    progress: &(dyn Fn(FileProgress) + Send + Sync),
) -> Result<ModelSource> {
    let Some((model, adapter)) = adapted else {
        let entry: &CatalogueEntry = factory::check_available(name)?;
        let weights = ensure_weights(entry, ctx, progress).await?;
        return Ok(ModelSource {
            name: name.to_owned(),
            weights,
            adapter: None,
        });
    };
    let weights = match catalogue::find(&model.name) {
        Some(entry) => ensure_weights(entry, ctx, progress).await?,
        None => vec![
            ExtraWeights::resolve(&model.name, &model.weights_url, &model.weights_md5, ctx)
                .ensure(ctx, progress)
                .await?,
        ],
    };
    Ok(ModelSource {
        name: model.name,
        weights,
        adapter: Some(adapter),
    })
}

/// [`prepare_with`], reporting download progress as [`EngineEvent::ModelDownload`]. The work
/// runs in its own task, so a download goes on (and is kept) when the caller goes away.
pub async fn prepare(
    name: &str,
    adapted: Option<Adapted>,
    ctx: &WeightsContext,
    events: &EventBus,
) -> Result<ModelSource> {
    let (name, ctx, events) = (name.to_owned(), ctx.clone(), events.clone());
    tokio::spawn(async move {
        prepare_with(&name, adapted, &ctx, &|p| events.send(download_event(&p))).await
    })
    .await
    .map_err(|e| crate::Error::Task(e.to_string()))?
}
