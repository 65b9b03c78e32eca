//! The registry: loaded plugins by id. Each plugin is an `Arc<LoadedPlugin>` swapped under a
//! short write lock, so calls in flight keep their `Arc` and finish on the version they
//! started with. Enabled state and configured parameter values persist in the store's
//! `plugin_state` table; every change is announced on the [`EventBus`] as
//! [`EngineEvent::PluginsChanged`].

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};
use std::time::UNIX_EPOCH;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use tokio::sync::Semaphore;

use super::call::CallOptions;
use super::capabilities::CapabilityGranter;
use super::compile_cache::CompileSource;
use super::loader::{LoadedPlugin, Loader, MAX_COMPONENT_BYTES};
use super::manifest::{self, Manifest, PluginKind};
use super::runtime::{Runtime, RuntimeLimits};
use super::state::{CallStats, CancelFlag};
use super::wit::latest::{self, types as wt};
use crate::config::Config;
use crate::engine::{EngineEvent, EventBus};
use crate::storage::Store;
use crate::{Error, Result};

/// Persisted per-plugin state (JSON in `plugin_state` under `mend/plugins/<id>`).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct SavedState {
    disabled: bool,
    params: Map<String, Value>,
}

struct Entry {
    plugin: Arc<LoadedPlugin>,
    enabled: bool,
    params: Map<String, Value>,
    file: PathBuf,
}

/// One plugin as the API lists it.
#[derive(Debug, Clone, Serialize)]
pub struct PluginListing {
    /// Id.
    pub id: String,
    /// Whether calls are accepted.
    pub enabled: bool,
    /// Validated manifest.
    pub manifest: Manifest,
    /// Configured parameter values (defaults apply to the others).
    pub params: Map<String, Value>,
    /// Capabilities granted.
    pub granted: Vec<String>,
    /// The component file.
    pub file: String,
    /// Hex SHA-256 of the component.
    pub hash: String,
    /// Size in bytes.
    pub size: usize,
    /// Load time, seconds since the epoch.
    pub loaded_at: u64,
    /// For model adapters, the model it describes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<super::adapters::ModelDescription>,
    /// Where its compiled code came from at load: `compiled`, `disk-cache` or `memory-cache`.
    pub compile: CompileSource,
}

/// A file in the plugins folder that failed to load.
#[derive(Debug, Clone, Serialize)]
pub struct LoadFailure {
    /// File name.
    pub file: String,
    /// Why.
    pub error: String,
}

/// The registry's shared state.
pub(super) struct Inner {
    loader: Loader,
    dir: PathBuf,
    entries: RwLock<BTreeMap<String, Entry>>,
    failures: RwLock<BTreeMap<String, String>>,
    store: Option<Store>,
    events: EventBus,
    permits: Arc<Semaphore>,
    /// Loads are serialised (they use the spare instance slots).
    load_lock: Mutex<()>,
    watcher: Mutex<Option<notify::RecommendedWatcher>>,
}

/// The plugin registry; cheap to clone.
#[derive(Clone)]
pub struct Plugins {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Plugins {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Plugins")
            .field("dir", &self.inner.dir)
            .finish_non_exhaustive()
    }
}

fn state_key(id: &str) -> String {
    format!("mend/plugins/{id}")
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

impl Plugins {
    /// Creates the registry for `config` without loading anything or watching the folder
    /// (tests and benches); [`Plugins::start`] does both.
    pub fn new(config: &Config, events: EventBus, store: Option<Store>) -> Result<Self> {
        let limits = RuntimeLimits::from_config(config);
        let cache_dir = config.plugin_cache_dir();
        let runtime = Runtime::with_cache(limits, cache_dir.as_deref()).map_err(Error::Config)?;
        let granter = CapabilityGranter::new(config.plugin_grants.clone());
        Ok(Self {
            inner: Arc::new(Inner {
                loader: Loader::new(runtime, granter, config.max_pixels),
                dir: config.plugins_dir(),
                entries: RwLock::new(BTreeMap::new()),
                failures: RwLock::new(BTreeMap::new()),
                store,
                events,
                permits: Arc::new(Semaphore::new(limits.max_instances as usize)),
                load_lock: Mutex::new(()),
                watcher: Mutex::new(None),
            }),
        })
    }

    /// Creates the registry, creates the plugins folder, loads every `*.wasm` in it and
    /// watches it for changes. Must run inside a tokio runtime.
    pub async fn start(config: &Config, events: EventBus, store: Option<Store>) -> Result<Self> {
        let plugins = Self::new(config, events, store)?;
        let dir = plugins.dir().to_path_buf();
        std::fs::create_dir_all(&dir)
            .map_err(|e| Error::io(format!("creating plugins dir {}", dir.display()), e))?;
        plugins.scan().await;
        let watcher = super::watcher::watch(&plugins)?;
        if let Ok(mut slot) = plugins.inner.watcher.lock() {
            *slot = Some(watcher);
        }
        Ok(plugins)
    }

    /// A handle that does not keep the registry alive (for the watcher task).
    pub(super) fn downgrade(&self) -> std::sync::Weak<Inner> {
        Arc::downgrade(&self.inner)
    }

    /// Back from [`Plugins::downgrade`], while the registry lives.
    pub(super) fn upgrade(weak: &std::sync::Weak<Inner>) -> Option<Self> {
        weak.upgrade().map(|inner| Self { inner })
    }

    /// The watched folder.
    pub fn dir(&self) -> &Path {
        &self.inner.dir
    }

    /// The runtime (engine, limits).
    pub fn runtime(&self) -> &Runtime {
        self.inner.loader.runtime()
    }

    fn changed(&self, id: &str, change: &str) {
        tracing::info!(plugin = id, change, "plugins changed");
        self.inner.events.send(EngineEvent::PluginsChanged {
            id: id.to_owned(),
            change: change.to_owned(),
        });
    }

    /// Loads every `*.wasm` in the folder.
    pub async fn scan(&self) {
        let Ok(read) = std::fs::read_dir(self.dir()) else {
            return;
        };
        let mut files: Vec<PathBuf> = read
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| is_component_file(p))
            .collect();
        files.sort();
        for file in files {
            // Failures are recorded and listed; they do not stop the scan.
            let _ = self.load_file(&file).await;
        }
    }

    /// Validates `bytes` without registering them (blocking pool).
    async fn validate(&self, bytes: Arc<Vec<u8>>, origin: String) -> Result<LoadedPlugin> {
        let this = self.clone();
        tokio::task::spawn_blocking(move || {
            let _guard = this.inner.load_lock.lock();
            this.inner.loader.load(&bytes, &origin)
        })
        .await
        .map_err(|e| Error::Task(e.to_string()))?
    }

    /// Loads (or reloads) a component file and registers it.
    pub async fn load_file(&self, path: &Path) -> Result<String> {
        let name = file_name(path);
        let bytes = match read_component(path) {
            Ok(b) => b,
            Err(e) => {
                self.record_failure(&name, &e);
                return Err(e);
            }
        };
        // Same bytes already loaded from this file: nothing to do (the watcher reports
        // our own atomic writes too).
        let hash = {
            use sha2::Digest;
            let digest: [u8; 32] = sha2::Sha256::digest(&bytes).into();
            digest
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
        };
        if let Some(id) = self.id_for_file(path)
            && self.get(&id).is_some_and(|p| p.hash == hash)
        {
            return Ok(id);
        }
        match self.validate(Arc::new(bytes), name.clone()).await {
            Ok(plugin) => {
                tracing::info!(file = %name, plugin = plugin.id(), compile = ?plugin.compile, "plugin loaded");
                self.insert(plugin, path)
            }
            Err(e) => {
                self.record_failure(&name, &e);
                Err(e)
            }
        }
    }

    fn record_failure(&self, file: &str, e: &Error) {
        tracing::warn!(file, error = %e, "plugin failed to load");
        if let Ok(mut f) = self.inner.failures.write() {
            f.insert(file.to_owned(), e.to_string());
        }
        self.changed(file, "failed");
    }

    fn id_for_file(&self, path: &Path) -> Option<String> {
        let entries = self.inner.entries.read().ok()?;
        entries
            .iter()
            .find(|(_, e)| e.file == path)
            .map(|(id, _)| id.clone())
    }

    fn saved_state(&self, id: &str) -> SavedState {
        self.inner
            .store
            .as_ref()
            .and_then(|s| s.get_plugin_state(&state_key(id)).ok().flatten())
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_default()
    }

    fn save_state(&self, id: &str, state: &SavedState) -> Result<()> {
        let Some(store) = &self.inner.store else {
            return Ok(());
        };
        let bytes = serde_json::to_vec(state).map_err(|e| Error::Storage(e.to_string()))?;
        store.put_plugin_state(&state_key(id), &bytes)
    }

    /// Registers a validated plugin loaded from `file`, replacing an older version.
    fn insert(&self, plugin: LoadedPlugin, file: &Path) -> Result<String> {
        let id = plugin.id().to_owned();
        let name = file_name(file);
        let saved = self.saved_state(&id);
        // Stored values that no longer fit the new version's schema are dropped.
        let params = match plugin.manifest.params(&saved.params, &Map::new()) {
            Ok(_) => saved.params,
            Err(_) => Map::new(),
        };
        let change = {
            let mut entries = self
                .inner
                .entries
                .write()
                .map_err(|_| Error::Task("plugin registry lock poisoned".to_owned()))?;
            if let Some(existing) = entries.get(&id)
                && existing.file != file
                && existing.file.exists()
            {
                let message = format!(
                    "id `{id}` is already provided by {}",
                    file_name(&existing.file)
                );
                drop(entries);
                let e = Error::PluginInvalid {
                    plugin: name.clone(),
                    message,
                };
                self.record_failure(&name, &e);
                return Err(e);
            }
            // The file may have held another plugin before.
            entries.retain(|other, e| other == &id || e.file != file);
            let entry = Entry {
                plugin: Arc::new(plugin),
                enabled: !saved.disabled,
                params,
                file: file.to_path_buf(),
            };
            match entries.insert(id.clone(), entry) {
                Some(_) => "replaced",
                None => "loaded",
            }
        };
        if let Ok(mut f) = self.inner.failures.write() {
            f.remove(&name);
        }
        self.changed(&id, change);
        Ok(id)
    }

    /// Forgets the plugin(s) loaded from `path` (the file was deleted).
    pub fn unload_file(&self, path: &Path) {
        let removed: Vec<String> = match self.inner.entries.write() {
            Ok(mut entries) => {
                let ids: Vec<String> = entries
                    .iter()
                    .filter(|(_, e)| e.file == path)
                    .map(|(id, _)| id.clone())
                    .collect();
                for id in &ids {
                    entries.remove(id);
                }
                ids
            }
            Err(_) => Vec::new(),
        };
        if let Ok(mut f) = self.inner.failures.write() {
            f.remove(&file_name(path));
        }
        for id in removed {
            self.changed(&id, "removed");
        }
    }

    /// The current version of plugin `id` (enabled or not).
    pub fn get(&self, id: &str) -> Option<Arc<LoadedPlugin>> {
        let entries = self.inner.entries.read().ok()?;
        entries.get(id).map(|e| e.plugin.clone())
    }

    /// Every plugin, sorted by id.
    pub fn list(&self) -> Vec<PluginListing> {
        let Ok(entries) = self.inner.entries.read() else {
            return Vec::new();
        };
        entries
            .iter()
            .map(|(id, e)| PluginListing {
                id: id.clone(),
                enabled: e.enabled,
                manifest: e.plugin.manifest.clone(),
                params: e.params.clone(),
                granted: e.plugin.granted.list(),
                file: file_name(&e.file),
                hash: e.plugin.hash.clone(),
                size: e.plugin.size,
                loaded_at: e
                    .plugin
                    .loaded_at
                    .duration_since(UNIX_EPOCH)
                    .map(|d| d.as_secs())
                    .unwrap_or(0),
                model: e.plugin.model.clone(),
                compile: e.plugin.compile,
            })
            .collect()
    }

    /// Files that failed to load.
    pub fn failures(&self) -> Vec<LoadFailure> {
        self.inner
            .failures
            .read()
            .map(|f| {
                f.iter()
                    .map(|(file, error)| LoadFailure {
                        file: file.clone(),
                        error: error.clone(),
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Enabled plugins as `(id, name, kind)`.
    pub fn enabled(&self) -> Vec<(String, String, PluginKind)> {
        self.list()
            .into_iter()
            .filter(|p| p.enabled)
            .map(|p| (p.id, p.manifest.name, p.manifest.kind))
            .collect()
    }

    fn with_entry<T>(&self, id: &str, f: impl FnOnce(&mut Entry) -> Result<T>) -> Result<T> {
        let mut entries = self
            .inner
            .entries
            .write()
            .map_err(|_| Error::Task("plugin registry lock poisoned".to_owned()))?;
        let entry = entries
            .get_mut(id)
            .ok_or_else(|| Error::NotFound(format!("plugin `{id}` not found")))?;
        f(entry)
    }

    /// Enables or disables plugin `id` (persisted).
    pub fn set_enabled(&self, id: &str, enabled: bool) -> Result<()> {
        let params = self.with_entry(id, |e| {
            e.enabled = enabled;
            Ok(e.params.clone())
        })?;
        self.save_state(
            id,
            &SavedState {
                disabled: !enabled,
                params,
            },
        )?;
        self.changed(id, if enabled { "enabled" } else { "disabled" });
        Ok(())
    }

    /// Sets plugin `id`'s parameter values (validated against its schema; persisted).
    pub fn configure(&self, id: &str, params: Map<String, Value>) -> Result<()> {
        let enabled = self.with_entry(id, |e| {
            e.plugin
                .manifest
                .params(&params, &Map::new())
                .map_err(|m| Error::BadRequest(format!("plugin `{id}`: {m}")))?;
            e.params = params.clone();
            Ok(e.enabled)
        })?;
        self.save_state(
            id,
            &SavedState {
                disabled: !enabled,
                params,
            },
        )?;
        self.changed(id, "configured");
        Ok(())
    }

    /// Removes plugin `id`: deletes its file and unloads it.
    pub fn remove(&self, id: &str) -> Result<()> {
        let file = self.with_entry(id, |e| Ok(e.file.clone()))?;
        match std::fs::remove_file(&file) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(Error::io(format!("removing {}", file.display()), e)),
        }
        self.unload_file(&file);
        Ok(())
    }

    /// Validates an uploaded component, then writes it atomically into the plugins folder
    /// as `<id>.wasm` and registers it. Nothing goes live unless it validated.
    pub async fn install(&self, bytes: Vec<u8>, origin: &str) -> Result<String> {
        let bytes = Arc::new(bytes);
        let plugin = self.validate(bytes.clone(), origin.to_owned()).await?;
        manifest::check_id(plugin.id()).map_err(Error::BadRequest)?;
        let target = self.dir().join(format!("{}.wasm", plugin.id()));
        let write = {
            let target = target.clone();
            tokio::task::spawn_blocking(move || {
                crate::atomic_write::write_atomically(&target, &bytes)
            })
        };
        if let Err(e) = write.await.map_err(|e| Error::Task(e.to_string()))? {
            return Err(Error::io(format!("writing {}", target.display()), e));
        }
        self.insert(plugin, &target)
    }

    /// The enabled plugin `id`, or the enabled plugin whose display name is `id`.
    pub fn find_enabled(
        &self,
        id_or_name: &str,
    ) -> Result<(Arc<LoadedPlugin>, Map<String, Value>)> {
        let entries = self
            .inner
            .entries
            .read()
            .map_err(|_| Error::Task("plugin registry lock poisoned".to_owned()))?;
        let entry = entries.get(id_or_name).or_else(|| {
            entries
                .values()
                .find(|e| e.plugin.manifest.name == id_or_name)
        });
        match entry {
            Some(e) if e.enabled => Ok((e.plugin.clone(), e.params.clone())),
            Some(_) => Err(Error::Conflict(format!(
                "plugin `{id_or_name}` is disabled"
            ))),
            None => Err(Error::NotFound(format!("plugin `{id_or_name}` not found"))),
        }
    }

    /// Enabled model adapters with their configured parameter values, by id.
    pub(super) fn enabled_adapters(&self) -> Vec<(Arc<LoadedPlugin>, Map<String, Value>)> {
        let Ok(entries) = self.inner.entries.read() else {
            return Vec::new();
        };
        entries
            .values()
            .filter(|e| e.enabled && e.plugin.kind() == PluginKind::ModelAdapter)
            .map(|e| (e.plugin.clone(), e.params.clone()))
            .collect()
    }

    /// Takes a call slot from a thread outside the async runtime (the engine's worker),
    /// waiting up to `timeout`; `None` when none freed up.
    pub(super) fn wait_for_slot(
        &self,
        timeout: std::time::Duration,
    ) -> Option<tokio::sync::OwnedSemaphorePermit> {
        let until = std::time::Instant::now() + timeout;
        loop {
            match self.inner.permits.clone().try_acquire_owned() {
                Ok(permit) => return Some(permit),
                Err(tokio::sync::TryAcquireError::Closed) => return None,
                Err(tokio::sync::TryAcquireError::NoPermits) => {
                    if std::time::Instant::now() >= until {
                        return None;
                    }
                    std::thread::sleep(std::time::Duration::from_millis(2));
                }
            }
        }
    }

    /// Runs an enabled processor on the blocking pool. The call waits for a free instance
    /// slot; if the caller goes away, the plugin is asked to stop (`host.progress`).
    pub async fn process(
        &self,
        id: &str,
        frame: latest::Frame,
        params: &Map<String, Value>,
    ) -> Result<(latest::Frame, CallStats)> {
        let (plugin, stored) = self.find_enabled(id)?;
        let params = plugin
            .manifest
            .params(&stored, params)
            .map_err(|m| Error::BadRequest(format!("plugin `{id}`: {m}")))?;
        self.run_blocking(move |options| plugin.process(&frame, &params, options))
            .await
    }

    /// Runs an enabled mask generator on the blocking pool.
    pub async fn generate(
        &self,
        id: &str,
        image: wt::Image,
        points: Vec<wt::Point>,
        params: &Map<String, Value>,
    ) -> Result<(wt::Mask, CallStats)> {
        let (plugin, stored) = self.find_enabled(id)?;
        let params = plugin
            .manifest
            .params(&stored, params)
            .map_err(|m| Error::BadRequest(format!("plugin `{id}`: {m}")))?;
        self.run_blocking(move |options| plugin.generate(&image, &points, &params, options))
            .await
    }

    async fn run_blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce(&CallOptions) -> Result<T> + Send + 'static,
    ) -> Result<T> {
        let permit = self
            .inner
            .permits
            .clone()
            .acquire_owned()
            .await
            .map_err(|e| Error::Task(e.to_string()))?;
        let options = CallOptions {
            deadline: self.runtime().limits().deadline,
            cancel: CancelFlag::new(),
        };
        let mut guard = CancelOnDrop(Some(options.cancel.clone()));
        let result = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            f(&options)
        })
        .await
        .map_err(|e| Error::Task(e.to_string()))?;
        guard.0 = None;
        result
    }
}

/// Cancels the call when the awaiting future is dropped (client gone).
struct CancelOnDrop(Option<CancelFlag>);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        if let Some(flag) = &self.0 {
            flag.cancel();
        }
    }
}

/// Whether `path` looks like a component the folder should load (`*.wasm`, not hidden).
pub fn is_component_file(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "wasm") && !file_name(path).starts_with('.')
}

fn read_component(path: &Path) -> Result<Vec<u8>> {
    let len = std::fs::metadata(path)
        .map_err(|e| Error::io(format!("reading {}", path.display()), e))?
        .len();
    if len > MAX_COMPONENT_BYTES as u64 {
        return Err(Error::PluginInvalid {
            plugin: file_name(path),
            message: format!(
                "the file is {len} bytes, more than the limit of {MAX_COMPONENT_BYTES}"
            ),
        });
    }
    std::fs::read(path).map_err(|e| Error::io(format!("reading {}", path.display()), e))
}
