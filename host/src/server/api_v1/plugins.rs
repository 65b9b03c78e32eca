//! IOPaint's plugin routes. mend's plugins are WebAssembly components that arrive with the
//! plugin runtime; until then no plugin is enabled and these routes answer a JSON 404 naming
//! the plugin (IOPaint's "plugin not found" case), never a crash.

use axum::http::StatusCode;

use super::schema::{RunPluginRequest, SwitchPluginModelRequest};
use crate::server::error::{ApiError, ApiResult};
use crate::server::extract::AppJson;

fn plugin_not_found(name: &str) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "PluginNotFound",
        format!("Plugin `{name}` not found: no plugins are enabled in this version of mend"),
    )
}

/// Runs a plugin that produces a mask.
#[utoipa::path(post, path = "/api/v1/run_plugin_gen_mask", tag = "iopaint",
    request_body = RunPluginRequest,
    responses((status = 404, description = "Plugin not found", body = crate::server::error::ErrorBody)))]
pub async fn run_plugin_gen_mask(AppJson(req): AppJson<RunPluginRequest>) -> ApiResult<()> {
    Err(plugin_not_found(&req.name))
}

/// Runs a plugin that produces an image.
#[utoipa::path(post, path = "/api/v1/run_plugin_gen_image", tag = "iopaint",
    request_body = RunPluginRequest,
    responses((status = 404, description = "Plugin not found", body = crate::server::error::ErrorBody)))]
pub async fn run_plugin_gen_image(AppJson(req): AppJson<RunPluginRequest>) -> ApiResult<()> {
    Err(plugin_not_found(&req.name))
}

/// Switches a plugin's model.
#[utoipa::path(post, path = "/api/v1/switch_plugin_model", tag = "iopaint",
    request_body = SwitchPluginModelRequest,
    responses((status = 404, description = "Plugin not found", body = crate::server::error::ErrorBody)))]
pub async fn switch_plugin_model(AppJson(req): AppJson<SwitchPluginModelRequest>) -> ApiResult<()> {
    Err(plugin_not_found(&req.plugin_name))
}
