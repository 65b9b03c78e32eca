//! `POST /v1/images/variations` (multipart): local erase models cannot make variations, so a
//! local model answers an OpenAI-shaped 400; provider models go to the provider seam.

use axum::Json;
use axum::extract::{Request, State};

use super::error::{OpenAiError, OpenAiResult};
use super::generations::local_cannot;
use super::multipart::Form;
use super::provider_seam::{self, Caller, Route};
use super::response::ImagesResponse;
use crate::server::state::AppState;

/// The multipart fields of a variation (documentation only).
#[derive(Debug, utoipa::ToSchema)]
#[allow(dead_code)]
pub struct VariationForm {
    /// The image to vary.
    #[schema(value_type = String, format = Binary)]
    image: Vec<u8>,
    /// Model; default: the server's loaded model.
    model: Option<String>,
    /// Number of images, 1–10.
    n: Option<u32>,
    /// `WxH`.
    size: Option<String>,
    /// `b64_json` or `url`.
    response_format: Option<String>,
    /// End-user id.
    user: Option<String>,
}

/// Makes variations of an image (provider models only).
#[utoipa::path(
    post,
    path = "/v1/images/variations",
    tag = "openai",
    request_body(content = VariationForm, content_type = "multipart/form-data"),
    responses(
        (status = 200, body = ImagesResponse),
        (status = 400, description = "invalid_request_error; local erase models cannot make variations", body = super::error::OpenAiErrorBody),
        (status = 404, description = "model_not_found", body = super::error::OpenAiErrorBody),
    )
)]
pub async fn vary(
    State(state): State<AppState>,
    req: Request,
) -> OpenAiResult<Json<ImagesResponse>> {
    let headers = req.headers().clone();
    let request = Form::read(req, &state).await?.into_variation()?;
    match provider_seam::route(&state, request.model.as_deref()) {
        Route::Local => Err(local_cannot(&state, "make variations of an image")),
        Route::Provider(model) => {
            provider_seam::run_provider_variation(&state, &Caller { headers }, &model, request)
                .await
                .map(Json)
        }
        other => Err(provider_seam::unroutable(&other)
            .unwrap_or_else(|| OpenAiError::invalid("Unroutable model.", Some("model")))),
    }
}
