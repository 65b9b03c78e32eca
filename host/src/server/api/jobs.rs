//! Job routes: list (filter by state), get, cancel.

use axum::Json;
use axum::extract::{Path, State};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::Error;
use crate::server::error::ApiResult;
use crate::server::extract::AppQuery;
use crate::server::state::{AppState, blocking};
use crate::storage::records::{Job, JobState, Page};

/// Query of the job listing.
#[derive(Debug, Deserialize, IntoParams)]
pub struct JobsQuery {
    /// Only jobs in this state.
    pub state: Option<JobState>,
    /// Items per page (1–500, default 50).
    pub limit: Option<usize>,
    /// Return jobs older than this id.
    pub before: Option<String>,
}

/// Lists jobs, newest first.
#[utoipa::path(get, operation_id = "jobs_list", path = "/api/v1/jobs", tag = "mend", params(JobsQuery),
    responses((status = 200, body = Page<Job>)))]
pub async fn list(
    State(state): State<AppState>,
    AppQuery(q): AppQuery<JobsQuery>,
) -> ApiResult<Json<Page<Job>>> {
    let store = state.jobs.store().clone();
    let limit = super::page_limit(q.limit);
    let page = blocking(move || store.list_jobs(q.state, limit, q.before.as_deref())).await?;
    Ok(Json(page))
}

/// One job.
#[utoipa::path(get, operation_id = "jobs_get", path = "/api/v1/jobs/{id}", tag = "mend",
    responses((status = 200, body = Job), (status = 404, body = crate::server::error::ErrorBody)))]
pub async fn get(State(state): State<AppState>, Path(id): Path<String>) -> ApiResult<Json<Job>> {
    let store = state.jobs.store().clone();
    let lookup = id.clone();
    let job = blocking(move || store.get_job(&lookup))
        .await?
        .ok_or_else(|| Error::NotFound(format!("no job {id}")))?;
    Ok(Json(job))
}

/// Cancels a queued or running job. Finished jobs answer 409.
#[utoipa::path(post, operation_id = "jobs_cancel", path = "/api/v1/jobs/{id}/cancel", tag = "mend",
    responses((status = 200, body = Job), (status = 404, body = crate::server::error::ErrorBody),
              (status = 409, body = crate::server::error::ErrorBody)))]
pub async fn cancel(State(state): State<AppState>, Path(id): Path<String>) -> ApiResult<Json<Job>> {
    let store = state.jobs.store().clone();
    let lookup = id.clone();
    let job = blocking(move || store.get_job(&lookup))
        .await?
        .ok_or_else(|| Error::NotFound(format!("no job {id}")))?;
    if !job.state.is_active() {
        return Err(Error::Conflict(format!(
            "job {id} is already {}",
            serde_json::to_value(job.state)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default()
        ))
        .into());
    }
    // The engine stops it at the next progress point (a cloud call is abandoned and its
    // reservation released); the request waiting on it records the cancellation. Mark it
    // here too so the answer reflects the request.
    state.engine.cancel(&id);
    state.cloud.cancel(&id);
    let updated = state
        .jobs
        .transition(
            id.clone(),
            JobState::Cancelled,
            Some("cancelled by request".to_owned()),
            None,
        )
        .await?
        .unwrap_or(job);
    Ok(Json(updated))
}

/// Deletes a finished job's record (its history entry, if any, stays). Active jobs answer 409.
#[utoipa::path(delete, path = "/api/v1/jobs/{id}", tag = "mend",
    responses((status = 204), (status = 404, body = crate::server::error::ErrorBody),
              (status = 409, body = crate::server::error::ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<axum::http::StatusCode> {
    let store = state.jobs.store().clone();
    let lookup = id.clone();
    let job = blocking(move || store.get_job(&lookup))
        .await?
        .ok_or_else(|| Error::NotFound(format!("no job {id}")))?;
    if job.state.is_active() {
        return Err(Error::Conflict(format!("job {id} is still active; cancel it first")).into());
    }
    let store = state.jobs.store().clone();
    blocking(move || store.delete_job(&id)).await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}
