//! Model adapters: plugins of the `model-adapter` world describe an erase model that one of
//! the host's architectures runs (its weights URL and md5, padding), and wrap each forward of it
//! in their `preprocess`/`postprocess`.
//!
//! A description is validated when the plugin loads ([`ModelDescription::validate`]). A model
//! whose name is in the built-in catalogue must use the catalogue's weights (the adapter then
//! adds its processing to that model); any other name adds a model. Enabled adapters' models
//! are listed with the others (server-config, `/api/v1/models`) and are selected like them;
//! the engine loads the architecture's network and calls the plugin through
//! [`PluginAdapterHooks`], which always takes the plugin's current version and settings.

use std::sync::Arc;
use std::time::{Duration, Instant};

use image::{GrayImage, RgbImage};
use mend_models::catalogue::{self, url_file_name};
use serde::Serialize;

use super::call::CallOptions;
use super::images;
use super::manifest;
use super::registry::Plugins;
use super::state::CancelFlag;
use super::wit::latest;
use crate::engine::adapted::{Adapter, AdapterHooks};
use crate::engine::factory::ARCHITECTURES;
use crate::imaging::{split_rgba, to_rgba};

/// Largest `pad-mod` an adapter may ask for.
pub const MAX_PAD_MOD: u32 = 512;
/// How long an adapter call waits for a free instance slot before it fails.
pub const SLOT_WAIT: Duration = Duration::from_secs(30);

/// A validated `describe-model`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ModelDescription {
    /// Model name (lowercase letters, digits and `-`).
    pub name: String,
    /// Host architecture that runs it (see [`ARCHITECTURES`]).
    pub architecture: String,
    /// Where its weights come from.
    pub weights_url: String,
    /// Their md5 (32 lowercase hex digits).
    pub weights_md5: String,
    /// Input sides are padded to a multiple of this.
    pub pad_mod: u32,
    /// Minimum input side, 0 for none.
    pub min_size: u32,
}

impl ModelDescription {
    /// Checks what the plugin says about its model.
    pub fn validate(d: latest::ModelDescription) -> Result<Self, String> {
        manifest::check_id(&d.name).map_err(|e| format!("model name: {e}"))?;
        let Some(&(_, arch_pad)) = ARCHITECTURES.iter().find(|(a, _)| *a == d.architecture) else {
            let known: Vec<&str> = ARCHITECTURES.iter().map(|(a, _)| *a).collect();
            return Err(format!(
                "model `{}` needs architecture `{}`, which this host does not have (it has: {})",
                d.name,
                d.architecture,
                known.join(", ")
            ));
        };
        if !(d.weights_url.starts_with("https://") || d.weights_url.starts_with("http://"))
            || url_file_name(&d.weights_url).is_empty()
        {
            return Err(format!(
                "weights-url `{}` is not an http(s) URL of a file",
                d.weights_url
            ));
        }
        let md5 = d.weights_md5.to_ascii_lowercase();
        if md5.len() != 32 || !md5.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(format!(
                "weights-md5 `{}` is not 32 hex digits",
                d.weights_md5
            ));
        }
        if d.pad_mod == 0 || d.pad_mod > MAX_PAD_MOD || !d.pad_mod.is_multiple_of(arch_pad) {
            return Err(format!(
                "pad-mod {} must be a multiple of {arch_pad} (what `{}` needs) up to {MAX_PAD_MOD}",
                d.pad_mod, d.architecture
            ));
        }
        if let Some(entry) = catalogue::find(&d.name) {
            let same_file = match entry.files {
                [file] => file.md5 == md5 && file.file_name() == url_file_name(&d.weights_url),
                _ => false,
            };
            if !same_file {
                return Err(format!(
                    "model `{}` is a built-in model; an adapter for it must describe the \
                     same weights file (or use a name of its own)",
                    d.name
                ));
            }
        }
        Ok(Self {
            name: d.name,
            architecture: d.architecture,
            weights_url: d.weights_url,
            weights_md5: md5,
            pad_mod: d.pad_mod,
            min_size: d.min_size,
        })
    }
}

/// A model an enabled adapter provides, and which plugin provides it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdapterModel {
    /// The adapter's plugin id.
    pub plugin: String,
    /// Its model.
    pub model: ModelDescription,
}

impl Plugins {
    /// The models of enabled model adapters, by plugin id. When two adapters describe the same
    /// name, the first by id wins.
    pub fn adapter_models(&self) -> Vec<AdapterModel> {
        let mut out: Vec<AdapterModel> = Vec::new();
        for (plugin, _) in self.enabled_adapters() {
            if let Some(model) = &plugin.model
                && !out.iter().any(|m| m.model.name == model.name)
            {
                out.push(AdapterModel {
                    plugin: plugin.id().to_owned(),
                    model: model.clone(),
                });
            }
        }
        out
    }

    /// The enabled adapter that provides model `name`, if any.
    pub fn adapter_model(&self, name: &str) -> Option<AdapterModel> {
        self.adapter_models()
            .into_iter()
            .find(|m| m.model.name == name)
    }

    /// Model `name` as an enabled adapter provides it: its description and the engine's view
    /// of it (architecture, padding, the plugin's processing); `None` for other models.
    pub fn adapted(&self, name: &str) -> Option<crate::models::Adapted> {
        let AdapterModel { plugin, model } = self.adapter_model(name)?;
        let adapter = Adapter {
            architecture: model.architecture.clone(),
            pad_mod: model.pad_mod,
            min_size: (model.min_size > 0).then_some(model.min_size),
            hooks: Arc::new(PluginAdapterHooks {
                plugins: self.clone(),
                plugin,
            }),
        };
        Some((model, adapter))
    }
}

/// Calls an adapter plugin's `preprocess`/`postprocess` from the engine's worker thread. Each
/// call takes the plugin's current version (a hot reload applies to the next forward) and
/// fails with a clear error once the plugin is disabled or removed.
pub struct PluginAdapterHooks {
    plugins: Plugins,
    plugin: String,
}

impl PluginAdapterHooks {
    fn error(&self, message: impl Into<String>) -> mend_models::Error {
        mend_models::Error::Adapter {
            adapter: self.plugin.clone(),
            message: message.into(),
        }
    }

    /// Runs `f` on the enabled plugin with its configured parameters and a call slot.
    fn with_plugin<T>(
        &self,
        f: impl FnOnce(&super::LoadedPlugin, &[latest::types::Param], &CallOptions) -> crate::Result<T>,
    ) -> mend_models::Result<T> {
        let (plugin, stored) = self.plugins.find_enabled(&self.plugin).map_err(|e| {
            self.error(format!(
                "is not available any more ({e}); select the model again once it is back"
            ))
        })?;
        let params = plugin
            .manifest
            .params(&stored, &serde_json::Map::new())
            .map_err(|m| self.error(format!("has invalid settings: {m}")))?;
        let _slot = self
            .plugins
            .wait_for_slot(SLOT_WAIT)
            .ok_or_else(|| self.error("found no free plugin slot (the server is busy)"))?;
        let options = CallOptions {
            deadline: self.plugins.runtime().limits().deadline,
            cancel: CancelFlag::new(),
        };
        f(&plugin, &params, &options).map_err(|e| match e {
            crate::Error::Plugin { message, .. } => self.error(message),
            other => self.error(other.to_string()),
        })
    }
}

fn rgba(img: &RgbImage) -> latest::types::Image {
    images::to_wit_image(to_rgba(img, None))
}

fn rgb(img: latest::types::Image) -> Result<RgbImage, String> {
    images::from_wit_image(img).map(|i| split_rgba(&i, false).0)
}

impl AdapterHooks for PluginAdapterHooks {
    fn adapter(&self) -> &str {
        &self.plugin
    }

    fn preprocess(
        &self,
        image: &RgbImage,
        mask: &GrayImage,
    ) -> mend_models::Result<(RgbImage, GrayImage)> {
        let started = Instant::now();
        let (image, mask) = self.with_plugin(|plugin, params, options| {
            plugin.preprocess(
                rgba(image),
                images::to_wit_mask(mask.clone()),
                params,
                options,
            )
        })?;
        let image = rgb(image).map_err(|e| self.error(format!("preprocess: {e}")))?;
        let mask =
            images::from_wit_mask(mask).map_err(|e| self.error(format!("preprocess: {e}")))?;
        tracing::debug!(plugin = %self.plugin, ms = started.elapsed().as_millis() as u64, "adapter preprocess");
        Ok((image, mask))
    }

    fn postprocess(
        &self,
        output: &RgbImage,
        original: &RgbImage,
        mask: &GrayImage,
    ) -> mend_models::Result<RgbImage> {
        let image = self.with_plugin(|plugin, _, options| {
            plugin.postprocess(
                rgba(output),
                rgba(original),
                images::to_wit_mask(mask.clone()),
                options,
            )
        })?;
        rgb(image).map_err(|e| self.error(format!("postprocess: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lama_like(name: &str) -> latest::ModelDescription {
        latest::ModelDescription {
            name: name.to_owned(),
            architecture: "lama".to_owned(),
            weights_url: "https://example.com/models/my-lama.pt".to_owned(),
            weights_md5: "0123456789ABCDEF0123456789abcdef".to_owned(),
            pad_mod: 8,
            min_size: 0,
        }
    }

    #[test]
    fn a_new_model_on_a_known_architecture_is_accepted() {
        let d = ModelDescription::validate(lama_like("my-lama")).unwrap();
        assert_eq!(d.weights_md5, "0123456789abcdef0123456789abcdef");
    }

    #[test]
    fn bad_descriptions_are_refused_with_the_reason() {
        let cases: Vec<(latest::ModelDescription, &str)> = vec![
            (
                latest::ModelDescription {
                    architecture: "mat".to_owned(),
                    ..lama_like("x")
                },
                "architecture `mat`",
            ),
            (
                latest::ModelDescription {
                    weights_url: "file:///etc/passwd".to_owned(),
                    ..lama_like("x")
                },
                "http(s)",
            ),
            (
                latest::ModelDescription {
                    weights_md5: "abc".to_owned(),
                    ..lama_like("x")
                },
                "32 hex",
            ),
            (
                latest::ModelDescription {
                    pad_mod: 12,
                    ..lama_like("x")
                },
                "multiple of 8",
            ),
            (lama_like("Bad Name"), "model name"),
            // A built-in name with other weights.
            (lama_like("lama"), "built-in model"),
        ];
        for (d, expected) in cases {
            let err = ModelDescription::validate(d).unwrap_err();
            assert!(err.contains(expected), "{err} (expected {expected})");
        }
    }

    #[test]
    fn a_built_in_model_with_its_own_weights_is_accepted() {
        let entry = catalogue::find("anime-lama").unwrap();
        let d = latest::ModelDescription {
            weights_url: entry.files[0].url.to_owned(),
            weights_md5: entry.files[0].md5.to_owned(),
            ..lama_like("anime-lama")
        };
        assert!(ModelDescription::validate(d).is_ok());
    }
}
