//! Checksums of weight files: md5 (IOPaint's catalogue names every file by its md5), or
//! sha256 for files whose publisher gives only that (a 64-digit expected value).

use std::io::Read;
use std::path::Path;

use md5::{Digest, Md5};
use sha2::Sha256;

use crate::{Error, Result};

/// Streams a file through md5; returns the lower-case hex digest.
pub fn md5_file(path: &Path) -> Result<String> {
    digest_file::<Md5>(path)
}

/// Streams a file through sha256; returns the lower-case hex digest.
pub fn sha256_file(path: &Path) -> Result<String> {
    digest_file::<Sha256>(path)
}

fn digest_file<D: Digest>(path: &Path) -> Result<String> {
    let mut file = std::fs::File::open(path)
        .map_err(|e| Error::io(format!("opening {}", path.display()), e))?;
    let mut hasher = D::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = file
            .read(&mut buf)
            .map_err(|e| Error::io(format!("reading {}", path.display()), e))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hex(&hasher.finalize()))
}

/// md5 of bytes in memory, lower-case hex.
pub fn md5_bytes(bytes: &[u8]) -> String {
    hex(&Md5::digest(bytes))
}

/// Fails with [`Error::Md5Mismatch`] (file, expected and actual digest) unless the file's
/// checksum is `expected` (compared case-insensitively): an md5, or a sha256 when `expected`
/// has 64 digits.
pub fn verify_md5(path: &Path, expected: &str) -> Result<()> {
    let actual = if expected.trim().len() == 64 {
        sha256_file(path)?
    } else {
        md5_file(path)?
    };
    if actual.eq_ignore_ascii_case(expected.trim()) {
        Ok(())
    } else {
        Err(Error::Md5Mismatch {
            path: path.to_path_buf(),
            expected: expected.trim().to_ascii_lowercase(),
            actual,
        })
    }
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::with_capacity(32), |mut s, b| {
        let _ = write!(s, "{b:02x}");
        s
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_digests() {
        assert_eq!(md5_bytes(b""), "d41d8cd98f00b204e9800998ecf8427e");
        assert_eq!(
            md5_bytes(b"The quick brown fox jumps over the lazy dog"),
            "9e107d9d372bb6826bd81d3542a419d6"
        );
    }

    #[test]
    fn a_64_digit_checksum_is_a_sha256() {
        let path = std::env::temp_dir().join(format!("mend-sha-{}", std::process::id()));
        std::fs::write(&path, b"abc").unwrap();
        let sha = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
        assert!(verify_md5(&path, sha).is_ok());
        assert!(verify_md5(&path, &"0".repeat(64)).is_err());
        std::fs::remove_file(path).ok();
    }

    #[test]
    fn mismatch_names_file_expected_and_actual() {
        let path = std::env::temp_dir().join(format!("mend-md5-{}", std::process::id()));
        std::fs::write(&path, b"abc").unwrap();
        assert!(verify_md5(&path, "900150983CD24FB0D6963F7D28E17F72").is_ok());
        let err = verify_md5(&path, "00000000000000000000000000000000")
            .unwrap_err()
            .to_string();
        assert!(err.contains(&path.display().to_string()), "{err}");
        assert!(err.contains("00000000000000000000000000000000"), "{err}");
        assert!(err.contains("900150983cd24fb0d6963f7d28e17f72"), "{err}");
        std::fs::remove_file(path).ok();
    }
}
