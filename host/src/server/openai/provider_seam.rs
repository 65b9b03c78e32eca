//! The seam between the OpenAI-compatible routes and paid provider models (gpt-image-1,
//! dall-e-2, …): which model names go where ([`route`]), which provider models `/v1/models`
//! lists ([`provider_models`]) and the calls that run a request on a provider
//! ([`run_provider_edit`], [`run_provider_generation`], [`run_provider_variation`]).
//!
//! Today no provider is wired in: [`provider_models`] is empty and the `run_*` functions answer
//! 400 "provider models are not configured". The budget-guarded cloud client plugs in here; the
//! request structs ([`EditRequest`], [`GenerationRequest`], [`VariationRequest`]) carry every
//! field the client sent so they can be forwarded unchanged.

use axum::http::HeaderMap;

use super::error::{OpenAiError, OpenAiResult};
use super::models::ModelObject;
pub use super::request::{EditRequest, GenerationRequest, Upload, VariationRequest};
use super::response::ImagesResponse;
use crate::server::state::AppState;

/// Where a request's `model` runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// On the loaded local model (the request named it, or named no model).
    Local,
    /// On an external provider; the name as requested.
    Provider(String),
    /// A local model mend knows but has not loaded.
    NotLoaded {
        /// The requested model.
        name: String,
        /// The model that is loaded.
        loaded: String,
    },
    /// Neither local nor a provider model.
    Unknown(String),
}

/// Who called, for provider calls (budget sessions, rate limits, dedupe keys).
#[derive(Debug, Clone, Default)]
pub struct Caller {
    /// The request's headers (`Authorization` included; never log them).
    pub headers: HeaderMap,
}

/// Decides where `model` runs. `None` (no `model` field) runs on the loaded local model.
pub fn route(state: &AppState, model: Option<&str>) -> Route {
    let Some(name) = model else {
        return Route::Local;
    };
    let loaded = state.engine.current_model();
    if name == loaded {
        Route::Local
    } else if is_provider_model(state, name) {
        Route::Provider(name.to_owned())
    } else if mend_models::catalogue::find(name).is_some() {
        Route::NotLoaded {
            name: name.to_owned(),
            loaded,
        }
    } else {
        Route::Unknown(name.to_owned())
    }
}

/// The provider models `/v1/models` lists and [`route`] sends to a provider. None yet.
pub fn provider_models(_state: &AppState) -> Vec<ModelObject> {
    Vec::new()
}

/// Whether `name` is a provider model.
pub fn is_provider_model(state: &AppState, name: &str) -> bool {
    provider_models(state).iter().any(|m| m.id == name)
}

/// Provider models that can generate images or make variations (for error messages).
pub fn generating_models(state: &AppState) -> Vec<String> {
    provider_models(state).into_iter().map(|m| m.id).collect()
}

/// Runs an edit on provider model `model`.
pub async fn run_provider_edit(
    _state: &AppState,
    _caller: &Caller,
    model: &str,
    _request: EditRequest,
) -> OpenAiResult<ImagesResponse> {
    Err(not_configured(model))
}

/// Runs a generation on provider model `model`.
pub async fn run_provider_generation(
    _state: &AppState,
    _caller: &Caller,
    model: &str,
    _request: GenerationRequest,
) -> OpenAiResult<ImagesResponse> {
    Err(not_configured(model))
}

/// Runs a variation on provider model `model`.
pub async fn run_provider_variation(
    _state: &AppState,
    _caller: &Caller,
    model: &str,
    _request: VariationRequest,
) -> OpenAiResult<ImagesResponse> {
    Err(not_configured(model))
}

fn not_configured(model: &str) -> OpenAiError {
    OpenAiError::invalid_code(
        format!(
            "Model `{model}` is a provider model, but provider models are not configured on this server."
        ),
        Some("model"),
        "provider_not_configured",
    )
}

/// The error for a request routed nowhere runnable: unknown → 404 `model_not_found`, known
/// local but not loaded → 400 naming the loaded one.
pub fn unroutable(route: &Route) -> Option<OpenAiError> {
    match route {
        Route::Local | Route::Provider(_) => None,
        Route::Unknown(name) => Some(OpenAiError::model_not_found(name)),
        Route::NotLoaded { name, loaded } => Some(OpenAiError::invalid_code(
            format!(
                "Model `{name}` is a local model that is not loaded; this server runs `{loaded}`. \
                 Switch models with POST /api/v1/model or use `{loaded}`."
            ),
            Some("model"),
            "model_not_loaded",
        )),
    }
}
