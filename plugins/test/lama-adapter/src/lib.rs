//! A model adapter for a model of its own name, `test-lama`, on the host's `lama`
//! architecture. Its weights URL cannot be reached (tests point `TEST_LAMA_MODEL_URL` at a
//! local server). `preprocess` passes through; `postprocess` sets the result's top-left pixel
//! to pure magenta, so tests can see that it ran.

use mend_sdk::{
    Image, Manifest, Mask, ModelAdapter, ModelDescription, Params, PluginError, Rgba8Image,
};

struct Plugin;

impl ModelAdapter for Plugin {
    fn manifest() -> Manifest {
        Manifest::model_adapter(
            "test-lama-adapter",
            "LaMa adapter",
            env!("CARGO_PKG_VERSION"),
        )
        .with_description("Provides the test-lama model.")
    }

    fn describe_model() -> ModelDescription {
        ModelDescription {
            name: "test-lama".to_owned(),
            architecture: "lama".to_owned(),
            weights_url: "https://models.invalid/test/test-lama.pt".to_owned(),
            weights_md5: "00000000000000000000000000000000".to_owned(),
            pad_mod: 8,
            min_size: 0,
        }
    }

    fn preprocess(
        image: Image,
        mask: Mask,
        _params: &Params,
    ) -> Result<(Image, Mask), PluginError> {
        Ok((image, mask))
    }

    fn postprocess(output: Image, _original: Image, _mask: Mask) -> Result<Image, PluginError> {
        let mut out = Rgba8Image::try_from(output)?;
        out.set_pixel(0, 0, [255, 0, 255, 255]);
        Ok(out.into())
    }
}

mend_sdk::export_model_adapter!(Plugin);
