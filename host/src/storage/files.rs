//! The file store: entry folders `files/YYYY/MM/DD/<id>/`, written crash-safely (temporary
//! names, `fsync`, rename, `fsync` of the folder chain), path validation and removal.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Component, Path, PathBuf};

use uuid::Uuid;

use super::tables::io_error;
use crate::{Error, Result};

/// Name of the folder under the data dir that holds all entry folders.
pub(super) const FILES_DIR: &str = "files";
/// The entry's JSON description, written next to its images.
pub(super) const META_FILE: &str = "meta.json";
/// Suffix of files being written; any left at start-up are swept.
pub(super) const TMP_SUFFIX: &str = ".tmp";

#[cfg(test)]
thread_local! {
    /// Test hook: fail with this error kind before writing the n-th file (0-based).
    pub(super) static FAIL_BEFORE_FILE: std::cell::Cell<Option<(usize, std::io::ErrorKind)>> =
        const { std::cell::Cell::new(None) };
}

/// Parses a history id: it must be a UUID in canonical (lower-case, hyphenated) form, which
/// also makes it safe as a folder name.
pub(super) fn parse_entry_id(id: &str) -> Option<Uuid> {
    let uuid = Uuid::try_parse(id).ok()?;
    let mut buf = Uuid::encode_buffer();
    (uuid.hyphenated().encode_lower(&mut buf) == id).then_some(uuid)
}

/// Creation time of a UUID v7 (ms since the epoch); `None` for other versions.
pub(super) fn id_time_ms(uuid: &Uuid) -> Option<i64> {
    let (secs, nanos) = uuid.get_timestamp()?.to_unix();
    let ms = i128::from(secs) * 1000 + i128::from(nanos / 1_000_000);
    i64::try_from(ms).ok()
}

/// Converts days since 1970-01-01 to a (year, month, day) civil date (proleptic Gregorian,
/// Howard Hinnant's algorithm).
pub(super) fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097); // [0, 146096]
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // [0, 399]
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // [0, 365]
    let mp = (5 * doy + 2) / 153; // [0, 11]
    let day = doy - (153 * mp + 2) / 5 + 1; // [1, 31]
    let month = if mp < 10 { mp + 3 } else { mp - 9 }; // [1, 12]
    let year = yoe + era * 400 + i64::from(month <= 2);
    (
        year,
        u32::try_from(month).unwrap_or(1),
        u32::try_from(day).unwrap_or(1),
    )
}

/// The entry folder relative to the data dir: `files/YYYY/MM/DD/<id>` (UTC date of `ms`).
pub(super) fn entry_rel_dir(id: &str, ms: i64) -> String {
    let (y, m, d) = civil_from_days(ms.div_euclid(86_400_000));
    format!("{FILES_DIR}/{y:04}/{m:02}/{d:02}/{id}")
}

/// Checks a file extension handed in by the caller (it becomes part of a file name).
pub(super) fn check_ext(ext: &str) -> Result<()> {
    if (1..=8).contains(&ext.len()) && ext.bytes().all(|b| b.is_ascii_alphanumeric()) {
        Ok(())
    } else {
        Err(Error::BadRequest(format!("invalid file extension `{ext}`")))
    }
}

/// Joins a stored relative folder (`files/…`) to the data dir, refusing anything that is not
/// a plain relative path below `files/` (no `..`, no absolute paths).
pub(super) fn safe_join(data_dir: &Path, rel: &str) -> Option<PathBuf> {
    let rel = Path::new(rel);
    let mut components = rel.components();
    if components.next() != Some(Component::Normal(FILES_DIR.as_ref())) {
        return None;
    }
    if !components.all(|c| matches!(c, Component::Normal(_))) {
        return None;
    }
    Some(data_dir.join(rel))
}

/// Whether `name` is a single plain file name (no separators, not `.`/`..`).
pub(super) fn is_plain_name(name: &str) -> bool {
    let mut components = Path::new(name).components();
    matches!(components.next(), Some(Component::Normal(_))) && components.next().is_none()
}

/// `fsync`s a directory so that the entries created or renamed in it are durable.
fn sync_dir(path: &Path) -> std::io::Result<()> {
    File::open(path)?.sync_all()
}

/// Creates `dir` and its missing parents up to (not including) `root`, which must exist.
/// Returns the folders it created, outermost first. Concurrent callers are fine: a folder
/// another thread created first counts as existing.
fn create_chain(root: &Path, dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let rel = dir.strip_prefix(root).map_err(std::io::Error::other)?;
    let mut created = Vec::new();
    let mut current = root.to_path_buf();
    for component in rel.components() {
        current.push(component);
        match fs::create_dir(&current) {
            Ok(()) => created.push(current.clone()),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(e),
        }
    }
    Ok(created)
}

/// One file of an entry folder.
pub(super) struct EntryFile<'a> {
    /// Its name in the folder.
    pub name: &'a str,
    /// Its contents.
    pub bytes: &'a [u8],
    /// A file already on disk that holds exactly `bytes` (another entry's, written and synced
    /// before): it is hard-linked instead of writing the bytes again. When the link cannot be
    /// made (the file is gone, the file system has no hard links) or the file's size differs,
    /// the bytes are written.
    pub same_as: Option<PathBuf>,
}

/// Writes one entry folder crash-safely: each file goes to `<name>.tmp`, is `fsync`ed
/// (when `sync`), then all are renamed to their final names and the folder (and every folder
/// created for it, up to `files/`) is `fsync`ed. On failure the partial folder is removed.
///
/// The entry folder itself is created with `create_dir`, so two writers of the same id
/// cannot interleave: the second gets an error ("already exists").
pub(super) fn write_entry_dir(
    data_dir: &Path,
    rel_dir: &str,
    files: &[EntryFile<'_>],
    sync: bool,
) -> Result<()> {
    let what = "writing history files";
    let dir = safe_join(data_dir, rel_dir)
        .ok_or_else(|| Error::Storage(format!("invalid entry folder `{rel_dir}`")))?;
    let files_root = data_dir.join(FILES_DIR);
    let day = dir
        .parent()
        .ok_or_else(|| Error::Storage(format!("invalid entry folder `{rel_dir}`")))?;
    let created_parents = create_chain(&files_root, day)
        .map_err(|e| io_error(what, || format!("creating {}", day.display()), e))?;
    match fs::create_dir(&dir) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            return Err(Error::Conflict(format!(
                "history entry folder {rel_dir} already exists"
            )));
        }
        Err(e) => return Err(io_error(what, || format!("creating {}", dir.display()), e)),
    }
    let result = fill_dir(&dir, files, sync).and_then(|()| {
        if sync {
            // The entry folder's own entries, then its new link in the day folder, then the
            // links of every folder created for it.
            sync_dir(&dir)?;
            sync_dir(day)?;
            for created in &created_parents {
                if let Some(parent) = created.parent() {
                    sync_dir(parent)?;
                }
            }
        }
        Ok(())
    });
    if let Err(e) = result {
        remove_dir_quietly(&dir);
        return Err(io_error(what, || format!("writing {}", dir.display()), e));
    }
    Ok(())
}

/// Writes every file to its temporary name, then renames them all. With `sync`, the files
/// are written and `fsync`ed in parallel, one thread each: on a busy disk a flush waits
/// milliseconds, and waiting for five of them at once instead of one after another is most
/// of the cost of recording an entry.
fn fill_dir(dir: &Path, files: &[EntryFile<'_>], sync: bool) -> std::io::Result<()> {
    let injected = injected_failure();
    let write_one = |index: usize, file: &EntryFile<'_>| -> std::io::Result<()> {
        inject_failure(injected, index)?;
        let tmp = dir.join(format!("{}{TMP_SUFFIX}", file.name));
        if let Some(source) = &file.same_as
            && link_same(source, &tmp, file.bytes.len())?
        {
            return Ok(());
        }
        let mut out = OpenOptions::new().write(true).create_new(true).open(&tmp)?;
        out.write_all(file.bytes)?;
        if sync {
            out.sync_all()?;
        }
        Ok(())
    };
    if sync && files.len() > 1 {
        std::thread::scope(|scope| {
            let handles: Vec<_> = files
                .iter()
                .enumerate()
                .map(|(index, file)| scope.spawn(move || write_one(index, file)))
                .collect();
            handles.into_iter().try_for_each(|h| {
                h.join()
                    .unwrap_or_else(|_| Err(std::io::Error::other("file writer panicked")))
            })
        })?;
    } else {
        for (index, file) in files.iter().enumerate() {
            write_one(index, file)?;
        }
    }
    for file in files {
        fs::rename(
            dir.join(format!("{}{TMP_SUFFIX}", file.name)),
            dir.join(file.name),
        )?;
    }
    Ok(())
}

/// Hard-links `source` to `tmp` when it can and the linked file has `len` bytes; `false` (and
/// nothing left at `tmp`) when the caller must write the bytes instead.
fn link_same(source: &Path, tmp: &Path, len: usize) -> std::io::Result<bool> {
    if fs::hard_link(source, tmp).is_err() {
        return Ok(false);
    }
    if fs::metadata(tmp)?.len() == len as u64 {
        return Ok(true);
    }
    fs::remove_file(tmp)?;
    Ok(false)
}

/// A failure injected by a test (see [`FAIL_BEFORE_FILE`]): read on the calling thread, since
/// the files are written on threads of their own. Always `None` outside tests.
type Injected = Option<(usize, std::io::ErrorKind)>;

#[cfg(test)]
fn injected_failure() -> Injected {
    FAIL_BEFORE_FILE.get()
}

#[cfg(not(test))]
#[inline(always)]
fn injected_failure() -> Injected {
    None
}

fn inject_failure(injected: Injected, index: usize) -> std::io::Result<()> {
    match injected {
        Some((n, kind)) if index >= n => Err(std::io::Error::from(kind)),
        _ => Ok(()),
    }
}

/// Removes a folder tree; a missing folder is fine, other failures are logged (the orphan
/// sweep at the next start-up removes what is left).
pub(super) fn remove_dir_quietly(dir: &Path) {
    match fs::remove_dir_all(dir) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => tracing::warn!(dir = %dir.display(), error = %e, "could not remove folder"),
    }
}

/// Removes the folder of a deleted or evicted entry (given relative to the data dir).
/// Empty date folders are left in place (removing them could race with a writer creating an
/// entry in the same day); the start-up sweep removes them.
pub(super) fn remove_entry_dir(data_dir: &Path, rel_dir: &str) {
    match safe_join(data_dir, rel_dir) {
        Some(dir) => remove_dir_quietly(&dir),
        None => tracing::warn!(dir = rel_dir, "not removing entry folder outside files/"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
        assert_eq!(civil_from_days(19_782), (2024, 2, 29));
        assert_eq!(civil_from_days(20_454), (2026, 1, 1));
    }

    #[test]
    fn entry_dir_from_v7_id() {
        let id = uuid::Uuid::now_v7().to_string();
        let uuid = parse_entry_id(&id).unwrap();
        let ms = id_time_ms(&uuid).unwrap();
        assert!((crate::storage::records::now_ms() - ms).abs() < 5_000);
        // 2024-03-05T12:00:00Z
        assert_eq!(
            entry_rel_dir("x", 1_709_640_000_000),
            "files/2024/03/05/x".to_owned()
        );
    }

    #[test]
    fn id_and_path_validation() {
        assert!(parse_entry_id("../../etc").is_none());
        assert!(parse_entry_id("0190B0D2-8F3E-7A00-8000-000000000000").is_none());
        assert!(parse_entry_id("0190b0d2-8f3e-7a00-8000-000000000000").is_some());
        let root = Path::new("/data");
        assert!(safe_join(root, "files/2024/01/01/x").is_some());
        assert!(safe_join(root, "files/../etc").is_none());
        assert!(safe_join(root, "/etc/passwd").is_none());
        assert!(safe_join(root, "other/x").is_none());
        assert!(is_plain_name("output.png"));
        assert!(!is_plain_name("../output.png"));
        assert!(!is_plain_name("a/b"));
        assert!(check_ext("png").is_ok());
        assert!(check_ext("p/g").is_err());
        assert!(check_ext("").is_err());
    }
}
