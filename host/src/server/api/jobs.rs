//! Job routes: list (filter by state), get, cancel (`POST …/cancel`, or `DELETE` on an active
//! job), delete a finished job's record.

use axum::Json;
use axum::extract::{Path, State};
use serde::Deserialize;
use utoipa::IntoParams;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::server::error::ApiResult;
use crate::server::extract::AppQuery;
use crate::server::state::{AppState, blocking};
use crate::storage::records::{Job, JobState, Page};
use crate::{Error, Result};

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
    Ok(Json(find(&state, &id).await?))
}

/// Cancels a queued or running job. Finished jobs answer 409.
#[utoipa::path(post, operation_id = "jobs_cancel", path = "/api/v1/jobs/{id}/cancel", tag = "mend",
    responses((status = 200, body = Job), (status = 404, body = crate::server::error::ErrorBody),
              (status = 409, body = crate::server::error::ErrorBody)))]
pub async fn cancel(State(state): State<AppState>, Path(id): Path<String>) -> ApiResult<Json<Job>> {
    let job = find(&state, &id).await?;
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
    Ok(Json(cancel_active(&state, id, job).await?))
}

/// Cancels a queued or running job (200, the job now `cancelled`), or deletes a finished
/// job's record (204; its history entry, if any, stays). The editor cancels this way with the
/// id it chose itself (`X-Job-Id`), so it never stops somebody else's job.
#[utoipa::path(delete, path = "/api/v1/jobs/{id}", tag = "mend",
    responses((status = 200, description = "The job was active and is now cancelled", body = Job),
              (status = 204, description = "The finished job's record was deleted"),
              (status = 404, body = crate::server::error::ErrorBody)))]
pub async fn delete(State(state): State<AppState>, Path(id): Path<String>) -> ApiResult<Response> {
    let job = find(&state, &id).await?;
    if job.state.is_active() {
        return Ok(Json(cancel_active(&state, id, job).await?).into_response());
    }
    let store = state.jobs.store().clone();
    blocking(move || store.delete_job(&id)).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// The job `id`, or 404.
async fn find(state: &AppState, id: &str) -> Result<Job> {
    let store = state.jobs.store().clone();
    let lookup = id.to_owned();
    blocking(move || store.get_job(&lookup))
        .await?
        .ok_or_else(|| Error::NotFound(format!("no job {id}")))
}

/// Stops an active job and records it `cancelled`.
async fn cancel_active(state: &AppState, id: String, job: Job) -> Result<Job> {
    // The engine stops it at the next progress point (a cloud call is abandoned and its
    // reservation released); the request waiting on it records the cancellation. Mark it
    // here too so the answer reflects the request.
    state.engine.cancel(&id);
    state.cloud.cancel(&id);
    let updated = state
        .jobs
        .transition(
            id,
            JobState::Cancelled,
            Some("cancelled by request".to_owned()),
            None,
        )
        .await?;
    Ok(updated.unwrap_or(job))
}
