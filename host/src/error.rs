//! The host's error type. Every area of the host returns [`Error`]; the HTTP layer turns it
//! into a status code and IOPaint's JSON error body (see `server::error`).

use std::path::PathBuf;

/// Everything that can fail in the host.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    // ---- request input -------------------------------------------------------------------
    /// A request field is missing, has the wrong type or an invalid value.
    #[error("{0}")]
    BadRequest(String),
    /// The base64 payload (or data URL) could not be decoded.
    #[error("invalid base64 image data: {0}")]
    Base64(String),
    /// The bytes are not an image format mend reads.
    #[error("unsupported or unrecognised image format")]
    UnsupportedFormat,
    /// The image could not be decoded.
    #[error("could not decode image: {0}")]
    ImageDecode(String),
    /// The image header announces more pixels than allowed (checked before decoding).
    #[error("image is {width}x{height} = {pixels} pixels, more than the limit of {limit} pixels")]
    ImageTooLarge {
        /// Width from the header.
        width: u32,
        /// Height from the header.
        height: u32,
        /// width * height.
        pixels: u64,
        /// The configured limit (`--max-pixels`).
        limit: u64,
    },
    /// Image and mask sizes differ.
    #[error("Image size({image_h}, {image_w}) and mask size({mask_h}, {mask_w}) not match.")]
    SizeMismatch {
        /// Image width.
        image_w: u32,
        /// Image height.
        image_h: u32,
        /// Mask width.
        mask_w: u32,
        /// Mask height.
        mask_h: u32,
    },
    /// The request body exceeds `--max-body-bytes`.
    #[error("request body is larger than the limit of {limit} bytes")]
    BodyTooLarge {
        /// The configured limit.
        limit: usize,
    },
    /// A model name that is not in the catalogue.
    #[error("unknown model `{0}`")]
    UnknownModel(String),
    /// A model that exists but cannot run in this build or without its weights.
    #[error("model `{name}` is not available: {reason}")]
    ModelUnavailable {
        /// Model name.
        name: String,
        /// Why.
        reason: String,
    },
    /// A model's weight files are missing and may not (or cannot) be downloaded.
    #[error("model `{model}` needs weights that are not on this machine: {missing}. {hint}")]
    WeightsMissing {
        /// Model name.
        model: String,
        /// The missing files, each as `PATH` (and where to get it).
        missing: String,
        /// What to do about it.
        hint: String,
    },
    /// Downloading a weights file failed (network, HTTP status, md5 mismatch).
    #[error(
        "downloading {url} to {} failed: {reason}. Retry later (a partial download resumes), \
         or download the file yourself and place it at {}",
        path.display(),
        path.display()
    )]
    Download {
        /// The URL.
        url: String,
        /// Where the file should end up.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
    /// A capability a later release brings (plugins, diffusion).
    #[error("{0} is not available in this version of mend")]
    NotImplemented(String),
    /// A file or route target that does not exist.
    #[error("{0}")]
    NotFound(String),
    /// The request conflicts with the resource's state (e.g. cancelling a finished job).
    #[error("{0}")]
    Conflict(String),
    /// A request that needs configuration the server was not started with.
    #[error("{0}")]
    NotConfigured(String),

    // ---- capacity --------------------------------------------------------------------------
    /// The engine queue is full.
    #[error("the inpaint queue is full ({depth} jobs waiting); retry shortly")]
    QueueFull {
        /// The configured queue depth.
        depth: usize,
    },
    /// The engine worker has stopped.
    #[error("the inpaint engine is not running")]
    EngineStopped,

    // ---- processing ------------------------------------------------------------------------
    /// The image could not be encoded.
    #[error("could not encode image: {0}")]
    ImageEncode(String),
    /// An error from the model runtime.
    #[error(transparent)]
    Model(#[from] mend_models::Error),

    // ---- environment -----------------------------------------------------------------------
    /// A filesystem operation failed.
    #[error("{context}: {source}")]
    Io {
        /// What was being done, with the path.
        context: String,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// The configuration is invalid.
    #[error("invalid configuration: {0}")]
    Config(String),
    /// A path that must exist does not.
    #[error("path does not exist: {}", .0.display())]
    MissingPath(PathBuf),
    /// A background task panicked or was cancelled.
    #[error("internal task failed: {0}")]
    Task(String),
    /// The database failed, or holds data this version cannot read (see `storage`).
    #[error("storage error: {0}")]
    Storage(String),
    /// A plugin call failed: the plugin returned an error, trapped, ran past its deadline or
    /// memory limit, or returned unusable output. The message is safe to show to clients.
    #[error("plugin `{plugin}` failed: {message}")]
    Plugin {
        /// The plugin's id.
        plugin: String,
        /// What went wrong.
        message: String,
    },
    /// A plugin component could not be loaded (not a component, unsupported API version,
    /// invalid manifest, missing exports).
    #[error("plugin `{plugin}` cannot be loaded: {message}")]
    PluginInvalid {
        /// The plugin's id, or its file name when the id is not known yet.
        plugin: String,
        /// Why it was rejected.
        message: String,
    },
    /// The disk is full (ENOSPC / quota exceeded) while storing data. The message says what
    /// was being stored, never a path, so it can be shown to clients.
    #[error("the server is out of disk space ({0})")]
    DiskFull(String),

    // ---- cloud calls and the budget guard --------------------------------------------------
    /// A paid call would exceed a budget cap (amounts in dollars).
    #[error(
        "the {cap} budget cap of ${limit_usd:.2} would be exceeded: ${spent_usd:.4} spent, \
         ${reserved_usd:.4} held by calls in flight, this request is estimated at ${estimate_usd:.4}"
    )]
    BudgetExceeded {
        /// Which cap (`daily`, `monthly`, `session`).
        cap: crate::storage::budget::CapKind,
        /// The cap.
        limit_usd: f64,
        /// Settled spending in the cap's period.
        spent_usd: f64,
        /// Reserved by calls in flight in the cap's period.
        reserved_usd: f64,
        /// The refused estimate.
        estimate_usd: f64,
    },
    /// The session made a paid call less than the minimum interval ago.
    #[error(
        "paid calls from one session are limited to one every {interval_secs} s; retry in {retry_after_secs} s"
    )]
    RateLimited {
        /// Seconds until the session may call again.
        retry_after_secs: u64,
        /// The configured minimum interval.
        interval_secs: u64,
    },
    /// No provider (base URL and API key) is configured for a paid model.
    #[error("{0}")]
    ProviderNotConfigured(String),
    /// The external provider failed (after retries). Never carries the API key.
    #[error("the image provider failed{}: {message}", .status.map(|s| format!(" (HTTP {s})")).unwrap_or_default())]
    Provider {
        /// The provider's HTTP status, when it answered.
        status: Option<u16>,
        /// The provider's message.
        message: String,
    },
}

impl Error {
    /// Wraps an I/O error with a description of what was being done.
    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        Self::Io {
            context: context.into(),
            source,
        }
    }
}

/// Result alias for the host.
pub type Result<T, E = Error> = std::result::Result<T, E>;
