//! Start-up: schema version check and migrations, then recovery after a crash or kill —
//! interrupted jobs, history entries whose files are gone, orphan folders and temp files.

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};

use redb::{ReadableTable, ReadableTableMetadata, WriteTransaction};
use serde::Serialize;

use super::files::{self, FILES_DIR, TMP_SUFFIX};
use super::records::{FileKind, HistoryEntry, HistorySummary};
use super::tables::{
    HISTORY, HISTORY_SUMMARY, JOBS, JOBS_BY_STATE, META, PLUGIN_STATE, SETTINGS, SNAPSHOTS,
    from_json, meta_add, meta_get, meta_key,
};
use super::{Store, budget, jobs};
use crate::{Error, Result};

/// The database schema version this build reads and writes.
pub const SCHEMA_VERSION: u64 = 1;

/// What start-up recovery found and fixed (log it).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RecoveryReport {
    /// Jobs left `queued`/`running` by the previous run, now `failed` ("interrupted").
    pub interrupted_jobs: u64,
    /// Entry folders under `files/` that no committed history entry referenced, removed.
    pub orphan_dirs_removed: u64,
    /// Leftover `*.tmp` files removed.
    pub tmp_files_removed: u64,
    /// History entries whose folder or files were missing, removed from the index (their ids
    /// are logged as warnings).
    pub broken_entries_removed: u64,
    /// Budget reservations of calls that were in flight when the previous run stopped,
    /// released (no job survives a restart).
    pub budget_reservations_released: u64,
}

/// Runs the schema check and recovery on a freshly opened store.
pub(super) fn run(store: &Store) -> Result<RecoveryReport> {
    let data_dir = store.data_dir();
    let txn = store.begin_write()?;
    check_schema(&txn)?;
    let interrupted_jobs = jobs::mark_interrupted(&txn)?;
    let budget_reservations_released = budget::release_all(&txn)?;
    let (referenced, broken) = check_entries(&txn, data_dir)?;
    txn.commit()?;

    let mut report = RecoveryReport {
        interrupted_jobs,
        broken_entries_removed: broken,
        budget_reservations_released,
        ..RecoveryReport::default()
    };
    sweep(data_dir, &referenced, &mut report)?;
    Ok(report)
}

/// Creates the tables and checks (or sets) the schema version, migrating older databases.
fn check_schema(txn: &WriteTransaction) -> Result<()> {
    txn.open_table(JOBS)?;
    txn.open_table(JOBS_BY_STATE)?;
    txn.open_table(HISTORY)?;
    txn.open_table(HISTORY_SUMMARY)?;
    txn.open_table(SETTINGS)?;
    txn.open_table(SNAPSHOTS)?;
    txn.open_table(PLUGIN_STATE)?;
    budget::create_tables(txn)?;
    let mut meta = txn.open_table(META)?;
    let stored = meta.get(meta_key::SCHEMA_VERSION)?.map(|v| v.value());
    match stored {
        None => {}
        Some(version) => migrate(txn, version, SCHEMA_VERSION)?,
    }
    meta.insert(meta_key::SCHEMA_VERSION, SCHEMA_VERSION)?;
    Ok(())
}

/// Migrates the database from schema `from` to `to` inside the start-up transaction.
/// Refuses databases written by a newer mend. Version 1 is the first; add one arm per step.
fn migrate(_txn: &WriteTransaction, from: u64, to: u64) -> Result<()> {
    if from > to {
        return Err(Error::Storage(format!(
            "the database has schema version {from}, newer than this mend supports ({to}); \
             upgrade mend or point it at another data dir"
        )));
    }
    if from < to {
        // Nothing to migrate yet (1 is the first version). When version 2 comes, walk the
        // steps here: `for v in from..to { match v { 1 => migrate_1_to_2(txn)?, … } }`.
        return Err(Error::Storage(format!(
            "no migration from schema version {from} to {to}"
        )));
    }
    Ok(())
}

/// Removes entries whose folder or files are missing (or have the wrong size); returns the
/// folders of the remaining entries and the number removed.
fn check_entries(txn: &WriteTransaction, data_dir: &Path) -> Result<(HashSet<PathBuf>, u64)> {
    let mut history = txn.open_table(HISTORY)?;
    let mut summaries = txn.open_table(HISTORY_SUMMARY)?;
    let mut meta = txn.open_table(META)?;
    let mut referenced = HashSet::new();
    let mut broken = Vec::new();
    for item in history.iter()? {
        let (key, value) = item?;
        let id = key.value();
        let entry = match from_json::<HistoryEntry>(value.value()) {
            Ok(entry) => entry,
            Err(e) => {
                tracing::warn!(id, error = %e, "history entry is unreadable; removing it");
                broken.push((id.to_owned(), None));
                continue;
            }
        };
        if entry_is_intact(data_dir, &entry) {
            referenced.insert(PathBuf::from(&entry.dir));
        } else {
            tracing::warn!(id, dir = %entry.dir, "history entry's files are missing; removing it");
            broken.push((id.to_owned(), Some(entry)));
        }
    }
    let count = broken.len() as u64;
    for (id, entry) in broken {
        let summary = summaries.remove(id.as_str())?;
        let bytes = match (&entry, summary) {
            (Some(entry), _) => entry.total_bytes(),
            (None, Some(guard)) => {
                from_json::<HistorySummary>(guard.value()).map_or(0, |s| s.bytes)
            }
            (None, None) => 0,
        };
        history.remove(id.as_str())?;
        meta_add(&mut meta, meta_key::HISTORY_COUNT, -1)?;
        meta_add(&mut meta, meta_key::HISTORY_BYTES, -i128::from(bytes))?;
    }
    // Keep the counters honest even if an older build or a bug let them drift.
    let real_count = history.len()?;
    if meta_get(&meta, meta_key::HISTORY_COUNT)? != real_count {
        tracing::warn!("history counter was off; recounting");
        let mut bytes = 0u64;
        for item in summaries.iter()? {
            let (_, value) = item?;
            bytes += from_json::<HistorySummary>(value.value()).map_or(0, |s| s.bytes);
        }
        meta.insert(meta_key::HISTORY_COUNT, real_count)?;
        meta.insert(meta_key::HISTORY_BYTES, bytes)?;
    }
    Ok((referenced, count))
}

fn entry_is_intact(data_dir: &Path, entry: &HistoryEntry) -> bool {
    let Some(dir) = files::safe_join(data_dir, &entry.dir) else {
        return false;
    };
    FileKind::ALL.iter().all(|kind| {
        let file = entry.file(*kind);
        files::is_plain_name(&file.name)
            && fs::symlink_metadata(dir.join(&file.name))
                .is_ok_and(|m| m.is_file() && m.len() == file.bytes)
    })
}

/// Walks `files/YYYY/MM/DD/<entry>`: removes entry folders not in `referenced`, `*.tmp`
/// files, and date folders left empty. Problems below the root are logged, not fatal.
fn sweep(
    data_dir: &Path,
    referenced: &HashSet<PathBuf>,
    report: &mut RecoveryReport,
) -> Result<()> {
    let root = data_dir.join(FILES_DIR);
    fs::read_dir(&root).map_err(|e| Error::io(format!("listing {}", root.display()), e))?;
    sweep_level(data_dir, &root, 1, referenced, report);
    Ok(())
}

/// Depth of entry folders below `files/` (year, month, day, entry).
const ENTRY_DEPTH: usize = 4;

fn sweep_level(
    data_dir: &Path,
    dir: &Path,
    depth: usize,
    referenced: &HashSet<PathBuf>,
    report: &mut RecoveryReport,
) {
    let listing = match fs::read_dir(dir) {
        Ok(listing) => listing,
        Err(e) => {
            tracing::warn!(dir = %dir.display(), error = %e, "cannot list folder during sweep");
            return;
        }
    };
    for item in listing {
        let Ok(item) = item else { continue };
        let path = item.path();
        let Ok(file_type) = item.file_type() else {
            continue;
        };
        if file_type.is_dir() {
            if depth < ENTRY_DEPTH {
                sweep_level(data_dir, &path, depth + 1, referenced, report);
                // Best effort: succeeds only when the date folder ended up empty.
                let _ = fs::remove_dir(&path);
            } else if depth == ENTRY_DEPTH {
                let rel = path.strip_prefix(data_dir).map(Path::to_path_buf);
                if rel.is_ok_and(|rel| referenced.contains(&rel)) {
                    sweep_level(data_dir, &path, depth + 1, referenced, report);
                } else {
                    tracing::info!(dir = %path.display(), "removing orphan entry folder");
                    files::remove_dir_quietly(&path);
                    report.orphan_dirs_removed += 1;
                }
            }
        } else if file_type.is_file() && item.file_name().to_string_lossy().ends_with(TMP_SUFFIX) {
            match fs::remove_file(&path) {
                Ok(()) => report.tmp_files_removed += 1,
                Err(e) => {
                    tracing::warn!(file = %path.display(), error = %e, "cannot remove temp file")
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {

    use super::super::records::{FileKind, Job, JobState, new_id, now_ms};
    use super::super::test_util::*;
    use super::*;

    fn job(state: JobState) -> Job {
        let now = now_ms();
        Job {
            id: new_id(),
            state,
            kind: "inpaint".into(),
            model: "lama".into(),
            created_at: now,
            updated_at: now,
            progress: 0.5,
            error: None,
            history_id: None,
            width: 8,
            height: 8,
            provider: None,
            cost_usd: None,
        }
    }

    #[test]
    fn running_and_queued_jobs_become_interrupted() {
        let dir = temp_dir();
        let store = open(&dir);
        let running = job(JobState::Running);
        let queued = job(JobState::Queued);
        let done = job(JobState::Succeeded);
        for j in [&running, &queued, &done] {
            store.create_job(j).unwrap();
        }
        drop(store);
        let (store, report) = Store::open(dir.path()).unwrap();
        assert_eq!(report.interrupted_jobs, 2);
        for id in [&running.id, &queued.id] {
            let j = store.get_job(id).unwrap().unwrap();
            assert_eq!(j.state, JobState::Failed);
            assert_eq!(j.error.as_deref(), Some("interrupted"));
        }
        assert_eq!(
            store.get_job(&done.id).unwrap().unwrap().state,
            JobState::Succeeded
        );
        let failed = store.list_jobs(Some(JobState::Failed), 10, None).unwrap();
        assert_eq!(failed.total, 2);
        assert_eq!(
            store
                .list_jobs(Some(JobState::Running), 10, None)
                .unwrap()
                .total,
            0
        );
    }

    #[test]
    fn orphans_and_tmp_files_are_swept() {
        let dir = temp_dir();
        let store = open(&dir);
        let kept = store.record_history(new_entry()).unwrap();
        let kept_dir = dir.path().join(&kept.dir);
        fs::write(kept_dir.join("output.png.tmp"), b"partial").unwrap();
        let orphan = dir.path().join("files/2020/01/02").join(new_id());
        fs::create_dir_all(&orphan).unwrap();
        fs::write(orphan.join("input.png"), b"x").unwrap();
        fs::write(orphan.join("mask.png.tmp"), b"x").unwrap();
        drop(store);

        let (store, report) = Store::open(dir.path()).unwrap();
        assert_eq!(report.orphan_dirs_removed, 1);
        assert_eq!(report.tmp_files_removed, 1);
        assert_eq!(report.broken_entries_removed, 0);
        assert!(!orphan.exists());
        assert!(
            !dir.path().join("files/2020").exists(),
            "empty date folders go"
        );
        assert!(!kept_dir.join("output.png.tmp").exists());
        assert!(kept_dir.join("output.png").is_file());
        assert_eq!(store.list_history(10, None).unwrap().total, 1);
    }

    #[test]
    fn entry_with_missing_output_is_removed_and_reported() {
        let dir = temp_dir();
        let store = open(&dir);
        let good = store.record_history(new_entry()).unwrap();
        let bad = store.record_history(new_entry()).unwrap();
        let (output, _) = store
            .history_file_path(&bad.id, FileKind::Output)
            .unwrap()
            .unwrap();
        fs::remove_file(output).unwrap();
        drop(store);

        let (store, report) = Store::open(dir.path()).unwrap();
        assert_eq!(report.broken_entries_removed, 1);
        // Its remaining files are now an orphan folder.
        assert_eq!(report.orphan_dirs_removed, 1);
        assert!(!dir.path().join(&bad.dir).exists());
        assert!(store.get_history(&bad.id).unwrap().is_none());
        let page = store.list_history(10, None).unwrap();
        assert_eq!(page.total, 1);
        assert_eq!(page.items.len(), 1);
        assert_eq!(page.items[0].id, good.id);
        assert_eq!(store.history_stats().unwrap(), (1, good.total_bytes()));
    }

    #[test]
    fn newer_schema_is_refused() {
        let dir = temp_dir();
        let store = open(&dir);
        {
            let txn = store.begin_write().unwrap();
            txn.open_table(META)
                .unwrap()
                .insert(meta_key::SCHEMA_VERSION, SCHEMA_VERSION + 1)
                .unwrap();
            txn.commit().unwrap();
        }
        drop(store);
        let err = Store::open(dir.path()).unwrap_err();
        assert!(matches!(err, Error::Storage(_)), "{err:?}");
        assert!(err.to_string().contains("newer"), "{err}");
    }

    #[test]
    fn schema_version_is_written() {
        let dir = temp_dir();
        let store = open(&dir);
        let txn = store.begin_read().unwrap();
        let meta = txn.open_table(META).unwrap();
        assert_eq!(
            meta_get(&meta, meta_key::SCHEMA_VERSION).unwrap(),
            SCHEMA_VERSION
        );
    }
}
