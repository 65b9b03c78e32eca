//! Model routes of mend's own API: every model this build knows with its kind and state
//! (`GET /api/v1/models`, like `mend list --json`), and fetching a model's weights without
//! selecting it (`POST /api/v1/models/{name}/download`, e.g. the upscaler plugins run; progress
//! as `model_download` Socket.IO events, like a model switch).

use axum::Json;
use axum::extract::{Path, State};
use serde::Serialize;
use utoipa::ToSchema;

use crate::models::{ModelState, WeightsContext, model_statuses};
use crate::server::error::ApiResult;
use crate::server::state::AppState;
use crate::{Error, Result};

/// One model as mend's API lists it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ModelEntry {
    /// Its name.
    pub name: String,
    /// `inpaint` (an erase model) or `upscale` (run by plugins through `inference`).
    pub kind: String,
    /// `ready`, `needs_download` or `unsupported`.
    pub state: String,
    /// Approximate bytes still to download, when known.
    pub download_bytes: Option<u64>,
    /// Short description.
    pub description: String,
    /// The model-adapter plugin that provides it or wraps it, if any.
    pub plugin: Option<String>,
}

fn entries(state: &AppState) -> Vec<ModelEntry> {
    let ctx = WeightsContext::from_config(&state.config);
    let adapters = state.plugins.adapter_models();
    model_statuses(&ctx)
        .into_iter()
        .map(|s| ModelEntry {
            name: s.name.to_owned(),
            kind: serde_json::to_value(s.kind)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default(),
            state: s.state.as_str().to_owned(),
            download_bytes: (s.state == ModelState::NeedsDownload)
                .then_some(s.download_bytes)
                .flatten(),
            description: s.description.to_owned(),
            plugin: adapters
                .iter()
                .find(|a| a.model.name == s.name)
                .map(|a| a.plugin.clone()),
        })
        .collect()
}

fn entry(state: &AppState, name: &str) -> Result<ModelEntry> {
    entries(state)
        .into_iter()
        .find(|e| e.name == name)
        .ok_or_else(|| Error::UnknownModel(name.to_owned()))
}

/// Every model of the catalogue with its kind and state on this machine.
#[utoipa::path(get, operation_id = "models_list", path = "/api/v1/models", tag = "mend",
    responses((status = 200, body = Vec<ModelEntry>)))]
pub async fn list(State(state): State<AppState>) -> Json<Vec<ModelEntry>> {
    Json(entries(&state))
}

/// Downloads a model's missing weights (md5-checked, resumable) without selecting it.
#[utoipa::path(post, operation_id = "models_download", path = "/api/v1/models/{name}/download",
    tag = "mend",
    responses(
        (status = 200, body = ModelEntry),
        (status = 404, description = "Unknown model", body = crate::server::error::ErrorBody),
        (status = 409, description = "Already being downloaded", body = crate::server::error::ErrorBody),
        (status = 422, description = "Not runnable by this build, or --local-files-only", body = crate::server::error::ErrorBody),
        (status = 502, description = "The download failed", body = crate::server::error::ErrorBody),
    ))]
pub async fn download(
    State(state): State<AppState>,
    Path(name): Path<String>,
) -> ApiResult<Json<ModelEntry>> {
    let found = entry(&state, &name)?;
    if found.state == ModelState::Unsupported.as_str() {
        return Err(Error::ModelUnavailable {
            name,
            reason: "this build of mend cannot run it".to_owned(),
        }
        .into());
    }
    let ctx = WeightsContext::from_config(&state.config);
    let catalogue_entry =
        mend_models::catalogue::find(&name).ok_or_else(|| Error::UnknownModel(name.clone()))?;
    let events = state.events().clone();
    tokio::spawn(async move {
        crate::models::ensure_weights(catalogue_entry, &ctx, &|p| {
            events.send(crate::models::prepare::download_event(&p));
        })
        .await
    })
    .await
    .map_err(|e| Error::Task(e.to_string()))??;
    Ok(Json(entry(&state, &name)?))
}
