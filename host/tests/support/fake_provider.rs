//! A local HTTP server that speaks the OpenAI images API (`/v1/images/edits`, `/generations`,
//! `/variations`) for the cloud tests: it checks the bearer key, parses the multipart or JSON
//! request like the real service, answers with a generated PNG of the requested size and a
//! gpt-image-style `usage`, and can be told to be slow, to fail with 5xx a number of times, to
//! refuse with a billing error, or to echo the key in an error (to prove mend redacts it).

use std::collections::HashMap;
use std::io::Cursor;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Json;
use axum::extract::{Multipart, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use base64::Engine as _;
use image::{ImageFormat, Rgba, RgbaImage};
use serde_json::{Value, json};

/// How the fake provider behaves; change it while it runs.
#[derive(Debug, Clone, Default)]
pub struct Behaviour {
    /// Delay before answering, ms.
    pub delay_ms: u64,
    /// Answer this many requests with 500 first.
    pub fail_5xx: usize,
    /// Answer every request with a 400 billing error.
    pub billing_error: bool,
    /// Answer with a 401 whose message contains the key it got.
    pub echo_key_401: bool,
    /// Output tokens reported in `usage` (272 = gpt-image-1 low at 1024²).
    pub output_tokens: u64,
}

/// One request the provider received.
#[derive(Debug, Clone)]
pub struct Received {
    /// Path (`/v1/images/edits`, …).
    pub path: String,
    /// Text fields.
    pub fields: HashMap<String, String>,
    /// File fields: name → bytes.
    pub files: HashMap<String, Vec<u8>>,
}

#[derive(Clone)]
struct Shared {
    key: String,
    behaviour: Arc<Mutex<Behaviour>>,
    received: Arc<Mutex<Vec<Received>>>,
    calls: Arc<AtomicUsize>,
    in_flight: Arc<AtomicU64>,
}

/// The running fake provider.
pub struct FakeProvider {
    /// Base URL to configure in mend (`http://127.0.0.1:PORT/v1`).
    pub base_url: String,
    shared: Shared,
}

impl FakeProvider {
    /// Starts a provider that accepts `key`.
    pub async fn start(key: &str) -> Self {
        let shared = Shared {
            key: key.to_owned(),
            behaviour: Arc::new(Mutex::new(Behaviour {
                output_tokens: 272,
                ..Behaviour::default()
            })),
            received: Arc::new(Mutex::new(Vec::new())),
            calls: Arc::new(AtomicUsize::new(0)),
            in_flight: Arc::new(AtomicU64::new(0)),
        };
        let app = axum::Router::new()
            .route("/v1/images/edits", post(multipart_call))
            .route("/v1/images/variations", post(multipart_call))
            .route("/v1/images/generations", post(json_call))
            .layer(axum::extract::DefaultBodyLimit::max(64 * 1024 * 1024))
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        Self {
            base_url: format!("http://{addr}/v1"),
            shared,
        }
    }

    /// Changes the behaviour.
    pub fn set(&self, f: impl FnOnce(&mut Behaviour)) {
        f(&mut self.shared.behaviour.lock().unwrap());
    }

    /// Requests answered or refused so far.
    pub fn calls(&self) -> usize {
        self.shared.calls.load(Ordering::SeqCst)
    }

    /// The requests received so far.
    pub fn received(&self) -> Vec<Received> {
        self.shared.received.lock().unwrap().clone()
    }
}

async fn multipart_call(
    State(shared): State<Shared>,
    headers: HeaderMap,
    uri: axum::http::Uri,
    mut form: Multipart,
) -> Response {
    let mut received = Received {
        path: uri.path().to_owned(),
        fields: HashMap::new(),
        files: HashMap::new(),
    };
    while let Ok(Some(field)) = form.next_field().await {
        let name = field.name().unwrap_or_default().to_owned();
        let is_file = field.file_name().is_some();
        let bytes = field.bytes().await.unwrap_or_default().to_vec();
        if is_file {
            received.files.insert(name, bytes);
        } else {
            received
                .fields
                .insert(name, String::from_utf8_lossy(&bytes).into_owned());
        }
    }
    answer(shared, headers, received).await
}

async fn json_call(
    State(shared): State<Shared>,
    headers: HeaderMap,
    uri: axum::http::Uri,
    Json(body): Json<Value>,
) -> Response {
    let fields = body
        .as_object()
        .map(|o| {
            o.iter()
                .map(|(k, v)| {
                    (
                        k.clone(),
                        v.as_str().map_or_else(|| v.to_string(), str::to_owned),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let received = Received {
        path: uri.path().to_owned(),
        fields,
        files: HashMap::new(),
    };
    answer(shared, headers, received).await
}

fn error(status: StatusCode, message: &str, kind: &str) -> Response {
    (
        status,
        Json(json!({"error": {"message": message, "type": kind, "param": null, "code": null}})),
    )
        .into_response()
}

async fn answer(shared: Shared, headers: HeaderMap, received: Received) -> Response {
    shared.in_flight.fetch_add(1, Ordering::SeqCst);
    shared.calls.fetch_add(1, Ordering::SeqCst);
    shared.received.lock().unwrap().push(received.clone());
    let behaviour = shared.behaviour.lock().unwrap().clone();
    if behaviour.delay_ms > 0 {
        tokio::time::sleep(Duration::from_millis(behaviour.delay_ms)).await;
    }
    shared.in_flight.fetch_sub(1, Ordering::SeqCst);
    let auth = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    if behaviour.echo_key_401 {
        return error(
            StatusCode::UNAUTHORIZED,
            &format!(
                "Incorrect API key provided: {}",
                auth.trim_start_matches("Bearer ")
            ),
            "invalid_request_error",
        );
    }
    if auth != format!("Bearer {}", shared.key) {
        return error(
            StatusCode::UNAUTHORIZED,
            "Incorrect API key provided",
            "invalid_request_error",
        );
    }
    {
        let mut b = shared.behaviour.lock().unwrap();
        if b.fail_5xx > 0 {
            b.fail_5xx -= 1;
            return error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "The server had an error",
                "server_error",
            );
        }
    }
    if behaviour.billing_error {
        return error(
            StatusCode::BAD_REQUEST,
            "Billing hard limit has been reached",
            "billing_limit_user_error",
        );
    }
    let Some(prompt_ok) = (received.path.ends_with("variations")
        || received.fields.get("prompt").is_some_and(|p| !p.is_empty()))
    .then_some(true) else {
        return error(
            StatusCode::BAD_REQUEST,
            "prompt is required",
            "invalid_request_error",
        );
    };
    let _ = prompt_ok;
    if received.path.ends_with("edits")
        && !received.files.contains_key("image")
        && !received.files.contains_key("image[]")
    {
        return error(
            StatusCode::BAD_REQUEST,
            "image is required",
            "invalid_request_error",
        );
    }
    let (w, h) = received
        .fields
        .get("size")
        .and_then(|s| s.split_once('x'))
        .and_then(|(w, h)| Some((w.parse().ok()?, h.parse().ok()?)))
        .unwrap_or((1024u32, 1024u32));
    let n: usize = received
        .fields
        .get("n")
        .and_then(|n| n.parse().ok())
        .unwrap_or(1);
    let model = received.fields.get("model").cloned().unwrap_or_default();
    // A solid magenta image: easy to find in the composited result.
    let img = RgbaImage::from_pixel(w, h, Rgba([255, 0, 255, 255]));
    let mut png = Vec::new();
    image::DynamicImage::ImageRgba8(img)
        .write_to(&mut Cursor::new(&mut png), ImageFormat::Png)
        .unwrap();
    let b64 = base64::engine::general_purpose::STANDARD.encode(&png);
    let data: Vec<Value> = (0..n).map(|_| json!({"b64_json": b64})).collect();
    let mut body = json!({"created": 1_700_000_000, "data": data});
    if model.starts_with("gpt-image") {
        body["usage"] = json!({
            "input_tokens": 300,
            "output_tokens": behaviour.output_tokens * n as u64,
            "input_tokens_details": {"text_tokens": 20, "image_tokens": 280}
        });
    }
    let mut response = Json(body).into_response();
    response
        .headers_mut()
        .insert("x-request-id", "req_fake_123".parse().unwrap());
    response
}
