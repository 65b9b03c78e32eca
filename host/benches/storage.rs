//! Storage benchmarks.
//!
//! - `storage/list_history/10000_entries/page_50`: the newest page of 50 summaries out of
//!   10,000 entries (and `…/page_50_deep`, a page from the middle via `before`). The 10,000
//!   entries are inserted once, outside the timed loop, through the hidden bulk path
//!   `Store::record_history_batch_unsynced` (same files and records as `record_history`, but
//!   no `fsync` and one commit per 1,000 entries, so filling takes seconds, not minutes).
//! - `storage/record_history/1024x1024`: one crash-safe `record_history` with realistic
//!   sizes for a 1024² image (≈1.2 MB input, 20 KB mask, 1.2 MB output, 15 KB thumbnail),
//!   including every `fsync` and the commit. The history is cleared every 20 records outside
//!   the timed part so the benchmark does not fill the disk.
//!
//! Also printed (not timed by criterion): the fill time and `Store::open` on 10,000 entries,
//! whose start-up recovery checks every entry's files.
//!
//! Run: `cargo bench -p mend --bench storage`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use mend::storage::Store;
use mend::storage::records::{NewEntry, Timings, new_id};

/// Deterministic filler bytes (xorshift), so file systems cannot shortcut them.
fn bytes(len: usize, seed: u32) -> Vec<u8> {
    let mut state = seed.max(1);
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            state as u8
        })
        .collect()
}

fn entry(input: &[u8], mask: &[u8], output: &[u8], thumbnail: &[u8]) -> NewEntry {
    NewEntry {
        id: new_id(),
        model: "lama".into(),
        width: 1024,
        height: 1024,
        settings: serde_json::json!({"hd_strategy": "Crop", "sd_steps": 50}),
        timings: Timings {
            decode_ms: 12,
            model_ms: 180,
            encode_ms: 40,
            total_ms: 235,
        },
        input: (input.to_vec(), "png", "image/png"),
        input_same_as: None,
        mask_png: mask.to_vec(),
        output: (output.to_vec(), "png", "image/png"),
        thumbnail_jpeg: thumbnail.to_vec(),
    }
}

fn list_history(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = Store::open(dir.path()).unwrap();
    let small = bytes(64, 7);
    let start = Instant::now();
    for _ in 0..10 {
        let batch = (0..1000)
            .map(|_| entry(&small, &small, &small, &small))
            .collect();
        store.record_history_batch_unsynced(batch).unwrap();
    }
    eprintln!("filled 10,000 entries in {:.1?}", start.elapsed());
    assert_eq!(store.history_stats().unwrap().0, 10_000);

    c.bench_function("storage/list_history/10000_entries/page_50", |b| {
        b.iter(|| {
            let page = store.list_history(black_box(50), None).unwrap();
            assert_eq!(page.items.len(), 50);
            page
        });
    });

    // A page from the middle: walk to entry ~5,000 once, then list from there.
    let mut before = None;
    for _ in 0..100 {
        before = store
            .list_history(50, before.as_deref())
            .unwrap()
            .next_before;
    }
    c.bench_function("storage/list_history/10000_entries/page_50_deep", |b| {
        b.iter(|| {
            let page = store
                .list_history(black_box(50), before.as_deref())
                .unwrap();
            assert_eq!(page.items.len(), 50);
            page
        });
    });

    // Start-up recovery checks every entry's files: report what that costs at 10,000.
    drop(store);
    let start = Instant::now();
    let (_store, report) = Store::open(dir.path()).unwrap();
    eprintln!(
        "reopened with 10,000 entries (recovery included) in {:.1?}: {report:?}",
        start.elapsed()
    );
}

fn record_history(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = Store::open(dir.path()).unwrap();
    let input = bytes(1_200_000, 1);
    let mask = bytes(20_000, 2);
    let output = bytes(1_200_000, 3);
    let thumbnail = bytes(15_000, 4);

    let mut group = c.benchmark_group("storage/record_history");
    group.sample_size(20);
    group.measurement_time(Duration::from_secs(10));
    group.bench_function("1024x1024", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for i in 0..iters {
                let new = entry(&input, &mask, &output, &thumbnail);
                let start = Instant::now();
                black_box(store.record_history(new).unwrap());
                total += start.elapsed();
                if i % 20 == 19 {
                    store.clear_history().unwrap();
                }
            }
            store.clear_history().unwrap();
            total
        });
    });
    group.finish();
}

criterion_group!(benches, list_history, record_history);
criterion_main!(benches);
