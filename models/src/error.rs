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
    /// A weights file could not be read or does not fit the model (names the file or key).
    #[error("invalid weights: {0}")]
    InvalidWeights(String),
    /// The requested compute device cannot be used (e.g. `--device gpu` without an adapter).
    #[error("device unavailable: {0}")]
    DeviceUnavailable(String),
    /// The tensor backend failed while running a model (reading results back, device loss).
    #[error("backend error: {0}")]
    Backend(String),
}

/// Result alias for `mend-models`.
pub type Result<T, E = Error> = std::result::Result<T, E>;
