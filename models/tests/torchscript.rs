//! The TorchScript reader against archives written by PyTorch itself
//! (`models/scripts/gen_torchscript_fixture.py`), and against damaged copies of them.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{Cursor, Read, Write};
use std::path::{Path, PathBuf};

use mend_models::tensor_map::{TensorMap, read_safetensors};
use mend_models::weights::{self, WeightsSource};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/torchscript")
        .join(name)
}

fn expected(name: &str) -> TensorMap {
    read_safetensors(&std::fs::read(fixture(name)).unwrap()).unwrap()
}

fn temp_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mend-ts-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn tiny_lama_reads_exactly_the_state_dict() {
    let got = weights::read_torchscript(&fixture("tiny-lama.pt")).unwrap();
    let want = expected("tiny-lama.safetensors");
    assert_eq!(
        got.keys().collect::<Vec<_>>(),
        want.keys().collect::<Vec<_>>()
    );
    assert_eq!(got, want);
    // big-lama's naming: wrapper.model (trainer) -> generator -> model (Sequential) -> index.
    for key in [
        "model.generator.model.1.ffc.convl2l.weight",
        "model.generator.model.1.bn_l.running_mean",
        "model.generator.model.1.bn_l.running_var",
        "model.generator.model.1.bn_l.num_batches_tracked",
        "model.generator.model.2.ffc.convl2g.weight",
        "model.generator.model.3.conv1.ffc.convg2g.conv1.0.weight",
        "model.generator.model.3.conv1.ffc.convg2g.conv1.1.running_var",
        "model.generator.model.3.conv2.ffc.convg2g.fu.conv_layer.weight",
        "model.generator.model.3.conv2.ffc.convg2g.fu.bn.running_mean",
        "model.generator.model.5.weight",
        "model.generator.model.9.bias",
    ] {
        assert!(got.contains_key(key), "missing {key}");
    }
    // Non-trivial BN statistics survive (the generator script randomises them).
    let var = &got["model.generator.model.1.bn_l.running_var"];
    assert!(var.data.iter().all(|v| *v >= 0.5 && *v != 1.0));
    assert!(got["model.generator.model.1.bn_l.num_batches_tracked"].data[0] >= 1.0);
}

#[test]
fn strided_offset_and_reduced_precision_tensors_match_torch() {
    let got = weights::read_torchscript(&fixture("odd.pt")).unwrap();
    let want = expected("odd.safetensors");
    assert_eq!(got, want);
    assert_eq!(got["transposed"].shape, vec![3, 5]);
    assert_eq!(got["shared_view"].shape, vec![2, 3]);
    // The view at offset 4 of `shared` reads the same values.
    assert_eq!(got["shared_view"].data, got["shared"].data[4..10].to_vec());
    assert_eq!(got["i64"].data, vec![-3.0, -2.0, -1.0, 0.0, 1.0, 2.0]);
    assert_eq!(got["scalar"].shape, Vec::<usize>::new());
    assert_eq!(got["scalar"].data, vec![2.5]);
    assert_eq!(got["empty"].shape, vec![0, 4]);
}

#[test]
fn load_state_dict_caches_the_conversion_and_uses_it() {
    let dir = temp_dir("cache");
    let src = dir.join("big-lama.pt");
    std::fs::copy(fixture("tiny-lama.pt"), &src).unwrap();
    let first = weights::load_weights(&src, None).unwrap();
    let WeightsSource::Converted { cache: Ok(cache) } = &first.source else {
        panic!("expected a conversion, got {:?}", first.source)
    };
    assert!(cache.is_file());
    assert_eq!(cache.parent(), Some(dir.as_path()));
    let second = weights::load_weights(&src, None).unwrap();
    assert_eq!(second.source, WeightsSource::Cache(cache.clone()));
    assert_eq!(second.tensors, first.tensors);
    assert_eq!(second.tensors, expected("tiny-lama.safetensors"));

    // Replacing the source changes the key: the old cache is not used, and is removed.
    std::thread::sleep(std::time::Duration::from_millis(20));
    std::fs::copy(fixture("odd.pt"), &src).unwrap();
    let third = weights::load_weights(&src, None).unwrap();
    assert!(matches!(
        third.source,
        WeightsSource::Converted { cache: Ok(_) }
    ));
    assert_eq!(third.tensors, expected("odd.safetensors"));
    assert!(!cache.exists(), "stale cache removed");

    // A safetensors file is read as is; an explicit cache dir is honoured.
    let st = weights::load_weights(&fixture("odd.safetensors"), None).unwrap();
    assert_eq!(st.source, WeightsSource::Safetensors);
    let elsewhere = dir.join("cache-dir");
    let w = weights::load_weights(&src, Some(&elsewhere)).unwrap();
    let WeightsSource::Converted { cache: Ok(c) } = w.source else {
        panic!("expected a conversion")
    };
    assert_eq!(c.parent(), Some(elsewhere.as_path()));
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn a_read_only_cache_location_does_not_fail_the_load() {
    let dir = temp_dir("nocache");
    let src = dir.join("x.pt");
    std::fs::copy(fixture("odd.pt"), &src).unwrap();
    // A regular file where the cache folder should be: the cache write fails.
    let blocker = dir.join("blocker");
    std::fs::write(&blocker, b"").unwrap();
    let w = weights::load_weights(&src, Some(&blocker.join("sub"))).unwrap();
    assert!(matches!(
        w.source,
        WeightsSource::Converted { cache: Err(_) }
    ));
    assert_eq!(w.tensors, expected("odd.safetensors"));
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn unknown_formats_are_named() {
    let dir = temp_dir("formats");
    let legacy = dir.join("legacy.pth");
    std::fs::write(&legacy, b"\x80\x02\x8a\x0alz\xfc\x9cF\xf9 j\xa8P\x19.").unwrap();
    let err = weights::load_state_dict(&legacy).unwrap_err().to_string();
    assert!(
        err.contains("legacy") && err.contains("legacy.pth"),
        "{err}"
    );
    let text = dir.join("notes.pt");
    std::fs::write(&text, b"<html>404</html>").unwrap();
    let err = weights::load_state_dict(&text).unwrap_err().to_string();
    assert!(err.contains("notes.pt"), "{err}");
    std::fs::remove_dir_all(dir).ok();
}

/// Rebuilds `src` entry by entry, letting `edit` change (or drop) each entry's bytes.
fn rewrite(src: &[u8], mut edit: impl FnMut(&str, Vec<u8>) -> Option<Vec<u8>>) -> Vec<u8> {
    let mut zip = zip::ZipArchive::new(Cursor::new(src)).unwrap();
    let mut out = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let opts =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).unwrap();
        let name = entry.name().to_owned();
        if name.contains("/code/") {
            continue; // TorchScript source: not read, and the only deflated entries.
        }
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).unwrap();
        if let Some(bytes) = edit(&name, bytes) {
            out.start_file(name, opts).unwrap();
            out.write_all(&bytes).unwrap();
        }
    }
    out.finish().unwrap().into_inner()
}

fn read(bytes: Vec<u8>) -> mend_models::Result<TensorMap> {
    weights::read_torchscript_from(Cursor::new(bytes))
}

#[test]
fn damaged_archives_fail_cleanly() {
    let original = std::fs::read(fixture("tiny-lama.pt")).unwrap();
    // The unmodified rewrite still reads: the harness itself is sound.
    assert!(read(rewrite(&original, |_, b| Some(b))).is_ok());

    // Truncated anywhere.
    for cut in [
        0,
        10,
        100,
        original.len() / 3,
        original.len() / 2,
        original.len() - 30,
    ] {
        assert!(read(original[..cut].to_vec()).is_err(), "cut at {cut}");
    }
    // A missing storage, a short storage, a missing data.pkl.
    let e = read(rewrite(&original, |n, b| {
        (!n.ends_with("data/3")).then_some(b)
    }))
    .unwrap_err();
    assert!(e.to_string().contains("data/3"), "{e}");
    let e = read(rewrite(&original, |n, b| {
        Some(if n.ends_with("data/0") {
            b[..7].to_vec()
        } else {
            b
        })
    }))
    .unwrap_err();
    assert!(e.to_string().contains("data/0"), "{e}");
    let e = read(rewrite(&original, |n, b| {
        (!n.ends_with("data.pkl")).then_some(b)
    }))
    .unwrap_err();
    assert!(e.to_string().contains("data.pkl"), "{e}");
    // An unknown byte order.
    assert!(
        read(rewrite(&original, |n, b| Some(
            if n.ends_with("byteorder") {
                b"middle".to_vec()
            } else {
                b
            }
        )))
        .is_err()
    );
}

#[test]
fn garbled_pickles_never_panic() {
    let original = std::fs::read(fixture("odd.pt")).unwrap();
    let pkl = {
        let mut zip = zip::ZipArchive::new(Cursor::new(&original[..])).unwrap();
        let mut e = zip.by_name("odd/data.pkl").unwrap();
        let mut b = Vec::new();
        e.read_to_end(&mut b).unwrap();
        b
    };
    // Deterministic xorshift: flip bytes, truncate, splice.
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut failures = 0;
    for round in 0..600 {
        let mut garbled = pkl.clone();
        match round % 3 {
            0 => {
                for _ in 0..1 + next() % 4 {
                    let i = (next() as usize) % garbled.len();
                    garbled[i] = next() as u8;
                }
            }
            1 => garbled.truncate((next() as usize) % garbled.len()),
            _ => {
                let i = (next() as usize) % garbled.len();
                let j = (next() as usize) % garbled.len();
                let (a, b) = (i.min(j), i.max(j));
                garbled.drain(a..b);
            }
        }
        let archive = rewrite(&original, |n, b| {
            Some(if n.ends_with("data.pkl") {
                garbled.clone()
            } else {
                b
            })
        });
        let result = std::panic::catch_unwind(|| read(archive));
        let Ok(result) = result else {
            panic!("reader panicked on round {round}")
        };
        failures += usize::from(result.is_err());
    }
    assert!(
        failures > 300,
        "most garbled pickles are rejected ({failures})"
    );
}

#[test]
fn storage_keys_cannot_escape_the_archive_root() {
    let original = std::fs::read(fixture("odd.pt")).unwrap();
    // Storage key "0" (BINUNICODE, length 1) becomes "/" — not a plain entry name.
    let archive = rewrite(&original, |n, b| {
        Some(if n.ends_with("data.pkl") {
            let needle = b"X\x01\x00\x00\x000";
            let pos = b.windows(needle.len()).position(|w| w == needle).unwrap();
            let mut b = b.clone();
            b[pos + 5] = b'/';
            b
        } else {
            b
        })
    });
    let err = read(archive).unwrap_err().to_string();
    assert!(err.contains("plain name"), "{err}");
}
