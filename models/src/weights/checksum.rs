//! md5 of weight files (IOPaint's catalogue names every file by its md5).

use std::io::Read;
use std::path::Path;

use md5::{Digest, Md5};

use crate::{Error, Result};

/// Streams a file through md5; returns the lower-case hex digest.
pub fn md5_file(path: &Path) -> Result<String> {
    let mut file = std::fs::File::open(path)
        .map_err(|e| Error::io(format!("opening {}", path.display()), e))?;
    let mut hasher = Md5::new();
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

/// Fails with [`Error::Md5Mismatch`] (file, expected and actual md5) unless the file's md5 is
/// `expected` (compared case-insensitively).
pub fn verify_md5(path: &Path, expected: &str) -> Result<()> {
    let actual = md5_file(path)?;
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
