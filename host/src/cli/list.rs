//! `mend list`: the models mend knows and their state here: `ready`, `needs_download` (with
//! the approximate download size) or `unsupported` (not in this build), and the compute device
//! learned models would run on.

use std::path::PathBuf;

use clap::Args;

use crate::Result;
use crate::config::{Device, default_model_dir};
use crate::engine::ResolvedDevice;
use crate::models::{ModelState, ModelStatus, WeightsContext, model_statuses};

/// Flags of `mend list`.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Folder of model weights (IOPaint's layout: `<dir>/torch/hub/checkpoints/`).
    #[arg(long, env = "MEND_MODEL_DIR")]
    pub model_dir: Option<PathBuf>,
    /// Compute device to report (probed as `mend start` would).
    #[arg(long, env = "MEND_DEVICE", value_enum, default_value_t = Device::Auto)]
    pub device: Device,
}

/// Human-readable byte count (MB = 10^6 bytes, as download sites show).
pub fn human_bytes(bytes: u64) -> String {
    if bytes >= 1_000_000_000 {
        format!("{:.1} GB", bytes as f64 / 1e9)
    } else if bytes >= 1_000_000 {
        format!("{:.0} MB", bytes as f64 / 1e6)
    } else {
        format!("{:.0} kB", bytes as f64 / 1e3)
    }
}

/// The STATE column: `ready`, `needs_download (≈205 MB)`, `unsupported (weights present)`.
pub fn state_text(s: &ModelStatus) -> String {
    match s.state {
        ModelState::Ready => "ready".to_owned(),
        ModelState::NeedsDownload => match s.download_bytes {
            Some(b) => format!("needs_download (~{})", human_bytes(b)),
            None => "needs_download".to_owned(),
        },
        ModelState::Unsupported if s.weights_present && !s.files.is_empty() => {
            "unsupported (weights present)".to_owned()
        }
        ModelState::Unsupported => "unsupported".to_owned(),
    }
}

/// Prints the catalogue with each model's state.
pub fn run(args: &ListArgs) -> Result<()> {
    let model_dir = args.model_dir.clone().unwrap_or_else(default_model_dir);
    let statuses = model_statuses(&WeightsContext::new(&model_dir, true));
    if args.json {
        let json = serde_json::to_string(&statuses)
            .map_err(|e| crate::Error::Task(format!("serialising the model list: {e}")))?;
        println!("{json}");
        return Ok(());
    }
    println!("{:<21} {:<32} DESCRIPTION", "MODEL", "STATE");
    for s in &statuses {
        println!("{:<21} {:<32} {}", s.name, state_text(s), s.description);
    }
    println!("\nweights folder: {}", model_dir.display());
    match ResolvedDevice::resolve(args.device) {
        Ok(device) => println!("device: {}", device.describe()),
        Err(e) => println!("device: unavailable ({e})"),
    }
    Ok(())
}
