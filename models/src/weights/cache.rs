//! The safetensors cache of converted TorchScript files: `<name>.<size>-<mtime_ns>.safetensors`
//! next to the source (or in a chosen folder). The key changes whenever the source is replaced,
//! so a stale cache is never used; older caches of the same source are removed when a new one
//! is written. Writes are atomic (temp sibling, fsync, rename).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use crate::{Error, Result};

/// Where the cache of `source` lives: in `cache_dir` if given, else next to `source`.
pub fn cache_path(source: &Path, cache_dir: Option<&Path>) -> Result<PathBuf> {
    let meta = std::fs::metadata(source)
        .map_err(|e| Error::io(format!("reading metadata of {}", source.display()), e))?;
    let mtime = meta
        .modified()
        .ok()
        .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_nanos());
    let name = file_name(source)?;
    let dir = match cache_dir {
        Some(d) => d.to_path_buf(),
        None => source
            .parent()
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf),
    };
    Ok(dir.join(format!("{name}.{}-{mtime}.safetensors", meta.len())))
}

fn file_name(source: &Path) -> Result<String> {
    source
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .ok_or_else(|| Error::InvalidWeights(format!("{} is not a file", source.display())))
}

/// Whether `candidate` is a cache file of `source` (any key).
fn is_cache_of(candidate: &str, source_name: &str) -> bool {
    candidate
        .strip_prefix(source_name)
        .and_then(|rest| rest.strip_prefix('.'))
        .and_then(|rest| rest.strip_suffix(".safetensors"))
        .and_then(|key| key.split_once('-'))
        .is_some_and(|(size, mtime)| {
            !size.is_empty()
                && !mtime.is_empty()
                && size.bytes().all(|b| b.is_ascii_digit())
                && mtime.bytes().all(|b| b.is_ascii_digit())
        })
}

/// Writes `bytes` to `path` atomically, then removes older caches of `source` beside it.
pub fn write_cache(source: &Path, path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)
        .map_err(|e| Error::io(format!("creating {}", dir.display()), e))?;
    write_atomic(path, bytes)?;
    let name = file_name(source)?;
    let keep = path.file_name();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let other = entry.file_name();
            if Some(other.as_os_str()) != keep && is_cache_of(&other.to_string_lossy(), &name) {
                // A stale cache that cannot be removed only costs disk space.
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }
    Ok(())
}

/// Temp sibling + fsync + rename (+ fsync of the folder on Unix).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let tmp = dir.join(format!(
        ".{}.tmp-{}",
        path.file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        std::process::id()
    ));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        drop(f);
        std::fs::rename(&tmp, path)?;
        #[cfg(unix)]
        if let Ok(d) = std::fs::File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(())
    })();
    result.map_err(|e: std::io::Error| {
        let _ = std::fs::remove_file(&tmp);
        Error::io(format!("writing {}", path.display()), e)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cache_names_are_recognised_exactly() {
        assert!(is_cache_of(
            "big-lama.pt.123-456.safetensors",
            "big-lama.pt"
        ));
        assert!(!is_cache_of("big-lama.pt.safetensors", "big-lama.pt"));
        assert!(!is_cache_of("big-lama.pt.12x-4.safetensors", "big-lama.pt"));
        assert!(!is_cache_of("other.pt.1-2.safetensors", "big-lama.pt"));
        assert!(!is_cache_of(
            "big-lama.pt.1-2.safetensors.part",
            "big-lama.pt"
        ));
    }
}
