//! SRVGGNetCompact parity: a small network with random weights, saved the way Real-ESRGAN
//! saves its releases (`torch.save({"params": …})`), read by the real weights reader and run on
//! the CPU backend, against the PyTorch reference of `models/scripts/gen_srvgg_fixture.py`.

#![allow(clippy::unwrap_used)]

use std::path::Path;

use mend_models::device::ComputeDevice;
use mend_models::srvgg::SrVgg;
use mend_models::tensor_map::read_safetensors;
use mend_models::weights::load_state_dict;

fn fixtures() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/srvgg")
}

#[test]
fn matches_the_pytorch_reference() {
    let dir = tempdir();
    // Copy the archive so the converted-safetensors cache lands in a temporary folder.
    let pth = dir.join("tiny-srvgg.pth");
    std::fs::copy(fixtures().join("tiny-srvgg.pth"), &pth).unwrap();
    let map = load_state_dict(&pth).unwrap();
    let device = ComputeDevice::cpu();
    let net = SrVgg::from_state_dict(&map, device.device()).unwrap();
    assert_eq!(net.scale(), 4);
    let io = read_safetensors(&std::fs::read(fixtures().join("io.safetensors")).unwrap()).unwrap();
    let out = net.run(&io["input"]).unwrap();
    assert_eq!(out.shape, io["output"].shape);
    let err = out
        .data
        .iter()
        .zip(&io["output"].data)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0f32, f32::max);
    assert!(err <= 1e-4, "max abs error {err}");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn wrong_state_dicts_name_the_problem() {
    let device = ComputeDevice::cpu();
    let dir = tempdir();
    let pth = dir.join("tiny-srvgg.pth");
    std::fs::copy(fixtures().join("tiny-srvgg.pth"), &pth).unwrap();
    let map = load_state_dict(&pth).unwrap();
    // Without the last convolution.
    let mut cut = map.clone();
    cut.retain(|k, _| !k.starts_with("params.body.6."));
    let err = SrVgg::from_state_dict(&cut, device.device()).unwrap_err();
    assert!(err.to_string().contains("last convolution"), "{err}");
    // Not an SRVGG at all.
    let err = SrVgg::from_state_dict(&Default::default(), device.device()).unwrap_err();
    assert!(err.to_string().contains("body.0.weight"), "{err}");
    // A wrong input shape is a parameter error, not a panic.
    let net = SrVgg::from_state_dict(&map, device.device()).unwrap();
    let bad = mend_models::tensor_map::HostTensor::new(vec![1, 4, 2, 2], vec![0.0; 16]).unwrap();
    assert!(net.run(&bad).is_err());
    let _ = std::fs::remove_dir_all(dir);
}

fn tempdir() -> std::path::PathBuf {
    use std::sync::atomic::{AtomicU32, Ordering};
    static N: AtomicU32 = AtomicU32::new(0);
    let dir = std::env::temp_dir().join(format!(
        "mend-srvgg-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
