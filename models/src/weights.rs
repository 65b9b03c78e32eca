//! Weight files: reading them into a [`TensorMap`] whatever their format, caching converted
//! TorchScript files as safetensors, and checking md5s.
//!
//! - [`load_state_dict`]: a `.pt`/`.jit`/`.pth` TorchScript or `torch.save` zip archive, or a
//!   `.safetensors` file (the format is sniffed from the first bytes, not the extension). A
//!   converted archive is cached as safetensors next to it ([`cache`]) and later loads read the
//!   cache.
//! - [`torchscript`]: the archive reader, on top of the [`pickle`] subset.
//! - [`checksum`]: md5 of files, and verification with an error naming file and digests.

pub mod cache;
pub mod checksum;
pub mod pickle;
pub mod torchscript;

use std::path::{Path, PathBuf};

pub use checksum::{md5_file, verify_md5};
pub use torchscript::{read_torchscript, read_torchscript_from};

use crate::tensor_map::{TensorMap, read_safetensors, write_safetensors};
use crate::{Error, Result};

/// The container format of a weights file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WeightsFormat {
    /// A zip archive: TorchScript (`torch.jit.save`) or `torch.save` (torch ≥ 1.6).
    TorchZip,
    /// A safetensors file.
    Safetensors,
}

/// Where the tensors of a load came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WeightsSource {
    /// The file itself was a safetensors file.
    Safetensors,
    /// The safetensors cache of a TorchScript file was read (the fast path).
    Cache(PathBuf),
    /// The archive was converted now; `cache` is where the cache was written, or why not.
    Converted {
        /// The cache written, or the reason it could not be (read-only folder, disk full …);
        /// a failed cache write never fails the load.
        cache: std::result::Result<PathBuf, String>,
    },
}

/// The tensors of a weights file and how they were obtained.
#[derive(Debug, Clone)]
pub struct LoadedWeights {
    /// Parameter name → tensor.
    pub tensors: TensorMap,
    /// Where they came from.
    pub source: WeightsSource,
}

/// Tells the format from the first bytes: `PK\x03\x04` (zip) or a safetensors header
/// (8-byte little-endian length followed by `{`). Anything else is an error naming the file.
pub fn sniff_format(path: &Path) -> Result<WeightsFormat> {
    use std::io::Read;
    let mut head = [0u8; 9];
    let mut file = std::fs::File::open(path)
        .map_err(|e| Error::io(format!("opening {}", path.display()), e))?;
    let mut n = 0;
    while n < head.len() {
        let got = file
            .read(&mut head[n..])
            .map_err(|e| Error::io(format!("reading {}", path.display()), e))?;
        if got == 0 {
            break;
        }
        n += got;
    }
    if n >= 4 && head[..4] == *b"PK\x03\x04" {
        return Ok(WeightsFormat::TorchZip);
    }
    if n == 9 && head[8] == b'{' {
        return Ok(WeightsFormat::Safetensors);
    }
    let legacy = n >= 2 && head[0] == 0x80 && head[1] <= 5;
    Err(Error::InvalidWeights(format!(
        "{}: {}",
        path.display(),
        if legacy {
            "a legacy (pre-1.6, non-zip) torch.save file; re-save it with a current torch or \
             convert it to safetensors"
        } else {
            "neither a TorchScript/torch zip archive nor a safetensors file"
        }
    )))
}

/// Reads the state dict of `path` (TorchScript/torch zip or safetensors), using and writing
/// the safetensors cache next to the file for archives.
pub fn load_state_dict(path: &Path) -> Result<TensorMap> {
    load_weights(path, None).map(|w| w.tensors)
}

/// Like [`load_state_dict`], with the cache in `cache_dir` (next to the file when `None`),
/// reporting where the tensors came from.
pub fn load_weights(path: &Path, cache_dir: Option<&Path>) -> Result<LoadedWeights> {
    match sniff_format(path)? {
        WeightsFormat::Safetensors => Ok(LoadedWeights {
            tensors: read_safetensors_file(path)?,
            source: WeightsSource::Safetensors,
        }),
        WeightsFormat::TorchZip => {
            let cache_file = cache::cache_path(path, cache_dir)?;
            if cache_file.is_file() {
                // A damaged cache (e.g. a disk error) is rebuilt from the source, not fatal.
                if let Ok(tensors) = read_safetensors_file(&cache_file) {
                    return Ok(LoadedWeights {
                        tensors,
                        source: WeightsSource::Cache(cache_file),
                    });
                }
            }
            let tensors = read_torchscript(path)?;
            let cache = write_safetensors(&tensors)
                .and_then(|bytes| cache::write_cache(path, &cache_file, &bytes))
                .map(|()| cache_file)
                .map_err(|e| e.to_string());
            Ok(LoadedWeights {
                tensors,
                source: WeightsSource::Converted { cache },
            })
        }
    }
}

fn read_safetensors_file(path: &Path) -> Result<TensorMap> {
    let bytes =
        std::fs::read(path).map_err(|e| Error::io(format!("reading {}", path.display()), e))?;
    read_safetensors(&bytes).map_err(|e| match e {
        Error::InvalidWeights(m) => Error::InvalidWeights(format!("{}: {m}", path.display())),
        other => other,
    })
}
