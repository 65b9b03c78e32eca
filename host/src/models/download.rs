//! Downloads one weights file: streamed to `<file>.part`, resumed with an HTTP `Range`
//! request after an interruption (also across runs), md5-checked, then renamed into place
//! atomically. A server that ignores `Range` (200 instead of 206) restarts the file; a 416
//! means the part is already complete (or stale, then it restarts). Dropped connections and
//! 5xx/429 answers are retried a few times; 4xx answers are not.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use reqwest::header::{CONTENT_RANGE, RANGE};
use tokio::io::AsyncWriteExt;

use crate::{Error, Result};

/// How far a download has come.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DownloadProgress {
    /// Bytes on disk so far (a resumed download starts above 0).
    pub downloaded: u64,
    /// The file's size, when the server said.
    pub total: Option<u64>,
}

/// What to fetch and where to put it.
#[derive(Debug, Clone)]
pub struct DownloadRequest {
    /// The URL.
    pub url: String,
    /// The final path (the partial file is `<target>.part`).
    pub target: PathBuf,
    /// md5 the finished file must have, if any.
    pub md5: Option<String>,
}

/// Retry behaviour.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// Tries in all (at least 1).
    pub attempts: u32,
    /// Wait before the second try; doubled for each further one.
    pub first_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            attempts: 4,
            first_delay: Duration::from_millis(500),
        }
    }
}

/// How often progress is reported (the last report always comes).
const PROGRESS_INTERVAL: Duration = Duration::from_millis(100);

/// The partial file of `target`.
pub fn part_path(target: &Path) -> PathBuf {
    let mut name = target.file_name().unwrap_or_default().to_os_string();
    name.push(".part");
    target.with_file_name(name)
}

/// A client for weight downloads: redirects followed (GitHub release assets redirect), a
/// connect timeout, no overall timeout (files are large), a read timeout against stalls.
pub fn client() -> Result<reqwest::Client> {
    reqwest::Client::builder()
        .user_agent(concat!("mend/", env!("CARGO_PKG_VERSION")))
        .connect_timeout(Duration::from_secs(20))
        .read_timeout(Duration::from_secs(60))
        .build()
        .map_err(|e| Error::Task(format!("cannot create the HTTP client: {e}")))
}

/// Downloads `req` with resume and md5 check; returns the file's size. `progress` is called
/// at most every 100 ms and once at the end.
pub async fn download(
    client: &reqwest::Client,
    req: &DownloadRequest,
    policy: RetryPolicy,
    progress: &(dyn Fn(DownloadProgress) + Send + Sync),
) -> Result<u64> {
    let fail = |reason: String| Error::Download {
        url: req.url.clone(),
        path: req.target.clone(),
        reason,
    };
    let _guard = InFlight::claim(&req.target).ok_or_else(|| {
        Error::Conflict(format!(
            "{} is already being downloaded; wait for it to finish",
            req.target.display()
        ))
    })?;
    if let Some(dir) = req.target.parent() {
        tokio::fs::create_dir_all(dir)
            .await
            .map_err(|e| fail(format!("cannot create {}: {e}", dir.display())))?;
    }
    let part = part_path(&req.target);
    let mut delay = policy.first_delay;
    let mut attempt = 1;
    let size = loop {
        match fetch(client, &req.url, &part, progress).await {
            Ok(size) => break size,
            Err(Failure::Fatal(reason)) => return Err(fail(reason)),
            Err(Failure::Retry(reason)) if attempt >= policy.attempts.max(1) => {
                return Err(fail(format!("{reason} (after {attempt} tries)")));
            }
            Err(Failure::Retry(reason)) => {
                tracing::warn!(url = %req.url, attempt, "download interrupted: {reason}; retrying");
                tokio::time::sleep(delay).await;
                delay = delay.saturating_mul(2);
                attempt += 1;
            }
        }
    };
    if let Some(md5) = &req.md5 {
        let (check, expected) = (part.clone(), md5.clone());
        let verified = tokio::task::spawn_blocking(move || {
            mend_models::weights::verify_md5(&check, &expected)
        })
        .await
        .map_err(|e| Error::Task(e.to_string()))?;
        if let Err(e) = verified {
            // A corrupt download must not be resumed: start over next time.
            let _ = tokio::fs::remove_file(&part).await;
            let reason = match e {
                mend_models::Error::Md5Mismatch {
                    expected, actual, ..
                } => format!(
                    "{} mismatch: expected {expected}, got {actual} (the download was deleted; \
                     if the file at the URL changed on purpose, set <MODEL>_MODEL_MD5)",
                    if expected.len() == 64 {
                        "sha256"
                    } else {
                        "md5"
                    }
                ),
                other => other.to_string(),
            };
            return Err(fail(reason));
        }
    }
    tokio::fs::rename(&part, &req.target)
        .await
        .map_err(|e| fail(format!("cannot move the finished download into place: {e}")))?;
    #[cfg(unix)]
    if let Some(dir) = req.target.parent()
        && let Ok(d) = std::fs::File::open(dir)
    {
        let _ = d.sync_all();
    }
    Ok(size)
}

enum Failure {
    /// Worth another try (network error, 5xx, short body).
    Retry(String),
    /// Will not get better by retrying (404, 403, disk errors).
    Fatal(String),
}

/// One HTTP request, resuming `part` where it ends. Returns the complete size.
async fn fetch(
    client: &reqwest::Client,
    url: &str,
    part: &Path,
    progress: &(dyn Fn(DownloadProgress) + Send + Sync),
) -> std::result::Result<u64, Failure> {
    let have = tokio::fs::metadata(part).await.map_or(0, |m| m.len());
    let mut request = client.get(url);
    if have > 0 {
        request = request.header(RANGE, format!("bytes={have}-"));
    }
    let response = request
        .send()
        .await
        .map_err(|e| Failure::Retry(describe(&e)))?;
    let status = response.status();
    let (mut file, mut downloaded, total) = match status {
        StatusCode::PARTIAL_CONTENT => {
            let range = content_range(&response);
            match range {
                Some((start, total)) if start == have => {
                    let file = open(part, true).await?;
                    (file, have, total)
                }
                _ => {
                    // An answer for another range: drop what we have and start over.
                    let _ = tokio::fs::remove_file(part).await;
                    return Err(Failure::Retry(
                        "the server resumed at a different offset".to_owned(),
                    ));
                }
            }
        }
        StatusCode::OK => {
            // The server ignores Range (or there was nothing to resume): start from zero.
            let total = response.content_length();
            (open(part, false).await?, 0, total)
        }
        StatusCode::RANGE_NOT_SATISFIABLE => {
            let total = content_range_total(&response);
            if total == Some(have) {
                progress(DownloadProgress {
                    downloaded: have,
                    total,
                });
                return Ok(have);
            }
            let _ = tokio::fs::remove_file(part).await;
            return Err(Failure::Retry(
                "the partial download does not fit the file on the server; restarting".to_owned(),
            ));
        }
        s if s.is_server_error()
            || s == StatusCode::TOO_MANY_REQUESTS
            || s == StatusCode::REQUEST_TIMEOUT =>
        {
            return Err(Failure::Retry(format!("the server answered {s}")));
        }
        s => return Err(Failure::Fatal(format!("the server answered {s}"))),
    };
    let mut response = response;
    let mut last = Instant::now();
    progress(DownloadProgress { downloaded, total });
    loop {
        let chunk = match response.chunk().await {
            Ok(Some(chunk)) => chunk,
            Ok(None) => break,
            Err(e) => {
                let _ = file.flush().await;
                return Err(Failure::Retry(describe(&e)));
            }
        };
        file.write_all(&chunk)
            .await
            .map_err(|e| Failure::Fatal(format!("cannot write {}: {e}", part.display())))?;
        downloaded += chunk.len() as u64;
        if total.is_some_and(|t| downloaded > t) {
            let _ = tokio::fs::remove_file(part).await;
            return Err(Failure::Retry(
                "the server sent more bytes than announced".to_owned(),
            ));
        }
        if last.elapsed() >= PROGRESS_INTERVAL {
            last = Instant::now();
            progress(DownloadProgress { downloaded, total });
        }
    }
    file.flush()
        .await
        .and(file.sync_all().await)
        .map_err(|e| Failure::Fatal(format!("cannot write {}: {e}", part.display())))?;
    if let Some(t) = total
        && downloaded != t
    {
        return Err(Failure::Retry(format!(
            "the connection closed after {downloaded} of {t} bytes"
        )));
    }
    progress(DownloadProgress { downloaded, total });
    Ok(downloaded)
}

async fn open(part: &Path, append: bool) -> std::result::Result<tokio::fs::File, Failure> {
    let mut options = tokio::fs::OpenOptions::new();
    options.create(true).write(true);
    if append {
        options.append(true);
    } else {
        options.truncate(true);
    }
    options
        .open(part)
        .await
        .map_err(|e| Failure::Fatal(format!("cannot write {}: {e}", part.display())))
}

/// `Content-Range: bytes START-END/TOTAL` → (START, TOTAL if not `*`).
fn content_range(response: &reqwest::Response) -> Option<(u64, Option<u64>)> {
    let value = response.headers().get(CONTENT_RANGE)?.to_str().ok()?;
    let rest = value.trim().strip_prefix("bytes ")?;
    let (range, total) = rest.split_once('/')?;
    let (start, _end) = range.split_once('-')?;
    Some((start.trim().parse().ok()?, total.trim().parse().ok()))
}

/// `Content-Range: bytes */TOTAL` (a 416's answer) → TOTAL.
fn content_range_total(response: &reqwest::Response) -> Option<u64> {
    let value = response.headers().get(CONTENT_RANGE)?.to_str().ok()?;
    value.trim().rsplit('/').next()?.trim().parse().ok()
}

/// A reqwest error with its causes (reqwest's Display alone hides "connection refused").
fn describe(e: &reqwest::Error) -> String {
    use std::error::Error as _;
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

/// Targets being downloaded by this process; a second download of the same file is refused.
struct InFlight(PathBuf);

fn in_flight() -> &'static Mutex<HashSet<PathBuf>> {
    static SET: OnceLock<Mutex<HashSet<PathBuf>>> = OnceLock::new();
    SET.get_or_init(|| Mutex::new(HashSet::new()))
}

impl InFlight {
    fn claim(target: &Path) -> Option<Self> {
        let mut set = in_flight().lock().unwrap_or_else(|p| p.into_inner());
        set.insert(target.to_path_buf())
            .then(|| Self(target.to_path_buf()))
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        let mut set = in_flight().lock().unwrap_or_else(|p| p.into_inner());
        set.remove(&self.0);
    }
}
