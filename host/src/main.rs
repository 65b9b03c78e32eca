//! The `mend` binary: parses the command line and hands over to [`mend::cli`].

use std::process::ExitCode;

use clap::Parser;
use mend::cli::{Cli, Command};

/// mimalloc: a model forward allocates and frees large buffers many times; mimalloc reuses
/// them instead of returning them to the kernel between layers and requests (the LaMa
/// benchmarks measure with it too).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_tracing();
    let result: anyhow::Result<()> = match &cli.command {
        Command::Start(args) => tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .map_err(anyhow::Error::from)
            .and_then(|rt| rt.block_on(mend::cli::start::run(args)).map_err(Into::into)),
        Command::Run(args) => mend::cli::run_batch::run(args).map_err(Into::into),
        Command::List(args) => mend::cli::list::run(args).map_err(Into::into),
        Command::Download(args) => mend::cli::download::run(args).map_err(Into::into),
        Command::Plugin(args) => mend::cli::plugin::run(args).map_err(Into::into),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Logs to stderr; `RUST_LOG` (or `MEND_LOG`) sets the filter, default `info`.
fn init_tracing() {
    let filter = std::env::var("MEND_LOG")
        .ok()
        .and_then(|v| tracing_subscriber::EnvFilter::try_new(v).ok())
        .or_else(|| tracing_subscriber::EnvFilter::try_from_default_env().ok())
        .unwrap_or_else(|| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}
