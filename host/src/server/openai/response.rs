//! The success bodies of `/v1/images/*`, shaped like OpenAI's `ImagesResponse` (what the
//! official SDKs parse): `created`, `data[]` with `b64_json` or `url`, and gpt-image-1's
//! `output_format`, `size`, `background` and `usage` (all zero: local runs use no tokens).

use base64::Engine as _;
use serde::{Deserialize, Serialize};

use super::request::ResponseFormat;

/// The response of every images route.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ImagesResponse {
    /// Unix seconds when the images were made.
    pub created: u64,
    /// The images.
    pub data: Vec<ImageData>,
    /// `transparent` or `opaque`, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub background: Option<String>,
    /// `png`, `jpeg` or `webp`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub output_format: Option<String>,
    /// `WxH` of the images.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size: Option<String>,
    /// Token usage (zeros for local models).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub usage: Option<Usage>,
}

/// One image: base64 or a URL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ImageData {
    /// The image, base64-encoded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub b64_json: Option<String>,
    /// Where to fetch the image.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// The prompt the provider actually used (dall-e-3), if it rewrote it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub revised_prompt: Option<String>,
}

impl ImageData {
    /// An image in `format`: the bytes base64-encoded, or `url`.
    pub fn new(format: ResponseFormat, bytes: &[u8], url: Option<&str>) -> Self {
        match (format, url) {
            (ResponseFormat::Url, Some(url)) => Self {
                b64_json: None,
                url: Some(url.to_owned()),
                revised_prompt: None,
            },
            _ => Self {
                b64_json: Some(base64::engine::general_purpose::STANDARD.encode(bytes)),
                url: None,
                revised_prompt: None,
            },
        }
    }
}

/// gpt-image-1's token usage.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Usage {
    /// Input tokens.
    pub input_tokens: u64,
    /// Input tokens by kind.
    pub input_tokens_details: InputTokensDetails,
    /// Output tokens.
    pub output_tokens: u64,
    /// Input + output.
    pub total_tokens: u64,
}

/// Input tokens by kind.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct InputTokensDetails {
    /// Image tokens.
    pub image_tokens: u64,
    /// Text tokens.
    pub text_tokens: u64,
}

/// Seconds since the Unix epoch (0 if the clock is before it).
pub fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}
