//! Request image payloads: data URLs and bare base64, decoded leniently like IOPaint.
//!
//! Accepted: `data:image/<any>[;param=value…];base64,<b64>`,
//! `data:application/octet-stream[;…];base64,<b64>` and bare base64. Whitespace and line
//! breaks anywhere in the base64 text are ignored, padding is optional, and the URL-safe
//! alphabet (`-`, `_`) is accepted as well. Unlike upstream, data URLs with extra parameters
//! work, and anything else (other media types, percent-encoded data URLs, characters outside
//! the alphabet, an empty payload) is rejected with [`Error::Base64`] instead of a 500.

use base64::Engine as _;
use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};

use crate::error::{Error, Result};

/// Standard alphabet, padding optional, non-canonical trailing bits tolerated.
const LENIENT: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);

/// Decodes a request's image field (data URL or bare base64) into the raw file bytes.
pub fn decode_payload(s: &str) -> Result<Vec<u8>> {
    let s = s.trim_ascii();
    let b64 = match strip_data_url(s)? {
        Some(payload) => payload,
        None => s,
    };
    decode_lenient(b64.as_bytes())
}

/// If `s` is a data URL, validates its header and returns the payload after the first `,`.
fn strip_data_url(s: &str) -> Result<Option<&str>> {
    let Some(prefix) = s.get(..5) else {
        return Ok(None);
    };
    if !prefix.eq_ignore_ascii_case("data:") {
        return Ok(None);
    }
    let rest = s.get(5..).unwrap_or_default();
    let Some((header, payload)) = rest.split_once(',') else {
        return Err(Error::Base64("data URL without a `,`".into()));
    };
    let mut parts = header.split(';').map(str::trim);
    let media_type = parts.next().unwrap_or_default().to_ascii_lowercase();
    let mut is_base64 = false;
    for p in parts {
        if p.eq_ignore_ascii_case("base64") {
            is_base64 = true;
        }
    }
    if !(media_type.starts_with("image/") || media_type == "application/octet-stream") {
        return Err(Error::Base64(format!(
            "data URL media type `{media_type}` is not an image"
        )));
    }
    if !is_base64 {
        return Err(Error::Base64("data URL is not base64-encoded".into()));
    }
    Ok(Some(payload))
}

/// Base64 decoding that ignores ASCII whitespace, optional padding and the URL-safe alphabet.
fn decode_lenient(input: &[u8]) -> Result<Vec<u8>> {
    let needs_cleanup = input
        .iter()
        .any(|&b| b.is_ascii_whitespace() || b == b'-' || b == b'_');
    let cleaned;
    let mut data: &[u8] = input;
    if needs_cleanup {
        cleaned = input
            .iter()
            .filter(|b| !b.is_ascii_whitespace())
            .map(|&b| match b {
                b'-' => b'+',
                b'_' => b'/',
                other => other,
            })
            .collect::<Vec<u8>>();
        data = &cleaned;
    }
    // Padding is optional, but stray `=` in the middle is garbage (the engine rejects it).
    while let Some((b'=', head)) = data.split_last() {
        data = head;
    }
    if data.is_empty() {
        return Err(Error::Base64("empty image payload".into()));
    }
    LENIENT
        .decode(data)
        .map_err(|e| Error::Base64(e.to_string()))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const HELLO: &[u8] = b"hello!?";
    // base64("hello!?") = "aGVsbG8hPw==" ; url-safe form is identical here.

    #[test]
    fn bare_and_data_urls() {
        assert_eq!(decode_payload("aGVsbG8hPw==").unwrap(), HELLO);
        assert_eq!(decode_payload("aGVsbG8hPw").unwrap(), HELLO);
        assert_eq!(
            decode_payload("data:image/png;base64,aGVsbG8hPw==").unwrap(),
            HELLO
        );
        assert_eq!(
            decode_payload("data:image/jpeg;base64,aGVsbG8hPw").unwrap(),
            HELLO
        );
        assert_eq!(
            decode_payload("data:application/octet-stream;base64,aGVsbG8hPw==").unwrap(),
            HELLO
        );
        // Extra parameters (broken upstream).
        assert_eq!(
            decode_payload("data:image/png;name=x.png;base64,aGVsbG8hPw==").unwrap(),
            HELLO
        );
        assert_eq!(
            decode_payload("DATA:Image/PNG;charset=utf-8;BASE64,aGVsbG8hPw==").unwrap(),
            HELLO
        );
    }

    #[test]
    fn whitespace_and_url_safe() {
        assert_eq!(decode_payload("  aGVs\nbG8h\r\nPw= =\n").unwrap(), HELLO);
        assert_eq!(
            decode_payload("data:image/png;base64,aGVs bG8h Pw").unwrap(),
            HELLO
        );
        // 0xfb 0xff -> "+/8" standard, "-_8" url-safe
        assert_eq!(decode_payload("-_8").unwrap(), vec![0xfb, 0xff]);
        assert_eq!(decode_payload("+/8=").unwrap(), vec![0xfb, 0xff]);
    }

    #[test]
    fn garbage_is_base64_error() {
        for bad in [
            "",
            "   ",
            "====",
            "a",
            "abc$def",
            "aGVs=bG8h",
            "data:image/png;base64,",
            "data:image/png;base64,!!!!",
            "data:text/plain;base64,aGVsbG8hPw==",
            "data:image/png,hello",
            "data:image/png;base64",
            "data:",
            "ünïcödé",
        ] {
            assert!(
                matches!(decode_payload(bad), Err(Error::Base64(_))),
                "{bad:?} should fail"
            );
        }
    }
}
