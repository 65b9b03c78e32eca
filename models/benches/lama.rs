//! big-lama (random weights) at 512×512 on the CPU backend, batch 1.
//!
//! Run with two threads to compare with `scripts/bench_lama_torch.py`:
//! `RAYON_NUM_THREADS=2 cargo bench -p mend-models --bench lama`.
//! `MEND_BENCH_SIZE=1024` changes the side.

#![allow(clippy::unwrap_used)]

use burn::tensor::{Tensor, TensorData};
use criterion::{Criterion, criterion_group, criterion_main};
use mend_models::device::ComputeDevice;
use mend_models::lama::keys::random_state_dict;
use mend_models::lama::{Lama, LamaConfig, processing};
use mend_models::model::NoProgress;

/// The allocator `mend` ships with (see `host/src/main.rs`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn bench(c: &mut Criterion) {
    let side: usize = std::env::var("MEND_BENCH_SIZE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(512);
    let device = ComputeDevice::cpu();
    let config = LamaConfig::big_lama();
    let mut lama =
        Lama::from_tensor_map(&random_state_dict(&config, 7), &config, device.device()).unwrap();
    let n = side * side;
    let image: Vec<f32> = (0..3 * n).map(|i| (i % 251) as f32 / 251.0).collect();
    let mask: Vec<f32> = (0..n)
        .map(|i| {
            let (y, x) = (i / side, i % side);
            f32::from(u8::from(
                (side / 4..side / 2).contains(&y) && (side / 3..side * 2 / 3).contains(&x),
            ))
        })
        .collect();
    let mut group = c.benchmark_group("lama");
    group.sample_size(10);
    group.bench_function(
        format!("big-lama/{side}x{side}/{}", device.describe()),
        |b| {
            b.iter(|| {
                let img = Tensor::<4>::from_data(
                    TensorData::new(image.clone(), [1, 3, side, side]),
                    device.device(),
                );
                let m = Tensor::<4>::from_data(
                    TensorData::new(mask.clone(), [1, 1, side, side]),
                    device.device(),
                );
                let out = lama.forward_tensors(img, m, &NoProgress).unwrap();
                processing::to_vec(out).unwrap()
            })
        },
    );
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
