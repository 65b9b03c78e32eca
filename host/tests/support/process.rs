//! The real `mend` binary as a child process, for tests that kill, restart or fill the disk
//! under a running server.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// A `mend start` child process; killed (SIGKILL) and reaped on drop, whatever happened.
pub struct MendProcess {
    child: Option<Child>,
    /// `http://127.0.0.1:PORT`.
    pub url: String,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The last ~4000 characters of a log file.
pub fn log_tail(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let start = text.len().saturating_sub(4000);
    let start = (start..text.len())
        .find(|i| text.is_char_boundary(*i))
        .unwrap_or(text.len());
    text[start..].to_owned()
}

impl MendProcess {
    /// Starts `mend start --model cv2 --device cpu` (plus `extra`) on a free loopback port and
    /// polls `GET /api/v1/server-config` (at most 30 s) until it answers 200. A lost port race
    /// is retried; any other exit during start-up is `Err` with the log's tail. The server's
    /// stderr is appended to `log`; `MEND_TEST_SERVER_LOG` sets its log filter.
    pub async fn try_start(data_dir: &Path, log: &Path, extra: &[&str]) -> Result<Self, String> {
        let client = reqwest::Client::new();
        for attempt in 0..3 {
            let port = free_port();
            // Appended, so a failure shows the run before a kill too.
            let log_file = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(log)
                .unwrap();
            let child = Command::new(env!("CARGO_BIN_EXE_mend"))
                .args(["start", "--host", "127.0.0.1", "--port"])
                .arg(port.to_string())
                .args(["--model", "cv2", "--device", "cpu", "--data-dir"])
                .arg(data_dir)
                .args(extra)
                .env(
                    "RUST_LOG",
                    std::env::var("MEND_TEST_SERVER_LOG").unwrap_or_else(|_| "info".into()),
                )
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::from(log_file))
                .spawn()
                .expect("spawn mend");
            let mut server = Self {
                child: Some(child),
                url: format!("http://127.0.0.1:{port}"),
            };
            let deadline = Instant::now() + Duration::from_secs(30);
            loop {
                if let Some(status) = server.child.as_mut().unwrap().try_wait().unwrap() {
                    let tail = log_tail(log);
                    server.child = None;
                    if tail.contains("binding") && attempt < 2 {
                        break; // lost the port race; try another port
                    }
                    return Err(format!(
                        "mend exited during start-up ({status}); log:\n{tail}"
                    ));
                }
                let ready = client
                    .get(server.at("/api/v1/server-config"))
                    .timeout(Duration::from_secs(2))
                    .send()
                    .await
                    .is_ok_and(|r| r.status() == 200);
                if ready {
                    return Ok(server);
                }
                assert!(
                    Instant::now() < deadline,
                    "mend not ready after 30 s; log:\n{}",
                    log_tail(log)
                );
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
        Err(format!(
            "mend could not bind a port; log:\n{}",
            log_tail(log)
        ))
    }

    /// [`MendProcess::try_start`], panicking with the log on failure.
    pub async fn start(data_dir: &Path, log: &Path, extra: &[&str]) -> Self {
        Self::try_start(data_dir, log, extra)
            .await
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// `url + path`.
    pub fn at(&self, path: &str) -> String {
        format!("{}{path}", self.url)
    }

    /// SIGKILL, then reap.
    pub fn kill9(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// SIGTERM and wait (at most 15 s) for the exit; returns whether it exited 0.
    pub fn stop_gracefully(&mut self) -> bool {
        let Some(mut child) = self.child.take() else {
            return false;
        };
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(child.id().to_string())
            .status();
        let deadline = Instant::now() + Duration::from_secs(15);
        while Instant::now() < deadline {
            if let Some(status) = child.try_wait().unwrap() {
                return status.success();
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        let _ = child.kill();
        let _ = child.wait();
        false
    }
}

impl Drop for MendProcess {
    fn drop(&mut self) {
        self.kill9();
    }
}

/// GET → 200 → JSON, panicking with the URL otherwise.
pub async fn get_json(client: &reqwest::Client, url: &str) -> Value {
    let res = client
        .get(url)
        .send()
        .await
        .unwrap_or_else(|e| panic!("GET {url}: {e}"));
    assert_eq!(res.status(), 200, "GET {url}");
    res.json().await.unwrap()
}

/// GET → 200 → bytes, panicking with the URL otherwise.
pub async fn get_bytes(client: &reqwest::Client, url: &str) -> Vec<u8> {
    let res = client
        .get(url)
        .send()
        .await
        .unwrap_or_else(|e| panic!("GET {url}: {e}"));
    assert_eq!(res.status(), 200, "GET {url}");
    res.bytes().await.unwrap().to_vec()
}
