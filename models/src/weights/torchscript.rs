//! Reads the tensors of a TorchScript archive (`torch.jit.save`, e.g. IOPaint's `big-lama.pt`)
//! — and of `torch.save` zip files, which share the layout — into a [`TensorMap`].
//!
//! What it does (see `spec/lama-model.md` §2.2):
//! 1. find the one root folder holding `data.pkl` (never hard-coded: it is the file stem at
//!    save time);
//! 2. unpickle `data.pkl` with the [`pickle`](super::pickle) subset;
//! 3. walk the module tree: every module is an object whose `BUILD` state is a flat attribute
//!    dict; child modules, parameters and buffers are named by attribute, so a tensor's key is
//!    the dotted attribute path (`model.generator.model.1.ffc.convl2l.weight`). Plain dicts
//!    (`torch.save(state_dict)`, Lightning checkpoints) are walked the same way. Other
//!    attributes (`training`, ints, strings, `None`) are skipped;
//! 4. read each storage `data/<key>` once (little-endian unless `byteorder` says `big`) and
//!    materialise every tensor on it honouring offset and strides, converted to `f32`.
//!
//! Every size, offset and stride is checked against the storage before any value is read, and
//! allocations are bounded by what the archive really holds.

use std::collections::BTreeMap;
use std::io::{Read, Seek};
use std::path::Path;
use std::rc::Rc;

use super::pickle::{self, StorageDtype, TensorRef, Value};
use crate::tensor_map::{HostTensor, TensorMap, half_to_f32};
use crate::{Error, Result};

/// Largest `data.pkl` accepted (big-lama's is well under 1 MiB).
const MAX_PICKLE_BYTES: u64 = 256 * 1024 * 1024;
/// Deepest module nesting walked (big-lama nests 8 levels).
const MAX_DEPTH: usize = 64;
/// Largest number of elements a tensor may have beyond the elements of its storage (tensors
/// with zero strides repeat storage elements; weights never need many of those).
const MAX_BROADCAST_ELEMENTS: usize = 1 << 24;

/// Reads every tensor of the TorchScript (or `torch.save` zip) file at `path`.
pub fn read_torchscript(path: &Path) -> Result<TensorMap> {
    let file = std::fs::File::open(path)
        .map_err(|e| Error::io(format!("opening {}", path.display()), e))?;
    read_torchscript_from(std::io::BufReader::new(file)).map_err(|e| in_file(path, e))
}

/// Reads every tensor of a TorchScript archive from any seekable reader.
pub fn read_torchscript_from<R: Read + Seek>(reader: R) -> Result<TensorMap> {
    let mut zip = zip::ZipArchive::new(reader)
        .map_err(|e| invalid(format!("not a TorchScript archive (zip): {e}")))?;
    let root = find_root(&zip)?;
    let big_endian = match read_entry(&mut zip, &format!("{root}byteorder"), 16) {
        Ok(bytes) => match bytes.as_slice() {
            b"little" => false,
            b"big" => true,
            other => {
                return Err(invalid(format!(
                    "unknown byteorder {:?}",
                    String::from_utf8_lossy(other)
                )));
            }
        },
        Err(Error::InvalidWeights(_)) => false,
        Err(e) => return Err(e),
    };
    let pickle_bytes = read_entry(&mut zip, &format!("{root}data.pkl"), MAX_PICKLE_BYTES)?;
    let top = pickle::unpickle(&pickle_bytes)?;
    let mut found = Vec::new();
    collect_tensors(&top, "", 0, &mut found)?;
    if found.is_empty() {
        return Err(invalid("the archive holds no tensors"));
    }

    // Group by storage so each `data/<key>` is read once and dropped after use.
    let mut by_storage: BTreeMap<String, Vec<(String, Rc<TensorRef>)>> = BTreeMap::new();
    for (name, t) in found {
        by_storage
            .entry(t.storage.key.clone())
            .or_default()
            .push((name, t));
    }
    let mut map = TensorMap::new();
    for (key, tensors) in by_storage {
        let storage = &tensors[0].1.storage;
        for (name, t) in &tensors {
            if t.storage.dtype != storage.dtype || t.storage.numel != storage.numel {
                return Err(invalid(format!(
                    "tensor `{name}` declares storage {key} with a different type or size"
                )));
            }
        }
        let needed = storage
            .numel
            .checked_mul(storage.dtype.size())
            .ok_or_else(|| invalid(format!("storage {key} is too large")))?;
        let raw = read_entry(&mut zip, &format!("{root}data/{key}"), needed as u64)?;
        if raw.len() < needed {
            return Err(invalid(format!(
                "storage data/{key} has {} bytes, its {} {:?} elements need {needed}",
                raw.len(),
                storage.numel,
                storage.dtype
            )));
        }
        for (name, t) in tensors {
            let tensor = materialise(&t, &raw, big_endian)
                .map_err(|e| invalid(format!("tensor `{name}`: {}", message(&e))))?;
            map.insert(name, tensor);
        }
    }
    Ok(map)
}

fn invalid(msg: impl Into<String>) -> Error {
    Error::InvalidWeights(msg.into())
}

fn message(e: &Error) -> String {
    match e {
        Error::InvalidWeights(m) => m.clone(),
        other => other.to_string(),
    }
}

fn in_file(path: &Path, e: Error) -> Error {
    match e {
        Error::InvalidWeights(m) => Error::InvalidWeights(format!("{}: {m}", path.display())),
        other => other,
    }
}

/// The root folder (with trailing `/`) of the entry `<root>/data.pkl`.
fn find_root<R: Read + Seek>(zip: &zip::ZipArchive<R>) -> Result<String> {
    let mut roots: Vec<&str> = zip
        .file_names()
        .filter_map(|n| n.strip_suffix("data.pkl"))
        .filter(|prefix| {
            prefix.is_empty() || (prefix.ends_with('/') && prefix.matches('/').count() == 1)
        })
        .collect();
    roots.sort_unstable();
    roots.dedup();
    match roots.as_slice() {
        [root] => Ok((*root).to_owned()),
        [] => Err(invalid(
            "no data.pkl in the archive: not a TorchScript file",
        )),
        _ => Err(invalid(format!(
            "the archive has several roots with a data.pkl: {}",
            roots.join(", ")
        ))),
    }
}

/// Reads at most `limit` bytes of entry `name`; a missing entry is `InvalidWeights`.
fn read_entry<R: Read + Seek>(
    zip: &mut zip::ZipArchive<R>,
    name: &str,
    limit: u64,
) -> Result<Vec<u8>> {
    let entry = zip.by_name(name).map_err(|e| match e {
        zip::result::ZipError::FileNotFound => invalid(format!("entry {name} is missing")),
        other => invalid(format!("entry {name}: {other}")),
    })?;
    let declared = entry.size();
    let cap = declared.min(limit);
    let mut out = Vec::with_capacity(usize::try_from(cap).unwrap_or(0).min(1 << 30));
    entry
        .take(limit)
        .read_to_end(&mut out)
        .map_err(|e| invalid(format!("entry {name} cannot be read: {e}")))?;
    Ok(out)
}

/// Collects `(dotted name, tensor)` for every tensor reachable through attribute dicts.
fn collect_tensors(
    value: &Value,
    prefix: &str,
    depth: usize,
    out: &mut Vec<(String, Rc<TensorRef>)>,
) -> Result<()> {
    if depth > MAX_DEPTH {
        return Err(invalid(format!(
            "module tree deeper than {MAX_DEPTH} levels at `{prefix}`"
        )));
    }
    match value {
        Value::Tensor(t) => {
            if prefix.is_empty() {
                return Err(invalid("the archive's top-level object is a bare tensor"));
            }
            out.push((prefix.to_owned(), Rc::clone(t)));
        }
        Value::Object(o) => {
            let state = o
                .try_borrow()
                .map_err(|_| invalid("object is borrowed"))?
                .state
                .clone();
            match state {
                Some(s @ Value::Dict(_)) => collect_tensors(&s, prefix, depth + 1, out)?,
                // `(dict_state, slot_state)` as `__reduce_ex__` writes for slotted classes.
                Some(Value::Tuple(t)) => {
                    if let Some(s @ Value::Dict(_)) = t.first() {
                        collect_tensors(s, prefix, depth + 1, out)?;
                    }
                }
                _ => {}
            }
        }
        Value::Dict(d) => {
            let items = d
                .try_borrow()
                .map_err(|_| invalid("dict is borrowed"))?
                .clone();
            for (k, v) in &items {
                if !matches!(v, Value::Tensor(_) | Value::Object(_) | Value::Dict(_)) {
                    continue;
                }
                let key = match k {
                    Value::Str(s) => s.to_string(),
                    Value::Int(i) => i.to_string(),
                    _ => continue,
                };
                let name = if prefix.is_empty() {
                    key
                } else {
                    format!("{prefix}.{key}")
                };
                collect_tensors(v, &name, depth + 1, out)?;
            }
        }
        _ => {}
    }
    Ok(())
}

/// Builds the row-major `f32` tensor that `t` views in `raw` (the storage's bytes).
fn materialise(t: &TensorRef, raw: &[u8], big_endian: bool) -> Result<HostTensor> {
    let numel = t
        .shape
        .iter()
        .try_fold(1usize, |acc, &d| acc.checked_mul(d))
        .ok_or_else(|| invalid("element count overflows"))?;
    let storage_numel = t.storage.numel;
    if numel == 0 {
        return HostTensor::new(t.shape.clone(), Vec::new());
    }
    // Highest storage index touched: offset + Σ (dim − 1) · stride.
    let last = t
        .shape
        .iter()
        .zip(&t.strides)
        .try_fold(t.offset, |acc, (&d, &s)| {
            (d - 1).checked_mul(s).and_then(|x| acc.checked_add(x))
        })
        .ok_or_else(|| invalid("offset/stride arithmetic overflows"))?;
    if last >= storage_numel {
        return Err(invalid(format!(
            "view (offset {}, size {:?}, stride {:?}) reaches element {last} of a storage of {storage_numel}",
            t.offset, t.shape, t.strides
        )));
    }
    if numel > storage_numel.saturating_add(MAX_BROADCAST_ELEMENTS) {
        return Err(invalid(format!(
            "{numel} elements repeat a storage of {storage_numel} too often"
        )));
    }
    let dtype = t.storage.dtype;
    let es = dtype.size();
    let data = if is_row_major(&t.shape, &t.strides) {
        let start = t.offset * es;
        let bytes = &raw[start..start + numel * es];
        bytes
            .chunks_exact(es)
            .map(|c| decode(dtype, c, big_endian))
            .collect()
    } else {
        // Size-1 dimensions never move; a zero stride keeps the odometer in bounds.
        let strides = t
            .shape
            .iter()
            .zip(&t.strides)
            .map(|(&d, &s)| if d == 1 { 0 } else { s })
            .collect();
        let view = TensorRef {
            strides,
            ..t.clone()
        };
        gather(&view, numel, raw, big_endian)
    };
    HostTensor::new(t.shape.clone(), data)
}

/// Whether the strides are the contiguous row-major strides of `shape` (size-1 dimensions may
/// have any stride).
fn is_row_major(shape: &[usize], strides: &[usize]) -> bool {
    let mut expected = 1usize;
    for (&d, &s) in shape.iter().zip(strides).rev() {
        if d != 1 && s != expected {
            return false;
        }
        expected = expected.saturating_mul(d);
    }
    true
}

/// Reads a strided view element by element, in row-major order of `shape`. Bounds were
/// checked by the caller (every index is at most `last`).
fn gather(t: &TensorRef, numel: usize, raw: &[u8], big_endian: bool) -> Vec<f32> {
    let es = t.storage.dtype.size();
    let mut out = Vec::with_capacity(numel);
    let mut index = vec![0usize; t.shape.len()];
    let mut pos = t.offset;
    for _ in 0..numel {
        let at = pos * es;
        out.push(decode(t.storage.dtype, &raw[at..at + es], big_endian));
        // Odometer increment from the innermost dimension.
        for dim in (0..index.len()).rev() {
            index[dim] += 1;
            pos += t.strides[dim];
            if index[dim] < t.shape[dim] {
                break;
            }
            pos -= t.strides[dim] * t.shape[dim];
            index[dim] = 0;
        }
    }
    out
}

/// Decodes one element of `dtype` (`bytes.len() == dtype.size()`) to `f32`.
fn decode(dtype: StorageDtype, bytes: &[u8], big_endian: bool) -> f32 {
    let mut b = [0u8; 8];
    let n = bytes.len().min(8);
    b[..n].copy_from_slice(&bytes[..n]);
    if big_endian {
        b[..n].reverse();
    }
    match dtype {
        StorageDtype::F32 => f32::from_le_bytes([b[0], b[1], b[2], b[3]]),
        StorageDtype::F64 => f64::from_le_bytes(b) as f32,
        StorageDtype::F16 => half_to_f32(u16::from_le_bytes([b[0], b[1]])),
        StorageDtype::BF16 => f32::from_bits(u32::from(u16::from_le_bytes([b[0], b[1]])) << 16),
        StorageDtype::I64 => i64::from_le_bytes(b) as f32,
        StorageDtype::I32 => i32::from_le_bytes([b[0], b[1], b[2], b[3]]) as f32,
        StorageDtype::I16 => f32::from(i16::from_le_bytes([b[0], b[1]])),
        StorageDtype::I8 => f32::from(i8::from_le_bytes([b[0]])),
        StorageDtype::U8 => f32::from(b[0]),
        StorageDtype::Bool => f32::from(u8::from(b[0] != 0)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn row_major_detection_ignores_unit_dimensions() {
        assert!(is_row_major(&[2, 3], &[3, 1]));
        assert!(is_row_major(&[1, 3], &[99, 1]));
        assert!(!is_row_major(&[3, 2], &[1, 3]));
        assert!(is_row_major(&[], &[]));
    }

    #[test]
    fn gather_reads_a_transposed_view() {
        let storage = Rc::new(pickle::StorageRef {
            key: "0".into(),
            dtype: StorageDtype::F32,
            numel: 6,
        });
        let raw: Vec<u8> = (0..6).flat_map(|i| (i as f32).to_le_bytes()).collect();
        // Storage is a 2x3 row-major matrix; the view is its 3x2 transpose.
        let t = TensorRef {
            storage,
            offset: 0,
            shape: vec![3, 2],
            strides: vec![1, 3],
        };
        let out = materialise(&t, &raw, false).unwrap();
        assert_eq!(out.data, vec![0.0, 3.0, 1.0, 4.0, 2.0, 5.0]);
    }

    #[test]
    fn out_of_bounds_views_are_rejected() {
        let storage = Rc::new(pickle::StorageRef {
            key: "0".into(),
            dtype: StorageDtype::F32,
            numel: 4,
        });
        let raw = vec![0u8; 16];
        for (offset, shape, strides) in [
            (1, vec![4], vec![1]),
            (0, vec![2, 2], vec![3, 1]),
            (0, vec![usize::MAX, 2], vec![1, 1]),
            (usize::MAX, vec![1], vec![1]),
        ] {
            let t = TensorRef {
                storage: Rc::clone(&storage),
                offset,
                shape,
                strides,
            };
            assert!(materialise(&t, &raw, false).is_err());
        }
    }
}
