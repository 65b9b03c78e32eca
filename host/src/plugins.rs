//! Plugins: sandboxed WebAssembly components (WIT package `mend:plugin`, see `wit/`) that
//! process images and masks, generate masks, or describe erase models.
//!
//! Every plugin runs in its own store per call, with nothing granted: no files, no sockets,
//! no environment, a memory limit, and a deadline enforced by epoch interruption. A trap,
//! timeout, out-of-memory or panic fails that one call with [`crate::Error::Plugin`] naming
//! the plugin, and the host keeps serving.
//!
//! ## Layout
//! - [`runtime`]: the engine (pooling allocator, epoch ticker on a weak handle) and linker.
//! - [`wit`]: bindings per WIT version (`wit/since_v0_1_0.rs`), the `latest` alias and
//!   [`wit::ApiVersion`].
//! - [`state`]: a call's store data (WASI context granting nothing, captures, counters).
//! - [`limits`]: store limits that remember why a growth was refused.
//! - [`capture`]: bounded stdout/stderr.
//! - [`imports`]: host imports, one file per interface (`host`, `inference`).
//! - [`capabilities`]: deny-by-default grants, checked at load and at call time.
//! - [`images`]: size checks and conversions at the boundary.
//! - [`manifest`]: the validated manifest and typed parameters.
//! - [`compile_cache`]: compiled components on disk (wasmtime's cache), so a restart does
//!   not recompile.
//! - [`loader`]: header/version check, compile with an artifact cache, world detection,
//!   validation.
//! - [`call`]: one call in a fresh store; traps become readable errors.
//! - [`registry`]: loaded plugins by id ([`Plugins`]), swapped atomically, with state and
//!   events.
//! - [`watcher`]: the plugins folder, watched for new, changed and removed components.
//! - [`routes`]: `/api/v1/plugins…` HTTP routes.
//! - [`adapters`]: model adapters' models, validated, listed and run around the engine's
//!   networks.

pub mod adapters;
pub mod call;
pub mod capabilities;
pub mod capture;
pub mod compile_cache;
pub mod images;
pub mod imports;
pub mod limits;
pub mod loader;
pub mod manifest;
pub mod registry;
pub mod routes;
pub mod runtime;
pub mod state;
pub mod watcher;
pub mod wit;

pub use call::CallOptions;
pub use compile_cache::{CacheStats, CompileCache, CompileSource};
pub use loader::{LoadedPlugin, Loader};
pub use manifest::{Manifest, PluginKind};
pub use registry::{PluginListing, Plugins};
pub use runtime::{Runtime, RuntimeLimits};
pub use state::{CallStats, CancelFlag};
