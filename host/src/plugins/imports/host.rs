//! `mend:plugin/host`: `log` (tagged with the plugin id, truncated, at most
//! [`MAX_LOG_LINES_PER_CALL`] lines per call) and `progress` (false once the call is
//! cancelled).

use crate::plugins::state::{HostState, MAX_LOG_LINE_BYTES, MAX_LOG_LINES_PER_CALL};
use crate::plugins::wit::latest::host::{Host, LogLevel};

impl Host for HostState {
    fn log(&mut self, level: LogLevel, message: String) {
        if self.stats.log_lines >= MAX_LOG_LINES_PER_CALL {
            self.stats.log_lines_dropped = self.stats.log_lines_dropped.saturating_add(1);
            return;
        }
        self.stats.log_lines += 1;
        let line = sanitize(&message, MAX_LOG_LINE_BYTES);
        let plugin = &*self.plugin;
        match level {
            LogLevel::Trace => tracing::trace!(target: "mend::plugin", plugin, "{line}"),
            LogLevel::Debug => tracing::debug!(target: "mend::plugin", plugin, "{line}"),
            LogLevel::Info => tracing::info!(target: "mend::plugin", plugin, "{line}"),
            LogLevel::Warn => tracing::warn!(target: "mend::plugin", plugin, "{line}"),
            LogLevel::Error => tracing::error!(target: "mend::plugin", plugin, "{line}"),
        }
    }

    fn progress(&mut self, fraction: f32) -> bool {
        if fraction.is_finite() {
            self.stats.progress = fraction.clamp(0.0, 1.0);
        }
        !self.cancel.is_cancelled()
    }
}

/// At most `max` bytes of `text` (cut at a character boundary, `…` appended), with control
/// characters replaced so a plugin cannot forge log lines.
pub fn sanitize(text: &str, max: usize) -> String {
    let mut end = text.len().min(max);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let mut out: String = text
        .get(..end)
        .unwrap_or_default()
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if end < text.len() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitize_truncates_at_char_boundaries_and_strips_controls() {
        assert_eq!(sanitize("a\nb", 10), "a b");
        assert_eq!(sanitize("héllo", 2), "h…");
        assert_eq!(sanitize("abc", 3), "abc");
    }
}
