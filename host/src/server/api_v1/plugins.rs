//! IOPaint's plugin routes, served from mend's plugin registry: a plugin is found by id or
//! display name; a mask generator answers `run_plugin_gen_mask` with IOPaint's overlay PNG,
//! a processor answers `run_plugin_gen_image` with a PNG. Unknown plugins get a JSON 404
//! naming the plugin, never a crash.

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::Map;

use super::schema::{PluginInfo, RunPluginRequest, SwitchPluginModelRequest};
use crate::Error;
use crate::plugins::routes::decode_rgba;
use crate::plugins::wit::latest;
use crate::plugins::{PluginKind, images};
use crate::server::error::{ApiError, ApiResult};
use crate::server::extract::AppJson;
use crate::server::state::{AppState, blocking};

fn plugin_not_found(name: &str) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "PluginNotFound",
        format!("Plugin `{name}` not found"),
    )
}

/// Enabled plugins as IOPaint's `server-config` lists them, plus their parameters (`mend_params`).
pub fn enabled_plugins(state: &AppState) -> Vec<PluginInfo> {
    state
        .plugins
        .enabled()
        .into_iter()
        .filter(|(_, _, kind)| *kind != PluginKind::ModelAdapter)
        .map(|(id, _, kind)| PluginInfo {
            mend_params: state
                .plugins
                .get(&id)
                .map(|p| {
                    p.manifest
                        .params
                        .iter()
                        .filter_map(|spec| serde_json::to_value(spec).ok())
                        .collect()
                })
                .unwrap_or_default(),
            name: id,
            support_gen_image: kind == PluginKind::Processor,
            support_gen_mask: kind == PluginKind::MaskGenerator,
        })
        .collect()
}

fn find(state: &AppState, name: &str, kind: PluginKind) -> ApiResult<String> {
    match state.plugins.find_enabled(name) {
        Ok((p, _)) if p.kind() == kind => Ok(p.id().to_owned()),
        Ok(_) => Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "PluginError",
            format!("Plugin `{name}` does not support this operation"),
        )),
        Err(_) => Err(plugin_not_found(name)),
    }
}

fn png(bytes: Vec<u8>) -> Response {
    ([(header::CONTENT_TYPE, "image/png")], bytes).into_response()
}

/// Runs a plugin that produces a mask.
#[utoipa::path(post, path = "/api/v1/run_plugin_gen_mask", tag = "iopaint",
    request_body = RunPluginRequest,
    responses((status = 200, description = "Mask overlay (PNG)", content_type = "image/png"),
        (status = 404, description = "Plugin not found", body = crate::server::error::ErrorBody)))]
pub async fn run_plugin_gen_mask(
    State(state): State<AppState>,
    AppJson(req): AppJson<RunPluginRequest>,
) -> ApiResult<Response> {
    let id = find(&state, &req.name, PluginKind::MaskGenerator)?;
    let limits = state.limits;
    let image = blocking(move || decode_rgba(&req.image, &limits)).await?;
    let points = req
        .clicks
        .iter()
        .filter_map(|c| {
            let x = c.first()?.as_f64()?;
            let y = c.get(1)?.as_f64()?;
            let positive = c.get(2).and_then(serde_json::Value::as_f64).unwrap_or(1.0) > 0.0;
            Some(latest::types::Point {
                x: x as i32,
                y: y as i32,
                positive,
            })
        })
        .collect();
    let (mask, _) = state
        .plugins
        .generate(&id, images::to_wit_image(image), points, &Map::new())
        .await?;
    let bytes = blocking(move || {
        let mask = images::from_wit_mask(mask).map_err(|message| Error::Plugin {
            plugin: id,
            message,
        })?;
        crate::imaging::mask_overlay_png(&mask)
    })
    .await?;
    Ok(png(bytes))
}

/// Runs a plugin that produces an image.
#[utoipa::path(post, path = "/api/v1/run_plugin_gen_image", tag = "iopaint",
    request_body = RunPluginRequest,
    responses((status = 200, description = "Result image (PNG)", content_type = "image/png"),
        (status = 404, description = "Plugin not found", body = crate::server::error::ErrorBody)))]
pub async fn run_plugin_gen_image(
    State(state): State<AppState>,
    AppJson(req): AppJson<RunPluginRequest>,
) -> ApiResult<Response> {
    let id = find(&state, &req.name, PluginKind::Processor)?;
    let limits = state.limits;
    let image = blocking(move || decode_rgba(&req.image, &limits)).await?;
    let frame = latest::Frame {
        image: Some(images::to_wit_image(image)),
        mask: None,
    };
    let (out, _) = state.plugins.process(&id, frame, &Map::new()).await?;
    let image = out.image.ok_or_else(|| Error::Plugin {
        plugin: id.clone(),
        message: "returned no image".to_owned(),
    })?;
    let bytes = blocking(move || {
        let image = images::from_wit_image(image).map_err(|message| Error::Plugin {
            plugin: id,
            message,
        })?;
        crate::imaging::rgba_png(&image)
    })
    .await?;
    Ok(png(bytes))
}

/// Switches a plugin's model. mend's plugins do not have switchable models yet: a known
/// plugin answers 422, an unknown one 404.
#[utoipa::path(post, path = "/api/v1/switch_plugin_model", tag = "iopaint",
    request_body = SwitchPluginModelRequest,
    responses((status = 404, description = "Plugin not found", body = crate::server::error::ErrorBody)))]
pub async fn switch_plugin_model(
    State(state): State<AppState>,
    AppJson(req): AppJson<SwitchPluginModelRequest>,
) -> ApiResult<()> {
    match state.plugins.find_enabled(&req.plugin_name) {
        Ok(_) => Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "PluginError",
            format!(
                "Plugin `{}` has no switchable models (requested `{}`)",
                req.plugin_name, req.model_name
            ),
        )),
        Err(_) => Err(plugin_not_found(&req.plugin_name)),
    }
}
