//! Bounded capture of a plugin's stdout and stderr. WASI gives plugins a stdout and a stderr
//! so `println!` and panic messages work; mend keeps at most [`CAPTURE_BYTES`] of each per
//! call, drops the rest without failing the plugin, and forwards the lines to `tracing` once
//! the call ends (see `call::forward_output`).

use std::sync::{Arc, Mutex};

use bytes::Bytes;
use wasmtime_wasi::cli::{IsTerminal, StdoutStream};
use wasmtime_wasi::p2::{OutputStream, Pollable, StreamResult};

/// Bytes kept per stream and call.
pub const CAPTURE_BYTES: usize = 64 * 1024;

#[derive(Debug, Default)]
struct Captured {
    bytes: Vec<u8>,
    dropped: u64,
}

/// One captured stream; clones share the buffer.
#[derive(Debug, Clone, Default)]
pub struct Capture {
    inner: Arc<Mutex<Captured>>,
}

impl Capture {
    /// An empty capture.
    pub fn new() -> Self {
        Self::default()
    }

    /// The captured bytes and how many were dropped past the bound.
    pub fn take(&self) -> (Vec<u8>, u64) {
        match self.inner.lock() {
            Ok(mut c) => (std::mem::take(&mut c.bytes), std::mem::take(&mut c.dropped)),
            Err(_) => (Vec::new(), 0),
        }
    }

    /// The last `max_lines` non-empty lines captured so far (lossy UTF-8), without taking them.
    pub fn tail(&self, max_lines: usize) -> Vec<String> {
        let Ok(c) = self.inner.lock() else {
            return Vec::new();
        };
        let text = String::from_utf8_lossy(&c.bytes);
        let mut lines: Vec<String> = text
            .lines()
            .rev()
            .filter(|l| !l.trim().is_empty())
            .take(max_lines)
            .map(str::to_owned)
            .collect();
        lines.reverse();
        lines
    }

    fn push(&self, bytes: &[u8]) {
        // A poisoned lock only means another write panicked; drop the output then.
        if let Ok(mut c) = self.inner.lock() {
            let room = CAPTURE_BYTES.saturating_sub(c.bytes.len());
            let kept = bytes.len().min(room);
            c.bytes
                .extend_from_slice(bytes.get(..kept).unwrap_or_default());
            c.dropped += (bytes.len() - kept) as u64;
        }
    }
}

impl IsTerminal for Capture {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl StdoutStream for Capture {
    fn p2_stream(&self) -> Box<dyn OutputStream> {
        Box::new(self.clone())
    }

    fn async_stream(&self) -> Box<dyn tokio::io::AsyncWrite + Send + Sync> {
        // Only WASI p3 asks for this; p3 is not linked.
        Box::new(tokio::io::sink())
    }
}

#[wasmtime_wasi::async_trait]
impl OutputStream for Capture {
    fn write(&mut self, bytes: Bytes) -> StreamResult<()> {
        self.push(&bytes);
        Ok(())
    }

    fn flush(&mut self) -> StreamResult<()> {
        Ok(())
    }

    fn check_write(&mut self) -> StreamResult<usize> {
        // Always writable: past the bound, bytes are counted and dropped, so a flooding
        // plugin neither blocks nor fails.
        Ok(CAPTURE_BYTES)
    }
}

#[wasmtime_wasi::async_trait]
impl Pollable for Capture {
    async fn ready(&mut self) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_bound_and_counts_the_rest() {
        let mut c = Capture::new();
        let chunk = Bytes::from(vec![b'x'; CAPTURE_BYTES - 10]);
        c.write(chunk).ok();
        c.write(Bytes::from(vec![b'y'; 30])).ok();
        let (bytes, dropped) = c.take();
        assert_eq!(bytes.len(), CAPTURE_BYTES);
        assert_eq!(dropped, 20);
        assert_eq!(c.take().0.len(), 0);
    }
}
