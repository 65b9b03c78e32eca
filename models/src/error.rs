//! The error type of `mend-models`.

/// Everything that can go wrong inside the model runtime.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Image and mask sizes differ.
    #[error("image size ({image_w}x{image_h}) and mask size ({mask_w}x{mask_h}) do not match")]
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
    /// The model name is not in the catalogue.
    #[error("unknown model `{0}`")]
    UnknownModel(String),
    /// A request parameter is outside what the model accepts.
    #[error("invalid parameter `{name}`: {reason}")]
    InvalidParameter {
        /// The request field.
        name: &'static str,
        /// Why it is rejected.
        reason: String,
    },
    /// A model returned an image whose size differs from its input's.
    #[error(
        "model `{model}` returned a {got_w}x{got_h} image for a {expected_w}x{expected_h} input"
    )]
    ModelOutputSize {
        /// The model's name.
        model: String,
        /// Input (padded) width.
        expected_w: u32,
        /// Input (padded) height.
        expected_h: u32,
        /// Returned width.
        got_w: u32,
        /// Returned height.
        got_h: u32,
    },
    /// The request was cancelled while running.
    #[error("cancelled")]
    Cancelled,
    /// The pre- or post-processing a model adapter wraps around a model failed (the adapter
    /// is a plugin of the host; the message says what went wrong).
    #[error("model adapter `{adapter}` {message}")]
    Adapter {
        /// The adapter's id.
        adapter: String,
        /// What failed.
        message: String,
    },
    /// A weights file could not be read or does not fit the model (names the file or key).
    #[error("invalid weights: {0}")]
    InvalidWeights(String),
    /// The requested compute device cannot be used (e.g. `--device gpu` without an adapter).
    #[error("device unavailable: {0}")]
    DeviceUnavailable(String),
    /// The tensor backend failed while running a model (reading results back, device loss).
    #[error("backend error: {0}")]
    Backend(String),
    /// A file operation on weights failed (names the file).
    #[error("{context}: {source}")]
    Io {
        /// What was being done, with the path.
        context: String,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// A weights file's checksum (md5, or sha256 where the catalogue gives one) differs from
    /// the catalogue's (or `<MODEL>_MODEL_MD5`).
    #[error(
        "checksum mismatch for {}: expected {expected}, got {actual}; the file is corrupt or \
         not the expected release (delete it and download again, or set <MODEL>_MODEL_MD5 if \
         you replaced it on purpose)",
        path.display()
    )]
    Md5Mismatch {
        /// The file checked.
        path: std::path::PathBuf,
        /// The md5 it should have (lower-case hex).
        expected: String,
        /// The md5 it has.
        actual: String,
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

/// Result alias for `mend-models`.
pub type Result<T, E = Error> = std::result::Result<T, E>;
