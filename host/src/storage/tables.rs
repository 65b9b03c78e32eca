//! The redb tables, the `meta` counters, JSON value helpers and the mapping of redb errors to
//! [`crate::Error`]. Nothing here is visible outside `storage`.

use redb::{ReadableTable, Table, TableDefinition};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::{Error, Result};

/// `meta`: schema version and counters (`u64` values, see [`meta_key`]).
pub(super) const META: TableDefinition<&str, u64> = TableDefinition::new("meta");
/// `jobs`: job id → [`crate::storage::records::Job`] as JSON.
pub(super) const JOBS: TableDefinition<&str, &[u8]> = TableDefinition::new("jobs");
/// `jobs_by_state`: `"<state>/<job id>"` → `()`; an index for listing jobs of one state.
pub(super) const JOBS_BY_STATE: TableDefinition<&str, ()> = TableDefinition::new("jobs_by_state");
/// `history`: entry id → [`crate::storage::records::HistoryEntry`] as JSON.
pub(super) const HISTORY: TableDefinition<&str, &[u8]> = TableDefinition::new("history");
/// `history_summary`: entry id → [`crate::storage::records::HistorySummary`] as JSON (small
/// values, so listing never reads whole entries).
pub(super) const HISTORY_SUMMARY: TableDefinition<&str, &[u8]> =
    TableDefinition::new("history_summary");
/// `settings`: key → JSON.
pub(super) const SETTINGS: TableDefinition<&str, &[u8]> = TableDefinition::new("settings");
/// `snapshots`: editor session id → JSON.
pub(super) const SNAPSHOTS: TableDefinition<&str, &[u8]> = TableDefinition::new("snapshots");
/// `plugin_state`: key → opaque bytes owned by plugins.
pub(super) const PLUGIN_STATE: TableDefinition<&str, &[u8]> = TableDefinition::new("plugin_state");

/// Keys of the `meta` table.
pub(super) mod meta_key {
    /// Schema version of the database.
    pub const SCHEMA_VERSION: &str = "schema_version";
    /// Number of history entries.
    pub const HISTORY_COUNT: &str = "history_count";
    /// Sum of the file bytes of all history entries.
    pub const HISTORY_BYTES: &str = "history_bytes";
    /// Prefix of the per-state job counters (`jobs/<state>`).
    pub const JOBS_PREFIX: &str = "jobs/";
}

/// Reads a `meta` value (0 when absent).
pub(super) fn meta_get(table: &impl ReadableTable<&'static str, u64>, key: &str) -> Result<u64> {
    Ok(table.get(key)?.map_or(0, |v| v.value()))
}

/// Adds `delta` to a `meta` counter, saturating at 0 and `u64::MAX`.
pub(super) fn meta_add(table: &mut Table<&'static str, u64>, key: &str, delta: i128) -> Result<()> {
    let current = i128::from(meta_get(table, key)?);
    let next = (current + delta).clamp(0, i128::from(u64::MAX));
    let next = u64::try_from(next).unwrap_or(0);
    table.insert(key, next)?;
    Ok(())
}

/// Serialises a value to JSON bytes.
pub(super) fn to_json<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>> {
    serde_json::to_vec(value).map_err(|e| Error::Storage(format!("cannot encode record: {e}")))
}

/// Deserialises JSON bytes read from a table.
pub(super) fn from_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T> {
    serde_json::from_slice(bytes).map_err(|e| Error::Storage(format!("corrupt record: {e}")))
}

/// Whether an I/O error means the disk (or the user's quota) is full.
pub(super) fn is_disk_full(err: &std::io::Error) -> bool {
    matches!(
        err.kind(),
        std::io::ErrorKind::StorageFull | std::io::ErrorKind::QuotaExceeded
    )
}

/// Maps a file-system error: disk full → [`Error::DiskFull`], anything else → [`Error::Io`].
pub(super) fn io_error(what: &str, context: impl FnOnce() -> String, err: std::io::Error) -> Error {
    if is_disk_full(&err) {
        Error::DiskFull(what.to_owned())
    } else {
        Error::io(context(), err)
    }
}

/// Set once any redb operation in this process failed with an I/O error. redb then refuses
/// further work on that database until it is reopened; the store checks for that (cheaply)
/// before read transactions only while this hint is set. Write transactions always check.
pub(super) static IO_ERROR_SEEN: std::sync::atomic::AtomicBool =
    std::sync::atomic::AtomicBool::new(false);

fn from_redb(err: redb::Error) -> Error {
    if matches!(err, redb::Error::Io(_) | redb::Error::PreviousIo) {
        IO_ERROR_SEEN.store(true, std::sync::atomic::Ordering::Relaxed);
    }
    match err {
        redb::Error::Io(e) if is_disk_full(&e) => Error::DiskFull("writing the database".into()),
        other => Error::Storage(other.to_string()),
    }
}

macro_rules! from_redb_errors {
    ($($ty:ty),* $(,)?) => {$(
        impl From<$ty> for Error {
            fn from(err: $ty) -> Self {
                from_redb(err.into())
            }
        }
    )*};
}

from_redb_errors!(
    redb::Error,
    redb::DatabaseError,
    redb::TransactionError,
    redb::TableError,
    redb::StorageError,
    redb::CommitError,
);
