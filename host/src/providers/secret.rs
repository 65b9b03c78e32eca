//! The provider's API key: a value that never prints, and its sources (config, environment,
//! a key file that SIGHUP re-reads).

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::{Error, Result};

/// An API key. `Debug`, `Display`-free and `Serialize` all show `***`; only
/// [`ApiKey::expose`] gives the value, for the `Authorization` header.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

impl ApiKey {
    /// Wraps a key (surrounding whitespace removed); `None` when it is empty.
    pub fn new(key: &str) -> Option<Self> {
        let key = key.trim();
        (!key.is_empty()).then(|| Self(key.to_owned()))
    }

    /// Reads a key from an environment variable.
    pub fn from_env(var: &str) -> Option<Self> {
        std::env::var(var).ok().and_then(|k| Self::new(&k))
    }

    /// Reads a key file (first non-empty line).
    pub fn from_file(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Error::io(format!("reading API key file {}", path.display()), e))?;
        text.lines()
            .find_map(Self::new)
            .ok_or_else(|| Error::Config(format!("API key file {} is empty", path.display())))
    }

    /// The key itself. Only the provider client calls this.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Replaces every occurrence of the key in `text` with `***`.
    pub fn redact(&self, text: &str) -> String {
        text.replace(&self.0, "***")
    }
}

impl std::fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ApiKey(***)")
    }
}

impl Serialize for ApiKey {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str("***")
    }
}

impl<'de> Deserialize<'de> for ApiKey {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::new(&s).ok_or_else(|| serde::de::Error::custom("the API key is empty"))
    }
}

/// Where the current key comes from: a fixed key (config or environment) or a key file that
/// [`KeySource::reload`] re-reads. Cheap to clone; clones share the current key.
#[derive(Debug, Clone)]
pub struct KeySource {
    fixed: Option<ApiKey>,
    file: Option<PathBuf>,
    current: Arc<RwLock<Option<ApiKey>>>,
}

impl KeySource {
    /// A source from the configured key and key file; the file wins when both are set. A
    /// missing or empty file is logged (without its content) and leaves no key.
    pub fn new(fixed: Option<ApiKey>, file: Option<PathBuf>) -> Self {
        let source = Self {
            fixed,
            file,
            current: Arc::new(RwLock::new(None)),
        };
        source.reload();
        source
    }

    /// Re-reads the key file (SIGHUP). Keeps the old key if the file cannot be read.
    pub fn reload(&self) {
        let next = match &self.file {
            Some(path) => match ApiKey::from_file(path) {
                Ok(key) => Some(key),
                Err(e) => {
                    tracing::warn!(error = %e, "could not read the provider API key file");
                    self.get().or_else(|| self.fixed.clone())
                }
            },
            None => self.fixed.clone(),
        };
        if let Ok(mut slot) = self.current.write() {
            *slot = next;
        }
    }

    /// The current key.
    pub fn get(&self) -> Option<ApiKey> {
        self.current.read().ok().and_then(|k| k.clone())
    }

    /// Whether a key file is configured (so SIGHUP has something to re-read).
    pub fn has_file(&self) -> bool {
        self.file.is_some()
    }
}

/// Re-reads the key file whenever the process gets SIGHUP (Unix only).
pub fn reload_on_sighup(source: KeySource) {
    #[cfg(unix)]
    tokio::spawn(async move {
        let mut hup = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()) {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for SIGHUP; key file not reloadable");
                return;
            }
        };
        while hup.recv().await.is_some() {
            source.reload();
            tracing::info!(
                key_present = source.get().is_some(),
                "provider API key file re-read"
            );
        }
    });
    #[cfg(not(unix))]
    drop(source);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_never_prints() {
        let key = ApiKey::new(" sk-secret-123 ").unwrap();
        assert_eq!(format!("{key:?}"), "ApiKey(***)");
        assert_eq!(serde_json::to_string(&key).unwrap(), "\"***\"");
        assert_eq!(key.expose(), "sk-secret-123");
        assert_eq!(key.redact("bad key sk-secret-123!"), "bad key ***!");
        assert!(ApiKey::new("  ").is_none());
    }

    #[test]
    fn file_source_reloads_and_keeps_old_key_on_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("key");
        std::fs::write(&path, "sk-one\n").unwrap();
        let source = KeySource::new(ApiKey::new("sk-fixed"), Some(path.clone()));
        assert_eq!(source.get().unwrap().expose(), "sk-one");
        std::fs::write(&path, "sk-two\n").unwrap();
        source.reload();
        assert_eq!(source.get().unwrap().expose(), "sk-two");
        std::fs::remove_file(&path).unwrap();
        source.reload();
        assert_eq!(source.get().unwrap().expose(), "sk-two");
        let fixed = KeySource::new(ApiKey::new("sk-fixed"), None);
        assert_eq!(fixed.get().unwrap().expose(), "sk-fixed");
    }
}
