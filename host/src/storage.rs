//! Persistent state: one redb database for records plus a folder tree for image files.
//!
//! [`Store`] is the only entry point. All its methods are synchronous and may block on disk
//! I/O (`fsync`); async callers run them inside `tokio::task::spawn_blocking`. No redb type
//! appears in the public API; errors are [`crate::Error::Storage`] (database trouble),
//! [`crate::Error::DiskFull`] (ENOSPC / quota), [`crate::Error::Io`] (file store) and
//! [`crate::Error::BadRequest`] (invalid ids, oversized values).
//!
//! ## Layout
//! ```text
//! <data_dir>/
//!   mend.redb                    the database (tables below)
//!   files/YYYY/MM/DD/<id>/       one folder per history entry; UTC date of the id's UUID v7 time
//!     input.<ext>                the image as sent
//!     mask.png                   the binarised mask
//!     output.<ext>               the result
//!     thumbnail.jpg              a small preview
//!     meta.json                  the entry as JSON (for humans and disaster recovery)
//!   cloud-cache/<key>/           results of paid cloud calls, reused by identical requests
//! ```
//! Tables (string keys; values are JSON bytes unless noted):
//! - `meta`: `schema_version` (u64, currently [`SCHEMA_VERSION`]), `history_count`,
//!   `history_bytes`, `jobs/<state>` (u64 counters, so totals never need a scan);
//! - `jobs`: id → [`Job`]; `jobs_by_state`: `"<state>/<id>"` → `()` (index);
//! - `history`: id → [`HistoryEntry`]; `history_summary`: id → [`HistorySummary`] (what
//!   listings read);
//! - `settings`: key → JSON (`retention` holds the [`Retention`]);
//! - `snapshots`: editor session → JSON; `plugin_state`: key → raw bytes;
//! - `budget_*`: the cloud budget ledger, reservations, totals and dedupe index (see
//!   [`budget`]).
//!
//! Ids are UUID v7 strings, so key order is creation order and "newest first" is a reverse
//! range scan.
//!
//! ## Crash safety
//! Recording a history entry writes its files first (temporary names, `fsync`, rename,
//! `fsync` of the folder chain) and only then commits one redb transaction (durability
//! `Immediate`) that inserts the entry, its summary, the counters and any retention
//! evictions. Deleting commits first and removes files afterwards. So a crash leaves at worst
//! files no committed entry references; [`Store::open`] sweeps those (and `*.tmp` files),
//! drops entries whose files are missing, and marks jobs left `queued`/`running` as failed
//! ("interrupted"); see [`RecoveryReport`].
//!
//! ## Concurrency
//! `Store` is cheap to clone and shared between threads. redb serialises write transactions
//! and readers never block. Entry folders are created with `create_dir`, so two writers can
//! never share one; date folders are created race-free and never removed while running (the
//! start-up sweep removes empty ones).
//!
//! [`Job`]: records::Job
//! [`HistoryEntry`]: records::HistoryEntry
//! [`HistorySummary`]: records::HistorySummary
//! [`Retention`]: records::Retention

pub mod budget;
pub mod records;

mod files;
mod history;
mod jobs;
mod recovery;
mod settings;
mod tables;
#[cfg(test)]
mod test_util;

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use redb::ReadableDatabase;

pub use recovery::{RecoveryReport, SCHEMA_VERSION};
pub use settings::{MAX_PLUGIN_STATE_BYTES, MAX_SETTING_BYTES, MAX_SNAPSHOT_BYTES};

use crate::{Error, Result};

/// File name of the database inside the data dir.
pub const DB_FILE: &str = "mend.redb";

/// Handle to the database and file store. Clones share one database.
/// How long a reopen after an I/O error waits for transactions still using the old handle.
const REOPEN_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

struct Inner {
    /// The open database; `None` only while it is being reopened after an I/O error (or if
    /// reopening failed). Callers clone the `Arc` for the length of one transaction.
    db: RwLock<Option<Arc<redb::Database>>>,
    /// Canonical data dir.
    data_dir: PathBuf,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("data_dir", &self.inner.data_dir)
            .finish_non_exhaustive()
    }
}

impl Store {
    /// Opens (creating if needed) `data_dir/mend.redb` and `data_dir/files/`, checks the
    /// schema version (refusing a database written by a newer mend), and runs start-up
    /// recovery before returning. Fails if another `Store` (or process) has the database
    /// open.
    pub fn open(data_dir: &Path) -> Result<(Self, RecoveryReport)> {
        fs_create_dir_all(data_dir)?;
        let data_dir = data_dir
            .canonicalize()
            .map_err(|e| Error::io(format!("resolving {}", data_dir.display()), e))?;
        fs_create_dir_all(&data_dir.join(files::FILES_DIR))?;
        let db = redb::Database::create(data_dir.join(DB_FILE))?;
        let store = Self {
            inner: Arc::new(Inner {
                db: RwLock::new(Some(Arc::new(db))),
                data_dir,
            }),
        };
        let report = recovery::run(&store)?;
        Ok((store, report))
    }

    /// The (canonical) data dir.
    pub fn data_dir(&self) -> &Path {
        &self.inner.data_dir
    }

    fn db(&self) -> Result<Arc<redb::Database>> {
        self.inner
            .db
            .read()
            .ok()
            .and_then(|db| db.clone())
            .ok_or_else(|| Error::Storage("the database is not open (reopening failed)".into()))
    }

    /// Starts a write transaction. After an I/O error (a full disk, say) redb refuses every
    /// later transaction until the database is reopened; this notices it (through
    /// `try_begin_write`, which checks for a latched I/O failure), reopens once and retries,
    /// so freeing space is enough to make mend write again.
    fn begin_write(&self) -> Result<redb::WriteTransaction> {
        let db = self.db()?;
        match db.try_begin_write() {
            Ok(txn) => Ok(txn),
            // Another writer is active: wait for it like `begin_write` does.
            Err(redb::TransactionError::WouldBlock) => Ok(db.begin_write()?),
            Err(redb::TransactionError::Storage(redb::StorageError::PreviousIo)) => {
                drop(db);
                self.reopen()?;
                Ok(self.db()?.begin_write()?)
            }
            Err(e) => Err(e.into()),
        }
    }

    /// Starts a read transaction, reopening the database first if an earlier I/O error left
    /// it refusing work.
    fn begin_read(&self) -> Result<redb::ReadTransaction> {
        if tables::IO_ERROR_SEEN.load(std::sync::atomic::Ordering::Relaxed) && self.is_poisoned()? {
            self.reopen()?;
        }
        Ok(self.db()?.begin_read()?)
    }

    /// Whether the open database has latched an I/O failure.
    fn is_poisoned(&self) -> Result<bool> {
        Ok(matches!(
            self.db()?.try_begin_write(),
            Err(redb::TransactionError::Storage(
                redb::StorageError::PreviousIo
            ))
        ))
    }

    /// Closes and reopens the database file (redb repairs it on open if needed). Waits briefly
    /// for transactions still holding the old handle.
    fn reopen(&self) -> Result<()> {
        let mut slot = self
            .inner
            .db
            .write()
            .map_err(|_| Error::Storage("database lock poisoned".into()))?;
        let Some(old) = slot.take() else {
            return self.open_into(&mut slot);
        };
        // Another caller may have reopened it already while we waited for the lock.
        if !matches!(
            old.try_begin_write(),
            Err(redb::TransactionError::Storage(
                redb::StorageError::PreviousIo
            ))
        ) {
            *slot = Some(old);
            return Ok(());
        }
        let deadline = std::time::Instant::now() + REOPEN_WAIT;
        let mut old = old;
        loop {
            match Arc::try_unwrap(old) {
                Ok(db) => {
                    drop(db);
                    break;
                }
                Err(still_shared) if std::time::Instant::now() < deadline => {
                    old = still_shared;
                    std::thread::sleep(std::time::Duration::from_millis(5));
                }
                Err(still_shared) => {
                    *slot = Some(still_shared);
                    return Err(Error::Storage(
                        "the database had an I/O error and is still in use; retry".into(),
                    ));
                }
            }
        }
        tracing::warn!("reopening the database after an I/O error");
        self.open_into(&mut slot)
    }

    fn open_into(&self, slot: &mut Option<Arc<redb::Database>>) -> Result<()> {
        let db = redb::Database::create(self.inner.data_dir.join(DB_FILE))?;
        *slot = Some(Arc::new(db));
        Ok(())
    }
}

fn fs_create_dir_all(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| {
        tables::io_error(
            "creating the data dir",
            || format!("creating {}", dir.display()),
            e,
        )
    })
}

#[cfg(test)]
mod tests {
    use super::test_util::*;
    use super::*;

    #[test]
    fn store_is_send_sync_clone() {
        fn check<T: Send + Sync + Clone + 'static>() {}
        check::<Store>();
    }

    #[test]
    fn open_creates_layout_and_refuses_second_open() {
        let dir = temp_dir();
        let (store, report) = Store::open(dir.path()).unwrap();
        assert_eq!(report, RecoveryReport::default());
        assert!(dir.path().join(DB_FILE).is_file());
        assert!(dir.path().join("files").is_dir());
        assert!(Store::open(dir.path()).is_err());
        drop(store);
        assert!(Store::open(dir.path()).is_ok());
    }

    #[test]
    fn open_fails_when_files_is_a_file() {
        let dir = temp_dir();
        std::fs::write(dir.path().join("files"), b"not a folder").unwrap();
        assert!(Store::open(dir.path()).is_err());
    }
}
