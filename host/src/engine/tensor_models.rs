//! Models plugins run on tensors through `inference.run`: catalogue entries that are not erase
//! models (the Real-ESRGAN upscaler, the RMBG-1.4 background remover), loaded on first use from
//! the model dir onto the engine's device and kept for later calls. A model is available when its weights file is on disk;
//! `mend download <name>` (or the UI's plugin panel) fetches it.
//!
//! Unlike the erase model, these run in the plugin call itself (on tokio's blocking pool, in
//! parallel with the engine's queue); the plugin's deadline bounds the call.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use mend_models::catalogue::{self, ModelKind};
use mend_models::device::ComputeDevice;
use mend_models::isnet::IsNet;
use mend_models::model_files;
use mend_models::srvgg::SrVgg;
use mend_models::tensor_map::HostTensor;

use crate::models::WeightsContext;
use crate::{Error, Result};

/// Tensor models this build can run: SRVGGNetCompact (Real-ESRGAN) and IS-Net (RMBG-1.4).
const SUPPORTED: &[&str] = &["realesr-general-x4v3", "rmbg-1.4"];

/// A loaded tensor model.
enum Network {
    SrVgg(SrVgg),
    IsNet(Box<IsNet>),
}

impl Network {
    fn load(
        name: &str,
        map: &mend_models::tensor_map::TensorMap,
        device: &ComputeDevice,
    ) -> Result<Self> {
        Ok(match name {
            "rmbg-1.4" => Self::IsNet(Box::new(IsNet::from_state_dict(map, device.device())?)),
            _ => Self::SrVgg(SrVgg::from_state_dict(map, device.device())?),
        })
    }

    fn run(&self, input: &HostTensor) -> mend_models::Result<HostTensor> {
        match self {
            Self::SrVgg(n) => n.run(input),
            Self::IsNet(n) => n.run(input),
        }
    }
}

/// Whether this build runs catalogue model `name` for plugins.
pub fn is_supported(name: &str) -> bool {
    SUPPORTED.contains(&name)
}

/// Loaded tensor models, by name; shared by every plugin call.
pub struct TensorModels {
    ctx: WeightsContext,
    device: ComputeDevice,
    loaded: Mutex<HashMap<String, Arc<Network>>>,
}

impl std::fmt::Debug for TensorModels {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TensorModels")
            .field("model_dir", &self.ctx.model_dir)
            .finish_non_exhaustive()
    }
}

impl TensorModels {
    /// Models read from `ctx`'s model dir onto `device`.
    pub fn new(ctx: WeightsContext, device: ComputeDevice) -> Self {
        Self {
            ctx,
            device,
            loaded: Mutex::new(HashMap::new()),
        }
    }

    /// The weights file of `name`, if it is a supported tensor model.
    fn weights(&self, name: &str) -> Option<std::path::PathBuf> {
        let entry = catalogue::find(name).filter(|e| e.kind != ModelKind::Inpaint)?;
        if !is_supported(name) {
            return None;
        }
        let files = model_files::resolve(entry, &self.ctx.model_dir, &|n| self.ctx.lookup(n));
        match files.as_slice() {
            [file] => Some(file.path.clone()),
            _ => None,
        }
    }

    /// Supported models whose weights are on disk.
    pub fn available(&self) -> Vec<String> {
        SUPPORTED
            .iter()
            .filter(|n| self.weights(n).is_some_and(|p| p.is_file()))
            .map(|n| (*n).to_owned())
            .collect()
    }

    /// The loaded model `name`, loading it on first use.
    fn model(&self, name: &str) -> Result<Arc<Network>> {
        let unavailable = |reason: String| Error::ModelUnavailable {
            name: name.to_owned(),
            reason,
        };
        if let Some(m) = self.loaded.lock().ok().and_then(|l| l.get(name).cloned()) {
            return Ok(m);
        }
        let path = self.weights(name).ok_or_else(|| {
            unavailable(format!(
                "not a model plugins can run here (available: {})",
                SUPPORTED.join(", ")
            ))
        })?;
        if !path.is_file() {
            return Err(unavailable(format!(
                "its weights are not downloaded (run `mend download {name}`, or place the file \
                 at {})",
                path.display()
            )));
        }
        let map = mend_models::weights::load_state_dict(&path)?;
        let model = Arc::new(Network::load(name, &map, &self.device)?);
        tracing::info!(model = name, path = %path.display(), "loaded a model for plugins");
        if let Ok(mut loaded) = self.loaded.lock() {
            loaded.insert(name.to_owned(), Arc::clone(&model));
        }
        Ok(model)
    }

    /// Runs `name` on `inputs` (one RGB image `[1, 3, H, W]`, at most `max_pixels` pixels;
    /// in `[0, 1]` for Real-ESRGAN, minus 0.5 for RMBG-1.4) and returns its outputs (`[1, 3,
    /// 4H, 4W]`, or the foreground probability `[1, 1, H, W]`).
    pub fn run(
        &self,
        name: &str,
        inputs: &[HostTensor],
        max_pixels: u64,
    ) -> Result<Vec<HostTensor>> {
        let model = self.model(name)?;
        let [input] = inputs else {
            return Err(Error::BadRequest(format!(
                "`{name}` takes one input tensor, {} given",
                inputs.len()
            )));
        };
        let side = |i: usize| {
            input
                .shape
                .len()
                .checked_sub(i)
                .and_then(|k| input.shape.get(k))
                .map_or(0, |&v| u32::try_from(v).unwrap_or(u32::MAX))
        };
        let (width, height) = (side(1), side(2));
        let pixels = u64::from(width) * u64::from(height);
        if pixels > max_pixels {
            return Err(Error::ImageTooLarge {
                width,
                height,
                pixels,
                limit: max_pixels,
            });
        }
        // A backend panic on an odd input must fail this call, not the server.
        let out = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| model.run(input)))
            .unwrap_or_else(|_| {
                Err(mend_models::Error::Backend(format!(
                    "`{name}` failed unexpectedly on an input of shape {:?}",
                    input.shape
                )))
            })?;
        Ok(vec![out])
    }
}
