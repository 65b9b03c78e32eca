//! Wrappers over the imported `host` interface: logging and progress.
//!
//! On the plugin target these call the host. On any other target (the SDK's own unit tests,
//! a plugin's algorithm tests on x86_64) logging goes nowhere and progress always continues,
//! so code that logs can be tested without a host.

use crate::PluginError;

pub use crate::bindings::processor::mend::plugin::host::LogLevel;

/// Writes a line to the host's log, tagged with the plugin's id. The host rate-limits it.
pub fn log(level: LogLevel, message: &str) {
    #[cfg(target_arch = "wasm32")]
    crate::bindings::processor::mend::plugin::host::log(level, message);
    #[cfg(not(target_arch = "wasm32"))]
    let _ = (level, message);
}

/// Logs at [`LogLevel::Trace`].
pub fn trace(message: &str) {
    log(LogLevel::Trace, message);
}

/// Logs at [`LogLevel::Debug`].
pub fn debug(message: &str) {
    log(LogLevel::Debug, message);
}

/// Logs at [`LogLevel::Info`].
pub fn info(message: &str) {
    log(LogLevel::Info, message);
}

/// Logs at [`LogLevel::Warn`].
pub fn warn(message: &str) {
    log(LogLevel::Warn, message);
}

/// Logs at [`LogLevel::Error`].
pub fn error(message: &str) {
    log(LogLevel::Error, message);
}

/// Reports progress in `[0, 1]` (clamped). Returns false when the host wants the plugin to
/// stop because the user cancelled.
pub fn progress(fraction: f32) -> bool {
    let fraction = if fraction.is_nan() {
        0.0
    } else {
        fraction.clamp(0.0, 1.0)
    };
    #[cfg(target_arch = "wasm32")]
    return crate::bindings::processor::mend::plugin::host::progress(fraction);
    #[cfg(not(target_arch = "wasm32"))]
    {
        let _ = fraction;
        true
    }
}

/// Like [`progress`], but turns a cancellation into an error to return with `?`:
/// `mend_sdk::report_progress(0.5)?;`.
pub fn report_progress(fraction: f32) -> Result<(), PluginError> {
    if progress(fraction) {
        Ok(())
    } else {
        Err(PluginError::Failed("cancelled by the host".to_owned()))
    }
}

/// Models the host runs on its device. Every call needs the `inference` capability in the
/// manifest, granted by the host's configuration; without it the host denies the call.
pub mod inference {
    use crate::{Image, Mask, PluginError};

    pub use crate::bindings::processor::mend::plugin::inference::Tensor;

    /// Names of the models this host can run for plugins right now (empty off the plugin
    /// target).
    pub fn available_models() -> Vec<String> {
        #[cfg(target_arch = "wasm32")]
        return crate::bindings::processor::mend::plugin::inference::available_models();
        #[cfg(not(target_arch = "wasm32"))]
        Vec::new()
    }

    /// Runs `model` on `inputs` and returns its outputs.
    pub fn run(model: &str, inputs: &[Tensor]) -> Result<Vec<Tensor>, PluginError> {
        #[cfg(target_arch = "wasm32")]
        return crate::bindings::processor::mend::plugin::inference::run(model, inputs);
        #[cfg(not(target_arch = "wasm32"))]
        {
            let _ = inputs;
            Err(PluginError::ModelUnavailable(model.to_owned()))
        }
    }

    /// Fills the masked area of `image` with the host's erase model `model`.
    pub fn inpaint(model: &str, image: &Image, mask: &Mask) -> Result<Image, PluginError> {
        #[cfg(target_arch = "wasm32")]
        return crate::bindings::processor::mend::plugin::inference::inpaint(model, image, mask);
        #[cfg(not(target_arch = "wasm32"))]
        {
            let _ = (image, mask);
            Err(PluginError::ModelUnavailable(model.to_owned()))
        }
    }
}
