//! The process-wide plugin engine: one [`wasmtime::Engine`] (component model, epoch
//! interruption, pooling allocator sized from the configuration), a ticker thread bumping the
//! epoch every [`EPOCH_TICK`], and one [`Linker`] holding WASI p2 and mend's host imports,
//! shared by every plugin. Each call gets its own [`Store`] (see `call`). Compiled code can
//! be kept on disk across restarts (see `compile_cache`).

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use wasmtime::component::{HasSelf, Linker};
use wasmtime::{Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig};

use super::compile_cache::{CacheStats, CompileCache};
use super::limits;
use super::state::HostState;
use super::wit::latest;

/// How often the epoch advances; a call's deadline is rounded up to whole ticks, so a plugin
/// that runs past it is stopped within one tick.
pub const EPOCH_TICK: Duration = Duration::from_millis(10);
/// Instance slots kept beside the call slots for validating plugins while they load.
pub const LOAD_SLOTS: u32 = 2;

/// Sizes of the runtime, from the configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RuntimeLimits {
    /// Plugin instances that may run at once.
    pub max_instances: u32,
    /// Linear memory per instance, in bytes.
    pub memory_bytes: usize,
    /// Deadline of one call.
    pub deadline: Duration,
}

impl RuntimeLimits {
    /// Limits from the server configuration.
    pub fn from_config(cfg: &crate::config::Config) -> Self {
        Self {
            max_instances: cfg.plugin_max_instances,
            memory_bytes: usize::try_from(cfg.plugin_memory_mib.saturating_mul(1 << 20))
                .unwrap_or(usize::MAX),
            deadline: Duration::from_millis(cfg.plugin_deadline_ms),
        }
    }

    /// Epoch ticks that cover `deadline` (at least one).
    pub fn deadline_ticks(deadline: Duration) -> u64 {
        let tick = EPOCH_TICK.as_nanos().max(1);
        u64::try_from(deadline.as_nanos().div_ceil(tick))
            .unwrap_or(u64::MAX)
            .max(1)
    }
}

/// The engine, its linker and limits. Cheap to clone.
#[derive(Clone)]
pub struct Runtime {
    inner: Arc<Inner>,
}

struct Inner {
    engine: Engine,
    linker: Linker<HostState>,
    limits: RuntimeLimits,
    config_hash: u64,
    disk_cache: Option<CompileCache>,
    /// The engine plugins run models on through `inference` (attached once the server has one).
    inference_engine: std::sync::OnceLock<crate::engine::WeakEngine>,
    /// The models `inference.run` runs (attached with the engine).
    tensor_models: std::sync::OnceLock<Arc<crate::engine::tensor_models::TensorModels>>,
}

impl std::fmt::Debug for Runtime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runtime")
            .field("limits", &self.inner.limits)
            .finish_non_exhaustive()
    }
}

impl Runtime {
    /// Builds the engine and linker and starts the epoch ticker, without an on-disk cache.
    pub fn new(limits: RuntimeLimits) -> Result<Self, String> {
        Self::with_cache(limits, None)
    }

    /// Like [`Runtime::new`], with compiled components cached on disk in `cache_dir` (see
    /// `compile_cache`); when that folder cannot be used the cache is off (logged).
    pub fn with_cache(limits: RuntimeLimits, cache_dir: Option<&Path>) -> Result<Self, String> {
        // A cache folder that cannot be created (read-only disk, bad path) costs start-up time,
        // not plugins: warn and compile every time.
        let disk_cache = cache_dir.and_then(|dir| {
            CompileCache::open(dir)
                .inspect_err(|e| tracing::warn!(error = %e, "plugin compile cache off"))
                .ok()
        });
        let slots = limits.max_instances.saturating_add(LOAD_SLOTS);
        let per_component = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        let mut pool = PoolingAllocationConfig::default();
        pool.total_component_instances(slots)
            .total_core_instances(slots.saturating_mul(per_component(limits::MAX_INSTANCES)))
            .max_core_instances_per_component(per_component(limits::MAX_INSTANCES))
            .total_memories(slots.saturating_mul(per_component(limits::MAX_MEMORIES)))
            .max_memories_per_component(per_component(limits::MAX_MEMORIES))
            .total_tables(slots.saturating_mul(per_component(limits::MAX_TABLES)))
            .max_tables_per_component(per_component(limits::MAX_TABLES))
            .table_elements(limits::MAX_TABLE_ELEMENTS)
            .max_memory_size(limits.memory_bytes);
        let mut config = Config::new();
        config
            .wasm_component_model(true)
            .epoch_interruption(true)
            .allocation_strategy(InstanceAllocationStrategy::Pooling(pool))
            .cache(disk_cache.as_ref().map(CompileCache::wasmtime));
        let engine = Engine::new(&config).map_err(|e| format!("plugin engine: {e:#}"))?;

        let mut linker = Linker::<HostState>::new(&engine);
        wasmtime_wasi::p2::add_to_linker_sync(&mut linker)
            .map_err(|e| format!("linking WASI: {e:#}"))?;
        latest::processor::Processor::add_to_linker::<HostState, HasSelf<HostState>>(
            &mut linker,
            |s| s,
        )
        .map_err(|e| format!("linking mend:plugin: {e:#}"))?;

        let config_hash = {
            use std::hash::{Hash, Hasher};
            let mut h = std::collections::hash_map::DefaultHasher::new();
            engine.precompile_compatibility_hash().hash(&mut h);
            h.finish()
        };
        spawn_ticker(&engine)?;
        Ok(Self {
            inner: Arc::new(Inner {
                engine,
                linker,
                limits,
                config_hash,
                disk_cache,
                inference_engine: std::sync::OnceLock::new(),
                tensor_models: std::sync::OnceLock::new(),
            }),
        })
    }

    /// The engine.
    pub fn engine(&self) -> &Engine {
        &self.inner.engine
    }

    /// The linker with WASI and mend's imports.
    pub fn linker(&self) -> &Linker<HostState> {
        &self.inner.linker
    }

    /// The limits.
    pub fn limits(&self) -> RuntimeLimits {
        self.inner.limits
    }

    /// Gives plugins' `inference` imports the engine's loaded model (once; later calls are
    /// ignored).
    pub fn attach_engine(&self, engine: &crate::engine::Engine) {
        let _ = self.inner.inference_engine.set(engine.downgrade());
    }

    /// Gives plugins' `inference.run` the server's tensor models (once).
    pub fn attach_tensor_models(&self, models: Arc<crate::engine::tensor_models::TensorModels>) {
        let _ = self.inner.tensor_models.set(models);
    }

    /// The attached tensor models, if any.
    pub fn tensor_models(&self) -> Option<Arc<crate::engine::tensor_models::TensorModels>> {
        self.inner.tensor_models.get().cloned()
    }

    /// The attached engine, while it runs.
    pub fn attached_engine(&self) -> Option<crate::engine::Engine> {
        self.inner.inference_engine.get()?.upgrade()
    }

    /// The on-disk compile cache, when on.
    pub fn disk_cache(&self) -> Option<&CompileCache> {
        self.inner.disk_cache.as_ref()
    }

    /// Hit/miss counts of the on-disk cache (zero when it is off).
    pub fn disk_cache_stats(&self) -> CacheStats {
        self.disk_cache()
            .map(CompileCache::stats)
            .unwrap_or_default()
    }

    /// A hash of the engine's compilation settings (part of the artifact cache key).
    pub fn config_hash(&self) -> u64 {
        self.inner.config_hash
    }
}

/// Bumps the epoch every [`EPOCH_TICK`] on a thread that holds only a weak handle, so the
/// thread ends when the last engine handle is dropped.
fn spawn_ticker(engine: &Engine) -> Result<(), String> {
    let weak = engine.weak();
    std::thread::Builder::new()
        .name("mend-plugin-epoch".to_owned())
        .spawn(move || {
            loop {
                std::thread::sleep(EPOCH_TICK);
                match weak.upgrade() {
                    Some(engine) => engine.increment_epoch(),
                    None => break,
                }
            }
        })
        // Without a ticker no deadline would ever fire: refuse to run plugins then.
        .map(drop)
        .map_err(|e| format!("cannot start the plugin epoch ticker: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deadline_rounds_up_to_ticks() {
        assert_eq!(RuntimeLimits::deadline_ticks(Duration::from_millis(0)), 1);
        assert_eq!(RuntimeLimits::deadline_ticks(Duration::from_millis(10)), 1);
        assert_eq!(RuntimeLimits::deadline_ticks(Duration::from_millis(11)), 2);
        assert_eq!(RuntimeLimits::deadline_ticks(Duration::from_secs(10)), 1000);
    }
}
