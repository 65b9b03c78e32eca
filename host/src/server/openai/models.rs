//! `GET /v1/models` and `GET /v1/models/{id}`: the loaded local model, plugin models (none are
//! runnable yet) and the provider models of [`super::provider_seam`].

use std::sync::LazyLock;

use axum::Json;
use axum::extract::{Path, State};
use serde::{Deserialize, Serialize};

use super::error::{OpenAiError, OpenAiResult};
use super::provider_seam;
use super::response::unix_now;
use crate::server::state::AppState;

/// `owned_by` of local models.
pub const OWNED_BY_LOCAL: &str = "mend";

/// When this process first listed models: the `created` of local models.
static STARTED: LazyLock<u64> = LazyLock::new(unix_now);

/// One model, as OpenAI describes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ModelObject {
    /// The model's name, as `model` takes it.
    pub id: String,
    /// Always `model`.
    pub object: String,
    /// Unix seconds (for local models: when the server started).
    pub created: u64,
    /// `mend` for local models; the provider's name otherwise.
    pub owned_by: String,
}

impl ModelObject {
    /// A model entry.
    pub fn new(id: impl Into<String>, owned_by: impl Into<String>, created: u64) -> Self {
        Self {
            id: id.into(),
            object: "model".to_owned(),
            created,
            owned_by: owned_by.into(),
        }
    }
}

/// `{"object": "list", "data": [...]}`.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ModelList {
    /// Always `list`.
    pub object: String,
    /// The models.
    pub data: Vec<ModelObject>,
}

/// Notes the start time (called when the router is built).
pub fn mark_started() {
    LazyLock::force(&STARTED);
}

/// Local models requests can run now: the loaded one. (Only one model is loaded at a time;
/// this build's engine runs `cv2`, so `cv2` is always listed.)
pub fn local_models(state: &AppState) -> Vec<ModelObject> {
    vec![ModelObject::new(
        state.engine.current_model(),
        OWNED_BY_LOCAL,
        *STARTED,
    )]
}

/// Models plugins add that requests can run now. A model-adapter plugin's model runs once it
/// is selected (`POST /api/v1/model`); it is then the loaded local model, listed above, so
/// nothing is added here.
pub fn plugin_models(_state: &AppState) -> Vec<ModelObject> {
    Vec::new()
}

/// Every listed model, local first, without duplicate ids.
pub fn all_models(state: &AppState) -> Vec<ModelObject> {
    let mut out: Vec<ModelObject> = Vec::new();
    for m in local_models(state)
        .into_iter()
        .chain(plugin_models(state))
        .chain(provider_seam::provider_models(state))
    {
        if !out.iter().any(|o| o.id == m.id) {
            out.push(m);
        }
    }
    out
}

/// Lists the models.
#[utoipa::path(get, path = "/v1/models", tag = "openai",
    responses(
        (status = 200, body = ModelList),
        (status = 401, body = super::error::OpenAiErrorBody),
    ))]
pub async fn list(State(state): State<AppState>) -> Json<ModelList> {
    Json(ModelList {
        object: "list".to_owned(),
        data: all_models(&state),
    })
}

/// One model.
#[utoipa::path(get, path = "/v1/models/{id}", tag = "openai",
    params(("id" = String, Path, description = "Model id")),
    responses(
        (status = 200, body = ModelObject),
        (status = 404, description = "model_not_found", body = super::error::OpenAiErrorBody),
    ))]
pub async fn get(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> OpenAiResult<Json<ModelObject>> {
    all_models(&state)
        .into_iter()
        .find(|m| m.id == id)
        .map(Json)
        .ok_or_else(|| OpenAiError::model_not_found(&id))
}
