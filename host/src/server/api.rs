//! mend's own API next to IOPaint's: the editor's binary edit, history, jobs, editor-session
//! snapshots, models and their downloads, the budget and paid cloud edits (`/api/v1/edit`,
//! `/api/v1/history`, `/api/v1/jobs`, `/api/v1/sessions`, `/api/v1/models`, `/api/v1/budget`,
//! `/api/v1/cloud`).

pub mod budget;
pub mod cloud;
pub mod edit;
pub mod history;
pub mod jobs;
pub mod models;
pub mod sessions;

use axum::Router;
use axum::routing::{get, post};
use serde::Deserialize;
use utoipa::IntoParams;

use super::state::AppState;

/// Largest page size of listings.
pub const MAX_PAGE: usize = 500;
/// Default page size of listings.
pub const DEFAULT_PAGE: usize = 50;

/// Paging of listings: newest first; pass the previous page's `next_before` as `before`.
#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct PageQuery {
    /// Items per page (1–500, default 50).
    pub limit: Option<usize>,
    /// Return items older than this id.
    pub before: Option<String>,
}

impl PageQuery {
    /// The page size, clamped to `1..=MAX_PAGE`.
    pub fn limit(&self) -> usize {
        page_limit(self.limit)
    }
}

/// A requested page size: [`DEFAULT_PAGE`] when absent, clamped to `1..=MAX_PAGE`.
pub fn page_limit(requested: Option<usize>) -> usize {
    requested.unwrap_or(DEFAULT_PAGE).clamp(1, MAX_PAGE)
}

/// The routes of mend's own API.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/history", get(history::list).delete(history::clear))
        .route(
            "/api/v1/history/retention",
            get(history::get_retention).put(history::put_retention),
        )
        .route(
            "/api/v1/history/{id}",
            get(history::get).delete(history::delete),
        )
        .route("/api/v1/history/{id}/{file}", get(history::file))
        .route("/api/v1/edit", post(edit::edit))
        .route("/api/v1/models", get(models::list))
        .route("/api/v1/models/{name}/download", post(models::download))
        .route("/api/v1/jobs", get(jobs::list))
        .route("/api/v1/jobs/{id}", get(jobs::get).delete(jobs::delete))
        .route("/api/v1/jobs/{id}/cancel", post(jobs::cancel))
        .route("/api/v1/budget", get(budget::status))
        .route(
            "/api/v1/budget/config",
            get(budget::get_config).put(budget::put_config),
        )
        .route("/api/v1/budget/estimate", post(budget::estimate))
        .route("/api/v1/budget/ledger", get(budget::ledger))
        .route("/api/v1/cloud/models", get(budget::cloud_models))
        .route("/api/v1/cloud/edit", post(cloud::edit))
        .route(
            "/api/v1/sessions/{session}/snapshot",
            get(sessions::get)
                .put(sessions::put)
                .delete(sessions::delete),
        )
}
