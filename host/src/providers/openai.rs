//! The OpenAI images API client: multipart edits and variations, JSON generations, per-attempt
//! timeouts, retries with exponential backoff on 5xx answers and network errors (never on a
//! 4xx, so a refused request is never paid twice), and redacted error messages.

use std::collections::BTreeMap;
use std::time::Duration;

use base64::Engine as _;
use serde::Deserialize;

use super::secret::KeySource;
use crate::config::CloudConfig;
use crate::{Error, Result};

/// Largest provider response accepted (images are returned as base64 JSON).
const MAX_RESPONSE_BYTES: usize = 256 * 1024 * 1024;

/// One image sent to the provider.
#[derive(Debug, Clone)]
pub struct ProviderImage {
    /// File bytes (PNG for edits and variations).
    pub bytes: Vec<u8>,
    /// File name sent in the multipart part.
    pub file_name: String,
    /// MIME type.
    pub content_type: String,
}

/// A request to the provider.
#[derive(Debug, Clone)]
pub enum ProviderCall {
    /// `POST /images/edits`.
    Edit {
        /// The images (gpt-image-1 accepts several; dall-e-2 one).
        images: Vec<ProviderImage>,
        /// OpenAI-convention mask (transparent = edit), PNG.
        mask: Option<ProviderImage>,
        /// Common fields.
        common: CommonFields,
    },
    /// `POST /images/generations`.
    Generation {
        /// Common fields.
        common: CommonFields,
    },
    /// `POST /images/variations`.
    Variation {
        /// The image.
        image: ProviderImage,
        /// Common fields.
        common: CommonFields,
    },
}

/// Fields every operation sends.
#[derive(Debug, Clone, Default)]
pub struct CommonFields {
    /// Provider model.
    pub model: String,
    /// Prompt (not sent for variations).
    pub prompt: String,
    /// Number of images.
    pub n: u32,
    /// `WxH`, when chosen.
    pub size: Option<String>,
    /// Quality, when chosen.
    pub quality: Option<String>,
    /// Further string fields passed through unchanged (`background`, `output_format`, …).
    pub extra: BTreeMap<String, String>,
}

/// Token usage the provider reports (gpt-image models).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
pub struct Usage {
    /// Input tokens.
    #[serde(default)]
    pub input_tokens: u64,
    /// Output tokens.
    #[serde(default)]
    pub output_tokens: u64,
    /// Input token breakdown.
    #[serde(default)]
    pub input_tokens_details: InputTokenDetails,
}

/// Text and image input tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
pub struct InputTokenDetails {
    /// Prompt tokens.
    #[serde(default)]
    pub text_tokens: u64,
    /// Input image tokens.
    #[serde(default)]
    pub image_tokens: u64,
}

/// What the provider returned.
#[derive(Debug, Clone)]
pub struct ProviderResponse {
    /// Decoded image bytes.
    pub images: Vec<Vec<u8>>,
    /// Reported usage, when present.
    pub usage: Option<Usage>,
    /// The provider's request id (`x-request-id` header), when present.
    pub response_id: Option<String>,
}

#[derive(Deserialize)]
struct ImagesBody {
    #[serde(default)]
    data: Vec<ImageDatum>,
    #[serde(default)]
    usage: Option<Usage>,
}

#[derive(Deserialize)]
struct ImageDatum {
    #[serde(default)]
    b64_json: Option<String>,
}

/// The client. Cheap to clone.
#[derive(Debug, Clone)]
pub struct OpenAiProvider {
    http: reqwest::Client,
    base_url: String,
    key: KeySource,
    retries: u32,
    backoff: Duration,
}

/// Why one attempt failed, and whether another may succeed.
struct Attempt {
    error: Error,
    retry: bool,
}

impl OpenAiProvider {
    /// A client for the configured provider.
    pub fn new(config: &CloudConfig, key: KeySource) -> Result<Self> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(config.timeout_secs))
            .connect_timeout(Duration::from_secs(config.timeout_secs.min(30)))
            .user_agent(concat!("mend/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Error::Config(format!("cannot build the provider client: {e}")))?;
        Ok(Self {
            http,
            base_url: config.base_url.trim_end_matches('/').to_owned(),
            key,
            retries: config.retries,
            backoff: Duration::from_millis(config.backoff_ms),
        })
    }

    /// The provider's base URL.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Whether an API key is configured now.
    pub fn has_key(&self) -> bool {
        self.key.get().is_some()
    }

    /// Sends a request, retrying 5xx answers and network errors with exponential backoff.
    pub async fn call(&self, call: &ProviderCall) -> Result<ProviderResponse> {
        let mut attempt = 0;
        loop {
            match self.attempt(call).await {
                Ok(response) => return Ok(response),
                Err(Attempt { error, retry }) if retry && attempt < self.retries => {
                    let delay = self.backoff.saturating_mul(2u32.saturating_pow(attempt));
                    attempt += 1;
                    tracing::warn!(
                        attempt,
                        delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
                        error = %error,
                        "provider call failed; retrying"
                    );
                    tokio::time::sleep(delay).await;
                }
                Err(Attempt { error, .. }) => return Err(error),
            }
        }
    }

    async fn attempt(&self, call: &ProviderCall) -> std::result::Result<ProviderResponse, Attempt> {
        let key = self.key.get().ok_or_else(|| Attempt {
            error: Error::ProviderNotConfigured(
                "no API key is configured for the image provider: set MEND_OPENAI_API_KEY or \
                 `[cloud] api_key_file` and restart (or send SIGHUP after writing the file)"
                    .into(),
            ),
            retry: false,
        })?;
        let (path, request) = match call {
            ProviderCall::Edit {
                images,
                mask,
                common,
            } => {
                let mut form = common_form(common, true);
                let field = if images.len() > 1 { "image[]" } else { "image" };
                for image in images {
                    form = form.part(field, file_part(image)?);
                }
                if let Some(mask) = mask {
                    form = form.part("mask", file_part(mask)?);
                }
                ("images/edits", self.post("images/edits").multipart(form))
            }
            ProviderCall::Variation { image, common } => {
                let form = common_form(common, false).part("image", file_part(image)?);
                (
                    "images/variations",
                    self.post("images/variations").multipart(form),
                )
            }
            ProviderCall::Generation { common } => {
                let mut body = serde_json::Map::new();
                body.insert("model".into(), common.model.clone().into());
                body.insert("prompt".into(), common.prompt.clone().into());
                body.insert("n".into(), common.n.into());
                if let Some(size) = &common.size {
                    body.insert("size".into(), size.clone().into());
                }
                if let Some(quality) = &common.quality {
                    body.insert("quality".into(), quality.clone().into());
                }
                if wants_response_format(&common.model) {
                    body.insert("response_format".into(), "b64_json".into());
                }
                for (k, v) in &common.extra {
                    body.insert(k.clone(), v.clone().into());
                }
                (
                    "images/generations",
                    self.post("images/generations").json(&body),
                )
            }
        };
        let response = request
            .bearer_auth(key.expose())
            .send()
            .await
            .map_err(|e| Attempt {
                error: Error::Provider {
                    status: None,
                    message: key.redact(&format!("{path}: {}", network_message(&e))),
                },
                retry: true,
            })?;
        let status = response.status();
        let response_id = response
            .headers()
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let bytes = read_limited(response).await.map_err(|e| Attempt {
            error: Error::Provider {
                status: Some(status.as_u16()),
                message: key.redact(&format!("reading the answer: {}", network_message(&e))),
            },
            retry: true,
        })?;
        if !status.is_success() {
            return Err(Attempt {
                error: Error::Provider {
                    status: Some(status.as_u16()),
                    message: key.redact(&provider_message(&bytes)),
                },
                retry: status.is_server_error(),
            });
        }
        parse_images(&bytes, response_id).map_err(|error| Attempt {
            error,
            retry: false,
        })
    }

    fn post(&self, path: &str) -> reqwest::RequestBuilder {
        self.http.post(format!("{}/{path}", self.base_url))
    }
}

/// dall-e models return URLs unless asked for base64; gpt-image models always return base64
/// and reject the field.
fn wants_response_format(model: &str) -> bool {
    model.starts_with("dall-e")
}

fn common_form(common: &CommonFields, with_prompt: bool) -> reqwest::multipart::Form {
    let mut form = reqwest::multipart::Form::new()
        .text("model", common.model.clone())
        .text("n", common.n.to_string());
    if with_prompt {
        form = form.text("prompt", common.prompt.clone());
    }
    if let Some(size) = &common.size {
        form = form.text("size", size.clone());
    }
    if let Some(quality) = &common.quality {
        form = form.text("quality", quality.clone());
    }
    if wants_response_format(&common.model) {
        form = form.text("response_format", "b64_json");
    }
    for (k, v) in &common.extra {
        form = form.text(k.clone(), v.clone());
    }
    form
}

fn file_part(image: &ProviderImage) -> std::result::Result<reqwest::multipart::Part, Attempt> {
    reqwest::multipart::Part::bytes(image.bytes.clone())
        .file_name(image.file_name.clone())
        .mime_str(&image.content_type)
        .map_err(|e| Attempt {
            error: Error::BadRequest(format!("bad image content type: {e}")),
            retry: false,
        })
}

async fn read_limited(mut response: reqwest::Response) -> reqwest::Result<Vec<u8>> {
    let mut out = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        if out.len() + chunk.len() > MAX_RESPONSE_BYTES {
            break;
        }
        out.extend_from_slice(&chunk);
    }
    Ok(out)
}

/// A network error without URLs (which could carry credentials in some setups).
fn network_message(e: &reqwest::Error) -> String {
    let what = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "cannot connect"
    } else if e.is_body() || e.is_decode() {
        "broken answer"
    } else {
        "request failed"
    };
    let e = e.without_url_ref();
    format!("{what} ({e})")
}

trait WithoutUrl {
    fn without_url_ref(&self) -> String;
}

impl WithoutUrl for reqwest::Error {
    fn without_url_ref(&self) -> String {
        let mut source: Option<&dyn std::error::Error> = std::error::Error::source(self);
        let mut last = None;
        while let Some(s) = source {
            last = Some(s.to_string());
            source = s.source();
        }
        last.unwrap_or_else(|| "no details".to_owned())
    }
}

/// The provider's error message (`{"error": {"message": …}}`), or a short excerpt.
fn provider_message(body: &[u8]) -> String {
    #[derive(Deserialize)]
    struct Wrapper {
        error: Inner,
    }
    #[derive(Deserialize)]
    struct Inner {
        message: String,
    }
    if let Ok(w) = serde_json::from_slice::<Wrapper>(body) {
        return w.error.message;
    }
    let text = String::from_utf8_lossy(body);
    let text: String = text.chars().take(300).collect();
    if text.trim().is_empty() {
        "no message".to_owned()
    } else {
        text
    }
}

fn parse_images(body: &[u8], response_id: Option<String>) -> Result<ProviderResponse> {
    let parsed: ImagesBody = serde_json::from_slice(body).map_err(|e| Error::Provider {
        status: None,
        message: format!("unexpected answer: {e}"),
    })?;
    let mut images = Vec::with_capacity(parsed.data.len());
    for datum in parsed.data {
        let b64 = datum.b64_json.ok_or_else(|| Error::Provider {
            status: None,
            message: "the answer has no b64_json image".into(),
        })?;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(b64.trim())
            .map_err(|e| Error::Provider {
                status: None,
                message: format!("the answer's image is not base64: {e}"),
            })?;
        images.push(bytes);
    }
    if images.is_empty() {
        return Err(Error::Provider {
            status: None,
            message: "the answer holds no image".into(),
        });
    }
    Ok(ProviderResponse {
        images,
        usage: parsed.usage,
        response_id,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn provider_messages_are_extracted() {
        let body = br#"{"error":{"message":"Billing hard limit reached","type":"billing"}}"#;
        assert_eq!(provider_message(body), "Billing hard limit reached");
        assert_eq!(provider_message(b"  "), "no message");
        assert_eq!(provider_message(b"oops"), "oops");
    }

    #[test]
    fn images_and_usage_are_parsed() {
        let body = br#"{"created":1,"data":[{"b64_json":"aGk="}],"usage":{"input_tokens":10,"output_tokens":272,"input_tokens_details":{"text_tokens":4,"image_tokens":6}}}"#;
        let r = parse_images(body, Some("req_1".into())).unwrap();
        assert_eq!(r.images, vec![b"hi".to_vec()]);
        let usage = r.usage.unwrap();
        assert_eq!(
            (usage.output_tokens, usage.input_tokens_details.image_tokens),
            (272, 6)
        );
        assert!(parse_images(br#"{"data":[]}"#, None).is_err());
        assert!(parse_images(br#"{"data":[{"url":"http://x"}]}"#, None).is_err());
    }
}
