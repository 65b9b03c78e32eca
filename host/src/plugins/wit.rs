//! Host bindings of the `mend:plugin` WIT package, one module per released version (like
//! Zed's `wasm_host/wit`). A released version's folder under `wit/` is never edited, so its
//! module here never changes either; a new version adds a module, moves the [`latest`] alias,
//! and converts old types into the latest ones so host logic is written once.

pub mod since_v0_1_0;

/// The newest binding; host code is written against it.
pub use since_v0_1_0 as latest;

/// A `mend:plugin` version, `major.minor.patch`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct ApiVersion {
    /// Major version.
    pub major: u16,
    /// Minor version.
    pub minor: u16,
    /// Patch version.
    pub patch: u16,
}

impl ApiVersion {
    /// Builds a version.
    pub const fn new(major: u16, minor: u16, patch: u16) -> Self {
        Self {
            major,
            minor,
            patch,
        }
    }

    /// Parses `"0.1.0"`.
    pub fn parse(text: &str) -> Option<Self> {
        let mut parts = text.trim().split('.');
        let major = parts.next()?.parse().ok()?;
        let minor = parts.next()?.parse().ok()?;
        let patch = parts.next()?.parse().ok()?;
        if parts.next().is_some() {
            return None;
        }
        Some(Self::new(major, minor, patch))
    }

    /// Decodes the payload of a `mend:api-version` custom section: either six bytes (three
    /// big-endian `u16`, as Zed stamps its API version) or the UTF-8 text `0.1.0`.
    pub fn from_section(data: &[u8]) -> Option<Self> {
        if let [a, b, c, d, e, f] = *data {
            return Some(Self::new(
                u16::from_be_bytes([a, b]),
                u16::from_be_bytes([c, d]),
                u16::from_be_bytes([e, f]),
            ));
        }
        std::str::from_utf8(data).ok().and_then(Self::parse)
    }
}

impl std::fmt::Display for ApiVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

/// The versions this host loads: from the oldest binding's `MIN_VERSION` to the latest's
/// `MAX_VERSION` (within a minor line, patches never change the interface).
pub fn supported(version: ApiVersion) -> bool {
    (since_v0_1_0::MIN_VERSION..=latest::MAX_VERSION).contains(&version)
}

/// Human-readable list of supported versions, for error messages.
pub fn supported_range() -> String {
    format!("{} to {}", since_v0_1_0::MIN_VERSION, latest::MAX_VERSION)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_text_and_binary_versions() {
        assert_eq!(ApiVersion::parse("0.1.0"), Some(ApiVersion::new(0, 1, 0)));
        assert_eq!(ApiVersion::parse("0.1"), None);
        assert_eq!(ApiVersion::parse("0.1.0.1"), None);
        assert_eq!(
            ApiVersion::from_section(&[0, 0, 0, 1, 0, 2]),
            Some(ApiVersion::new(0, 1, 2))
        );
        assert_eq!(
            ApiVersion::from_section(b"0.1.0"),
            Some(ApiVersion::new(0, 1, 0))
        );
        assert_eq!(ApiVersion::from_section(b"junk"), None);
    }

    #[test]
    fn only_released_versions_are_supported() {
        assert!(supported(ApiVersion::new(0, 1, 0)));
        assert!(supported(ApiVersion::new(0, 1, 9)));
        assert!(!supported(ApiVersion::new(0, 2, 0)));
        assert!(!supported(ApiVersion::new(1, 0, 0)));
        assert!(!supported(ApiVersion::new(0, 0, 9)));
    }
}
