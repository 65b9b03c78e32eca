//! # mend
//!
//! The mend host process: an IOPaint-compatible inpainting server with its own CLI.
//!
//! ## Layout
//! - [`cli`]: the command line (`start`, `run`, `list`).
//! - [`config`]: the one [`config::Config`] struct (flags > env > TOML file > defaults).
//! - [`server`]: the axum application: IOPaint's `/api/v1`, Socket.IO, OpenAPI, the web UI.
//! - [`engine`]: the single worker that owns the model, behind a bounded queue.
//! - [`jobs`]: job records and their state transitions.
//! - [`models`]: model states, weight downloads (resume, md5, progress) before loading.
//! - [`plugins`]: sandboxed WebAssembly plugins (runtime, registry, watcher, routes).
//! - [`storage`]: the redb database and file store (history, jobs, settings, snapshots).
//! - [`cloud`]: paid calls to an external image provider, through the budget guard.
//! - [`budget`]: the budget guard (caps, rate limit, dedupe, reservations and settlement).
//! - [`providers`]: the OpenAI images API client and its API key handling.
//! - [`imaging`]: image and mask decoding/encoding under explicit limits, metadata kept.
//! - [`atomic_write`]: whole-file writes that never leave a half-written file.
//! - [`error`]: the host's error type.

pub mod atomic_write;
pub mod budget;
pub mod cli;
pub mod cloud;
pub mod config;
pub mod engine;
pub mod error;
pub mod imaging;
pub mod jobs;
pub mod models;
pub mod plugins;
pub mod providers;
pub mod server;
pub mod storage;

pub use error::{Error, Result};
