//! IS-Net parity: a narrow network with random weights and BatchNorm statistics, saved with
//! `torch.save` like RMBG-1.4's `model.pth`, read by the real weights reader and run on the CPU
//! backend, against the PyTorch reference of `models/scripts/gen_isnet_fixture.py` on an
//! odd-sized input (ceil-mode pooling and half-pixel upsampling at every level).

#![allow(clippy::unwrap_used)]

use std::path::Path;

use mend_models::device::ComputeDevice;
use mend_models::isnet::IsNet;
use mend_models::tensor_map::read_safetensors;
use mend_models::weights::load_state_dict;

fn fixtures() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/isnet")
}

fn tempdir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("mend-isnet-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn matches_the_pytorch_reference_and_names_broken_state_dicts() {
    let dir = tempdir();
    let pth = dir.join("tiny-isnet.pth");
    std::fs::copy(fixtures().join("tiny-isnet.pth"), &pth).unwrap();
    let map = load_state_dict(&pth).unwrap();
    let device = ComputeDevice::cpu();
    let net = IsNet::from_state_dict(&map, device.device()).unwrap();
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

    // Under a `net.` prefix (SkyTNT's checkpoints) it loads the same.
    let prefixed = map
        .iter()
        .map(|(k, v)| (format!("net.{k}"), v.clone()))
        .collect();
    assert!(IsNet::from_state_dict(&prefixed, device.device()).is_ok());
    // A missing BatchNorm statistic is named.
    let mut cut = map.clone();
    cut.remove("stage3.rebnconv2.bn_s1.running_var");
    let err = IsNet::from_state_dict(&cut, device.device()).unwrap_err();
    assert!(
        err.to_string()
            .contains("stage3.rebnconv2.bn_s1.running_var"),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(dir);
}
