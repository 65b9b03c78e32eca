//! Time of MI-GAN generator forwards from a weights file (e.g. the released
//! `migan_traced.pt`, or a full-size random one from `models/scripts/migan_reference.py --full`)
//! on a fixed, reproducible input, natively on the CPU (`MEND_DEVICE=gpu` for wgpu,
//! `MEND_MIGAN_BURN=1` for the burn path on the CPU). With `--out F` the last output is written
//! to `F` (safetensors, key `output`) for `models/scripts/bench_migan_torch.py --compare F`.
//!
//!     RAYON_NUM_THREADS=2 cargo run --release -p mend-models --example migan_time -- \
//!         /tmp/mend-models/torch/hub/checkpoints/migan_traced.pt 5 [--out F]

use std::path::PathBuf;
use std::time::Instant;

use mend_models::device::{ComputeDevice, DeviceChoice};
use mend_models::lama::generator::process_cpu_seconds;
use mend_models::migan::Migan;
use mend_models::tensor_map::{HostTensor, TensorMap, write_safetensors};
use mend_models::weights::load_state_dict;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The benchmark input, `[1, 4, R, R]`: the same formula as the PyTorch script.
fn input(r: usize) -> Vec<f32> {
    let n = r * r;
    let mut x = vec![0f32; 4 * n];
    for i in 0..n {
        let m = f32::from(u8::from(i % 7 == 0));
        x[i] = 0.5 - m;
        for c in 0..3 {
            let v = ((i * 7 + c * 13) % 251) as f32 / 125.5 - 1.0;
            x[(c + 1) * n + i] = v * (1.0 - m);
        }
    }
    x
}

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let path = PathBuf::from(
        args.next()
            .ok_or_else(|| anyhow::anyhow!("usage: migan_time FILE [RUNS] [--out F]"))?,
    );
    let runs: usize = args.next().map(|s| s.parse()).transpose()?.unwrap_or(5);
    let out_path = match (args.next().as_deref(), args.next()) {
        (Some("--out"), Some(p)) => Some(PathBuf::from(p)),
        _ => None,
    };
    let choice: DeviceChoice = std::env::var("MEND_DEVICE")
        .unwrap_or_else(|_| "cpu".to_owned())
        .parse()?;
    let device = ComputeDevice::resolve(choice)?;
    let t = Instant::now();
    let map = load_state_dict(&path)?;
    let model = if std::env::var_os("MEND_MIGAN_BURN").is_some() {
        Migan::from_state_dict_burn_only(&map, device.device())?
    } else {
        Migan::from_state_dict(&map, device.device())?
    };
    println!(
        "loaded {} ({} parameters, R {}) in {:.2} s on {}",
        path.display(),
        model.parameters(),
        model.resolution(),
        t.elapsed().as_secs_f64(),
        device.describe()
    );
    let r = model.resolution();
    let x = HostTensor::new(vec![1, 4, r, r], input(r))?;
    let mut times = Vec::new();
    let mut last = None;
    for run in 0..=runs {
        let t = Instant::now();
        let cpu = process_cpu_seconds();
        let y = model.generator(&x)?;
        let (wall, cpu) = (t.elapsed().as_secs_f64(), process_cpu_seconds() - cpu);
        println!(
            "run {run}{}: {wall:.3} s (cpu {cpu:.2} s)",
            if run == 0 { " (warm-up)" } else { "" }
        );
        if run > 0 {
            times.push(wall);
        }
        last = Some(y);
    }
    times.sort_by(f64::total_cmp);
    if let Some(median) = times.get(times.len() / 2) {
        println!(
            "mend median {median:.3} s over {runs} runs, best {:.3} s",
            times[0]
        );
    }
    if let (Some(p), Some(y)) = (out_path, last) {
        let mut m = TensorMap::new();
        m.insert("output".to_owned(), y);
        std::fs::write(&p, write_safetensors(&m)?)?;
    }
    Ok(())
}
