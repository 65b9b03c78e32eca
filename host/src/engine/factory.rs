//! Creates erase models by name from the catalogue.
//!
//! Models without weights (`cv2`) are built directly. Models with weights are built by a
//! [`WeightsLoader`]: the weight files (already on disk, see [`crate::models::ensure`]) are read
//! into state dicts with [`mend_models::weights::load_state_dict`] (TorchScript archives are
//! converted once and cached as safetensors) and handed to the loader with the resolved compute
//! device: `lama`/`anime-lama` and `migan` are built in, and [`register_loader`] adds loaders
//! at run time (tests). A model that a model-adapter plugin provides names one of these loaders as its
//! architecture and is wrapped in the adapter's processing ([`super::adapted`]).

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{OnceLock, RwLock};

use mend_models::InpaintModel;
use mend_models::catalogue::{self, CatalogueEntry, ModelKind};
use mend_models::cv2::Cv2Model;
use mend_models::device::ComputeDevice;
use mend_models::lama::Lama;
use mend_models::migan::Migan;
use mend_models::tensor_map::TensorMap;

use super::adapted::{AdaptedModel, Adapter};
use crate::{Error, Result};

/// Builds a model from its state dicts, one per catalogue file in catalogue order (LaMa: one,
/// keys as in `spec/lama-model.md` §2.1, e.g. `model.generator.model.1.ffc.convl2l.weight`).
pub type WeightsLoader = fn(
    &CatalogueEntry,
    Vec<TensorMap>,
    &ComputeDevice,
) -> mend_models::Result<Box<dyn InpaintModel>>;

/// What the engine needs to create a model: its name and, for models with weights, the local
/// weight files in catalogue order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelSource {
    /// Catalogue name.
    pub name: String,
    /// Weight files (empty for models without weights).
    pub weights: Vec<PathBuf>,
    /// For a model a model-adapter plugin provides: its architecture and processing.
    pub adapter: Option<Adapter>,
}

impl ModelSource {
    /// A model without weight files.
    pub fn named(name: &str) -> Self {
        Self {
            name: name.to_owned(),
            weights: Vec::new(),
            adapter: None,
        }
    }

    /// The adapter plugin whose processing wraps the model, if any.
    pub fn plugin(&self) -> Option<String> {
        self.adapter.as_ref().map(|a| a.hooks.adapter().to_owned())
    }
}

/// The architectures model adapters may name: the built-in loaders, with the padding their
/// network needs (an adapter's `pad-mod` must be a multiple of it).
pub const ARCHITECTURES: &[(&str, u32)] = &[("lama", 8)];

/// Loaders compiled into this build: LaMa and its anime fine-tune (same architecture), MI-GAN.
const BUILTIN_LOADERS: &[(&str, WeightsLoader)] = &[
    ("lama", lama_loader),
    ("anime-lama", lama_loader),
    ("migan", migan_loader),
];

/// Builds LaMa from the first state dict on `device` (architecture read off the shapes: the
/// released big-lama, or a small generator in tests), named after the catalogue entry.
fn lama_loader(
    entry: &CatalogueEntry,
    maps: Vec<TensorMap>,
    device: &ComputeDevice,
) -> mend_models::Result<Box<dyn InpaintModel>> {
    let map = first_state_dict(entry, maps)?;
    let lama = Lama::from_state_dict(&map, device.device())?.with_name(entry.name);
    Ok(Box::new(lama))
}

/// Builds MI-GAN from the first state dict on `device` (resolution and widths read off the
/// shapes: the released 512² generator, or a small one in tests).
fn migan_loader(
    entry: &CatalogueEntry,
    maps: Vec<TensorMap>,
    device: &ComputeDevice,
) -> mend_models::Result<Box<dyn InpaintModel>> {
    let map = first_state_dict(entry, maps)?;
    Ok(Box::new(Migan::from_state_dict(&map, device.device())?))
}

/// The first state dict handed to a single-file model's loader.
fn first_state_dict(
    entry: &CatalogueEntry,
    maps: Vec<TensorMap>,
) -> mend_models::Result<TensorMap> {
    maps.into_iter().next().ok_or_else(|| {
        mend_models::Error::InvalidWeights(format!("{}: no weights file given", entry.name))
    })
}

fn builtin_loader(name: &str) -> Option<WeightsLoader> {
    BUILTIN_LOADERS
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, loader)| *loader)
}

fn registered() -> &'static RwLock<HashMap<String, WeightsLoader>> {
    static LOADERS: OnceLock<RwLock<HashMap<String, WeightsLoader>>> = OnceLock::new();
    LOADERS.get_or_init(|| RwLock::new(HashMap::new()))
}

/// Registers (or replaces) the loader of catalogue model `name`.
pub fn register_loader(name: &str, loader: WeightsLoader) -> Result<()> {
    let entry = catalogue::find(name).ok_or_else(|| Error::UnknownModel(name.to_owned()))?;
    if !entry.needs_download() {
        return Err(Error::BadRequest(format!(
            "model `{name}` has no weight files to load"
        )));
    }
    registered()
        .write()
        .unwrap_or_else(|p| p.into_inner())
        .insert(name.to_owned(), loader);
    Ok(())
}

fn loader_for(name: &str) -> Option<WeightsLoader> {
    let registered = registered()
        .read()
        .unwrap_or_else(|p| p.into_inner())
        .get(name)
        .copied();
    registered.or_else(|| builtin_loader(name))
}

/// Whether this build can run `name` (given its weights): an erase model through a loader, or
/// a model plugins run through `inference` ([`super::tensor_models`]).
pub fn is_supported(name: &str) -> bool {
    catalogue::find(name).is_some_and(|e| match e.kind {
        ModelKind::Upscale | ModelKind::Segment => super::tensor_models::is_supported(name),
        ModelKind::Inpaint if e.needs_download() => loader_for(name).is_some(),
        ModelKind::Inpaint => e.implemented,
    })
}

/// Fails unless `name` is an erase model this build can run (weights may still need a
/// download).
pub fn check_available(name: &str) -> Result<&'static CatalogueEntry> {
    let entry = catalogue::find(name).ok_or_else(|| Error::UnknownModel(name.to_owned()))?;
    if entry.kind != ModelKind::Inpaint {
        return Err(Error::ModelUnavailable {
            name: name.to_owned(),
            reason: "it is not an erase model (plugins use it through `inference`; fetch its \
                     weights with `mend download`)"
                .to_owned(),
        });
    }
    if !is_supported(name) {
        return Err(Error::ModelUnavailable {
            name: name.to_owned(),
            reason: if entry.needs_download() {
                "this build of mend has no runtime for it yet (weights can still be fetched \
                 with `mend download`); use `cv2`"
                    .to_owned()
            } else {
                "this build of mend cannot run it".to_owned()
            },
        });
    }
    Ok(entry)
}

/// Creates the model called `name` (models without weights only).
pub fn create(name: &str) -> Result<Box<dyn InpaintModel>> {
    create_from(&ModelSource::named(name), &ComputeDevice::cpu())
}

/// Creates a model on `device`, reading its weight files when it has some.
pub fn create_from(source: &ModelSource, device: &ComputeDevice) -> Result<Box<dyn InpaintModel>> {
    if let Some(adapter) = &source.adapter {
        return create_adapted(source, adapter, device);
    }
    let entry = check_available(&source.name)?;
    if !entry.needs_download() {
        return match entry.name {
            "cv2" => Ok(Box::new(Cv2Model)),
            other => Err(Error::ModelUnavailable {
                name: other.to_owned(),
                reason: "no constructor for this model".to_owned(),
            }),
        };
    }
    let loader = loader_for(entry.name).ok_or_else(|| Error::ModelUnavailable {
        name: entry.name.to_owned(),
        reason: "no runtime for it in this build".to_owned(),
    })?;
    if source.weights.len() != entry.files.len() {
        return Err(Error::ModelUnavailable {
            name: entry.name.to_owned(),
            reason: format!(
                "{} weight file(s) needed, {} given (weights must be fetched first)",
                entry.files.len(),
                source.weights.len()
            ),
        });
    }
    let maps = source
        .weights
        .iter()
        .map(|p| mend_models::weights::load_state_dict(p))
        .collect::<mend_models::Result<Vec<_>>>()?;
    Ok(loader(entry, maps, device)?)
}

/// Builds an adapter's model: the architecture's network from the adapter's weights file,
/// wrapped in the adapter's processing.
fn create_adapted(
    source: &ModelSource,
    adapter: &Adapter,
    device: &ComputeDevice,
) -> Result<Box<dyn InpaintModel>> {
    let unavailable = |reason: String| Error::ModelUnavailable {
        name: source.name.clone(),
        reason,
    };
    let arch = adapter.architecture.as_str();
    let (entry, loader) = catalogue::find(arch)
        .zip(builtin_loader(arch))
        .ok_or_else(|| unavailable(format!("this host has no architecture `{arch}`")))?;
    let [weights] = source.weights.as_slice() else {
        return Err(unavailable(format!(
            "one weights file needed, {} given",
            source.weights.len()
        )));
    };
    let map = mend_models::weights::load_state_dict(weights)?;
    let network = loader(entry, vec![map], device)?;
    Ok(Box::new(AdaptedModel::new(
        &source.name,
        network,
        adapter.clone(),
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cv2_is_created_and_others_are_refused_with_the_right_error() {
        assert_eq!(
            create("cv2").map(|m| m.name().to_owned()).ok().as_deref(),
            Some("cv2")
        );
        assert!(matches!(create("mat"), Err(Error::ModelUnavailable { .. })));
        assert!(matches!(create("nope"), Err(Error::UnknownModel(_))));
        assert!(register_loader("cv2", |_, _, _| Err(mend_models::Error::Cancelled)).is_err());
    }
}
