//! Loading a component cold (compiled by cranelift) against loading it from the on-disk
//! compile cache, as a server restart does. Each iteration builds a fresh runtime (engine,
//! pooling allocator, linker) and loader, so nothing is reused in memory; `plugins/runtime/new`
//! times that part alone.
//!
//! The component is `$MEND_BENCH_COMPONENT`, else the ~2 MB fixture built by
//! `bench/plugin-cache/build.sh` (`$CARGO_TARGET_DIR/bench-big/…/big_component.wasm`), else
//! `test/noop.wasm` from `scripts/build-plugins`. Results: `bench/plugin-cache/README.md`.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::PathBuf;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use mend::config::Config;
use mend::plugins::capabilities::CapabilityGranter;
use mend::plugins::{CompileSource, Loader, Runtime, RuntimeLimits};

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cache/mend/target")
        })
}

fn component() -> Option<PathBuf> {
    let candidates = [
        std::env::var_os("MEND_BENCH_COMPONENT").map(PathBuf::from),
        Some(target_dir().join("bench-big/wasm32-wasip2/release/big_component.wasm")),
        Some(target_dir().join("plugins/dist/test/noop.wasm")),
    ];
    candidates.into_iter().flatten().find(|p| p.is_file())
}

fn bench(c: &mut Criterion) {
    let Some(path) = component() else {
        eprintln!("no component: run bench/plugin-cache/build.sh or scripts/build-plugins");
        return;
    };
    let bytes = std::fs::read(&path).unwrap();
    let name = format!(
        "{}-{}KB",
        path.file_stem().unwrap().to_string_lossy(),
        bytes.len() / 1024
    );
    eprintln!("component: {} ({} bytes)", path.display(), bytes.len());
    let limits = RuntimeLimits::from_config(&Config::default());
    let cache =
        std::env::temp_dir().join(format!("mend-bench-plugin-cache-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&cache);

    let load = |disk: Option<&std::path::Path>| {
        let runtime = Runtime::with_cache(limits, disk).unwrap();
        let loader = Loader::new(runtime, CapabilityGranter::default(), 64 << 20);
        loader.load(&bytes, "bench.wasm").unwrap().compile
    };
    // Fill the disk cache once, outside the timed region.
    assert_eq!(load(Some(&cache)), CompileSource::Compiled);
    assert_eq!(load(Some(&cache)), CompileSource::DiskCache);

    let mut group = c.benchmark_group("plugins");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(20));
    group.bench_function("runtime/new", |b| {
        b.iter(|| Runtime::new(limits).unwrap());
    });
    group.bench_function(format!("load/cold/{name}"), |b| {
        b.iter(|| assert_eq!(load(None), CompileSource::Compiled));
    });
    group.bench_function(format!("load/disk-cache/{name}"), |b| {
        b.iter(|| assert_eq!(load(Some(&cache)), CompileSource::DiskCache));
    });
    group.finish();
    let _ = std::fs::remove_dir_all(&cache);
}

criterion_group!(benches, bench);
criterion_main!(benches);
