//! Decoded images the editor already sent or got back, keyed by the SHA-256 of their bytes, so
//! `POST /api/v1/edit` can name an image (`image_sha256`) instead of uploading and decoding it
//! again on every stroke.
//!
//! The cache is bounded by bytes (pixels plus the encoded file, which history keeps as the
//! input) and evicts the least recently used image. A miss is never an error the user sees:
//! the route answers 412 and the client sends the image once more.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, OnceLock};

use sha2::{Digest, Sha256};

use crate::imaging::DecodedImage;

/// Default budget of the cache: enough for a few large photos per user.
pub const DEFAULT_MAX_BYTES: usize = 512 * 1024 * 1024;

/// One cached image: its pixels and the bytes they were decoded from (or encoded to).
#[derive(Debug)]
pub struct CachedImage {
    /// The decoded image, exactly what decoding `bytes` yields.
    pub decoded: DecodedImage,
    /// The encoded file.
    pub bytes: Vec<u8>,
    /// Where history holds exactly `bytes` (relative to the data dir), so an edit that starts
    /// from this image links that file as its input instead of writing it again. Set once: at
    /// insertion for a result, after its first edit for an upload.
    pub stored_at: OnceLock<String>,
}

impl CachedImage {
    /// Memory the entry holds, roughly.
    fn weight(&self) -> usize {
        self.decoded.rgb.as_raw().len()
            + self.decoded.alpha.as_ref().map_or(0, |a| a.as_raw().len())
            + self.bytes.len()
    }
}

/// The cache; cheap to clone (shared).
#[derive(Debug, Clone)]
pub struct ImageCache {
    inner: Arc<Mutex<Inner>>,
    max_bytes: usize,
}

#[derive(Debug, Default)]
struct Inner {
    /// Least recently used first.
    entries: VecDeque<(String, Arc<CachedImage>)>,
    bytes: usize,
}

impl ImageCache {
    /// An empty cache holding at most `max_bytes`.
    pub fn new(max_bytes: usize) -> Self {
        Self {
            inner: Arc::new(Mutex::new(Inner::default())),
            max_bytes,
        }
    }

    /// The key of `bytes`: their SHA-256, lowercase hex.
    pub fn key(bytes: &[u8]) -> String {
        Sha256::digest(bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// The image stored under `key`, marked as recently used.
    pub fn get(&self, key: &str) -> Option<Arc<CachedImage>> {
        let mut inner = self.inner.lock().ok()?;
        let at = inner.entries.iter().position(|(k, _)| k == key)?;
        let entry = inner.entries.remove(at)?;
        let image = Arc::clone(&entry.1);
        inner.entries.push_back(entry);
        Some(image)
    }

    /// Stores `image` under `key` (replacing an older entry) and evicts the least recently
    /// used images beyond the budget. An image larger than the whole budget is not kept.
    pub fn insert(&self, key: String, image: CachedImage) {
        let weight = image.weight();
        if weight > self.max_bytes {
            return;
        }
        let Ok(mut inner) = self.inner.lock() else {
            return;
        };
        if let Some(at) = inner.entries.iter().position(|(k, _)| *k == key)
            && let Some((_, old)) = inner.entries.remove(at)
        {
            inner.bytes = inner.bytes.saturating_sub(old.weight());
        }
        while inner.bytes + weight > self.max_bytes {
            let Some((_, old)) = inner.entries.pop_front() else {
                break;
            };
            inner.bytes = inner.bytes.saturating_sub(old.weight());
        }
        inner.bytes += weight;
        inner.entries.push_back((key, Arc::new(image)));
    }

    /// Number of cached images.
    pub fn len(&self) -> usize {
        self.inner.lock().map_or(0, |i| i.entries.len())
    }

    /// True when nothing is cached.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::imaging::{ImageFormatKind, ImageMetadata};

    fn image(side: u32) -> CachedImage {
        CachedImage {
            decoded: DecodedImage {
                rgb: image::RgbImage::new(side, side),
                alpha: None,
                format: ImageFormatKind::Png,
                metadata: ImageMetadata::default(),
            },
            bytes: vec![0; 100],
            stored_at: OnceLock::new(),
        }
    }

    #[test]
    fn keys_are_sha256_hex() {
        assert_eq!(
            ImageCache::key(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn evicts_least_recently_used_beyond_the_budget() {
        // Each 10×10 image weighs 300 + 100 bytes; room for two.
        let cache = ImageCache::new(800);
        cache.insert("a".into(), image(10));
        cache.insert("b".into(), image(10));
        assert!(cache.get("a").is_some()); // a is now the most recent
        cache.insert("c".into(), image(10));
        assert!(cache.get("b").is_none());
        assert!(cache.get("a").is_some() && cache.get("c").is_some());
        assert_eq!(cache.len(), 2);
    }

    #[test]
    fn too_large_images_and_replacements_keep_the_budget() {
        let cache = ImageCache::new(800);
        cache.insert("huge".into(), image(100));
        assert!(cache.is_empty());
        cache.insert("a".into(), image(10));
        cache.insert("a".into(), image(10));
        cache.insert("b".into(), image(10));
        assert_eq!(cache.len(), 2);
    }
}
