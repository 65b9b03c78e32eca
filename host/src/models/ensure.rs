//! Makes sure a model's weight files are on disk before it is loaded: present files are used
//! as they are (IOPaint never re-verifies existing files either), missing ones are downloaded
//! unless `--local-files-only`, in which case the error says which file to put where.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use mend_models::catalogue::{CatalogueEntry, url_file_name};
use mend_models::model_files::{self, ResolvedFile};

use super::download::{self, DownloadProgress, DownloadRequest, RetryPolicy};
use crate::config::Config;
use crate::{Error, Result};

/// Where weights live, where they come from and whether they may be downloaded.
#[derive(Debug, Clone)]
pub struct WeightsContext {
    /// `--model-dir`.
    pub model_dir: PathBuf,
    /// `--local-files-only`: never download.
    pub local_files_only: bool,
    /// Retry behaviour of downloads.
    pub retry: RetryPolicy,
    /// Overrides as environment-style names (`LAMA_MODEL_URL` → value), consulted after the
    /// process environment (from the config file's `[model_files.<PREFIX>]`).
    pub overrides: BTreeMap<String, String>,
}

impl WeightsContext {
    /// A context with the default retry policy and no overrides beyond the environment.
    pub fn new(model_dir: &Path, local_files_only: bool) -> Self {
        Self {
            model_dir: model_dir.to_path_buf(),
            local_files_only,
            retry: RetryPolicy::default(),
            overrides: BTreeMap::new(),
        }
    }

    /// The context of a server configuration (model dir, offline flag, `[model_files]`).
    pub fn from_config(config: &Config) -> Self {
        let mut ctx = Self::new(&config.model_dir, config.local_files_only);
        for (prefix, o) in &config.model_files {
            let prefix = prefix.to_ascii_uppercase();
            if let Some(url) = &o.url {
                ctx.overrides
                    .insert(format!("{prefix}_MODEL_URL"), url.clone());
            }
            if let Some(md5) = &o.md5 {
                ctx.overrides
                    .insert(format!("{prefix}_MODEL_MD5"), md5.clone());
            }
        }
        ctx
    }

    /// Looks an override up: the process environment first, then [`Self::overrides`].
    pub fn lookup(&self, name: &str) -> Option<String> {
        model_files::process_env(name).or_else(|| self.overrides.get(name).cloned())
    }
}

/// Progress of one file of a model's download.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileProgress {
    /// The model.
    pub model: String,
    /// The file's name.
    pub file: String,
    /// Bytes on disk.
    pub downloaded: u64,
    /// Size, when known.
    pub total: Option<u64>,
    /// Complete and verified.
    pub done: bool,
}

/// Returns the paths of `entry`'s weight files (in load order), downloading missing ones.
pub async fn ensure_weights(
    entry: &CatalogueEntry,
    ctx: &WeightsContext,
    progress: &(dyn Fn(FileProgress) + Send + Sync),
) -> Result<Vec<PathBuf>> {
    let files = model_files::resolve(entry, &ctx.model_dir, &|n| ctx.lookup(n));
    let missing: Vec<&ResolvedFile> = files.iter().filter(|f| !f.present()).collect();
    if missing.is_empty() {
        return Ok(files.into_iter().map(|f| f.path).collect());
    }
    if let Some(local) = missing.iter().find(|f| f.url.is_none()) {
        return Err(Error::WeightsMissing {
            model: entry.name.to_owned(),
            missing: local.path.display().to_string(),
            hint: format!(
                "{}_MODEL_URL names this local file; fix the path or unset the variable to \
                 download the default file",
                local.spec.env_prefix
            ),
        });
    }
    if ctx.local_files_only {
        return Err(missing_error(entry, &missing, &ctx.model_dir));
    }
    let client = download::client()?;
    for file in missing {
        let Some(url) = &file.url else { continue };
        fetch(
            &client,
            entry.name,
            url,
            &file.path,
            file.md5.as_deref(),
            ctx,
            progress,
        )
        .await?;
    }
    Ok(files.into_iter().map(|f| f.path).collect())
}

/// One weights file of a model that is not in the catalogue (a model-adapter plugin's):
/// where it is, where it comes from and its md5. IOPaint's overrides apply under the prefix
/// of the model's name (`my-model` → `MY_MODEL_MODEL_URL`, `MY_MODEL_MODEL_MD5`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtraWeights {
    /// The model.
    pub model: String,
    /// Download URL (`None`: an override names a local file).
    pub url: Option<String>,
    /// Expected md5, when known.
    pub md5: Option<String>,
    /// Where the file is or will be.
    pub path: PathBuf,
}

impl ExtraWeights {
    /// Resolves the file of model `model` with default `url` and `md5` in `ctx`'s model dir.
    pub fn resolve(model: &str, url: &str, md5: &str, ctx: &WeightsContext) -> Self {
        let prefix = model.to_ascii_uppercase().replace('-', "_");
        let env = |n: &str| ctx.lookup(n);
        let dir = model_files::checkpoints_dir(&ctx.model_dir, &env);
        let located = model_files::locate(&prefix, url, md5, url_file_name(url), &dir, &env);
        Self {
            model: model.to_owned(),
            url: located.url,
            md5: located.md5,
            path: located.path,
        }
    }

    /// Whether the file is on disk.
    pub fn present(&self) -> bool {
        self.path.is_file()
    }

    /// Returns the file's path, downloading it first when missing.
    pub async fn ensure(
        &self,
        ctx: &WeightsContext,
        progress: &(dyn Fn(FileProgress) + Send + Sync),
    ) -> Result<PathBuf> {
        if self.present() {
            return Ok(self.path.clone());
        }
        let Some(url) = self.url.as_deref().filter(|_| !ctx.local_files_only) else {
            return Err(Error::WeightsMissing {
                model: self.model.clone(),
                missing: self.path.display().to_string(),
                hint: match &self.url {
                    Some(url) => format!(
                        "--local-files-only forbids downloading: place the file there \
                         yourself (it is {url})"
                    ),
                    None => "an override names this local file; fix the path".to_owned(),
                },
            });
        };
        let client = download::client()?;
        fetch(
            &client,
            &self.model,
            url,
            &self.path,
            self.md5.as_deref(),
            ctx,
            progress,
        )
        .await?;
        Ok(self.path.clone())
    }
}

/// Downloads `url` to `path` (md5-checked when given), reporting progress for `model`.
async fn fetch(
    client: &reqwest::Client,
    model: &str,
    url: &str,
    path: &Path,
    md5: Option<&str>,
    ctx: &WeightsContext,
    progress: &(dyn Fn(FileProgress) + Send + Sync),
) -> Result<u64> {
    let name = file_name(path);
    let request = DownloadRequest {
        url: url.to_owned(),
        target: path.to_path_buf(),
        md5: md5.map(str::to_owned),
    };
    tracing::info!(model, %url, path = %path.display(), "downloading weights");
    let report = |p: DownloadProgress| {
        progress(FileProgress {
            model: model.to_owned(),
            file: name.clone(),
            downloaded: p.downloaded,
            total: p.total,
            done: false,
        });
    };
    let size = download::download(client, &request, ctx.retry, &report).await?;
    progress(FileProgress {
        model: model.to_owned(),
        file: name,
        downloaded: size,
        total: Some(size),
        done: true,
    });
    Ok(size)
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// The `--local-files-only` error: every missing file with its URL, and the two ways out.
fn missing_error(entry: &CatalogueEntry, missing: &[&ResolvedFile], model_dir: &Path) -> Error {
    let list = missing
        .iter()
        .map(|f| match &f.url {
            Some(url) => format!("{} (download it from {url})", f.path.display()),
            None => f.path.display().to_string(),
        })
        .collect::<Vec<_>>()
        .join(", ");
    Error::WeightsMissing {
        model: entry.name.to_owned(),
        missing: list,
        hint: format!(
            "--local-files-only forbids downloading: place the file(s) there yourself, or run \
             `mend download {} --model-dir {}` once while online",
            entry.name,
            model_dir.display()
        ),
    }
}
