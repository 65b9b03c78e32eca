//! Format detection by magic bytes (the equivalent of Python's `imghdr` as IOPaint uses it).
//!
//! Differences from upstream: any JPEG start-of-image `FF D8 FF` is JPEG (imghdr insists on a
//! `JFIF`/`Exif` marker or `FF D8 FF DB`), and unknown bytes are `None` instead of defaulting
//! to JPEG, so undecodable uploads get a 4xx instead of a 500 later on.

/// The image formats mend reads and writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ImageFormatKind {
    /// Portable Network Graphics.
    Png,
    /// JPEG / JFIF / EXIF.
    Jpeg,
    /// WebP (read: lossy and lossless; written lossless).
    Webp,
    /// Windows bitmap.
    Bmp,
    /// TIFF.
    Tiff,
    /// GIF (first frame only).
    Gif,
}

impl ImageFormatKind {
    /// The MIME type, as IOPaint sends it (`image/<ext>`).
    pub const fn mime(self) -> &'static str {
        match self {
            Self::Png => "image/png",
            Self::Jpeg => "image/jpeg",
            Self::Webp => "image/webp",
            Self::Bmp => "image/bmp",
            Self::Tiff => "image/tiff",
            Self::Gif => "image/gif",
        }
    }

    /// The canonical file extension without a dot (`jpeg`, like IOPaint's normalisation).
    pub const fn extension(self) -> &'static str {
        match self {
            Self::Png => "png",
            Self::Jpeg => "jpeg",
            Self::Webp => "webp",
            Self::Bmp => "bmp",
            Self::Tiff => "tiff",
            Self::Gif => "gif",
        }
    }

    /// Whether the format stores an alpha channel (as mend writes it).
    pub const fn supports_alpha(self) -> bool {
        !matches!(self, Self::Jpeg)
    }
}

impl std::fmt::Display for ImageFormatKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.extension())
    }
}

/// PNG file signature.
pub(crate) const PNG_SIGNATURE: [u8; 8] = [0x89, b'P', b'N', b'G', b'\r', b'\n', 0x1a, b'\n'];

/// Detects the format from the first bytes. `None` for anything mend does not read.
pub fn sniff(bytes: &[u8]) -> Option<ImageFormatKind> {
    if bytes.starts_with(&PNG_SIGNATURE) {
        Some(ImageFormatKind::Png)
    } else if bytes.starts_with(&[0xff, 0xd8, 0xff]) {
        Some(ImageFormatKind::Jpeg)
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        Some(ImageFormatKind::Gif)
    } else if bytes.len() >= 12 && bytes.starts_with(b"RIFF") && bytes.get(8..12) == Some(b"WEBP") {
        Some(ImageFormatKind::Webp)
    } else if bytes.starts_with(b"II*\0") || bytes.starts_with(b"MM\0*") {
        Some(ImageFormatKind::Tiff)
    } else if bytes.starts_with(b"BM") {
        Some(ImageFormatKind::Bmp)
    } else {
        None
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn magic_bytes() {
        assert_eq!(sniff(&PNG_SIGNATURE), Some(ImageFormatKind::Png));
        assert_eq!(
            sniff(&[0xff, 0xd8, 0xff, 0xe1]),
            Some(ImageFormatKind::Jpeg)
        );
        assert_eq!(
            sniff(&[0xff, 0xd8, 0xff, 0xee]),
            Some(ImageFormatKind::Jpeg)
        );
        assert_eq!(sniff(b"GIF89a...."), Some(ImageFormatKind::Gif));
        assert_eq!(sniff(b"RIFF\0\0\0\0WEBPVP8 "), Some(ImageFormatKind::Webp));
        assert_eq!(sniff(b"RIFF\0\0\0\0WAVEfmt "), None);
        assert_eq!(sniff(b"II*\0\x08\0\0\0"), Some(ImageFormatKind::Tiff));
        assert_eq!(sniff(b"MM\0*\0\0\0\x08"), Some(ImageFormatKind::Tiff));
        assert_eq!(sniff(b"BM\0\0"), Some(ImageFormatKind::Bmp));
        assert_eq!(sniff(b""), None);
        assert_eq!(sniff(&[0xff, 0xd8]), None);
        assert_eq!(sniff(b"hello world"), None);
    }

    #[test]
    fn names() {
        assert_eq!(ImageFormatKind::Jpeg.mime(), "image/jpeg");
        assert_eq!(ImageFormatKind::Jpeg.extension(), "jpeg");
        assert_eq!(ImageFormatKind::Webp.to_string(), "webp");
        assert!(!ImageFormatKind::Jpeg.supports_alpha());
        assert!(ImageFormatKind::Png.supports_alpha());
    }
}
