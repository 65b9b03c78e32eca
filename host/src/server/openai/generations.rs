//! `POST /v1/images/generations` (JSON): local erase models cannot generate images from a
//! prompt, so a local model answers an OpenAI-shaped 400 naming the model and the models that
//! can; provider models go to the provider seam.

use axum::Json;
use axum::extract::State;
use axum::extract::rejection::JsonRejection;
use axum::http::{HeaderMap, StatusCode};

use super::error::{INVALID_REQUEST, OpenAiError, OpenAiResult};
use super::provider_seam::{self, Caller, Route};
use super::request::{GenerationRequest, check_n};
use super::response::ImagesResponse;
use crate::server::state::AppState;

/// Generates images from a prompt (provider models only).
#[utoipa::path(
    post,
    path = "/v1/images/generations",
    tag = "openai",
    request_body = GenerationRequest,
    responses(
        (status = 200, body = ImagesResponse),
        (status = 400, description = "invalid_request_error; local erase models cannot generate", body = super::error::OpenAiErrorBody),
        (status = 404, description = "model_not_found", body = super::error::OpenAiErrorBody),
    )
)]
pub async fn generate(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Json<GenerationRequest>, JsonRejection>,
) -> OpenAiResult<Json<ImagesResponse>> {
    let Json(request) = body.map_err(|e| json_rejection(&e))?;
    if let Some(n) = request.n {
        check_n(Some(i64::from(n)), &n.to_string())?;
    }
    match provider_seam::route(&state, request.model.as_deref()) {
        Route::Local => Err(local_cannot(&state, "generate images from a prompt")),
        Route::Provider(model) => {
            provider_seam::run_provider_generation(&state, &Caller { headers }, &model, request)
                .await
                .map(Json)
        }
        other => Err(provider_seam::unroutable(&other)
            .unwrap_or_else(|| OpenAiError::invalid("Unroutable model.", Some("model")))),
    }
}

/// The 400 for an operation the loaded local erase model cannot do.
pub fn local_cannot(state: &AppState, what: &str) -> OpenAiError {
    let model = state.engine.current_model();
    let able = provider_seam::generating_models(state);
    let which = if able.is_empty() {
        "only provider models can, and none are configured on this server".to_owned()
    } else {
        format!("use one of: {}", able.join(", "))
    };
    OpenAiError::invalid_code(
        format!(
            "Model `{model}` is a local erase model: it fills the masked area of an image \
             (POST /v1/images/edits) and cannot {what}; {which}."
        ),
        Some("model"),
        "model_not_supported",
    )
}

/// OpenAI-shaped errors for bodies that are not the expected JSON.
fn json_rejection(rejection: &JsonRejection) -> OpenAiError {
    let status = rejection.status();
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        return OpenAiError::new(
            status,
            INVALID_REQUEST,
            "The request body is larger than the server's limit (--max-body-bytes).",
            None,
            Some("request_too_large"),
        );
    }
    OpenAiError::invalid(
        format!(
            "We could not parse the JSON body of your request: {}",
            rejection.body_text()
        ),
        None,
    )
}
