//! Errors in OpenAI's shape for everything under `/v1`:
//! `{"error": {"message", "type", "param", "code"}}` with OpenAI's status codes, so the official
//! SDKs raise their usual exception classes (`BadRequestError`, `AuthenticationError`,
//! `NotFoundError`, `RateLimitError`, …). Every [`crate::Error`] maps here; server-side
//! failures get a generic message and the real cause goes to the log.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::Error;
use crate::server::error::RETRY_AFTER_SECS;

/// OpenAI's error `type` for client mistakes.
pub const INVALID_REQUEST: &str = "invalid_request_error";
/// OpenAI's error `type` for server failures.
pub const SERVER_ERROR: &str = "server_error";

/// An error response of the OpenAI-compatible API.
#[derive(Debug, Clone)]
pub struct OpenAiError {
    status: StatusCode,
    body: ErrorDetail,
    retry_after: Option<u32>,
}

/// The body: `{"error": ErrorDetail}`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OpenAiErrorBody {
    /// The error.
    pub error: ErrorDetail,
}

/// OpenAI's error object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// Human-readable explanation.
    pub message: String,
    /// `invalid_request_error`, `server_error`, `requests`, …
    #[serde(rename = "type")]
    pub kind: String,
    /// The request parameter at fault, if one is.
    pub param: Option<String>,
    /// A machine-readable code (`model_not_found`, `invalid_api_key`, …), if any.
    pub code: Option<String>,
}

impl OpenAiError {
    /// An error with every part given explicitly.
    pub fn new(
        status: StatusCode,
        kind: &str,
        message: impl Into<String>,
        param: Option<&str>,
        code: Option<&str>,
    ) -> Self {
        Self {
            status,
            body: ErrorDetail {
                message: message.into(),
                kind: kind.to_owned(),
                param: param.map(str::to_owned),
                code: code.map(str::to_owned),
            },
            retry_after: None,
        }
    }

    /// 400 `invalid_request_error` about `param`.
    pub fn invalid(message: impl Into<String>, param: Option<&str>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            INVALID_REQUEST,
            message,
            param,
            None,
        )
    }

    /// 400 `invalid_request_error` about `param` with a machine-readable `code`.
    pub fn invalid_code(message: impl Into<String>, param: Option<&str>, code: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            INVALID_REQUEST,
            message,
            param,
            Some(code),
        )
    }

    /// 404 `model_not_found`, worded like OpenAI's.
    pub fn model_not_found(model: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            INVALID_REQUEST,
            format!("The model `{model}` does not exist or you do not have access to it."),
            Some("model"),
            Some("model_not_found"),
        )
    }

    /// 404 for a path under `/v1` that mend does not serve.
    pub fn unknown_route(method: &str, path: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            INVALID_REQUEST,
            format!("Invalid URL ({method} {path})"),
            None,
            None,
        )
    }

    /// 401: no key, or a key that is not configured.
    pub fn unauthorized(missing: bool) -> Self {
        if missing {
            Self::new(
                StatusCode::UNAUTHORIZED,
                INVALID_REQUEST,
                "You didn't provide an API key. You need to provide your API key in an \
                 Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
                None,
                None,
            )
        } else {
            Self::new(
                StatusCode::UNAUTHORIZED,
                INVALID_REQUEST,
                "Incorrect API key provided.",
                None,
                Some("invalid_api_key"),
            )
        }
    }

    /// 429 with `Retry-After` (rate limits of callers that plug into the provider seam).
    pub fn rate_limited(message: impl Into<String>, retry_after_secs: u32) -> Self {
        let mut e = Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "requests",
            message,
            None,
            Some("rate_limit_exceeded"),
        );
        e.retry_after = Some(retry_after_secs);
        e
    }

    /// Names `param` as the parameter at fault when the error is a client error without one
    /// (e.g. a decode error of the `mask` upload).
    pub fn with_param(mut self, param: &str) -> Self {
        if self.status.is_client_error() && self.body.param.is_none() {
            self.body.param = Some(param.to_owned());
        }
        self
    }

    /// Adds a `Retry-After` header to the response.
    pub fn with_retry_after(mut self, secs: u32) -> Self {
        self.retry_after = Some(secs);
        self
    }

    /// The status code.
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The error object.
    pub fn detail(&self) -> &ErrorDetail {
        &self.body
    }
}

impl From<Error> for OpenAiError {
    fn from(err: Error) -> Self {
        use StatusCode as S;
        let too_large = |message: String, code: &str| {
            Self::new(
                S::PAYLOAD_TOO_LARGE,
                INVALID_REQUEST,
                message,
                None,
                Some(code),
            )
        };
        match &err {
            Error::BadRequest(m) => Self::invalid(m.clone(), None),
            Error::Base64(_)
            | Error::UnsupportedFormat
            | Error::ImageDecode(_)
            | Error::PluginInvalid { .. } => {
                Self::invalid_code(err.to_string(), None, "invalid_image")
            }
            Error::SizeMismatch { .. } => Self::invalid_code(
                format!("The mask and the image must have the same size: {err}"),
                Some("mask"),
                "invalid_mask",
            ),
            Error::Model(mend_models::Error::SizeMismatch { .. }) => {
                Self::invalid_code(err.to_string(), Some("mask"), "invalid_mask")
            }
            Error::Model(
                mend_models::Error::InvalidParameter { .. } | mend_models::Error::Adapter { .. },
            )
            | Error::Plugin { .. } => Self::invalid(err.to_string(), None),
            Error::ImageTooLarge { .. } => too_large(err.to_string(), "image_too_large"),
            Error::BodyTooLarge { .. } => too_large(err.to_string(), "request_too_large"),
            Error::UnknownModel(name) | Error::Model(mend_models::Error::UnknownModel(name)) => {
                Self::model_not_found(name)
            }
            Error::WeightsMissing { .. } => {
                Self::invalid_code(err.to_string(), Some("model"), "model_weights_missing")
            }
            Error::Download { .. } => Self::new(
                S::BAD_GATEWAY,
                SERVER_ERROR,
                err.to_string(),
                Some("model"),
                Some("model_download_failed"),
            ),
            Error::ModelUnavailable { .. } => {
                Self::invalid_code(err.to_string(), Some("model"), "model_not_available")
            }
            Error::NotFound(m) => Self::new(S::NOT_FOUND, INVALID_REQUEST, m.clone(), None, None),
            Error::NotConfigured(m) => Self::invalid(m.clone(), None),
            Error::ImageNotCached(_) => Self::new(
                S::PRECONDITION_FAILED,
                INVALID_REQUEST,
                err.to_string(),
                Some("image"),
                None,
            ),
            Error::Conflict(m) => Self::new(S::CONFLICT, INVALID_REQUEST, m.clone(), None, None),
            Error::NotImplemented(_) => Self::new(
                S::NOT_IMPLEMENTED,
                INVALID_REQUEST,
                err.to_string(),
                None,
                None,
            ),
            Error::QueueFull { .. } | Error::EngineStopped => Self::new(
                S::SERVICE_UNAVAILABLE,
                SERVER_ERROR,
                err.to_string(),
                None,
                Some(if matches!(err, Error::QueueFull { .. }) {
                    "queue_full"
                } else {
                    "engine_stopped"
                }),
            )
            .with_retry_after(RETRY_AFTER_SECS),
            // The client went away; nobody reads this answer.
            Error::Model(mend_models::Error::Cancelled) => Self::new(
                S::from_u16(499).unwrap_or(S::SERVICE_UNAVAILABLE),
                INVALID_REQUEST,
                err.to_string(),
                None,
                Some("cancelled"),
            ),
            Error::BudgetExceeded { cap, .. } => Self::new(
                S::PAYMENT_REQUIRED,
                "budget_exceeded",
                err.to_string(),
                None,
                Some(match cap.as_str() {
                    "daily" => "daily_cap_exceeded",
                    "monthly" => "monthly_cap_exceeded",
                    _ => "session_cap_exceeded",
                }),
            ),
            Error::RateLimited {
                retry_after_secs, ..
            } => Self::rate_limited(
                err.to_string(),
                u32::try_from(*retry_after_secs).unwrap_or(u32::MAX),
            ),
            Error::ProviderNotConfigured(m) => Self::new(
                S::SERVICE_UNAVAILABLE,
                SERVER_ERROR,
                m.clone(),
                Some("model"),
                Some("provider_not_configured"),
            ),
            Error::Provider { .. } => Self::new(
                S::BAD_GATEWAY,
                SERVER_ERROR,
                err.to_string(),
                None,
                Some("provider_error"),
            ),
            Error::DiskFull(_) => {
                tracing::error!(error = %err, "request failed");
                Self::new(
                    S::INSUFFICIENT_STORAGE,
                    SERVER_ERROR,
                    err.to_string(),
                    None,
                    None,
                )
            }
            Error::Model(_)
            | Error::ImageEncode(_)
            | Error::Io { .. }
            | Error::Config(_)
            | Error::MissingPath(_)
            | Error::Task(_)
            | Error::Storage(_) => {
                tracing::error!(error = %err, "request failed");
                Self::new(
                    S::INTERNAL_SERVER_ERROR,
                    SERVER_ERROR,
                    "The server had an error while processing your request; see its log.",
                    None,
                    None,
                )
            }
        }
    }
}

impl IntoResponse for OpenAiError {
    fn into_response(self) -> Response {
        let mut response = (
            self.status,
            axum::Json(OpenAiErrorBody { error: self.body }),
        )
            .into_response();
        if let Some(secs) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}

/// Result type of the `/v1` handlers.
pub type OpenAiResult<T> = std::result::Result<T, OpenAiError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_errors_map_to_openai_statuses_and_types() {
        let cases = [
            (Error::BadRequest("x".into()), 400, INVALID_REQUEST),
            (Error::UnsupportedFormat, 400, INVALID_REQUEST),
            (
                Error::ImageTooLarge {
                    width: 9,
                    height: 9,
                    pixels: 81,
                    limit: 10,
                },
                413,
                INVALID_REQUEST,
            ),
            (Error::BodyTooLarge { limit: 1 }, 413, INVALID_REQUEST),
            (Error::UnknownModel("m".into()), 404, INVALID_REQUEST),
            (Error::QueueFull { depth: 1 }, 503, SERVER_ERROR),
            (Error::Storage("db".into()), 500, SERVER_ERROR),
        ];
        for (err, status, kind) in cases {
            let e = OpenAiError::from(err);
            assert_eq!(e.status().as_u16(), status, "{e:?}");
            assert_eq!(e.detail().kind, kind);
        }
        let e = OpenAiError::from(Error::Storage("secret path".into()));
        assert!(!e.detail().message.contains("secret"));
        assert_eq!(
            OpenAiError::from(Error::UnknownModel("m".into()))
                .detail()
                .code
                .as_deref(),
            Some("model_not_found")
        );
    }
}
