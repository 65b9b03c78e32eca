//! The on-disk compile cache: wasmtime's own cache (its `cache` feature), pointed at a folder
//! mend owns (`<data_dir>/plugin-cache` by default, `plugin_cache_dir` / `--plugin-cache-dir`
//! to move it, `--no-plugin-cache` to turn it off).
//!
//! Why wasmtime's cache and not `Component::serialize` + `deserialize`: loading serialized
//! machine code is `unsafe` (the bytes are trusted to be code wasmtime produced), and the
//! workspace forbids `unsafe_code`. Wasmtime's cache does the same work behind a safe API:
//! it keys every entry by the SHA-256 of the component bytes together with the engine's
//! compilation settings, and files live under `modules/wasmtime-<version>/`, so a wasmtime
//! upgrade or a changed setting (memory limits of the pooling allocator included) never
//! reuses stale code. Entries are written atomically (temp file + rename) and zstd
//! compressed; an unreadable or corrupt entry is a miss and is compiled again.
//!
//! The cache's hit and miss counters are how mend tells (and logs, and lists per plugin)
//! whether a load compiled or reused code: see [`CompileSource`].

use std::path::{Path, PathBuf};

use serde::Serialize;
use wasmtime::{Cache, CacheConfig};

/// How a plugin's code was obtained when it loaded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CompileSource {
    /// Compiled from the component bytes (and stored in the disk cache when it is on).
    Compiled,
    /// Read back from the on-disk compile cache: no compilation.
    DiskCache,
    /// Reused from this process's in-memory artifact cache (same bytes loaded before).
    MemoryCache,
}

/// Hit and miss counts of the on-disk cache since the process started.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct CacheStats {
    /// Components read back from disk.
    pub hits: usize,
    /// Components compiled and written to disk.
    pub misses: usize,
}

/// The on-disk cache handle (shared with the engine's configuration).
#[derive(Debug, Clone)]
pub struct CompileCache {
    cache: Cache,
    dir: PathBuf,
}

impl CompileCache {
    /// Opens (and creates) the cache in `dir`. Relative paths are taken from the current
    /// directory, since wasmtime needs an absolute one.
    pub fn open(dir: &Path) -> Result<Self, String> {
        let dir = std::path::absolute(dir)
            .map_err(|e| format!("plugin cache dir {}: {e}", dir.display()))?;
        let mut config = CacheConfig::new();
        config.with_directory(&dir);
        let cache =
            Cache::new(config).map_err(|e| format!("plugin cache dir {}: {e:#}", dir.display()))?;
        Ok(Self { cache, dir })
    }

    /// The wasmtime handle to put in the engine's `Config`.
    pub(super) fn wasmtime(&self) -> Cache {
        self.cache.clone()
    }

    /// The folder.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Hits and misses so far.
    pub fn stats(&self) -> CacheStats {
        CacheStats {
            hits: self.cache.cache_hits(),
            misses: self.cache.cache_misses(),
        }
    }
}

impl CacheStats {
    /// What happened between `self` (before a compile) and `after`, for one compile. Without a
    /// hit the code was compiled, whether or not writing it to disk worked.
    pub fn source_since(self, after: CacheStats) -> CompileSource {
        if after.hits > self.hits {
            CompileSource::DiskCache
        } else {
            CompileSource::Compiled
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hit_means_the_disk_cache_served_it() {
        let before = CacheStats { hits: 2, misses: 1 };
        assert_eq!(
            before.source_since(CacheStats { hits: 3, misses: 1 }),
            CompileSource::DiskCache
        );
        assert_eq!(
            before.source_since(CacheStats { hits: 2, misses: 2 }),
            CompileSource::Compiled
        );
        assert_eq!(before.source_since(before), CompileSource::Compiled);
    }
}
