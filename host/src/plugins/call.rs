//! One plugin call: a fresh [`Store`] and instance per call (instantiation from the pooling
//! allocator costs microseconds, and nothing survives between calls), store limits, an epoch
//! deadline, and the translation of traps into errors that name the plugin and say what
//! happened (deadline, out of memory, stack overflow, panic).
//!
//! ## Why synchronous calls on the blocking pool
//! Calls here are synchronous; the async layer (`registry`) runs them with
//! `tokio::task::spawn_blocking`, bounded by a semaphore of as many permits as the pool has
//! instance slots. The alternative, `call_async` with `epoch_deadline_async_yield_and_update`,
//! would still run guest code on async worker threads between yields (up to one tick each),
//! and `inference.inpaint` runs a CPU-bound model for far longer than a tick, which would
//! then need its own hop to the blocking pool. On a blocking thread the guest and the host
//! imports may take as long as their deadline without ever stalling the executor, and the
//! epoch deadline traps a runaway guest within one tick.

use std::sync::Arc;
use std::time::{Duration, Instant};

use wasmtime::component::InstancePre;
use wasmtime::{Store, Trap};

use super::capabilities::Granted;
use super::images;
use super::imports::host::sanitize;
use super::loader::LoadedPlugin;
use super::manifest::PluginKind;
use super::runtime::{Runtime, RuntimeLimits};
use super::state::{CallStats, CancelFlag, HostState};
use super::wit::latest::{self, types as wt};
use crate::{Error, Result};

/// Lines of stdout/stderr forwarded to the log per call and stream.
pub const MAX_OUTPUT_LINES: usize = 50;
/// Longest error message taken from a plugin.
pub const MAX_ERROR_BYTES: usize = 1024;

/// Options of one call.
#[derive(Debug, Clone)]
pub struct CallOptions {
    /// Wall-clock budget; the guest is stopped within one epoch tick after it.
    pub deadline: Duration,
    /// Set by the caller to ask the plugin to stop (`host.progress` returns false).
    pub cancel: CancelFlag,
}

impl Default for CallOptions {
    fn default() -> Self {
        Self {
            deadline: Duration::from_millis(crate::config::DEFAULT_PLUGIN_DEADLINE_MS),
            cancel: CancelFlag::new(),
        }
    }
}

/// A pre-linked component of one of the three worlds.
pub enum WorldPre {
    /// `processor`.
    Processor(latest::ProcessorPre<HostState>),
    /// `mask-generator`.
    MaskGenerator(latest::MaskGeneratorPre<HostState>),
    /// `model-adapter`.
    ModelAdapter(latest::ModelAdapterPre<HostState>),
}

impl WorldPre {
    /// Finds the world whose exports the component has.
    pub fn detect(pre: InstancePre<HostState>) -> std::result::Result<Self, String> {
        let processor = match latest::ProcessorPre::new(pre.clone()) {
            Ok(p) => return Ok(Self::Processor(p)),
            Err(e) => e,
        };
        if let Ok(p) = latest::MaskGeneratorPre::new(pre.clone()) {
            return Ok(Self::MaskGenerator(p));
        }
        if let Ok(p) = latest::ModelAdapterPre::new(pre) {
            return Ok(Self::ModelAdapter(p));
        }
        Err(format!(
            "exports none of the worlds processor, mask-generator, model-adapter \
             (as a processor: {processor:#})"
        ))
    }

    /// The world.
    pub fn kind(&self) -> PluginKind {
        match self {
            Self::Processor(_) => PluginKind::Processor,
            Self::MaskGenerator(_) => PluginKind::MaskGenerator,
            Self::ModelAdapter(_) => PluginKind::ModelAdapter,
        }
    }

    /// Instantiates and calls `plugin-manifest` (plus `describe-model` for adapters).
    pub fn manifest(
        &self,
        store: &mut Store<HostState>,
    ) -> wasmtime::Result<(wt::Manifest, Option<latest::ModelDescription>)> {
        match self {
            Self::Processor(pre) => Ok((
                pre.instantiate(&mut *store)?.call_plugin_manifest(store)?,
                None,
            )),
            Self::MaskGenerator(pre) => Ok((
                pre.instantiate(&mut *store)?.call_plugin_manifest(store)?,
                None,
            )),
            Self::ModelAdapter(pre) => {
                let adapter = pre.instantiate(&mut *store)?;
                let manifest = adapter.call_plugin_manifest(&mut *store)?;
                let model = adapter.call_describe_model(store)?;
                Ok((manifest, Some(model)))
            }
        }
    }
}

/// A store for one call, with limits and the deadline set.
pub fn new_store(
    runtime: &Runtime,
    plugin: Arc<str>,
    granted: Arc<Granted>,
    max_pixels: u64,
    options: &CallOptions,
) -> Store<HostState> {
    let mut state = HostState::new(
        plugin,
        granted,
        runtime.limits().memory_bytes,
        max_pixels,
        options.cancel.clone(),
    );
    state.deadline_at = Instant::now() + options.deadline;
    state.engine = runtime.attached_engine();
    state.tensor_models = runtime.tensor_models();
    let mut store = Store::new(runtime.engine(), state);
    store.limiter(|s| &mut s.limiter);
    store.set_epoch_deadline(RuntimeLimits::deadline_ticks(options.deadline));
    store.epoch_deadline_trap();
    store
}

/// Says what a trap means, in words a user can act on.
pub fn describe_trap(e: &wasmtime::Error, store: &Store<HostState>, deadline: Duration) -> String {
    let state = store.data();
    if state.limiter.memory_exceeded {
        return format!(
            "ran out of memory (limit {} MiB)",
            state.limiter.memory_limit() >> 20
        );
    }
    match e.downcast_ref::<Trap>() {
        Some(Trap::Interrupt) => format!(
            "was stopped: it ran past its deadline of {} ms",
            deadline.as_millis()
        ),
        Some(Trap::StackOverflow) => "crashed: stack overflow (recursion too deep)".to_owned(),
        Some(Trap::UnreachableCodeReached) => {
            let tail = state.stderr.tail(2).join(" | ");
            if tail.is_empty() {
                "crashed (it panicked or aborted)".to_owned()
            } else {
                format!(
                    "crashed (it panicked or aborted): {}",
                    sanitize(&tail, MAX_ERROR_BYTES)
                )
            }
        }
        Some(trap) => format!("crashed: {trap}"),
        None if state.limiter.table_exceeded => "exceeded its table limit".to_owned(),
        None => sanitize(&format!("{e:#}"), MAX_ERROR_BYTES),
    }
}

/// Forwards the captured stdout/stderr to the log (bounded) and counts what was dropped.
pub fn forward_output(store: &mut Store<HostState>) {
    let state = store.data_mut();
    for (stream, capture) in [("stdout", &state.stdout), ("stderr", &state.stderr)] {
        let (bytes, dropped) = capture.take();
        state.stats.output_bytes_dropped += dropped;
        let text = String::from_utf8_lossy(&bytes);
        let mut lines = text.lines().filter(|l| !l.trim().is_empty());
        for line in lines.by_ref().take(MAX_OUTPUT_LINES) {
            tracing::info!(target: "mend::plugin", plugin = &*state.plugin, stream, "{}", sanitize(line, 1024));
        }
        let rest = lines.count();
        if rest > 0 || dropped > 0 {
            tracing::info!(target: "mend::plugin", plugin = &*state.plugin, stream,
                lines_dropped = rest, bytes_dropped = dropped, "plugin output truncated");
        }
    }
}

/// A plugin's own error as text.
pub fn describe_plugin_error(e: wt::PluginError) -> String {
    let (what, msg) = match e {
        wt::PluginError::InvalidInput(m) => ("invalid input", m),
        wt::PluginError::InvalidParams(m) => ("invalid parameters", m),
        wt::PluginError::Unsupported(m) => ("unsupported", m),
        wt::PluginError::ModelUnavailable(m) => ("model unavailable", m),
        wt::PluginError::Failed(m) => ("failed", m),
    };
    format!("{what}: {}", sanitize(&msg, MAX_ERROR_BYTES))
}

type Outcome<T> = wasmtime::Result<std::result::Result<T, wt::PluginError>>;

impl LoadedPlugin {
    fn failed(&self, message: impl Into<String>) -> Error {
        Error::Plugin {
            plugin: self.id().to_owned(),
            message: message.into(),
        }
    }

    /// Runs `f` on a fresh store; turns traps and plugin errors into [`Error::Plugin`].
    fn call<T>(
        &self,
        options: &CallOptions,
        f: impl FnOnce(&WorldPre, &mut Store<HostState>) -> Outcome<T>,
    ) -> Result<(T, CallStats)> {
        let started = Instant::now();
        let mut store = new_store(
            &self.runtime,
            self.id.clone(),
            self.granted.clone(),
            self.max_pixels,
            options,
        );
        let outcome = f(&self.pre, &mut store);
        let result = match outcome {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(e)) => Err(self.failed(describe_plugin_error(e))),
            Err(e) => Err(self.failed(describe_trap(&e, &store, options.deadline))),
        };
        forward_output(&mut store);
        let mut stats = store.data().stats;
        stats.elapsed_us = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
        if stats.log_lines_dropped > 0 {
            tracing::info!(target: "mend::plugin", plugin = self.id(), dropped = stats.log_lines_dropped, "plugin log lines dropped (rate limit)");
        }
        if let Err(e) = &result {
            tracing::warn!(plugin = self.id(), error = %e, "plugin call failed");
        }
        result.map(|v| (v, stats))
    }

    /// Runs a processor on `frame`.
    pub fn process(
        &self,
        frame: &latest::Frame,
        params: &[wt::Param],
        options: &CallOptions,
    ) -> Result<(latest::Frame, CallStats)> {
        if self.kind() != PluginKind::Processor {
            return Err(self.failed(format!("is a {:?}, not a processor", self.kind())));
        }
        let (out, stats) = self.call(options, |pre, store| {
            let WorldPre::Processor(pre) = pre else {
                return Ok(Err(wt::PluginError::Unsupported(
                    "not a processor".to_owned(),
                )));
            };
            pre.instantiate(&mut *store)?
                .call_process(store, frame, params)
        })?;
        if let Some(img) = &out.image {
            images::check_image(img, self.max_pixels)
                .map_err(|e| self.failed(format!("returned an invalid image: {e}")))?;
        }
        if let Some(mask) = &out.mask {
            images::check_mask(mask, self.max_pixels)
                .map_err(|e| self.failed(format!("returned an invalid mask: {e}")))?;
        }
        Ok((out, stats))
    }

    /// Runs a mask generator on `image` with optional clicks.
    pub fn generate(
        &self,
        image: &wt::Image,
        points: &[wt::Point],
        params: &[wt::Param],
        options: &CallOptions,
    ) -> Result<(wt::Mask, CallStats)> {
        if self.kind() != PluginKind::MaskGenerator {
            return Err(self.failed(format!("is a {:?}, not a mask generator", self.kind())));
        }
        let (mask, stats) = self.call(options, |pre, store| {
            let WorldPre::MaskGenerator(pre) = pre else {
                return Ok(Err(wt::PluginError::Unsupported(
                    "not a mask generator".to_owned(),
                )));
            };
            pre.instantiate(&mut *store)?
                .call_generate(store, image, points, params)
        })?;
        images::check_mask(&mask, self.max_pixels)
            .map_err(|e| self.failed(format!("returned an invalid mask: {e}")))?;
        if (mask.width, mask.height) != (image.width, image.height) {
            return Err(self.failed(format!(
                "returned a {}x{} mask for a {}x{} image",
                mask.width, mask.height, image.width, image.height
            )));
        }
        Ok((mask, stats))
    }

    /// Runs a model adapter's `preprocess` on the model input; the result must keep the size.
    pub fn preprocess(
        &self,
        image: wt::Image,
        mask: wt::Mask,
        params: &[wt::Param],
        options: &CallOptions,
    ) -> Result<(wt::Image, wt::Mask)> {
        let size = (image.width, image.height);
        let ((image, mask), _) = self.call(options, |pre, store| {
            let WorldPre::ModelAdapter(pre) = pre else {
                return Ok(Err(wt::PluginError::Unsupported(
                    "not a model adapter".to_owned(),
                )));
            };
            pre.instantiate(&mut *store)?
                .call_preprocess(store, &image, &mask, params)
        })?;
        images::check_image(&image, self.max_pixels)
            .map_err(|e| self.failed(format!("returned an invalid image: {e}")))?;
        images::check_mask(&mask, self.max_pixels)
            .map_err(|e| self.failed(format!("returned an invalid mask: {e}")))?;
        for (what, got) in [
            ("image", (image.width, image.height)),
            ("mask", (mask.width, mask.height)),
        ] {
            if got != size {
                return Err(self.failed(format!(
                    "preprocess returned a {}x{} {what} for a {}x{} input",
                    got.0, got.1, size.0, size.1
                )));
            }
        }
        Ok((image, mask))
    }

    /// Runs a model adapter's `postprocess` on the model output.
    pub fn postprocess(
        &self,
        output: wt::Image,
        original: wt::Image,
        mask: wt::Mask,
        options: &CallOptions,
    ) -> Result<wt::Image> {
        let size = (output.width, output.height);
        let (image, _) = self.call(options, |pre, store| {
            let WorldPre::ModelAdapter(pre) = pre else {
                return Ok(Err(wt::PluginError::Unsupported(
                    "not a model adapter".to_owned(),
                )));
            };
            pre.instantiate(&mut *store)?
                .call_postprocess(store, &output, &original, &mask)
        })?;
        images::check_image(&image, self.max_pixels)
            .map_err(|e| self.failed(format!("returned an invalid image: {e}")))?;
        if (image.width, image.height) != size {
            return Err(self.failed(format!(
                "postprocess returned a {}x{} image for a {}x{} output",
                image.width, image.height, size.0, size.1
            )));
        }
        Ok(image)
    }

    /// Instantiates the plugin in a fresh store and drops it (measures instantiation).
    pub fn instantiate_only(&self) -> Result<()> {
        self.call(&CallOptions::default(), |pre, store| {
            match pre {
                WorldPre::Processor(p) => {
                    p.instantiate(store)?;
                }
                WorldPre::MaskGenerator(p) => {
                    p.instantiate(store)?;
                }
                WorldPre::ModelAdapter(p) => {
                    p.instantiate(store)?;
                }
            }
            Ok(Ok(()))
        })
        .map(drop)
    }
}
