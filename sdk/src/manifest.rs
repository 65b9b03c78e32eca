//! Builders for [`Manifest`] and small constructors for [`PluginError`].

use crate::{Hooks, Manifest, PLUGIN_API_VERSION, ParamSpec, PluginError, PluginKind};

impl Manifest {
    /// A manifest for a plugin of `kind`, stamped with [`PLUGIN_API_VERSION`], no hooks, no
    /// parameters and no capabilities. Pass `env!("CARGO_PKG_VERSION")` as `version`.
    pub fn new(kind: PluginKind, id: &str, name: &str, version: &str) -> Self {
        Manifest {
            id: id.to_owned(),
            name: name.to_owned(),
            version: version.to_owned(),
            api_version: PLUGIN_API_VERSION.to_owned(),
            kind,
            hooks: Hooks::empty(),
            description: String::new(),
            params: Vec::new(),
            capabilities: Vec::new(),
        }
    }

    /// A `processor` manifest (see [`Manifest::new`]).
    pub fn processor(id: &str, name: &str, version: &str) -> Self {
        Self::new(PluginKind::Processor, id, name, version)
    }

    /// A `mask-generator` manifest (see [`Manifest::new`]).
    pub fn mask_generator(id: &str, name: &str, version: &str) -> Self {
        Self::new(PluginKind::MaskGenerator, id, name, version)
    }

    /// A `model-adapter` manifest (see [`Manifest::new`]).
    pub fn model_adapter(id: &str, name: &str, version: &str) -> Self {
        Self::new(PluginKind::ModelAdapter, id, name, version)
    }

    /// Sets where a processor runs (`Hooks::TOOL | Hooks::AFTER_INPAINT`, …).
    #[must_use]
    pub fn with_hooks(mut self, hooks: Hooks) -> Self {
        self.hooks = hooks;
        self
    }

    /// Sets the one- or two-sentence description shown in the UI.
    #[must_use]
    pub fn with_description(mut self, description: &str) -> Self {
        description.clone_into(&mut self.description);
        self
    }

    /// Adds a parameter.
    #[must_use]
    pub fn with_param(mut self, spec: ParamSpec) -> Self {
        self.params.push(spec);
        self
    }

    /// Asks for a capability (e.g. `inference`); the host grants it from its configuration.
    #[must_use]
    pub fn with_capability(mut self, capability: &str) -> Self {
        self.capabilities.push(capability.to_owned());
        self
    }
}

impl PluginError {
    /// [`PluginError::InvalidInput`] from anything printable.
    pub fn invalid_input(message: impl Into<String>) -> Self {
        Self::InvalidInput(message.into())
    }

    /// [`PluginError::InvalidParams`] from anything printable.
    pub fn invalid_params(message: impl Into<String>) -> Self {
        Self::InvalidParams(message.into())
    }

    /// [`PluginError::Unsupported`] from anything printable.
    pub fn unsupported(message: impl Into<String>) -> Self {
        Self::Unsupported(message.into())
    }

    /// [`PluginError::Failed`] from anything printable.
    pub fn failed(message: impl Into<String>) -> Self {
        Self::Failed(message.into())
    }
}
