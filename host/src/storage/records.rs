//! The records mend stores: history entries, jobs, retention settings. These are the types
//! the rest of the host sees; redb tables and file layout stay inside `storage`.

use serde::{Deserialize, Serialize};

/// A job or history id: a UUID v7 string (time-ordered, so key order is creation order).
pub type RecordId = String;

/// Creates a new time-ordered id.
pub fn new_id() -> RecordId {
    uuid::Uuid::now_v7().to_string()
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// Where a job is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum JobState {
    /// Waiting in the engine queue.
    Queued,
    /// The model is running it.
    Running,
    /// Finished; its result is in history.
    Succeeded,
    /// Failed (`error` says why; "interrupted" when the server stopped while it ran).
    Failed,
    /// Cancelled by the user or because the client went away.
    Cancelled,
    /// Refused by the budget guard (cloud jobs).
    BlockedBudget,
}

impl JobState {
    /// Whether the job can still change state.
    pub fn is_active(self) -> bool {
        matches!(self, Self::Queued | Self::Running)
    }
}

/// One job: every inpaint creates one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Job {
    /// Job id (also the history id of its result).
    pub id: RecordId,
    /// Current state.
    pub state: JobState,
    /// What kind of work (`inpaint`).
    pub kind: String,
    /// Model name.
    pub model: String,
    /// Creation time, ms since the epoch.
    pub created_at: i64,
    /// Last state change, ms since the epoch.
    pub updated_at: i64,
    /// Progress in `[0, 1]` (last reported).
    pub progress: f32,
    /// Why it failed or was cancelled.
    pub error: Option<String>,
    /// The history entry holding its result, once succeeded and recorded.
    pub history_id: Option<RecordId>,
    /// Image width.
    pub width: u32,
    /// Image height.
    pub height: u32,
    /// The external provider that ran it (cloud jobs only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    /// What it cost in dollars (cloud jobs only; the estimate until settled).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost_usd: Option<f64>,
}

/// Timings of one inpaint, in milliseconds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Timings {
    /// Decoding image and mask.
    pub decode_ms: u64,
    /// Waiting in the queue and running the model.
    pub model_ms: u64,
    /// Encoding the result.
    pub encode_ms: u64,
    /// Whole request.
    pub total_ms: u64,
}

/// The files of one history entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum FileKind {
    /// The image as it was sent.
    Input,
    /// The binarised mask (PNG).
    Mask,
    /// The result, in the input's format.
    Output,
    /// A small preview of the result (JPEG).
    Thumbnail,
}

impl FileKind {
    /// All kinds, in write order.
    pub const ALL: [Self; 4] = [Self::Input, Self::Mask, Self::Output, Self::Thumbnail];

    /// Parses a URL segment.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "input" => Some(Self::Input),
            "mask" => Some(Self::Mask),
            "output" => Some(Self::Output),
            "thumbnail" => Some(Self::Thumbnail),
            _ => None,
        }
    }
}

/// A stored file: its name inside the entry's folder, content type and size.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct StoredFile {
    /// File name inside the entry's folder (e.g. `output.png`).
    pub name: String,
    /// MIME type.
    pub content_type: String,
    /// Size in bytes.
    pub bytes: u64,
}

/// A complete history entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct HistoryEntry {
    /// Entry id (same as its job's id).
    pub id: RecordId,
    /// Creation time, ms since the epoch.
    pub created_at: i64,
    /// Model name.
    pub model: String,
    /// Image width.
    pub width: u32,
    /// Image height.
    pub height: u32,
    /// The request's settings (the model-relevant fields of the request, as JSON).
    pub settings: serde_json::Value,
    /// Timings.
    pub timings: Timings,
    /// Folder of the entry, relative to the data dir (`files/YYYY/MM/DD/<id>`).
    pub dir: String,
    /// Input file.
    pub input: StoredFile,
    /// Mask file.
    pub mask: StoredFile,
    /// Output file.
    pub output: StoredFile,
    /// Thumbnail file.
    pub thumbnail: StoredFile,
}

impl HistoryEntry {
    /// The stored file of one kind.
    pub fn file(&self, kind: FileKind) -> &StoredFile {
        match kind {
            FileKind::Input => &self.input,
            FileKind::Mask => &self.mask,
            FileKind::Output => &self.output,
            FileKind::Thumbnail => &self.thumbnail,
        }
    }

    /// Where one of its files is, relative to the data dir (`files/…/<id>/output.png`).
    pub fn file_path(&self, kind: FileKind) -> String {
        format!("{}/{}", self.dir, self.file(kind).name)
    }

    /// Total bytes of the entry's files.
    pub fn total_bytes(&self) -> u64 {
        FileKind::ALL.iter().map(|k| self.file(*k).bytes).sum()
    }
}

/// The bytes of a new history entry, written by [`crate::storage::Store::record_history`].
#[derive(Debug, Clone)]
pub struct NewEntry {
    /// Id (the job's id).
    pub id: RecordId,
    /// Model name.
    pub model: String,
    /// Image width.
    pub width: u32,
    /// Image height.
    pub height: u32,
    /// Settings as JSON.
    pub settings: serde_json::Value,
    /// Timings.
    pub timings: Timings,
    /// Input bytes and their extension (`png`, `jpeg`, …) and MIME type.
    pub input: (Vec<u8>, &'static str, &'static str),
    /// A stored file that holds exactly the input's bytes (its path relative to the data dir,
    /// see [`HistoryEntry::file_path`]), typically the output of the entry the editor's next
    /// stroke starts from: it is hard-linked instead of written again. Ignored when it is gone
    /// or cannot be linked. Retention counts the linked file in both entries.
    pub input_same_as: Option<String>,
    /// Mask PNG bytes.
    pub mask_png: Vec<u8>,
    /// Output bytes, extension and MIME type.
    pub output: (Vec<u8>, &'static str, &'static str),
    /// Thumbnail JPEG bytes.
    pub thumbnail_jpeg: Vec<u8>,
}

/// Retention limits for history (0 = unlimited). Oldest entries are evicted first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Retention {
    /// Keep at most this many entries.
    pub max_entries: u64,
    /// Keep at most this many bytes of files.
    pub max_bytes: u64,
}

/// One page of a listing, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Page<T> {
    /// The items.
    pub items: Vec<T>,
    /// Total number of items.
    pub total: u64,
    /// Pass as `before` to get the next page; `None` on the last page.
    pub next_before: Option<RecordId>,
}

/// What a history listing shows per entry (kept in its own table so listing never reads
/// whole entries).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct HistorySummary {
    /// Entry id.
    pub id: RecordId,
    /// Creation time, ms since the epoch.
    pub created_at: i64,
    /// Model name.
    pub model: String,
    /// Image width.
    pub width: u32,
    /// Image height.
    pub height: u32,
    /// Total bytes of the entry's files.
    pub bytes: u64,
}

impl From<&HistoryEntry> for HistorySummary {
    fn from(e: &HistoryEntry) -> Self {
        Self {
            id: e.id.clone(),
            created_at: e.created_at,
            model: e.model.clone(),
            width: e.width,
            height: e.height,
            bytes: e.total_bytes(),
        }
    }
}
