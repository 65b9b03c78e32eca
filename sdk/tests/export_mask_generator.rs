//! `export_mask_generator!` expands and its glue behaves (one export macro per binary: each
//! defines the component's `plugin-manifest` export).

use mend_sdk::{__private, Image, Manifest, MaskGenerator, PluginKind};

struct Segmenter;

impl MaskGenerator for Segmenter {
    fn manifest() -> Manifest {
        Manifest::mask_generator("seg", "Segmenter", "0.1.0")
    }
}

mend_sdk::export_mask_generator!(Segmenter);

#[test]
fn default_generate_is_unsupported() {
    assert_eq!(
        __private::mask_generator_manifest::<Segmenter>().kind,
        PluginKind::MaskGenerator
    );
    let image = Image {
        width: 1,
        height: 1,
        pixels: vec![0; 4],
    };
    let r = __private::mask_generator_generate::<Segmenter>(image, Vec::new(), Vec::new());
    assert!(matches!(r, Err(mend_sdk::PluginError::Unsupported(_))));
}
