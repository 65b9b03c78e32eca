//! IOPaint's HTTP API under `/api/v1`: the same routes, fields, defaults and response types,
//! so IOPaint's web UI and scripts work against mend unchanged. Where upstream has a known
//! bug (shared/spec/iopaint-compat.md §10), mend answers the fixed way and says so in the docs.

pub mod files;
pub mod hooks;
pub mod inpaint;
pub mod masks;
pub mod media;
pub mod models;
pub mod pipeline;
pub mod plugins;
pub mod schema;

use axum::Router;
use axum::routing::{get, post};

use super::error::ApiError;
use super::state::AppState;

/// The `/api/v1` routes (paths are absolute).
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/server-config", get(models::server_config))
        .route(
            "/api/v1/model",
            get(models::current_model).post(models::switch_model),
        )
        .route("/api/v1/samplers", get(models::samplers))
        .route("/api/v1/inpaint", post(inpaint::inpaint))
        .route("/api/v1/adjust_mask", post(masks::adjust_mask))
        .route("/api/v1/inputimage", get(files::input_image))
        .route("/api/v1/save_image", post(files::save_image))
        .route("/api/v1/gen-info", post(files::gen_info))
        .route("/api/v1/medias", get(media::medias))
        .route("/api/v1/media_file", get(media::media_file))
        .route(
            "/api/v1/media_thumbnail_file",
            get(media::media_thumbnail_file),
        )
        .route(
            "/api/v1/run_plugin_gen_mask",
            post(plugins::run_plugin_gen_mask),
        )
        .route(
            "/api/v1/run_plugin_gen_image",
            post(plugins::run_plugin_gen_image),
        )
        .route(
            "/api/v1/switch_plugin_model",
            post(plugins::switch_plugin_model),
        )
        .route("/api/v1/{*rest}", axum::routing::any(unknown_route))
}

async fn unknown_route(uri: axum::http::Uri) -> ApiError {
    ApiError::not_found(format!("no API route {}", uri.path()))
}
