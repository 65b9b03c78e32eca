//! # mend-models
//!
//! The model runtime of mend: the erase models and everything around them that does not
//! depend on HTTP.
//!
//! ## Layout
//! - [`model`]: the [`InpaintModel`] trait every erase model implements, and the per-request
//!   [`InpaintConfig`] (IOPaint's request fields that erase models read).
//! - [`lama`]: LaMa / anime-LaMa (Fourier-convolution inpainting) on burn.
//! - [`migan`]: MI-GAN (mobile inpainting GAN, fixed 512² resolution), natively on the CPU
//!   and on burn elsewhere, with IOPaint's crop-and-resize strategy.
//! - [`srvgg`]: Real-ESRGAN's compact ×4 upscaler (`realesr-general-x4v3`) on burn, which
//!   plugins run through the host's `inference`.
//! - [`isnet`]: IS-Net (RMBG-1.4's background-removal network) on burn, which the
//!   remove-background plugin runs through `inference`.
//! - [`device`]: the compute device (`auto` / `cpu` / `gpu`) neural models run on.
//! - [`cv2`]: the native classical inpainter (Telea fast marching and Navier–Stokes), the
//!   always-available default model `cv2`.
//! - [`hd_strategy`]: IOPaint's high-resolution strategies (Original, Resize, Crop), padding to
//!   `pad_mod`, and compositing outside the mask.
//! - [`mask`]: mask binarisation and mask bounding boxes.
//! - [`catalogue`]: the models mend knows by name, with their weight files (URL, md5, size).
//! - [`model_files`]: where weight files live on disk (IOPaint's layout, env overrides).
//! - [`tensor_map`]: named host tensors (state dicts) and safetensors reading/writing.
//! - [`weights`]: weight files (TorchScript archives, safetensors) → [`tensor_map::TensorMap`],
//!   the safetensors cache of converted archives, md5 checks.
//! - `gemm`, `buffer_pool`: faer matrix products and recycled buffers for the native CPU
//!   paths (LaMa, MI-GAN).
//! - [`error`]: the crate's error type.

mod buffer_pool;
pub mod catalogue;
pub mod cv2;
pub mod device;
pub mod error;
mod gemm;
pub mod hd_strategy;
pub mod isnet;
pub mod lama;
pub mod mask;
pub mod migan;
pub mod model;
pub mod model_files;
pub mod srvgg;
pub mod tensor_map;
pub mod weights;

pub use error::{Error, Result};
pub use model::{Cv2Flag, HdStrategy, InpaintConfig, InpaintModel, Progress};
