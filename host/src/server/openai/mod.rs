//! The OpenAI-compatible images API under `/v1`, so the official OpenAI SDKs and tools built
//! for them (`base_url="http://HOST:PORT/v1"`) work against mend:
//!
//! - `GET /v1/models`, `GET /v1/models/{id}` ([`models`]),
//! - `POST /v1/images/edits` ([`edits`]): runs on the loaded local model, free,
//! - `POST /v1/images/generations` ([`generations`]) and `/v1/images/variations`
//!   ([`variations`]): provider models only,
//!
//! with OpenAI's error shape everywhere under `/v1` ([`error`]), optional bearer-key
//! authentication (`openai_api_keys`) and the [`provider_seam`] where paid provider models plug
//! in.

pub mod edits;
pub mod error;
pub mod generations;
pub mod models;
pub mod multipart;
pub mod provider_seam;
pub mod request;
pub mod response;
pub mod variations;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode, Uri, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, any, get, post};

use self::error::{INVALID_REQUEST, OpenAiError};
use super::state::AppState;

/// The `/v1` routes (absolute paths), behind the API-key check.
pub fn router(state: &AppState) -> Router<AppState> {
    models::mark_started();
    Router::new()
        .route("/v1/models", only(get(models::list)))
        .route("/v1/models/{id}", only(get(models::get)))
        .route("/v1/images/edits", only(post(edits::edit)))
        .route("/v1/images/generations", only(post(generations::generate)))
        .route("/v1/images/variations", only(post(variations::vary)))
        .route("/v1", any(unknown_route))
        .route("/v1/{*rest}", any(unknown_route))
        .layer(middleware::from_fn_with_state(state.clone(), require_key))
}

/// A method router whose other methods answer an OpenAI-shaped 405.
fn only(route: MethodRouter<AppState>) -> MethodRouter<AppState> {
    route.fallback(method_not_allowed)
}

async fn method_not_allowed(method: Method, uri: Uri) -> OpenAiError {
    OpenAiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        INVALID_REQUEST,
        format!("Method {method} is not allowed for {}.", uri.path()),
        None,
        None,
    )
}

async fn unknown_route(method: Method, uri: Uri) -> OpenAiError {
    OpenAiError::unknown_route(method.as_str(), uri.path())
}

/// With `openai_api_keys` configured, requires `Authorization: Bearer <one of them>`;
/// otherwise any (or no) `Authorization` header passes.
async fn require_key(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let keys = &state.config.openai_api_keys;
    if keys.is_empty() || req.method() == Method::OPTIONS {
        return next.run(req).await;
    }
    let presented = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim)
        .filter(|k| !k.is_empty());
    match presented {
        Some(key) if keys.contains(key) => next.run(req).await,
        Some(_) => OpenAiError::unauthorized(false).into_response(),
        None => OpenAiError::unauthorized(true).into_response(),
    }
}
