//! {{name}}: a mend processor plugin.
//!
//! Build: `cargo build --release --target wasm32-wasip2`, then copy
//! `target/wasm32-wasip2/release/{{crate_name}}.wasm` into the server's plugins folder.

use mend_sdk::{Frame, Hooks, Manifest, ParamSpec, Params, PluginError, Processor};

struct Plugin;

impl Processor for Plugin {
    fn manifest() -> Manifest {
        Manifest::processor("{{name}}", "{{name}}", env!("CARGO_PKG_VERSION"))
            .with_hooks(Hooks::TOOL)
            .with_description("Inverts the colours of the image.")
            .with_param(
                ParamSpec::number("strength", "Strength", 0.0..=1.0, 0.01, 1.0)
                    .with_description("0 leaves the image as it is, 1 inverts it fully."),
            )
    }

    fn process(input: Frame, params: &Params) -> Result<Frame, PluginError> {
        let strength = params.number("strength")? as f32;
        let (image, mask) = input.into_parts()?;
        let mut image = image.ok_or_else(|| PluginError::invalid_input("needs an image"))?;
        invert(image.pixels_mut(), strength);
        mend_sdk::info("inverted the image");
        Ok(Frame::from_parts(Some(image), mask))
    }
}

/// Blends each colour channel towards its inverse by `strength`; alpha is kept.
fn invert(pixels: &mut [u8], strength: f32) {
    for px in pixels.chunks_exact_mut(4) {
        for c in &mut px[..3] {
            let v = f32::from(*c);
            *c = (v + (255.0 - 2.0 * v) * strength).round() as u8;
        }
    }
}

mend_sdk::export_processor!(Plugin);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_strength_inverts_and_keeps_alpha() {
        let mut px = vec![0, 100, 255, 7];
        invert(&mut px, 1.0);
        assert_eq!(px, [255, 155, 0, 7]);
    }
}
