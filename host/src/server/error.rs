//! HTTP errors: every [`crate::Error`] becomes a status code and IOPaint's JSON error body
//! `{"error", "detail", "body", "errors"}` (IOPaint's UI displays `errors`). Server-side
//! failures (5xx) get a generic message; the real cause goes to the log.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::Error;

/// Seconds a client should wait before retrying when the queue is full.
pub const RETRY_AFTER_SECS: u32 = 2;

/// An error response.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    kind: &'static str,
    detail: String,
    /// Machine-readable fields added to the body (e.g. which budget cap refused a call).
    extra: Option<serde_json::Map<String, serde_json::Value>>,
    /// `Retry-After` seconds (503 always gets one).
    retry_after: Option<u64>,
}

/// The JSON body of every error response.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// Error kind, e.g. `BadRequest`, `ImageTooLarge`, `QueueFull`.
    pub error: String,
    /// Human-readable explanation.
    pub detail: String,
    /// Always empty (kept for IOPaint compatibility).
    pub body: String,
    /// `"<status>: <detail>"`, what IOPaint's web UI shows.
    pub errors: String,
}

impl ApiError {
    /// An error with an explicit status, kind and message.
    pub fn new(status: StatusCode, kind: &'static str, detail: impl Into<String>) -> Self {
        Self {
            status,
            kind,
            detail: detail.into(),
            extra: None,
            retry_after: None,
        }
    }

    /// 404 for unknown API routes.
    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "NotFound", detail)
    }

    /// The status code.
    pub fn status(&self) -> StatusCode {
        self.status
    }
}

impl From<Error> for ApiError {
    fn from(err: Error) -> Self {
        use StatusCode as S;
        let (status, kind) = match &err {
            Error::BadRequest(_) => (S::UNPROCESSABLE_ENTITY, "RequestValidationError"),
            Error::Base64(_) => (S::BAD_REQUEST, "Base64Error"),
            Error::UnsupportedFormat => (S::UNSUPPORTED_MEDIA_TYPE, "UnsupportedFormat"),
            Error::ImageDecode(_) => (S::BAD_REQUEST, "ImageDecodeError"),
            Error::ImageTooLarge { .. } => (S::PAYLOAD_TOO_LARGE, "ImageTooLarge"),
            Error::SizeMismatch { .. } => (S::BAD_REQUEST, "HTTPException"),
            Error::BodyTooLarge { .. } => (S::PAYLOAD_TOO_LARGE, "PayloadTooLarge"),
            Error::UnknownModel(_) => (S::NOT_FOUND, "UnknownModel"),
            Error::ModelUnavailable { .. } => (S::UNPROCESSABLE_ENTITY, "ModelUnavailable"),
            Error::WeightsMissing { .. } => (S::UNPROCESSABLE_ENTITY, "WeightsMissing"),
            // The upstream (weights host) failed; the message says what to do, so it is shown.
            Error::Download { .. } => (S::BAD_GATEWAY, "DownloadFailed"),
            Error::NotImplemented(_) => (S::NOT_IMPLEMENTED, "NotImplemented"),
            Error::NotFound(_) => (S::NOT_FOUND, "NotFound"),
            Error::NotConfigured(_) => (S::NOT_FOUND, "NotConfigured"),
            Error::Conflict(_) => (S::CONFLICT, "Conflict"),
            Error::ImageNotCached(_) => (S::PRECONDITION_FAILED, "ImageNotCached"),
            Error::QueueFull { .. } => (S::SERVICE_UNAVAILABLE, "QueueFull"),
            Error::EngineStopped => (S::SERVICE_UNAVAILABLE, "EngineStopped"),
            Error::Model(mend_models::Error::SizeMismatch { .. }) => {
                (S::BAD_REQUEST, "HTTPException")
            }
            Error::Model(mend_models::Error::InvalidParameter { .. }) => {
                (S::UNPROCESSABLE_ENTITY, "RequestValidationError")
            }
            Error::Model(mend_models::Error::UnknownModel(_)) => (S::NOT_FOUND, "UnknownModel"),
            // 499 is nginx's "client closed request": only ever seen in logs.
            Error::Model(mend_models::Error::Cancelled) => (
                S::from_u16(499).unwrap_or(S::SERVICE_UNAVAILABLE),
                "Cancelled",
            ),
            Error::DiskFull(_) => (S::INSUFFICIENT_STORAGE, "InsufficientStorage"),
            // A failing plugin is the plugin's fault, not the server's: 422 with the reason,
            // so the client sees which plugin failed and why.
            Error::Plugin { .. } | Error::Model(mend_models::Error::Adapter { .. }) => {
                (S::UNPROCESSABLE_ENTITY, "PluginError")
            }
            Error::PluginInvalid { .. } => (S::BAD_REQUEST, "InvalidPlugin"),
            Error::BudgetExceeded { .. } => (S::PAYMENT_REQUIRED, "BudgetExceeded"),
            Error::RateLimited { .. } => (S::TOO_MANY_REQUESTS, "RateLimited"),
            Error::ProviderNotConfigured(_) => (S::SERVICE_UNAVAILABLE, "ProviderNotConfigured"),
            Error::Provider { .. } => (S::BAD_GATEWAY, "ProviderError"),
            Error::Model(_)
            | Error::ImageEncode(_)
            | Error::Io { .. }
            | Error::Config(_)
            | Error::MissingPath(_)
            | Error::Task(_)
            | Error::Storage(_) => (S::INTERNAL_SERVER_ERROR, "InternalError"),
        };
        let (extra, retry_after) = error_fields(&err);
        let detail = if status.is_server_error()
            && status != S::SERVICE_UNAVAILABLE
            && status != S::NOT_IMPLEMENTED
            && status != S::BAD_GATEWAY
        {
            tracing::error!(error = %err, "request failed");
            if status == S::INSUFFICIENT_STORAGE {
                // `DiskFull` carries no path; the client should know why.
                err.to_string()
            } else {
                "Something went wrong on the server; see its log for details.".to_owned()
            }
        } else {
            err.to_string()
        };
        Self {
            status,
            kind,
            detail,
            extra,
            retry_after,
        }
    }
}

/// The machine-readable fields and `Retry-After` of budget and provider errors.
fn error_fields(
    err: &Error,
) -> (
    Option<serde_json::Map<String, serde_json::Value>>,
    Option<u64>,
) {
    let fields = match err {
        Error::BudgetExceeded {
            cap,
            limit_usd,
            spent_usd,
            reserved_usd,
            estimate_usd,
        } => serde_json::json!({
            "cap": cap,
            "limit_usd": limit_usd,
            "spent_usd": spent_usd,
            "reserved_usd": reserved_usd,
            "estimate_usd": estimate_usd,
        }),
        Error::RateLimited {
            retry_after_secs, ..
        } => {
            return (
                serde_json::json!({ "retry_after_secs": retry_after_secs })
                    .as_object()
                    .cloned(),
                Some(*retry_after_secs),
            );
        }
        Error::Provider { status, message } => serde_json::json!({
            "provider_status": status,
            "provider_message": message,
        }),
        _ => return (None, None),
    };
    (fields.as_object().cloned(), None)
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: self.kind.to_owned(),
            errors: format!("{}: {}", self.status.as_u16(), self.detail),
            detail: self.detail,
            body: String::new(),
        };
        let mut json = serde_json::to_value(&body).unwrap_or_default();
        if let (Some(extra), Some(map)) = (self.extra, json.as_object_mut()) {
            map.extend(extra);
        }
        let mut response = (self.status, axum::Json(json)).into_response();
        let retry_after = match self.retry_after {
            Some(secs) => Some(secs),
            None if self.status == StatusCode::SERVICE_UNAVAILABLE
                && self.kind != "ProviderNotConfigured" =>
            {
                Some(u64::from(RETRY_AFTER_SECS))
            }
            None => None,
        };
        if let Some(secs) = retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}

/// Result type of handlers.
pub type ApiResult<T> = std::result::Result<T, ApiError>;
