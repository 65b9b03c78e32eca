//! Small key → value tables: settings (retention among them), editor session snapshots and
//! plugin state.

use std::collections::HashSet;

use redb::{ReadableTable, TableDefinition};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::Store;
use super::history::evict;
use super::records::Retention;
use super::tables::{PLUGIN_STATE, SETTINGS, SNAPSHOTS, from_json, to_json};
use crate::{Error, Result};

/// Largest accepted editor snapshot (serialised JSON), 1 MiB.
pub const MAX_SNAPSHOT_BYTES: usize = 1 << 20;
/// Largest accepted setting value (serialised JSON), 64 KiB.
pub const MAX_SETTING_BYTES: usize = 64 << 10;
/// Largest accepted plugin state value, 1 MiB.
pub const MAX_PLUGIN_STATE_BYTES: usize = 1 << 20;
/// Longest accepted key (setting name, session id, plugin state key), in bytes.
const MAX_KEY_BYTES: usize = 256;

/// Settings key holding the [`Retention`].
const RETENTION_KEY: &str = "retention";

/// Reads the retention setting inside a transaction (default: unlimited).
pub(super) fn read_retention(
    settings: &impl ReadableTable<&'static str, &'static [u8]>,
) -> Result<Retention> {
    match settings.get(RETENTION_KEY)? {
        Some(value) => from_json(value.value()),
        None => Ok(Retention::default()),
    }
}

fn check_key(what: &str, key: &str) -> Result<()> {
    if key.is_empty() || key.len() > MAX_KEY_BYTES {
        return Err(Error::BadRequest(format!(
            "{what} must be 1 to {MAX_KEY_BYTES} bytes long"
        )));
    }
    Ok(())
}

fn check_size(what: &str, len: usize, max: usize) -> Result<()> {
    if len > max {
        return Err(Error::BadRequest(format!(
            "{what} is {len} bytes, more than the limit of {max} bytes"
        )));
    }
    Ok(())
}

impl Store {
    fn get_raw(
        &self,
        table: TableDefinition<&'static str, &'static [u8]>,
        key: &str,
    ) -> Result<Option<Vec<u8>>> {
        let txn = self.begin_read()?;
        let table = txn.open_table(table)?;
        Ok(table.get(key)?.map(|v| v.value().to_vec()))
    }

    fn put_raw(
        &self,
        table: TableDefinition<&'static str, &'static [u8]>,
        key: &str,
        value: &[u8],
    ) -> Result<()> {
        let txn = self.begin_write()?;
        txn.open_table(table)?.insert(key, value)?;
        txn.commit()?;
        Ok(())
    }

    fn delete_raw(
        &self,
        table: TableDefinition<&'static str, &'static [u8]>,
        key: &str,
    ) -> Result<bool> {
        let txn = self.begin_write()?;
        let existed = txn.open_table(table)?.remove(key)?.is_some();
        if existed {
            txn.commit()?;
        }
        Ok(existed)
    }

    /// The history retention limits (default: unlimited).
    pub fn retention(&self) -> Result<Retention> {
        let txn = self.begin_read()?;
        read_retention(&txn.open_table(SETTINGS)?)
    }

    /// Sets the retention limits and applies them at once: the oldest entries beyond them are
    /// evicted in the same transaction, their folders deleted after the commit.
    pub fn set_retention(&self, retention: Retention) -> Result<()> {
        let txn = self.begin_write()?;
        txn.open_table(SETTINGS)?
            .insert(RETENTION_KEY, to_json(&retention)?.as_slice())?;
        let evicted = evict(&txn, retention, &HashSet::new())?;
        txn.commit()?;
        self.remove_dirs(evicted.iter().map(String::as_str));
        Ok(())
    }

    /// A setting, decoded from JSON. `None` if unset. Fails with [`Error::Storage`] if the
    /// stored JSON does not decode as `T`.
    pub fn get_setting<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>> {
        match self.get_raw(SETTINGS, key)? {
            Some(bytes) => from_json(&bytes).map(Some),
            None => Ok(None),
        }
    }

    /// Stores a setting as JSON (at most [`MAX_SETTING_BYTES`]). The key `retention` must hold
    /// a [`Retention`] and goes through [`Store::set_retention`] (applied at once).
    pub fn put_setting<T: Serialize + ?Sized>(&self, key: &str, value: &T) -> Result<()> {
        check_key("a setting name", key)?;
        let bytes = to_json(value)?;
        check_size("the setting", bytes.len(), MAX_SETTING_BYTES)?;
        if key == RETENTION_KEY {
            let retention: Retention = serde_json::from_slice(&bytes)
                .map_err(|e| Error::BadRequest(format!("invalid retention: {e}")))?;
            return self.set_retention(retention);
        }
        self.put_raw(SETTINGS, key, &bytes)
    }

    /// Stores the editor state of a session (at most [`MAX_SNAPSHOT_BYTES`] of JSON, else
    /// [`Error::BadRequest`]), replacing any earlier one.
    pub fn put_snapshot(&self, session: &str, value: &serde_json::Value) -> Result<()> {
        check_key("a session id", session)?;
        let bytes = to_json(value)?;
        check_size("the snapshot", bytes.len(), MAX_SNAPSHOT_BYTES)?;
        self.put_raw(SNAPSHOTS, session, &bytes)
    }

    /// The editor state of a session, if stored.
    pub fn get_snapshot(&self, session: &str) -> Result<Option<serde_json::Value>> {
        match self.get_raw(SNAPSHOTS, session)? {
            Some(bytes) => from_json(&bytes).map(Some),
            None => Ok(None),
        }
    }

    /// Deletes a session's snapshot. Returns whether there was one.
    pub fn delete_snapshot(&self, session: &str) -> Result<bool> {
        self.delete_raw(SNAPSHOTS, session)
    }

    /// Plugin state bytes under `key` (plugins choose their keys, e.g. `"<plugin>/<name>"`).
    pub fn get_plugin_state(&self, key: &str) -> Result<Option<Vec<u8>>> {
        self.get_raw(PLUGIN_STATE, key)
    }

    /// Stores plugin state bytes (at most [`MAX_PLUGIN_STATE_BYTES`]).
    pub fn put_plugin_state(&self, key: &str, value: &[u8]) -> Result<()> {
        check_key("a plugin state key", key)?;
        check_size("the plugin state", value.len(), MAX_PLUGIN_STATE_BYTES)?;
        self.put_raw(PLUGIN_STATE, key, value)
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_util::*;
    use super::*;

    #[test]
    fn retention_round_trip_and_via_put_setting() {
        let dir = temp_dir();
        let store = open(&dir);
        assert_eq!(store.retention().unwrap(), Retention::default());
        let r = Retention {
            max_entries: 5,
            max_bytes: 1000,
        };
        store.set_retention(r).unwrap();
        assert_eq!(store.retention().unwrap(), r);
        store
            .put_setting(
                "retention",
                &serde_json::json!({"max_entries": 2, "max_bytes": 0}),
            )
            .unwrap();
        assert_eq!(store.retention().unwrap().max_entries, 2);
        assert!(matches!(
            store.put_setting("retention", &"nonsense"),
            Err(Error::BadRequest(_))
        ));
    }

    #[test]
    fn generic_settings() {
        let dir = temp_dir();
        let store = open(&dir);
        assert_eq!(store.get_setting::<String>("theme").unwrap(), None);
        store.put_setting("theme", "dark").unwrap();
        assert_eq!(
            store.get_setting::<String>("theme").unwrap().as_deref(),
            Some("dark")
        );
        assert!(store.get_setting::<u32>("theme").is_err());
        let big = "x".repeat(MAX_SETTING_BYTES);
        assert!(matches!(
            store.put_setting("big", &big),
            Err(Error::BadRequest(_))
        ));
        assert!(matches!(
            store.put_setting("", &1),
            Err(Error::BadRequest(_))
        ));
        drop(store);
        let store = open(&dir);
        assert_eq!(
            store.get_setting::<String>("theme").unwrap().as_deref(),
            Some("dark")
        );
    }

    #[test]
    fn snapshots_and_size_cap() {
        let dir = temp_dir();
        let store = open(&dir);
        let value = serde_json::json!({"strokes": [[1, 2], [3, 4]], "zoom": 1.5});
        store.put_snapshot("s1", &value).unwrap();
        assert_eq!(store.get_snapshot("s1").unwrap(), Some(value));
        assert_eq!(store.get_snapshot("s2").unwrap(), None);
        let big = serde_json::Value::String("x".repeat(MAX_SNAPSHOT_BYTES));
        assert!(matches!(
            store.put_snapshot("s1", &big),
            Err(Error::BadRequest(_))
        ));
        let fits = serde_json::Value::String("x".repeat(MAX_SNAPSHOT_BYTES - 2));
        store.put_snapshot("s1", &fits).unwrap();
        assert!(store.delete_snapshot("s1").unwrap());
        assert!(!store.delete_snapshot("s1").unwrap());
        assert_eq!(store.get_snapshot("s1").unwrap(), None);
    }

    #[test]
    fn plugin_state() {
        let dir = temp_dir();
        let store = open(&dir);
        assert_eq!(store.get_plugin_state("p/k").unwrap(), None);
        store.put_plugin_state("p/k", b"\x00\x01").unwrap();
        assert_eq!(store.get_plugin_state("p/k").unwrap(), Some(vec![0, 1]));
        let big = vec![0; MAX_PLUGIN_STATE_BYTES + 1];
        assert!(store.put_plugin_state("p/k", &big).is_err());
    }
}
