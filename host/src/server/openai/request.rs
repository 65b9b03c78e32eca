//! The parsed requests of `/v1/images/*`: what the local pipeline reads and what the provider
//! seam forwards to an external API unchanged. Fields keep OpenAI's names and raw string values
//! (a provider may accept values mend does not); the helpers below validate them for local runs.

use std::collections::BTreeMap;

use bytes::Bytes;
use serde::{Deserialize, Serialize};

use super::error::{OpenAiError, OpenAiResult};

/// Most images one request may ask for (OpenAI's limit).
pub const MAX_N: u32 = 10;

/// An uploaded file of a multipart request.
#[derive(Debug, Clone)]
pub struct Upload {
    /// The file's bytes.
    pub bytes: Bytes,
    /// The file name the client sent, if any.
    pub filename: Option<String>,
    /// The part's content type, if any.
    pub content_type: Option<String>,
}

/// `POST /v1/images/edits` (multipart).
#[derive(Debug, Clone, Default)]
pub struct EditRequest {
    /// `image` / `image[]`, in order (local models use the first).
    pub images: Vec<Upload>,
    /// `mask`: fully transparent pixels mark the area to edit.
    pub mask: Option<Upload>,
    /// `prompt` (local erase models ignore it).
    pub prompt: Option<String>,
    /// `model`; `None` = the server's loaded local model.
    pub model: Option<String>,
    /// `n`, validated to 1..=10 (default 1).
    pub n: u32,
    /// `size`: `WxH` or `auto`.
    pub size: Option<String>,
    /// `quality`.
    pub quality: Option<String>,
    /// `response_format`: `b64_json` (default) or `url`.
    pub response_format: ResponseFormat,
    /// `user`.
    pub user: Option<String>,
    /// `output_format`: `png` (default), `jpeg` or `webp`.
    pub output_format: Option<String>,
    /// `output_compression` (0–100; JPEG quality for local runs).
    pub output_compression: Option<u8>,
    /// `background`: `transparent`, `opaque` or `auto`.
    pub background: Option<String>,
    /// Every other text field, as sent (`input_fidelity`, `safety_identifier`, …).
    pub extra: BTreeMap<String, String>,
}

/// `POST /v1/images/variations` (multipart).
#[derive(Debug, Clone, Default)]
pub struct VariationRequest {
    /// `image`.
    pub image: Option<Upload>,
    /// `model`; `None` = the server's loaded local model.
    pub model: Option<String>,
    /// `n`, validated to 1..=10 (default 1).
    pub n: u32,
    /// `size`.
    pub size: Option<String>,
    /// `response_format`.
    pub response_format: ResponseFormat,
    /// `user`.
    pub user: Option<String>,
    /// Every other text field, as sent.
    pub extra: BTreeMap<String, String>,
}

/// `POST /v1/images/generations` (JSON).
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct GenerationRequest {
    /// The prompt (required).
    pub prompt: Option<String>,
    /// `model`; `None` = the server's loaded local model.
    pub model: Option<String>,
    /// Number of images (1–10).
    pub n: Option<u32>,
    /// `WxH` or `auto`.
    pub size: Option<String>,
    /// Quality.
    pub quality: Option<String>,
    /// `b64_json` or `url`.
    pub response_format: Option<String>,
    /// Style (dall-e-3).
    pub style: Option<String>,
    /// End-user id.
    pub user: Option<String>,
    /// `png`, `jpeg` or `webp`.
    pub output_format: Option<String>,
    /// `transparent`, `opaque` or `auto`.
    pub background: Option<String>,
    /// Every other field, as sent.
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// How images come back.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ResponseFormat {
    /// Base64 inside the JSON (mend's default).
    #[default]
    B64Json,
    /// A URL under mend serving the stored result (needs history).
    Url,
}

impl ResponseFormat {
    /// Parses OpenAI's `response_format` (absent → `b64_json`).
    pub fn parse(value: Option<&str>) -> OpenAiResult<Self> {
        match value.map(str::trim) {
            None | Some("" | "b64_json") => Ok(Self::B64Json),
            Some("url") => Ok(Self::Url),
            Some(other) => Err(OpenAiError::invalid_code(
                format!("Invalid value: '{other}'. Supported values are: 'b64_json' and 'url'."),
                Some("response_format"),
                "invalid_value",
            )),
        }
    }
}

/// Parses `n` (absent → 1).
pub fn parse_n(value: Option<&str>) -> OpenAiResult<u32> {
    let Some(raw) = value.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(1);
    };
    check_n(raw.parse::<i64>().ok(), raw)
}

/// Checks `n` is within 1..=10; `raw` is how the client wrote it.
pub fn check_n(n: Option<i64>, raw: &str) -> OpenAiResult<u32> {
    n.filter(|n| (1..=i64::from(MAX_N)).contains(n))
        .and_then(|n| u32::try_from(n).ok())
        .ok_or_else(|| {
            OpenAiError::invalid_code(
                format!("Invalid value for 'n': {raw}. It must be an integer from 1 to {MAX_N}."),
                Some("n"),
                "invalid_value",
            )
        })
}

/// Parses `size`: `None` for absent or `auto`, else `(width, height)` from `WxH`.
pub fn parse_size(value: Option<&str>) -> OpenAiResult<Option<(u32, u32)>> {
    let Some(raw) = value
        .map(str::trim)
        .filter(|v| !v.is_empty() && *v != "auto")
    else {
        return Ok(None);
    };
    raw.split_once(['x', 'X'])
        .and_then(|(w, h)| Some((w.trim().parse::<u32>().ok()?, h.trim().parse::<u32>().ok()?)))
        .filter(|&(w, h)| w > 0 && h > 0)
        .map(Some)
        .ok_or_else(|| {
            OpenAiError::invalid_code(
                format!("Invalid value for 'size': '{raw}'. Use 'WIDTHxHEIGHT' (e.g. 1024x1024) or 'auto'."),
                Some("size"),
                "invalid_value",
            )
        })
}

/// Parses `output_compression` (0–100).
pub fn parse_compression(value: Option<&str>) -> OpenAiResult<Option<u8>> {
    let Some(raw) = value.map(str::trim).filter(|v| !v.is_empty()) else {
        return Ok(None);
    };
    raw.parse::<u8>()
        .ok()
        .filter(|v| *v <= 100)
        .map(Some)
        .ok_or_else(|| {
            OpenAiError::invalid_code(
                format!("Invalid value for 'output_compression': {raw}. It must be an integer from 0 to 100."),
                Some("output_compression"),
                "invalid_value",
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn n_size_and_formats_parse_like_openai() {
        assert_eq!(parse_n(None).unwrap(), 1);
        assert_eq!(parse_n(Some("10")).unwrap(), 10);
        for bad in ["0", "11", "-1", "two", "1.5"] {
            assert_eq!(
                parse_n(Some(bad)).unwrap_err().detail().param.as_deref(),
                Some("n")
            );
        }
        assert_eq!(parse_size(Some("auto")).unwrap(), None);
        assert_eq!(parse_size(Some("64x32")).unwrap(), Some((64, 32)));
        assert!(parse_size(Some("0x5")).is_err());
        assert!(parse_size(Some("big")).is_err());
        assert_eq!(
            ResponseFormat::parse(None).unwrap(),
            ResponseFormat::B64Json
        );
        assert_eq!(
            ResponseFormat::parse(Some("url")).unwrap(),
            ResponseFormat::Url
        );
        assert!(ResponseFormat::parse(Some("png")).is_err());
        assert_eq!(parse_compression(Some("80")).unwrap(), Some(80));
        assert!(parse_compression(Some("101")).is_err());
    }
}
