//! The seam between the OpenAI-compatible routes and paid provider models (gpt-image-1,
//! dall-e-2, …): which model names go where ([`route`]), which provider models `/v1/models`
//! lists ([`provider_models`]) and the calls that run a request on a provider
//! ([`run_provider_edit`], [`run_provider_generation`], [`run_provider_variation`]).
//!
//! Provider models are the paid models of the budget's price table; their requests go through
//! [`crate::cloud::Cloud::run`] (dedupe, rate limit, caps, reservation, provider call,
//! settlement) with every field the client sent forwarded unchanged. Images and masks are
//! passed through as sent (the client already uses OpenAI's mask convention). The budget
//! session is the `X-Mend-Session` header, else the request's `user`, else `api`.

use axum::http::HeaderMap;

use super::error::{OpenAiError, OpenAiResult};
use super::models::ModelObject;
use super::request::ResponseFormat;
pub use super::request::{EditRequest, GenerationRequest, Upload, VariationRequest};
use super::response::{ImageData, ImagesResponse, unix_now};
use crate::budget::{self, Operation};
use crate::cloud::{CloudRequest, CloudResult, Finish, PROVIDER_NAME};
use crate::imaging;
use crate::providers::ProviderImage;
use crate::server::state::{AppState, blocking};
use crate::storage::budget::MAX_SESSION_LEN;

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

/// The paid provider models (`/v1/models` lists them whether or not a key is configured; a
/// call without a key answers 503 saying how to configure one).
pub fn provider_models(_state: &AppState) -> Vec<ModelObject> {
    budget::price_table()
        .into_iter()
        .map(|m| ModelObject::new(m.id, PROVIDER_NAME, 0))
        .collect()
}

/// Whether `name` is a provider model.
pub fn is_provider_model(_state: &AppState, name: &str) -> bool {
    budget::is_provider_model(name)
}

/// Provider models that can generate images or make variations (for error messages).
pub fn generating_models(_state: &AppState) -> Vec<String> {
    budget::price_table()
        .into_iter()
        .filter(|m| {
            m.operations.contains(&Operation::Generation)
                || m.operations.contains(&Operation::Variation)
        })
        .map(|m| m.id.to_owned())
        .collect()
}

/// Header naming the budget session of an API call (else the request's `user`, else `api`).
pub const SESSION_HEADER: &str = "x-mend-session";

fn session(caller: &Caller, user: Option<&str>) -> String {
    caller
        .headers
        .get(SESSION_HEADER)
        .and_then(|v| v.to_str().ok())
        .or(user)
        .map(str::trim)
        .filter(|s| !s.is_empty() && s.len() <= MAX_SESSION_LEN && !s.contains('/'))
        .unwrap_or("api")
        .to_owned()
}

fn part(upload: &Upload, default_name: &str) -> ProviderImage {
    ProviderImage {
        bytes: upload.bytes.to_vec(),
        file_name: upload
            .filename
            .clone()
            .unwrap_or_else(|| default_name.to_owned()),
        content_type: upload
            .content_type
            .clone()
            .unwrap_or_else(|| "image/png".to_owned()),
    }
}

fn b64_only(format: ResponseFormat) -> OpenAiResult<()> {
    match format {
        ResponseFormat::B64Json => Ok(()),
        ResponseFormat::Url => Err(OpenAiError::invalid_code(
            "`response_format=url` is only available for local models; use b64_json",
            Some("response_format"),
            "invalid_value",
        )),
    }
}

async fn image_size(state: &AppState, upload: &Upload) -> OpenAiResult<(u32, u32)> {
    let bytes = upload.bytes.clone();
    let limits = state.limits;
    Ok(blocking(move || imaging::image_dimensions(&bytes, &limits)).await?)
}

/// Provider images as an OpenAI answer.
fn answer(result: CloudResult, size: Option<String>) -> ImagesResponse {
    ImagesResponse {
        created: unix_now(),
        data: result
            .images
            .iter()
            .map(|bytes| ImageData::new(ResponseFormat::B64Json, bytes, None))
            .collect(),
        background: None,
        output_format: None,
        size,
        usage: None,
    }
}

/// No finishing step: the provider's images are the answer (no history entry).
fn passthrough() -> Finish {
    Box::new(|_, images| Ok((images, None)))
}

/// Runs an edit on provider model `model`, through the budget guard.
pub async fn run_provider_edit(
    state: &AppState,
    caller: &Caller,
    model: &str,
    request: EditRequest,
) -> OpenAiResult<ImagesResponse> {
    b64_only(request.response_format)?;
    let prompt = required_prompt(request.prompt.as_deref())?;
    let first = request.images.first().ok_or_else(|| {
        OpenAiError::invalid_code(
            "`image` is required",
            Some("image"),
            "missing_required_parameter",
        )
    })?;
    let job_size = image_size(state, first).await?;
    let mut extra = request.extra.clone();
    for (k, v) in [
        ("output_format", request.output_format.clone()),
        ("background", request.background.clone()),
        (
            "output_compression",
            request.output_compression.map(|c| c.to_string()),
        ),
    ] {
        if let Some(v) = v {
            extra.insert(k.to_owned(), v);
        }
    }
    let cloud = CloudRequest {
        operation: Operation::Edit,
        model: model.to_owned(),
        prompt,
        images: request
            .images
            .iter()
            .map(|u| part(u, "image.png"))
            .collect(),
        mask: request.mask.as_ref().map(|m| part(m, "mask.png")),
        size: request.size.clone(),
        quality: request.quality.clone(),
        n: request.n.max(1),
        extra,
        session: session(caller, request.user.as_deref()),
        job_size,
        dedupe_key: None,
    };
    let result = state.cloud.run(cloud, passthrough()).await?;
    Ok(answer(result, request.size))
}

/// Runs a generation on provider model `model`, through the budget guard.
pub async fn run_provider_generation(
    state: &AppState,
    caller: &Caller,
    model: &str,
    request: GenerationRequest,
) -> OpenAiResult<ImagesResponse> {
    b64_only(ResponseFormat::parse(request.response_format.as_deref())?)?;
    let prompt = required_prompt(request.prompt.as_deref())?;
    let n = match request.n {
        Some(n) => super::request::check_n(Some(i64::from(n)), &n.to_string())?,
        None => 1,
    };
    let mut extra: std::collections::BTreeMap<String, String> = request
        .extra
        .iter()
        .map(|(k, v)| {
            (
                k.clone(),
                v.as_str().map_or_else(|| v.to_string(), str::to_owned),
            )
        })
        .collect();
    for (k, v) in [
        ("style", request.style.clone()),
        ("output_format", request.output_format.clone()),
        ("background", request.background.clone()),
    ] {
        if let Some(v) = v {
            extra.insert(k.to_owned(), v);
        }
    }
    let cloud = CloudRequest {
        operation: Operation::Generation,
        model: model.to_owned(),
        prompt,
        images: Vec::new(),
        mask: None,
        size: request.size.clone(),
        quality: request.quality.clone(),
        n,
        extra,
        session: session(caller, request.user.as_deref()),
        job_size: (0, 0),
        dedupe_key: None,
    };
    let result = state.cloud.run(cloud, passthrough()).await?;
    Ok(answer(result, request.size))
}

/// Runs a variation on provider model `model`, through the budget guard.
pub async fn run_provider_variation(
    state: &AppState,
    caller: &Caller,
    model: &str,
    request: VariationRequest,
) -> OpenAiResult<ImagesResponse> {
    b64_only(request.response_format)?;
    let image = request.image.as_ref().ok_or_else(|| {
        OpenAiError::invalid_code(
            "`image` is required",
            Some("image"),
            "missing_required_parameter",
        )
    })?;
    let job_size = image_size(state, image).await?;
    let cloud = CloudRequest {
        operation: Operation::Variation,
        model: model.to_owned(),
        prompt: String::new(),
        images: vec![part(image, "image.png")],
        mask: None,
        size: request.size.clone(),
        quality: None,
        n: request.n.max(1),
        extra: request.extra.clone(),
        session: session(caller, request.user.as_deref()),
        job_size,
        dedupe_key: None,
    };
    let result = state.cloud.run(cloud, passthrough()).await?;
    Ok(answer(result, request.size))
}

fn required_prompt(prompt: Option<&str>) -> OpenAiResult<String> {
    prompt
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(str::to_owned)
        .ok_or_else(|| {
            OpenAiError::invalid_code(
                "`prompt` is required for provider models",
                Some("prompt"),
                "missing_required_parameter",
            )
        })
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
