//! `/api/v1/plugins…`: list, upload, enable/disable, remove, configure and run plugins.
//! Failures answer the server's usual JSON error body; a failing plugin is a 422 naming it.

use axum::Json;
use axum::Router;
use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use image::RgbaImage;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::images;
use super::wit::latest;
use crate::imaging::{self, Limits};
use crate::server::error::ApiResult;
use crate::server::extract::AppJson;
use crate::server::state::{AppState, blocking};
use crate::{Error, Result};

/// The plugin routes (absolute paths).
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/plugins", get(list).post(upload))
        .route("/api/v1/plugins/{id}", axum::routing::delete(remove))
        .route("/api/v1/plugins/{id}/enable", post(enable))
        .route("/api/v1/plugins/{id}/disable", post(disable))
        .route("/api/v1/plugins/{id}/config", put(configure))
        .route("/api/v1/plugins/{id}/run", post(run))
}

async fn list(State(state): State<AppState>) -> Json<Value> {
    Json(json!({
        "plugins": state.plugins.list(),
        "errors": state.plugins.failures(),
        "dir": state.plugins.dir().display().to_string(),
    }))
}

fn listing(state: &AppState, id: &str) -> Result<Value> {
    state
        .plugins
        .list()
        .into_iter()
        .find(|p| p.id == id)
        .map(|p| json!(p))
        .ok_or_else(|| Error::NotFound(format!("plugin `{id}` not found")))
}

async fn upload(
    State(state): State<AppState>,
    mut multipart: Multipart,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let mut file = None;
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|e| Error::BadRequest(format!("invalid multipart body: {e}")))?
    {
        if field.name() == Some("file") {
            let name = field.file_name().unwrap_or("upload.wasm").to_owned();
            let bytes = field
                .bytes()
                .await
                .map_err(|e| Error::BadRequest(format!("reading the upload: {e}")))?;
            file = Some((name, bytes.to_vec()));
        }
    }
    let (name, bytes) =
        file.ok_or_else(|| Error::BadRequest("missing multipart field `file`".to_owned()))?;
    let id = state.plugins.install(bytes, &name).await?;
    Ok((StatusCode::CREATED, Json(listing(&state, &id)?)))
}

async fn enable(State(state): State<AppState>, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    state.plugins.set_enabled(&id, true)?;
    Ok(Json(listing(&state, &id)?))
}

async fn disable(State(state): State<AppState>, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    state.plugins.set_enabled(&id, false)?;
    Ok(Json(listing(&state, &id)?))
}

async fn remove(State(state): State<AppState>, Path(id): Path<String>) -> ApiResult<StatusCode> {
    state.plugins.remove(&id)?;
    Ok(StatusCode::NO_CONTENT)
}

async fn configure(
    State(state): State<AppState>,
    Path(id): Path<String>,
    AppJson(body): AppJson<Map<String, Value>>,
) -> ApiResult<Json<Value>> {
    // Accept `{"params": {...}}` or the values themselves.
    let params = match body.get("params") {
        Some(Value::Object(p)) if body.len() == 1 => p.clone(),
        _ => body,
    };
    state.plugins.configure(&id, params)?;
    Ok(Json(listing(&state, &id)?))
}

/// Body of `POST /api/v1/plugins/{id}/run`.
#[derive(Debug, Deserialize)]
struct RunRequest {
    /// Image as base64 or data URL.
    #[serde(default)]
    image: Option<String>,
    /// Mask as base64 or data URL.
    #[serde(default)]
    mask: Option<String>,
    /// Parameter values.
    #[serde(default)]
    params: Map<String, Value>,
    /// Clicks for mask generators: `[[x, y, positive], …]`.
    #[serde(default)]
    points: Vec<(i32, i32, bool)>,
}

/// Decodes a request image into RGBA.
pub fn decode_rgba(payload: &str, limits: &Limits) -> Result<RgbaImage> {
    let bytes = imaging::decode_payload(payload)?;
    let decoded = imaging::decode_image(&bytes, limits)?;
    Ok(imaging::to_rgba(&decoded.rgb, decoded.alpha.as_ref()))
}

fn data_url(png: &[u8]) -> String {
    use base64::Engine as _;
    format!(
        "data:image/png;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(png)
    )
}

fn invalid_output(id: &str, e: String) -> Error {
    Error::Plugin {
        plugin: id.to_owned(),
        message: e,
    }
}

async fn run(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    AppJson(req): AppJson<RunRequest>,
) -> ApiResult<Response> {
    let (plugin, _) = state.plugins.find_enabled(&id)?;
    let limits = state.limits;
    let (image, mask) = {
        let (image, mask) = (req.image.clone(), req.mask.clone());
        blocking(move || {
            let image = image.map(|s| decode_rgba(&s, &limits)).transpose()?;
            let mask = mask
                .map(|s| {
                    imaging::decode_payload(&s).and_then(|b| imaging::decode_mask(&b, &limits))
                })
                .transpose()?;
            Ok((image, mask))
        })
        .await?
    };
    let (out_image, out_mask, stats) = match plugin.kind() {
        super::PluginKind::Processor => {
            let frame = latest::Frame {
                image: image.map(images::to_wit_image),
                mask: mask.map(images::to_wit_mask),
            };
            let (out, stats) = state.plugins.process(&id, frame, &req.params).await?;
            (out.image, out.mask, stats)
        }
        super::PluginKind::MaskGenerator => {
            let image = image
                .ok_or_else(|| Error::BadRequest(format!("plugin `{id}` needs an `image`")))?;
            let points = req
                .points
                .iter()
                .map(|&(x, y, positive)| latest::types::Point { x, y, positive })
                .collect();
            let (mask, stats) = state
                .plugins
                .generate(&id, images::to_wit_image(image), points, &req.params)
                .await?;
            (None, Some(mask), stats)
        }
        super::PluginKind::ModelAdapter => {
            return Err(Error::BadRequest(format!(
                "plugin `{id}` is a model adapter; it runs through /api/v1/inpaint"
            ))
            .into());
        }
    };
    let want_png = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("image/png"));
    let id2 = id.clone();
    let (image_png, mask_png) = blocking(move || {
        let image_png = out_image
            .map(|i| images::from_wit_image(i).map_err(|e| invalid_output(&id2, e)))
            .transpose()?
            .map(|i| imaging::rgba_png(&i))
            .transpose()?;
        let mask_png = out_mask
            .map(|m| images::from_wit_mask(m).map_err(|e| invalid_output(&id2, e)))
            .transpose()?
            .map(|m| imaging::gray_png(&m))
            .transpose()?;
        Ok((image_png, mask_png))
    })
    .await?;
    if want_png && let Some(png) = image_png.clone().or_else(|| mask_png.clone()) {
        return Ok(([(header::CONTENT_TYPE, "image/png")], png).into_response());
    }
    Ok(Json(json!({
        "plugin": id,
        "image": image_png.as_deref().map(data_url),
        "mask": mask_png.as_deref().map(data_url),
        "stats": stats,
    }))
    .into_response())
}
