//! CORS. IOPaint allows every origin with credentials, so any web page a user visits can drive
//! the local server. mend allows same-origin use (its own UI) always, localhost pages by
//! default, and IOPaint's wide-open behaviour only when `--cors-origins '*'` asks for it. Like
//! IOPaint, `X-Seed` is exposed and preflights are cached for 600 s.

use std::time::Duration;

use axum::http::{HeaderName, HeaderValue, request::Parts};
use tower_http::cors::{AllowHeaders, AllowMethods, AllowOrigin, CorsLayer};

use crate::config::CorsOrigins;

/// Whether `origin` is allowed by `rules` (`*`, `local`, or exact origins).
pub fn origin_allowed(rules: &[String], origin: &str) -> bool {
    rules.iter().any(|rule| match rule.as_str() {
        "*" => true,
        "local" => is_local_origin(origin),
        exact => exact.trim_end_matches('/').eq_ignore_ascii_case(origin),
    })
}

fn is_local_origin(origin: &str) -> bool {
    let Some(rest) = origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"))
    else {
        return false;
    };
    let host = if let Some(v6) = rest.strip_prefix('[') {
        v6.split(']').next().unwrap_or_default()
    } else {
        rest.split(':').next().unwrap_or_default()
    };
    matches!(host, "localhost" | "127.0.0.1" | "::1")
}

/// The CORS layer for the configured origins.
pub fn layer(origins: &CorsOrigins) -> CorsLayer {
    let CorsOrigins::List(rules) = origins.clone();
    CorsLayer::new()
        .allow_origin(AllowOrigin::predicate(
            move |origin: &HeaderValue, _parts: &Parts| {
                origin
                    .to_str()
                    .is_ok_and(|origin| origin_allowed(&rules, origin))
            },
        ))
        .allow_credentials(true)
        .allow_methods(AllowMethods::mirror_request())
        .allow_headers(AllowHeaders::mirror_request())
        .expose_headers([HeaderName::from_static("x-seed")])
        .max_age(Duration::from_secs(600))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_rule_allows_loopback_on_any_port_only() {
        let rules = vec!["local".to_owned()];
        for ok in [
            "http://localhost:5173",
            "http://127.0.0.1:8080",
            "https://[::1]:1",
        ] {
            assert!(origin_allowed(&rules, ok), "{ok}");
        }
        for bad in [
            "http://evil.com",
            "http://localhost.evil.com",
            "null",
            "file://x",
        ] {
            assert!(!origin_allowed(&rules, bad), "{bad}");
        }
    }

    #[test]
    fn star_and_exact_rules() {
        assert!(origin_allowed(&["*".to_owned()], "http://anything.example"));
        let exact = vec!["https://app.example/".to_owned()];
        assert!(origin_allowed(&exact, "https://app.example"));
        assert!(!origin_allowed(&exact, "https://other.example"));
    }
}
