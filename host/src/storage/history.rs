//! History: recording entries (files first, then one commit), listing summaries, file paths,
//! deletion and retention eviction.

use std::collections::HashSet;
use std::path::PathBuf;

use redb::{ReadableTable, Table, WriteTransaction};

use super::Store;
use super::files::{self, EntryFile, META_FILE};
use super::records::{
    FileKind, HistoryEntry, HistorySummary, NewEntry, Page, Retention, StoredFile, now_ms,
};
use super::settings::read_retention;
use super::tables::{
    HISTORY, HISTORY_SUMMARY, META, SETTINGS, from_json, meta_add, meta_get, meta_key, to_json,
};
use crate::{Error, Result};

type BytesTable<'txn> = Table<'txn, &'static str, &'static [u8]>;

/// Evicts the oldest entries (by id) until the history fits `retention`, never evicting the
/// ids in `keep`. Runs inside the caller's transaction; returns the evicted entries' folders,
/// to delete after the commit.
pub(super) fn evict(
    txn: &WriteTransaction,
    retention: Retention,
    keep: &HashSet<&str>,
) -> Result<Vec<String>> {
    if retention.max_entries == 0 && retention.max_bytes == 0 {
        return Ok(Vec::new());
    }
    let mut meta = txn.open_table(META)?;
    let mut summaries = txn.open_table(HISTORY_SUMMARY)?;
    let mut history = txn.open_table(HISTORY)?;
    let mut count = meta_get(&meta, meta_key::HISTORY_COUNT)?;
    let mut bytes = meta_get(&meta, meta_key::HISTORY_BYTES)?;
    let fits = |count: u64, bytes: u64| {
        (retention.max_entries == 0 || count <= retention.max_entries)
            && (retention.max_bytes == 0 || bytes <= retention.max_bytes)
    };
    let mut victims = Vec::new();
    for item in summaries.iter()? {
        if fits(count, bytes) {
            break;
        }
        let (key, value) = item?;
        if keep.contains(key.value()) {
            continue;
        }
        let summary: HistorySummary = from_json(value.value())?;
        count = count.saturating_sub(1);
        bytes = bytes.saturating_sub(summary.bytes);
        victims.push(key.value().to_owned());
    }
    let mut dirs = Vec::with_capacity(victims.len());
    for id in &victims {
        summaries.remove(id.as_str())?;
        if let Some(entry) = history.remove(id.as_str())? {
            match from_json::<HistoryEntry>(entry.value()) {
                Ok(entry) => dirs.push(entry.dir),
                Err(e) => tracing::warn!(id, error = %e, "evicted entry is unreadable"),
            }
        }
    }
    meta.insert(meta_key::HISTORY_COUNT, count)?;
    meta.insert(meta_key::HISTORY_BYTES, bytes)?;
    Ok(dirs)
}

fn stored(name: String, content_type: &str, bytes: &[u8]) -> StoredFile {
    StoredFile {
        name,
        content_type: content_type.to_owned(),
        bytes: bytes.len() as u64,
    }
}

fn read_entry(
    history: &impl ReadableTable<&'static str, &'static [u8]>,
    id: &str,
) -> Result<Option<HistoryEntry>> {
    match history.get(id)? {
        Some(value) => from_json(value.value()).map(Some),
        None => Ok(None),
    }
}

fn remove_entry(
    history: &mut BytesTable<'_>,
    summaries: &mut BytesTable<'_>,
    meta: &mut Table<'_, &'static str, u64>,
    id: &str,
) -> Result<Option<HistoryEntry>> {
    let Some(entry) = read_entry(history, id)? else {
        return Ok(None);
    };
    history.remove(id)?;
    summaries.remove(id)?;
    meta_add(meta, meta_key::HISTORY_COUNT, -1)?;
    meta_add(
        meta,
        meta_key::HISTORY_BYTES,
        -i128::from(entry.total_bytes()),
    )?;
    Ok(Some(entry))
}

impl Store {
    /// Records a finished inpaint: writes its files under `files/YYYY/MM/DD/<id>/` (each
    /// `fsync`ed under a temporary name, renamed, folders `fsync`ed), then commits the entry,
    /// its summary and any retention evictions in one transaction; evicted folders are
    /// deleted after the commit. The entry just recorded is never evicted, even if it alone
    /// exceeds `max_bytes`.
    ///
    /// `new.id` must be a canonical lower-case UUID (use [`super::records::new_id`]);
    /// extensions must be 1–8 ASCII alphanumerics. If writing fails the partial folder is
    /// removed and the database is unchanged; a full disk gives [`Error::DiskFull`]; an id
    /// already recorded gives [`Error::Conflict`].
    pub fn record_history(&self, new: NewEntry) -> Result<HistoryEntry> {
        let entry = self.write_entry_files(&new, true)?;
        self.commit_entries(std::slice::from_ref(&entry))?;
        Ok(entry)
    }

    /// Bulk import for benchmarks and tests: like [`Store::record_history`] for many entries
    /// but **without `fsync`** of the files and with a single commit for the whole batch, so
    /// thousands of entries take seconds rather than minutes. Not crash-safe for the files
    /// (a crash can leave committed entries with empty files; the start-up check then drops
    /// them). Not for production paths.
    #[doc(hidden)]
    pub fn record_history_batch_unsynced(&self, news: Vec<NewEntry>) -> Result<Vec<HistoryEntry>> {
        let mut entries = Vec::with_capacity(news.len());
        for new in &news {
            match self.write_entry_files(new, false) {
                Ok(entry) => entries.push(entry),
                Err(e) => {
                    self.remove_dirs(entries.iter().map(|e| e.dir.as_str()));
                    return Err(e);
                }
            }
        }
        self.commit_entries(&entries)?;
        Ok(entries)
    }

    /// Phase 1 of recording: the files. Returns the entry to commit.
    fn write_entry_files(&self, new: &NewEntry, sync: bool) -> Result<HistoryEntry> {
        let uuid = files::parse_entry_id(&new.id).ok_or_else(|| {
            Error::BadRequest(format!("history id `{}` is not a canonical UUID", new.id))
        })?;
        files::check_ext(new.input.1)?;
        files::check_ext(new.output.1)?;
        let created_at = now_ms();
        let dir = files::entry_rel_dir(&new.id, files::id_time_ms(&uuid).unwrap_or(created_at));
        let entry = HistoryEntry {
            id: new.id.clone(),
            created_at,
            model: new.model.clone(),
            width: new.width,
            height: new.height,
            settings: new.settings.clone(),
            timings: new.timings,
            dir,
            input: stored(format!("input.{}", new.input.1), new.input.2, &new.input.0),
            mask: stored("mask.png".into(), "image/png", &new.mask_png),
            output: stored(
                format!("output.{}", new.output.1),
                new.output.2,
                &new.output.0,
            ),
            thumbnail: stored("thumbnail.jpg".into(), "image/jpeg", &new.thumbnail_jpeg),
        };
        let meta = serde_json::to_vec_pretty(&entry)
            .map_err(|e| Error::Storage(format!("cannot encode entry: {e}")))?;
        let input_same_as = new
            .input_same_as
            .as_deref()
            .and_then(|rel| files::safe_join(self.data_dir(), rel));
        let file = |name, bytes, same_as| EntryFile {
            name,
            bytes,
            same_as,
        };
        let contents = [
            file(&entry.input.name, &new.input.0, input_same_as),
            file(&entry.mask.name, &new.mask_png, None),
            file(&entry.output.name, &new.output.0, None),
            file(&entry.thumbnail.name, &new.thumbnail_jpeg, None),
            file(META_FILE, &meta, None),
        ];
        files::write_entry_dir(self.data_dir(), &entry.dir, &contents, sync)?;
        Ok(entry)
    }

    /// Phase 2 of recording: one transaction for all `entries` plus eviction. On failure the
    /// entries' folders are removed (they were created by phase 1).
    fn commit_entries(&self, entries: &[HistoryEntry]) -> Result<()> {
        let result = self.try_commit_entries(entries);
        match result {
            Ok(evicted) => {
                self.remove_dirs(evicted.iter().map(String::as_str));
                Ok(())
            }
            Err(e) => {
                self.remove_dirs(entries.iter().map(|e| e.dir.as_str()));
                Err(e)
            }
        }
    }

    fn try_commit_entries(&self, entries: &[HistoryEntry]) -> Result<Vec<String>> {
        let txn = self.begin_write()?;
        {
            let mut history = txn.open_table(HISTORY)?;
            let mut summaries = txn.open_table(HISTORY_SUMMARY)?;
            let mut meta = txn.open_table(META)?;
            let mut added_bytes = 0u64;
            for entry in entries {
                if history.get(entry.id.as_str())?.is_some() {
                    return Err(Error::Conflict(format!(
                        "history entry {} already exists",
                        entry.id
                    )));
                }
                history.insert(entry.id.as_str(), to_json(entry)?.as_slice())?;
                let summary = HistorySummary::from(entry);
                summaries.insert(entry.id.as_str(), to_json(&summary)?.as_slice())?;
                added_bytes = added_bytes.saturating_add(summary.bytes);
            }
            meta_add(&mut meta, meta_key::HISTORY_COUNT, entries.len() as i128)?;
            meta_add(&mut meta, meta_key::HISTORY_BYTES, i128::from(added_bytes))?;
        }
        for entry in entries {
            Self::succeed_job_in(&txn, &entry.id)?;
        }
        let retention = read_retention(&txn.open_table(SETTINGS)?)?;
        let keep: HashSet<&str> = entries.iter().map(|e| e.id.as_str()).collect();
        let evicted = evict(&txn, retention, &keep)?;
        txn.commit()?;
        Ok(evicted)
    }

    pub(super) fn remove_dirs<'a>(&self, dirs: impl Iterator<Item = &'a str>) {
        for dir in dirs {
            files::remove_entry_dir(self.data_dir(), dir);
        }
    }

    /// History summaries newest first, at most `limit`, starting after `before` (exclusive;
    /// pass the previous page's `next_before`). Reads only the small summary values; `total`
    /// comes from a counter. `limit` 0 returns only the total.
    pub fn list_history(&self, limit: usize, before: Option<&str>) -> Result<Page<HistorySummary>> {
        let txn = self.begin_read()?;
        let summaries = txn.open_table(HISTORY_SUMMARY)?;
        let total = meta_get(&txn.open_table(META)?, meta_key::HISTORY_COUNT)?;
        let range = match before {
            Some(before) => summaries.range::<&str>(..before)?,
            None => summaries.range::<&str>(..)?,
        };
        let mut items: Vec<HistorySummary> = Vec::with_capacity(limit.min(1000));
        let mut more = false;
        for item in range.rev() {
            if items.len() == limit {
                more = true;
                break;
            }
            let (_, value) = item?;
            items.push(from_json(value.value())?);
        }
        let next_before = if more && limit > 0 {
            items.last().map(|s| s.id.clone())
        } else {
            None
        };
        Ok(Page {
            items,
            total,
            next_before,
        })
    }

    /// One complete history entry.
    pub fn get_history(&self, id: &str) -> Result<Option<HistoryEntry>> {
        let txn = self.begin_read()?;
        read_entry(&txn.open_table(HISTORY)?, id)
    }

    /// The absolute path and description of one file of an entry. `None` if the entry does
    /// not exist or the file is missing on disk. The path is canonical and checked to lie
    /// inside the data dir (an [`Error::Storage`] otherwise).
    pub fn history_file_path(
        &self,
        id: &str,
        kind: FileKind,
    ) -> Result<Option<(PathBuf, StoredFile)>> {
        let Some(entry) = self.get_history(id)? else {
            return Ok(None);
        };
        let file = entry.file(kind).clone();
        let outside = || Error::Storage(format!("history entry {id} points outside the data dir"));
        if !files::is_plain_name(&file.name) {
            return Err(outside());
        }
        let dir = files::safe_join(self.data_dir(), &entry.dir).ok_or_else(outside)?;
        let path = match dir.join(&file.name).canonicalize() {
            Ok(path) => path,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(Error::io(format!("resolving {}", dir.display()), e)),
        };
        if !path.starts_with(self.data_dir()) {
            return Err(outside());
        }
        Ok(Some((path, file)))
    }

    /// Deletes one entry: commits its removal, then deletes its folder. Returns whether it
    /// existed.
    pub fn delete_history(&self, id: &str) -> Result<bool> {
        let txn = self.begin_write()?;
        let removed = {
            let mut history = txn.open_table(HISTORY)?;
            let mut summaries = txn.open_table(HISTORY_SUMMARY)?;
            let mut meta = txn.open_table(META)?;
            remove_entry(&mut history, &mut summaries, &mut meta, id)?
        };
        let Some(entry) = removed else {
            return Ok(false);
        };
        txn.commit()?;
        files::remove_entry_dir(self.data_dir(), &entry.dir);
        Ok(true)
    }

    /// Deletes every entry (one commit, then the folders). Returns how many were removed.
    pub fn clear_history(&self) -> Result<u64> {
        let txn = self.begin_write()?;
        let dirs = {
            let mut history = txn.open_table(HISTORY)?;
            let mut summaries = txn.open_table(HISTORY_SUMMARY)?;
            let mut meta = txn.open_table(META)?;
            let mut dirs = Vec::new();
            for item in history.iter()? {
                let (key, value) = item?;
                match from_json::<HistoryEntry>(value.value()) {
                    Ok(entry) => dirs.push(entry.dir),
                    Err(e) => tracing::warn!(id = key.value(), error = %e, "unreadable entry"),
                }
            }
            history.retain(|_, _| false)?;
            summaries.retain(|_, _| false)?;
            let count = meta_get(&meta, meta_key::HISTORY_COUNT)?;
            meta.insert(meta_key::HISTORY_COUNT, 0)?;
            meta.insert(meta_key::HISTORY_BYTES, 0)?;
            tracing::debug!(count, "clearing history");
            dirs
        };
        txn.commit()?;
        self.remove_dirs(dirs.iter().map(String::as_str));
        Ok(dirs.len() as u64)
    }

    /// Number of history entries and the total bytes of their files (from counters).
    pub fn history_stats(&self) -> Result<(u64, u64)> {
        let txn = self.begin_read()?;
        let meta = txn.open_table(META)?;
        Ok((
            meta_get(&meta, meta_key::HISTORY_COUNT)?,
            meta_get(&meta, meta_key::HISTORY_BYTES)?,
        ))
    }
}

#[cfg(test)]
mod tests {
    use std::fs;

    use super::super::files::FAIL_BEFORE_FILE;
    use super::super::records::new_id;
    use super::super::test_util::*;
    use super::*;

    fn db_snapshot(store: &Store) -> (Page<HistorySummary>, (u64, u64)) {
        (
            store.list_history(1000, None).unwrap(),
            store.history_stats().unwrap(),
        )
    }

    /// Number of folders at entry depth (`files/Y/M/D/<id>`).
    fn count_entry_dirs(data_dir: &std::path::Path) -> usize {
        let mut level = vec![data_dir.join("files")];
        for _ in 0..4 {
            level = level
                .iter()
                .flat_map(|d| fs::read_dir(d).unwrap())
                .map(|e| e.unwrap().path())
                .filter(|p| p.is_dir())
                .collect();
        }
        level.len()
    }

    #[test]
    fn record_get_list_delete_clear() {
        let dir = temp_dir();
        let store = open(&dir);
        let new = new_entry();
        let entry = store.record_history(new.clone()).unwrap();
        assert_eq!(entry.id, new.id);
        assert_eq!(entry.total_bytes(), 100);
        assert!(entry.dir.starts_with("files/"));
        assert!(entry.dir.ends_with(&new.id));
        assert_eq!(entry.output.name, "output.png");
        assert_eq!(entry.thumbnail.content_type, "image/jpeg");
        let folder = dir.path().join(&entry.dir);
        let mut names: Vec<_> = fs::read_dir(&folder)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        assert_eq!(
            names,
            [
                "input.png",
                "mask.png",
                "meta.json",
                "output.png",
                "thumbnail.jpg"
            ]
        );
        let meta: HistoryEntry =
            serde_json::from_slice(&fs::read(folder.join("meta.json")).unwrap()).unwrap();
        assert_eq!(meta, entry);

        assert_eq!(store.get_history(&entry.id).unwrap().unwrap(), entry);
        let (path, file) = store
            .history_file_path(&entry.id, FileKind::Output)
            .unwrap()
            .unwrap();
        assert_eq!(fs::read(&path).unwrap(), new.output.0);
        assert_eq!(file, entry.output);
        assert!(
            store
                .history_file_path("nope", FileKind::Output)
                .unwrap()
                .is_none()
        );

        // Same id again is refused and changes nothing.
        assert!(matches!(
            store.record_history(new.clone()),
            Err(Error::Conflict(_))
        ));
        assert_eq!(store.history_stats().unwrap(), (1, 100));

        let second = store.record_history(new_entry()).unwrap();
        let page = store.list_history(10, None).unwrap();
        assert_eq!(page.total, 2);
        assert_eq!(page.items[0].id, second.id, "newest first");
        assert_eq!(page.items[1], HistorySummary::from(&entry));

        assert!(store.delete_history(&entry.id).unwrap());
        assert!(!store.delete_history(&entry.id).unwrap());
        assert!(!folder.exists());
        assert!(store.get_history(&entry.id).unwrap().is_none());
        assert_eq!(store.history_stats().unwrap(), (1, 100));

        store.record_history(new_entry()).unwrap();
        assert_eq!(store.clear_history().unwrap(), 2);
        assert_eq!(store.history_stats().unwrap(), (0, 0));
        assert!(store.list_history(10, None).unwrap().items.is_empty());
        assert!(!dir.path().join(&second.dir).exists());
    }

    #[test]
    fn an_input_stored_before_is_linked_not_written_again() {
        use std::os::unix::fs::MetadataExt;
        let dir = temp_dir();
        let store = open(&dir);
        let first = store.record_history(new_entry()).unwrap();
        let first_output = first.file_path(FileKind::Output);
        let output_file = dir.path().join(&first_output);

        // The next stroke starts from the first result: its input is that file.
        let mut next = new_entry();
        next.input.0 = fs::read(&output_file).unwrap();
        next.input_same_as = Some(first_output.clone());
        let second = store.record_history(next.clone()).unwrap();
        let input_file = dir.path().join(second.file_path(FileKind::Input));
        let (a, b) = (
            fs::metadata(&output_file).unwrap(),
            fs::metadata(&input_file).unwrap(),
        );
        assert_eq!(
            (a.dev(), a.ino()),
            (b.dev(), b.ino()),
            "one file, two names"
        );
        assert_eq!(b.nlink(), 2);
        assert_eq!(second.input.bytes, next.input.0.len() as u64);

        // Deleting the first entry leaves the second's input whole.
        assert!(store.delete_history(&first.id).unwrap());
        assert_eq!(fs::read(&input_file).unwrap(), next.input.0);
        assert_eq!(fs::metadata(&input_file).unwrap().nlink(), 1);

        // A source that is gone, that holds other bytes, or that lies outside the data dir's
        // files: the bytes are written instead.
        let third = store.record_history(new_entry()).unwrap();
        let outside = dir.path().join("elsewhere.png");
        fs::write(&outside, &next.input.0).unwrap();
        for source in [
            first_output,
            third.file_path(FileKind::Mask),
            "elsewhere.png".to_owned(),
            "files/../elsewhere.png".to_owned(),
        ] {
            let mut entry = new_entry();
            entry.input.0 = next.input.0.clone();
            entry.input_same_as = Some(source.clone());
            let recorded = store.record_history(entry.clone()).unwrap();
            let file = dir.path().join(recorded.file_path(FileKind::Input));
            assert_eq!(fs::read(&file).unwrap(), entry.input.0, "{source}");
            assert_eq!(fs::metadata(&file).unwrap().nlink(), 1, "{source}");
        }
        assert_eq!(fs::metadata(&outside).unwrap().nlink(), 1);
    }

    #[test]
    fn invalid_ids_and_extensions_are_refused() {
        let dir = temp_dir();
        let store = open(&dir);
        let mut bad = new_entry();
        bad.id = "../escape".into();
        assert!(matches!(
            store.record_history(bad),
            Err(Error::BadRequest(_))
        ));
        let mut bad = new_entry();
        bad.output.1 = "png/../../x";
        assert!(matches!(
            store.record_history(bad),
            Err(Error::BadRequest(_))
        ));
        assert_eq!(store.history_stats().unwrap(), (0, 0));
    }

    #[test]
    fn paging_across_three_pages() {
        let dir = temp_dir();
        let store = open(&dir);
        let mut ids: Vec<String> = (0..7)
            .map(|_| store.record_history(new_entry()).unwrap().id)
            .collect();
        ids.reverse();
        let p1 = store.list_history(3, None).unwrap();
        let p2 = store.list_history(3, p1.next_before.as_deref()).unwrap();
        let p3 = store.list_history(3, p2.next_before.as_deref()).unwrap();
        let got: Vec<_> = [&p1, &p2, &p3]
            .iter()
            .flat_map(|p| p.items.iter().map(|s| s.id.clone()))
            .collect();
        assert_eq!(got, ids);
        assert_eq!((p1.items.len(), p2.items.len(), p3.items.len()), (3, 3, 1));
        assert!(p1.next_before.is_some() && p2.next_before.is_some());
        assert!(p3.next_before.is_none());
        assert!([&p1, &p2, &p3].iter().all(|p| p.total == 7));
        // An exact multiple ends with `None` too.
        let exact = store.list_history(7, None).unwrap();
        assert!(exact.next_before.is_none());
        assert_eq!(store.list_history(0, None).unwrap().items.len(), 0);
    }

    #[test]
    fn retention_by_count_evicts_oldest() {
        let dir = temp_dir();
        let store = open(&dir);
        store
            .set_retention(Retention {
                max_entries: 3,
                max_bytes: 0,
            })
            .unwrap();
        let entries: Vec<_> = (0..5)
            .map(|_| store.record_history(new_entry()).unwrap())
            .collect();
        let page = store.list_history(10, None).unwrap();
        assert_eq!(page.total, 3);
        let listed: Vec<_> = page.items.iter().map(|s| s.id.clone()).collect();
        let newest: Vec<_> = entries[2..].iter().rev().map(|e| e.id.clone()).collect();
        assert_eq!(listed, newest);
        for old in &entries[..2] {
            assert!(
                !dir.path().join(&old.dir).exists(),
                "evicted folder deleted"
            );
            assert!(store.get_history(&old.id).unwrap().is_none());
        }
        assert!(dir.path().join(&entries[4].dir).exists());
        assert_eq!(store.history_stats().unwrap(), (3, 300));

        // Tightening retention applies at once.
        store
            .set_retention(Retention {
                max_entries: 1,
                max_bytes: 0,
            })
            .unwrap();
        assert_eq!(store.history_stats().unwrap(), (1, 100));
        assert!(!dir.path().join(&entries[3].dir).exists());
    }

    #[test]
    fn retention_by_bytes_evicts_oldest() {
        let dir = temp_dir();
        let store = open(&dir);
        store
            .set_retention(Retention {
                max_entries: 0,
                max_bytes: 250,
            })
            .unwrap();
        let a = store.record_history(sized_entry(10)).unwrap(); // 100 bytes
        let b = store.record_history(sized_entry(10)).unwrap(); // 200 total
        let c = store.record_history(sized_entry(10)).unwrap(); // 300 → evict a
        assert!(store.get_history(&a.id).unwrap().is_none());
        assert!(!dir.path().join(&a.dir).exists());
        assert_eq!(store.history_stats().unwrap(), (2, 200));
        // One entry larger than the limit evicts all others but stays itself.
        let big = store.record_history(sized_entry(100)).unwrap(); // 1000 bytes
        assert_eq!(store.history_stats().unwrap(), (1, 1000));
        for gone in [&b, &c] {
            assert!(store.get_history(&gone.id).unwrap().is_none());
            assert!(!dir.path().join(&gone.dir).exists());
        }
        assert!(store.get_history(&big.id).unwrap().is_some());
    }

    #[test]
    fn failed_file_write_leaves_database_unchanged() {
        let dir = temp_dir();
        let store = open(&dir);
        store.record_history(new_entry()).unwrap();
        let before = db_snapshot(&store);

        // A file where the year folder must be created (works as root, unlike permissions).
        let new = new_entry();
        let uuid = files::parse_entry_id(&new.id).unwrap();
        let rel = files::entry_rel_dir(&new.id, files::id_time_ms(&uuid).unwrap());
        let year = dir
            .path()
            .join(rel.split('/').take(2).collect::<Vec<_>>().join("/"));
        let moved = year.with_extension("moved");
        fs::rename(&year, &moved).unwrap();
        fs::write(&year, b"in the way").unwrap();
        let err = store.record_history(new.clone()).unwrap_err();
        assert!(matches!(err, Error::Io { .. }), "{err:?}");
        assert_eq!(db_snapshot(&store), before);
        assert!(store.get_history(&new.id).unwrap().is_none());
        fs::remove_file(&year).unwrap();
        fs::rename(&moved, &year).unwrap();

        // A failure after some files were written removes the partial folder.
        let new = new_entry();
        FAIL_BEFORE_FILE.set(Some((2, std::io::ErrorKind::PermissionDenied)));
        let err = store.record_history(new.clone());
        FAIL_BEFORE_FILE.set(None);
        assert!(matches!(err, Err(Error::Io { .. })), "{err:?}");
        assert!(store.get_history(&new.id).unwrap().is_none());
        assert_eq!(count_entry_dirs(dir.path()), 1, "partial folder removed");
        assert_eq!(db_snapshot(&store), before);

        // ENOSPC maps to DiskFull.
        FAIL_BEFORE_FILE.set(Some((0, std::io::ErrorKind::StorageFull)));
        let err = store.record_history(new_entry());
        FAIL_BEFORE_FILE.set(None);
        assert!(matches!(err, Err(Error::DiskFull(_))), "{err:?}");
        assert_eq!(db_snapshot(&store), before);
        assert_eq!(count_entry_dirs(dir.path()), 1);

        // Nothing left behind for the sweep to find.
        drop(store);
        let (_, report) = Store::open(dir.path()).unwrap();
        assert_eq!(report.orphan_dirs_removed, 0);
        assert_eq!(report.tmp_files_removed, 0);
    }

    #[test]
    fn concurrent_writers() {
        let dir = temp_dir();
        let store = open(&dir);
        let threads: Vec<_> = (0..2)
            .map(|_| {
                let store = store.clone();
                std::thread::spawn(move || {
                    (0..50)
                        .map(|_| store.record_history(new_entry()).unwrap())
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        let entries: Vec<HistoryEntry> = threads
            .into_iter()
            .flat_map(|t| t.join().unwrap())
            .collect();
        assert_eq!(entries.len(), 100);
        let page = store.list_history(1000, None).unwrap();
        assert_eq!(page.total, 100);
        assert_eq!(page.items.len(), 100);
        assert!(page.items.windows(2).all(|w| w[0].id > w[1].id));
        for entry in &entries {
            for kind in FileKind::ALL {
                let (path, file) = store.history_file_path(&entry.id, kind).unwrap().unwrap();
                assert_eq!(fs::read(path).unwrap().len() as u64, file.bytes);
            }
        }
        assert_eq!(store.history_stats().unwrap(), (100, 100 * 100));
    }

    #[test]
    fn batch_import() {
        let dir = temp_dir();
        let store = open(&dir);
        let entries = store
            .record_history_batch_unsynced((0..20).map(|_| new_entry()).collect())
            .unwrap();
        assert_eq!(entries.len(), 20);
        assert_eq!(store.history_stats().unwrap(), (20, 2000));
        // A duplicate in a batch aborts it all and removes its new folders.
        let dup = new_entry();
        let mut other = new_entry();
        other.id = new_id();
        let fresh = other.clone();
        let err = store.record_history_batch_unsynced(vec![fresh, dup.clone(), dup]);
        assert!(err.is_err());
        assert_eq!(store.history_stats().unwrap(), (20, 2000));
        assert!(store.get_history(&other.id).unwrap().is_none());
    }
}
