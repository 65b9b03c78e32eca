//! The HTTP server: assembles the routers (IOPaint's `/api/v1`, the OpenAI-compatible `/v1`,
//! the OpenAPI page, the UI), Socket.IO, CORS, limits and tracing into one [`axum::Router`],
//! and serves it with graceful shutdown.

pub mod api;
pub mod api_v1;
pub mod cors;
pub mod error;
pub mod extract;
pub mod image_cache;
pub mod lax;
pub mod openai;
pub mod openapi;
pub mod socket;
pub mod state;
pub mod ui;

use std::convert::Infallible;
use std::future::Future;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::handler::HandlerWithoutStateExt;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::serve::ListenerExt as _;
use tokio::net::TcpListener;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

pub use state::AppState;

use crate::{Error, Result};

/// Builds the complete application. Tests drive it directly or over a socket.
pub fn app(state: AppState) -> Router {
    let cfg = &state.config;
    let routes = Router::new()
        .merge(api::router())
        .merge(api_v1::router())
        .merge(crate::plugins::routes::router())
        .merge(openai::router(&state))
        .merge(openapi::router());
    ui::mount(routes, cfg.web_dir.as_deref())
        .layer(DefaultBodyLimit::max(cfg.max_body_bytes))
        .layer(socket::layer(state.events()))
        .layer(cors::layer(&cfg.cors_origins))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(cfg.request_timeout_secs),
        ))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// Starlette's static-file 404, which IOPaint clients see for unknown paths.
async fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        axum::Json(serde_json::json!({ "detail": "Not Found" })),
    )
        .into_response()
}

/// [`not_found`] as a service, for static-file fallbacks.
pub(crate) fn not_found_service() -> impl tower::Service<
    axum::extract::Request,
    Response = Response,
    Error = Infallible,
    Future = impl Future<Output = std::result::Result<Response, Infallible>> + Send,
> + Clone
+ Send
+ 'static {
    not_found.into_service()
}

/// Serves `state` on `listener` until `shutdown` completes; in-flight requests finish first.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<()> {
    // Nagle's algorithm would hold a response's last small segment until the client ACKs the
    // previous one, and clients delay that ACK by up to 40 ms: every request could pay it.
    let listener = listener.tap_io(|tcp| {
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!(error = %e, "could not set TCP_NODELAY");
        }
    });
    axum::serve(listener, app(state))
        .with_graceful_shutdown(shutdown)
        .await
        .map_err(|e| Error::io("serving HTTP", e))
}
