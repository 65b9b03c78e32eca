//! History routes: list, get, files, delete, clear (with confirmation), retention.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::PageQuery;
use crate::Error;
use crate::server::error::ApiResult;
use crate::server::extract::{AppJson, AppQuery};
use crate::server::state::{AppState, blocking};
use crate::storage::records::{FileKind, HistoryEntry, HistorySummary, Retention};

/// One listed entry: the stored summary plus its thumbnail URL.
#[derive(Debug, Serialize, ToSchema)]
pub struct HistoryItem {
    /// The summary.
    #[serde(flatten)]
    pub summary: HistorySummary,
    /// URL of the thumbnail.
    pub thumbnail_url: String,
}

/// A page of history, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct HistoryPage {
    /// Entries.
    pub items: Vec<HistoryItem>,
    /// Total entries.
    pub total: u64,
    /// Pass as `before` for the next page.
    pub next_before: Option<String>,
}

/// One entry with the URLs of its files.
#[derive(Debug, Serialize, ToSchema)]
pub struct HistoryDetail {
    /// The entry.
    #[serde(flatten)]
    pub entry: HistoryEntry,
    /// URLs of `input`, `mask`, `output`, `thumbnail`.
    pub urls: serde_json::Value,
}

fn file_url(id: &str, kind: &str) -> String {
    format!("/api/v1/history/{id}/{kind}")
}

/// Lists history entries, newest first.
#[utoipa::path(get, operation_id = "history_list", path = "/api/v1/history", tag = "mend", params(PageQuery),
    responses((status = 200, body = HistoryPage)))]
pub async fn list(
    State(state): State<AppState>,
    AppQuery(q): AppQuery<PageQuery>,
) -> ApiResult<Json<HistoryPage>> {
    let store = state.jobs.store().clone();
    let limit = q.limit();
    let page = blocking(move || store.list_history(limit, q.before.as_deref())).await?;
    Ok(Json(HistoryPage {
        items: page
            .items
            .into_iter()
            .map(|summary| HistoryItem {
                thumbnail_url: file_url(&summary.id, "thumbnail"),
                summary,
            })
            .collect(),
        total: page.total,
        next_before: page.next_before,
    }))
}

/// One history entry.
#[utoipa::path(get, operation_id = "history_get", path = "/api/v1/history/{id}", tag = "mend",
    responses((status = 200, body = HistoryDetail), (status = 404, body = crate::server::error::ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<HistoryDetail>> {
    let store = state.jobs.store().clone();
    let lookup = id.clone();
    let entry = blocking(move || store.get_history(&lookup))
        .await?
        .ok_or_else(|| Error::NotFound(format!("no history entry {id}")))?;
    let urls = serde_json::json!({
        "input": file_url(&id, "input"),
        "mask": file_url(&id, "mask"),
        "output": file_url(&id, "output"),
        "thumbnail": file_url(&id, "thumbnail"),
    });
    Ok(Json(HistoryDetail { entry, urls }))
}

/// One file of an entry: `input`, `mask`, `output` or `thumbnail`.
#[utoipa::path(get, operation_id = "history_file", path = "/api/v1/history/{id}/{file}", tag = "mend",
    responses((status = 200, description = "The file", content_type = "image/*"),
              (status = 404, body = crate::server::error::ErrorBody)))]
pub async fn file(
    State(state): State<AppState>,
    Path((id, file)): Path<(String, String)>,
) -> ApiResult<Response> {
    let kind = FileKind::parse(&file).ok_or_else(|| {
        Error::NotFound(format!(
            "no file `{file}`: use input, mask, output or thumbnail"
        ))
    })?;
    let store = state.jobs.store().clone();
    let lookup = id.clone();
    let (path, stored) = blocking(move || store.history_file_path(&lookup, kind))
        .await?
        .ok_or_else(|| Error::NotFound(format!("no history entry {id}")))?;
    let bytes = tokio::fs::read(&path)
        .await
        .map_err(|e| Error::io(format!("reading {}", path.display()), e))?;
    let content_type = HeaderValue::from_str(&stored.content_type)
        .unwrap_or_else(|_| HeaderValue::from_static("application/octet-stream"));
    Ok((
        [
            (header::CONTENT_TYPE, content_type),
            // Entries never change once written.
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("private, max-age=31536000, immutable"),
            ),
        ],
        bytes,
    )
        .into_response())
}

/// Deletes one entry and its files.
#[utoipa::path(delete, operation_id = "history_delete", path = "/api/v1/history/{id}", tag = "mend",
    responses((status = 200, description = "`{\"deleted\": true}`"), (status = 404, body = crate::server::error::ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> ApiResult<Json<serde_json::Value>> {
    let store = state.jobs.store().clone();
    let lookup = id.clone();
    if blocking(move || store.delete_history(&lookup)).await? {
        Ok(Json(serde_json::json!({ "deleted": true })))
    } else {
        Err(Error::NotFound(format!("no history entry {id}")).into())
    }
}

/// Confirmation for clearing all history.
#[derive(Debug, Deserialize, IntoParams)]
pub struct ClearQuery {
    /// Must be `true`.
    pub confirm: Option<bool>,
}

/// Deletes every entry; requires `?confirm=true`.
#[utoipa::path(delete, operation_id = "history_clear", path = "/api/v1/history", tag = "mend", params(ClearQuery),
    responses((status = 200, description = "`{\"deleted\": N}`"), (status = 422, body = crate::server::error::ErrorBody)))]
pub async fn clear(
    State(state): State<AppState>,
    AppQuery(q): AppQuery<ClearQuery>,
) -> ApiResult<Json<serde_json::Value>> {
    if q.confirm != Some(true) {
        return Err(
            Error::BadRequest("clearing all history needs `?confirm=true`".to_owned()).into(),
        );
    }
    let store = state.jobs.store().clone();
    let deleted = blocking(move || store.clear_history()).await?;
    Ok(Json(serde_json::json!({ "deleted": deleted })))
}

/// The retention limits (0 = unlimited).
#[utoipa::path(get, operation_id = "history_get_retention", path = "/api/v1/history/retention", tag = "mend",
    responses((status = 200, body = Retention)))]
pub async fn get_retention(State(state): State<AppState>) -> ApiResult<Json<Retention>> {
    let store = state.jobs.store().clone();
    Ok(Json(blocking(move || store.retention()).await?))
}

/// Sets the retention limits; applied at once (oldest entries evicted first).
#[utoipa::path(put, operation_id = "history_put_retention", path = "/api/v1/history/retention", tag = "mend", request_body = Retention,
    responses((status = 200, body = Retention)))]
pub async fn put_retention(
    State(state): State<AppState>,
    AppJson(retention): AppJson<Retention>,
) -> ApiResult<Json<Retention>> {
    let store = state.jobs.store().clone();
    blocking(move || store.set_retention(retention)).await?;
    Ok(Json(retention))
}
