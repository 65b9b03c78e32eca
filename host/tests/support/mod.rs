//! Shared helpers for the host's integration tests: a real server on a free loopback port,
//! and generated test images.

#![allow(clippy::unwrap_used, clippy::expect_used)]
#![allow(dead_code)]

pub mod components;
pub mod fake_provider;
pub mod process;
pub mod weights_server;

use std::io::Cursor;
use std::path::PathBuf;

use base64::Engine as _;
use image::{GrayImage, ImageFormat, Luma, Rgb, RgbImage, Rgba, RgbaImage};
use mend::config::Config;
use mend::engine::{Engine, EventBus};
use mend::jobs::Jobs;
use mend::plugins::Plugins;
use mend::server::{self, AppState};
use mend::storage::Store;
use tokio::sync::oneshot;

/// A mend server running inside the test process on `127.0.0.1:<free port>`.
pub struct TestServer {
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    /// A client for it.
    pub client: reqwest::Client,
    /// The server's data dir (removed on drop).
    pub data_dir: PathBuf,
    shutdown: Option<oneshot::Sender<()>>,
}

impl TestServer {
    /// Starts a server with the default configuration.
    pub async fn start() -> Self {
        Self::start_with(|_| {}).await
    }

    /// Starts a server after `tweak` adjusted the configuration.
    pub async fn start_with(tweak: impl FnOnce(&mut Config)) -> Self {
        Self::start_with_clock(tweak, std::sync::Arc::new(mend::budget::SystemClock)).await
    }

    /// [`TestServer::start_with`] with the budget guard on `clock`.
    pub async fn start_with_clock(
        tweak: impl FnOnce(&mut Config),
        clock: std::sync::Arc<dyn mend::budget::Clock>,
    ) -> Self {
        let data_dir = temp_dir("server");
        let mut config = Config {
            port: 0,
            data_dir: data_dir.clone(),
            model_dir: data_dir.join("models"),
            ..Config::default()
        };
        tweak(&mut config);
        config.validate().expect("valid test config");
        let events = EventBus::new();
        let engine = Engine::start(
            &config.model,
            config.device,
            config.queue_depth,
            events.clone(),
        )
        .expect("engine starts");
        let (store, _report) = Store::open(&config.data_dir).expect("store opens");
        let plugins = Plugins::start(&config, events.clone(), Some(store.clone()))
            .await
            .expect("plugins start");
        let jobs = Jobs::start(store, events);
        let listener = tokio::net::TcpListener::bind((config.host, 0))
            .await
            .expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let (tx, rx) = oneshot::channel::<()>();
        let state = AppState::with_clock(config, engine, jobs, plugins, clock).expect("app state");
        tokio::spawn(async move {
            server::serve(listener, state, async {
                let _ = rx.await;
            })
            .await
            .expect("server runs");
        });
        Self {
            url,
            client: reqwest::Client::new(),
            data_dir,
            shutdown: Some(tx),
        }
    }

    /// `url + path`.
    pub fn at(&self, path: &str) -> String {
        format!("{}{path}", self.url)
    }

    /// GETs `path` and parses the JSON answer.
    pub async fn get_json(&self, path: &str) -> serde_json::Value {
        self.client
            .get(self.at(path))
            .send()
            .await
            .expect("request sent")
            .json()
            .await
            .expect("a JSON answer")
    }

    /// POSTs JSON to `path`.
    pub async fn post_json(&self, path: &str, body: &serde_json::Value) -> reqwest::Response {
        self.client
            .post(self.at(path))
            .json(body)
            .send()
            .await
            .expect("request sent")
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        let _ = std::fs::remove_dir_all(&self.data_dir);
    }
}

/// A fresh, unique temporary folder.
pub fn temp_dir(tag: &str) -> PathBuf {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    let dir = std::env::temp_dir().join(format!(
        "mend-test-{tag}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// A photo-like test image: smooth gradients plus deterministic texture.
pub fn photo(width: u32, height: u32) -> RgbImage {
    RgbImage::from_fn(width, height, |x, y| {
        let n = (x.wrapping_mul(73_856_093) ^ y.wrapping_mul(19_349_663)) % 23;
        let r = (x * 255 / width.max(1)) as u8;
        let g = (y * 255 / height.max(1)) as u8;
        let b = (((x + y) % 64) * 2) as u8;
        Rgb([
            r.saturating_add(n as u8),
            g.saturating_add(n as u8),
            b.saturating_add(n as u8),
        ])
    })
}

/// A mask with a filled rectangle `[x0, x1) × [y0, y1)` (255) on black.
pub fn rect_mask(width: u32, height: u32, x0: u32, y0: u32, x1: u32, y1: u32) -> GrayImage {
    GrayImage::from_fn(width, height, |x, y| {
        Luma([if x >= x0 && x < x1 && y >= y0 && y < y1 {
            255
        } else {
            0
        }])
    })
}

/// Encodes an RGB image.
pub fn encode_rgb(img: &RgbImage, format: ImageFormat) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, format).expect("encode");
    out.into_inner()
}

/// Encodes an RGBA image as PNG.
pub fn encode_rgba_png(img: &RgbaImage) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, ImageFormat::Png).expect("encode");
    out.into_inner()
}

/// Encodes a gray image as PNG.
pub fn encode_gray_png(img: &GrayImage) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, ImageFormat::Png).expect("encode");
    out.into_inner()
}

/// A mask drawn the way IOPaint's UI draws it: brush colour (255, 204, 0) with alpha 0xbb on a
/// transparent canvas, as an RGBA PNG.
pub fn ui_brush_mask(width: u32, height: u32, x0: u32, y0: u32, x1: u32, y1: u32) -> Vec<u8> {
    let img = RgbaImage::from_fn(width, height, |x, y| {
        if x >= x0 && x < x1 && y >= y0 && y < y1 {
            Rgba([255, 204, 0, 0xbb])
        } else {
            Rgba([0, 0, 0, 0])
        }
    });
    encode_rgba_png(&img)
}

/// `data:<mime>;base64,<bytes>`.
pub fn data_url(mime: &str, bytes: &[u8]) -> String {
    format!(
        "data:{mime};base64,{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    )
}

/// The bytes of a `data:…;base64,…` URL (as plugin routes answer images and masks).
pub fn data_url_bytes(url: &str) -> Vec<u8> {
    let (_, b64) = url.split_once(',').expect("a data URL");
    base64::engine::general_purpose::STANDARD
        .decode(b64)
        .expect("base64 payload")
}

/// Decodes response bytes.
pub fn decode(bytes: &[u8]) -> image::DynamicImage {
    image::load_from_memory(bytes).expect("response is an image")
}
