//! Server configuration and model routes: `server-config`, `model` (get/switch), `samplers`.

use axum::Json;
use axum::extract::State;

use super::schema::{
    INTERACTIVE_SEG_MODELS, ModelInfo, REALESRGAN_MODELS, REMOVE_BG_MODELS, SAMPLERS, ServerConfig,
    SwitchModelRequest,
};
use mend_models::catalogue::ModelKind;

use crate::models::{ExtraWeights, ModelState, WeightsContext};
use crate::plugins::Plugins;
use crate::server::error::ApiResult;
use crate::server::extract::AppJson;
use crate::server::state::AppState;

fn owned(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}

/// The models that can be selected: IOPaint lists only downloaded models; mend also lists
/// supported models whose weights are missing (selecting one downloads them), marked with
/// `mend_state: "needs_download"` and `mend_download_bytes` (fields IOPaint's UI ignores).
/// Models of enabled model-adapter plugins follow the built-in ones (`mend_plugin` names the
/// plugin; it is also set on a built-in model an adapter wraps).
pub fn available_models(ctx: &WeightsContext, plugins: &Plugins) -> Vec<ModelInfo> {
    let adapters = plugins.adapter_models();
    let mut infos: Vec<ModelInfo> = crate::models::model_statuses(ctx)
        .into_iter()
        .filter(|s| s.state != ModelState::Unsupported && s.kind == ModelKind::Inpaint)
        .map(|s| {
            let mut info = ModelInfo::erase_model(s.name);
            info.mend_state = Some(s.state.as_str().to_owned());
            info.mend_download_bytes = (s.state == ModelState::NeedsDownload)
                .then_some(s.download_bytes)
                .flatten();
            info.mend_plugin = adapters
                .iter()
                .find(|a| a.model.name == s.name)
                .map(|a| a.plugin.clone());
            info
        })
        .collect();
    for a in adapters {
        if infos.iter().any(|i| i.name == a.model.name) {
            continue;
        }
        let weights = ExtraWeights::resolve(
            &a.model.name,
            &a.model.weights_url,
            &a.model.weights_md5,
            ctx,
        );
        let mut info = ModelInfo::erase_model(&a.model.name);
        info.mend_state = Some(
            if weights.present() {
                ModelState::Ready
            } else {
                ModelState::NeedsDownload
            }
            .as_str()
            .to_owned(),
        );
        info.mend_plugin = Some(a.plugin);
        infos.push(info);
    }
    infos
}

/// The catalogue's erase models this build cannot run (yet), with `mend_state: "unsupported"`.
pub fn unsupported_models(ctx: &WeightsContext) -> Vec<ModelInfo> {
    crate::models::model_statuses(ctx)
        .into_iter()
        .filter(|s| s.state == ModelState::Unsupported && s.kind == ModelKind::Inpaint)
        .map(|s| {
            let mut info = ModelInfo::erase_model(s.name);
            info.mend_state = Some(s.state.as_str().to_owned());
            info
        })
        .collect()
}

/// The server's configuration, as IOPaint's UI reads it on page load.
#[utoipa::path(get, path = "/api/v1/server-config", tag = "iopaint",
    responses((status = 200, body = ServerConfig)))]
pub async fn server_config(State(state): State<AppState>) -> Json<ServerConfig> {
    let cfg = &state.config;
    let ctx = WeightsContext::from_config(cfg);
    Json(ServerConfig {
        plugins: super::plugins::enabled_plugins(&state),
        model_infos: available_models(&ctx, &state.plugins),
        remove_bg_model: "briaai/RMBG-1.4".to_owned(),
        remove_bg_models: owned(REMOVE_BG_MODELS),
        realesrgan_model: "realesr-general-x4v3".to_owned(),
        realesrgan_models: owned(REALESRGAN_MODELS),
        interactive_seg_model: "sam2_1_tiny".to_owned(),
        interactive_seg_models: owned(INTERACTIVE_SEG_MODELS),
        enable_file_manager: cfg.file_manager_enabled(),
        enable_auto_saving: cfg.output_dir.is_some(),
        enable_controlnet: false,
        controlnet_method: None,
        disable_model_switch: false,
        is_desktop: false,
        samplers: owned(SAMPLERS),
        mend_version: env!("CARGO_PKG_VERSION").to_owned(),
        device: state.engine.device().as_str().to_owned(),
        device_detail: state.engine.device().describe(),
        max_pixels: cfg.max_pixels,
        max_body_bytes: cfg.max_body_bytes,
        mend_unsupported_models: unsupported_models(&ctx),
    })
}

/// The current model.
#[utoipa::path(get, path = "/api/v1/model", tag = "iopaint",
    responses((status = 200, body = ModelInfo)))]
pub async fn current_model(State(state): State<AppState>) -> Json<ModelInfo> {
    Json(current_info(&state))
}

/// Switches the model, downloading its weights first when missing; queued inpaints finish on
/// the previous one first.
#[utoipa::path(post, path = "/api/v1/model", tag = "iopaint",
    request_body = SwitchModelRequest,
    responses(
        (status = 200, body = ModelInfo),
        (status = 404, description = "Unknown model", body = crate::server::error::ErrorBody),
        (status = 409, description = "Its weights are being downloaded by another request", body = crate::server::error::ErrorBody),
        (status = 422, description = "Model not available in this build, or weights missing with --local-files-only", body = crate::server::error::ErrorBody),
        (status = 502, description = "Downloading its weights failed (network, HTTP status, md5)", body = crate::server::error::ErrorBody),
    ))]
pub async fn switch_model(
    State(state): State<AppState>,
    AppJson(req): AppJson<SwitchModelRequest>,
) -> ApiResult<Json<ModelInfo>> {
    let adapted = state.plugins.adapted(&req.name);
    let provider = adapted.as_ref().map(|(_, a)| a.hooks.adapter().to_owned());
    let loaded =
        req.name == state.engine.current_model() && provider == state.engine.current_plugin();
    // The same name from another source (an adapter enabled or disabled since) loads again.
    if !loaded {
        // Missing weights are fetched first (progress as `model_download` Socket.IO events);
        // the engine keeps serving inpaints meanwhile and only stops for the load itself.
        let ctx = WeightsContext::from_config(&state.config);
        let source = crate::models::prepare(&req.name, adapted, &ctx, state.events()).await?;
        state.engine.switch_to(source).await?;
    }
    Ok(Json(current_info(&state)))
}

/// The loaded model's info, with the adapter plugin wrapping it.
fn current_info(state: &AppState) -> ModelInfo {
    let mut info = ModelInfo::erase_model(&state.engine.current_model());
    info.mend_plugin = state.engine.current_plugin();
    info
}

/// Diffusion sampler names.
#[utoipa::path(get, path = "/api/v1/samplers", tag = "iopaint",
    responses((status = 200, body = Vec<String>)))]
pub async fn samplers() -> Json<Vec<String>> {
    Json(owned(SAMPLERS))
}
