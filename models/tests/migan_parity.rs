//! MI-GAN parity against the PyTorch reference (`models/scripts/migan_reference.py`, fixtures
//! in `tests/fixtures/migan/`): a tiny generator (R 32, widths 4–16, random weights incl. noise)
//! traced and saved like the release, read by the real TorchScript reader, run natively on the
//! CPU and on burn (CPU backend; wgpu when an adapter exists) — max abs error ≤ 1e-4, also on an
//! input large enough to drive the activations into their clamp — and IOPaint's u8 wrapper.

#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use image::{GrayImage, RgbImage};
use mend_models::device::{ComputeDevice, DeviceChoice};
use mend_models::migan::Migan;
use mend_models::model::NoProgress;
use mend_models::tensor_map::{HostTensor, TensorMap, read_safetensors};
use mend_models::weights::load_state_dict;
use mend_models::{InpaintConfig, InpaintModel};

const TOLERANCE: f32 = 1e-4;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/migan")
}

fn tempdir() -> PathBuf {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    let dir = std::env::temp_dir().join(format!(
        "mend-migan-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The traced tiny generator through the real reader (copied so the converted-safetensors
/// cache lands in a temporary folder).
fn state_dict() -> TensorMap {
    let dir = tempdir();
    let pt = dir.join("tiny-migan.pt");
    std::fs::copy(fixtures().join("tiny-migan.pt"), &pt).unwrap();
    let map = load_state_dict(&pt).unwrap();
    let _ = std::fs::remove_dir_all(dir);
    map
}

fn io() -> TensorMap {
    read_safetensors(&std::fs::read(fixtures().join("io.safetensors")).unwrap()).unwrap()
}

/// Max abs error relative to `max(1, |want|)` (the clamped case reaches hundreds).
fn max_error(got: &[f32], want: &[f32]) -> f32 {
    assert_eq!(got.len(), want.len());
    got.iter()
        .zip(want)
        .map(|(a, b)| (a - b).abs() / b.abs().max(1.0))
        .fold(0.0, f32::max)
}

fn check_generator(model: &Migan, what: &str) {
    let io = io();
    for (input, output) in [("input", "output"), ("input_big", "output_big")] {
        let got = model.generator(&io[input]).unwrap();
        assert_eq!(got.shape, io[output].shape);
        let err = max_error(&got.data, &io[output].data);
        println!("{what} {input}: max error {err:e}");
        assert!(err <= TOLERANCE, "{what} {input}: max error {err}");
    }
}

#[test]
fn tiny_generator_matches_pytorch_natively_and_on_burn() {
    let map = state_dict();
    let cpu = ComputeDevice::cpu();
    let native = Migan::from_state_dict(&map, cpu.device()).unwrap();
    assert_eq!(native.resolution(), 32);
    check_generator(&native, "native");
    let burn = Migan::from_state_dict_burn_only(&map, cpu.device()).unwrap();
    check_generator(&burn, "burn cpu");
}

/// Runs on any hardware adapter; software adapters only with `MEND_TEST_SOFTWARE_GPU=1`.
#[test]
fn tiny_generator_matches_pytorch_on_wgpu_when_available() {
    match ComputeDevice::resolve(DeviceChoice::Gpu) {
        Ok(gpu)
            if gpu.describe().contains("software")
                && std::env::var_os("MEND_TEST_SOFTWARE_GPU").is_none() =>
        {
            println!(
                "SKIPPED wgpu parity on a software adapter ({})",
                gpu.describe()
            );
        }
        Ok(gpu) => {
            let model = Migan::from_state_dict(&state_dict(), gpu.device()).unwrap();
            check_generator(&model, &gpu.describe());
        }
        Err(e) => println!("SKIPPED wgpu parity: {e}"),
    }
}

fn to_image(t: &HostTensor) -> RgbImage {
    let [h, w, 3] = t.shape[..] else {
        panic!("{:?}", t.shape)
    };
    RgbImage::from_raw(
        w as u32,
        h as u32,
        t.data.iter().map(|&v| v as u8).collect(),
    )
    .unwrap()
}

#[test]
fn iopaint_wrapper_matches_pytorch_bytes() {
    let io = io();
    let image = to_image(
        &HostTensor::new(
            [io["image"].shape.clone()].concat(),
            io["image"].data.clone(),
        )
        .unwrap(),
    );
    let [h, w] = io["mask"].shape[..] else {
        panic!()
    };
    let mask = GrayImage::from_raw(
        w as u32,
        h as u32,
        io["mask"].data.iter().map(|&v| v as u8).collect(),
    )
    .unwrap();
    let want = to_image(&io["wrapped"]);
    let map = state_dict();
    let cpu = ComputeDevice::cpu();
    for mut model in [
        Migan::from_state_dict(&map, cpu.device()).unwrap(),
        Migan::from_state_dict_burn_only(&map, cpu.device()).unwrap(),
    ] {
        let got = model
            .forward(&image, &mask, &InpaintConfig::default(), &NoProgress)
            .unwrap();
        let diffs: Vec<i32> = got
            .as_raw()
            .iter()
            .zip(want.as_raw())
            .map(|(a, b)| i32::from(*a) - i32::from(*b))
            .filter(|d| *d != 0)
            .collect();
        // Float sums in another order may flip a value sitting on a rounding tie.
        assert!(
            diffs.iter().all(|d| d.abs() == 1) && diffs.len() <= 3,
            "{model:?}: {} of {} values differ: {diffs:?}",
            diffs.len(),
            got.as_raw().len()
        );
    }
}

#[test]
fn forward_refuses_other_sizes_and_generator_other_shapes() {
    let cpu = ComputeDevice::cpu();
    let mut model = Migan::from_state_dict(&state_dict(), cpu.device()).unwrap();
    let err = model
        .forward(
            &RgbImage::new(31, 32),
            &GrayImage::new(31, 32),
            &InpaintConfig::default(),
            &NoProgress,
        )
        .unwrap_err();
    assert!(err.to_string().contains("32×32"), "{err}");
    let bad = HostTensor::new(vec![1, 3, 32, 32], vec![0.0; 3 * 32 * 32]).unwrap();
    assert!(model.generator(&bad).is_err());
}

#[test]
fn wrong_state_dicts_name_the_key() {
    let cpu = ComputeDevice::cpu();
    let map = state_dict();
    let err_of = |m: &TensorMap| {
        Migan::from_state_dict(m, cpu.device())
            .unwrap_err()
            .to_string()
    };

    let mut missing = map.clone();
    missing.remove("synthesis.b16.conv2.conv1.bias");
    let err = err_of(&missing);
    assert!(err.contains("synthesis.b16.conv2.conv1.bias"), "{err}");

    let mut reshaped = map.clone();
    reshaped.insert(
        "encoder.b8.conv1.conv1.weight".into(),
        HostTensor::new(vec![16, 1, 5, 5], vec![0.0; 16 * 25]).unwrap(),
    );
    let err = err_of(&reshaped);
    assert!(err.contains("encoder.b8.conv1.conv1.weight"), "{err}");

    let mut not_zero_insertion = map.clone();
    let key = "synthesis.b8.upsample.insert_zeros.weight";
    let mut t = not_zero_insertion[key].clone();
    t.data[1] = 1.0;
    not_zero_insertion.insert(key.into(), t);
    let err = err_of(&not_zero_insertion);
    assert!(err.contains(key), "{err}");

    let err = err_of(&TensorMap::new());
    assert!(err.contains("not a MI-GAN"), "{err}");

    // Under a prefix (a wrapper module around the generator) it loads the same.
    let prefixed: TensorMap = map
        .iter()
        .map(|(k, v)| (format!("model.{k}"), v.clone()))
        .collect();
    let model = Migan::from_state_dict(&prefixed, cpu.device()).unwrap();
    check_generator(&model, "prefixed");
}
