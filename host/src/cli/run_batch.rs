//! `mend run`: inpaint one image or a folder of images with their masks, in parallel, without
//! a server. Results are PNGs named after the input's stem in the output folder.

use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::Args;
use image::{GrayImage, RgbImage, imageops};
use indicatif::{ProgressBar, ProgressStyle};
use mend_models::{InpaintConfig, hd_strategy, model::NoProgress};
use rayon::prelude::*;

use crate::config::Device;
use crate::engine::{ResolvedDevice, factory};
use crate::imaging::{self, ImageFormatKind, Limits};
use crate::server::api_v1::{inpaint::model_config, schema::InpaintRequest};
use crate::storage::Store;
use crate::storage::records::{NewEntry, Timings, new_id};
use crate::{Error, Result};

/// Flags of `mend run`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Model to use.
    #[arg(long, default_value = crate::config::DEFAULT_MODEL)]
    pub model: String,
    /// Compute device.
    #[arg(long, value_enum, default_value_t = Device::Auto)]
    pub device: Device,
    /// An image file, or a folder of images (png, jpg, jpeg, webp, bmp, tif, tiff).
    #[arg(long)]
    pub image: PathBuf,
    /// A mask file used for every image, or a folder of masks matched by file stem.
    #[arg(long)]
    pub mask: PathBuf,
    /// Output folder (created if missing).
    #[arg(long)]
    pub output: PathBuf,
    /// JSON file with IOPaint `InpaintRequest` fields (cv2_flag, cv2_radius, hd_strategy, …).
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Write [original | mask | result] side by side instead of the result alone.
    #[arg(long)]
    pub concat: bool,
    /// Images processed at once (default: number of CPUs).
    #[arg(long)]
    pub jobs: Option<usize>,
    /// Maximum image size in pixels.
    #[arg(long, default_value_t = crate::config::DEFAULT_MAX_PIXELS)]
    pub max_pixels: u64,
    /// Folder of model weights (IOPaint's layout; unused by cv2). Missing weights are
    /// downloaded first.
    #[arg(long, env = "MEND_MODEL_DIR")]
    pub model_dir: Option<PathBuf>,
    /// Also record every result in the history (shown by `mend start` and its UI).
    #[arg(long)]
    pub save_history: bool,
    /// mend's data folder, for `--save-history` (default as for `mend start`).
    #[arg(long, env = "MEND_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
}

/// Checks the model and downloads its missing weights (with a progress bar).
fn fetch_weights(args: &RunArgs) -> Result<factory::ModelSource> {
    let entry = factory::check_available(&args.model)?;
    if !entry.needs_download() {
        return Ok(factory::ModelSource::named(&args.model));
    }
    let model_dir = args
        .model_dir
        .clone()
        .unwrap_or_else(crate::config::default_model_dir);
    let ctx = crate::models::WeightsContext::new(&model_dir, false);
    let bars = crate::models::progress_bar::DownloadBars::new();
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::io("starting the async runtime", e))?
        .block_on(crate::models::prepare_with(&args.model, None, &ctx, &|p| {
            bars.update(&p);
        }))
}

/// One unit of batch work.
#[derive(Debug)]
struct Item {
    image: PathBuf,
    mask: PathBuf,
    output: PathBuf,
}

const IMAGE_SUFFIXES: &[&str] = &["png", "jpg", "jpeg", "webp", "bmp", "tif", "tiff"];

fn is_image(path: &Path) -> bool {
    path.is_file()
        && path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| IMAGE_SUFFIXES.contains(&e.to_ascii_lowercase().as_str()))
}

fn stem(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// Pairs images with masks; images without a mask are returned separately (skipped).
fn plan(args: &RunArgs) -> Result<(Vec<Item>, Vec<PathBuf>)> {
    if !args.image.exists() {
        return Err(Error::MissingPath(args.image.clone()));
    }
    if !args.mask.exists() {
        return Err(Error::MissingPath(args.mask.clone()));
    }
    if args.output.is_file() {
        return Err(Error::Config(format!(
            "--output must be a folder, but {} is a file",
            args.output.display()
        )));
    }
    let images: Vec<PathBuf> = if args.image.is_dir() {
        let mut v: Vec<PathBuf> = std::fs::read_dir(&args.image)
            .map_err(|e| Error::io(format!("listing {}", args.image.display()), e))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| is_image(p))
            .collect();
        v.sort();
        v
    } else {
        vec![args.image.clone()]
    };
    let mut items = Vec::new();
    let mut skipped = Vec::new();
    for image in images {
        let mask = if args.mask.is_dir() {
            std::fs::read_dir(&args.mask)
                .map_err(|e| Error::io(format!("listing {}", args.mask.display()), e))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| is_image(p))
                .find(|p| stem(p) == stem(&image))
        } else {
            Some(args.mask.clone())
        };
        match mask {
            Some(mask) => items.push(Item {
                output: args.output.join(format!("{}.png", stem(&image))),
                image,
                mask,
            }),
            None => skipped.push(image),
        }
    }
    Ok((items, skipped))
}

/// Runs the batch; fails (non-zero exit) if any image failed.
pub fn run(args: &RunArgs) -> Result<()> {
    let config = match &args.config {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|e| Error::io(format!("reading {}", path.display()), e))?;
            let req: InpaintRequest = serde_json::from_str(&text)
                .map_err(|e| Error::Config(format!("{}: {e}", path.display())))?;
            model_config(&req)?
        }
        None => InpaintConfig::default(),
    };
    let source = fetch_weights(args)?;
    let device = ResolvedDevice::resolve(args.device)?;
    tracing::info!(device = %device.describe(), "compute device");
    let (items, skipped) = plan(args)?;
    for path in &skipped {
        tracing::warn!("no mask for {}; skipped", path.display());
    }
    std::fs::create_dir_all(&args.output)
        .map_err(|e| Error::io(format!("creating {}", args.output.display()), e))?;

    let jobs = args
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .max(1);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs)
        .build()
        .map_err(|e| Error::Task(e.to_string()))?;
    let bar = ProgressBar::new(items.len() as u64).with_style(
        ProgressStyle::with_template(
            "{bar:40.cyan/blue} {pos}/{len} {wide_msg} [{elapsed_precise}]",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let limits = Limits::new(args.max_pixels);
    let store = if args.save_history {
        let dir = args
            .data_dir
            .clone()
            .unwrap_or_else(crate::config::default_data_dir);
        let (store, report) = Store::open(&dir)?;
        tracing::debug!(?report, "history store opened at {}", dir.display());
        Some(store)
    } else {
        None
    };
    let ctx = Context {
        config: &config,
        limits: &limits,
        concat: args.concat,
        model_name: &args.model,
        store: store.as_ref(),
    };
    let started = Instant::now();
    let failures: Vec<(PathBuf, Error)> = pool.install(|| {
        items
            .par_iter()
            .map_init(
                || factory::create_from(&source, device.compute()),
                |model, item| {
                    let result = match model {
                        Ok(model) => process(model.as_mut(), item, &ctx),
                        Err(e) => Err(Error::Task(e.to_string())),
                    };
                    bar.set_message(stem(&item.image));
                    bar.inc(1);
                    result.err().map(|e| (item.image.clone(), e))
                },
            )
            .flatten()
            .collect()
    });
    bar.finish_and_clear();
    for (path, err) in &failures {
        eprintln!("failed: {}: {err}", path.display());
    }
    let ok = items.len() - failures.len();
    println!(
        "{ok} succeeded, {} failed, {} skipped (no mask) in {:.2}s -> {}",
        failures.len(),
        skipped.len(),
        started.elapsed().as_secs_f64(),
        args.output.display()
    );
    if failures.is_empty() {
        Ok(())
    } else {
        Err(Error::Task(format!(
            "{} of {} images failed",
            failures.len(),
            items.len()
        )))
    }
}

/// What every item of a batch shares.
struct Context<'a> {
    config: &'a InpaintConfig,
    limits: &'a Limits,
    concat: bool,
    model_name: &'a str,
    store: Option<&'a Store>,
}

fn process(
    model: &mut dyn mend_models::InpaintModel,
    item: &Item,
    ctx: &Context<'_>,
) -> Result<()> {
    let (config, limits, concat) = (ctx.config, ctx.limits, ctx.concat);
    let started = Instant::now();
    let read =
        |p: &Path| std::fs::read(p).map_err(|e| Error::io(format!("reading {}", p.display()), e));
    let input_bytes = read(&item.image)?;
    let decoded = imaging::decode_image(&input_bytes, limits)?;
    let mut mask = imaging::decode_mask(&read(&item.mask)?, limits)?;
    if mask.dimensions() != decoded.rgb.dimensions() {
        let (w, h) = decoded.rgb.dimensions();
        mask = imageops::resize(&mask, w, h, imageops::FilterType::Nearest);
    }
    mend_models::mask::binarize(&mut mask, 127);
    let result = hd_strategy::run(model, &decoded.rgb, &mask, config, &NoProgress)?;
    let (out, alpha) = if concat {
        (side_by_side(&decoded.rgb, &mask, &result), None)
    } else {
        (result, decoded.alpha.as_ref())
    };
    let bytes = imaging::encode_image(&out, alpha, ImageFormatKind::Png, &decoded.metadata, 100)?;
    crate::atomic_write::write_atomically(&item.output, &bytes)
        .map_err(|e| Error::io(format!("writing {}", item.output.display()), e))?;
    if let Some(store) = ctx.store {
        let format = imaging::sniff(&input_bytes).unwrap_or(ImageFormatKind::Png);
        let (width, height) = out.dimensions();
        store.record_history(NewEntry {
            id: new_id(),
            model: ctx.model_name.to_owned(),
            width,
            height,
            settings: serde_json::json!({ "source": item.image.display().to_string(), "batch": true }),
            timings: Timings {
                total_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
                ..Timings::default()
            },
            input: (input_bytes, format.extension(), format.mime()),
            input_same_as: None,
            mask_png: imaging::gray_png(&mask)?,
            thumbnail_jpeg: imaging::preview_jpeg(&out)?,
            output: (bytes, "png", "image/png"),
        })?;
    }
    Ok(())
}

/// [original | mask | result] in one image.
fn side_by_side(original: &RgbImage, mask: &GrayImage, result: &RgbImage) -> RgbImage {
    let (w, h) = original.dimensions();
    let mut out = RgbImage::new(w.saturating_mul(3), h);
    let mask_rgb = RgbImage::from_fn(w, h, |x, y| {
        let v = mask.get_pixel(x, y).0[0];
        image::Rgb([v, v, v])
    });
    imageops::replace(&mut out, original, 0, 0);
    imageops::replace(&mut out, &mask_rgb, i64::from(w), 0);
    imageops::replace(&mut out, result, 2 * i64::from(w), 0);
    out
}
