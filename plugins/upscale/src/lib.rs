//! upscale: enlarges the image 2, 3 or 4 times, with Lanczos-3 resampling in plain Rust or
//! with Real-ESRGAN (`realesr-general-x4v3`) on the host's device through `inference.run`
//! ([`learned`]). `method`: `auto` takes Real-ESRGAN when the host lists it (its weights are
//! downloaded and the `inference` capability is granted) and Lanczos otherwise; naming the
//! model fails clearly when it is not available. The mask, when the frame has one, is
//! upscaled with Lanczos so the two stay aligned.

pub mod lanczos;
pub mod learned;

use mend_sdk::{
    Frame, GrayMask, Hooks, Manifest, ParamSpec, Params, PluginError, Processor, Rgba8Image,
    inference,
};

/// Largest output the plugin produces, in pixels (16 Mpx, e.g. 4096x4096). Peak memory is
/// about 17 bytes per output pixel plus 20 per input pixel (≈ 350 MiB at the limit with
/// scale 2), inside the host's default 512 MiB.
pub const MAX_OUTPUT_PIXELS: u64 = 16 << 20;

struct Upscale;

fn cancelled() -> PluginError {
    PluginError::failed("cancelled by the host")
}

impl Processor for Upscale {
    fn manifest() -> Manifest {
        Manifest::processor("upscale", "Upscale", env!("CARGO_PKG_VERSION"))
            .with_hooks(Hooks::TOOL)
            .with_description(
                "Enlarges the image 2, 3 or 4 times with Real-ESRGAN (when its weights are \
                 downloaded) or Lanczos-3 resampling.",
            )
            .with_param(
                ParamSpec::choice("scale", "Scale", &["2", "3", "4"], "2")
                    .with_description("How many times wider and taller the result is."),
            )
            .with_param(
                ParamSpec::choice(
                    "method",
                    "Method",
                    &["auto", "lanczos", learned::MODEL],
                    "auto",
                )
                .with_description("auto: Real-ESRGAN when the server has it, otherwise Lanczos-3."),
            )
            .with_capability("inference")
    }

    fn process(input: Frame, params: &Params) -> Result<Frame, PluginError> {
        let scale: usize = params
            .choice("scale")?
            .parse()
            .map_err(|_| PluginError::invalid_params("scale must be 2, 3 or 4"))?;
        let (image, mask) = input.into_parts()?;
        let image = image.ok_or_else(|| PluginError::invalid_input("upscale needs an image"))?;
        let (w, h) = (image.width(), image.height());
        let out_pixels = u64::from(w) * u64::from(h) * (scale * scale) as u64;
        if out_pixels > MAX_OUTPUT_PIXELS {
            return Err(PluginError::invalid_input(format!(
                "{w}x{h} x{scale} is over the {} Mpx output limit",
                MAX_OUTPUT_PIXELS >> 20
            )));
        }
        let (ow, oh) = (w * scale as u32, h * scale as u32);
        let method = params.choice("method")?;
        let use_model = match method.as_str() {
            "lanczos" => false,
            "auto" => inference::available_models()
                .iter()
                .any(|m| m == learned::MODEL),
            _ => true,
        };
        // The image is most of the work; report its progress in [0, 0.9].
        let mut on_progress = |f: f32| mend_sdk::progress(f * 0.9);
        let pixels = if use_model {
            // The network works at ×4; that intermediate must fit the limit too.
            if u64::from(w) * u64::from(h) * 16 > MAX_OUTPUT_PIXELS {
                return Err(PluginError::invalid_input(format!(
                    "{w}x{h} is too large for {} (its x4 result is over the {} Mpx limit); \
                     use method lanczos",
                    learned::MODEL,
                    MAX_OUTPUT_PIXELS >> 20
                )));
            }
            let mut run = |t| {
                inference::run(learned::MODEL, &[t])?
                    .pop()
                    .ok_or_else(|| PluginError::failed("the model returned no tensor"))
            };
            learned::upscale_rgba(
                image.pixels(),
                w as usize,
                h as usize,
                scale,
                &mut run,
                &mut on_progress,
            )?
            .into_raw()
        } else {
            lanczos::upscale_rgba(
                image.pixels(),
                w as usize,
                h as usize,
                scale,
                &mut on_progress,
            )
            .ok_or_else(cancelled)?
        };
        let image = Rgba8Image::new(ow, oh, pixels)?;
        let mask = match mask {
            Some(m) => {
                let (mw, mh) = (m.width() as usize, m.height() as usize);
                let mut on_row = |f: f32| mend_sdk::progress(0.9 + f * 0.1);
                let px = lanczos::upscale_gray(m.pixels(), mw, mh, scale, &mut on_row)
                    .ok_or_else(cancelled)?;
                Some(GrayMask::new(
                    m.width() * scale as u32,
                    m.height() * scale as u32,
                    px,
                )?)
            }
            None => None,
        };
        Ok(Frame::from_parts(Some(image), mask))
    }
}

mend_sdk::export_processor!(Upscale);
