//! Helpers shared by the storage tests.

use super::Store;
use super::records::{NewEntry, Timings, new_id};

/// A fresh temporary folder, removed on drop.
pub(super) fn temp_dir() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp dir")
}

/// Opens a store, panicking on error.
pub(super) fn open(dir: &tempfile::TempDir) -> Store {
    Store::open(dir.path()).expect("open store").0
}

/// A small new entry with a fresh id; file sizes 10 + 20 + 30 + 40 = 100 bytes.
pub(super) fn new_entry() -> NewEntry {
    sized_entry(10)
}

/// A new entry whose four files are `unit`, 2`unit`, 3`unit` and 4`unit` bytes long.
pub(super) fn sized_entry(unit: usize) -> NewEntry {
    NewEntry {
        id: new_id(),
        model: "lama".into(),
        width: 64,
        height: 48,
        settings: serde_json::json!({"sd_steps": 20}),
        timings: Timings::default(),
        input: (vec![1; unit], "png", "image/png"),
        input_same_as: None,
        mask_png: vec![2; 2 * unit],
        output: (vec![3; 3 * unit], "png", "image/png"),
        thumbnail_jpeg: vec![4; 4 * unit],
    }
}
