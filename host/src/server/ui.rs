//! The web UI at `/`: the built-in editor embedded in the binary, or a folder given with
//! `--web-dir` (for example the upstream IOPaint web UI, or a development build).

use std::path::Path;

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tower_http::services::ServeDir;

use super::state::AppState;

/// One embedded file: its URL path, content type and bytes.
struct Asset {
    path: &'static str,
    content_type: &'static str,
    bytes: &'static [u8],
}

/// The built-in editor, compiled into the binary so `mend start` needs nothing else.
const ASSETS: &[Asset] = &[
    Asset {
        path: "/app.js",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../../../web_app/dist-lite/app.js"),
    },
    Asset {
        path: "/style.css",
        content_type: "text/css; charset=utf-8",
        bytes: include_bytes!("../../../web_app/dist-lite/style.css"),
    },
    Asset {
        path: "/favicon.svg",
        content_type: "image/svg+xml",
        bytes: include_bytes!("../../../web_app/dist-lite/favicon.svg"),
    },
];

const INDEX_HTML: &[u8] = include_bytes!("../../../web_app/dist-lite/index.html");

fn asset_response(content_type: &'static str, bytes: &'static [u8]) -> Response {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        ],
        bytes,
    )
        .into_response()
}

/// Adds the UI to `router`: `web_dir` served as static files (with `index.html` at `/`) as the
/// fallback for every path no API route claims, or else the embedded assets with a JSON 404
/// fallback.
pub fn mount(router: Router<AppState>, web_dir: Option<&Path>) -> Router<AppState> {
    match web_dir {
        Some(dir) => {
            router.fallback_service(ServeDir::new(dir).fallback(super::not_found_service()))
        }
        None => router.merge(embedded()).fallback(super::not_found),
    }
}

/// Routes serving the embedded editor.
fn embedded() -> Router<AppState> {
    let mut router = Router::new().route(
        "/",
        get(|| async { asset_response("text/html; charset=utf-8", INDEX_HTML) }),
    );
    for asset in ASSETS {
        let (content_type, bytes) = (asset.content_type, asset.bytes);
        router = router.route(
            asset.path,
            get(move || async move { asset_response(content_type, bytes) }),
        );
    }
    router
}
