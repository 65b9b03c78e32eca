//! Time and peak RSS of one big-lama forward (random weights) at a given side on the CPU:
//! `RAYON_NUM_THREADS=2 cargo run --release -p mend-models --example lama_rss -- 1024`.
//! Run one size per process: peak RSS (`VmHWM`) never goes down. A second argument repeats
//! the forward; `MEND_PROFILE=1` prints per-stage times.

use std::time::Instant;

use burn::tensor::{Tensor, TensorData};
use mend_models::device::{ComputeDevice, DeviceChoice};
use mend_models::lama::generator::process_cpu_seconds;
use mend_models::lama::keys::random_state_dict;
use mend_models::lama::{Lama, LamaConfig, processing};
use mend_models::model::NoProgress;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1).map(str::to_owned))
        })
        .and_then(|kb| kb.parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

fn main() -> anyhow::Result<()> {
    let side: usize = std::env::args()
        .nth(1)
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(512);
    let runs: usize = std::env::args()
        .nth(2)
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(1);
    // `MEND_DEVICE=gpu|auto|cpu` (default cpu) picks the backend.
    let choice: DeviceChoice = std::env::var("MEND_DEVICE")
        .unwrap_or_else(|_| "cpu".to_owned())
        .parse()?;
    let device = ComputeDevice::resolve(choice)?;
    let config = LamaConfig::big_lama();
    let mut lama = Lama::from_tensor_map(&random_state_dict(&config, 7), &config, device.device())?;
    let before = peak_rss_mib();
    let n = side * side;
    for run in 0..runs {
        let image: Vec<f32> = (0..3 * n).map(|i| (i % 251) as f32 / 251.0).collect();
        let mask: Vec<f32> = (0..n).map(|i| f32::from(u8::from(i % 7 == 0))).collect();
        let t = Instant::now();
        let cpu = process_cpu_seconds();
        let img =
            Tensor::<4>::from_data(TensorData::new(image, [1, 3, side, side]), device.device());
        let m = Tensor::<4>::from_data(TensorData::new(mask, [1, 1, side, side]), device.device());
        let out = if std::env::var_os("MEND_PROFILE").is_some() {
            let x = processing::generator_input(img, m);
            let (pred, stages) = lama.generator_mut().forward_profiled(x)?;
            let blocks = stages
                .iter()
                .filter(|(n, _, _)| n.starts_with("block"))
                .fold((0.0, 0.0), |(w, c), (_, t, u)| (w + t, c + u));
            for (name, t, u) in stages.iter().filter(|(n, _, _)| !n.starts_with("block")) {
                println!("  {name:>6}: {t:.3} s (cpu {u:.2} s)");
            }
            println!("  blocks: {:.3} s (cpu {:.2} s)", blocks.0, blocks.1);
            processing::to_vec(pred)?
        } else {
            processing::to_vec(lama.forward_tensors(img, m, &NoProgress)?)?
        };
        println!(
            "side {side} run {run}: {:.2} s (cpu {:.2} s), peak RSS {:.0} MiB (after loading weights {before:.0} MiB), {} outputs, {}",
            t.elapsed().as_secs_f64(),
            process_cpu_seconds() - cpu,
            peak_rss_mib(),
            out.len(),
            device.describe()
        );
    }
    Ok(())
}
