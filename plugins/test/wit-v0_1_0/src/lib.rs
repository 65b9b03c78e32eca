//! Compatibility fixture for `mend:plugin@0.1.0`.
//!
//! Built from the frozen `wit/since_v0.1.0/` folder with plain `wit-bindgen`, not through
//! `mend-sdk`: when the SDK moves to a newer version this component still speaks 0.1.0
//! exactly as it shipped, and the host's `wit_versions` test keeps proving that such
//! components load and run. It inverts the mask and adds `offset` to every colour channel.
//! One fixture exists per released WIT version (`test/wit-vX_Y_Z`).

#![allow(unsafe_code)] // the canonical-ABI glue `generate!` emits, and the version stamp

/// The generated bindings (their style is wit-bindgen's, not ours).
#[allow(clippy::all)]
mod bindings {
    wit_bindgen::generate!({
        path: "../../../wit/since_v0.1.0",
        world: "mend:plugin/processor@0.1.0",
        generate_all,
    });
}

use bindings::mend::plugin::host::{LogLevel, log};
use bindings::mend::plugin::types::{
    Hooks, IntegerRange, Manifest, Param, ParamKind, ParamSpec, ParamValue, PluginError, PluginKind,
};
use bindings::{Frame, Guest};

/// The version this fixture targets, stamped like the SDK does (UTF-8 text).
// SAFETY: a custom section holds nothing the program reads or the linker lays out with code.
#[cfg(target_arch = "wasm32")]
#[unsafe(link_section = "mend:api-version")]
#[used]
static API_VERSION: [u8; 5] = *b"0.1.0";

struct Fixture;

impl Guest for Fixture {
    fn plugin_manifest() -> Manifest {
        Manifest {
            id: "test-wit-v0-1-0".to_owned(),
            name: "WIT 0.1.0 fixture".to_owned(),
            version: "0.1.0".to_owned(),
            api_version: "0.1.0".to_owned(),
            kind: PluginKind::Processor,
            hooks: Hooks::TOOL,
            description: "Inverts the mask and brightens the image by `offset`.".to_owned(),
            params: vec![ParamSpec {
                name: "offset".to_owned(),
                label: "Offset".to_owned(),
                description: "Added to every colour channel.".to_owned(),
                kind: ParamKind::Integer(IntegerRange {
                    min: 0,
                    max: 255,
                    step: 1,
                }),
                default: ParamValue::Integer(1),
            }],
            capabilities: Vec::new(),
        }
    }

    fn process(input: Frame, params: Vec<Param>) -> Result<Frame, PluginError> {
        let offset = params
            .iter()
            .find(|p| p.name == "offset")
            .map(|p| match p.value {
                ParamValue::Integer(v) => u8::try_from(v).map_err(|_| ()),
                _ => Err(()),
            })
            .unwrap_or(Ok(1))
            .map_err(|()| PluginError::InvalidParams("offset must be 0..=255".to_owned()))?;
        log(LogLevel::Debug, "wit 0.1.0 fixture");
        let image = input.image.map(|mut image| {
            for px in image.pixels.chunks_exact_mut(4) {
                for c in &mut px[..3] {
                    *c = c.saturating_add(offset);
                }
            }
            image
        });
        let mask = input.mask.map(|mut mask| {
            for m in &mut mask.pixels {
                *m = 255 - *m;
            }
            mask
        });
        Ok(Frame { image, mask })
    }
}

bindings::export!(Fixture with_types_in bindings);
