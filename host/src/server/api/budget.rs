//! Budget routes: status per session, settings, estimates, the ledger, and the price table of
//! the paid models (`/api/v1/budget…`, `/api/v1/cloud/models`).

use axum::Json;
use axum::extract::State;
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

use crate::budget::{
    BudgetConfig, BudgetConfigPatch, BudgetStatus, EstimateReport, ModelPrices, Operation,
};
use crate::server::error::ApiResult;
use crate::server::extract::{AppJson, AppQuery};
use crate::server::state::{AppState, blocking};
use crate::storage::budget::LedgerEntry;

/// Session used when a request names none.
pub const DEFAULT_SESSION: &str = "default";

/// Query naming a budget session.
#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct SessionQuery {
    /// The browser/API session (default `default`).
    pub session_id: Option<String>,
}

/// The session id to use.
pub fn session_or_default(session: Option<String>) -> String {
    session
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| DEFAULT_SESSION.to_owned())
}

/// Caps, spent, reserved and remaining amounts for a session.
#[utoipa::path(get, path = "/api/v1/budget", tag = "budget", params(SessionQuery),
    responses((status = 200, body = BudgetStatus)))]
pub async fn status(
    State(state): State<AppState>,
    AppQuery(q): AppQuery<SessionQuery>,
) -> ApiResult<Json<BudgetStatus>> {
    let session = session_or_default(q.session_id);
    let configured = state.cloud.provider_configured();
    let guard = state.cloud.guard().clone();
    Ok(Json(
        blocking(move || guard.status(&session, configured)).await?,
    ))
}

/// The budget settings in effect.
#[utoipa::path(get, path = "/api/v1/budget/config", tag = "budget",
    responses((status = 200, body = BudgetConfig)))]
pub async fn get_config(State(state): State<AppState>) -> ApiResult<Json<BudgetConfig>> {
    let guard = state.cloud.guard().clone();
    Ok(Json(blocking(move || guard.config()).await?))
}

/// Changes budget settings (absent fields keep their value); stored, so they survive restarts
/// and win over the configuration file.
#[utoipa::path(put, path = "/api/v1/budget/config", tag = "budget",
    request_body = BudgetConfigPatch,
    responses((status = 200, body = BudgetConfig), (status = 422, body = crate::server::error::ErrorBody)))]
pub async fn put_config(
    State(state): State<AppState>,
    AppJson(patch): AppJson<BudgetConfigPatch>,
) -> ApiResult<Json<BudgetConfig>> {
    let guard = state.cloud.guard().clone();
    Ok(Json(blocking(move || guard.update_config(&patch)).await?))
}

/// A prospective paid request.
#[derive(Debug, Deserialize, ToSchema)]
pub struct EstimateRequest {
    /// Provider model.
    pub model: String,
    /// Operation (default `edit`).
    #[serde(default = "default_operation")]
    pub operation: Operation,
    /// Size (`WxH` or `auto`); the model's default when absent.
    pub size: Option<String>,
    /// Quality; the model's default when absent.
    pub quality: Option<String>,
    /// Number of images (default 1).
    #[serde(default = "one")]
    pub n: u32,
    /// The session whose caps and rate limit apply.
    pub session_id: Option<String>,
}

fn default_operation() -> Operation {
    Operation::Edit
}

fn one() -> u32 {
    1
}

/// Prices a request and says whether the guard would let it through now.
#[utoipa::path(post, path = "/api/v1/budget/estimate", tag = "budget",
    request_body = EstimateRequest,
    responses((status = 200, body = EstimateReport), (status = 422, body = crate::server::error::ErrorBody)))]
pub async fn estimate(
    State(state): State<AppState>,
    AppJson(req): AppJson<EstimateRequest>,
) -> ApiResult<Json<EstimateReport>> {
    let inputs = u32::from(req.operation != Operation::Generation);
    let estimate = crate::budget::estimate(
        &req.model,
        req.operation,
        req.size.as_deref(),
        req.quality.as_deref(),
        req.n,
        inputs,
    )?;
    let session = session_or_default(req.session_id);
    let guard = state.cloud.guard().clone();
    Ok(Json(
        blocking(move || guard.check(&session, &estimate)).await?,
    ))
}

/// Paging of the ledger.
#[derive(Debug, Default, Deserialize, IntoParams)]
pub struct LedgerQuery {
    /// Items per page (1–500, default 50).
    pub limit: Option<usize>,
    /// Entries older than this id.
    pub before: Option<String>,
}

/// Settled charges and free dedupe hits, newest first.
#[utoipa::path(get, path = "/api/v1/budget/ledger", tag = "budget", params(LedgerQuery),
    responses((status = 200, body = Vec<LedgerEntry>)))]
pub async fn ledger(
    State(state): State<AppState>,
    AppQuery(q): AppQuery<LedgerQuery>,
) -> ApiResult<Json<Vec<LedgerEntry>>> {
    let store = state.jobs.store().clone();
    let limit = super::page_limit(q.limit);
    Ok(Json(
        blocking(move || store.budget_ledger(limit, q.before.as_deref())).await?,
    ))
}

/// The paid models, their operations, sizes, qualities and list prices.
#[utoipa::path(get, path = "/api/v1/cloud/models", tag = "budget",
    responses((status = 200, body = Vec<ModelPrices>)))]
pub async fn cloud_models() -> Json<Vec<ModelPrices>> {
    Json(crate::budget::price_table())
}
