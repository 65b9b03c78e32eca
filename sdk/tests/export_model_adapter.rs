//! `export_model_adapter!` expands and its defaults pass data through.

use mend_sdk::{__private, Image, Manifest, Mask, ModelAdapter, ModelDescription};

struct Adapter;

impl ModelAdapter for Adapter {
    fn manifest() -> Manifest {
        Manifest::model_adapter("anime-lama", "Anime LaMa", "0.1.0")
    }

    fn describe_model() -> ModelDescription {
        ModelDescription {
            name: "anime-lama".into(),
            architecture: "lama".into(),
            weights_url: "https://example.invalid/anime-lama.pt".into(),
            weights_md5: "00000000000000000000000000000000".into(),
            pad_mod: 8,
            min_size: 0,
        }
    }
}

mend_sdk::export_model_adapter!(Adapter);

#[test]
fn default_preprocess_passes_through() {
    let image = Image {
        width: 1,
        height: 1,
        pixels: vec![1, 2, 3, 4],
    };
    let mask = Mask {
        width: 1,
        height: 1,
        pixels: vec![255],
    };
    let (i, m) = __private::model_adapter_preprocess::<Adapter>(image, mask, Vec::new())
        .expect("default passes through");
    assert_eq!(i.pixels, [1, 2, 3, 4]);
    assert_eq!(m.pixels, [255]);
    assert_eq!(Adapter::describe_model().pad_mod, 8);
}
