//! `mend start`: resolve the configuration, fetch the model's weights if missing, load the
//! model, bind, serve until Ctrl-C/SIGTERM.

use std::net::SocketAddr;

use tokio::net::TcpListener;

use super::StartArgs;
use crate::engine::{Engine, EventBus};
use crate::jobs::Jobs;
use crate::models::progress_bar::DownloadBars;
use crate::models::{self, WeightsContext};
use crate::plugins::Plugins;
use crate::server::{self, AppState};
use crate::storage::Store;
use crate::storage::records::Retention;
use crate::{Error, Result};

/// Runs the server; returns when it has shut down.
pub async fn run(args: &StartArgs) -> Result<()> {
    let config = args.resolve()?;
    for flag in args.ignored_flags() {
        tracing::warn!("{flag} only affects diffusion models; ignored");
    }
    std::fs::create_dir_all(&config.data_dir).map_err(|e| {
        Error::io(
            format!("creating data dir {}", config.data_dir.display()),
            e,
        )
    })?;
    if let Some(dir) = &config.output_dir {
        std::fs::create_dir_all(dir)
            .map_err(|e| Error::io(format!("creating output dir {}", dir.display()), e))?;
    }
    let (store, report) = Store::open(&config.data_dir)?;
    tracing::info!(?report, "storage opened at {}", config.data_dir.display());
    store.set_retention(Retention {
        max_entries: config.history_max_entries,
        max_bytes: config.history_max_bytes,
    })?;
    let events = EventBus::new();
    // Fetch missing weights first (unless --local-files-only), with a bar on the terminal.
    let weights = WeightsContext::from_config(&config);
    let bars = DownloadBars::new();
    // Plugins first: `--model` may name a model a model-adapter plugin provides.
    let plugins = Plugins::start(&config, events.clone(), Some(store.clone())).await?;
    tracing::info!(
        dir = %plugins.dir().display(),
        loaded = plugins.list().len(),
        "plugins ready"
    );
    let report = |p: models::FileProgress| {
        bars.update(&p);
        events.send(models::prepare::download_event(&p));
    };
    let adapted = plugins.adapted(&config.model);
    let source = models::prepare_with(&config.model, adapted, &weights, &report).await?;
    let engine = Engine::start_from(&source, config.device, config.queue_depth, events.clone())?;
    let jobs = Jobs::start(store, events);
    let addr = SocketAddr::new(config.host, config.port);
    let listener = TcpListener::bind(addr)
        .await
        .map_err(|e| Error::io(format!("binding {addr}"), e))?;
    let local = listener
        .local_addr()
        .map_err(|e| Error::io("reading the bound address", e))?;
    let url = format!("http://{local}");
    tracing::info!(
        model = %config.model,
        device = %engine.device().describe(),
        queue_depth = config.queue_depth,
        "mend {} ready at {url}",
        env!("CARGO_PKG_VERSION")
    );
    if config.inbrowser {
        open_browser(&url);
    }
    let state = AppState::new(config, engine, jobs, plugins)?;
    if state.cloud.keys().has_file() {
        crate::providers::reload_on_sighup(state.cloud.keys().clone());
    }
    tracing::info!(
        provider_configured = state.cloud.provider_configured(),
        "cloud models {}",
        if state.cloud.provider_configured() {
            "enabled"
        } else {
            "disabled (no API key)"
        }
    );
    server::serve(listener, state, shutdown_signal()).await?;
    tracing::info!("mend stopped");
    Ok(())
}

/// Completes on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::warn!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}

/// Opens `url` in the desktop's browser; failure is only logged.
fn open_browser(url: &str) {
    let (program, args): (&str, Vec<&str>) = if cfg!(target_os = "macos") {
        ("open", vec![url])
    } else if cfg!(windows) {
        ("cmd", vec!["/C", "start", "", url])
    } else {
        ("xdg-open", vec![url])
    };
    if let Err(e) = std::process::Command::new(program).args(args).spawn() {
        tracing::warn!(error = %e, "could not open a browser; visit {url}");
    }
}
