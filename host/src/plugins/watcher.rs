//! Watches the plugins folder with `notify`: after [`DEBOUNCE`] without further events, each
//! touched `*.wasm` is loaded (new or changed: the registry swaps the new version in) or
//! unloaded (deleted). The watcher task holds only a weak registry handle and ends with it.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::Duration;

use notify::{RecursiveMode, Watcher};
use tokio::sync::mpsc;

use super::registry::{Plugins, is_component_file};
use crate::{Error, Result};

/// Quiet time before acting on a burst of events (a copy fires several).
pub const DEBOUNCE: Duration = Duration::from_millis(200);

/// Starts watching `plugins.dir()`; the returned watcher must be kept alive.
pub fn watch(plugins: &Plugins) -> Result<notify::RecommendedWatcher> {
    let (tx, mut rx) = mpsc::unbounded_channel::<PathBuf>();
    let mut watcher = notify::recommended_watcher(move |res: notify::Result<notify::Event>| {
        match res {
            Ok(event) => {
                for path in event.paths {
                    // A closed channel only means the registry is gone.
                    let _ = tx.send(path);
                }
            }
            Err(e) => tracing::warn!(error = %e, "plugins folder watch error"),
        }
    })
    .map_err(|e| Error::Config(format!("cannot watch the plugins folder: {e}")))?;
    watcher
        .watch(plugins.dir(), RecursiveMode::NonRecursive)
        .map_err(|e| {
            Error::Config(format!(
                "cannot watch the plugins folder {}: {e}",
                plugins.dir().display()
            ))
        })?;

    let weak = plugins.downgrade();
    tokio::spawn(async move {
        while let Some(first) = rx.recv().await {
            let mut paths = BTreeSet::from([first]);
            loop {
                match tokio::time::timeout(DEBOUNCE, rx.recv()).await {
                    Ok(Some(path)) => {
                        paths.insert(path);
                    }
                    Ok(None) => return,
                    Err(_) => break,
                }
            }
            let Some(plugins) = Plugins::upgrade(&weak) else {
                return;
            };
            for path in paths.into_iter().filter(|p| is_component_file(p)) {
                if path.exists() {
                    // Failures are recorded in the registry and listed by the API.
                    let _ = plugins.load_file(&path).await;
                } else {
                    plugins.unload_file(&path);
                }
            }
        }
    });
    Ok(watcher)
}
