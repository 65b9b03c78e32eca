//! The command line: `mend start`, `mend run`, `mend list`, `mend download`. Flags follow IOPaint's names so
//! existing start scripts keep working; every flag also reads a `MEND_*` environment variable.
//!
//! Precedence: flag > environment variable > `--config` TOML file > default.

pub mod download;
pub mod list;
pub mod plugin;
pub mod run_batch;
pub mod start;

use std::net::IpAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::Result;
use crate::config::{ApiKeys, Config, CorsOrigins, Device};

/// mend: erase what you don't want from a photo, on your own machine.
#[derive(Debug, Parser)]
#[command(name = "mend", version, about, long_about = None, propagate_version = true)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// mend's subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start the server (IOPaint-compatible API, web UI at http://HOST:PORT).
    Start(Box<StartArgs>),
    /// Inpaint a file or a folder of images with masks, without a server.
    Run(run_batch::RunArgs),
    /// List the models mend knows and their state here (ready, needs_download, unsupported).
    List(list::ListArgs),
    /// Download a model's weights into the model folder (IOPaint's layout).
    Download(download::DownloadArgs),
    /// Create and build plugins (`mend plugin new NAME`, `mend plugin build`).
    Plugin(plugin::PluginArgs),
}

/// Flags of `mend start`. `None` means "not given": the config file or the default applies.
#[derive(Debug, Args, Default)]
pub struct StartArgs {
    /// Address to bind.
    #[arg(long, env = "MEND_HOST")]
    pub host: Option<IpAddr>,
    /// Port to bind (0 picks a free port).
    #[arg(long, env = "MEND_PORT")]
    pub port: Option<u16>,
    /// Model to load at start-up (`mend list` shows them).
    #[arg(long, env = "MEND_MODEL")]
    pub model: Option<String>,
    /// Compute device.
    #[arg(long, env = "MEND_DEVICE", value_enum)]
    pub device: Option<Device>,
    /// Folder for mend's own state.
    #[arg(long, env = "MEND_DATA_DIR")]
    pub data_dir: Option<PathBuf>,
    /// Folder of model weights (IOPaint's layout: `<dir>/torch/hub/checkpoints/`).
    #[arg(long, env = "MEND_MODEL_DIR")]
    pub model_dir: Option<PathBuf>,
    /// Image file to open in the UI, or a folder that enables the file manager.
    #[arg(long, env = "MEND_INPUT")]
    pub input: Option<PathBuf>,
    /// Folder where results are saved (enables auto-saving in the UI).
    #[arg(long, env = "MEND_OUTPUT_DIR")]
    pub output_dir: Option<PathBuf>,
    /// Folder of masks shown in the file manager.
    #[arg(long, env = "MEND_MASK_DIR")]
    pub mask_dir: Option<PathBuf>,
    /// JPEG/WebP output quality, 1–100 (default 100).
    #[arg(long, env = "MEND_QUALITY")]
    pub quality: Option<u8>,
    /// Open the UI in the default browser when ready.
    #[arg(long, env = "MEND_INBROWSER")]
    pub inbrowser: bool,
    /// Maximum request body size in bytes.
    #[arg(long, env = "MEND_MAX_BODY_BYTES")]
    pub max_body_bytes: Option<usize>,
    /// Maximum image size in pixels (checked before decoding).
    #[arg(long, env = "MEND_MAX_PIXELS")]
    pub max_pixels: Option<u64>,
    /// Inpaint jobs that may wait behind the running one; more get 503.
    #[arg(long, env = "MEND_QUEUE_DEPTH")]
    pub queue_depth: Option<usize>,
    /// Request timeout in seconds.
    #[arg(long, env = "MEND_REQUEST_TIMEOUT_SECS")]
    pub request_timeout_secs: Option<u64>,
    /// Allowed browser origins for cross-origin API calls, comma separated: `local`
    /// (localhost on any port, the default), `*` (any, as IOPaint), or exact origins.
    #[arg(long, env = "MEND_CORS_ORIGINS", value_delimiter = ',')]
    pub cors_origins: Option<Vec<String>>,
    /// Serve the web UI from this folder instead of the built-in one.
    #[arg(long, env = "MEND_WEB_DIR")]
    pub web_dir: Option<PathBuf>,
    /// Never download model files.
    #[arg(long, env = "MEND_LOCAL_FILES_ONLY")]
    pub local_files_only: bool,
    /// Do not record inpaints in the history.
    #[arg(long, env = "MEND_NO_HISTORY")]
    pub no_history: bool,
    /// Keep at most this many history entries (0 = unlimited).
    #[arg(long, env = "MEND_HISTORY_MAX_ENTRIES")]
    pub history_max_entries: Option<u64>,
    /// Keep at most this many bytes of history files (0 = unlimited).
    #[arg(long, env = "MEND_HISTORY_MAX_BYTES")]
    pub history_max_bytes: Option<u64>,
    /// Folder of plugin components, watched for changes (default `<data-dir>/plugins`).
    #[arg(long, env = "MEND_PLUGINS_DIR")]
    pub plugins_dir: Option<PathBuf>,
    /// Memory limit of one plugin instance, in MiB (default 512).
    #[arg(long, env = "MEND_PLUGIN_MEMORY_MIB")]
    pub plugin_memory_mib: Option<u64>,
    /// Deadline of one plugin call, in milliseconds (default 10000).
    #[arg(long, env = "MEND_PLUGIN_DEADLINE_MS")]
    pub plugin_deadline_ms: Option<u64>,
    /// Base URL of the OpenAI-compatible image provider for paid models (default OpenAI's).
    #[arg(long, env = "MEND_OPENAI_BASE_URL")]
    pub openai_base_url: Option<String>,
    /// File holding the provider's API key, re-read on SIGHUP (or set `MEND_OPENAI_API_KEY`).
    #[arg(long, env = "MEND_OPENAI_API_KEY_FILE")]
    pub openai_api_key_file: Option<PathBuf>,
    /// The provider's API key (environment only, so it never shows in `ps`).
    #[arg(skip = crate::providers::ApiKey::from_env("MEND_OPENAI_API_KEY"))]
    pub openai_api_key: Option<crate::providers::ApiKey>,
    /// Daily spending cap for paid models in USD (0 = unlimited; default 10).
    #[arg(long, env = "MEND_BUDGET_DAILY_USD")]
    pub budget_daily_usd: Option<f64>,
    /// Monthly spending cap in USD (0 = unlimited; default 100).
    #[arg(long, env = "MEND_BUDGET_MONTHLY_USD")]
    pub budget_monthly_usd: Option<f64>,
    /// Per-session spending cap in USD (0 = unlimited; default 5).
    #[arg(long, env = "MEND_BUDGET_SESSION_USD")]
    pub budget_session_usd: Option<f64>,
    /// Minimum seconds between two paid calls of one session (default 10).
    #[arg(long, env = "MEND_BUDGET_MIN_INTERVAL_SECS")]
    pub budget_min_interval_secs: Option<u64>,
    /// Keys the OpenAI-compatible API (`/v1`) requires as `Authorization: Bearer KEY`,
    /// comma separated; none (the default) = no authentication.
    #[arg(
        long,
        env = "MEND_OPENAI_API_KEYS",
        value_delimiter = ',',
        hide_env_values = true
    )]
    pub openai_api_keys: Option<Vec<String>>,
    /// TOML configuration file (flags and environment variables override it).
    #[arg(long, env = "MEND_CONFIG")]
    pub config: Option<PathBuf>,
    /// IOPaint diffusion flags, accepted so existing scripts run; they have no effect on erase models.
    #[arg(long, hide = true)]
    pub low_mem: bool,
    /// See `low_mem`.
    #[arg(long, hide = true)]
    pub no_half: bool,
    /// See `low_mem`.
    #[arg(long, hide = true)]
    pub cpu_offload: bool,
    /// See `low_mem`.
    #[arg(long, hide = true)]
    pub disable_nsfw_checker: bool,
    /// See `low_mem`.
    #[arg(long, hide = true)]
    pub cpu_textencoder: bool,
}

impl StartArgs {
    /// Resolves the final configuration: flags/env over the TOML file over defaults.
    pub fn resolve(&self) -> Result<Config> {
        let base = match &self.config {
            Some(path) => Config::from_toml_file(path)?,
            None => Config::default(),
        };
        let cfg = Config {
            host: self.host.unwrap_or(base.host),
            port: self.port.unwrap_or(base.port),
            model: self.model.clone().unwrap_or(base.model),
            device: self.device.unwrap_or(base.device),
            data_dir: self.data_dir.clone().unwrap_or(base.data_dir),
            model_dir: self.model_dir.clone().unwrap_or(base.model_dir),
            input: self.input.clone().or(base.input),
            output_dir: self.output_dir.clone().or(base.output_dir),
            mask_dir: self.mask_dir.clone().or(base.mask_dir),
            quality: self.quality.unwrap_or(base.quality),
            inbrowser: self.inbrowser || base.inbrowser,
            max_body_bytes: self.max_body_bytes.unwrap_or(base.max_body_bytes),
            max_pixels: self.max_pixels.unwrap_or(base.max_pixels),
            queue_depth: self.queue_depth.unwrap_or(base.queue_depth),
            request_timeout_secs: self
                .request_timeout_secs
                .unwrap_or(base.request_timeout_secs),
            cors_origins: self
                .cors_origins
                .clone()
                .map(CorsOrigins::List)
                .unwrap_or(base.cors_origins),
            web_dir: self.web_dir.clone().or(base.web_dir),
            local_files_only: self.local_files_only || base.local_files_only,
            model_files: base.model_files,
            history: base.history && !self.no_history,
            history_max_entries: self.history_max_entries.unwrap_or(base.history_max_entries),
            history_max_bytes: self.history_max_bytes.unwrap_or(base.history_max_bytes),
            plugins_dir: self.plugins_dir.clone().or(base.plugins_dir),
            plugin_memory_mib: self.plugin_memory_mib.unwrap_or(base.plugin_memory_mib),
            plugin_deadline_ms: self.plugin_deadline_ms.unwrap_or(base.plugin_deadline_ms),
            plugin_max_instances: base.plugin_max_instances,
            plugin_grants: base.plugin_grants,
            cloud: crate::config::CloudConfig {
                base_url: self.openai_base_url.clone().unwrap_or(base.cloud.base_url),
                api_key: self.openai_api_key.clone().or(base.cloud.api_key),
                api_key_file: self.openai_api_key_file.clone().or(base.cloud.api_key_file),
                ..base.cloud
            },
            budget: crate::budget::BudgetConfig {
                daily_cap_usd: self.budget_daily_usd.unwrap_or(base.budget.daily_cap_usd),
                monthly_cap_usd: self
                    .budget_monthly_usd
                    .unwrap_or(base.budget.monthly_cap_usd),
                session_cap_usd: self
                    .budget_session_usd
                    .unwrap_or(base.budget.session_cap_usd),
                min_interval_secs: self
                    .budget_min_interval_secs
                    .unwrap_or(base.budget.min_interval_secs),
                ..base.budget
            },
            openai_api_keys: self
                .openai_api_keys
                .clone()
                .map(ApiKeys)
                .unwrap_or(base.openai_api_keys),
        };
        cfg.validate()?;
        Ok(cfg)
    }

    /// Names of the accepted-but-ignored IOPaint diffusion flags that were given.
    pub fn ignored_flags(&self) -> Vec<&'static str> {
        [
            (self.low_mem, "--low-mem"),
            (self.no_half, "--no-half"),
            (self.cpu_offload, "--cpu-offload"),
            (self.disable_nsfw_checker, "--disable-nsfw-checker"),
            (self.cpu_textencoder, "--cpu-textencoder"),
        ]
        .into_iter()
        .filter_map(|(set, name)| set.then_some(name))
        .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_override_the_config_file() {
        let dir = tempfile_dir();
        let file = dir.join("mend.toml");
        std::fs::write(&file, "port = 9000\nmodel = \"cv2\"\nquality = 90\n").unwrap();
        let cli = Cli::try_parse_from([
            "mend",
            "start",
            "--config",
            file.to_str().unwrap(),
            "--port",
            "9100",
        ])
        .unwrap();
        let Command::Start(args) = cli.command else {
            panic!("expected start")
        };
        let cfg = args.resolve().unwrap();
        assert_eq!(cfg.port, 9100, "flag wins over file");
        assert_eq!(cfg.quality, 90, "file wins over default");
        assert_eq!(cfg.queue_depth, crate::config::DEFAULT_QUEUE_DEPTH);
        std::fs::remove_dir_all(dir).ok();
    }

    #[test]
    fn iopaint_flags_are_accepted() {
        let cli = Cli::try_parse_from([
            "mend",
            "start",
            "--model",
            "cv2",
            "--device",
            "cpu",
            "--no-half",
            "--low-mem",
            "--quality",
            "95",
        ])
        .unwrap();
        let Command::Start(args) = cli.command else {
            panic!("expected start")
        };
        assert_eq!(args.ignored_flags(), vec!["--low-mem", "--no-half"]);
        assert_eq!(args.resolve().unwrap().quality, 95);
    }

    fn tempfile_dir() -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "mend-cli-test-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }
}
