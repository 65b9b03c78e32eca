//! A terminal progress bar (indicatif) for weight downloads on the command line.

use std::sync::Mutex;

use indicatif::{ProgressBar, ProgressStyle};

use super::FileProgress;

/// One bar per file, replaced when the next file starts; hidden when stderr is not a terminal.
#[derive(Debug, Default)]
pub struct DownloadBars {
    current: Mutex<Option<(String, ProgressBar)>>,
}

impl DownloadBars {
    /// No bar yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Updates (or starts) the bar of `p.file`.
    pub fn update(&self, p: &FileProgress) {
        let Ok(mut current) = self.current.lock() else {
            return;
        };
        let same = current.as_ref().is_some_and(|(f, _)| *f == p.file);
        if !same {
            if let Some((_, old)) = current.take() {
                old.finish();
            }
            let bar = ProgressBar::new(p.total.unwrap_or(0));
            let template = "{msg} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}";
            if let Ok(style) = ProgressStyle::with_template(template) {
                bar.set_style(style.progress_chars("=> "));
            }
            bar.set_message(format!("{} {}", p.model, p.file));
            *current = Some((p.file.clone(), bar));
        }
        if let Some((_, bar)) = current.as_ref() {
            if let Some(total) = p.total {
                bar.set_length(total);
            }
            bar.set_position(p.downloaded);
            if p.done {
                bar.finish();
            }
        }
    }
}
