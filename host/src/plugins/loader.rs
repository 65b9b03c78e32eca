//! Loading a component: check the header and the `mend:api-version` custom section before
//! compiling, compile (or reuse a compiled artifact), find which world it implements, then
//! instantiate it once and validate its manifest. Only a plugin that passed all of this is
//! handed to the registry.
//!
//! ## Artifact caches
//! Two levels. In memory, compiled components are kept by the SHA-256 of the component
//! bytes, mend's version and the engine's compilation settings, so a re-upload or a
//! replaced-then-restored file is not compiled again. On disk (when the runtime has a
//! [`CompileCache`](super::compile_cache::CompileCache)), wasmtime's cache keeps the compiled
//! code across restarts, keyed by the component bytes, the wasmtime version and the engine
//! settings. Each load records where its code came from ([`CompileSource`]).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use sha2::{Digest, Sha256};
use wasmtime::Store;
use wasmtime::component::Component;
use wasmtime::wasmparser::{Encoding, Parser, Payload};

use super::adapters::ModelDescription;
use super::call::{self, CallOptions, WorldPre};
use super::capabilities::{CapabilityGranter, Granted};
use super::compile_cache::CompileSource;
use super::manifest::{Manifest, PluginKind};
use super::runtime::Runtime;
use super::wit::{self, ApiVersion, latest};
use crate::{Error, Result};

/// Name of the custom section in which the SDK stamps the API version.
pub const API_VERSION_SECTION: &str = "mend:api-version";
/// Largest accepted component file.
pub const MAX_COMPONENT_BYTES: usize = 64 * 1024 * 1024;
/// Compiled components kept in the cache.
pub const CACHE_ENTRIES: usize = 64;
/// Deadline of the validating `plugin-manifest` call.
pub const VALIDATION_DEADLINE: Duration = Duration::from_secs(5);

/// A validated, compiled plugin, ready to be instantiated per call.
pub struct LoadedPlugin {
    /// Its manifest.
    pub manifest: Manifest,
    /// Hex SHA-256 of the component bytes.
    pub hash: String,
    /// Size of the component in bytes.
    pub size: usize,
    /// Capabilities it holds.
    pub granted: Arc<Granted>,
    /// When it was loaded.
    pub loaded_at: SystemTime,
    /// For model adapters: the validated `describe-model`.
    pub model: Option<ModelDescription>,
    /// Where its compiled code came from.
    pub compile: CompileSource,
    pub(super) id: Arc<str>,
    pub(super) pre: WorldPre,
    pub(super) runtime: Runtime,
    pub(super) max_pixels: u64,
}

impl std::fmt::Debug for LoadedPlugin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoadedPlugin")
            .field("id", &self.id)
            .field("version", &self.manifest.version)
            .field("hash", &self.hash)
            .finish_non_exhaustive()
    }
}

impl LoadedPlugin {
    /// The plugin's id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Its world.
    pub fn kind(&self) -> PluginKind {
        self.manifest.kind
    }
}

/// Compiles and validates components; owns the artifact cache.
pub struct Loader {
    runtime: Runtime,
    granter: CapabilityGranter,
    max_pixels: u64,
    cache: Mutex<HashMap<[u8; 32], Component>>,
}

impl std::fmt::Debug for Loader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Loader").finish_non_exhaustive()
    }
}

impl Loader {
    /// A loader on `runtime`, granting capabilities with `granter`.
    pub fn new(runtime: Runtime, granter: CapabilityGranter, max_pixels: u64) -> Self {
        Self {
            runtime,
            granter,
            max_pixels,
            cache: Mutex::new(HashMap::new()),
        }
    }

    /// The runtime.
    pub fn runtime(&self) -> &Runtime {
        &self.runtime
    }

    /// Loads `bytes` (named `origin` in errors: a file name). Blocking: compiles and runs the
    /// plugin's `plugin-manifest`; call it from a blocking thread.
    pub fn load(&self, bytes: &[u8], origin: &str) -> Result<LoadedPlugin> {
        let invalid = |message: String| Error::PluginInvalid {
            plugin: origin.to_owned(),
            message,
        };
        if bytes.len() > MAX_COMPONENT_BYTES {
            return Err(invalid(format!(
                "the file is {} bytes, more than the limit of {MAX_COMPONENT_BYTES}",
                bytes.len()
            )));
        }
        let hash: [u8; 32] = Sha256::digest(bytes).into();
        let key = self.cache_key(bytes);
        let cached = self.cache.lock().ok().and_then(|c| c.get(&key).cloned());
        let (component, compile) = match cached {
            Some(c) => (c, CompileSource::MemoryCache),
            None => {
                check_header(bytes).map_err(invalid)?;
                // Loads are serialised by the registry, so the counters' change is this load's.
                let before = self.runtime.disk_cache_stats();
                let c = Component::from_binary(self.runtime.engine(), bytes)
                    .map_err(|e| invalid(format!("does not compile: {e:#}")))?;
                let source = before.source_since(self.runtime.disk_cache_stats());
                if let Ok(mut cache) = self.cache.lock() {
                    if cache.len() >= CACHE_ENTRIES {
                        cache.clear();
                    }
                    cache.insert(key, c.clone());
                }
                (c, source)
            }
        };
        tracing::debug!(plugin = origin, source = ?compile, "plugin code ready");
        let instance_pre = self
            .runtime
            .linker()
            .instantiate_pre(&component)
            .map_err(|e| invalid(format!("imports something mend does not provide: {e:#}")))?;
        let pre = WorldPre::detect(instance_pre).map_err(invalid)?;

        let options = CallOptions {
            deadline: VALIDATION_DEADLINE.min(self.runtime.limits().deadline),
            ..CallOptions::default()
        };
        let probe = Probe {
            runtime: &self.runtime,
            pre: &pre,
            origin,
            max_pixels: self.max_pixels,
        };
        let (raw, model) = probe.manifest(&options)?;
        let manifest = Manifest::validate(raw, pre.kind()).map_err(invalid)?;
        let model = model
            .map(ModelDescription::validate)
            .transpose()
            .map_err(|e| invalid(format!("describe-model: {e}")))?;
        let granted = Arc::new(self.granter.grant(&manifest.id, &manifest.capabilities));
        Ok(LoadedPlugin {
            id: Arc::from(manifest.id.as_str()),
            manifest,
            hash: hex(&hash),
            size: bytes.len(),
            granted,
            loaded_at: SystemTime::now(),
            model,
            compile,
            pre,
            runtime: self.runtime.clone(),
            max_pixels: self.max_pixels,
        })
    }

    fn cache_key(&self, bytes: &[u8]) -> [u8; 32] {
        let mut h = Sha256::new();
        h.update(bytes);
        h.update(env!("CARGO_PKG_VERSION").as_bytes());
        h.update(b"wasmtime-48");
        h.update(self.runtime.config_hash().to_le_bytes());
        h.finalize().into()
    }
}

/// Instantiates a not-yet-validated component to read its manifest.
struct Probe<'a> {
    runtime: &'a Runtime,
    pre: &'a WorldPre,
    origin: &'a str,
    max_pixels: u64,
}

impl Probe<'_> {
    fn manifest(
        &self,
        options: &CallOptions,
    ) -> Result<(latest::types::Manifest, Option<latest::ModelDescription>)> {
        let mut store: Store<_> = call::new_store(
            self.runtime,
            Arc::from(self.origin),
            Arc::new(Granted::default()),
            self.max_pixels,
            options,
        );
        let out = self.pre.manifest(&mut store);
        let out = out.map_err(|e| Error::PluginInvalid {
            plugin: self.origin.to_owned(),
            message: format!(
                "plugin-manifest failed: {}",
                call::describe_trap(&e, &store, options.deadline)
            ),
        });
        call::forward_output(&mut store);
        out
    }
}

/// Checks the binary header (a component, not a core module or something else) and the
/// `mend:api-version` custom section, if present, before anything is compiled.
pub fn check_header(bytes: &[u8]) -> std::result::Result<Option<ApiVersion>, String> {
    if bytes.get(..4) != Some(b"\0asm".as_slice()) {
        return Err("not a WebAssembly file (bad magic number)".to_owned());
    }
    let mut outermost = true;
    let mut version = None;
    for payload in Parser::new(0).parse_all(bytes) {
        let payload = payload.map_err(|e| format!("malformed WebAssembly: {e}"))?;
        match payload {
            Payload::Version { encoding, .. } if outermost => {
                outermost = false;
                if encoding == Encoding::Module {
                    return Err(
                        "is a core WebAssembly module, not a component; build the plugin for \
                         `wasm32-wasip2` with mend-sdk"
                            .to_owned(),
                    );
                }
            }
            Payload::CustomSection(reader) if reader.name() == API_VERSION_SECTION => {
                let v = ApiVersion::from_section(reader.data()).ok_or_else(|| {
                    format!("the `{API_VERSION_SECTION}` section is not a version")
                })?;
                if !wit::supported(v) {
                    return Err(format!(
                        "targets mend:plugin {v}; this host supports {}",
                        wit::supported_range()
                    ));
                }
                version = Some(v);
            }
            _ => {}
        }
    }
    Ok(version)
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::new(), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_non_wasm_and_core_modules() {
        assert!(check_header(b"hello").unwrap_err().contains("magic"));
        // The smallest core module: magic + version 1.
        let core = b"\0asm\x01\0\0\0";
        assert!(
            check_header(core)
                .unwrap_err()
                .contains("core WebAssembly module")
        );
    }

    #[test]
    fn reads_and_checks_the_api_version_section() {
        // An empty component (layer 1) with a custom section.
        let mut bytes = b"\0asm\x0d\0\x01\0".to_vec();
        let section = |version: &[u8]| {
            let name = API_VERSION_SECTION.as_bytes();
            let mut payload = vec![name.len() as u8];
            payload.extend_from_slice(name);
            payload.extend_from_slice(version);
            let mut s = vec![0u8, payload.len() as u8];
            s.extend(payload);
            s
        };
        let mut ok = bytes.clone();
        ok.extend(section(&[0, 0, 0, 1, 0, 0]));
        assert_eq!(check_header(&ok).unwrap(), Some(ApiVersion::new(0, 1, 0)));
        bytes.extend(section(&[0, 9, 0, 0, 0, 0]));
        let err = check_header(&bytes).unwrap_err();
        assert!(err.contains("9.0.0"), "{err}");
    }
}
