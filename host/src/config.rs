//! The server's configuration: one [`Config`] struct, merged from CLI flags, environment
//! variables (`MEND_*`), a TOML file (`--config mend.toml`) and defaults, in that order of
//! precedence. Defaults are named constants so the docs and `--help` cannot drift.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// Default bind address (loopback only, as IOPaint).
pub const DEFAULT_HOST: &str = "127.0.0.1";
/// Default port (IOPaint's).
pub const DEFAULT_PORT: u16 = 8080;
/// Default model: the native classical inpainter, which needs no download.
pub const DEFAULT_MODEL: &str = "cv2";
/// Default encoder quality for JPEG output (IOPaint's `--quality` default).
pub const DEFAULT_QUALITY: u8 = 100;
/// Default maximum request body: 256 MiB (a 2048² PNG in base64 is about 10 MiB).
pub const DEFAULT_MAX_BODY_BYTES: usize = 256 * 1024 * 1024;
/// Default maximum decoded image size in pixels (64 megapixels, e.g. 8000×8000).
pub const DEFAULT_MAX_PIXELS: u64 = 64 * 1024 * 1024;
/// Default number of inpaint jobs that may wait behind the running one.
pub const DEFAULT_QUEUE_DEPTH: usize = 32;
/// Default request timeout in seconds (covers the queue wait and the model run).
pub const DEFAULT_REQUEST_TIMEOUT_SECS: u64 = 600;
/// Default memory limit of one plugin instance, in MiB.
pub const DEFAULT_PLUGIN_MEMORY_MIB: u64 = 512;
/// Default deadline of one plugin call, in milliseconds.
pub const DEFAULT_PLUGIN_DEADLINE_MS: u64 = 10_000;
/// Default number of plugin instances that may run at once (the pooling allocator's slots).
pub const DEFAULT_PLUGIN_MAX_INSTANCES: u32 = 16;

/// Which compute device to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Device {
    /// Use a GPU when one is usable, otherwise the CPU.
    #[default]
    Auto,
    /// Always the CPU.
    Cpu,
    /// Require a GPU; fail at start-up when none is usable.
    Gpu,
}

/// Which origins may call the API from a browser page served elsewhere.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum CorsOrigins {
    /// A fixed list of allowed origins; the special entry `*` allows every origin (IOPaint's
    /// behaviour) and `local` allows `http(s)://localhost|127.0.0.1|[::1]` on any port.
    List(Vec<String>),
}

impl Default for CorsOrigins {
    fn default() -> Self {
        Self::List(vec!["local".to_owned()])
    }
}

/// A per-file override of a model's download URL and md5, keyed in [`Config::model_files`] by
/// IOPaint's prefix (`LAMA`, `ANIME_LAMA`, `MIGAN`, …). The environment variables
/// `<PREFIX>_MODEL_URL` / `<PREFIX>_MODEL_MD5` win over it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ModelFileOverride {
    /// Download URL, or a local file path used in place.
    pub url: Option<String>,
    /// Expected md5 of the file.
    pub md5: Option<String>,
}

/// The fully resolved configuration of `mend start`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Address to bind.
    pub host: IpAddr,
    /// Port to bind (0 = any free port).
    pub port: u16,
    /// Model loaded at start-up.
    pub model: String,
    /// Compute device.
    pub device: Device,
    /// Where mend keeps its state (history, jobs, thumbnails cache).
    pub data_dir: PathBuf,
    /// Where model weights live (IOPaint's layout: `<dir>/torch/hub/checkpoints/…`).
    pub model_dir: PathBuf,
    /// An image file served by `/api/v1/inputimage`, or a folder that enables the file manager.
    pub input: Option<PathBuf>,
    /// Folder where `save_image` writes results (enables auto-saving in the UI).
    pub output_dir: Option<PathBuf>,
    /// Folder of masks shown in the file manager's `mask` tab.
    pub mask_dir: Option<PathBuf>,
    /// JPEG/WebP encoder quality (1–100).
    pub quality: u8,
    /// Open the UI in a browser once the server is ready.
    pub inbrowser: bool,
    /// Maximum request body size in bytes.
    pub max_body_bytes: usize,
    /// Maximum image size in pixels, checked from the header before decoding.
    pub max_pixels: u64,
    /// Maximum number of inpaint jobs waiting behind the running one.
    pub queue_depth: usize,
    /// Request timeout in seconds.
    pub request_timeout_secs: u64,
    /// Allowed browser origins for cross-origin calls.
    pub cors_origins: CorsOrigins,
    /// Serve the UI from this folder instead of the embedded one.
    pub web_dir: Option<PathBuf>,
    /// Never reach the network for model files (IOPaint's `--local-files-only`).
    pub local_files_only: bool,
    /// Download URL / md5 overrides per weights file (TOML `[model_files.LAMA]`).
    pub model_files: BTreeMap<String, ModelFileOverride>,
    /// Record every successful inpaint in the history (input, mask, result, settings).
    pub history: bool,
    /// Keep at most this many history entries (0 = unlimited); oldest are evicted first.
    pub history_max_entries: u64,
    /// Keep at most this many bytes of history files (0 = unlimited).
    pub history_max_bytes: u64,
    /// Folder of plugin components (`*.wasm`), watched for changes; `<data_dir>/plugins` when
    /// unset.
    pub plugins_dir: Option<PathBuf>,
    /// Memory limit of one plugin instance, in MiB.
    pub plugin_memory_mib: u64,
    /// Deadline of one plugin call, in milliseconds.
    pub plugin_deadline_ms: u64,
    /// Plugin instances that may run at once.
    pub plugin_max_instances: u32,
    /// Capabilities granted per plugin id (e.g. `{ "my-plugin" = ["inference"] }`); plugins
    /// get nothing else. Default: the first-party `upscale` and `remove-bg` may use
    /// `inference` (Real-ESRGAN, RMBG-1.4); a configured map replaces the default.
    pub plugin_grants: BTreeMap<String, Vec<String>>,
    /// Keep compiled plugins on disk so a restart loads them without recompiling.
    pub plugin_cache: bool,
    /// Folder of the on-disk compile cache; `<data_dir>/plugin-cache` when unset.
    pub plugin_cache_dir: Option<PathBuf>,
    /// The external image provider for paid models (`[cloud]` in the TOML file).
    pub cloud: CloudConfig,
    /// Budget caps for paid models (`[budget]`); the values set through the API win once set.
    pub budget: crate::budget::BudgetConfig,
    /// Bearer keys the OpenAI-compatible API (`/v1`) accepts; empty = no authentication
    /// (any `Authorization` header is accepted and ignored).
    pub openai_api_keys: ApiKeys,
}

/// Default provider request timeout in seconds (image edits can take a minute).
pub const DEFAULT_PROVIDER_TIMEOUT_SECS: u64 = 180;
/// Default number of retries after a provider 5xx or network error.
pub const DEFAULT_PROVIDER_RETRIES: u32 = 2;
/// Default first retry delay in milliseconds (doubles for each further retry).
pub const DEFAULT_PROVIDER_BACKOFF_MS: u64 = 1_000;
/// OpenAI's API base URL, used when only a key is configured.
pub const DEFAULT_PROVIDER_BASE_URL: &str = "https://api.openai.com/v1";

/// The OpenAI-style image provider that serves paid models.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CloudConfig {
    /// Base URL of the provider's API (`…/v1`); env `MEND_OPENAI_BASE_URL`.
    pub base_url: String,
    /// The API key; env `MEND_OPENAI_API_KEY`. Prefer `api_key_file`.
    pub api_key: Option<crate::providers::ApiKey>,
    /// A file holding the API key (re-read on SIGHUP); env `MEND_OPENAI_API_KEY_FILE`.
    pub api_key_file: Option<PathBuf>,
    /// Whole-request timeout per attempt, seconds.
    pub timeout_secs: u64,
    /// Retries after a 5xx answer or a network error (never after a 4xx).
    pub retries: u32,
    /// First retry delay in milliseconds; doubles for each further retry.
    pub backoff_ms: u64,
}

impl Default for CloudConfig {
    fn default() -> Self {
        Self {
            base_url: DEFAULT_PROVIDER_BASE_URL.to_owned(),
            api_key: None,
            api_key_file: None,
            timeout_secs: DEFAULT_PROVIDER_TIMEOUT_SECS,
            retries: DEFAULT_PROVIDER_RETRIES,
            backoff_ms: DEFAULT_PROVIDER_BACKOFF_MS,
        }
    }
}

/// A list of API keys whose `Debug` output never shows the keys.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ApiKeys(pub Vec<String>);

impl ApiKeys {
    /// Whether no key is configured (authentication off).
    pub fn is_empty(&self) -> bool {
        self.0.iter().all(|k| k.is_empty())
    }

    /// Whether `candidate` is one of the keys (compared in constant time per key).
    pub fn contains(&self, candidate: &str) -> bool {
        self.0
            .iter()
            .filter(|k| !k.is_empty())
            .fold(false, |found, key| {
                found | constant_time_eq(key.as_bytes(), candidate.as_bytes())
            })
    }
}

impl std::fmt::Debug for ApiKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ApiKeys({} redacted)", self.0.len())
    }
}

/// Byte equality whose time depends only on the lengths, not on where the bytes differ.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Grants of the first-party plugins that use host models: `upscale` and `remove-bg` →
/// `inference`.
pub fn default_plugin_grants() -> BTreeMap<String, Vec<String>> {
    ["upscale", "remove-bg"]
        .into_iter()
        .map(|id| (id.to_owned(), vec!["inference".to_owned()]))
        .collect()
}

impl Default for Config {
    fn default() -> Self {
        Self {
            host: IpAddr::from([127, 0, 0, 1]),
            port: DEFAULT_PORT,
            model: DEFAULT_MODEL.to_owned(),
            device: Device::Auto,
            data_dir: default_data_dir(),
            model_dir: default_model_dir(),
            input: None,
            output_dir: None,
            mask_dir: None,
            quality: DEFAULT_QUALITY,
            inbrowser: false,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            max_pixels: DEFAULT_MAX_PIXELS,
            queue_depth: DEFAULT_QUEUE_DEPTH,
            request_timeout_secs: DEFAULT_REQUEST_TIMEOUT_SECS,
            cors_origins: CorsOrigins::default(),
            web_dir: None,
            local_files_only: false,
            model_files: BTreeMap::new(),
            history: true,
            history_max_entries: 0,
            history_max_bytes: 0,
            plugins_dir: None,
            plugin_memory_mib: DEFAULT_PLUGIN_MEMORY_MIB,
            plugin_deadline_ms: DEFAULT_PLUGIN_DEADLINE_MS,
            plugin_max_instances: DEFAULT_PLUGIN_MAX_INSTANCES,
            plugin_grants: default_plugin_grants(),
            plugin_cache: true,
            plugin_cache_dir: None,
            cloud: CloudConfig::default(),
            budget: crate::budget::BudgetConfig::default(),
            openai_api_keys: ApiKeys::default(),
        }
    }
}

impl Config {
    /// Reads a TOML config file; unknown keys are an error so typos do not pass silently.
    pub fn from_toml_file(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Error::io(format!("reading config {}", path.display()), e))?;
        toml::from_str(&text).map_err(|e| Error::Config(format!("{}: {e}", path.display())))
    }

    /// Checks values that cannot be expressed in types, and that given paths exist.
    pub fn validate(&self) -> Result<()> {
        if !(1..=100).contains(&self.quality) {
            return Err(Error::Config(format!(
                "quality must be within 1..=100, got {}",
                self.quality
            )));
        }
        if self.max_pixels == 0 || self.max_body_bytes == 0 {
            return Err(Error::Config(
                "max-pixels and max-body-bytes must be greater than 0".to_owned(),
            ));
        }
        if self.plugin_memory_mib == 0
            || self.plugin_deadline_ms == 0
            || self.plugin_max_instances == 0
        {
            return Err(Error::Config(
                "plugin-memory-mib, plugin-deadline-ms and plugin-max-instances must be greater than 0"
                    .to_owned(),
            ));
        }
        self.budget.validate()?;
        if self.cloud.timeout_secs == 0 {
            return Err(Error::Config(
                "cloud.timeout_secs must be greater than 0".to_owned(),
            ));
        }
        if self.queue_depth == 0 {
            return Err(Error::Config("queue-depth must be at least 1".to_owned()));
        }
        for path in [&self.input, &self.mask_dir].into_iter().flatten() {
            if !path.exists() {
                return Err(Error::MissingPath(path.clone()));
            }
        }
        if self.input.as_deref().is_some_and(Path::is_dir) && self.output_dir.is_none() {
            return Err(Error::Config(
                "--output-dir is required when --input is a directory".to_owned(),
            ));
        }
        Ok(())
    }

    /// The plugins folder: `plugins_dir`, or `<data_dir>/plugins`.
    pub fn plugins_dir(&self) -> PathBuf {
        self.plugins_dir
            .clone()
            .unwrap_or_else(|| self.data_dir.join("plugins"))
    }

    /// The on-disk compile cache folder, or `None` when the cache is off: `plugin_cache_dir`,
    /// or `<data_dir>/plugin-cache`.
    pub fn plugin_cache_dir(&self) -> Option<PathBuf> {
        self.plugin_cache.then(|| {
            self.plugin_cache_dir
                .clone()
                .unwrap_or_else(|| self.data_dir.join("plugin-cache"))
        })
    }

    /// Whether `--input` is a folder, which enables the file manager routes.
    pub fn file_manager_enabled(&self) -> bool {
        self.input.as_deref().is_some_and(Path::is_dir)
    }
}

/// `$XDG_DATA_HOME/mend` or `~/.local/share/mend`, falling back to `./mend-data`.
pub fn default_data_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("XDG_DATA_HOME").filter(|v| !v.is_empty()) {
        return PathBuf::from(dir).join("mend");
    }
    home_dir().map_or_else(
        || PathBuf::from("mend-data"),
        |h| h.join(".local").join("share").join("mend"),
    )
}

/// IOPaint's default model dir: `$XDG_CACHE_HOME` or `~/.cache`, so weights IOPaint users
/// already downloaded are found where they are.
pub fn default_model_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("XDG_CACHE_HOME").filter(|v| !v.is_empty()) {
        return PathBuf::from(dir);
    }
    home_dir().map_or_else(|| PathBuf::from(".cache"), |h| h.join(".cache"))
}

fn home_dir() -> Option<PathBuf> {
    std::env::var_os("HOME")
        .or_else(|| std::env::var_os("USERPROFILE"))
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toml_file_overrides_defaults_and_rejects_unknown_keys() {
        let dir = std::env::temp_dir().join(format!("mend-config-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("mend.toml");
        std::fs::write(
            &file,
            "port = 9999\nqueue_depth = 3\ncors_origins = [\"*\"]\n",
        )
        .unwrap();
        let cfg = Config::from_toml_file(&file).unwrap();
        assert_eq!(cfg.port, 9999);
        assert_eq!(cfg.queue_depth, 3);
        assert_eq!(cfg.model, DEFAULT_MODEL);
        assert_eq!(cfg.cors_origins, CorsOrigins::List(vec!["*".to_owned()]));

        std::fs::write(&file, "prot = 1\n").unwrap();
        let err = Config::from_toml_file(&file).unwrap_err().to_string();
        assert!(err.contains("prot"), "{err}");
        std::fs::remove_dir_all(&dir).ok();
    }

    #[test]
    fn validate_rejects_bad_values() {
        let mut cfg = Config {
            quality: 0,
            ..Config::default()
        };
        assert!(cfg.validate().is_err());
        cfg.quality = 90;
        cfg.queue_depth = 0;
        assert!(cfg.validate().is_err());
        cfg.queue_depth = 1;
        cfg.input = Some(PathBuf::from("/definitely/not/here.png"));
        assert!(matches!(cfg.validate(), Err(Error::MissingPath(_))));
    }

    #[test]
    fn api_keys_match_exactly_and_never_show_in_debug() {
        let keys = ApiKeys(vec!["sk-one".to_owned(), "sk-two".to_owned()]);
        assert!(keys.contains("sk-two"));
        assert!(!keys.contains("sk-tw"));
        assert!(!keys.contains(""));
        assert!(!keys.is_empty());
        assert!(ApiKeys(vec![String::new()]).is_empty());
        assert!(!format!("{keys:?}").contains("sk-"));
        let cfg: Config = toml::from_str("openai_api_keys = [\"a\", \"b\"]").unwrap();
        assert_eq!(cfg.openai_api_keys.0, ["a", "b"]);
    }

    #[test]
    fn input_dir_requires_output_dir() {
        let cfg = Config {
            input: Some(std::env::temp_dir()),
            ..Config::default()
        };
        assert!(cfg.validate().is_err());
        let cfg = Config {
            output_dir: Some(std::env::temp_dir()),
            ..cfg
        };
        assert!(cfg.validate().is_ok());
        assert!(cfg.file_manager_enabled());
    }
}
