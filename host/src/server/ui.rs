//! The web UI at `/`: the editor embedded in the binary, or a folder given with `--web-dir`
//! (for example the upstream IOPaint web UI, or a development build).
//!
//! The embedded files are the whole of `web_app/dist` (the React editor), collected by
//! `host/build.rs`; a build without it embeds `web_app/dist-lite` instead. Vite's content-hashed
//! files under `/assets/` are cached for a year as `immutable`; everything else (`index.html`,
//! the favicon) is `no-cache` and revalidated with its ETag.

use std::path::Path;

use axum::Router;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use tower_http::services::ServeDir;

use super::state::AppState;

/// The generated table: `SOURCE` and `ASSETS`.
mod generated {
    include!(concat!(env!("OUT_DIR"), "/web_assets.rs"));
}

pub use generated::SOURCE;

/// `Cache-Control` of content-hashed files: they never change under the same name.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// `Cache-Control` of files whose name stays the same across releases.
pub const REVALIDATE: &str = "no-cache";

/// One embedded file.
#[derive(Debug, Clone, Copy)]
pub struct Asset {
    /// URL path, e.g. `/assets/index-3f9a1c2e.js`.
    pub path: &'static str,
    /// Strong ETag (quoted).
    pub etag: &'static str,
    /// The file's bytes.
    pub bytes: &'static [u8],
}

/// The embedded file served at `path` (`/` is `/index.html`).
pub fn asset(path: &str) -> Option<Asset> {
    let path = if path == "/" { "/index.html" } else { path };
    generated::ASSETS
        .iter()
        .find(|(p, _, _)| *p == path)
        .map(|&(path, etag, bytes)| Asset { path, etag, bytes })
}

/// Number of embedded files.
pub fn asset_count() -> usize {
    generated::ASSETS.len()
}

/// The caching policy of an embedded path: Vite's hashed `/assets/*` are immutable (only when the
/// full UI is embedded; the lite editor's names carry no hash).
pub fn cache_control(path: &str) -> &'static str {
    if SOURCE == "dist" && path.starts_with("/assets/") {
        IMMUTABLE
    } else {
        REVALIDATE
    }
}

/// The content type of an embedded path, with a UTF-8 charset for text.
pub fn content_type(path: &str) -> String {
    let mime = mime_guess::from_path(path).first_or_octet_stream();
    let text =
        mime.type_() == "text" || matches!(mime.subtype().as_str(), "javascript" | "json" | "svg");
    if text && mime.get_param("charset").is_none() {
        format!("{mime}; charset=utf-8")
    } else {
        mime.to_string()
    }
}

/// Adds the UI to `router`: `web_dir` served as static files (with `index.html` at `/`) as the
/// fallback for every path no API route claims, or else the embedded assets with a JSON 404
/// fallback.
pub fn mount(router: Router<AppState>, web_dir: Option<&Path>) -> Router<AppState> {
    match web_dir {
        Some(dir) => {
            router.fallback_service(ServeDir::new(dir).fallback(super::not_found_service()))
        }
        None => router.fallback(serve_embedded),
    }
}

/// Serves an embedded file for `GET`/`HEAD`, honouring `If-None-Match`; anything else is the
/// JSON 404.
pub async fn serve_embedded(method: Method, uri: Uri, headers: HeaderMap) -> Response {
    let found = if method == Method::GET || method == Method::HEAD {
        asset(uri.path())
    } else {
        None
    };
    let Some(asset) = found else {
        return super::not_found().await;
    };
    let content_type = HeaderValue::from_str(&content_type(asset.path))
        .unwrap_or_else(|_| HeaderValue::from_static("application/octet-stream"));
    let common = [
        (
            header::CACHE_CONTROL,
            HeaderValue::from_static(cache_control(asset.path)),
        ),
        (header::ETAG, HeaderValue::from_static(asset.etag)),
    ];
    let matches = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',')
                .any(|t| t.trim() == asset.etag || t.trim() == "*")
        });
    if matches {
        return (StatusCode::NOT_MODIFIED, common).into_response();
    }
    (common, [(header::CONTENT_TYPE, content_type)], asset.bytes).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::to_bytes;

    #[test]
    fn index_is_embedded_and_revalidated() {
        let index = asset("/").unwrap();
        assert_eq!(index.path, "/index.html");
        assert!(!index.bytes.is_empty());
        assert_eq!(cache_control("/index.html"), REVALIDATE);
        assert!(asset_count() >= 2);
    }

    #[test]
    fn hashed_assets_are_immutable_only_in_the_full_ui() {
        let expected = if SOURCE == "dist" {
            IMMUTABLE
        } else {
            REVALIDATE
        };
        assert_eq!(cache_control("/assets/index-abcd1234.js"), expected);
        assert_eq!(cache_control("/favicon.svg"), REVALIDATE);
    }

    #[test]
    fn content_types_carry_charsets() {
        assert_eq!(content_type("/a.js"), "text/javascript; charset=utf-8");
        assert_eq!(content_type("/a.css"), "text/css; charset=utf-8");
        assert_eq!(content_type("/index.html"), "text/html; charset=utf-8");
        assert_eq!(content_type("/a.png"), "image/png");
    }

    #[tokio::test]
    async fn etag_revalidation_and_unknown_paths() {
        let uri: Uri = "/".parse().unwrap();
        let res = serve_embedded(Method::GET, uri.clone(), HeaderMap::new()).await;
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(res.headers()[header::CACHE_CONTROL], REVALIDATE);
        let etag = res.headers()[header::ETAG].clone();
        assert!(
            !to_bytes(res.into_body(), usize::MAX)
                .await
                .unwrap()
                .is_empty()
        );

        let mut h = HeaderMap::new();
        h.insert(header::IF_NONE_MATCH, etag);
        let res = serve_embedded(Method::GET, uri.clone(), h).await;
        assert_eq!(res.status(), StatusCode::NOT_MODIFIED);

        let res = serve_embedded(Method::POST, uri, HeaderMap::new()).await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND);
        let res = serve_embedded(Method::GET, "/nope.js".parse().unwrap(), HeaderMap::new()).await;
        assert_eq!(res.status(), StatusCode::NOT_FOUND);
    }
}
