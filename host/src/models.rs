//! Model management in the host: which models are ready, need a download or are not in this
//! build ([`state`]); fetching missing weights with resume, md5 check and progress
//! ([`download`], [`ensure`], [`prepare`]); and a terminal progress bar for the CLI ([`progress_bar`]).
//!
//! Weight files live in IOPaint's layout under `--model-dir` (see
//! [`mend_models::model_files`]), so files IOPaint already downloaded are used as they are.

pub mod download;
pub mod ensure;
pub mod prepare;
pub mod progress_bar;
pub mod state;

pub use ensure::{ExtraWeights, FileProgress, WeightsContext, ensure_weights};
pub use prepare::{Adapted, prepare, prepare_with};
pub use state::{ModelState, ModelStatus, model_status, model_statuses};
