//! Editor-session snapshots: the UI stores the stack of results it is working on, so a page
//! reload restores where the user was. The value is opaque JSON (size-capped by the store).

use axum::Json;
use axum::extract::{Path, State};

use crate::Error;
use crate::server::error::ApiResult;
use crate::server::extract::AppJson;
use crate::server::state::{AppState, blocking};

/// Longest accepted session id.
const MAX_SESSION_ID: usize = 128;

fn check_session(session: &str) -> crate::Result<()> {
    let ok = !session.is_empty()
        && session.len() <= MAX_SESSION_ID
        && session
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'));
    if ok {
        Ok(())
    } else {
        Err(Error::BadRequest(format!(
            "session ids are 1–{MAX_SESSION_ID} characters of A–Z, a–z, 0–9, `-`, `_`"
        )))
    }
}

/// The stored snapshot of a session.
#[utoipa::path(get, operation_id = "sessions_get", path = "/api/v1/sessions/{session}/snapshot", tag = "mend",
    responses((status = 200, description = "The JSON the UI stored"), (status = 404, body = crate::server::error::ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    Path(session): Path<String>,
) -> ApiResult<Json<serde_json::Value>> {
    check_session(&session)?;
    let store = state.jobs.store().clone();
    let key = session.clone();
    let value = blocking(move || store.get_snapshot(&key))
        .await?
        .ok_or_else(|| Error::NotFound(format!("no snapshot for session {session}")))?;
    Ok(Json(value))
}

/// Stores (replaces) a session's snapshot.
#[utoipa::path(put, operation_id = "sessions_put", path = "/api/v1/sessions/{session}/snapshot", tag = "mend",
    responses((status = 200, description = "Stored"), (status = 413, body = crate::server::error::ErrorBody)))]
pub async fn put(
    State(state): State<AppState>,
    Path(session): Path<String>,
    AppJson(value): AppJson<serde_json::Value>,
) -> ApiResult<Json<serde_json::Value>> {
    check_session(&session)?;
    let store = state.jobs.store().clone();
    blocking(move || store.put_snapshot(&session, &value)).await?;
    Ok(Json(serde_json::json!({ "stored": true })))
}

/// Deletes a session's snapshot.
#[utoipa::path(delete, operation_id = "sessions_delete", path = "/api/v1/sessions/{session}/snapshot", tag = "mend",
    responses((status = 200, description = "Deleted (or absent)")))]
pub async fn delete(
    State(state): State<AppState>,
    Path(session): Path<String>,
) -> ApiResult<Json<serde_json::Value>> {
    check_session(&session)?;
    let store = state.jobs.store().clone();
    blocking(move || store.delete_snapshot(&session)).await?;
    Ok(Json(serde_json::json!({ "deleted": true })))
}
