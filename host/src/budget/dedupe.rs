//! The dedupe key: a SHA-256 over everything that shapes a paid result, so identical requests
//! within the TTL reuse the stored result instead of paying again.

use sha2::{Digest, Sha256};

/// The parts of a request that decide its result.
#[derive(Debug, Clone, Copy)]
pub struct DedupeInput<'a> {
    /// Provider model.
    pub model: &'a str,
    /// Operation name.
    pub operation: &'a str,
    /// Prompt.
    pub prompt: &'a str,
    /// Input images, in order.
    pub images: &'a [&'a [u8]],
    /// Mask bytes, if any.
    pub mask: Option<&'a [u8]>,
    /// Size as requested.
    pub size: Option<&'a str>,
    /// Quality as requested.
    pub quality: Option<&'a str>,
    /// Number of images.
    pub n: u32,
    /// Further parameters, sorted by name.
    pub extra: &'a std::collections::BTreeMap<String, String>,
}

/// Lower-case hex SHA-256 of the request. Every field is length-prefixed, so no two different
/// requests can produce the same byte stream.
pub fn dedupe_key(input: &DedupeInput<'_>) -> String {
    let mut h = Sha256::new();
    let mut field = |tag: &str, bytes: &[u8]| {
        h.update(tag.as_bytes());
        h.update((bytes.len() as u64).to_le_bytes());
        h.update(bytes);
    };
    field("model", input.model.as_bytes());
    field("operation", input.operation.as_bytes());
    field("prompt", input.prompt.as_bytes());
    for image in input.images {
        field("image", &Sha256::digest(image));
    }
    if let Some(mask) = input.mask {
        field("mask", &Sha256::digest(mask));
    }
    field("size", input.size.unwrap_or("").as_bytes());
    field("quality", input.quality.unwrap_or("").as_bytes());
    field("n", &input.n.to_le_bytes());
    for (k, v) in input.extra {
        field("extra-key", k.as_bytes());
        field("extra-value", v.as_bytes());
    }
    let digest = h.finalize();
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn input<'a>(
        prompt: &'a str,
        images: &'a [&'a [u8]],
        extra: &'a BTreeMap<String, String>,
    ) -> DedupeInput<'a> {
        DedupeInput {
            model: "gpt-image-1",
            operation: "edit",
            prompt,
            images,
            mask: Some(b"mask"),
            size: Some("1024x1024"),
            quality: None,
            n: 1,
            extra,
        }
    }

    #[test]
    fn same_request_same_key_any_change_new_key() {
        let extra = BTreeMap::new();
        let a = dedupe_key(&input("sky", &[b"img"], &extra));
        assert_eq!(a.len(), 64);
        assert_eq!(a, dedupe_key(&input("sky", &[b"img"], &extra)));
        assert_ne!(a, dedupe_key(&input("sky!", &[b"img"], &extra)));
        assert_ne!(a, dedupe_key(&input("sky", &[b"img2"], &extra)));
        let mut more = BTreeMap::new();
        more.insert("background".to_owned(), "transparent".to_owned());
        assert_ne!(a, dedupe_key(&input("sky", &[b"img"], &more)));
        let mut n2 = input("sky", &[b"img"], &extra);
        n2.n = 2;
        assert_ne!(a, dedupe_key(&n2));
    }
}
