//! Plugin hooks in the inpaint pipeline: processors a request names in `plugins` run on the
//! image and mask before the model (hook `before-inpaint`) and on the result after it (hook
//! `after-inpaint`). This is a mend extension of IOPaint's request; IOPaint clients never send
//! the field, so nothing runs for them.

use image::{GrayImage, RgbImage};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use utoipa::ToSchema;

use crate::imaging::{split_rgba, to_rgba};
use crate::plugins::images;
use crate::plugins::wit::latest;
use crate::plugins::{PluginKind, Plugins};
use crate::server::state::blocking;
use crate::{Error, Result};

/// Hook name of processors that run before the model.
pub const BEFORE_INPAINT: &str = "before-inpaint";
/// Hook name of processors that run on the result.
pub const AFTER_INPAINT: &str = "after-inpaint";

/// One processor a request asks for, with its parameter values.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PluginUse {
    /// Plugin id (or name).
    pub id: String,
    /// Parameter values; missing ones take the plugin's configured or default values.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub params: Map<String, Value>,
}

/// The processors of a request, split by hook and checked up front.
#[derive(Debug, Default, Clone)]
pub struct Hooks {
    before: Vec<PluginUse>,
    after: Vec<PluginUse>,
}

impl Hooks {
    /// Checks that every named plugin is an enabled processor offering a pipeline hook, and
    /// sorts them by hook (a plugin with both hooks runs at both). Order within a hook is the
    /// request's order.
    pub fn resolve(plugins: &Plugins, uses: &[PluginUse]) -> Result<Self> {
        let mut hooks = Self::default();
        for u in uses {
            let (plugin, _) = plugins.find_enabled(&u.id)?;
            if plugin.kind() != PluginKind::Processor {
                return Err(Error::BadRequest(format!(
                    "plugin `{}` is not a processor; only processors run in the inpaint pipeline",
                    u.id
                )));
            }
            let offers = |hook: &str| plugin.manifest.hooks.contains(&hook);
            if !offers(BEFORE_INPAINT) && !offers(AFTER_INPAINT) {
                return Err(Error::BadRequest(format!(
                    "plugin `{}` has no before-inpaint or after-inpaint hook",
                    u.id
                )));
            }
            if offers(BEFORE_INPAINT) {
                hooks.before.push(u.clone());
            }
            if offers(AFTER_INPAINT) {
                hooks.after.push(u.clone());
            }
        }
        Ok(hooks)
    }

    /// Whether no plugin runs.
    pub fn is_empty(&self) -> bool {
        self.before.is_empty() && self.after.is_empty()
    }

    /// Runs the before-inpaint processors on the image (with its alpha) and the mask. They may
    /// change pixels but not the size.
    pub async fn before(
        &self,
        plugins: &Plugins,
        rgb: RgbImage,
        alpha: Option<GrayImage>,
        mask: GrayImage,
    ) -> Result<(RgbImage, Option<GrayImage>, GrayImage)> {
        if self.before.is_empty() {
            return Ok((rgb, alpha, mask));
        }
        let had_alpha = alpha.is_some();
        let (mut rgba, mut mask) = (to_rgba(&rgb, alpha.as_ref()), mask);
        for u in &self.before {
            let frame = latest::Frame {
                image: Some(images::to_wit_image(rgba.clone())),
                mask: Some(images::to_wit_mask(mask.clone())),
            };
            let (out, _) = plugins.process(&u.id, frame, &u.params).await?;
            if let Some(image) = out.image {
                rgba = same_size(&u.id, images::from_wit_image(image), rgba.dimensions())?;
            }
            if let Some(m) = out.mask {
                mask = same_size(&u.id, images::from_wit_mask(m), mask.dimensions())?;
            }
        }
        let (rgb, alpha) = blocking(move || Ok(split_rgba(&rgba, had_alpha))).await?;
        Ok((rgb, alpha, mask))
    }

    /// Runs the after-inpaint processors on the result (with the input's alpha).
    pub async fn after(
        &self,
        plugins: &Plugins,
        result: RgbImage,
        alpha: Option<GrayImage>,
    ) -> Result<(RgbImage, Option<GrayImage>)> {
        if self.after.is_empty() {
            return Ok((result, alpha));
        }
        let had_alpha = alpha.is_some();
        let mut rgba = to_rgba(&result, alpha.as_ref());
        for u in &self.after {
            let frame = latest::Frame {
                image: Some(images::to_wit_image(rgba.clone())),
                mask: None,
            };
            let (out, _) = plugins.process(&u.id, frame, &u.params).await?;
            if let Some(image) = out.image {
                rgba = same_size(&u.id, images::from_wit_image(image), rgba.dimensions())?;
            }
        }
        blocking(move || Ok(split_rgba(&rgba, had_alpha))).await
    }
}

fn same_size<P: image::Pixel>(
    id: &str,
    converted: std::result::Result<image::ImageBuffer<P, Vec<P::Subpixel>>, String>,
    expected: (u32, u32),
) -> Result<image::ImageBuffer<P, Vec<P::Subpixel>>> {
    let img = converted.map_err(|message| Error::Plugin {
        plugin: id.to_owned(),
        message,
    })?;
    if img.dimensions() != expected {
        return Err(Error::Plugin {
            plugin: id.to_owned(),
            message: format!(
                "changed the size from {}x{} to {}x{}; inpaint hooks must keep it",
                expected.0,
                expected.1,
                img.width(),
                img.height()
            ),
        });
    }
    Ok(img)
}
