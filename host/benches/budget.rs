//! Budget guard overhead per paid call, at 10,000 ledger entries.
//!
//! - `budget/guard_call/10000_entries`: what the guard adds to one paid call — a dedupe lookup
//!   (a miss: the common case), the reservation (rate limit + caps + insert in one write
//!   transaction, not fsynced) and the settlement (one durable commit: the only `fsync`).
//! - `budget/reserve_only/10000_entries` and `budget/dedupe_miss/10000_entries`: the parts.
//!
//! The 10,000 ledger entries are written once, outside the timed loop. Target: the whole
//! guard call under 2 ms on the reference machine (see the closing note / docs).
//!
//! Run: `cargo bench -p mend --bench budget`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::sync::Arc;

use criterion::{Criterion, criterion_group, criterion_main};
use mend::budget::{BudgetConfig, Guard, Operation, SystemClock, estimate};
use mend::storage::Store;
use mend::storage::records::{new_id, now_ms};

const ENTRIES: usize = 10_000;

fn guard_with_ledger() -> (tempfile::TempDir, Guard) {
    let dir = tempfile::tempdir().unwrap();
    let (store, _) = Store::open(dir.path()).unwrap();
    let now = now_ms();
    for i in 0..ENTRIES {
        store
            .budget_record_dedupe_hit(&format!("s{}", i % 50), "gpt-image-1", "edit", now)
            .unwrap();
    }
    let config = BudgetConfig {
        daily_cap_usd: 0.0,
        monthly_cap_usd: 0.0,
        session_cap_usd: 0.0,
        min_interval_secs: 0,
        dedupe_ttl_secs: 3_600,
    };
    let guard = Guard::new(store, Arc::new(SystemClock), config);
    assert!(guard.store().budget_ledger_len().unwrap() >= ENTRIES as u64);
    (dir, guard)
}

fn bench(c: &mut Criterion) {
    let (_dir, guard) = guard_with_ledger();
    let est = estimate("gpt-image-1", Operation::Edit, None, Some("low"), 1, 1).unwrap();
    let miss_key = "0".repeat(64);
    let mut group = c.benchmark_group("budget");
    group.bench_function("guard_call/10000_entries", |b| {
        b.iter(|| {
            let id = new_id();
            let hit = guard.dedupe_lookup(&miss_key, "bench", &est).unwrap();
            assert!(hit.is_none());
            guard.reserve(&id, "bench", &est).unwrap();
            black_box(guard.settle(&id, est.micros, None).unwrap());
        });
    });
    group.bench_function("reserve_only/10000_entries", |b| {
        b.iter(|| {
            let id = new_id();
            guard.reserve(&id, "bench2", &est).unwrap();
            black_box(guard.release(&id).unwrap());
        });
    });
    group.bench_function("dedupe_miss/10000_entries", |b| {
        b.iter(|| black_box(guard.dedupe_lookup(&miss_key, "bench", &est).unwrap()));
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
