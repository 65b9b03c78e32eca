//! # mend-sdk
//!
//! The crate plugin authors use to write mend plugins: sandboxed WebAssembly components
//! (`wasm32-wasip2`) that the `mend` host loads while it runs. The contract is the WIT
//! package `mend:plugin@0.1.0` in `wit/since_v0.1.0/`; this crate owns its guest bindings,
//! so a plugin depends on `mend-sdk` alone.
//!
//! ```ignore
//! use mend_sdk::{Frame, Hooks, Manifest, ParamSpec, Params, PluginError, Processor};
//!
//! struct Invert;
//!
//! impl Processor for Invert {
//!     fn manifest() -> Manifest {
//!         Manifest::processor("invert", "Invert", env!("CARGO_PKG_VERSION"))
//!             .with_hooks(Hooks::TOOL)
//!             .with_param(ParamSpec::boolean("alpha", "Invert alpha too", false))
//!     }
//!
//!     fn process(input: Frame, params: &Params) -> Result<Frame, PluginError> {
//!         let alpha = params.boolean("alpha")?;
//!         let (image, mask) = input.into_parts()?;
//!         // …
//!         Ok(Frame::from_parts(image, mask))
//!     }
//! }
//!
//! mend_sdk::export_processor!(Invert);
//! ```
//!
//! ## Layout
//!
//! - [`Processor`], [`MaskGenerator`], [`ModelAdapter`]: one trait per world, exported with
//!   [`export_processor!`], [`export_mask_generator!`], [`export_model_adapter!`]. The macros
//!   also stamp [`PLUGIN_API_VERSION`] into a `mend:api-version` custom section, which the
//!   host reads before it instantiates the component.
//! - [`Rgba8Image`], [`GrayMask`]: owned pixels with checked sizes, convertible to and from the
//!   WIT [`Image`] and [`Mask`].
//! - [`Params`], [`ParamSpec`] builders, [`Manifest`] builders.
//! - [`log`](crate::log()), [`progress`], [`report_progress`] and [`inference`]: the imports.
//!
//! Everything also compiles for the host target, where the imports are inert (logging goes
//! nowhere, progress always continues, no models), so plugin algorithms can be unit-tested
//! with `cargo test` on x86_64.

mod host;
mod image;
mod manifest;
pub mod morph;
mod params;
mod worlds;

#[doc(hidden)]
pub mod bindings;

pub use bindings::processor::mend::plugin::types::{
    Hooks, Image, IntegerRange, Manifest, Mask, NumberRange, Param, ParamKind, ParamSpec,
    ParamValue, PluginError, PluginKind, Point,
};
pub use host::{
    LogLevel, debug, error, inference, info, log, progress, report_progress, trace, warn,
};
pub use image::{GrayMask, Rgba8Image};
pub use params::Params;
pub use worlds::{Frame, MaskGenerator, ModelAdapter, ModelDescription, Processor};

#[doc(hidden)]
pub use worlds::private as __private;

/// The API version of the `mend:plugin` WIT package this SDK targets.
pub const PLUGIN_API_VERSION: &str = "0.1.0";

/// Name of the custom section that carries [`PLUGIN_API_VERSION`] in every plugin binary.
pub const API_VERSION_SECTION: &str = "mend:api-version";

/// Stamps [`PLUGIN_API_VERSION`] into the `mend:api-version` custom section. Expanded by the
/// export macros inside the plugin crate (not in this rlib) so the section is always linked.
#[doc(hidden)]
#[macro_export]
macro_rules! __stamp_api_version {
    () => {
        // `link_section` is an unsafe attribute: it must not overlap anything the linker
        // lays out. A custom section holds no code or data the program reads, so it is sound.
        #[cfg(target_arch = "wasm32")]
        #[unsafe(link_section = "mend:api-version")]
        #[used]
        static __MEND_API_VERSION: [u8; $crate::PLUGIN_API_VERSION.len()] =
            $crate::__private::api_version_bytes();
    };
}

/// Exports a type implementing [`Processor`] as the plugin's `processor` world:
/// `mend_sdk::export_processor!(MyProcessor);`. Use it once per plugin crate.
#[macro_export]
macro_rules! export_processor {
    ($ty:ty) => {
        const _: () = {
            struct __MendExport;

            impl $crate::bindings::processor::Guest for __MendExport {
                fn plugin_manifest() -> $crate::Manifest {
                    $crate::__private::processor_manifest::<$ty>()
                }

                fn process(
                    input: $crate::Frame,
                    params: ::std::vec::Vec<$crate::Param>,
                ) -> ::core::result::Result<$crate::Frame, $crate::PluginError> {
                    $crate::__private::processor_process::<$ty>(input, params)
                }
            }

            $crate::bindings::processor::__export_processor_world!(
                __MendExport with_types_in $crate::bindings::processor
            );
            $crate::__stamp_api_version!();
        };
    };
}

/// Exports a type implementing [`MaskGenerator`] as the plugin's `mask-generator` world:
/// `mend_sdk::export_mask_generator!(MySegmenter);`. Use it once per plugin crate.
#[macro_export]
macro_rules! export_mask_generator {
    ($ty:ty) => {
        const _: () = {
            struct __MendExport;

            impl $crate::bindings::mask_generator::Guest for __MendExport {
                fn plugin_manifest() -> $crate::Manifest {
                    $crate::__private::mask_generator_manifest::<$ty>()
                }

                fn generate(
                    image: $crate::Image,
                    points: ::std::vec::Vec<$crate::Point>,
                    params: ::std::vec::Vec<$crate::Param>,
                ) -> ::core::result::Result<$crate::Mask, $crate::PluginError> {
                    $crate::__private::mask_generator_generate::<$ty>(image, points, params)
                }
            }

            $crate::bindings::mask_generator::__export_mask_generator_world!(
                __MendExport with_types_in $crate::bindings::mask_generator
            );
            $crate::__stamp_api_version!();
        };
    };
}

/// Exports a type implementing [`ModelAdapter`] as the plugin's `model-adapter` world:
/// `mend_sdk::export_model_adapter!(MyAdapter);`. Use it once per plugin crate.
#[macro_export]
macro_rules! export_model_adapter {
    ($ty:ty) => {
        const _: () = {
            struct __MendExport;

            impl $crate::bindings::model_adapter::Guest for __MendExport {
                fn plugin_manifest() -> $crate::Manifest {
                    $crate::__private::model_adapter_manifest::<$ty>()
                }

                fn describe_model() -> $crate::ModelDescription {
                    <$ty as $crate::ModelAdapter>::describe_model()
                }

                fn preprocess(
                    image: $crate::Image,
                    mask: $crate::Mask,
                    params: ::std::vec::Vec<$crate::Param>,
                ) -> ::core::result::Result<($crate::Image, $crate::Mask), $crate::PluginError>
                {
                    $crate::__private::model_adapter_preprocess::<$ty>(image, mask, params)
                }

                fn postprocess(
                    output: $crate::Image,
                    original: $crate::Image,
                    mask: $crate::Mask,
                ) -> ::core::result::Result<$crate::Image, $crate::PluginError> {
                    <$ty as $crate::ModelAdapter>::postprocess(output, original, mask)
                }
            }

            $crate::bindings::model_adapter::__export_model_adapter_world!(
                __MendExport with_types_in $crate::bindings::model_adapter
            );
            $crate::__stamp_api_version!();
        };
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Demo;

    impl Processor for Demo {
        fn manifest() -> Manifest {
            let mut m = Manifest::processor("demo", "Demo", "1.2.3")
                .with_hooks(Hooks::TOOL | Hooks::AFTER_INPAINT)
                .with_param(ParamSpec::integer("radius", "Radius", 1..=100, 5));
            // A plugin cannot claim another API version or kind: the glue overrides both.
            m.api_version = "9.9.9".into();
            m.kind = PluginKind::ModelAdapter;
            m
        }
    }

    #[test]
    fn glue_forces_api_version_and_kind() {
        let m = __private::processor_manifest::<Demo>();
        assert_eq!(m.api_version, PLUGIN_API_VERSION);
        assert_eq!(m.kind, PluginKind::Processor);
        assert_eq!(m.hooks, Hooks::TOOL | Hooks::AFTER_INPAINT);
    }

    #[test]
    fn default_process_is_unsupported_and_params_get_defaults() {
        let r = __private::processor_process::<Demo>(Frame::from_parts(None, None), Vec::new());
        assert!(matches!(r, Err(PluginError::Unsupported(_))));
        let p = Params::new(Vec::new(), Demo::manifest().params);
        assert_eq!(p.integer("radius").expect("default"), 5);
    }

    #[test]
    fn api_version_bytes_spell_the_version() {
        let b: [u8; PLUGIN_API_VERSION.len()] = __private::api_version_bytes();
        assert_eq!(&b, PLUGIN_API_VERSION.as_bytes());
    }

    #[test]
    fn frame_parts_are_checked() {
        let bad = Frame {
            image: Some(Image {
                width: 2,
                height: 2,
                pixels: vec![0; 3],
            }),
            mask: None,
        };
        assert!(matches!(
            bad.into_parts(),
            Err(PluginError::InvalidInput(_))
        ));
    }
}
