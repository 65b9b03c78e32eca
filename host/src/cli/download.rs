//! `mend download MODEL`: fetches a model's weights into `--model-dir` (IOPaint's layout),
//! with a progress bar, resume and md5 check. Files already present are kept (`--verify`
//! checks their md5).

use std::path::PathBuf;

use clap::Args;
use mend_models::catalogue;
use mend_models::model_files;

use crate::config::default_model_dir;
use crate::models::progress_bar::DownloadBars;
use crate::models::{WeightsContext, ensure_weights};
use crate::{Error, Result};

/// Flags of `mend download`.
#[derive(Debug, Args)]
pub struct DownloadArgs {
    /// Model to download (`mend list` shows them).
    pub model: String,
    /// Folder of model weights (IOPaint's layout: `<dir>/torch/hub/checkpoints/`).
    #[arg(long, env = "MEND_MODEL_DIR")]
    pub model_dir: Option<PathBuf>,
    /// Also check the md5 of files that are already present.
    #[arg(long)]
    pub verify: bool,
}

/// Downloads the model's missing files; prints where they are.
pub fn run(args: &DownloadArgs) -> Result<()> {
    let entry =
        catalogue::find(&args.model).ok_or_else(|| Error::UnknownModel(args.model.clone()))?;
    let model_dir = args.model_dir.clone().unwrap_or_else(default_model_dir);
    if !entry.needs_download() {
        println!("{} needs no download", entry.name);
        return Ok(());
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::io("starting the async runtime", e))?;
    let ctx = WeightsContext::new(&model_dir, false);
    let bars = DownloadBars::new();
    let paths = runtime.block_on(ensure_weights(entry, &ctx, &|p| bars.update(&p)))?;
    if args.verify {
        for file in model_files::resolve(entry, &model_dir, &|n| ctx.lookup(n)) {
            if let Some(md5) = &file.md5 {
                mend_models::weights::verify_md5(&file.path, md5)?;
                println!("md5 ok: {}", file.path.display());
            }
        }
    }
    for path in paths {
        println!("{}: {}", entry.name, path.display());
    }
    if !crate::engine::factory::is_supported(entry.name) {
        println!(
            "note: this build of mend cannot run `{}` yet; the weights are kept for when it can",
            entry.name
        );
    }
    Ok(())
}
