//! Each model's state on this machine: `ready` (runs now: no weights needed, or all present),
//! `needs_download` (runs once its weights are fetched, with their approximate size) or
//! `unsupported` (this build cannot run it; its weights may still be present).

use std::path::PathBuf;

use mend_models::catalogue::{CATALOGUE, CatalogueEntry, ModelKind};
use mend_models::model_files;
use serde::Serialize;

use super::WeightsContext;
use crate::engine::factory;

/// Whether a model can run here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ModelState {
    /// Can be loaded now.
    Ready,
    /// Supported, but weight files are missing; they are downloaded on first use.
    NeedsDownload,
    /// This build of mend cannot run it.
    Unsupported,
}

impl ModelState {
    /// `ready`, `needs_download` or `unsupported`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ready => "ready",
            Self::NeedsDownload => "needs_download",
            Self::Unsupported => "unsupported",
        }
    }
}

/// One weights file's whereabouts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileStatus {
    /// Where it is or will be.
    pub path: PathBuf,
    /// Where it is downloaded from (`None`: a local override).
    pub url: Option<String>,
    /// Whether it is on disk.
    pub present: bool,
}

/// A model's state and files.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ModelStatus {
    /// The model's name.
    pub name: &'static str,
    /// What it does (`inpaint`, or `upscale` for models plugins run).
    pub kind: ModelKind,
    /// Its state.
    pub state: ModelState,
    /// All weight files are on disk (true when it has none).
    pub weights_present: bool,
    /// Approximate bytes still to download, when known (0 when nothing is missing).
    pub download_bytes: Option<u64>,
    /// Its weight files.
    pub files: Vec<FileStatus>,
    /// Short description.
    pub description: &'static str,
}

/// The state of `entry` here (weights under `ctx.model_dir`, overrides from `ctx`).
pub fn model_status(entry: &CatalogueEntry, ctx: &WeightsContext) -> ModelStatus {
    let resolved = model_files::resolve(entry, &ctx.model_dir, &|n| ctx.lookup(n));
    let files: Vec<FileStatus> = resolved
        .iter()
        .map(|f| FileStatus {
            path: f.path.clone(),
            url: f.url.clone(),
            present: f.present(),
        })
        .collect();
    let weights_present = files.iter().all(|f| f.present);
    let download_bytes = resolved
        .iter()
        .filter(|f| !f.present())
        .map(|f| f.spec.approx_bytes)
        .sum::<Option<u64>>();
    let state = if !factory::is_supported(entry.name) {
        ModelState::Unsupported
    } else if weights_present {
        ModelState::Ready
    } else {
        ModelState::NeedsDownload
    };
    ModelStatus {
        name: entry.name,
        kind: entry.kind,
        state,
        weights_present,
        download_bytes,
        files,
        description: entry.description,
    }
}

/// Every catalogue model's state, in IOPaint's order.
pub fn model_statuses(ctx: &WeightsContext) -> Vec<ModelStatus> {
    CATALOGUE.iter().map(|e| model_status(e, ctx)).collect()
}
