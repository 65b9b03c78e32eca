//! The file manager (enabled when `--input` is a folder): listing, files and thumbnails of the
//! `input`, `output` and `mask` folders.
//!
//! Unlike upstream, every file name is reduced to one plain path component and the resolved,
//! canonical path must stay inside its tab's folder (no `..`, absolute paths or symlink
//! escapes); thumbnails are cached flat under the data dir, keyed by a hash that includes the
//! source's size and modification time, and served with their real content type.

use std::hash::{Hash, Hasher};
use std::path::{Component, Path, PathBuf};
use std::time::UNIX_EPOCH;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderName, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use utoipa::IntoParams;

use super::schema::{MediaTab, MediasResponse};
use crate::imaging::{self, ImageFormatKind};
use crate::server::error::ApiResult;
use crate::server::extract::AppQuery;
use crate::server::state::{AppState, blocking};
use crate::{Error, Result};

/// Query of `medias`.
#[derive(Debug, Deserialize, IntoParams)]
pub struct TabQuery {
    /// `input`, `output` or `mask`.
    pub tab: MediaTab,
}

/// Query of `media_file`.
#[derive(Debug, Deserialize, IntoParams)]
pub struct FileQuery {
    /// `input`, `output` or `mask`.
    pub tab: MediaTab,
    /// File name inside the tab's folder.
    pub filename: String,
}

/// Query of `media_thumbnail_file`.
#[derive(Debug, Deserialize, IntoParams)]
pub struct ThumbnailQuery {
    /// `input`, `output` or `mask`.
    pub tab: MediaTab,
    /// File name inside the tab's folder.
    pub filename: String,
    /// Thumbnail width (0 = derive from height).
    pub width: u32,
    /// Thumbnail height (0 = derive from width).
    pub height: u32,
}

/// Largest thumbnail side served.
const MAX_THUMBNAIL_SIDE: u32 = 4096;

/// The folder behind a tab, or `None` if that folder is not configured.
fn tab_dir(state: &AppState, tab: MediaTab) -> Result<Option<PathBuf>> {
    if !state.config.file_manager_enabled() {
        return Err(Error::NotFound(
            "the file manager is not enabled: start mend with --input DIR --output-dir DIR"
                .to_owned(),
        ));
    }
    Ok(match tab {
        MediaTab::Input => state.config.input.clone(),
        MediaTab::Output => state.config.output_dir.clone(),
        MediaTab::Mask => state.config.mask_dir.clone(),
    })
}

/// Whether a file name has an image suffix the file manager lists (case-insensitive).
fn is_listed_image(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .map(|e| e.to_ascii_lowercase())
        .is_some_and(|e| matches!(e.as_str(), "jpg" | "jpeg" | "png" | "webp"))
}

/// Resolves `name` inside `dir`, refusing anything that is not one plain component or that
/// resolves (through symlinks) outside `dir`.
pub(crate) fn resolve_inside(dir: &Path, name: &str) -> Result<PathBuf> {
    let not_found = || Error::NotFound(format!("file not found: {name}"));
    let mut components = Path::new(name).components();
    match (components.next(), components.next()) {
        (Some(Component::Normal(_)), None) if !name.contains(['/', '\\']) => {}
        _ => return Err(not_found()),
    }
    let base = dir.canonicalize().map_err(|_| not_found())?;
    let path = base.join(name).canonicalize().map_err(|_| not_found())?;
    if !path.starts_with(&base) || !path.is_file() {
        return Err(not_found());
    }
    Ok(path)
}

fn seconds(t: std::io::Result<std::time::SystemTime>) -> f64 {
    t.ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map_or(0.0, |d| d.as_secs_f64())
}

/// Lists the images of a tab's folder, sorted by name.
#[utoipa::path(get, path = "/api/v1/medias", tag = "iopaint", params(TabQuery),
    responses(
        (status = 200, body = Vec<MediasResponse>),
        (status = 404, description = "File manager not enabled", body = crate::server::error::ErrorBody),
    ))]
pub async fn medias(
    State(state): State<AppState>,
    AppQuery(q): AppQuery<TabQuery>,
) -> ApiResult<Json<Vec<MediasResponse>>> {
    let Some(dir) = tab_dir(&state, q.tab)? else {
        return Ok(Json(Vec::new()));
    };
    let limits = state.limits;
    let list = blocking(move || list_dir(&dir, limits)).await?;
    Ok(Json(list))
}

fn list_dir(dir: &Path, limits: imaging::Limits) -> Result<Vec<MediasResponse>> {
    let entries =
        std::fs::read_dir(dir).map_err(|e| Error::io(format!("listing {}", dir.display()), e))?;
    let mut out = Vec::new();
    for entry in entries.flatten() {
        let path = entry.path();
        if !is_listed_image(&path) || !path.is_file() {
            continue;
        }
        let Some(name) = path.file_name().and_then(|n| n.to_str()).map(str::to_owned) else {
            continue;
        };
        // Unreadable or non-image files are skipped rather than failing the listing.
        let Ok((width, height)) = header_dimensions(&path, limits) else {
            continue;
        };
        let meta = entry.metadata().ok();
        out.push(MediasResponse {
            name,
            width,
            height,
            ctime: meta
                .as_ref()
                .map_or(0.0, |m| seconds(m.created().or_else(|_| m.modified()))),
            mtime: meta.as_ref().map_or(0.0, |m| seconds(m.modified())),
        });
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

/// Size from the image header; only the first 256 KiB are read (enough for every header
/// mend lists, including JPEGs with large EXIF blocks).
fn header_dimensions(path: &Path, limits: imaging::Limits) -> Result<(u32, u32)> {
    use std::io::Read;
    let file = std::fs::File::open(path).map_err(|e| Error::io(path.display().to_string(), e))?;
    let mut head = Vec::with_capacity(256 * 1024);
    file.take(256 * 1024)
        .read_to_end(&mut head)
        .map_err(|e| Error::io(path.display().to_string(), e))?;
    imaging::image_dimensions(&head, &limits).or_else(|_| {
        let all = std::fs::read(path).map_err(|e| Error::io(path.display().to_string(), e))?;
        imaging::image_dimensions(&all, &limits)
    })
}

/// One file of a tab's folder, with its real content type.
#[utoipa::path(get, path = "/api/v1/media_file", tag = "iopaint", params(FileQuery),
    responses(
        (status = 200, description = "The file", content_type = "image/*"),
        (status = 404, body = crate::server::error::ErrorBody),
    ))]
pub async fn media_file(
    State(state): State<AppState>,
    AppQuery(q): AppQuery<FileQuery>,
) -> ApiResult<Response> {
    let dir = tab_dir(&state, q.tab)?
        .ok_or_else(|| Error::NotFound(format!("file not found: {}", q.filename)))?;
    let path = resolve_inside(&dir, &q.filename)?;
    let bytes = tokio::fs::read(&path)
        .await
        .map_err(|e| Error::io(format!("reading {}", path.display()), e))?;
    let mime = imaging::sniff(&bytes).map_or("application/octet-stream", ImageFormatKind::mime);
    Ok(([(header::CONTENT_TYPE, mime)], bytes).into_response())
}

/// A centre-cropped thumbnail of one file, cached under the data dir.
#[utoipa::path(get, path = "/api/v1/media_thumbnail_file", tag = "iopaint", params(ThumbnailQuery),
    responses(
        (status = 200, description = "Thumbnail in the source's format; headers X-Width, X-Height", content_type = "image/*"),
        (status = 404, body = crate::server::error::ErrorBody),
    ))]
pub async fn media_thumbnail_file(
    State(state): State<AppState>,
    AppQuery(q): AppQuery<ThumbnailQuery>,
) -> ApiResult<Response> {
    if q.width > MAX_THUMBNAIL_SIDE || q.height > MAX_THUMBNAIL_SIDE {
        return Err(Error::BadRequest(format!(
            "thumbnail sides must be at most {MAX_THUMBNAIL_SIDE}"
        ))
        .into());
    }
    let dir = tab_dir(&state, q.tab)?
        .ok_or_else(|| Error::NotFound(format!("file not found: {}", q.filename)))?;
    let source = resolve_inside(&dir, &q.filename)?;
    let cache_dir = state.config.data_dir.join("thumbnails");
    let limits = state.limits;
    let thumb =
        blocking(move || cached_thumbnail(&source, &cache_dir, q.width, q.height, limits)).await?;
    let headers = [
        (
            header::CONTENT_TYPE,
            HeaderValue::from_static(thumb.format.mime()),
        ),
        (
            HeaderName::from_static("x-width"),
            HeaderValue::from(thumb.width),
        ),
        (
            HeaderName::from_static("x-height"),
            HeaderValue::from(thumb.height),
        ),
    ];
    Ok((headers, thumb.bytes).into_response())
}

/// A thumbnail ready to send.
struct CachedThumbnail {
    bytes: Vec<u8>,
    format: ImageFormatKind,
    width: u32,
    height: u32,
}

fn cached_thumbnail(
    source: &Path,
    cache_dir: &Path,
    width: u32,
    height: u32,
    limits: imaging::Limits,
) -> Result<CachedThumbnail> {
    let meta = std::fs::metadata(source).map_err(|e| Error::io(source.display().to_string(), e))?;
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    (
        source,
        meta.len(),
        seconds(meta.modified()).to_bits(),
        width,
        height,
    )
        .hash(&mut hasher);
    let key = format!("{:016x}", hasher.finish());
    let cached = cache_dir.join(format!("{key}.thumb"));
    if let Ok(bytes) = std::fs::read(&cached)
        && let Some(format) = imaging::sniff(&bytes)
        && let Ok((w, h)) = imaging::image_dimensions(&bytes, &limits)
    {
        return Ok(CachedThumbnail {
            bytes,
            format,
            width: w,
            height: h,
        });
    }
    let data = std::fs::read(source).map_err(|e| Error::io(source.display().to_string(), e))?;
    let thumb = imaging::thumbnail(&data, width, height, &limits)?;
    // The cache is an optimisation: failing to write it must not fail the request.
    let _ = crate::atomic_write::write_atomically(&cached, &thumb.bytes);
    Ok(CachedThumbnail {
        bytes: thumb.bytes,
        format: thumb.format,
        width: thumb.width,
        height: thumb.height,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolve_inside_refuses_escapes() {
        let root = std::env::temp_dir().join(format!("mend-media-test-{}", std::process::id()));
        let inner = root.join("inner");
        std::fs::create_dir_all(&inner).unwrap();
        std::fs::write(inner.join("a.png"), b"x").unwrap();
        std::fs::write(root.join("secret.png"), b"x").unwrap();
        assert!(resolve_inside(&inner, "a.png").is_ok());
        for bad in [
            "../secret.png",
            "/etc/passwd",
            "sub/a.png",
            "..",
            ".",
            "",
            "missing.png",
        ] {
            assert!(resolve_inside(&inner, bad).is_err(), "{bad}");
        }
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(root.join("secret.png"), inner.join("link.png")).unwrap();
            assert!(
                resolve_inside(&inner, "link.png").is_err(),
                "symlink escape"
            );
        }
        std::fs::remove_dir_all(&root).ok();
    }
}
