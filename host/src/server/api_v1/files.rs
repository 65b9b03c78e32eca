//! File routes: `inputimage` (the `--input` file), `save_image` (auto-saving into
//! `--output-dir`) and `gen-info` (prompts stored in a PNG's `parameters` text).

use std::path::Path;

use axum::Json;
use axum::extract::{Multipart, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::schema::GenInfoResponse;
use crate::atomic_write::write_atomically;
use crate::imaging;
use crate::server::error::{ApiError, ApiResult};
use crate::server::state::{AppState, blocking};
use crate::{Error, Result};

/// The image given with `--input` (when it is a file).
#[utoipa::path(get, path = "/api/v1/inputimage", tag = "iopaint",
    responses(
        (status = 200, description = "The file's bytes", content_type = "image/*"),
        (status = 404, description = "No input image configured", body = crate::server::error::ErrorBody),
    ))]
pub async fn input_image(State(state): State<AppState>) -> ApiResult<Response> {
    let Some(path) = state.config.input.as_deref().filter(|p| p.is_file()) else {
        return Err(
            Error::NotFound("no input image: start mend with --input FILE".to_owned()).into(),
        );
    };
    let bytes = tokio::fs::read(path)
        .await
        .map_err(|e| Error::io(format!("reading {}", path.display()), e))?;
    let mime = mime_guess::from_path(path).first_or_octet_stream();
    let disposition =
        HeaderValue::from_str(&format!("inline; filename={}", disposition_file_name(path)))
            .unwrap_or_else(|_| HeaderValue::from_static("inline"));
    let content_type = HeaderValue::from_str(mime.essence_str())
        .unwrap_or_else(|_| HeaderValue::from_static("application/octet-stream"));
    Ok((
        [
            (header::CONTENT_TYPE, content_type),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        ],
        bytes,
    )
        .into_response())
}

/// The file name for `Content-Disposition`, unquoted: IOPaint's UI takes everything after
/// `filename=` up to a `;` literally, so quotes would end up in the name it saves under.
/// Characters that would break that parsing, and non-ASCII names, are replaced.
fn disposition_file_name(path: &Path) -> String {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let cleaned: String = name
        .chars()
        .map(|c| {
            if c == ' ' || (c.is_ascii_graphic() && !matches!(c, ';' | '"' | '\\' | ',')) {
                c
            } else {
                '_'
            }
        })
        .collect();
    if cleaned.trim().is_empty() {
        "inputImage".to_owned()
    } else {
        cleaned
    }
}

/// Reads the multipart field `file`: its file name and bytes.
async fn file_field(mut multipart: Multipart) -> Result<(String, Vec<u8>)> {
    while let Some(field) = multipart
        .next_field()
        .await
        .map_err(|e| Error::BadRequest(format!("invalid multipart body: {e}")))?
    {
        if field.name() == Some("file") {
            let name = field.file_name().unwrap_or_default().to_owned();
            let bytes = field
                .bytes()
                .await
                .map_err(|e| Error::BadRequest(format!("invalid multipart body: {e}")))?;
            return Ok((name, bytes.to_vec()));
        }
    }
    Err(Error::BadRequest(
        "multipart field `file` is required".to_owned(),
    ))
}

/// Saves an uploaded result into `--output-dir` under the upload's base name.
#[utoipa::path(post, path = "/api/v1/save_image", tag = "iopaint",
    request_body(content_type = "multipart/form-data", description = "field `file`"),
    responses(
        (status = 200, description = "Saved; body `null`"),
        (status = 404, description = "Auto-saving is not enabled", body = crate::server::error::ErrorBody),
        (status = 422, description = "Bad name or not an image", body = crate::server::error::ErrorBody),
    ))]
pub async fn save_image(
    State(state): State<AppState>,
    multipart: Multipart,
) -> ApiResult<Response> {
    let Some(dir) = state.config.output_dir.clone() else {
        return Err(Error::NotConfigured(
            "auto-saving is not enabled: start mend with --output-dir DIR".to_owned(),
        )
        .into());
    };
    let (name, bytes) = file_field(multipart).await?;
    let name = safe_file_name(&name)?;
    if imaging::sniff(&bytes).is_none() {
        return Err(Error::UnsupportedFormat.into());
    }
    let target = dir.join(&name);
    blocking(move || {
        write_atomically(&target, &bytes)
            .map_err(|e| Error::io(format!("writing {}", target.display()), e))
    })
    .await?;
    Ok((StatusCode::OK, Json(serde_json::Value::Null)).into_response())
}

/// The last path component of an uploaded name, refusing empty, `.`, `..` and hidden names.
pub(crate) fn safe_file_name(name: &str) -> Result<String> {
    let base = name.rsplit(['/', '\\']).next().unwrap_or_default().trim();
    if base.is_empty() || base.starts_with('.') || base.contains('\0') {
        return Err(Error::BadRequest(format!("invalid file name `{name}`")));
    }
    Ok(base.to_owned())
}

/// Prompts stored in an image's PNG `parameters` text; empty strings for anything else.
#[utoipa::path(post, path = "/api/v1/gen-info", tag = "iopaint",
    request_body(content_type = "multipart/form-data", description = "field `file`"),
    responses((status = 200, body = GenInfoResponse)))]
pub async fn gen_info(multipart: Multipart) -> ApiResult<Json<GenInfoResponse>> {
    let (_, bytes) = file_field(multipart).await.map_err(ApiError::from)?;
    let info = imaging::read_png_parameters(&bytes)
        .map(|text| {
            let (prompt, negative_prompt) = imaging::split_gen_info(&text);
            GenInfoResponse {
                prompt,
                negative_prompt,
            }
        })
        .unwrap_or_default();
    Ok(Json(info))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn disposition_names_are_unquoted_and_safe() {
        assert_eq!(disposition_file_name(Path::new("/x/in.png")), "in.png");
        assert_eq!(
            disposition_file_name(Path::new("/x/my photo.jpg")),
            "my photo.jpg"
        );
        assert_eq!(
            disposition_file_name(Path::new("/x/a;b\"c.png")),
            "a_b_c.png"
        );
        assert_eq!(disposition_file_name(Path::new("/x/été.png")), "_t_.png");
    }

    #[test]
    fn file_names_are_reduced_to_a_safe_base_name() {
        assert_eq!(safe_file_name("photo.png").unwrap(), "photo.png");
        assert_eq!(safe_file_name("../../etc/x.png").unwrap(), "x.png");
        assert_eq!(safe_file_name("C:\\a\\b.jpg").unwrap(), "b.jpg");
        for bad in ["", "..", ".", "dir/", ".hidden.png", "a\0b.png"] {
            assert!(safe_file_name(bad).is_err(), "{bad:?}");
        }
    }
}
