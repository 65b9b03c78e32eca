//! Plugin runtime benchmarks against the built `test/noop.wasm` (run `scripts/build-plugins`
//! first): a processor round trip of a 4-megapixel RGBA image (target ≤ 15 ms), a bare
//! instantiation from the pooling allocator (≤ 50 µs) and a hot-load of an already compiled
//! component (≤ 5 ms). Loading happens outside the timed regions.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;

use criterion::{Criterion, criterion_group, criterion_main};
use mend::config::Config;
use mend::plugins::capabilities::CapabilityGranter;
use mend::plugins::wit::latest::{Frame, types as wt};
use mend::plugins::{CallOptions, Loader, Runtime, RuntimeLimits};

fn noop_path() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cache/mend/target")
        });
    target.join("plugins/dist/test/noop.wasm")
}

fn bench(c: &mut Criterion) {
    let path = noop_path();
    let Ok(bytes) = std::fs::read(&path) else {
        eprintln!("{} missing: run scripts/build-plugins", path.display());
        return;
    };
    let limits = RuntimeLimits::from_config(&Config::default());
    let runtime = Runtime::new(limits).unwrap();
    let loader = Loader::new(runtime, CapabilityGranter::default(), 64 << 20);
    let plugin = loader.load(&bytes, "noop.wasm").unwrap();

    let (w, h) = (2048u32, 2048u32);
    let frame = Frame {
        image: Some(wt::Image {
            width: w,
            height: h,
            pixels: vec![128; (w * h * 4) as usize],
        }),
        mask: None,
    };
    let options = CallOptions::default();
    c.bench_function("plugins/call/noop/2048x2048", |b| {
        b.iter(|| plugin.process(&frame, &[], &options).unwrap());
    });
    c.bench_function("plugins/instantiate/noop", |b| {
        b.iter(|| plugin.instantiate_only().unwrap());
    });
    c.bench_function("plugins/load/cached/noop", |b| {
        b.iter(|| loader.load(&bytes, "noop.wasm").unwrap());
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30);
    targets = bench
}
criterion_main!(benches);
