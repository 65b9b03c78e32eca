//! `mend:plugin/inference`: models the host owns. Every function first checks the
//! `inference` capability (requested by the manifest and granted by the configuration); a
//! plugin without it gets an error naming the capability.
//!
//! `inpaint` runs the native `cv2` model in the call itself, and the engine's loaded learned
//! model (LaMa, an adapter's model, …) as a job on the engine's queue, on the host's device,
//! waiting at most until the call's deadline (the job is cancelled then, and when the caller
//! gives up). `run` runs the tensor models of [`crate::engine::tensor_models`] (the
//! Real-ESRGAN upscaler once its weights are downloaded) in the call itself.

use mend_models::mask::{INPAINT_THRESHOLD, binarize};
use mend_models::tensor_map::HostTensor;
use mend_models::{InpaintConfig, InpaintModel, Progress, cv2::Cv2Model};

use crate::imaging::{split_rgba, to_rgba};
use crate::plugins::capabilities::INFERENCE;
use crate::plugins::images;
use crate::plugins::state::{CancelFlag, HostState};
use crate::plugins::wit::latest::inference::{Host, Tensor};
use crate::plugins::wit::latest::types::{Image, Mask, PluginError};

/// The erase model every host runs for plugins, whatever is loaded.
pub const NATIVE_MODEL: &str = "cv2";

impl HostState {
    fn require_inference(&self) -> Result<(), PluginError> {
        self.granted
            .check(&self.plugin, INFERENCE)
            .map_err(PluginError::Failed)
    }

    /// The engine's loaded model, when it is not the native one.
    fn engine_model(&self) -> Option<String> {
        let engine = self.engine.as_ref()?;
        let model = engine.current_model();
        (model != NATIVE_MODEL).then_some(model)
    }

    fn models(&self) -> Vec<String> {
        std::iter::once(NATIVE_MODEL.to_owned())
            .chain(self.engine_model())
            .chain(
                self.tensor_models
                    .as_ref()
                    .map(|t| t.available())
                    .unwrap_or_default(),
            )
            .collect()
    }
}

impl Host for HostState {
    fn available_models(&mut self) -> Vec<String> {
        if self.require_inference().is_err() {
            return Vec::new();
        }
        self.models()
    }

    fn run(&mut self, model: String, inputs: Vec<Tensor>) -> Result<Vec<Tensor>, PluginError> {
        self.require_inference()?;
        let Some(models) = self.tensor_models.clone() else {
            return Err(PluginError::ModelUnavailable(format!(
                "model `{model}`: this host runs no tensor models"
            )));
        };
        let inputs = inputs
            .into_iter()
            .map(|t| {
                let shape = t.shape.iter().map(|&d| d as usize).collect();
                HostTensor::new(shape, t.data)
                    .map_err(|e| PluginError::InvalidInput(format!("input tensor: {e}")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let outputs = models
            .run(&model, &inputs, self.max_pixels)
            .map_err(|e| match e {
                crate::Error::ModelUnavailable { .. } => {
                    PluginError::ModelUnavailable(e.to_string())
                }
                crate::Error::BadRequest(_)
                | crate::Error::ImageTooLarge { .. }
                | crate::Error::Model(mend_models::Error::InvalidParameter { .. }) => {
                    PluginError::InvalidInput(e.to_string())
                }
                other => PluginError::Failed(format!("{model} failed: {other}")),
            })?;
        outputs
            .into_iter()
            .map(|t| {
                let shape = t
                    .shape
                    .iter()
                    .map(|&d| u32::try_from(d))
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|_| PluginError::Failed("output tensor too large".to_owned()))?;
                Ok(Tensor {
                    shape,
                    data: t.data,
                })
            })
            .collect()
    }

    fn inpaint(&mut self, model: String, image: Image, mask: Mask) -> Result<Image, PluginError> {
        self.require_inference()?;
        let on_engine = self.engine_model().as_deref() == Some(model.as_str());
        if model != NATIVE_MODEL && !on_engine {
            return Err(PluginError::ModelUnavailable(format!(
                "model `{model}` is not loaded (available: {}); select it in the model list first",
                self.models().join(", ")
            )));
        }
        images::check_image(&image, self.max_pixels).map_err(PluginError::InvalidInput)?;
        images::check_mask(&mask, self.max_pixels).map_err(PluginError::InvalidInput)?;
        if (image.width, image.height) != (mask.width, mask.height) {
            return Err(PluginError::InvalidInput(format!(
                "image is {}x{} but mask is {}x{}",
                image.width, image.height, mask.width, mask.height
            )));
        }
        let rgba = images::from_wit_image(image).map_err(PluginError::InvalidInput)?;
        let mut mask = images::from_wit_mask(mask).map_err(PluginError::InvalidInput)?;
        binarize(&mut mask, INPAINT_THRESHOLD);
        let (rgb, alpha) = split_rgba(&rgba, true);
        let out = match (&self.engine, on_engine) {
            (Some(engine), true) => {
                let cancel = self.cancel.clone();
                engine
                    .inpaint_blocking(
                        rgb,
                        mask,
                        InpaintConfig::default(),
                        self.deadline_at,
                        &|| cancel.is_cancelled(),
                    )
                    .map_err(|e| match e {
                        crate::Error::Model(mend_models::Error::Cancelled) => PluginError::Failed(
                            format!("`{model}` did not finish before the plugin's deadline"),
                        ),
                        other => PluginError::Failed(format!("{model} inpaint failed: {other}")),
                    })?
            }
            _ => {
                let progress = CancelProgress(self.cancel.clone());
                Cv2Model
                    .forward(&rgb, &mask, &InpaintConfig::default(), &progress)
                    .map_err(|e| PluginError::Failed(format!("cv2 inpaint failed: {e}")))?
            }
        };
        // The model's RGB output with the input's alpha kept.
        Ok(images::to_wit_image(to_rgba(&out, alpha.as_ref())))
    }
}

/// Stops the model when the plugin call is cancelled.
struct CancelProgress(CancelFlag);

impl Progress for CancelProgress {
    fn report(&self, _fraction: f32) -> bool {
        !self.0.is_cancelled()
    }
}
