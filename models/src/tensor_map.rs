//! Named host-side tensors: the hand-over format between weight readers (TorchScript archives,
//! safetensors files) and the models that build themselves from a state dict.

use std::collections::BTreeMap;

use safetensors::tensor::{Dtype, SafeTensors, TensorView};

use crate::{Error, Result};

/// One tensor on the host: row-major `f32` values and their shape.
#[derive(Debug, Clone, PartialEq)]
pub struct HostTensor {
    /// Dimensions, outermost first (PyTorch's order).
    pub shape: Vec<usize>,
    /// Row-major values; `data.len()` is the product of `shape`.
    pub data: Vec<f32>,
}

impl HostTensor {
    /// Creates a tensor, checking that `data` fills `shape`.
    pub fn new(shape: Vec<usize>, data: Vec<f32>) -> Result<Self> {
        let expected = shape
            .iter()
            .try_fold(1usize, |n, &d| n.checked_mul(d))
            .ok_or_else(|| Error::InvalidWeights(format!("shape {shape:?} is too large")))?;
        if expected != data.len() {
            return Err(Error::InvalidWeights(format!(
                "shape {shape:?} needs {expected} values, got {}",
                data.len()
            )));
        }
        Ok(Self { shape, data })
    }

    /// Number of values.
    pub fn len(&self) -> usize {
        self.data.len()
    }

    /// Whether the tensor holds no values.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }
}

/// A state dict: parameter name (PyTorch's dotted key) → tensor, in key order.
pub type TensorMap = BTreeMap<String, HostTensor>;

/// Reads every tensor of a safetensors file. `F32`, `F16`, `BF16` and `F64` tensors are
/// converted to `f32`; any other dtype is an error naming the key.
pub fn read_safetensors(bytes: &[u8]) -> Result<TensorMap> {
    let file = SafeTensors::deserialize(bytes)
        .map_err(|e| Error::InvalidWeights(format!("not a safetensors file: {e}")))?;
    let mut map = TensorMap::new();
    for (name, view) in file.tensors() {
        let data = to_f32(&name, view.dtype(), view.data())?;
        map.insert(name, HostTensor::new(view.shape().to_vec(), data)?);
    }
    Ok(map)
}

/// Writes tensors as a safetensors file (all `F32`, little-endian).
pub fn write_safetensors(map: &TensorMap) -> Result<Vec<u8>> {
    let bytes: Vec<(String, Vec<usize>, Vec<u8>)> = map
        .iter()
        .map(|(name, t)| {
            let raw = t.data.iter().flat_map(|v| v.to_le_bytes()).collect();
            (name.clone(), t.shape.clone(), raw)
        })
        .collect();
    let mut views = Vec::with_capacity(bytes.len());
    for (name, shape, raw) in &bytes {
        let view = TensorView::new(Dtype::F32, shape.clone(), raw)
            .map_err(|e| Error::InvalidWeights(format!("tensor `{name}`: {e}")))?;
        views.push((name.as_str(), view));
    }
    safetensors::serialize(views, None)
        .map_err(|e| Error::InvalidWeights(format!("cannot write safetensors: {e}")))
}

fn to_f32(name: &str, dtype: Dtype, raw: &[u8]) -> Result<Vec<f32>> {
    let values = match dtype {
        Dtype::F32 => raw
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .collect(),
        Dtype::F64 => raw
            .chunks_exact(8)
            .map(|c| {
                let mut b = [0u8; 8];
                b.copy_from_slice(c);
                f64::from_le_bytes(b) as f32
            })
            .collect(),
        Dtype::F16 => raw
            .chunks_exact(2)
            .map(|c| half_to_f32(u16::from_le_bytes([c[0], c[1]])))
            .collect(),
        Dtype::BF16 => raw
            .chunks_exact(2)
            .map(|c| f32::from_bits(u32::from(u16::from_le_bytes([c[0], c[1]])) << 16))
            .collect(),
        other => {
            return Err(Error::InvalidWeights(format!(
                "tensor `{name}` has dtype {other:?}; only floating-point tensors are weights"
            )));
        }
    };
    Ok(values)
}

/// IEEE 754 binary16 → binary32 (exact; subnormals, infinities and NaN kept).
pub fn half_to_f32(h: u16) -> f32 {
    let sign = u32::from(h >> 15) << 31;
    let exp = u32::from((h >> 10) & 0x1f);
    let frac = u32::from(h & 0x3ff);
    let bits = match (exp, frac) {
        (0, 0) => sign,
        (0, f) => {
            // Subnormal: normalise the fraction.
            let mut e = 127 - 15 + 1;
            let mut f = f;
            while f & 0x400 == 0 {
                f <<= 1;
                e -= 1;
            }
            sign | (e << 23) | ((f & 0x3ff) << 13)
        }
        (0x1f, f) => sign | 0x7f80_0000 | (f << 13),
        (e, f) => sign | ((e + 127 - 15) << 23) | (f << 13),
    };
    f32::from_bits(bits)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn safetensors_round_trip_keeps_names_shapes_and_values() {
        let mut map = TensorMap::new();
        map.insert(
            "a.weight".into(),
            HostTensor::new(vec![2, 3], vec![1.0, -2.0, 3.5, 0.0, 1e-7, 9.0]).unwrap(),
        );
        map.insert(
            "b.bias".into(),
            HostTensor::new(vec![1], vec![0.25]).unwrap(),
        );
        let bytes = write_safetensors(&map).unwrap();
        assert_eq!(read_safetensors(&bytes).unwrap(), map);
    }

    #[test]
    fn shape_must_match_data() {
        assert!(HostTensor::new(vec![2, 2], vec![0.0; 3]).is_err());
        // A product that would wrap around to the data length is refused, not accepted.
        // (2^64 − 1)² wraps to 1.
        assert!(HostTensor::new(vec![usize::MAX, usize::MAX], vec![0.0; 1]).is_err());
    }

    #[test]
    fn half_conversion_is_exact() {
        assert_eq!(half_to_f32(0x3c00), 1.0);
        assert_eq!(half_to_f32(0xc000), -2.0);
        assert_eq!(half_to_f32(0x0001), 2f32.powi(-24));
        assert_eq!(half_to_f32(0x7bff), 65504.0);
        assert!(half_to_f32(0x7c00).is_infinite());
    }

    #[test]
    fn garbage_is_a_clear_error() {
        let err = read_safetensors(b"not a file").unwrap_err();
        assert!(err.to_string().contains("not a safetensors file"), "{err}");
    }
}
