//! The data of one plugin call's [`wasmtime::Store`]: a WASI p2 context that grants nothing
//! (no preopened folders, no environment, no arguments, no sockets, no name lookups; stdout
//! and stderr go to bounded captures), the store limits, the plugin's identity and granted
//! capabilities, the call's cancel flag, and the budget of its `host.log` lines.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use wasmtime::component::ResourceTable;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

use super::capabilities::Granted;
use super::capture::Capture;
use super::limits::Limiter;

/// `host.log` lines forwarded per call; further lines are counted and dropped.
pub const MAX_LOG_LINES_PER_CALL: u32 = 100;
/// Longest forwarded log line, in bytes (longer ones are truncated).
pub const MAX_LOG_LINE_BYTES: usize = 1024;

/// A flag the host sets when the caller gave up (client gone); `host.progress` then returns
/// false so a cooperative plugin stops early.
#[derive(Debug, Clone, Default)]
pub struct CancelFlag(Arc<AtomicBool>);

impl CancelFlag {
    /// A flag that is not set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the flag.
    pub fn cancel(&self) {
        self.0.store(true, Ordering::Relaxed);
    }

    /// Whether the flag is set.
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

/// What one call did besides its result (reported with it).
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize)]
pub struct CallStats {
    /// `host.log` lines forwarded to the host's log.
    pub log_lines: u32,
    /// `host.log` lines dropped past [`MAX_LOG_LINES_PER_CALL`].
    pub log_lines_dropped: u32,
    /// stdout/stderr bytes dropped past the capture bound.
    pub output_bytes_dropped: u64,
    /// Last reported progress, in `[0, 1]`.
    pub progress: f32,
    /// Wall time of the call, in microseconds.
    pub elapsed_us: u64,
}

/// The store data of one call.
pub struct HostState {
    wasi: WasiCtx,
    table: ResourceTable,
    /// Store limits.
    pub limiter: Limiter,
    /// The plugin's id (tags every log line).
    pub plugin: Arc<str>,
    /// Capabilities it holds.
    pub granted: Arc<Granted>,
    /// Set when the caller gave up.
    pub cancel: CancelFlag,
    /// Counters reported with the result.
    pub stats: CallStats,
    /// Captured stdout.
    pub stdout: Capture,
    /// Captured stderr.
    pub stderr: Capture,
    /// Largest image (pixels) the host accepts from this plugin or runs a model on.
    pub max_pixels: u64,
    /// When the call's deadline passes (host imports that wait give up then).
    pub deadline_at: std::time::Instant,
    /// The engine `inference` runs learned models on (`None` in tools without a server).
    pub engine: Option<crate::engine::Engine>,
    /// The models `inference.run` runs (`None` in tools without a server).
    pub tensor_models: Option<Arc<crate::engine::tensor_models::TensorModels>>,
}

impl HostState {
    /// A fresh state for one call of `plugin`.
    pub fn new(
        plugin: Arc<str>,
        granted: Arc<Granted>,
        memory_limit: usize,
        max_pixels: u64,
        cancel: CancelFlag,
    ) -> Self {
        let stdout = Capture::new();
        let stderr = Capture::new();
        // Deny by default, and say so explicitly: a future wasmtime default must not open
        // anything up silently.
        let wasi = WasiCtx::builder()
            .stdout(stdout.clone())
            .stderr(stderr.clone())
            .allow_tcp(false)
            .allow_udp(false)
            .allow_ip_name_lookup(false)
            .socket_addr_check(|_, _| Box::pin(async { false }))
            .allow_blocking_current_thread(false)
            .build();
        Self {
            wasi,
            table: ResourceTable::new(),
            limiter: Limiter::new(memory_limit),
            plugin,
            granted,
            cancel,
            stats: CallStats::default(),
            stdout,
            stderr,
            max_pixels,
            deadline_at: std::time::Instant::now(),
            engine: None,
            tensor_models: None,
        }
    }
}

impl WasiView for HostState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}
