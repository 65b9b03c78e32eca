//! A local HTTP server that serves generated weight files, for download tests (never the
//! internet). Paths choose the behaviour:
//!
//! - `/ok/<name>`: the file, honouring `Range: bytes=N-` with 206 (and 416 past the end);
//! - `/norange/<name>`: always 200 with the whole file (a server that ignores `Range`);
//! - `/flaky/<name>`: the first `flaky_failures` requests announce the full length, send half of
//!   what they owe and drop the connection; later ones behave like `/ok/`;
//! - `/slow/<name>`: like `/ok/`, in 8 KiB pieces 20 ms apart;
//! - anything else: 404.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// What a test can inspect after requests.
#[derive(Default)]
pub struct Seen {
    /// Every request's `Range` header (`None` when absent), in order.
    pub ranges: Mutex<Vec<Option<String>>>,
    /// Requests answered.
    pub requests: AtomicUsize,
}

struct Shared {
    file: Bytes,
    flaky_failures: usize,
    flaky_done: AtomicUsize,
    seen: Arc<Seen>,
}

/// A running weights server.
pub struct WeightsServer {
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    /// The served file.
    pub file: Bytes,
    /// What it saw.
    pub seen: Arc<Seen>,
}

/// Deterministic pseudo-random bytes.
pub fn generated_bytes(len: usize, seed: u64) -> Vec<u8> {
    let mut state = seed | 1;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        })
        .collect()
}

impl WeightsServer {
    /// The `[model_files.<PREFIX>]` override that downloads the served file from `path` (e.g.
    /// `/ok/big-lama.pt`), md5-checked.
    pub fn file_override(&self, path: &str) -> mend::config::ModelFileOverride {
        mend::config::ModelFileOverride {
            url: Some(self.at(path)),
            md5: Some(mend_models::weights::checksum::md5_bytes(&self.file)),
        }
    }

    /// Serves `file`; `/flaky/` fails its first `flaky_failures` requests.
    pub async fn start(file: Vec<u8>, flaky_failures: usize) -> Self {
        let seen = Arc::new(Seen::default());
        let file = Bytes::from(file);
        let shared = Arc::new(Shared {
            file: file.clone(),
            flaky_failures,
            flaky_done: AtomicUsize::new(0),
            seen: Arc::clone(&seen),
        });
        let app = axum::Router::new()
            .route("/{mode}/{name}", axum::routing::get(serve))
            .with_state(shared);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self { url, file, seen }
    }

    /// `url + path`.
    pub fn at(&self, path: &str) -> String {
        format!("{}{path}", self.url)
    }

    /// The `Range` headers seen so far.
    pub fn ranges(&self) -> Vec<Option<String>> {
        self.seen.ranges.lock().expect("lock").clone()
    }
}

fn requested_start(headers: &HeaderMap) -> Option<usize> {
    let value = headers.get(header::RANGE)?.to_str().ok()?;
    value
        .strip_prefix("bytes=")?
        .strip_suffix('-')?
        .parse()
        .ok()
}

async fn serve(
    State(shared): State<Arc<Shared>>,
    Path((mode, _name)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    shared.seen.requests.fetch_add(1, Ordering::Relaxed);
    shared.seen.ranges.lock().expect("lock").push(
        headers
            .get(header::RANGE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
    );
    let file = shared.file.clone();
    let len = file.len();
    let start = match mode.as_str() {
        "norange" => None,
        "ok" | "flaky" | "slow" => requested_start(&headers),
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    if let Some(s) = start
        && s >= len
    {
        return (
            StatusCode::RANGE_NOT_SATISFIABLE,
            [(header::CONTENT_RANGE, format!("bytes */{len}"))],
        )
            .into_response();
    }
    let from = start.unwrap_or(0);
    let body = file.slice(from..);
    let mut builder = Response::builder()
        .header(header::CONTENT_LENGTH, body.len())
        .header(header::ACCEPT_RANGES, "bytes");
    builder = if start.is_some() {
        builder.status(StatusCode::PARTIAL_CONTENT).header(
            header::CONTENT_RANGE,
            format!("bytes {from}-{}/{len}", len - 1),
        )
    } else {
        builder.status(StatusCode::OK)
    };
    let flaky = mode == "flaky"
        && shared.flaky_done.fetch_add(1, Ordering::Relaxed) < shared.flaky_failures;
    let stream_body = if flaky {
        // Half of what is owed, then an error: hyper drops the connection mid-body.
        let half = body.slice(..body.len() / 2);
        Body::from_stream(futures_util::stream::iter(vec![
            Ok(half),
            Err(std::io::Error::other("connection dropped on purpose")),
        ]))
    } else if mode == "slow" {
        let pieces: Vec<Bytes> = body.chunks(8 * 1024).map(Bytes::copy_from_slice).collect();
        Body::from_stream(futures_util::StreamExt::then(
            futures_util::stream::iter(pieces),
            |piece| async move {
                tokio::time::sleep(Duration::from_millis(20)).await;
                Ok::<_, std::io::Error>(piece)
            },
        ))
    } else {
        Body::from(body)
    };
    builder
        .body(stream_body)
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}
